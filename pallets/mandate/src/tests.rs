use crate::{mock::*, WeightInfo};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
};
use sp_runtime::{
	traits::{Dispatchable, Hash},
	DispatchError,
};

fn as_root(call: frame_system::Call<Test>) -> Box<RuntimeCall> {
	Box::new(RuntimeCall::System(call))
}

fn set_storage(key: &[u8]) -> Box<RuntimeCall> {
	as_root(frame_system::Call::set_storage { items: vec![(key.to_vec(), b"set".to_vec())] })
}

#[test]
fn the_council_acts_as_root() {
	new_test_ext().execute_with(|| {
		assert_ok!(Mandate::dispatch_as_root(RuntimeOrigin::signed(COUNCIL), set_storage(b"k")));
		assert_eq!(sp_io::storage::get(b"k").as_deref(), Some(&b"set"[..]));
	});
}

#[test]
fn nobody_else_acts_as_root() {
	new_test_ext().execute_with(|| {
		for origin in [RuntimeOrigin::signed(2), RuntimeOrigin::none()] {
			assert_noop!(
				Mandate::dispatch_as_root(origin, set_storage(b"k")),
				DispatchError::BadOrigin
			);
		}
		assert_eq!(sp_io::storage::get(b"k"), None);
	});
}

#[test]
fn the_council_authorises_a_runtime_upgrade() {
	new_test_ext().execute_with(|| {
		let code_hash = <Test as frame_system::Config>::Hashing::hash(b"new runtime");
		let authorize = frame_system::Call::authorize_upgrade { code_hash };
		// Not by itself: authorising an upgrade needs Root.
		assert_noop!(
			RuntimeCall::System(authorize.clone()).dispatch(RuntimeOrigin::signed(COUNCIL)),
			DispatchError::BadOrigin
		);
		assert_ok!(Mandate::dispatch_as_root(RuntimeOrigin::signed(COUNCIL), as_root(authorize)));
		let authorized = System::authorized_upgrade().expect("an upgrade was authorised");
		assert_eq!(authorized.code_hash(), &code_hash);
	});
}

#[test]
fn a_failed_call_fails_with_its_own_error() {
	new_test_ext().execute_with(|| {
		// Nothing is authorised, so applying an upgrade fails, whoever asks.
		let apply = frame_system::Call::apply_authorized_upgrade { code: b"code".to_vec() };
		let error = Mandate::dispatch_as_root(RuntimeOrigin::signed(COUNCIL), as_root(apply))
			.expect_err("no upgrade was authorised");
		assert_eq!(error.error, frame_system::Error::<Test>::NothingAuthorized.into());
	});
}

#[test]
fn the_weight_is_the_calls_and_the_overhead() {
	new_test_ext().execute_with(|| {
		let inner = set_storage(b"k");
		let inner_info = inner.get_dispatch_info();
		let outer = RuntimeCall::Mandate(crate::Call::dispatch_as_root { call: inner });
		let info = outer.get_dispatch_info();
		assert_eq!(
			info.call_weight,
			inner_info.call_weight + <() as WeightInfo>::dispatch_as_root()
		);
		assert_eq!((info.class, info.pays_fee), (inner_info.class, Pays::Yes));
	});
}
