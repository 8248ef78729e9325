use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::DispatchError::BadOrigin;

type Pallet = crate::Pallet<Test>;

fn credential_until(valid_until: u64) -> Credential {
	Credential {
		document_hash: H256::repeat_byte(7),
		issuer: 42,
		jurisdiction: b"US-CA".to_vec().try_into().unwrap(),
		valid_until,
	}
}

fn credential() -> Credential {
	credential_until(NOW + 365 * DAY)
}

fn with_jurisdiction(code: &[u8]) -> Credential {
	Credential { jurisdiction: code.to_vec().try_into().unwrap(), ..credential() }
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::RegistrationDeposit.into(), &who)
}

fn status_of(who: u64) -> ProviderStatus {
	Organisations::<Test>::get(who)
		.map(|o| o.status.status)
		.or_else(|| Practitioners::<Test>::get(who).map(|p| p.status.status))
		.expect("registered")
}

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn signed(who: u64) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn register_organisation(who: u64) {
	assert_ok!(Pallet::register_organisation(
		signed(who),
		OrganisationKind::Hospital,
		credential(),
		0
	));
}

fn active_organisation(who: u64) {
	register_organisation(who);
	assert_ok!(Pallet::approve(root(), who));
}

fn invite(organisation: u64, who: u64) {
	assert_ok!(Pallet::invite_practitioner(
		signed(organisation),
		who,
		PractitionerRole::Physician,
		credential()
	));
}

/// `organisation` invites `who`, which accepts.
fn register_practitioner(organisation: u64, who: u64) {
	invite(organisation, who);
	assert_ok!(Pallet::accept_invitation(signed(who), organisation));
}

fn active_practitioner(organisation: u64, who: u64) {
	register_practitioner(organisation, who);
	assert_ok!(Pallet::approve(root(), who));
}

fn access(who: u64) -> Result<ActivePractitioner<u64>, ProviderDenial> {
	Pallet::practitioner_access(&who)
}

fn allowed(organisation: u64) -> Result<ActivePractitioner<u64>, ProviderDenial> {
	Ok(ActivePractitioner { organisation, role: PractitionerRole::Physician, utc_offset: 0 })
}

fn set_now(now: u64) {
	Timestamp::set_timestamp(now);
}

mod local_time {
	use super::*;

	#[test]
	fn an_organisation_registers_its_offset_and_its_practitioners_carry_it() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Pallet::register_organisation(
					signed(HOSPITAL),
					OrganisationKind::Hospital,
					credential(),
					-721
				),
				Error::<Test>::InvalidUtcOffset
			);
			assert_ok!(Pallet::register_organisation(
				signed(HOSPITAL),
				OrganisationKind::Hospital,
				credential(),
				-300
			));
			assert_ok!(Pallet::approve(root(), HOSPITAL));
			active_practitioner(HOSPITAL, ALICE);
			assert_eq!(access(ALICE).map(|member| member.utc_offset), Ok(-300));
			assert_eq!(Pallet::membership(&ALICE).map(|member| member.utc_offset), Some(-300));
		});
	}

	#[test]
	fn only_the_organisation_changes_its_offset_within_the_worlds() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			// Summer time.
			assert_ok!(Pallet::set_utc_offset(signed(HOSPITAL), 60));
			assert_eq!(access(ALICE).map(|member| member.utc_offset), Ok(60));
			System::assert_last_event(
				Event::UtcOffsetSet { organisation: HOSPITAL, utc_offset: 60 }.into(),
			);
			assert_noop!(
				Pallet::set_utc_offset(signed(HOSPITAL), 841),
				Error::<Test>::InvalidUtcOffset
			);
			assert_noop!(
				Pallet::set_utc_offset(signed(ALICE), 0),
				Error::<Test>::NotAnOrganisation
			);
			assert_noop!(Pallet::set_utc_offset(root(), 0), BadOrigin);
			assert_ok!(Pallet::revoke(root(), ALICE, StatusReason::CouncilDecision));
			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_noop!(
				Pallet::set_utc_offset(signed(HOSPITAL), 0),
				Error::<Test>::OrganisationRevoked
			);
		});
	}

	#[test]
	fn the_migration_puts_every_organisation_at_utc_and_keeps_the_rest() {
		use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			let kept = Organisations::<Test>::get(HOSPITAL).expect("registered");
			// As version 0 wrote it: the same fields, no offset.
			let v0 = (
				kept.kind,
				kept.credential.clone(),
				kept.status.clone(),
				kept.practitioners,
				kept.deposit,
			);
			frame_support::storage::unhashed::put_raw(
				&Organisations::<Test>::hashed_key_for(HOSPITAL),
				&codec::Encode::encode(&v0),
			);
			StorageVersion::new(0).put::<Pallet>();
			crate::migrations::MigrateToV1::<Test>::on_runtime_upgrade();
			assert_eq!(
				Organisations::<Test>::get(HOSPITAL),
				Some(Organisation { utc_offset: 0, ..kept })
			);
			assert_eq!(Pallet::on_chain_storage_version(), StorageVersion::new(1));
		});
	}
}

mod register_organisation {
	use super::*;

