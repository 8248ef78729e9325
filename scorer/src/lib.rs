//! The anomaly model in the node: what `ehr-node` links to score practitioners, and nothing
//! else. A [`Scorer`] loads the ONNX model (checking its sha256, the feature layout it names and
//! its inputs and outputs) and scores batches of `ehr_primitives::features::Features` through
//! tract, with the supervised head's tree ensemble run by an operator of our own ([`forest`]).
//! `ehr-anomaly` (the simulator, the exporter, the CLI) re-exports it as `ehr_anomaly::score`.

pub mod forest;
mod score;

pub use score::*;
