//! ONNX-ML's `TreeEnsembleRegressor` for tract, which implements only the classifier, and that
//! one finds each leaf's weights by walking the whole table of leaves from its start: 18 ms to
//! score one practitioner with the model's 400 trees. Here a batch's rows are summed with bit
//! masks ([`Masks`]: every branch compared over all the rows in one vectorised loop), and a few
//! rows by walking the trees level by level over many at once (`Forest::walk`). With the anomaly
//! model's trees, 1,000 practitioners took 3.8 ms walked, 2.0 ms by masks (`docs/performance.md`).
//!
//! The ensemble is checked once, at load: every child exists in its tree, every tree is a tree
//! (one root, no node reached twice, so no walk can loop), every feature it reads is in the
//! input. Supported as the model's export writes it (`model/ehr_model.py`): `aggregate_function`
//! SUM, `post_transform` NONE, float attributes (not the `*_as_tensor` doubles), and branches
//! that all compare alike (<= and > are one comparison, its children swapped; < and >=; == and
//! !=); anything else is refused, naming the attribute.

use std::{collections::HashMap, sync::Arc};
use tract_onnx::{
	model::{OnnxOpRegister, ParsingContext},
	pb::NodeProto,
	pb_helpers::AttrTVecType,
	tract_hir::internal::*,
};

/// Register the operator with a tract ONNX parser's operators.
pub fn register(operators: &mut OnnxOpRegister) {
	operators.insert("TreeEnsembleRegressor", parse);
}

/// How a branch compares its feature with its threshold (when it holds: the true child).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
	Leq,
	Lt,
	Gte,
	Gt,
	Eq,
	Neq,
}

/// The comparison a walk makes: a [`Rule`] or its complement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Comparison {
	Leq,
	Lt,
	Eq,
}

impl Rule {
	/// The comparison the walk makes instead, and whether the rule is its complement (x > t is
	/// not x <= t, for any x not NaN).
	fn normal(self) -> (Comparison, bool) {
		match self {
			Self::Leq => (Comparison::Leq, false),
			Self::Lt => (Comparison::Lt, false),
			Self::Eq => (Comparison::Eq, false),
			Self::Gt => (Comparison::Leq, true),
			Self::Gte => (Comparison::Lt, true),
			Self::Neq => (Comparison::Eq, true),
		}
	}

	/// The rule of a node's `mode`: `Some(None)` for a leaf, `None` for no mode of ONNX-ML's.
	fn parse(mode: &str) -> Option<Option<Self>> {
		Some(Some(match mode {
			"BRANCH_LEQ" => Self::Leq,
			"BRANCH_LT" => Self::Lt,
			"BRANCH_GTE" => Self::Gte,
			"BRANCH_GT" => Self::Gt,
			"BRANCH_EQ" => Self::Eq,
			"BRANCH_NEQ" => Self::Neq,
			"LEAF" => return Some(None),
			_ => return None,
		}))
	}
}

/// A node as parsed and checked.
#[derive(Clone, Copy, Debug)]
enum Node {
	/// Read `feature`; go to `children[1]` when the rule holds (or the feature is NaN and
	/// `nan_true`), to `children[0]` otherwise.
	Branch { feature: usize, threshold: f32, rule: Rule, nan_true: bool, children: [usize; 2] },
	/// The leaf's weights start at this index of `Forest::weights` (`targets` of them).
	Leaf(usize),
}

impl Node {
	fn is_branch(&self) -> bool {
		matches!(self, Self::Branch { .. })
	}
}

/// In a [`Step`]'s `feature`: a missing (NaN) value takes the true child.
const NAN_TRUE: u32 = 1 << 31;

/// Whether a branch reading `feature` (with its [`NAN_TRUE`] flag) sends the value `x` to its
/// true child: the comparison `holds` (false for NaN, as every [`Comparison`] is) or a missing
/// value the branch sends there. Without a branch, so that the masks' loop is vectorised.
#[inline(always)]
fn goes_true(feature: u32, threshold: f32, x: f32, holds: impl Fn(f32, f32) -> bool) -> bool {
	holds(x, threshold) | (x.is_nan() & (feature & NAN_TRUE != 0))
}

/// A node as the walk reads it, in 16 bytes (four to a cache line). A leaf steps to itself, so
/// that every walk of a tree takes the same number of steps, its depth: no branch on whether a
/// leaf was reached, whose misprediction would keep the processor from walking several rows at
/// once.
#[derive(Clone, Copy, Debug)]
struct Step {
	feature: u32,
	threshold: f32,
	/// The false child, then the true one.
	children: [u32; 2],
}

/// A checked ensemble of trees.
#[derive(Debug)]
struct Forest {
	/// Each tree's root and depth.
	trees: Vec<(u32, u32)>,
	steps: Vec<Step>,
	/// Per node: where a leaf's weights start in `weights`.
	first_weight: Vec<u32>,
	/// Every branch's (`Rule::normal`): chosen once for the walk.
	comparison: Comparison,
	/// `targets` per leaf, summed over the leaf's entries.
	weights: Vec<f32>,
	targets: usize,
	/// Added to every output (`base_values`).
	base: Vec<f32>,
	/// The input must have more features than this.
	max_feature: usize,
	/// The trees as masks, when every tree has at most 32 leaves.
	masks: Option<Masks>,
}