	#[test]
	fn registers_pending_and_holds_the_deposit() {
		new_test_ext().execute_with(|| {
			register_organisation(HOSPITAL);
			let org = Organisations::<Test>::get(HOSPITAL).unwrap();
			assert_eq!(org.kind, OrganisationKind::Hospital);
			assert_eq!(org.credential, credential());
			assert_eq!(org.practitioners, 0);
			assert_eq!(org.deposit, ORGANISATION_DEPOSIT);
			assert_eq!(
				org.status,
				StatusRecord {
					status: ProviderStatus::Pending,
					reason: StatusReason::SelfDeclared,
					by: Actor::Account(HOSPITAL),
					since: NOW,
				}
			);
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT);
			System::assert_last_event(
				Event::OrganisationRegistered {
					organisation: HOSPITAL,
					kind: OrganisationKind::Hospital,
					status: ProviderStatus::Pending,
				}
				.into(),
			);
		});
	}

	#[test]
	fn is_active_at_once_when_approval_is_not_required() {
		new_test_ext().execute_with(|| {
			RequireApproval::set(false);
			register_organisation(HOSPITAL);
			RequireApproval::set(true);
			assert_eq!(status_of(HOSPITAL), ProviderStatus::Active);
			assert!(Pallet::is_active_organisation(&HOSPITAL, NOW));
		});
	}

	#[test]
	fn needs_a_signed_origin() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Pallet::register_organisation(root(), OrganisationKind::Clinic, credential(), 0),
				BadOrigin
			);
		});
	}

	#[test]
	fn rejects_a_second_registration() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_noop!(
				Pallet::register_organisation(
					signed(HOSPITAL),
					OrganisationKind::Clinic,
					credential(),
					0
				),
				Error::<Test>::AlreadyRegistered
			);
		});
	}

	#[test]
	fn rejects_a_registered_practitioner() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE);
			assert_noop!(
				Pallet::register_organisation(
					signed(ALICE),
					OrganisationKind::Clinic,
					credential(),
					0
				),
				Error::<Test>::AlreadyRegistered
			);
		});
	}

	#[test]
	fn rejects_a_credential_expiring_now_but_not_one_instant_later() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Pallet::register_organisation(
					signed(HOSPITAL),
					OrganisationKind::Hospital,
					credential_until(NOW),
					0
				),
				Error::<Test>::CredentialExpired
			);
			assert_ok!(Pallet::register_organisation(
				signed(HOSPITAL),
				OrganisationKind::Hospital,
				credential_until(NOW + 1),
				0
			));
		});
	}

	#[test]
	fn accepts_iso_3166_jurisdictions_only() {
		new_test_ext().execute_with(|| {
			for bad in [&b""[..], b"F", b"fr", b"FRA", b"FR-", b"FR_X", b"F1", b"US-ca"] {
				assert_noop!(
					Pallet::register_organisation(
						signed(HOSPITAL),
						OrganisationKind::Hospital,
						with_jurisdiction(bad),
						0
					),
					Error::<Test>::InvalidJurisdiction
				);
			}
			for (who, good) in [(HOSPITAL, &b"FR"[..]), (CLINIC, b"GB-ENG")] {
				assert_ok!(Pallet::register_organisation(
					signed(who),
					OrganisationKind::Clinic,
					with_jurisdiction(good),
					0
				));
			}
		});
	}

	#[test]
	fn fails_without_funds_for_the_deposit() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Pallet::register_organisation(
					signed(SHOESTRING),
					OrganisationKind::Pharmacy,
					credential(),
					0
				),
				Error::<Test>::InsufficientDeposit
			);
		});
	}
}

mod invite_practitioner {
	use super::*;

	#[test]
	fn invites_then_registers_pending_on_acceptance_with_the_deposit_on_the_organisation() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_ok!(Pallet::invite_practitioner(
				signed(HOSPITAL),
				ALICE,
				PractitionerRole::Nurse,
				credential()
			));
			System::assert_last_event(
				Event::PractitionerInvited {
					practitioner: ALICE,
					organisation: HOSPITAL,
					role: PractitionerRole::Nurse,
					expires_at: NOW + INVITATION_PERIOD,
				}
				.into(),
			);
			// Invited is not registered: the place and the deposit are taken already.
			assert_eq!(access(ALICE), Err(ProviderDenial::Unknown));
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().practitioners, 1);
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT + PRACTITIONER_DEPOSIT);

			assert_ok!(Pallet::accept_invitation(signed(ALICE), HOSPITAL));
			assert!(!Invitations::<Test>::contains_key(ALICE));
			let p = Practitioners::<Test>::get(ALICE).unwrap();
			assert_eq!(p.organisation, HOSPITAL);
			assert_eq!(p.role, PractitionerRole::Nurse);
			assert_eq!(p.deposit, PRACTITIONER_DEPOSIT);
			assert_eq!(p.status.status, ProviderStatus::Pending);
			assert_eq!(p.status.by, Actor::Account(HOSPITAL));
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().practitioners, 1);
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT + PRACTITIONER_DEPOSIT);
			assert_eq!(access(ALICE), Err(ProviderDenial::Pending));
			System::assert_last_event(
				Event::PractitionerRegistered {
					practitioner: ALICE,
					organisation: HOSPITAL,
					role: PractitionerRole::Nurse,
					status: ProviderStatus::Pending,
				}
				.into(),
			);
		});
	}

	#[test]
	fn is_active_at_once_when_approval_is_not_required() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			RequireApproval::set(false);
			register_practitioner(HOSPITAL, ALICE);
			RequireApproval::set(true);
			assert_eq!(access(ALICE), allowed(HOSPITAL));
		});
	}

	#[test]
	fn needs_a_signed_origin() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Pallet::invite_practitioner(root(), ALICE, PractitionerRole::Nurse, credential()),
				BadOrigin
			);
		});
	}

	#[test]
	fn only_an_organisation_registers_practitioners() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			for signer in [NOBODY, ALICE] {
				assert_noop!(
					Pallet::invite_practitioner(
						signed(signer),
						BOB,
						PractitionerRole::Nurse,
						credential()
					),
					Error::<Test>::NotAnOrganisation
				);
			}
		});
	}

	#[test]
	fn needs_an_active_organisation() {
		new_test_ext().execute_with(|| {
			register_organisation(HOSPITAL);
			let attempt = || {
				Pallet::invite_practitioner(
					signed(HOSPITAL),
					ALICE,
					PractitionerRole::Nurse,
					credential(),
				)
			};
			assert_noop!(attempt(), Error::<Test>::OrganisationNotActive);

			assert_ok!(Pallet::approve(root(), HOSPITAL));
			assert_ok!(Pallet::suspend(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_noop!(attempt(), Error::<Test>::OrganisationNotActive);

			assert_ok!(Pallet::reinstate(root(), HOSPITAL));
			set_now(credential().valid_until);
			assert_noop!(
				Pallet::invite_practitioner(
					signed(HOSPITAL),
					ALICE,
					PractitionerRole::Nurse,
					credential_until(credential().valid_until + DAY),
				),
				Error::<Test>::OrganisationNotActive
			);
		});
	}

	#[test]
	fn rejects_an_account_registered_anywhere() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_organisation(CLINIC);
			register_practitioner(HOSPITAL, ALICE);
			for account in [ALICE, CLINIC, HOSPITAL] {
				assert_noop!(
					Pallet::invite_practitioner(
						signed(CLINIC),
						account,
						PractitionerRole::Nurse,
						credential()
					),
					Error::<Test>::AlreadyRegistered
				);
			}
		});
	}

	#[test]
	fn rejects_an_expired_credential() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_noop!(
				Pallet::invite_practitioner(
					signed(HOSPITAL),
					ALICE,
					PractitionerRole::Nurse,
					credential_until(NOW)
				),
				Error::<Test>::CredentialExpired
			);
		});
	}

	#[test]
	fn bounds_the_practitioners_of_an_organisation() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			for who in [ALICE, BOB, CAROL] {
				register_practitioner(HOSPITAL, who);
			}
			assert_noop!(
				Pallet::invite_practitioner(
					signed(HOSPITAL),
					DAVE,
					PractitionerRole::Nurse,
					credential()
				),
				Error::<Test>::TooManyPractitioners
			);
			// A revocation frees a place.
			assert_ok!(Pallet::revoke(root(), CAROL, StatusReason::CouncilDecision));
			register_practitioner(HOSPITAL, DAVE);
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().practitioners, 3);
		});
	}

	#[test]
	fn fails_without_funds_for_the_deposit() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			let free = Balances::free_balance(HOSPITAL);
			// Leave exactly the deposit free: holding it would take the account below its
			// existential deposit.
			assert_ok!(Balances::transfer_allow_death(
				signed(HOSPITAL),
				NOBODY,
				free - PRACTITIONER_DEPOSIT
			));
			assert_noop!(
				Pallet::invite_practitioner(
					signed(HOSPITAL),
					ALICE,
					PractitionerRole::Nurse,
					credential()
				),
				Error::<Test>::InsufficientDeposit
			);
		});
	}
}

