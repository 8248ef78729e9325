//! The pallets that `scripts/benchmark.sh` measures (with `--features runtime-benchmarks`), and
//! the set-up helpers their benchmarks need from the runtime. The macros this defines are used
//! by the `Benchmark` runtime API in `apis.rs`.

use super::*;
use frame_support::traits::{Get, Time};

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_providers, Providers]
	[pallet_consent, Consent]
	[pallet_records, Records]
	[pallet_audit, Audit]
	[pallet_sentinel, Sentinel]
	[pallet_mandate, Mandate]
	[pallet_validator_set, ValidatorSet]
	[pallet_consent_precompile, ConsentPrecompile]
);

impl frame_system_benchmarking::Config for Runtime {}

/// Sets up the provider registry and the consents, with the real pallets, for the audit
/// pallet's benchmarks.
pub struct AuditBenchmarkHelper;

impl AuditBenchmarkHelper {
	fn credential() -> pallet_providers::Credential {
		pallet_providers::Credential {
			document_hash: sp_core::H256::repeat_byte(1),
			issuer: 1,
			jurisdiction: frame_support::BoundedVec::truncate_from(b"GB-ENG".to_vec()),
			valid_until: Timestamp::now().saturating_add(365 * 24 * 60 * 60 * 1000),
		}
	}
}

/// Registers session keys for the validator set's benchmarks, as `session.set_keys` leaves them
/// (the keys' values do not matter to the validator set, only that they are registered).
pub struct SessionKeysHelper;

impl pallet_validator_set::BenchmarkHelper<AccountId> for SessionKeysHelper {
	fn register_keys(who: &AccountId) {
		let raw: [u8; 32] = <BlakeTwo256 as sp_runtime::traits::Hash>::hash(who.as_ref()).0;
		let keys = opaque::SessionKeys {
			aura: sp_core::sr25519::Public::from_raw(raw).into(),
			grandpa: sp_core::ed25519::Public::from_raw(raw).into(),
			sentinel: sp_core::sr25519::Public::from_raw(raw).into(),
		};
		pallet_session::NextKeys::<Runtime>::insert(who, keys);
	}
}

/// Moves the chain's clock on, for benchmarks of what happens once a period has passed.
pub struct Clock;

impl pallet_providers::BenchmarkHelper for Clock {
	fn pass_time(by: ehr_primitives::Moment) {
		pallet_timestamp::Now::<Runtime>::mutate(|now| *now = now.saturating_add(by));
	}
}

impl pallet_audit::BenchmarkHelper<AccountId> for AuditBenchmarkHelper {
	fn active_practitioner() -> (AccountId, AccountId) {
		use frame_support::traits::fungible::Mutate;
		let organisation: AccountId = frame_benchmarking::account("organisation", 0, 0);
		let _ = Balances::set_balance(&organisation, 1_000 * UNIT);
		let results = [
			Providers::register_organisation(
				RuntimeOrigin::signed(organisation.clone()),
				pallet_providers::OrganisationKind::Hospital,
				Self::credential(),
				0,
			),
			Providers::approve(RuntimeOrigin::root(), organisation.clone().into()),
		];
		assert!(results.iter().all(Result::is_ok), "organisation set up: {results:?}");
		(Self::colleague(&organisation), organisation)
	}

	fn pass_time(by: ehr_primitives::Moment) {
		<Clock as pallet_providers::BenchmarkHelper>::pass_time(by)
	}

	fn restrict(patient: &AccountId) {
		let restriction = pallet_consent::Restriction { by_patient: true, by_custodian: None };
		pallet_consent::Restrictions::<Runtime>::insert(patient, restriction);
	}

	fn colleague(organisation: &AccountId) -> AccountId {
		// A new account each time: as many as are registered already.
		let registered = pallet_providers::Practitioners::<Runtime>::iter_keys().count();
		let practitioner: AccountId =
			frame_benchmarking::account("practitioner", registered as u32, 0);
		let results = [
			Providers::invite_practitioner(
				RuntimeOrigin::signed(organisation.clone()),
				practitioner.clone().into(),
				pallet_providers::PractitionerRole::Physician,
				Self::credential(),
			),
			Providers::accept_invitation(
				RuntimeOrigin::signed(practitioner.clone()),
				organisation.clone().into(),
			),
			Providers::approve(RuntimeOrigin::root(), practitioner.clone().into()),
		];
		assert!(results.iter().all(Result::is_ok), "practitioner set up: {results:?}");
		practitioner
	}

	fn costliest_consents(
		patient: &AccountId,
		practitioner: &AccountId,
		organisation: &AccountId,
		category: pallet_consent::Category,
		purpose: pallet_consent::Purpose,
	) {
		use ehr_primitives::consent::ConsentInspect;
		use pallet_consent::{Categories, ConsentTerms, Grantee};
		let now = Timestamp::now();
		// Both lists full of consents that cover the request and allow one access each...
		let per_grantee = <Runtime as pallet_consent::Config>::MaxConsentsPerGrantee::get();
		for grantee in [
			Grantee::Practitioner(practitioner.clone()),
			Grantee::Organisation(organisation.clone()),
		] {
			for _ in 0..per_grantee {
				let terms = ConsentTerms {
					categories: Categories::Only(pallet_consent::every_category()),
					purposes: frame_support::BoundedVec::truncate_from(
						pallet_consent::Purpose::ALL.to_vec(),
					),
					from: now,
					until: Some(now.saturating_add(365 * 24 * 60 * 60 * 1000)),
					max_accesses: Some(1),
				};
				let granted = Consent::grant(
					RuntimeOrigin::signed(patient.clone()),
					None,
					grantee.clone(),
					terms,
				);
				assert!(granted.is_ok(), "consent granted: {granted:?}");
			}
		}
		// ... all used: the next request reads them all, is denied, and clears one.
		for _ in 0..per_grantee.saturating_mul(2) {
			let reach = ehr_primitives::consent::ConsentReach::PractitionerOrOrganisation;
			let (used, _) = Consent::use_consent(
				patient,
				practitioner,
				organisation,
				category,
				purpose,
				now,
				reach,
			);
			assert!(used.is_ok(), "consent used: {used:?}");
		}
	}
}