/// Batches of at least this many rows are summed with [`Masks`], smaller ones by walking: a
/// walk takes a tree's depth in steps, the masks compare all its branches (measured crossing
/// over between 8 and 16 rows with the anomaly model's trees, depth 5 and 23 leaves on average).
const MASK_ROWS: usize = 16;

/// A branch as [`Masks`] read it.
#[derive(Clone, Copy, Debug)]
struct MaskBranch {
	/// As a [`Step`]'s: the feature, [`NAN_TRUE`] set when a missing value takes the true child.
	feature: u32,
	threshold: f32,
	/// The tree's leaves still possible when the branch does not hold: all but those under its
	/// true child.
	keep: u32,
}

/// The trees as bit masks (the idea of QuickScorer, Lucchese et al., SIGIR 2015). A tree's
/// leaves, at most 32, are numbered in the order a walk taking the true child first meets
/// them; each branch that does not hold for a row clears the bits of the leaves under its true
/// child, and the row's leaf is the lowest bit left. No branch clears it: one whose true side
/// holds the row's leaf is on the row's path and holds. Every leaf before it is cleared: where
/// its path and the row's part, the branch does not hold for the row, the leaf being on the
/// true side. So every branch of a tree is compared over a batch's rows in one loop, reading
/// its feature's values side by side (the compiler's vector instructions), instead of each
/// row's walk waiting on its next node. That loop runs at a third of its speed after tract's
/// AVX kernels unless the registers are cleared first, as the scorer does before every node
/// (`score::clear_upper_vector_state`).
#[derive(Debug)]
struct Masks {
	/// Per tree, in `Forest::trees`' order: where its branches end in `branches` (the tree
	/// before's end is where they start) and where its leaves start in `leaves`.
	trees: Vec<(usize, usize)>,
	branches: Vec<MaskBranch>,
	/// Per leaf: where its weights start in `Forest::weights`.
	leaves: Vec<u32>,
}

impl Masks {
	/// The masks of the walk's `steps` from each tree's root, or None if a tree has more than
	/// 32 leaves.
	fn compile(steps: &[Step], first_weight: &[u32], trees: &[(u32, u32)]) -> Option<Self> {
		/// A node to visit, or the end of the true side of a branch (its index), whose leaves
		/// start at `first`.
		enum Visit {
			Node(u32),
			TrueSideEnd { branch: usize, first: usize },
		}
		let mut masks = Self { trees: vec![], branches: vec![], leaves: vec![] };
		for &(root, _) in trees {
			let first_leaf = masks.leaves.len();
			let mut stack = vec![Visit::Node(root)];
			while let Some(visit) = stack.pop() {
				let leaves = masks.leaves.len() - first_leaf;
				match visit {
					Visit::Node(at) => {
						let step = steps[at as usize];
						if step.children == [at; 2] {
							if leaves == 32 {
								return None;
							}
							masks.leaves.push(first_weight[at as usize]);
							continue;
						}
						let Step { feature, threshold, children: [no, yes] } = step;
						let branch = masks.branches.len();
						masks.branches.push(MaskBranch { feature, threshold, keep: !0 });
						stack.extend([
							Visit::Node(no),
							Visit::TrueSideEnd { branch, first: leaves },
							Visit::Node(yes),
						]);
					},
					Visit::TrueSideEnd { branch, first } => {
						// Leaves `first..leaves`, at most 32: bits below `leaves` but not `first`.
						let below = |n: usize| (1u64 << n) - 1;
						masks.branches[branch].keep = !((below(leaves) ^ below(first)) as u32);
					},
				}
			}
			masks.trees.push((masks.branches.len(), first_leaf));
		}
		Some(masks)
	}
}

impl Forest {
	/// The checked `nodes` in the walk's layout.
	fn compile(nodes: &[Node]) -> TractResult<(Vec<Step>, Vec<u32>, Comparison)> {
		let mut rules = nodes.iter().filter_map(|n| match n {
			Node::Branch { rule, .. } => Some(rule.normal().0),
			Node::Leaf(_) => None,
		});
		let comparison = rules.next().unwrap_or(Comparison::Leq);
		if let Some(other) = rules.find(|r| *r != comparison) {
			bail!("branches comparing both as {comparison:?} and as {other:?}: one is supported");
		}
		let index = |i: usize| u32::try_from(i).map_err(|_| format_err!("too many nodes"));
		let mut steps = Vec::with_capacity(nodes.len());
		let mut first_weight = Vec::with_capacity(nodes.len());
		for (i, node) in nodes.iter().enumerate() {
			let (step, first) = match *node {
				Node::Branch { feature, threshold, rule, nan_true, children } => {
					// A complement's children swapped: its true child is then the first.
					let swap = rule.normal().1;
					let [no, yes] = if swap { [children[1], children[0]] } else { children };
					let feature = u32::try_from(feature).ok().filter(|f| *f < NAN_TRUE);
					let feature =
						feature.ok_or_else(|| format_err!("feature beyond {NAN_TRUE}"))?;
					let nan = if nan_true != swap { NAN_TRUE } else { 0 };
					(
						Step {
							feature: feature | nan,
							threshold,
							children: [index(no)?, index(yes)?],
						},
						0,
					)
				},
				Node::Leaf(first) => {
					(Step { feature: 0, threshold: 0.0, children: [index(i)?; 2] }, index(first)?)
				},
			};
			steps.push(step);
			first_weight.push(first);
		}
		Ok((steps, first_weight, comparison))
	}