mod assign_department {
	use super::*;

	fn ward_of(who: u64) -> Option<(u64, DepartmentId)> {
		<Pallet as ProviderInspect<u64>>::ward_of(&who)
	}

	#[test]
	fn an_organisation_moves_its_practitioner_between_departments() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_eq!(ward_of(ALICE), None);
			assert_ok!(Pallet::assign_department(signed(HOSPITAL), ALICE, Some(3)));
			assert_eq!(ward_of(ALICE), Some((HOSPITAL, 3)));
			System::assert_last_event(
				Event::DepartmentAssigned { practitioner: ALICE, department: Some(3) }.into(),
			);
			assert_ok!(Pallet::assign_department(signed(HOSPITAL), ALICE, None));
			assert_eq!(ward_of(ALICE), None);
			System::assert_last_event(
				Event::DepartmentAssigned { practitioner: ALICE, department: None }.into(),
			);
			// Its standing is untouched.
			assert_eq!(access(ALICE), allowed(HOSPITAL));
		});
	}

	#[test]
	fn pending_and_suspended_practitioners_keep_and_change_departments_revoked_ones_do_not() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE);
			assert_ok!(Pallet::assign_department(signed(HOSPITAL), ALICE, Some(1)));
			assert_ok!(Pallet::approve(root(), ALICE));
			assert_ok!(Pallet::suspend(root(), ALICE, StatusReason::CouncilDecision));
			assert_eq!(ward_of(ALICE), Some((HOSPITAL, 1)));
			assert_ok!(Pallet::assign_department(signed(HOSPITAL), ALICE, Some(2)));
			assert_eq!(ward_of(ALICE), Some((HOSPITAL, 2)));
			assert_ok!(Pallet::revoke(root(), ALICE, StatusReason::CouncilDecision));
			assert_noop!(
				Pallet::assign_department(signed(HOSPITAL), ALICE, Some(3)),
				Error::<Test>::AlreadyRevoked
			);
		});
	}

	#[test]
	fn only_the_practitioners_own_organisation_assigns_it() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_organisation(CLINIC);
			active_practitioner(HOSPITAL, ALICE);
			assert_noop!(Pallet::assign_department(root(), ALICE, Some(1)), BadOrigin);
			assert_noop!(
				Pallet::assign_department(signed(CLINIC), ALICE, Some(1)),
				Error::<Test>::NotYourPractitioner
			);
			for signer in [ALICE, NOBODY] {
				assert_noop!(
					Pallet::assign_department(signed(signer), ALICE, Some(1)),
					Error::<Test>::NotAnOrganisation
				);
			}
			assert_noop!(
				Pallet::assign_department(signed(HOSPITAL), NOBODY, Some(1)),
				Error::<Test>::NotRegistered
			);
			assert_eq!(ward_of(ALICE), None);
		});
	}
}

mod update_credential {
	use super::*;

