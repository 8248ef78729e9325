//! EHR Chain's anomaly detection, natively (std only): the access-log format
//! (`docs/access-log.md`), a simulator of a hospital network's access log with labelled attacks,
//! the export of the features the model reads (computed by `ehr_primitives::features`, the very
//! function the chain's sentinel runs), and scoring with the ONNX model through tract.

pub mod export;
pub mod forest;
pub mod log;
pub mod score;
pub mod simulate;
