//! The embedded model on the attack the sentinel's end-to-end test stages against a running
//! chain: a stolen credential's script fires 150 requests, for patients the account has no
//! consent for, in one block, after a handful of ordinary reads. Whatever the hour and the day,
//! the chain's default threshold must catch it; the e2e test sees one hour, this one the week.

use ehr_anomaly::{
	export::{samples, Truth},
	log::{category_name, read_log, ChainState, OnMalformed},
	score::{Scorer, CHAIN_THRESHOLD},
};
use ehr_primitives::consent::{Category, RecordCategory, StandardCategory};
use serde_json::{json, Value};
use std::{collections::BTreeMap, io::Cursor};

const SLOT: u64 = 2_000;
const HOUR: u64 = 3_600_000;
/// Monday 2026-11-23, 00:00 UTC.
const MONDAY: u64 = 1_795_392_000_000;
const BURST: usize = 150;

/// One decision of the staged physician `who`, in the block at `ts`.
fn decision(who: &str, ts: u64, patient: String, category: Category, granted: bool) -> Value {
	json!({
		"ts": ts, "practitioner": who, "organisation": "org-1", "role": "physician",
		"patient": patient, "category": category_name(category), "purpose": "treatment",
		"outcome": if granted { "granted" } else { "denied" },
		"deny_reason": if granted { Value::Null } else { json!("no_consent") },
		"emergency": false,
		"consent_scope": if granted { json!("practitioner") } else { Value::Null },
	})
}

/// The e2e's physician at `hour` of the week: six reads of its three patients a block apart,
/// then the burst, in one block a few seconds later.
fn staged(hour: u64) -> Vec<Value> {
	use StandardCategory::*;
	let who = format!("p-{hour:03}");
	let start = MONDAY + hour * HOUR + 13 * 60_000;
	let mut decisions: Vec<Value> =
		[Imaging, ClinicalNotes, LaboratoryResults, Medications, Allergies, Imaging]
			.into_iter()
			.enumerate()
			.map(|(i, category)| {
				decision(
					&who,
					start + i as u64 * SLOT,
					format!("pt-{hour}-{}", i % 3),
					category.into(),
					true,
				)
			})
			.collect();
	let burst_at = start + 10 * SLOT;
	// Every category in turn, as the e2e's script asks: the sensitive ones blinded.
	let categories: Vec<Category> =
		RecordCategory::ALL.into_iter().map(RecordCategory::without_salt).collect();
	decisions.extend((0..BURST).map(|i| {
		let category = categories[i % categories.len()];
		decision(&who, burst_at, format!("unknown-{hour}-{i}"), category, false)
	}));
	decisions
}

/// The staged decisions of every hour as a chain log: in block order, `seq` = block << 32 | index.
fn week_log() -> String {
	let mut by_block: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
	for decision in (0..7 * 24).flat_map(staged) {
		let ts = decision["ts"].as_u64().unwrap();
		by_block.entry((ts - MONDAY) / SLOT + 1).or_default().push(decision);
	}
	let mut log = String::new();
	for (block, decisions) in by_block {
		for (index, mut decision) in decisions.into_iter().enumerate() {
			decision["seq"] = json!(block << 32 | index as u64);
			log.push_str(&decision.to_string());
			log.push('\n');
		}
	}
	log
}

#[test]
fn a_scripted_burst_of_denied_requests_alerts_at_every_hour_of_the_week() {
	let (decisions, _) = read_log(Cursor::new(week_log()), OnMalformed::Refuse).unwrap();
	let chain = ChainState::default();
	let (sampled, features): (Vec<_>, Vec<_>) =
		samples(&decisions, &chain, Truth::Labels(&[]), 1).unzip();
	// Only the burst's block fills a window the model judges: one sample per hour.
	assert_eq!(sampled.len(), 7 * 24);
	let scores = Scorer::embedded().unwrap().score(&features).unwrap();
	let missed: Vec<String> = sampled
		.iter()
		.zip(&scores)
		.filter(|(_, score)| f64::from(score.score) < CHAIN_THRESHOLD)
		.map(|(sample, score)| format!("{} {:.3}", sample.practitioner, score.score))
		.collect();
	assert!(missed.is_empty(), "under {CHAIN_THRESHOLD} (p-HHH: hour of the week): {missed:?}");
}
