//! # Precompile probe: a contract that tries to change state through the consent precompile
//!
//! A test contract, never deployed on a real network. The end-to-end test
//! (`tests/e2e/contracts.test.mjs`) deploys it and sends it what a malicious contract would
//! send to EHR Chain's consent precompile (`pallets/consent-precompile`): a question with value
//! attached, a function the precompile does not have. The probe relays the call unchanged, so
//! the test sees exactly what such a contract would get, and checks that it fails and changes
//! nothing.
//!
//! `call` passes its whole call data and the value it received on to the precompile at
//! `0x000000000000000000000000000000000ec00000`, with no limits of its own on weight or storage
//! deposit. If the precompile answers, the probe returns the answer; if the precompile reverts
//! or fails, the probe reverts with the precompile's revert data (empty when it has none), so
//! the whole call, the value's transfer included, is undone. `deploy` does nothing.
//!
//! Plain Rust on `pallet-revive-uapi`, laid out like pallet-revive's own test fixtures
//! (`pallet-revive-fixtures/contracts/*.rs`); built by `scripts/build-contracts.sh`.
#![no_std]
#![no_main]

use uapi::{CallFlags, HostFn, HostFnImpl as api, ReturnFlags};

/// The consent precompile's address (`pallet_consent_precompile::ADDRESS`).
const CONSENT_PRECOMPILE: [u8; 20] = {
	let mut address = [0u8; 20];
	address[16] = 0x0e;
	address[17] = 0xc0;
	address
};

/// The largest call data relayed. The precompile's longest call is 100 bytes (a selector and
/// three words); bigger input is refused rather than cut short.
const MAX_INPUT: usize = 1024;
/// The most of the precompile's output returned: its answers are one word, and a revert
/// reason fits easily. The host truncates longer output to this.
const MAX_OUTPUT: usize = 1024;

/// No storage deposit limit of our own (the caller's limit still applies).
const NO_DEPOSIT_LIMIT: [u8; 32] = [u8::MAX; 32];

#[no_mangle]
#[polkavm_derive::polkavm_export]
pub extern "C" fn deploy() {}

#[no_mangle]
#[polkavm_derive::polkavm_export]
pub extern "C" fn call() {
	let mut input_buffer = [0u8; MAX_INPUT];
	let input_len = api::call_data_size();
	let Some(input) = usize::try_from(input_len).ok().and_then(|len| input_buffer.get_mut(..len))
	else {
		api::return_value(ReturnFlags::REVERT, b"precompile-probe: input too long")
	};
	api::call_data_copy(input, 0);

	let mut value = [0u8; 32];
	api::value_transferred(&mut value);

	// The host writes the callee's output here and shortens `output` to its length (to nothing
	// when the callee trapped or the call failed before it ran).
	let mut output_buffer = [0u8; MAX_OUTPUT];
	let mut output: &mut [u8] = &mut output_buffer;
	let outcome = api::call(
		CallFlags::empty(),
		&CONSENT_PRECOMPILE,
		u64::MAX, // ref_time limit: u64::MAX is all that is left
		u64::MAX, // proof_size limit: likewise
		&NO_DEPOSIT_LIMIT,
		&value,
		input,
		Some(&mut output),
	);

	match outcome {
		Ok(()) => api::return_value(ReturnFlags::empty(), output),
		// Reverted (`output` holds the revert data), trapped, out of resources, transfer failed.
		Err(_) => api::return_value(ReturnFlags::REVERT, output),
	}
}

/// Panics cannot happen on the paths above; should one, trap (as pallet-revive's fixtures do).
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
	// SAFETY: `unimp` is guaranteed to trap, so the code after it is never reached.
	unsafe {
		core::arch::asm!("unimp");
		core::hint::unreachable_unchecked();
	}
}