impl pallet_consent::BenchmarkHelper<AccountId> for AuditBenchmarkHelper {
	fn active_organisation() -> AccountId {
		<Self as pallet_audit::BenchmarkHelper<AccountId>>::active_practitioner().1
	}
}

impl pallet_consent_precompile::BenchmarkHelper<AccountId> for AuditBenchmarkHelper {
	fn research_consent_worst_case() -> (AccountId, AccountId, pallet_consent::StandardCategory) {
		use frame_support::traits::fungible::Mutate;
		use pallet_audit::BenchmarkHelper;
		let (_, organisation) = <Self as BenchmarkHelper<AccountId>>::active_practitioner();
		let patient: AccountId = frame_benchmarking::account("patient", 0, 0);
		let _ = Balances::set_balance(&patient, 1_000 * UNIT);
		let category = pallet_consent::StandardCategory::Imaging;
		let research = pallet_consent::Purpose::Research;
		// The organisation as both grantee lists: what a research question reads.
		Self::costliest_consents(&patient, &organisation, &organisation, category.into(), research);
		Self::restrict(&patient);
		(patient, organisation, category)
	}

	fn active_practitioner() -> (AccountId, AccountId) {
		use frame_support::traits::fungible::Mutate;
		let (practitioner, organisation) =
			<Self as pallet_audit::BenchmarkHelper<AccountId>>::active_practitioner();
		// It calls the precompile itself: an account that exists.
		let _ = Balances::set_balance(&practitioner, 1_000 * UNIT);
		(practitioner, organisation)
	}
}

impl pallet_sentinel::BenchmarkHelper<AccountId> for AuditBenchmarkHelper {
	fn active_practitioners(n: u32) -> Vec<(AccountId, pallet_audit::AccessSeq)> {
		use ehr_primitives::audit::AccessLog;
		use pallet_audit::BenchmarkHelper;
		let organisation: AccountId = frame_benchmarking::account("organisation", 0, 0);
		let organisation =
			if pallet_providers::Organisations::<Runtime>::contains_key(&organisation) {
				organisation
			} else {
				<Self as BenchmarkHelper<AccountId>>::active_practitioner().1
			};
		let patient: AccountId = frame_benchmarking::account("patient", 0, 0);
		(0..n)
			.map(|_| {
				let practitioner = Self::colleague(&organisation);
				// A request, denied for want of consent: a decision in its log.
				let asked = Audit::request_access(
					RuntimeOrigin::signed(practitioner.clone()),
					patient.clone().into(),
					pallet_consent::StandardCategory::Imaging.into(),
					pallet_consent::Purpose::Treatment,
					None,
				);
				assert!(asked.is_ok(), "request logged: {asked:?}");
				let latest = Audit::latest_decisions(&practitioner).map_or(0, |l| l.newest);
				(practitioner, latest)
			})
			.collect()
	}
}

impl pallet_records::BenchmarkHelper<AccountId> for AuditBenchmarkHelper {
	fn practitioner_with_consent(
		category: pallet_records::Category,
	) -> (AccountId, AccountId, AccountId) {
		use pallet_audit::BenchmarkHelper;
		use pallet_consent::{Categories, ConsentTerms, Grantee, Purpose};
		let (practitioner, organisation) = Self::active_practitioner();
		let patient: AccountId = frame_benchmarking::account("patient", 0, 0);
		// Both lists full, and only the organisation's last consent covers treatment: an anchor
		// reads every consent before it is allowed.
		let per_grantee = <Runtime as pallet_consent::Config>::MaxConsentsPerGrantee::get();
		// The longest list of categories, `category` last.
		let mut categories = pallet_consent::every_category();
		categories.retain(|listed| *listed != category);
		categories.force_push(category);
		for grantee in [
			Grantee::Practitioner(practitioner.clone()),
			Grantee::Organisation(organisation.clone()),
		] {
			for n in 0..per_grantee {
				let last = matches!(grantee, Grantee::Organisation(_)) && n + 1 == per_grantee;
				let purpose = if last { Purpose::Treatment } else { Purpose::Research };
				let terms = ConsentTerms {
					categories: Categories::Only(categories.clone()),
					purposes: frame_support::BoundedVec::truncate_from(alloc::vec![purpose]),
					from: 0,
					until: None,
					max_accesses: None,
				};
				let granted = Consent::grant(
					RuntimeOrigin::signed(patient.clone()),
					None,
					grantee.clone(),
					terms,
				);
				assert!(granted.is_ok(), "consent granted: {granted:?}");
			}
		}
		(practitioner, organisation, patient)
	}

	fn guardian(patient: &AccountId) -> AccountId {
		let most = <Runtime as pallet_consent::Config>::MaxGuardians::get();
		let guardians: Vec<AccountId> =
			(0..most).map(|n| frame_benchmarking::account("guardian", n, 0)).collect();
		for guardian in &guardians {
			let named = Consent::set_guardian(
				RuntimeOrigin::signed(patient.clone()),
				guardian.clone().into(),
				None,
			);
			assert!(named.is_ok(), "guardian named: {named:?}");
		}
		guardians.last().cloned().unwrap_or_else(|| patient.clone())
	}
}
