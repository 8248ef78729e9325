//! Types and traits shared by the EHR Chain runtime, its pallets and the node.
//!
//! This crate is `no_std` so the runtime can use it; the node uses the same definitions, which is
//! what keeps the two sides of the chain in agreement. Pallets meet only through the traits
//! here (for example [`providers::ProviderInspect`], [`consent::ConsentInspect`],
//! [`audit::AccessLog`]); the runtime wires them together, and no pallet names another pallet's
//! crate. The node reaches the runtime's offchain worker through [`anomaly`]'s host function.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod anomaly;
pub mod audit;
pub mod calibration;
pub mod consent;
pub mod features;
pub mod providers;

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// An index to a block.
pub type BlockNumber = u32;

/// Signature of a transaction: sr25519, ed25519 or ecdsa, as Polkadot.js wallets produce them.
pub type Signature = MultiSignature;

/// An account: the public key of the transaction signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// A balance of the chain's token, in its smallest unit.
pub type Balance = u128;

/// The number of transactions an account has sent.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;

/// Milliseconds since the unix epoch, as `pallet-timestamp` keeps them.
pub type Moment = u64;
