"""The anomaly model: data from the Rust simulator and feature export, three branches (two
networks trained in JAX, trees in scikit-learn), their fusion, and the ONNX graph (opset 17, with
ONNX-ML's TreeEnsembleRegressor) that tract runs in the node.

Branches, each giving one number per sample:
  - outlier: an autoencoder on the window features, trained on normal behaviour only; its
    reconstruction error, with each scaled feature clipped to OUTLIER_CLIP standard deviations
    first (a rare feature, such as a category new in the last hour, sits 36 from its mean: left
    alone, that one feature outweighed everything else a window shows);
  - supervised: gradient-boosted trees (scikit-learn's HistGradientBoosting, TREES trees of
    depth TREE_DEPTH) on the window features as the chain computes them, trained on labelled
    attacks. A tree is constant beyond the values it was trained on, so a burst faster than any
    in training scores as the fastest one did (a ReLU network extrapolates with either sign,
    which one depending on the training seed); the graph holds them as ONNX-ML's
    TreeEnsembleRegressor (`scorer/src/forest.rs` is tract's);
  - recurrent: a GRU over the sequence of the last 64 decisions, trained on labelled attacks; a
    layer of POINTWISE ReLU units reads each decision on its own first (a conjunction within one
    decision, such as a sensitive record of a patient whose team the reader is not part of, is
    lost once decisions are summed), then a strided 1-D convolution summarises each POOL
    consecutive decisions into one step, so the GRU runs 64 / POOL steps (scoring time grows
    with the GRU's steps).
A logistic regression fuses the three into the score in [0, 1]; the graph outputs the score and
each branch's part of the fused logit, so that an alert can be explained.
"""

import json
import os
import subprocess
from collections import defaultdict
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

jax.config.update("jax_enable_x64", False)

START_MS = 1_767_571_200_000  # day 0 of every simulation (ehr_anomaly::simulate::START)
DAY_MS = 24 * 60 * 60 * 1000
# A simulation starts with empty windows and patient logs, which a running chain does not have:
# its first days (the care features look four days back) are neither trained on nor scored.
BURN_IN_DAYS = 4
CURBSIDE = 0.1  # the share of consults never referred on chain (ehr_anomaly::simulate::CURBSIDE)
RESTRICTED_SHARE = 0.02  # the share of patients with a restricted record (ehr_anomaly::simulate::RESTRICTED)
WINDOW = 64  # decisions in a practitioner's window (ehr_primitives::features::SEQUENCE_LENGTH)
HIDDEN = 16  # GRU state
POOL = 8  # decisions per GRU step: a strided convolution turns 64 decisions into 8 steps
CHANNELS = 16  # the convolution's outputs, the GRU's inputs
POINTWISE = 16  # per-decision units before the convolution
AE_HIDDEN = 6
# The least scale of a window feature (all are in [0, 1]). A feature nearly always 0 in normal
# work (a foreign-ward patient: 0.5% of ward clinicians' days) has a tiny spread, and one
# occurrence of it, scaled by that spread, hit the clip as hard as a burst of 150 denials.
STD_FLOOR = 0.05
OUTLIER_CLIP = 4.0  # standard deviations: how far one feature can pull either window branch
# Supervised head: gradient-boosted trees. The rate is scikit-learn's default's neighbour; TREES
# at it reach what 400 iterations with early stopping on a tenth of the data did.
TREES = 400
TREE_DEPTH = 5
TREE_RATE = 0.08
OPSET = 17
# The ONNX metadata key naming the feature layout (scorer/src/score.rs, `LAYOUT_KEY`).
LAYOUT_KEY = "ehr_feature_layout"
BRANCHES = ["outlier", "supervised", "recurrent"]
# The sentinel's default threshold (pallet-sentinel's DEFAULT_THRESHOLD_PPM), and the share of
# normal practitioner-days (on the fusion's held-out days) the fusion is calibrated to flag at it.
CHAIN_THRESHOLD = 0.92
CALIBRATED_FPR = 0.001