	/// The ensemble's outputs for `rows` (`features` each), row-major `[rows, targets]`.
	fn eval(&self, input: &[f32], features: usize) -> TractResult<Vec<f32>> {
		self.check_width(features)?;
		// The comparison chosen once, out of the loops.
		Ok(match self.comparison {
			Comparison::Leq => self.sums(input, features, |x, t| x <= t),
			Comparison::Lt => self.sums(input, features, |x, t| x < t),
			Comparison::Eq => self.sums(input, features, |x, t| x == t),
		})
	}

	/// Per row, its leaf of every tree summed, then the base: by [`Masks`] for a batch of
	/// [`MASK_ROWS`] or more, by walking the trees otherwise.
	#[inline(always)]
	fn sums(&self, input: &[f32], features: usize, holds: impl Fn(f32, f32) -> bool) -> Vec<f32> {
		let rows = input.len() / features;
		let mut out = vec![0.0; rows * self.targets];
		match &self.masks {
			Some(masks) if rows >= MASK_ROWS => self.mask(masks, input, features, &mut out, holds),
			_ => self.walk(input, features, &mut out, holds),
		}
		// The base last, as onnxruntime adds it (the reference outputs are its sums).
		for sums in out.chunks_exact_mut(self.targets) {
			for (sum, base) in sums.iter_mut().zip(&self.base) {
				*sum += base;
			}
		}
		out
	}

	/// Every tree over every row, level by level over a group of trees and rows: each walk's
	/// next step depends on its own last one only, so the processor takes steps of many walks
	/// at once instead of waiting on one walk's chain of loads. A group holds about WALKS
	/// walks (one row: many trees; a batch: one tree, whose nodes stay in the cache); a leaf
	/// steps to itself, so a group takes its deepest tree's number of steps.
	#[inline(always)]
	fn walk(
		&self,
		input: &[f32],
		features: usize,
		out: &mut [f32],
		holds: impl Fn(f32, f32) -> bool,
	) {
		const WALKS: usize = 128;
		let rows: Vec<&[f32]> = input.chunks_exact(features).collect();
		if rows.is_empty() {
			return;
		}
		let mut at = Vec::with_capacity(WALKS.max(rows.len()));
		for group in self.trees.chunks((WALKS / rows.len()).max(1)) {
			at.clear();
			at.extend(group.iter().flat_map(|&(root, _)| std::iter::repeat_n(root, rows.len())));
			let depth = group.iter().map(|&(_, depth)| depth).max().unwrap_or(0);
			for _ in 0..depth {
				for tree in at.chunks_exact_mut(rows.len()) {
					for (at, row) in tree.iter_mut().zip(&rows) {
						let step = &self.steps[*at as usize];
						let x = row[(step.feature & !NAN_TRUE) as usize];
						*at = step.children
							[goes_true(step.feature, step.threshold, x, &holds) as usize];
					}
				}
			}
			for leaves in at.chunks_exact(rows.len()) {
				for (leaf, sums) in leaves.iter().zip(out.chunks_exact_mut(self.targets)) {
					self.add_leaf(sums, self.first_weight[*leaf as usize]);
				}
			}
		}
	}

	/// Every tree over every row by its [`Masks`], tree by tree (the walk's order of sums).
	#[inline(always)]
	fn mask(
		&self,
		masks: &Masks,
		input: &[f32],
		features: usize,
		out: &mut [f32],
		holds: impl Fn(f32, f32) -> bool,
	) {
		// The input feature by feature: a branch reads its feature's values side by side.
		let rows = input.len() / features;
		let mut columns = vec![0.0; input.len()];
		for (r, row) in input.chunks_exact(features).enumerate() {
			for (f, &x) in row.iter().enumerate() {
				columns[f * rows + r] = x;
			}
		}
		let mut left = vec![0u32; rows];
		let mut start = 0;
		for &(end, first_leaf) in &masks.trees {
			left.fill(!0);
			for branch in &masks.branches[start..end] {
				let feature = (branch.feature & !NAN_TRUE) as usize;
				let column = &columns[feature * rows..(feature + 1) * rows];
				// Out of the loop: the compiler cannot tell that `left` does not hold it.
				let keep = branch.keep;
				for (left, &x) in left.iter_mut().zip(column) {
					let holds = goes_true(branch.feature, branch.threshold, x, &holds);
					// Where it holds, all ones: nothing cleared.
					*left &= keep | 0u32.wrapping_sub(holds as u32);
				}
			}
			for (left, sums) in left.iter().zip(out.chunks_exact_mut(self.targets)) {
				// The row's own leaf is never cleared (`Masks`): a bit is left.
				self.add_leaf(sums, masks.leaves[first_leaf + left.trailing_zeros() as usize]);
			}
			start = end;
		}
	}

