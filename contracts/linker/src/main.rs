//! Links a contract's RISC-V ELF into the PolkaVM blob that `pallet-revive` accepts.
//!
//! cargo-contract does this step itself, but its 6.0.0 betas cannot drive cargo 1.95's
//! JSON-target gate, so `scripts/build-contracts.sh` builds the ELF with plain cargo and calls
//! this tool. Two commands:
//!
//! - `ehr-contract-linker link <input.elf> <output.polkavm>`: strip, optimise and link for
//!   `TargetInstructionSet::ReviveV1` (what pallet-revive 0.20.2 runs); prints the blob's size.
//! - `ehr-contract-linker target-json`: prints the path of polkavm-linker's
//!   `riscv64emac-unknown-none-polkavm.json` for the running rustc (it is written to the
//!   user's cache directory), so the ELF build and the linker always agree on the target.

use std::{
	env,
	ffi::OsString,
	fs,
	path::{Path, PathBuf},
	process::ExitCode,
};

use polkavm_linker::{Config, TargetInstructionSet, TargetJsonArgs};

const USAGE: &str = "usage:
  ehr-contract-linker link <input.elf> <output.polkavm>
  ehr-contract-linker target-json";

/// The four bytes every ELF file starts with.
const ELF_MAGIC: &[u8; 4] = b"\x7fELF";

fn main() -> ExitCode {
	// `args_os`: a path need not be UTF-8, and `env::args` would panic on one that is not.
	let args: Vec<OsString> = env::args_os().skip(1).collect();
	let command = args.first().and_then(|arg| arg.to_str());
	let outcome = match (command, args.len()) {
		(Some("link"), 3) => link(Path::new(&args[1]), Path::new(&args[2])),
		(Some("target-json"), 1) => target_json(),
		(Some("-h" | "--help" | "help"), 1) => {
			println!("{USAGE}");
			Ok(())
		},
		_ => Err(format!("unexpected arguments {args:?}\n{USAGE}")),
	};
	match outcome {
		Ok(()) => ExitCode::SUCCESS,
		Err(message) => {
			eprintln!("ehr-contract-linker: {message}");
			ExitCode::FAILURE
		},
	}
}

fn link(input: &Path, output: &Path) -> Result<(), String> {
	let elf = fs::read(input).map_err(|e| format!("cannot read ELF {}: {e}", input.display()))?;
	if !elf.starts_with(ELF_MAGIC) {
		return Err(format!("{} is not an ELF file", input.display()));
	}

	let mut config = Config::default();
	config.set_strip(true);
	config.set_optimize(true);
	let blob = polkavm_linker::program_from_elf(config, TargetInstructionSet::ReviveV1, &elf)
		.map_err(|e| format!("cannot link {}: {e}", input.display()))?;

	if let Some(dir) = output.parent().filter(|dir| !dir.as_os_str().is_empty()) {
		fs::create_dir_all(dir)
			.map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
	}
	// Write beside the destination and rename, so a failed write never leaves a truncated
	// blob that a later upload would take for a real one.
	let partial = partial_path(output);
	fs::write(&partial, &blob).map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
	fs::rename(&partial, output)
		.map_err(|e| format!("cannot move {} to {}: {e}", partial.display(), output.display()))?;

	println!(
		"linked {} ({} bytes ELF) -> {} ({} bytes PolkaVM)",
		input.display(),
		elf.len(),
		output.display(),
		blob.len()
	);
	Ok(())
}

fn partial_path(output: &Path) -> PathBuf {
	let mut name = output.as_os_str().to_owned();
	name.push(".partial");
	PathBuf::from(name)
}

fn target_json() -> Result<(), String> {
	// Default arguments: 64-bit, and the JSON flavour chosen from `rustc --version` (or
	// `$RUSTC`), since rustc 1.91 changed the target-spec format.
	let path = polkavm_linker::target_json_path(TargetJsonArgs::default())?;
	println!("{}", path.display());
	Ok(())
}
