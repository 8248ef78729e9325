//! EHR Chain's anomaly detection, natively (std only): the access-log format
//! (`docs/access-log.md`), a simulator of a hospital network's access log with labelled attacks,
//! the export of the features the model reads (computed by `ehr_primitives::features`, the very
//! function the chain's sentinel runs), and the CLI; scoring with the ONNX model through tract is
//! `ehr-scorer`'s (what the node links), re-exported here as [`score`].

pub mod calibrate;
pub mod export;
pub mod log;
pub mod simulate;

pub use ehr_scorer as score;