	/// Add the weights of the leaf whose weights start at `first` to a row's `sums`.
	#[inline(always)]
	fn add_leaf(&self, sums: &mut [f32], first: u32) {
		let first = first as usize;
		for (sum, w) in sums.iter_mut().zip(&self.weights[first..first + self.targets]) {
			*sum += w;
		}
	}

	/// Refuse an input of `features` features that the trees read beyond.
	fn check_width(&self, features: usize) -> TractResult<()> {
		ensure!(
			features > self.max_feature,
			"the trees read feature {} of an input of {features}",
			self.max_feature
		);
		Ok(())
	}
}

/// The attributes of a `TreeEnsembleRegressor` node, checked, as a [`Forest`].
fn parse_forest(node: &NodeProto) -> TractResult<Forest> {
	for unsupported in
		["nodes_values_as_tensor", "base_values_as_tensor", "target_weights_as_tensor"]
	{
		node.expect_attr(
			unsupported,
			node.attribute.iter().all(|a| a.name != unsupported),
			"float attributes instead",
		)?;
	}
	let aggregate = node.get_attr_opt::<&str>("aggregate_function")?.unwrap_or("SUM");
	node.expect_attr("aggregate_function", aggregate == "SUM", "SUM")?;
	let transform = node.get_attr_opt::<&str>("post_transform")?.unwrap_or("NONE");
	node.expect_attr("post_transform", transform == "NONE", "NONE")?;
	let targets = node.get_attr_opt::<i64>("n_targets")?.unwrap_or(1);
	node.expect_attr("n_targets", (1..=1024).contains(&targets), "1 to 1024")?;
	let targets = targets as usize;
	let base = node.get_attr_opt_vec::<f32>("base_values")?.unwrap_or_else(|| vec![0.0; targets]);
	node.expect_attr("base_values", base.len() == targets, "one per target")?;

	let trees = node.get_attr_vec::<i64>("nodes_treeids")?;
	let ids = attribute(node, "nodes_nodeids", trees.len())?;
	// Node (tree, id) -> its index here.
	let mut index = HashMap::with_capacity(trees.len());
	for (i, key) in trees.iter().copied().zip(ids.iter().copied()).enumerate() {
		node.expect_attr("nodes_nodeids", index.insert(key, i).is_none(), "unique ids per tree")?;
	}
	let (leaf_of, mut weights) = leaf_weights(node, &index, targets)?;
	let nodes = nodes(node, &trees, &ids, &index, |i| match leaf_of[i] {
		Some(start) => start,
		// A leaf no entry names adds nothing.
		None => {
			weights.extend(std::iter::repeat_n(0.0, targets));
			weights.len() - targets
		},
	})?;
	if let Some(i) = (0..nodes.len()).find(|&i| leaf_of[i].is_some() && nodes[i].is_branch()) {
		bail!("a target entry names node {} of tree {}, a branch", ids[i], trees[i]);
	}
	let max_feature = nodes
		.iter()
		.filter_map(|n| match n {
			Node::Branch { feature, .. } => Some(*feature),
			Node::Leaf(_) => None,
		})
		.max()
		.unwrap_or(0);
	let trees = roots(&nodes, &trees)?;
	let (steps, first_weight, comparison) = Forest::compile(&nodes)?;
	let masks = Masks::compile(&steps, &first_weight, &trees);
	Ok(Forest {
		trees,
		steps,
		first_weight,
		comparison,
		weights,
		targets,
		base,
		max_feature,
		masks,
	})
}

/// The attribute `name`: `count` integers.
fn attribute<T: for<'a> AttrTVecType<'a>>(
	node: &NodeProto,
	name: &str,
	count: usize,
) -> TractResult<Vec<T>> {
	let values = node.get_attr_vec::<T>(name)?;
	node.expect_attr(name, values.len() == count, || {
		format!("{count} values, got {}", values.len())
	})?;
	Ok(values)
}

/// Per node, where its weights start in the returned weights (`targets` per leaf, each
/// target's entries summed), if any entry names it.
fn leaf_weights(
	node: &NodeProto,
	index: &HashMap<(i64, i64), usize>,
	targets: usize,
) -> TractResult<(Vec<Option<usize>>, Vec<f32>)> {
	let trees = node.get_attr_vec::<i64>("target_treeids")?;
	let ids = attribute::<i64>(node, "target_nodeids", trees.len())?;
	let target_ids = attribute::<i64>(node, "target_ids", trees.len())?;
	let entries = attribute::<f32>(node, "target_weights", trees.len())?;
	let mut leaf_of = vec![None; index.len()];
	let mut weights = vec![];
	for (e, weight) in entries.into_iter().enumerate() {
		let i = index.get(&(trees[e], ids[e])).copied().ok_or_else(|| {
			format_err!("target entry {e} names no node (tree {}, id {})", trees[e], ids[e])
		})?;
		let target = usize::try_from(target_ids[e]).ok().filter(|t| *t < targets);
		let target =
			target.ok_or_else(|| format_err!("target entry {e}: no target {}", target_ids[e]))?;
		let start = *leaf_of[i].get_or_insert_with(|| {
			weights.extend(std::iter::repeat_n(0.0, targets));
			weights.len() - targets
		});
		weights[start + target] += weight;
	}
	Ok((leaf_of, weights))
}