	#[test]
	fn an_approved_organisations_new_credential_waits_for_the_registrar() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			let renewed = credential_until(NOW + 1000 * DAY);
			assert_ok!(Pallet::update_credential(signed(HOSPITAL), HOSPITAL, renewed.clone()));
			System::assert_last_event(
				Event::CredentialProposed { provider: HOSPITAL, valid_until: NOW + 1000 * DAY }
					.into(),
			);
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().credential, credential());
			assert_ok!(Pallet::approve_credential(root(), HOSPITAL));
			System::assert_last_event(
				Event::CredentialUpdated { provider: HOSPITAL, valid_until: NOW + 1000 * DAY }
					.into(),
			);
			let org = Organisations::<Test>::get(HOSPITAL).unwrap();
			assert_eq!(org.credential, renewed);
			assert_eq!(org.status.status, ProviderStatus::Active);
			assert!(!PendingCredentials::<Test>::contains_key(HOSPITAL));
		});
	}

	#[test]
	fn an_organisation_cannot_revive_an_expired_licence_without_the_registrar() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			invite(HOSPITAL, ALICE);
			assert_ok!(Pallet::accept_invitation(signed(ALICE), HOSPITAL));
			assert_ok!(Pallet::update_credential(
				signed(HOSPITAL),
				ALICE,
				credential_until(NOW + DAY)
			));
			assert_ok!(Pallet::approve(root(), ALICE));
			set_now(NOW + DAY);
			assert_eq!(access(ALICE), Err(ProviderDenial::CredentialExpired));
			// The renewal is only a proposal: the practitioner stays stopped.
			assert_ok!(Pallet::update_credential(signed(HOSPITAL), ALICE, credential()));
			assert_eq!(access(ALICE), Err(ProviderDenial::CredentialExpired));
			assert_ok!(Pallet::approve_credential(root(), ALICE));
			assert_eq!(access(ALICE), allowed(HOSPITAL));
		});
	}

	#[test]
	fn a_pending_providers_credential_changes_at_once() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE);
			let renewed = credential_until(NOW + 30 * DAY);
			assert_ok!(Pallet::update_credential(signed(HOSPITAL), ALICE, renewed.clone()));
			assert_eq!(Practitioners::<Test>::get(ALICE).unwrap().credential, renewed);
			assert!(!PendingCredentials::<Test>::contains_key(ALICE));
		});
	}

	#[test]
	fn only_the_registrar_decides_a_proposed_credential_while_it_is_valid() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_noop!(
				Pallet::approve_credential(root(), ALICE),
				Error::<Test>::NoCredentialProposed
			);
			assert_noop!(
				Pallet::reject_credential(root(), ALICE),
				Error::<Test>::NoCredentialProposed
			);
			let proposed = credential_until(NOW + 2 * DAY);
			assert_ok!(Pallet::update_credential(signed(HOSPITAL), ALICE, proposed));
			for who in [HOSPITAL, ALICE] {
				assert_noop!(Pallet::approve_credential(signed(who), ALICE), BadOrigin);
				assert_noop!(Pallet::reject_credential(signed(who), ALICE), BadOrigin);
			}
			set_now(NOW + 2 * DAY);
			assert_noop!(
				Pallet::approve_credential(root(), ALICE),
				Error::<Test>::CredentialExpired
			);
			assert_ok!(Pallet::reject_credential(root(), ALICE));
			System::assert_last_event(Event::CredentialRejected { provider: ALICE }.into());
			assert!(!PendingCredentials::<Test>::contains_key(ALICE));
			assert_eq!(Practitioners::<Test>::get(ALICE).unwrap().credential, credential());
		});
	}

	#[test]
	fn needs_a_signed_origin() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_noop!(Pallet::update_credential(root(), HOSPITAL, credential()), BadOrigin);
		});
	}

	#[test]
	fn only_the_practitioners_own_organisation_renews_it() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_organisation(CLINIC);
			active_practitioner(HOSPITAL, ALICE);
			assert_noop!(
				Pallet::update_credential(signed(CLINIC), ALICE, credential()),
				Error::<Test>::NotYourPractitioner
			);
			assert_noop!(
				Pallet::update_credential(signed(ALICE), ALICE, credential()),
				Error::<Test>::NotAnOrganisation
			);
			assert_noop!(
				Pallet::update_credential(signed(NOBODY), ALICE, credential()),
				Error::<Test>::NotAnOrganisation
			);
		});
	}

	#[test]
	fn names_an_unknown_provider() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_noop!(
				Pallet::update_credential(signed(HOSPITAL), NOBODY, credential()),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn rejects_bad_credentials() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_noop!(
				Pallet::update_credential(signed(HOSPITAL), ALICE, credential_until(NOW)),
				Error::<Test>::CredentialExpired
			);
			assert_noop!(
				Pallet::update_credential(signed(HOSPITAL), ALICE, with_jurisdiction(b"usa")),
				Error::<Test>::InvalidJurisdiction
			);
		});
	}

	#[test]
	fn a_revoked_provider_stays_revoked() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_ok!(Pallet::revoke(root(), ALICE, StatusReason::CouncilDecision));
			assert_noop!(
				Pallet::update_credential(signed(HOSPITAL), ALICE, credential()),
				Error::<Test>::AlreadyRevoked
			);
			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_noop!(
				Pallet::update_credential(signed(HOSPITAL), HOSPITAL, credential()),
				Error::<Test>::AlreadyRevoked
			);
		});
	}
}

mod invitation {
	use super::*;

