//! `ehr-node`: the EHR Chain node.

// `sc_cli::Error` and `sc_service::Error` are polkadot-sdk's: their size is not ours to box.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod consortium;
mod rpc;
mod sentinel;
mod service;

fn main() {
	// One line on stderr and a non-zero exit, not a Debug dump of the error.
	if let Err(error) = command::run() {
		eprintln!("Error: {error}");
		std::process::exit(1);
	}
}