/// The nodes, in the attributes' order, each branch's children resolved within its tree and
/// each leaf's weights where `leaf` puts them.
fn nodes(
	node: &NodeProto,
	trees: &[i64],
	ids: &[i64],
	index: &HashMap<(i64, i64), usize>,
	mut leaf: impl FnMut(usize) -> usize,
) -> TractResult<Vec<Node>> {
	let count = trees.len();
	let features = attribute::<i64>(node, "nodes_featureids", count)?;
	let trues = attribute::<i64>(node, "nodes_truenodeids", count)?;
	let falses = attribute::<i64>(node, "nodes_falsenodeids", count)?;
	let thresholds = attribute::<f32>(node, "nodes_values", count)?;
	let modes = attribute::<String>(node, "nodes_modes", count)?;
	let nan_true = match node.get_attr_opt_vec::<i64>("nodes_missing_value_tracks_true")? {
		Some(_) => attribute::<i64>(node, "nodes_missing_value_tracks_true", count)?,
		None => vec![0; count],
	};
	let at = |i: usize| format!("node {} of tree {}", ids[i], trees[i]);
	let child = |i: usize, id: i64| -> TractResult<usize> {
		index
			.get(&(trees[i], id))
			.copied()
			.ok_or_else(|| format_err!("{} has no child {id} in its tree", at(i)))
	};
	(0..count)
		.map(|i| {
			let rule = Rule::parse(&modes[i])
				.ok_or_else(|| format_err!("{}: mode {}", at(i), modes[i]))?;
			let Some(rule) = rule else { return Ok(Node::Leaf(leaf(i))) };
			Ok(Node::Branch {
				feature: usize::try_from(features[i])
					.map_err(|_| format_err!("{}: feature {}", at(i), features[i]))?,
				threshold: thresholds[i],
				rule,
				nan_true: nan_true[i] != 0,
				children: [child(i, falses[i])?, child(i, trues[i])?],
			})
		})
		.collect()
}

/// Each tree's root (its one node no branch points to) and depth, checking that from the roots
/// every node is reached exactly once.
fn roots(nodes: &[Node], trees: &[i64]) -> TractResult<Vec<(u32, u32)>> {
	let mut parents = vec![0u32; nodes.len()];
	for node in nodes {
		if let Node::Branch { children, .. } = node {
			for &c in children {
				parents[c] += 1;
			}
		}
	}
	if let Some(i) = parents.iter().position(|&p| p > 1) {
		bail!("node {i} (in order) has {} parents: not a tree", parents[i]);
	}
	let mut roots: Vec<usize> = (0..nodes.len()).filter(|&i| parents[i] == 0).collect();
	roots.sort_by_key(|&i| trees[i]);
	if let Some(pair) = roots.windows(2).find(|pair| trees[pair[0]] == trees[pair[1]]) {
		bail!("tree {} has two roots (nodes {} and {} in order)", trees[pair[0]], pair[0], pair[1]);
	}
	let mut seen = vec![false; nodes.len()];
	let mut walks = Vec::with_capacity(roots.len());
	for &root in &roots {
		let mut depth = 0;
		let mut stack = vec![(root, 0)];
		while let Some((i, d)) = stack.pop() {
			ensure!(!seen[i], "node {i} (in order) is reached twice: not a tree");
			seen[i] = true;
			depth = depth.max(d);
			if let Node::Branch { children, .. } = nodes[i] {
				stack.extend(children.map(|c| (c, d + 1)));
			}
		}
		walks.push((u32::try_from(root)?, depth));
	}
	// A node nothing reaches from a root is on a cycle.
	ensure!(seen.iter().all(|&s| s), "some nodes form a cycle: not a tree");
	Ok(walks)
}

fn parse(
	_ctx: &ParsingContext,
	node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
	Ok((expand(TreeEnsemble(Arc::new(parse_forest(node)?))), vec![]))
}

/// The operator: the ensemble's sums for a batch `[n, features]` -> `[n, targets]`. Two are
/// equal when they share their forest (tract compares operators to merge identical nodes).
#[derive(Clone, Debug)]
struct TreeEnsemble(Arc<Forest>);

impl PartialEq for TreeEnsemble {
	fn eq(&self, other: &Self) -> bool {
		Arc::ptr_eq(&self.0, &other.0)
	}
}

impl Eq for TreeEnsemble {}

impl Expansion for TreeEnsemble {
	fn name(&self) -> StaticName {
		"TreeEnsembleRegressor".into()
	}

