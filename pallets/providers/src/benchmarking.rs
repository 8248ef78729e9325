//! Benchmarks of every call at its worst case. Every call is O(1); the worst case is the path
//! that touches most storage: a practitioner (found after missing in `Organisations`) of an
//! organisation whose record is read and written too.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use sp_runtime::traits::Saturating;

const SEED: u32 = 0;
const YEAR_MS: Moment = 365 * 24 * 60 * 60 * 1000;

/// The longest jurisdiction code, valid for a year.
fn credential<T: Config>() -> Credential {
	Credential {
		document_hash: H256::repeat_byte(1),
		issuer: u32::MAX,
		jurisdiction: BoundedVec::truncate_from(b"GB-ENG".to_vec()),
		valid_until: T::Time::now().saturating_add(YEAR_MS),
	}
}

/// An account with enough for every deposit.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let plenty = T::OrganisationDeposit::get()
		.saturating_add(T::PractitionerDeposit::get())
		.saturating_mul(100u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, plenty);
	who
}

fn registrar<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::RegistrarOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// An active organisation one practitioner short of `MaxPractitionersPerOrganisation` (the
/// count is a number: no practitioner needs to be stored for it).
fn active_organisation<T: Config>() -> Result<T::AccountId, BenchmarkError> {
	let org = funded::<T>("organisation", 0);
	Pallet::<T>::register_organisation(
		RawOrigin::Signed(org.clone()).into(),
		OrganisationKind::Hospital,
		credential::<T>(),
		0,
	)?;
	Organisations::<T>::mutate_extant(&org, |o| {
		o.status.status = ProviderStatus::Active;
		o.practitioners = T::MaxPractitionersPerOrganisation::get().saturating_sub(1);
	});
	Ok(org)
}

/// An account invited by an active organisation: the organisation and the account.
fn invited<T: Config>() -> Result<(T::AccountId, T::AccountId), BenchmarkError> {
	let org = active_organisation::<T>()?;
	let who: T::AccountId = account("practitioner", 0, SEED);
	Pallet::<T>::invite_practitioner(
		RawOrigin::Signed(org.clone()).into(),
		T::Lookup::unlookup(who.clone()),
		PractitionerRole::Physician,
		credential::<T>(),
	)?;
	Ok((org, who))
}

/// A practitioner of an active organisation, put in `status` directly (whether registrations
/// start pending is the runtime's choice).
fn practitioner<T: Config>(
	status: ProviderStatus,
) -> Result<(T::AccountId, T::AccountId), BenchmarkError> {
	let (org, who) = invited::<T>()?;
	let origin = RawOrigin::Signed(who.clone()).into();
	Pallet::<T>::accept_invitation(origin, T::Lookup::unlookup(org.clone()))?;
	Practitioners::<T>::mutate_extant(&who, |p| p.status.status = status);
	Ok((org, who))
}