	#[test]
	fn an_organisation_cannot_take_an_account_that_does_not_accept() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			invite(HOSPITAL, ALICE);
			// Not a practitioner of the hospital, nor of anybody's, until it accepts.
			assert_eq!(Practitioners::<Test>::get(ALICE), None);
			assert_eq!(<Pallet as ProviderInspect<u64>>::membership(&ALICE), None);
			assert_noop!(
				Pallet::assign_department(signed(HOSPITAL), ALICE, Some(1)),
				Error::<Test>::NotRegistered
			);
			set_now(NOW + INVITATION_PERIOD);
			assert_noop!(
				Pallet::accept_invitation(signed(ALICE), HOSPITAL),
				Error::<Test>::InvitationExpired
			);
			// Run out: anyone clears it, and the hospital has its place and deposit back.
			assert_ok!(Pallet::cancel_invitation(signed(NOBODY), ALICE));
			System::assert_last_event(
				Event::InvitationCancelled {
					practitioner: ALICE,
					organisation: HOSPITAL,
					by: NOBODY,
				}
				.into(),
			);
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().practitioners, 0);
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT);
		});
	}

	#[test]
	fn only_the_invited_account_accepts_and_only_from_the_organisation_it_names() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_organisation(CLINIC);
			invite(HOSPITAL, ALICE);
			assert_noop!(
				Pallet::accept_invitation(signed(BOB), HOSPITAL),
				Error::<Test>::NoInvitation
			);
			assert_noop!(
				Pallet::accept_invitation(signed(ALICE), CLINIC),
				Error::<Test>::NoInvitation
			);
			assert_noop!(Pallet::accept_invitation(root(), HOSPITAL), BadOrigin);
			assert_noop!(
				Pallet::invite_practitioner(
					signed(CLINIC),
					ALICE,
					PractitionerRole::Nurse,
					credential()
				),
				Error::<Test>::AlreadyInvited
			);
			assert_ok!(Pallet::accept_invitation(signed(ALICE), HOSPITAL));
			assert_eq!(Practitioners::<Test>::get(ALICE).unwrap().organisation, HOSPITAL);
			assert_noop!(
				Pallet::accept_invitation(signed(ALICE), HOSPITAL),
				Error::<Test>::NoInvitation
			);
		});
	}

	#[test]
	fn the_account_declines_or_the_organisation_withdraws_and_nobody_else_before_it_runs_out() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			invite(HOSPITAL, ALICE);
			for who in [NOBODY, BOB, CLINIC] {
				assert_noop!(
					Pallet::cancel_invitation(signed(who), ALICE),
					Error::<Test>::NotInvitationParty
				);
			}
			assert_ok!(Pallet::cancel_invitation(signed(ALICE), ALICE));
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT);
			invite(HOSPITAL, ALICE);
			assert_ok!(Pallet::cancel_invitation(signed(HOSPITAL), ALICE));
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().practitioners, 0);
			assert_noop!(
				Pallet::cancel_invitation(signed(HOSPITAL), ALICE),
				Error::<Test>::NoInvitation
			);
		});
	}

	#[test]
	fn accepting_needs_a_valid_credential_and_an_organisation_not_revoked() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_ok!(Pallet::invite_practitioner(
				signed(HOSPITAL),
				ALICE,
				PractitionerRole::Nurse,
				credential_until(NOW + DAY)
			));
			set_now(NOW + DAY);
			assert_noop!(
				Pallet::accept_invitation(signed(ALICE), HOSPITAL),
				Error::<Test>::CredentialExpired
			);
			invite(HOSPITAL, BOB);
			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_noop!(
				Pallet::accept_invitation(signed(BOB), HOSPITAL),
				Error::<Test>::OrganisationRevoked
			);
		});
	}
}

mod purge {
	use super::*;

	#[test]
	fn a_registration_never_approved_is_purged_after_the_delay_and_its_deposit_released() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE); // pending
			set_now(NOW + PURGE_DELAY - 1);
			assert_noop!(Pallet::purge(signed(NOBODY), ALICE), Error::<Test>::NotPurgeable);
			set_now(NOW + PURGE_DELAY);
			assert_ok!(Pallet::purge(signed(NOBODY), ALICE));
			System::assert_last_event(
				Event::Purged { provider: ALICE, deposit_released: PRACTITIONER_DEPOSIT }.into(),
			);
			assert_eq!(Practitioners::<Test>::get(ALICE), None);
			assert_eq!(Organisations::<Test>::get(HOSPITAL).unwrap().practitioners, 0);
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT);
			assert_noop!(Pallet::purge(signed(NOBODY), ALICE), Error::<Test>::NotRegistered);
		});
	}

	#[test]
	fn a_revoked_record_is_purged_after_the_delay_and_an_active_or_suspended_one_never() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			active_practitioner(HOSPITAL, BOB);
			assert_ok!(Pallet::suspend(root(), BOB, StatusReason::CouncilDecision));
			register_practitioner(HOSPITAL, CAROL);
			assert_ok!(Pallet::update_credential(signed(HOSPITAL), ALICE, credential()));
			assert_ok!(Pallet::revoke(root(), ALICE, StatusReason::CouncilDecision));
			set_now(NOW + PURGE_DELAY);
			for who in [BOB, HOSPITAL] {
				assert_noop!(Pallet::purge(signed(NOBODY), who), Error::<Test>::NotPurgeable);
			}
			assert_ok!(Pallet::purge(signed(NOBODY), ALICE));
			// Its deposit went back at the revocation; nothing is left to release.
			System::assert_last_event(
				Event::Purged { provider: ALICE, deposit_released: 0 }.into(),
			);
			assert!(!PendingCredentials::<Test>::contains_key(ALICE));
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT + 2 * PRACTITIONER_DEPOSIT);
			assert_noop!(Pallet::purge(root(), CAROL), BadOrigin);
		});
	}

	#[test]
	fn a_revoked_organisation_is_purged_once_it_has_no_practitioner_left() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			invite(HOSPITAL, BOB);
			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			set_now(NOW + PURGE_DELAY);
			assert_noop!(
				Pallet::purge(signed(NOBODY), HOSPITAL),
				Error::<Test>::OrganisationHasPractitioners
			);
			assert_ok!(Pallet::revoke(root(), ALICE, StatusReason::CouncilDecision));
			assert_ok!(Pallet::cancel_invitation(signed(BOB), BOB));
			assert_ok!(Pallet::purge(signed(NOBODY), HOSPITAL));
			assert_eq!(Organisations::<Test>::get(HOSPITAL), None);
			assert_eq!(held(HOSPITAL), 0);
		});
	}
}