	fn rules<'r, 'p: 'r, 's: 'r>(
		&'s self,
		s: &mut Solver<'r>,
		inputs: &'p [TensorProxy],
		outputs: &'p [TensorProxy],
	) -> InferenceResult {
		check_input_arity(inputs, 1)?;
		check_output_arity(outputs, 1)?;
		s.equals(&inputs[0].datum_type, f32::datum_type())?;
		s.equals(&inputs[0].rank, 2)?;
		s.equals(&outputs[0].datum_type, f32::datum_type())?;
		s.equals(&outputs[0].rank, 2)?;
		s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
		s.equals(&outputs[0].shape[1], self.0.targets.to_dim())?;
		Ok(())
	}

	fn wire(
		&self,
		prefix: &str,
		model: &mut TypedModel,
		inputs: &[OutletId],
	) -> TractResult<TVec<OutletId>> {
		model.wire_node(prefix, self.clone(), inputs)
	}
}

impl Op for TreeEnsemble {
	fn name(&self) -> StaticName {
		"TreeEnsembleRegressor".into()
	}

	op_as_typed_op!();
}

impl EvalOp for TreeEnsemble {
	op_out_of_plan!();

	fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
		let input = args_1!(inputs);
		let &[rows, features] = input.shape() else { bail!("input of shape {:?}", input.shape()) };
		let out = self.0.eval(input.try_as_plain_ram()?.as_slice::<f32>()?, features)?;
		Ok(tvec!(Tensor::from_shape(&[rows, self.0.targets], &out)?.into_tvalue()))
	}
}

impl TypedOp for TreeEnsemble {
	fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
		let shape = &inputs[0].shape;
		ensure!(shape.rank() == 2, "input of rank {}", shape.rank());
		if let Ok(features) = shape[1].to_usize() {
			self.0.check_width(features)?;
		}
		Ok(tvec!(f32::fact(&[shape[0].clone(), self.0.targets.to_dim()])))
	}

	as_op!();
}

#[cfg(test)]
mod tests {
	use super::*;
	use tract_onnx::pb::{attribute_proto::AttributeType, *};

	/// A node: (tree, id, feature, threshold, mode, true id, false id).
	type Row = (i64, i64, i64, f32, &'static str, i64, i64);
	/// A leaf's entry: (tree, id, weight), target 0.
	type Entry = (i64, i64, f32);

	/// An attribute `name` of type `kind`, its values set by the caller.
	fn attribute(name: &str, kind: AttributeType) -> AttributeProto {
		AttributeProto { name: name.into(), r#type: kind as i32, ..Default::default() }
	}

	fn ints(name: &str, ints: Vec<i64>) -> AttributeProto {
		AttributeProto { ints, ..attribute(name, AttributeType::Ints) }
	}

	fn floats(name: &str, floats: Vec<f32>) -> AttributeProto {
		AttributeProto { floats, ..attribute(name, AttributeType::Floats) }
	}

	fn text(name: &str, s: &str) -> AttributeProto {
		AttributeProto { s: s.as_bytes().to_vec(), ..attribute(name, AttributeType::String) }
	}

	/// A regressor node over `rows` and `entries`, its base 0.25, with `extra` attributes.
	fn regressor(rows: &[Row], entries: &[Entry], extra: Vec<AttributeProto>) -> NodeProto {
		let column = |f: fn(&Row) -> i64| rows.iter().map(f).collect::<Vec<_>>();
		let mut attribute = vec![
			ints("nodes_treeids", column(|r| r.0)),
			ints("nodes_nodeids", column(|r| r.1)),
			ints("nodes_featureids", column(|r| r.2)),
			floats("nodes_values", rows.iter().map(|r| r.3).collect()),
			AttributeProto {
				strings: rows.iter().map(|r| r.4.as_bytes().to_vec()).collect(),
				..attribute("nodes_modes", AttributeType::Strings)
			},
			ints("nodes_truenodeids", column(|r| r.5)),
			ints("nodes_falsenodeids", column(|r| r.6)),
			ints("target_treeids", entries.iter().map(|e| e.0).collect()),
			ints("target_nodeids", entries.iter().map(|e| e.1).collect()),
			ints("target_ids", vec![0; entries.len()]),
			floats("target_weights", entries.iter().map(|e| e.2).collect()),
			floats("base_values", vec![0.25]),
		];
		attribute.extend(extra);
		NodeProto {
			op_type: "TreeEnsembleRegressor".into(),
			domain: "ai.onnx.ml".into(),
			input: vec!["x".into()],
			output: vec!["y".into()],
			attribute,
			..Default::default()
		}
	}

	/// `node` in a graph `x` [rows, 2] -> `y`, through tract with the operator registered.
	fn run(node: NodeProto, x: &[[f32; 2]]) -> TractResult<Vec<f32>> {
		let float =
			type_proto::Tensor { elem_type: tensor_proto::DataType::Float as i32, shape: None };
		let value = |name: &str| ValueInfoProto {
			name: name.into(),
			r#type: Some(TypeProto {
				value: Some(type_proto::Value::TensorType(float.clone())),
				..Default::default()
			}),
			..Default::default()
		};
		let opset = |domain: &str, version| OperatorSetIdProto { domain: domain.into(), version };
		let proto = ModelProto {
			ir_version: 8,
			opset_import: vec![opset("", 17), opset("ai.onnx.ml", 3)],
			graph: Some(GraphProto {
				node: vec![node],
				input: vec![value("x")],
				output: vec![value("y")],
				..Default::default()
			}),
			..Default::default()
		};
		let mut onnx = tract_onnx::onnx();
		register(&mut onnx.op_register);
		let plan = onnx
			.model_for_proto_model(&proto)?
			.with_input_fact(0, f32::fact([x.len(), 2]).into())?
			.into_optimized()?
			.into_runnable()?;
		let input = Tensor::from_shape(&[x.len(), 2], x.as_flattened())?;
		let output = plan.run(tvec!(input.into()))?;
		Ok(output[0].to_plain_array_view::<f32>()?.iter().copied().collect())
	}

