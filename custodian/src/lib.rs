//! # The custodian's side of a record
//!
//! A patient's records stay with their custodian, the organisation that holds them; the chain
//! keeps, for each version, a keyed hash of the record's content (`pallet-records`). This crate
//! defines that hash once, for the custodian's service, its command line, the tests and any
//! integrator that checks a copy:
//!
//! - [`canonical`]: the canonical form of a JSON value, RFC 8785 (JCS), so that equal resources
//!   hash equally whatever their members' order, whitespace or number spelling;
//! - [`content`]: the content hash, an HMAC-SHA256 of the canonical form under a key of the
//!   record's own;
//! - [`fhir`]: the FHIR R4 resources a custodian holds, checked as far as it relies on them, and
//!   the record category each belongs to on chain;
//! - [`vault`]: encryption at rest, each record under keys of its own wrapped by the custodian's
//!   master key, and erasure by destroying them.
//!
//! The service ([`service`], over [`http`]) stores records in [`store`], anchors them and reads
//! decisions through [`chain`], checks callers with [`auth`] and signs with [`signers`]'s keys.

pub mod audit_event;
pub mod auth;
pub mod canonical;
pub mod chain;
pub mod content;
pub mod fhir;
pub mod http;
pub mod outcome;
pub mod service;
pub mod signers;
pub mod store;
pub mod time;
pub mod vault;