def ehr_anomaly():
    """The ehr-anomaly binary (built by model/run.sh)."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/ehr-chain/target"))
    return os.path.join(target, "debug", "ehr-anomaly")


@dataclass
class Dataset:
    window: np.ndarray  # [n, 50] float32
    sequence: np.ndarray  # [n, 64, 14] float32 (memory-mapped)
    practitioner: np.ndarray  # [n] str
    ts: np.ndarray  # [n] int64
    attack: np.ndarray  # [n] str ("" for normal behaviour)
    labels: list  # the attacks injected (and `restricted`: any of its accesses on a restricted record)
    directory: str  # where the log, the labels and the features are
    # [n] bool: the window holds an attack access; a sample outside the attack's label, so not an
    # attack one, but whose features are the attacker's, not the practitioner's own behaviour
    echo: np.ndarray

    @property
    def y(self):
        return (self.attack != "").astype(np.float32)

    @property
    def day(self):
        return (self.ts - START_MS) // DAY_MS

    def subset(self, mask):
        return Dataset(self.window[mask], self.sequence[mask], self.practitioner[mask],
                       self.ts[mask], self.attack[mask], self.labels, self.directory, self.echo[mask])


def concat(parts):
    """Datasets of several networks as one; practitioners (in the samples and the labels) are
    prefixed with their network's index."""
    return Dataset(
        window=np.concatenate([d.window for d in parts]),
        sequence=np.concatenate([d.sequence for d in parts]),
        practitioner=np.concatenate([np.char.add(f"{i}:", d.practitioner) for i, d in enumerate(parts)]),
        ts=np.concatenate([d.ts for d in parts]),
        attack=np.concatenate([d.attack for d in parts]),
        labels=[dict(label, practitioner=f"{i}:{label['practitioner']}")
                for i, d in enumerate(parts) for label in d.labels],
        directory=parts[0].directory,
        echo=np.concatenate([d.echo for d in parts]),
    )


def simulate(work, name, seed, days, practitioners, attack_rate, stride, truth=False,
             curbside=None):
    """Simulate a hospital network with ehr-anomaly and export its features (always afresh: a
    few seconds, and never stale after a change to the simulator or the features); load them.
    With `truth`, a sample is an attack
    one when its last decisions include attack accesses (training); without, when it falls in
    an attack's labelled window (evaluation). `curbside`: the share of consults never referred
    on chain, if not the simulator's default."""
    directory = os.path.join(work, f"{name}-seed{seed}-days{days}-p{practitioners}"
                                   f"-a{attack_rate}-stride{stride}{'-truth' if truth else ''}"
                                   f"{'' if curbside is None else f'-curbside{curbside}'}")
    log, labels = os.path.join(directory, "log.jsonl"), os.path.join(directory, "labels.jsonl")
    accesses = os.path.join(directory, "truth.jsonl")
    registry = os.path.join(directory, "registry.jsonl")
    referrals = os.path.join(directory, "referrals.jsonl")
    os.makedirs(directory, exist_ok=True)
    run = lambda *args: subprocess.run([ehr_anomaly(), *map(str, args)], check=True)
    run("simulate", "--seed", seed, "--days", days, "--practitioners", practitioners,
        "--attack-rate", attack_rate, "--out", log, "--labels", labels, "--truth", accesses,
        "--registry", registry, "--referrals", referrals,
        *([] if curbside is None else ["--curbside", curbside]))
    run("features", "--log", log, "--labels", labels, "--registry", registry,
        "--referrals", referrals, "--stride", stride,
        *(["--truth", accesses] if truth else []), "--out-dir", os.path.join(directory, "features"))
    return load(directory)


