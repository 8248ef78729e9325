use crate::{mock::*, ChangePlanned, Error, Event, RotationsDue, Validators};
use frame_support::{assert_noop, assert_ok};
use pallet_session::{SessionManager, ShouldEndSession};
use sp_runtime::DispatchError;

fn validators() -> Vec<u64> {
	Validators::<Test>::get().into_inner()
}

/// What the session pallet does at a boundary, in its order (`rotate_session`): end the
/// running session, start `index`, plan the one after it.
fn rotate(index: u32) -> Option<Vec<u64>> {
	ValidatorSet::end_session(index - 1);
	ValidatorSet::start_session(index);
	ValidatorSet::new_session(index + 1)
}

#[test]
fn genesis_validators_start_the_chain() {
	new_test_ext().execute_with(|| {
		assert_eq!(validators(), GENESIS.to_vec());
		assert_eq!(ValidatorSet::new_session_genesis(0), Some(GENESIS.to_vec()));
		assert_eq!(ValidatorSet::new_session(1), None, "nothing changed since genesis");
	});
}

#[test]
fn the_council_adds_a_validator_with_session_keys() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), CANDIDATE));
		assert_eq!(validators(), vec![10, 11, 12, CANDIDATE]);
		System::assert_last_event(Event::ValidatorAdded { validator: CANDIDATE }.into());
		assert_eq!(ValidatorSet::new_session(5), Some(vec![10, 11, 12, CANDIDATE]));
		assert_eq!(ValidatorSet::new_session(6), None, "planned once");
	});
}

#[test]
fn only_the_council_changes_the_set() {
	new_test_ext().execute_with(|| {
		for origin in
			[RuntimeOrigin::signed(CANDIDATE), RuntimeOrigin::root(), RuntimeOrigin::none()]
		{
			assert_noop!(
				ValidatorSet::add_validator(origin.clone(), CANDIDATE),
				DispatchError::BadOrigin
			);
			assert_noop!(ValidatorSet::remove_validator(origin, 10), DispatchError::BadOrigin);
		}
		assert!(!ChangePlanned::<Test>::get());
	});
}

#[test]
fn a_validator_without_session_keys_is_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), UNREGISTERED),
			Error::<Test>::NoSessionKeys
		);
	});
}

#[test]
fn a_validator_is_added_once_and_the_set_is_bounded() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), 10),
			Error::<Test>::AlreadyValidator
		);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), 13));
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), 14));
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), 15),
			Error::<Test>::TooManyValidators
		);
	});
}

#[test]
fn removal_never_leaves_fewer_than_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::signed(COUNCIL), 10),
			Error::<Test>::TooFewValidators
		);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), CANDIDATE));
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::signed(COUNCIL), 10));
		assert_eq!(validators(), vec![11, 12, CANDIDATE]);
		System::assert_last_event(Event::ValidatorRemoved { validator: 10 }.into());
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::signed(COUNCIL), 10),
			Error::<Test>::NotValidator
		);
	});
}

#[test]
fn sessions_are_periodic_until_the_council_changes_the_set() {
	new_test_ext().execute_with(|| {
		let ends: Vec<u64> = (1..=30).filter(|n| ValidatorSet::should_end_session(*n)).collect();
		assert_eq!(ends, vec![PERIOD, 2 * PERIOD, 3 * PERIOD]);
	});
}

#[test]
fn a_change_ends_two_sessions_at_once_and_then_sessions_are_periodic_again() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::signed(COUNCIL), CANDIDATE));
		// Block 4: the session that runs ends; the next plans the new set.
		assert!(ValidatorSet::should_end_session(4));
		assert_eq!(rotate(1), Some(vec![10, 11, 12, CANDIDATE]));
		// Block 5: that session ends too, and the new set authors.
		assert!(ValidatorSet::should_end_session(5));
		assert_eq!(rotate(2), None);
		assert_eq!(RotationsDue::<Test>::get(), 0);
		assert!(!ValidatorSet::should_end_session(6));
		assert!(ValidatorSet::should_end_session(PERIOD));
	});
}