	/// Tree 0: x0 <= 0.5 ? 1 : 2. Tree 1: x1 > 3 ? 10 : (x0 <= -0.5 ? 100 : 1000), its last
	/// leaf in two entries.
	const ROWS: [Row; 8] = [
		(0, 0, 0, 0.5, "BRANCH_LEQ", 1, 2),
		(0, 1, 0, 0.0, "LEAF", 0, 0),
		(0, 2, 0, 0.0, "LEAF", 0, 0),
		(1, 0, 1, 3.0, "BRANCH_GT", 1, 2),
		(1, 1, 0, 0.0, "LEAF", 0, 0),
		(1, 2, 0, -0.5, "BRANCH_LEQ", 3, 4),
		(1, 3, 0, 0.0, "LEAF", 0, 0),
		(1, 4, 0, 0.0, "LEAF", 0, 0),
	];
	const ENTRIES: [Entry; 6] =
		[(0, 1, 1.0), (0, 2, 2.0), (1, 1, 10.0), (1, 3, 100.0), (1, 4, 600.0), (1, 4, 400.0)];

	#[test]
	fn the_trees_sum_their_leaves_and_the_base() {
		let x = [[0.5, 3.0], [0.6, 3.5], [-1.0, 0.0], [2.0, -7.0]];
		let y = run(regressor(&ROWS, &ENTRIES, vec![]), &x).unwrap();
		assert_eq!(y, [1.0 + 1000.0 + 0.25, 2.0 + 10.0 + 0.25, 1.0 + 100.0 + 0.25, 1002.25]);
	}

	#[test]
	fn a_missing_feature_goes_where_its_node_says() {
		let x = [[f32::NAN, 0.0], [0.0, f32::NAN]];
		let y = run(regressor(&ROWS, &ENTRIES, vec![]), &x).unwrap();
		assert_eq!(y, [2.0 + 1000.0 + 0.25, 1.0 + 1000.0 + 0.25]);
		let tracks = ints("nodes_missing_value_tracks_true", vec![1; ROWS.len()]);
		let y = run(regressor(&ROWS, &ENTRIES, vec![tracks]), &x).unwrap();
		assert_eq!(y, [1.0 + 100.0 + 0.25, 1.0 + 10.0 + 0.25]);
	}

	/// ROWS' rules as the pair `(rule, complement)` (tree 0 and tree 1's second branch compare
	/// by `rule`, tree 1's root by its complement), with `tracks` missing values to the true
	/// child, over a grid of values with NaNs, 35 rows (masks); and what they sum to, by hand.
	fn grid(rule: (&'static str, &'static str), tracks: bool) -> (NodeProto, Vec<[f32; 2]>) {
		let mut rows = ROWS;
		for i in [0, 5] {
			rows[i].4 = rule.0;
		}
		rows[3].4 = rule.1;
		let extra = if tracks {
			vec![ints("nodes_missing_value_tracks_true", vec![1; ROWS.len()])]
		} else {
			vec![]
		};
		let x0 = [-1.0, -0.5, 0.0, 0.5, 0.6, 2.0, f32::NAN];
		let x1 = [-7.0, 0.0, 3.0, 3.5, f32::NAN];
		(regressor(&rows, &ENTRIES, extra), x0.iter().flat_map(|&a| x1.map(|b| [a, b])).collect())
	}

	/// A rule's and its complement's modes, and the rule's comparison.
	type RulePair = ((&'static str, &'static str), fn(f32, f32) -> bool);

	/// What [`grid`]'s trees sum to for `x`, `holds` being the rule's comparison.
	fn by_hand(x: [f32; 2], holds: fn(f32, f32) -> bool, tracks: bool) -> f32 {
		let goes = |x: f32, t: f32, complement: bool| {
			if x.is_nan() {
				tracks
			} else {
				holds(x, t) != complement
			}
		};
		let tree0 = if goes(x[0], 0.5, false) { 1.0 } else { 2.0 };
		let tree1 = match (goes(x[1], 3.0, true), goes(x[0], -0.5, false)) {
			(true, _) => 10.0,
			(false, true) => 100.0,
			(false, false) => 1000.0,
		};
		tree0 + tree1 + 0.25
	}

