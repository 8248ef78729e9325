//! `ehr-node`: the EHR Chain node.

mod chain_spec;
mod cli;
mod command;
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