def load(directory):
    """The features of a simulation, without its burn-in days (nor attacks that end in them)."""
    features = os.path.join(directory, "features")
    samples = [json.loads(line) for line in open(os.path.join(features, "samples.jsonl"))]
    labels = [json.loads(line) for line in open(os.path.join(directory, "labels.jsonl"))]
    warm = START_MS + BURN_IN_DAYS * DAY_MS
    practitioner = np.array([s["practitioner"] for s in samples])
    ts = np.array([s["ts"] for s in samples], dtype=np.int64)
    echo, restricted = attack_in_window(directory, practitioner, ts)
    on_restricted = lambda label: any(label["start_ts"] <= at <= label["end_ts"]
                                      for at in restricted.get(label["practitioner"], ()))
    data = Dataset(
        window=np.load(os.path.join(features, "window.npy")),
        sequence=np.load(os.path.join(features, "sequence.npy"), mmap_mode="r"),
        practitioner=practitioner,
        ts=ts,
        attack=np.array([s["attack"] or "" for s in samples]),
        labels=[dict(label, restricted=on_restricted(label)) for label in labels if label["end_ts"] >= warm],
        directory=directory,
        echo=echo,
    )
    return data.subset(data.ts >= warm)


def attack_in_window(directory, practitioner, ts):
    """Per sample (the practitioner's window at `ts`): whether its last WINDOW decisions hold an
    attack access (the simulation's truth.jsonl). After an attack's label ends its accesses stay in
    the window until the practitioner's own work pushes them out, a day or more later. And per
    attacker, the times of its attack accesses to restricted records."""
    attack_seqs = {json.loads(line)["seq"] for line in open(os.path.join(directory, "truth.jsonl"))}
    times, attacks, restricted = defaultdict(list), defaultdict(list), defaultdict(list)
    for line in open(os.path.join(directory, "log.jsonl")):
        d = json.loads(line)
        times[d["practitioner"]].append(d["ts"])
        attacks[d["practitioner"]].append(d["seq"] in attack_seqs)
        if d["seq"] in attack_seqs and d.get("restricted"):
            restricted[d["practitioner"]].append(d["ts"])
    echo = np.zeros(len(ts), bool)
    for p in np.unique(practitioner):
        rows = np.flatnonzero(practitioner == p)
        before = np.concatenate([[0], np.cumsum(attacks[p])])  # attack accesses before each decision
        last = np.searchsorted(np.asarray(times[p]), ts[rows], side="right")
        echo[rows] = before[last] > before[np.maximum(last - WINDOW, 0)]
    return echo, restricted


# ---------------------------------------------------------------------------------------------
# The branches, in JAX, written to match the ONNX operators exactly.

def gru_last_state(params, sequence):
    """ONNX GRU (gates z, r, h; linear_before_reset = 0) over [n, steps, in]; the last state."""
    W, R, Wb, Rb = params["W"], params["R"], params["Wb"], params["Rb"]
    H = R.shape[1]

    def step(h, x):
        gx = x @ W.T + Wb
        gh = h @ R[: 2 * H].T + Rb[: 2 * H]
        z = jax.nn.sigmoid(gx[:, :H] + gh[:, :H])
        r = jax.nn.sigmoid(gx[:, H:2 * H] + gh[:, H:])
        candidate = jnp.tanh(gx[:, 2 * H:] + (r * h) @ R[2 * H:].T + Rb[2 * H:])
        return (1 - z) * candidate + z * h, None

    h0 = jnp.zeros((sequence.shape[0], H), sequence.dtype)
    h, _ = jax.lax.scan(step, h0, jnp.swapaxes(sequence, 0, 1))
    return h


def outlier(params, xn):
    xn = jnp.clip(xn, -OUTLIER_CLIP, OUTLIER_CLIP)
    hidden = jnp.tanh(xn @ params["W1"] + params["b1"])
    reconstruction = hidden @ params["W2"] + params["b2"]
    return jnp.mean((xn - reconstruction) ** 2, axis=1)