	#[test]
	fn a_batch_sums_by_masks_what_each_row_sums_by_walking() {
		let rules: [RulePair; 3] = [
			(("BRANCH_LEQ", "BRANCH_GT"), |x, t| x <= t),
			(("BRANCH_LT", "BRANCH_GTE"), |x, t| x < t),
			(("BRANCH_EQ", "BRANCH_NEQ"), |x, t| x == t),
		];
		for (rule, holds) in rules {
			for tracks in [false, true] {
				let (node, x) = grid(rule, tracks);
				assert!(x.len() >= MASK_ROWS);
				assert!(parse_forest(&node).unwrap().masks.is_some());
				let batch = run(node.clone(), &x).unwrap();
				for (row, sum) in x.iter().zip(batch) {
					let expected = by_hand(*row, holds, tracks);
					assert_eq!(sum, expected, "{rule:?}, tracks {tracks}, {row:?}");
					assert_eq!(run(node.clone(), &[*row]).unwrap(), [expected], "{row:?}");
				}
			}
		}
	}

	/// One tree: x0 <= 0 ? 0 : (x0 <= 1 ? 1 : ... (x0 <= leaves - 2 ? leaves - 2 : leaves - 1)).
	fn chain(leaves: i64) -> NodeProto {
		let mut rows = vec![];
		for k in 0..leaves - 1 {
			rows.push((0, 2 * k, 0, k as f32, "BRANCH_LEQ", 2 * k + 1, 2 * k + 2));
			rows.push((0, 2 * k + 1, 0, 0.0, "LEAF", 0, 0));
		}
		rows.push((0, 2 * leaves - 2, 0, 0.0, "LEAF", 0, 0));
		let entries: Vec<Entry> = (0..leaves - 1)
			.map(|k| (0, 2 * k + 1, k as f32))
			.chain([(0, 2 * leaves - 2, (leaves - 1) as f32)])
			.collect();
		regressor(&rows, &entries, vec![])
	}

	#[test]
	fn a_tree_of_more_than_32_leaves_is_walked_in_a_batch_too() {
		for (leaves, masks) in [(32, true), (33, false)] {
			let node = chain(leaves);
			assert_eq!(parse_forest(&node).unwrap().masks.is_some(), masks, "{leaves} leaves");
			let x: Vec<[f32; 2]> = (-2..leaves + 2).map(|v| [v as f32 - 0.5, 0.0]).collect();
			let y = run(node, &x).unwrap();
			let expected = (-2..leaves + 2).map(|v| v.clamp(0, leaves - 1) as f32 + 0.25);
			assert_eq!(y, expected.collect::<Vec<_>>(), "{leaves} leaves");
		}
	}

	fn refusal(rows: &[Row], extra: Vec<AttributeProto>) -> String {
		format!("{:#}", run(regressor(rows, &ENTRIES, extra), &[[0.0, 0.0]]).unwrap_err())
	}

	#[test]
	fn what_it_does_not_implement_is_refused_by_name() {
		let average = refusal(&ROWS, vec![text("aggregate_function", "AVERAGE")]);
		assert!(average.contains("aggregate_function"), "{average}");
		let logistic = refusal(&ROWS, vec![text("post_transform", "LOGISTIC")]);
		assert!(logistic.contains("post_transform"), "{logistic}");
		let mut rows = ROWS;
		rows[0].4 = "BRANCH_SOMETIMES";
		assert!(refusal(&rows, vec![]).contains("mode BRANCH_SOMETIMES"));
		rows[0].4 = "BRANCH_LT"; // where the others compare as <=
		assert!(refusal(&rows, vec![]).contains("both as Lt and as Leq"));
	}

	#[test]
	fn what_is_not_a_tree_is_refused() {
		let mut missing = ROWS;
		missing[0].5 = 7;
		assert!(refusal(&missing, vec![]).contains("has no child 7"));
		let mut shared = ROWS;
		shared[5].5 = 4; // both children of node 2 of tree 1 are node 4
		assert!(refusal(&shared, vec![]).contains("not a tree"));
		let mut cycle = ROWS;
		cycle[5].5 = 0; // back to tree 1's root: no root left
		assert!(refusal(&cycle, vec![]).contains("not a tree"));
		let mut stray = ROWS.to_vec();
		stray.push((1, 5, 0, 0.0, "LEAF", 0, 0)); // no branch leads to it
		assert!(refusal(&stray, vec![]).contains("tree 1 has two roots"));
	}

	#[test]
	fn weights_on_a_branch_are_refused() {
		let mut entries = ENTRIES.to_vec();
		entries.push((1, 2, 5.0));
		let error = run(regressor(&ROWS, &entries, vec![]), &[[0.0, 0.0]]).unwrap_err();
		assert!(format!("{error:#}").contains("names node 2 of tree 1, a branch"), "{error:#}");
	}

	#[test]
	fn a_feature_beyond_the_input_is_refused() {
		let mut rows = ROWS;
		rows[5].2 = 2;
		let error = refusal(&rows, vec![]);
		assert!(error.contains("read feature 2 of an input of 2"), "{error}");
	}
}