mod registrar {
	use super::*;

	#[test]
	fn approve_activates_a_pending_provider() {
		new_test_ext().execute_with(|| {
			register_organisation(HOSPITAL);
			set_now(NOW + 5);
			assert_ok!(Pallet::approve(root(), HOSPITAL));
			assert_eq!(
				Organisations::<Test>::get(HOSPITAL).unwrap().status,
				StatusRecord {
					status: ProviderStatus::Active,
					reason: StatusReason::CouncilDecision,
					by: Actor::Registrar,
					since: NOW + 5,
				}
			);
			System::assert_last_event(Event::Approved { provider: HOSPITAL }.into());

			register_practitioner(HOSPITAL, ALICE);
			assert_ok!(Pallet::approve(root(), ALICE));
			assert_eq!(access(ALICE), allowed(HOSPITAL));
		});
	}

	#[test]
	fn every_registrar_call_needs_the_registrar_origin() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_organisation(CLINIC);
			for origin in [signed(HOSPITAL), RuntimeOrigin::none()] {
				assert_noop!(Pallet::approve(origin.clone(), CLINIC), BadOrigin);
				assert_noop!(
					Pallet::suspend(origin.clone(), HOSPITAL, StatusReason::CouncilDecision),
					BadOrigin
				);
				assert_noop!(Pallet::reinstate(origin.clone(), HOSPITAL), BadOrigin);
				assert_noop!(
					Pallet::revoke(origin, HOSPITAL, StatusReason::CouncilDecision),
					BadOrigin
				);
			}
		});
	}

	#[test]
	fn every_registrar_call_names_an_unknown_account() {
		new_test_ext().execute_with(|| {
			assert_noop!(Pallet::approve(root(), NOBODY), Error::<Test>::NotRegistered);
			assert_noop!(
				Pallet::suspend(root(), NOBODY, StatusReason::CouncilDecision),
				Error::<Test>::NotRegistered
			);
			assert_noop!(Pallet::reinstate(root(), NOBODY), Error::<Test>::NotRegistered);
			assert_noop!(
				Pallet::revoke(root(), NOBODY, StatusReason::CouncilDecision),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn only_a_pending_provider_is_approved() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			assert_noop!(Pallet::approve(root(), HOSPITAL), Error::<Test>::NotPending);
			assert_ok!(Pallet::suspend(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_noop!(Pallet::approve(root(), HOSPITAL), Error::<Test>::NotPending);
		});
	}

	#[test]
	fn suspend_stops_an_active_provider_with_its_reason() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_ok!(Pallet::suspend(root(), ALICE, StatusReason::CredentialExpired));
			let status = Practitioners::<Test>::get(ALICE).unwrap().status;
			assert_eq!(status.status, ProviderStatus::Suspended);
			assert_eq!(status.reason, StatusReason::CredentialExpired);
			assert_eq!(status.by, Actor::Registrar);
			assert_eq!(access(ALICE), Err(ProviderDenial::Suspended));
			System::assert_last_event(
				Event::Suspended {
					provider: ALICE,
					reason: StatusReason::CredentialExpired,
					by: Actor::Registrar,
				}
				.into(),
			);
		});
	}

	#[test]
	fn only_an_active_provider_is_suspended() {
		new_test_ext().execute_with(|| {
			register_organisation(HOSPITAL);
			let suspend = || Pallet::suspend(root(), HOSPITAL, StatusReason::CouncilDecision);
			assert_noop!(suspend(), Error::<Test>::NotActive);
			assert_ok!(Pallet::approve(root(), HOSPITAL));
			assert_ok!(suspend());
			assert_noop!(suspend(), Error::<Test>::NotActive);
		});
	}

	#[test]
	fn the_registrar_cannot_claim_an_anomaly_or_a_self_declaration() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			let anomaly =
				StatusReason::AnomalyDetected { score_ppm: 990_000, model_hash: H256::zero() };
			for reason in [anomaly, StatusReason::SelfDeclared] {
				assert_noop!(
					Pallet::suspend(root(), HOSPITAL, reason),
					Error::<Test>::ReasonNotAllowed
				);
				assert_noop!(
					Pallet::revoke(root(), HOSPITAL, reason),
					Error::<Test>::ReasonNotAllowed
				);
			}
		});
	}

	#[test]
	fn reinstate_reactivates_a_suspended_provider() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_ok!(Pallet::suspend(root(), ALICE, StatusReason::CouncilDecision));
			assert_ok!(Pallet::reinstate(root(), ALICE));
			assert_eq!(access(ALICE), allowed(HOSPITAL));
			System::assert_last_event(
				Event::Reinstated { provider: ALICE, reason: StatusReason::CouncilDecision }.into(),
			);
			assert_eq!(Reinstatements::get(), vec![ALICE]);
		});
	}

	fn anomaly() -> StatusReason {
		StatusReason::AnomalyDetected { score_ppm: 950_000, model_hash: H256::repeat_byte(9) }
	}

	#[test]
	fn a_revoked_organisation_no_longer_acts_on_its_practitioners() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_noop!(
				Pallet::assign_department(signed(HOSPITAL), ALICE, Some(3)),
				Error::<Test>::OrganisationRevoked
			);
			assert_noop!(
				Pallet::update_credential(signed(HOSPITAL), ALICE, credential()),
				Error::<Test>::OrganisationRevoked
			);
		});
	}

	#[test]
	fn the_runtime_lifts_an_anomaly_suspension_and_says_why() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			assert_ok!(<Pallet as ProviderStatusManager<u64>>::suspend(&ALICE, anomaly()));
			assert_ok!(<Pallet as ProviderStatusManager<u64>>::lift_anomaly_suspension(&ALICE));
			assert_eq!(access(ALICE), allowed(HOSPITAL));
			let record = Practitioners::<Test>::get(ALICE).unwrap().status;
			assert_eq!(
				(record.reason, record.by),
				(StatusReason::ReviewPeriodElapsed, Actor::Runtime)
			);
			System::assert_last_event(
				Event::Reinstated { provider: ALICE, reason: StatusReason::ReviewPeriodElapsed }
					.into(),
			);
			assert_eq!(Reinstatements::get(), vec![ALICE]);
		});
	}

	#[test]
	fn the_runtime_cannot_lift_a_suspension_the_registrar_made_or_a_revocation() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			active_practitioner(HOSPITAL, BOB);
			let lift = <Pallet as ProviderStatusManager<u64>>::lift_anomaly_suspension;
			// Active: nothing to lift.
			assert_noop!(lift(&ALICE), Error::<Test>::NotSuspendedForAnomaly);
			// The registrar's own suspension is the registrar's to lift.
			assert_ok!(Pallet::suspend(root(), ALICE, StatusReason::CouncilDecision));
			assert_noop!(lift(&ALICE), Error::<Test>::NotSuspendedForAnomaly);
			// Suspended by the sentinel, then revoked by the registrar: final.
			assert_ok!(<Pallet as ProviderStatusManager<u64>>::suspend(&BOB, anomaly()));
			assert_ok!(Pallet::revoke(root(), BOB, StatusReason::CouncilDecision));
			assert_noop!(lift(&BOB), Error::<Test>::NotSuspendedForAnomaly);
			// An organisation is never the sentinel's.
			assert_noop!(lift(&HOSPITAL), Error::<Test>::NotRegistered);
			assert!(Reinstatements::get().is_empty());
		});
	}

	#[test]
	fn only_a_suspended_provider_is_reinstated() {
		new_test_ext().execute_with(|| {
			register_organisation(HOSPITAL);
			assert_noop!(Pallet::reinstate(root(), HOSPITAL), Error::<Test>::NotSuspended);
			assert_ok!(Pallet::approve(root(), HOSPITAL));
			assert_noop!(Pallet::reinstate(root(), HOSPITAL), Error::<Test>::NotSuspended);
		});
	}

	#[test]
	fn revoke_is_final_and_returns_the_deposit_from_any_status() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE); // pending
			active_practitioner(HOSPITAL, BOB); // active
			active_practitioner(HOSPITAL, CAROL);
			assert_ok!(Pallet::suspend(root(), CAROL, StatusReason::CouncilDecision)); // suspended
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT + 3 * PRACTITIONER_DEPOSIT);

			for (revoked, who) in [ALICE, BOB, CAROL].into_iter().enumerate() {
				assert_ok!(Pallet::revoke(root(), who, StatusReason::OrganisationSuspended));
				System::assert_last_event(
					Event::Revoked {
						provider: who,
						reason: StatusReason::OrganisationSuspended,
						deposit_released: PRACTITIONER_DEPOSIT,
					}
					.into(),
				);
				assert_eq!(status_of(who), ProviderStatus::Revoked);
				assert_eq!(access(who), Err(ProviderDenial::Revoked));
				assert_eq!(
					Organisations::<Test>::get(HOSPITAL).unwrap().practitioners,
					2 - revoked as u32
				);
			}
			assert_eq!(held(HOSPITAL), ORGANISATION_DEPOSIT);

			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_eq!(held(HOSPITAL), 0);
			assert_eq!(Balances::free_balance(HOSPITAL), 1_000);

			// Final: no call moves a revoked provider, and it cannot register again.
			assert_noop!(
				Pallet::revoke(root(), BOB, StatusReason::CouncilDecision),
				Error::<Test>::AlreadyRevoked
			);
			assert_noop!(Pallet::approve(root(), ALICE), Error::<Test>::AlreadyRevoked);
			assert_noop!(
				Pallet::suspend(root(), BOB, StatusReason::CouncilDecision),
				Error::<Test>::AlreadyRevoked
			);
			assert_noop!(Pallet::reinstate(root(), CAROL), Error::<Test>::AlreadyRevoked);
			assert_noop!(
				Pallet::register_organisation(
					signed(HOSPITAL),
					OrganisationKind::Clinic,
					credential(),
					0
				),
				Error::<Test>::AlreadyRegistered
			);
		});
	}
}