def fit_trees(x, y):
    """The supervised head on inputs `x` and labels `y` (attacks and normal samples weighing
    alike in total), as one table of the trees' nodes (`tree`, `node` its index in its tree,
    `feature`, `threshold`, `left`, `right`, `leaf`, `value`, `missing_left`) and the raw
    score's `base`. A sample goes left when its feature is at most the threshold.
    Deterministic: no subsampling, no early stopping."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    weight = np.where(y == 1, (y == 0).sum() / max((y == 1).sum(), 1), 1.0)
    fit = HistGradientBoostingClassifier(
        max_iter=TREES, learning_rate=TREE_RATE, max_depth=TREE_DEPTH,
        max_leaf_nodes=2 ** TREE_DEPTH, min_samples_leaf=40, l2_regularization=1.0,
        early_stopping=False, random_state=0).fit(x, y, sample_weight=weight)
    nodes = [predictor.nodes for [predictor] in fit._predictors]
    column = lambda field, dtype: np.concatenate([n[field] for n in nodes]).astype(dtype)
    return {
        "tree": np.repeat(np.arange(len(nodes)), [len(n) for n in nodes]),
        "node": np.concatenate([np.arange(len(n)) for n in nodes]),
        "feature": column("feature_idx", np.int64),
        "threshold": float32_below(column("num_threshold", np.float64)),
        "left": column("left", np.int64), "right": column("right", np.int64),
        "leaf": column("is_leaf", bool), "value": column("value", np.float32),
        "missing_left": column("missing_go_to_left", bool),
        "base": np.array([fit._baseline_prediction.ravel()[0]], np.float32),
    }


def float32_below(thresholds):
    """scikit-learn goes left when x <= its float64 threshold; for a float32 x that is x <= the
    largest float32 not above it."""
    below = thresholds.astype(np.float32)
    over = below.astype(np.float64) > thresholds
    below[over] = np.nextafter(below[over], np.float32(-np.inf))
    return below


def trees(params, x):
    """The supervised head's raw score (log-odds) for inputs `x`, walking every tree at once
    (`params` as `fit_trees` gives them; a tree's nodes are contiguous, its root first)."""
    x = np.asarray(x, np.float32)
    offset = np.flatnonzero(params["node"] == 0)
    at = np.broadcast_to(offset, (len(x), len(offset))).copy()
    rows = np.arange(len(x))[:, None]
    for _ in range(TREE_DEPTH):
        value = x[rows, params["feature"][at]]
        left = np.where(np.isnan(value), params["missing_left"][at],
                        value <= params["threshold"][at])
        child = np.where(left, params["left"][at], params["right"][at]) + offset
        at = np.where(params["leaf"][at], at, child)
    return params["value"][at].sum(axis=1) + params["base"][0]


def steps(params, sequence):
    """Each decision through the pointwise layer, then a convolution of kernel and stride POOL
    over the 64 decisions: [n, 64 / POOL, CHANNELS] (C is [CHANNELS, POINTWISE, POOL], ONNX
    Conv's layout)."""
    decisions = jax.nn.relu(sequence @ params["P"] + params["Pb"])
    n, length, units = decisions.shape
    chunks = decisions.reshape(n, length // POOL, POOL, units)
    return jnp.einsum("ntkf,cfk->ntc", chunks, params["C"]) + params["Cb"]


def recurrent(params, sequence):
    state = gru_last_state(params, steps(params, sequence))
    return (state @ params["Wo"] + params["bo"])[:, 0]


def init(key, n_window, n_step):
    k = jax.random.split(key, 9)
    glorot = lambda key, shape: jax.random.normal(key, shape) * np.sqrt(2.0 / sum(shape))
    return {
        "outlier": {"W1": glorot(k[0], (n_window, AE_HIDDEN)), "b1": jnp.zeros(AE_HIDDEN),
                    "W2": glorot(k[1], (AE_HIDDEN, n_window)), "b2": jnp.zeros(n_window)},
        "recurrent": {"P": glorot(k[8], (n_step, POINTWISE)), "Pb": jnp.zeros(POINTWISE),
                      "C": glorot(k[7], (CHANNELS, POINTWISE, POOL)), "Cb": jnp.zeros(CHANNELS),
                      "W": glorot(k[4], (3 * HIDDEN, CHANNELS)), "R": glorot(k[5], (3 * HIDDEN, HIDDEN)),
                      "Wb": jnp.zeros(3 * HIDDEN), "Rb": jnp.zeros(3 * HIDDEN),
                      "Wo": glorot(k[6], (HIDDEN, 1)), "bo": jnp.zeros(1)},
    }


def adam(loss, params, data, batches, epochs, rate=3e-3):
    """Minimise `loss(params, *data, rows)` with Adam over the rows `batches(epoch)` yields.
    The arrays `data` are arguments of the compiled gradient, not constants captured in it: XLA
    copies captured arrays into every compilation (one per batch size), gigabytes for the
    sequences."""
    grad = jax.jit(jax.value_and_grad(loss))
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = 0
    for epoch in range(epochs):
        for rows in batches(epoch):
            t += 1
            _, g = grad(params, *data, jnp.asarray(rows))
            m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
            v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
            params = jax.tree_util.tree_map(
                lambda p, m, v: p - rate * (m / (1 - 0.9 ** t)) / (jnp.sqrt(v / (1 - 0.999 ** t)) + 1e-8),
                params, m, v)
    return params


def weighted_bce(logits, y):
    positive = jnp.maximum(jnp.sum(y), 1.0)
    negative = jnp.maximum(jnp.sum(1 - y), 1.0)
    weight = y * (0.5 / positive) + (1 - y) * (0.5 / negative)
    return jnp.sum(weight * (jax.nn.softplus(logits) - y * logits))


def minibatches(rng, n, size):
    order = rng.permutation(n)
    return [order[i:i + size] for i in range(0, n, size)]


@dataclass
class Model:
    mean: np.ndarray
    std: np.ndarray
    params: dict
    fusion_w: np.ndarray  # [3]
    fusion_b: float

    def branches(self, data, chunk=20000):
        """Each branch's number for every sample: [n, 3]."""
        out = []
        xn_all = (data.window - self.mean) / self.std
        for i in range(0, len(data.window), chunk):
            xn = jnp.asarray(xn_all[i:i + chunk])
            sequence = jnp.asarray(np.asarray(data.sequence[i:i + chunk]))
            out.append(np.stack([
                np.asarray(outlier(self.params["outlier"], xn)),
                trees(self.params["supervised"], data.window[i:i + chunk]),
                np.asarray(recurrent(self.params["recurrent"], sequence)),
            ], axis=1))
        return np.concatenate(out) if out else np.zeros((0, 3), np.float32)

    def score(self, data):
        parts = self.branches(data) * self.fusion_w
        return 1 / (1 + np.exp(-(parts.sum(axis=1) + self.fusion_b)))


def train(data, validation, seed=0, epochs=(30, 24), branches=BRANCHES):
    """Train the branches on `data`, the fusion on `validation`. `branches` drops the others
    from the fusion (for the single-branch baselines). `seed` sets the networks' initial
    weights and minibatches (the outlier and recurrent branches; the trees are deterministic)."""
    rng = np.random.default_rng(seed)
    key = jax.random.PRNGKey(seed)
    # A window that still holds an attack after its label ended is neither the attack nor
    # anyone's normal work: not taught as either.
    data, validation = (d.subset((d.y == 1) | ~d.echo) for d in (data, validation))
    normal = data.y == 0
    mean = data.window[normal].mean(axis=0)
    std = np.maximum(data.window[normal].std(axis=0), STD_FLOOR)
    xn = jnp.asarray((data.window - mean) / std)
    y = jnp.asarray(data.y)
    params = init(key, data.window.shape[1], data.sequence.shape[2])

    normal_rows = np.flatnonzero(normal)
    params["outlier"] = adam(
        lambda p, xn, rows: jnp.mean(outlier(p, xn[rows])), params["outlier"], (xn,),
        lambda _: [normal_rows[b] for b in minibatches(rng, len(normal_rows), 256)], epochs[0])
    params["supervised"] = fit_trees(data.window, data.y)
    sequence = jnp.asarray(np.asarray(data.sequence))
    params["recurrent"] = adam(
        lambda p, sequence, y, rows: weighted_bce(recurrent(p, sequence[rows]), y[rows]),
        params["recurrent"], (sequence, y), lambda _: minibatches(rng, len(y), 512), epochs[1],
        rate=5e-3)

    model = Model(mean, std, params, np.zeros(3, np.float32), 0.0)
    parts = model.branches(validation)
    model.fusion_w, _ = fuse(parts, validation.y, branches)
    model.fusion_b = calibrated_intercept(validation, (parts * model.fusion_w).sum(axis=1))
    return model


def calibrated_intercept(validation, logits):
    """The fusion's intercept: the one at which CHAIN_THRESHOLD flags CALIBRATED_FPR of the
    normal practitioner-days of `validation` (whose samples have `logits` without intercept).
    The logistic regression's own intercept reflects the attack rate of the training networks;
    the ranking is the same either way."""
    cut = threshold_at(Days(validation), logits, CALIBRATED_FPR)
    return float(np.log(CHAIN_THRESHOLD / (1 - CHAIN_THRESHOLD)) - cut)


class Days:
    """Samples grouped by practitioner-day."""

    def __init__(self, data):
        keys = np.char.add(np.char.add(data.practitioner, ":"), data.day.astype(str))
        self.keys, self.index = np.unique(keys, return_inverse=True)
        self.attacked = np.zeros(len(self.keys), bool)
        np.logical_or.at(self.attacked, self.index, data.y == 1)
        # A window that still holds an attack's accesses after its label ended (an echo) judges
        # nobody: an alert on it is the attack's, not a false one about the practitioner's own
        # work, which the day's other windows judge. A day of nothing but echoes is no normal day.
        self.masked = data.echo & ~self.attacked[self.index]
        own_work = np.zeros(len(self.keys), bool)
        np.logical_or.at(own_work, self.index, ~data.echo)
        self.echo = ~self.attacked & ~own_work
        self.normal = ~self.attacked & own_work

    def best(self, score):
        """Each day's highest score, of the windows that judge it."""
        best = np.full(len(self.keys), -np.inf)
        np.maximum.at(best, self.index, np.where(self.masked, -np.inf, score))
        return best


def threshold_at(days, score, fpr):
    """The threshold above which at most `fpr` of the normal practitioner-days alert."""
    normal = np.sort(days.best(score)[days.normal])
    allowed = int(np.floor(fpr * len(normal)))
    return normal[len(normal) - allowed - 1] if allowed < len(normal) else -np.inf



def fuse(parts, y, branches):
    """Logistic regression of `y` on the chosen branches' numbers (the others weigh 0)."""
    from sklearn.linear_model import LogisticRegression
    chosen = [BRANCHES.index(b) for b in branches]
    fit = LogisticRegression(class_weight="balanced", max_iter=2000).fit(parts[:, chosen], y)
    w = np.zeros(3, np.float32)
    w[chosen] = fit.coef_[0]
    return w, float(fit.intercept_[0])


# ---------------------------------------------------------------------------------------------
# ONNX

def tree_node(params, inputs, output):
    """The trees (`fit_trees`) as one ONNX-ML TreeEnsembleRegressor: `inputs` [n, features] ->
    `output` [n, 1], the raw score."""
    leaf = params["leaf"]
    ints = lambda values: [int(v) for v in values]
    return helper.make_node(
        "TreeEnsembleRegressor", [inputs], [output], domain="ai.onnx.ml",
        n_targets=1, aggregate_function="SUM", post_transform="NONE",
        base_values=[float(params["base"][0])],
        nodes_treeids=ints(params["tree"]), nodes_nodeids=ints(params["node"]),
        nodes_featureids=ints(np.where(leaf, 0, params["feature"])),
        nodes_values=[float(v) for v in np.where(leaf, 0, params["threshold"])],
        nodes_modes=["LEAF" if lf else "BRANCH_LEQ" for lf in leaf],
        nodes_truenodeids=ints(np.where(leaf, 0, params["left"])),
        nodes_falsenodeids=ints(np.where(leaf, 0, params["right"])),
        nodes_missing_value_tracks_true=ints(params["missing_left"] & ~leaf),
        target_treeids=ints(params["tree"][leaf]), target_nodeids=ints(params["node"][leaf]),
        target_ids=[0] * int(leaf.sum()), target_weights=[float(v) for v in params["value"][leaf]])


def feature_layout():
    """The feature layout the features were computed in (`ehr-anomaly layout`: a hash of the
    features' names in order); the node loads only a model that names its own."""
    return subprocess.run([ehr_anomaly(), "layout"], check=True, capture_output=True,
                          text=True).stdout.strip()


def with_layout(graph_model, layout):
    """`graph_model` naming the feature layout it was trained on in its metadata."""
    onnx.helper.set_model_props(graph_model, {LAYOUT_KEY: layout})
    return graph_model


def to_onnx(model, n_window, steps, n_step, layout):
    """The model as one ONNX graph, opset 17: inputs `window` [n, 50] and `sequence`
    [n, 64, 14]; outputs `score` [n, 1] and `parts` [n, 3] (outlier, supervised, recurrent
    parts of the fused logit); metadata `ehr_feature_layout`, the `layout` of the features."""
    p = model.params
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    init = [
        numpy_helper.from_array(f32(model.mean), "mean"),
        numpy_helper.from_array(f32(model.std), "std"),
        numpy_helper.from_array(f32(p["outlier"]["W1"]), "ae_w1"),
        numpy_helper.from_array(f32(p["outlier"]["b1"]), "ae_b1"),
        numpy_helper.from_array(f32(p["outlier"]["W2"]), "ae_w2"),
        numpy_helper.from_array(f32(p["outlier"]["b2"]), "ae_b2"),
        numpy_helper.from_array(np.array(-OUTLIER_CLIP, np.float32), "clip_low"),
        numpy_helper.from_array(np.array(OUTLIER_CLIP, np.float32), "clip_high"),
        numpy_helper.from_array(f32(p["recurrent"]["P"]), "point_w"),
        numpy_helper.from_array(f32(p["recurrent"]["Pb"]), "point_b"),
        # The convolution's kernel as a matrix, row k * POINTWISE + u, column c C[c, u, k], so
        # that a row of POOL consecutive decisions' units times it is the convolution's step;
        # its last column, zero, makes the constant channel.
        numpy_helper.from_array(np.concatenate(
            [f32(p["recurrent"]["C"]).transpose(2, 1, 0).reshape(-1, CHANNELS),
             np.zeros((POOL * POINTWISE, 1), np.float32)], axis=1), "conv_w"),
        # The GRU's biases ride on one more channel, constant 1, of the convolution's output
        # (tract ran the GRU with its bias input a fifth slower). With
        # linear_before_reset = 0 each gate adds Wb and Rb alike, so their sum is exact.
        numpy_helper.from_array(np.append(f32(p["recurrent"]["Cb"]), np.float32(1)), "conv_b"),
        numpy_helper.from_array(np.concatenate(
            [f32(p["recurrent"]["W"]), (f32(p["recurrent"]["Wb"]) + f32(p["recurrent"]["Rb"]))[:, None]],
            axis=1)[None], "gru_w"),
        numpy_helper.from_array(f32(p["recurrent"]["R"])[None], "gru_r"),
        numpy_helper.from_array(f32(p["recurrent"]["Wo"]), "rec_w"),
        numpy_helper.from_array(f32(p["recurrent"]["bo"]), "rec_b"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
        numpy_helper.from_array(np.array([-1, n_step], np.int64), "decision_shape"),
        numpy_helper.from_array(np.array([-1, POOL * POINTWISE], np.int64), "chunk_shape"),
        numpy_helper.from_array(np.array([-1, steps // POOL, CHANNELS + 1], np.int64), "steps_shape"),
        numpy_helper.from_array(np.zeros((CHANNELS + 1, HIDDEN), np.float32), "to_state"),
        numpy_helper.from_array(f32(model.fusion_w)[None, :], "fusion_row"),
        numpy_helper.from_array(f32(model.fusion_w)[:, None], "fusion_w"),
        numpy_helper.from_array(f32([model.fusion_b]), "fusion_b"),
    ]
    node = helper.make_node
    nodes = [
        # Scaling inside the graph.
        node("Sub", ["window", "mean"], ["centred"]),
        node("Div", ["centred", "std"], ["xn"]),
        # Outlier: the autoencoder's reconstruction error of the clipped features.
        node("Clip", ["xn", "clip_low", "clip_high"], ["clipped"]),
        node("Gemm", ["clipped", "ae_w1", "ae_b1"], ["ae_h_lin"]),
        node("Tanh", ["ae_h_lin"], ["ae_h"]),
        node("Gemm", ["ae_h", "ae_w2", "ae_b2"], ["ae_out"]),
        node("Sub", ["clipped", "ae_out"], ["ae_diff"]),
        node("Mul", ["ae_diff", "ae_diff"], ["ae_sq"]),
        node("ReduceMean", ["ae_sq"], ["outlier"], axes=[1], keepdims=1),
        # Supervised head, on the same clipped features.
        tree_node(p["supervised"], "window", "supervised"),
        # Recurrent branch: each decision through the pointwise layer, a strided convolution
        # makes steps of the 64 decisions, then a GRU runs over [steps, n, channels], fixed
        # length, no sequence_lens. Both layers are plain matrix products over rows of
        # decisions and of POOL decisions (tract ran Convs between Transposes, or a batched
        # MatMul, at half again the time).
        node("Reshape", ["sequence", "decision_shape"], ["decision_rows"]),
        node("Gemm", ["decision_rows", "point_w", "point_b"], ["point_pre"]),
        node("Relu", ["point_pre"], ["decisions"]),
        node("Reshape", ["decisions", "chunk_shape"], ["chunks"]),
        node("Gemm", ["chunks", "conv_w", "conv_b"], ["chunk_steps"]),
        node("Reshape", ["chunk_steps", "steps_shape"], ["steps_last"]),
        node("Transpose", ["steps_last"], ["steps_first"], perm=[1, 0, 2]),
        # An explicit zero initial state [1, n, HIDDEN], derived from the input so that its batch
        # size follows n (tract needs a concrete batch for an implicit one).
        node("Slice", ["steps_first", "axis0", "one", "axis0"], ["first_step"]),
        node("MatMul", ["first_step", "to_state"], ["h0"]),
        node("GRU", ["steps_first", "gru_w", "gru_r", "", "", "h0"], ["gru_y", "gru_h"],
             hidden_size=HIDDEN, linear_before_reset=0),
        node("Squeeze", ["gru_h", "axis0"], ["gru_last"]),
        node("Gemm", ["gru_last", "rec_w", "rec_b"], ["recurrent"]),
        # Fusion.
        node("Concat", ["outlier", "supervised", "recurrent"], ["branches"], axis=1),
        node("Mul", ["branches", "fusion_row"], ["parts"]),
        node("Gemm", ["branches", "fusion_w", "fusion_b"], ["logit"]),
        node("Sigmoid", ["logit"], ["score"]),
    ]
    graph = helper.make_graph(
        nodes, "ehr_anomaly",
        [helper.make_tensor_value_info("window", TensorProto.FLOAT, ["n", n_window]),
         helper.make_tensor_value_info("sequence", TensorProto.FLOAT, ["n", steps, n_step])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["n", 1]),
         helper.make_tensor_value_info("parts", TensorProto.FLOAT, ["n", 3])],
        initializer=init)
    graph_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                          helper.make_opsetid("ai.onnx.ml", 3)],
                                    producer_name="ehr-chain model/")
    graph_model.ir_version = 8
    with_layout(graph_model, layout)
    onnx.checker.check_model(graph_model, full_check=True)
    return graph_model
