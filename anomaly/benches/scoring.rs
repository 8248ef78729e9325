//! Scoring speed: one practitioner, a block's worth (1,000 practitioners), and loading the model.
//!
//!     cargo bench -p ehr-anomaly --bench scoring
//!
//! The figures go in `docs/performance.md`; nothing asserts them.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ehr_anomaly::{
	export::{samples, Truth},
	log::{registry, ChainState, Referrals},
	score::{Scorer, DEFAULT_MODEL},
	simulate::{simulate, Config, Simulation},
};
use ehr_primitives::features::Features;

/// A simulated network, with its practitioners' wards and its referrals.
fn network() -> (Simulation, ChainState) {
	let simulation =
		simulate(&Config { seed: 9, days: 3, practitioners: 300, ..Config::default() });
	let (wards, utc_offsets) =
		registry(simulation.registry.clone()).expect("one registration per practitioner");
	let referrals = Referrals::new(simulation.referrals.clone()).expect("simulated referrals");
	(simulation, ChainState { wards, utc_offsets, referrals })
}

/// Real windows: the features of a simulated network's practitioners.
fn windows(count: usize) -> Vec<Features> {
	let (simulation, chain) = network();
	let truth = Truth::Labels(&simulation.labels);
	let all: Vec<_> = samples(&simulation.log, &chain, truth, 1).map(|(_, f)| f).collect();
	all.iter().cycle().take(count).cloned().collect()
}

fn scoring(c: &mut Criterion) {
	let scorer = Scorer::embedded().expect("the embedded model loads");
	let batch = windows(1000);
	c.bench_function("score 1 practitioner", |b| b.iter(|| scorer.score(&batch[..1])));
	c.bench_function("score 1000 practitioners", |b| b.iter(|| scorer.score(&batch)));
	c.bench_function("load and check the model", |b| {
		b.iter_batched(|| DEFAULT_MODEL, |bytes| Scorer::load(bytes, None), BatchSize::SmallInput)
	});
	c.bench_function("features of 1000 windows", |b| {
		let (simulation, chain) = network();
		b.iter(|| samples(&simulation.log, &chain, Truth::Labels(&[]), 1).take(1000).count())
	});
}

criterion_group! {
	name = benches;
	config = Criterion::default().sample_size(20);
	targets = scoring
}
criterion_main!(benches);