mod inspect {
	use super::*;

	#[test]
	fn names_why_a_practitioner_may_not_act() {
		new_test_ext().execute_with(|| {
			assert_eq!(access(NOBODY), Err(ProviderDenial::Unknown));
			active_organisation(HOSPITAL);
			// An organisation is not a practitioner.
			assert_eq!(access(HOSPITAL), Err(ProviderDenial::Unknown));
			register_practitioner(HOSPITAL, ALICE);
			assert_eq!(access(ALICE), Err(ProviderDenial::Pending));
			assert_ok!(Pallet::approve(root(), ALICE));
			assert_eq!(access(ALICE), allowed(HOSPITAL));
		});
	}

	#[test]
	fn a_credential_is_valid_until_one_instant_before_valid_until() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			let valid_until = NOW + DAY;
			assert_ok!(Pallet::invite_practitioner(
				signed(HOSPITAL),
				ALICE,
				PractitionerRole::Physician,
				credential_until(valid_until)
			));
			assert_ok!(Pallet::accept_invitation(signed(ALICE), HOSPITAL));
			assert_ok!(Pallet::approve(root(), ALICE));
			assert_eq!(Pallet::active_practitioner(&ALICE, valid_until - 1), allowed(HOSPITAL));
			assert_eq!(
				Pallet::active_practitioner(&ALICE, valid_until),
				Err(ProviderDenial::CredentialExpired)
			);
			// Lazily: the stored status never changed.
			assert_eq!(status_of(ALICE), ProviderStatus::Active);
		});
	}

	#[test]
	fn an_inactive_organisation_stops_all_its_practitioners_and_reinstating_it_restores_them() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_organisation(CLINIC);
			active_practitioner(HOSPITAL, ALICE);
			active_practitioner(HOSPITAL, BOB);
			active_practitioner(HOSPITAL, CAROL);
			active_practitioner(CLINIC, DAVE);
			// Carol is suspended on her own before her hospital is.
			assert_ok!(Pallet::suspend(root(), CAROL, StatusReason::CouncilDecision));

			assert_ok!(Pallet::suspend(root(), HOSPITAL, StatusReason::CouncilDecision));
			for who in [ALICE, BOB] {
				assert_eq!(access(who), Err(ProviderDenial::OrganisationInactive));
				// Not touched one by one.
				assert_eq!(status_of(who), ProviderStatus::Active);
			}
			assert_eq!(access(CAROL), Err(ProviderDenial::Suspended));
			assert_eq!(access(DAVE), allowed(CLINIC));

			assert_ok!(Pallet::reinstate(root(), HOSPITAL));
			assert_eq!(access(ALICE), allowed(HOSPITAL));
			assert_eq!(access(BOB), allowed(HOSPITAL));
			assert_eq!(access(CAROL), Err(ProviderDenial::Suspended));

			assert_ok!(Pallet::revoke(root(), HOSPITAL, StatusReason::CouncilDecision));
			assert_eq!(access(ALICE), Err(ProviderDenial::OrganisationInactive));
		});
	}

	#[test]
	fn an_expired_organisation_credential_stops_its_practitioners() {
		new_test_ext().execute_with(|| {
			assert_ok!(Pallet::register_organisation(
				signed(HOSPITAL),
				OrganisationKind::Hospital,
				credential_until(NOW + DAY),
				0
			));
			assert_ok!(Pallet::approve(root(), HOSPITAL));
			active_practitioner(HOSPITAL, ALICE);
			assert!(Pallet::is_active_organisation(&HOSPITAL, NOW + DAY - 1));
			assert!(!Pallet::is_active_organisation(&HOSPITAL, NOW + DAY));
			assert_eq!(Pallet::active_practitioner(&ALICE, NOW + DAY - 1), allowed(HOSPITAL));
			assert_eq!(
				Pallet::active_practitioner(&ALICE, NOW + DAY),
				Err(ProviderDenial::OrganisationInactive)
			);
		});
	}

	#[test]
	fn only_an_active_organisation_is_active() {
		new_test_ext().execute_with(|| {
			assert!(!Pallet::is_active_organisation(&HOSPITAL, NOW));
			register_organisation(HOSPITAL);
			assert!(!Pallet::is_active_organisation(&HOSPITAL, NOW));
			assert_ok!(Pallet::approve(root(), HOSPITAL));
			assert!(Pallet::is_active_organisation(&HOSPITAL, NOW));
			active_practitioner(HOSPITAL, ALICE);
			assert!(!Pallet::is_active_organisation(&ALICE, NOW));
		});
	}

	#[test]
	fn membership_is_known_whatever_the_status() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE);
			let member = Some(ActivePractitioner {
				organisation: HOSPITAL,
				role: PractitionerRole::Physician,
				utc_offset: 0,
			});
			assert_eq!(Pallet::membership(&ALICE), member);
			assert_ok!(Pallet::approve(root(), ALICE));
			assert_ok!(Pallet::suspend(root(), ALICE, StatusReason::CouncilDecision));
			assert_eq!(access(ALICE), Err(ProviderDenial::Suspended));
			assert_eq!(Pallet::membership(&ALICE), member);
			assert_eq!(Pallet::membership(&NOBODY), None);
			assert_eq!(Pallet::membership(&HOSPITAL), None);
		});
	}
}