fn status_of<T: Config>(who: &T::AccountId) -> Option<ProviderStatus> {
	Practitioners::<T>::get(who).map(|p| p.status.status)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_organisation() {
		let who = funded::<T>("organisation", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), OrganisationKind::Hospital, credential::<T>(), -300);
		assert!(Organisations::<T>::contains_key(&who));
	}

	#[benchmark]
	fn set_utc_offset() -> Result<(), BenchmarkError> {
		let org = active_organisation::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Signed(org.clone()), 60);
		assert_eq!(Organisations::<T>::get(&org).map(|o| o.utc_offset), Some(60));
		Ok(())
	}

	#[benchmark]
	fn invite_practitioner() -> Result<(), BenchmarkError> {
		let org = active_organisation::<T>()?;
		let who: T::AccountId = account("practitioner", 0, SEED);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(org),
			T::Lookup::unlookup(who.clone()),
			PractitionerRole::Physician,
			credential::<T>(),
		);
		assert!(Invitations::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn accept_invitation() -> Result<(), BenchmarkError> {
		let (org, who) = invited::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::Lookup::unlookup(org));
		assert!(Practitioners::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn cancel_invitation() -> Result<(), BenchmarkError> {
		let (_, who) = invited::<T>()?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), T::Lookup::unlookup(who.clone()));
		assert!(!Invitations::<T>::contains_key(&who));
		Ok(())
	}

	/// A pending practitioner's credential replaced (the record rewritten and any proposal
	/// cleared: more than an approved one's proposal, which only stores it).
	#[benchmark]
	fn update_credential() -> Result<(), BenchmarkError> {
		let (org, who) = practitioner::<T>(ProviderStatus::Pending)?;
		let renewed = Credential { issuer: 7, ..credential::<T>() };
		#[extrinsic_call]
		_(RawOrigin::Signed(org), T::Lookup::unlookup(who.clone()), renewed);
		assert_eq!(Practitioners::<T>::get(&who).map(|p| p.credential.issuer), Some(7));
		Ok(())
	}

	#[benchmark]
	fn approve_credential() -> Result<(), BenchmarkError> {
		let (org, who) = practitioner::<T>(ProviderStatus::Active)?;
		let renewed = Credential { issuer: 7, ..credential::<T>() };
		let provider = T::Lookup::unlookup(who.clone());
		Pallet::<T>::update_credential(RawOrigin::Signed(org).into(), provider.clone(), renewed)?;
		let origin = registrar::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, provider);
		assert_eq!(Practitioners::<T>::get(&who).map(|p| p.credential.issuer), Some(7));
		Ok(())
	}

	#[benchmark]
	fn reject_credential() -> Result<(), BenchmarkError> {
		let (org, who) = practitioner::<T>(ProviderStatus::Active)?;
		let provider = T::Lookup::unlookup(who.clone());
		let origin = RawOrigin::Signed(org).into();
		Pallet::<T>::update_credential(origin, provider.clone(), credential::<T>())?;
		let origin = registrar::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, provider);
		assert!(!PendingCredentials::<T>::contains_key(&who));
		Ok(())
	}

	/// A practitioner left pending for `PurgeDelay`: its deposit released, its organisation's
	/// count written.
	#[benchmark]
	fn purge() -> Result<(), BenchmarkError> {
		let (_, who) = practitioner::<T>(ProviderStatus::Pending)?;
		T::BenchmarkHelper::pass_time(T::PurgeDelay::get());
		let anyone: T::AccountId = account("anyone", 0, SEED);
		#[extrinsic_call]
		_(RawOrigin::Signed(anyone), T::Lookup::unlookup(who.clone()));
		assert!(!Practitioners::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn assign_department() -> Result<(), BenchmarkError> {
		let (org, who) = practitioner::<T>(ProviderStatus::Active)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(org), T::Lookup::unlookup(who.clone()), Some(7));
		assert_eq!(Practitioners::<T>::get(&who).and_then(|p| p.department), Some(7));
		Ok(())
	}

	#[benchmark]
	fn approve() -> Result<(), BenchmarkError> {
		let (_, who) = practitioner::<T>(ProviderStatus::Pending)?;
		let origin = registrar::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::Lookup::unlookup(who.clone()));
		assert_eq!(status_of::<T>(&who), Some(ProviderStatus::Active));
		Ok(())
	}

	#[benchmark]
	fn suspend() -> Result<(), BenchmarkError> {
		let (_, who) = practitioner::<T>(ProviderStatus::Active)?;
		let origin = registrar::<T>()?;
		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			T::Lookup::unlookup(who.clone()),
			StatusReason::CouncilDecision,
		);
		assert_eq!(status_of::<T>(&who), Some(ProviderStatus::Suspended));
		Ok(())
	}

	#[benchmark]
	fn reinstate() -> Result<(), BenchmarkError> {
		let (_, who) = practitioner::<T>(ProviderStatus::Suspended)?;
		let origin = registrar::<T>()?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, T::Lookup::unlookup(who.clone()));
		assert_eq!(status_of::<T>(&who), Some(ProviderStatus::Active));
		Ok(())
	}

	#[benchmark]
	fn revoke() -> Result<(), BenchmarkError> {
		let (_, who) = practitioner::<T>(ProviderStatus::Active)?;
		let origin = registrar::<T>()?;
		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			T::Lookup::unlookup(who.clone()),
			StatusReason::CouncilDecision,
		);
		assert_eq!(status_of::<T>(&who), Some(ProviderStatus::Revoked));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