mod status_manager {
	use super::*;

	#[test]
	fn another_pallet_suspends_with_the_anomaly_as_reason() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			active_practitioner(HOSPITAL, ALICE);
			let reason = StatusReason::AnomalyDetected {
				score_ppm: 970_000,
				model_hash: H256::repeat_byte(0xab),
			};
			assert_ok!(<Pallet as ProviderStatusManager<u64>>::suspend(&ALICE, reason));
			let status = Practitioners::<Test>::get(ALICE).unwrap().status;
			assert_eq!(status.status, ProviderStatus::Suspended);
			assert_eq!(status.reason, reason);
			assert_eq!(status.by, Actor::Runtime);
			System::assert_last_event(
				Event::Suspended { provider: ALICE, reason, by: Actor::Runtime }.into(),
			);
			// Only the registrar reinstates.
			assert_ok!(Pallet::reinstate(root(), ALICE));
		});
	}

	#[test]
	fn suspends_only_an_active_provider() {
		new_test_ext().execute_with(|| {
			active_organisation(HOSPITAL);
			register_practitioner(HOSPITAL, ALICE);
			let reason = StatusReason::AnomalyDetected { score_ppm: 1, model_hash: H256::zero() };
			assert_noop!(
				<Pallet as ProviderStatusManager<u64>>::suspend(&ALICE, reason),
				Error::<Test>::NotActive
			);
			assert_noop!(
				<Pallet as ProviderStatusManager<u64>>::suspend(&NOBODY, reason),
				Error::<Test>::NotRegistered
			);
		});
	}
}
