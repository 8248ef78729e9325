//! # Providers: the consortium's registry of healthcare organisations and practitioners
//!
//! Who may touch health data is decided here. An **organisation** (a hospital, clinic,
//! laboratory, pharmacy, insurer, research institute or public-health agency) registers itself
//! with its account; its account then invites its **practitioners** (physicians, nurses,
//! pharmacists, ...), each belonging to exactly that organisation. Both carry a **credential**:
//! the hash of the licence or accreditation document, the issuing authority's id, a jurisdiction
//! code and a `valid_until` time. Nothing else: no names, no free text.
//!
//! ## Registering a practitioner
//!
//! Two steps, so that no organisation takes an account it does not control: the organisation
//! invites an account (`invite_practitioner`: role, credential, the deposit held), and the
//! account accepts with its own signature (`accept_invitation(organisation)`, naming the
//! organisation it expects), which makes it a practitioner. Until then the account is not in
//! the registry. An invitation lasts `InvitationPeriod`; the organisation or the invited account
//! cancels it at any time, anyone once it has run out (`cancel_invitation`), and its deposit
//! goes back.
//!
//! ## Life cycle
//!
//! `Pending -> Active -> Suspended -> Active` (reinstated), and from any of them `-> Revoked`,
//! which is final. A registration starts `Pending` (or `Active` where the runtime does not require
//! approval); the registrar (the council) approves, suspends, reinstates and revokes; the
//! sentinel suspends through [`ProviderStatusManager`] when its anomaly model flags a
//! practitioner, and lifts that suspension (`ReviewPeriodElapsed`) if the council has not
//! confirmed it within its review period: that is the only suspension another pallet may lift.
//! Every transition records who made it, when, and why (a [`StatusReason`]), and emits an event;
//! every reinstatement is told to the runtime ([`OnReinstated`]: the sentinel then counts only
//! behaviour after it).
//!
//! A practitioner may act only while it is `Active`, its credential is unexpired, and its
//! organisation is `Active` with an unexpired credential. These are checked when asked, not by a
//! scan: a suspended organisation stops all its practitioners at once without touching them, and
//! reinstating it restores every one that was not suspended on its own. A credential is valid
//! until the instant `valid_until` (unix milliseconds): still valid at `valid_until - 1`, expired
//! at `valid_until`. The organisation renews its own and its practitioners' credentials with
//! `update_credential`: before the registrar has approved the provider, at once; after, the new
//! credential waits in [`PendingCredentials`] until the registrar approves it
//! (`approve_credential`) or rejects it (`reject_credential`), and the approved one stays in
//! force until then (and until its own expiry): an organisation cannot hand a practitioner a
//! licence the registrar has not seen. A revoked organisation no longer acts on its
//! practitioners (credentials, departments).
//!
//! The registrar gives `CouncilDecision`, `CredentialExpired` or `OrganisationSuspended` as its
//! reason; `AnomalyDetected` comes only from the sentinel and `SelfDeclared` only from a
//! registration, so the record of why a provider was stopped cannot be forged by either side.
//! A practitioner belongs to one organisation for the life of its account; moving to another
//! organisation is a new registration.
//!
//! ## Local time
//!
//! An organisation registers its offset from UTC (`utc_offset`, minutes east) and changes it
//! with `set_utc_offset` (summer time): a practitioner's hours, which the anomaly model reads,
//! are counted on its organisation's clock ([`ActivePractitioner::utc_offset`]).
//!
//! ## Departments
//!
//! An organisation assigns each of its practitioners to a department (a ward, a unit, a service)
//! with `assign_department`, by a number it keeps the directory of, and changes it as the
//! practitioner moves; staff who move between wards every day (a float pool, residents on
//! rotation) have none. Other pallets read it through [`ProviderInspect::ward_of`]. It is there
//! for the sentinel: a clinician who reads the patients of a ward it does not work on is what
//! snooping on a celebrity looks like (the anomaly model's *foreign ward* features).
//!
//! ## Deposits
//!
//! Registering holds a deposit on the organisation's account (`OrganisationDeposit` for itself,
//! `PractitionerDeposit` for each practitioner, from its invitation), so nobody fills the
//! registry for free. Revoking a provider releases its deposit. A record left pending or revoked
//! for `PurgeDelay` may be purged by anyone (`purge`), releasing what it holds (an organisation
//! once none of its practitioners is registered and not revoked): the audit log keeps the
//! accounts it refers to, not the records. A purged account may register again, pending the
//! registrar's approval like any newcomer.
//!
//! Other pallets read the registry only through [`ProviderInspect`].
#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use ehr_primitives::providers::{
	ActivePractitioner, DepartmentId, OnReinstated, OrganisationKind, PractitionerRole,
	ProviderDenial, ProviderInspect, ProviderStatus, ProviderStatusManager, StatusReason,
	UtcOffset, UTC_OFFSETS,
};
use ehr_primitives::Moment;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::Precision,
		Time,
	},
	BoundedVec,
};
use frame_system::pallet_prelude::*;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::{StaticLookup, Zero};

/// Balance of the currency that deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;

/// Identifier of a licensing or accreditation authority (kept in the consortium's off-chain
/// directory of issuers).
pub type IssuerId = u32;

/// Longest jurisdiction code: ISO 3166-2, e.g. `GB-ENG`, `US-CA`, `FR`.
pub const MAX_JURISDICTION_LEN: u32 = 6;
/// A jurisdiction code: ISO 3166-1 alpha-2 country, optionally `-` and a subdivision.
pub type Jurisdiction = BoundedVec<u8, ConstU32<MAX_JURISDICTION_LEN>>;

/// A licence or accreditation, by reference: the document stays with its issuer.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct Credential {
	/// Hash of the licence or accreditation document.
	pub document_hash: H256,
	/// The authority that issued it.
	pub issuer: IssuerId,
	/// Where it is valid.
	pub jurisdiction: Jurisdiction,
	/// When it expires (unix milliseconds); valid strictly before this instant.
	pub valid_until: Moment,
}

impl Credential {
	/// Whether the credential is valid at `now`.
	pub fn is_valid_at(&self, now: Moment) -> bool {
		now < self.valid_until
	}

	/// A country code of two capital letters, optionally `-` and 1 to 3 capitals or digits.
	fn has_valid_jurisdiction(&self) -> bool {
		match self.jurisdiction.as_slice() {
			[a, b, rest @ ..] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => match rest {
				[] => true,
				[b'-', sub @ ..] => {
					!sub.is_empty()
						&& sub.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
				},
				_ => false,
			},
			_ => false,
		}
	}
}

/// Who made a status transition.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum Actor<AccountId> {
	/// The registrar origin (the council; root on a development chain).
	Registrar,
	/// A signed account: the organisation, at registration.
	Account(AccountId),
	/// Another pallet of the runtime, through [`ProviderStatusManager`] (the sentinel's quorum).
	Runtime,
}

/// The latest status transition of a provider. Earlier ones are in the events.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct StatusRecord<AccountId> {
	/// The status entered.
	pub status: ProviderStatus,
	/// Why.
	pub reason: StatusReason,
	/// Who moved it there.
	pub by: Actor<AccountId>,
	/// When (unix milliseconds).
	pub since: Moment,
}

/// A registered organisation.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Organisation<AccountId, Balance> {
	/// What kind of organisation it is: hospital, clinic, laboratory, pharmacy, ...
	pub kind: OrganisationKind,
	/// Its licence or accreditation in force; a renewal awaiting the registrar is in
	/// [`PendingCredentials`].
	pub credential: Credential,
	/// Its latest status transition.
	pub status: StatusRecord<AccountId>,
	/// Practitioners registered (and not revoked) or invited: the places taken.
	pub practitioners: u32,
	/// Held on the organisation's account until it is revoked.
	pub deposit: Balance,
	/// Its offset from UTC in minutes: its practitioners' hours are counted in its local time.
	pub utc_offset: UtcOffset,
}

/// A registered practitioner.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Practitioner<AccountId, Balance> {
	/// The organisation it belongs to, for the life of its account.
	pub organisation: AccountId,
	/// What it is: physician, nurse, pharmacist, ...
	pub role: PractitionerRole,
	/// Its licence in force; a renewal awaiting the registrar is in [`PendingCredentials`].
	pub credential: Credential,
	/// Its latest status transition.
	pub status: StatusRecord<AccountId>,
	/// The department its organisation assigned it to; none until then, or for staff who move
	/// between wards.
	pub department: Option<DepartmentId>,
	/// Held on the organisation's account until the practitioner is revoked.
	pub deposit: Balance,
}

/// An organisation's invitation to an account to become its practitioner.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Invitation<AccountId, Balance> {
	/// The organisation that invites it.
	pub organisation: AccountId,
	/// The role it will have once it accepts.
	pub role: PractitionerRole,
	/// The licence it will carry once it accepts.
	pub credential: Credential,
	/// Held on the organisation's account; the practitioner's deposit once accepted.
	pub deposit: Balance,
	/// When it runs out (unix milliseconds).
	pub expires_at: Moment,
}

/// What the benchmarks need of the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Move the chain's clock `by` milliseconds on.
	fn pass_time(by: Moment);
}

pub type OrganisationOf<T> = Organisation<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
pub type PractitionerOf<T> = Practitioner<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
pub type InvitationOf<T> = Invitation<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The layout of this pallet's storage; a change to it comes with a migration.
	/// 1: an organisation has an offset from UTC.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency registration deposits are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The chain's clock, in unix milliseconds.
		type Time: Time<Moment = Moment>;

		/// Who approves, suspends, reinstates and revokes providers (the council).
		type RegistrarOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Whether a registration waits for the registrar's approval (`true`) or is active at once.
		#[pallet::constant]
		type RequireApproval: Get<bool>;

		/// Deposit held for registering an organisation.
		#[pallet::constant]
		type OrganisationDeposit: Get<BalanceOf<Self>>;

		/// Deposit held on the organisation's account for registering one of its practitioners.
		#[pallet::constant]
		type PractitionerDeposit: Get<BalanceOf<Self>>;

		/// The most practitioners an organisation may have registered (and not revoked) or
		/// invited.
		#[pallet::constant]
		type MaxPractitionersPerOrganisation: Get<u32>;

		/// How long an invitation waits for its account to accept it (milliseconds).
		#[pallet::constant]
		type InvitationPeriod: Get<Moment>;

		/// How long a record stays pending or revoked before anyone may purge it (milliseconds).
		#[pallet::constant]
		type PurgeDelay: Get<Moment>;

		/// Told whenever a suspended provider is reinstated (the sentinel: only behaviour after
		/// the reinstatement counts).
		type OnReinstated: OnReinstated<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// What this pallet's benchmarks need of the runtime.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// Why this pallet holds funds.
	/// Why this pallet holds an account's funds.
	#[pallet::composite_enum]
	#[derive(
		Copy,
		Clone,
		Eq,
		PartialEq,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
		Debug,
	)]
	#[scale_info(capture_docs = "always")]
	pub enum HoldReason {
		/// Deposit for a registered organisation or practitioner.
		RegistrationDeposit,
	}

	/// Registered organisations, by account.
	#[pallet::storage]
	pub type Organisations<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, OrganisationOf<T>>;

	/// Registered practitioners, by account.
	#[pallet::storage]
	pub type Practitioners<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, PractitionerOf<T>>;

	/// Invitations waiting for their account to accept, by invited account.
	#[pallet::storage]
	pub type Invitations<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, InvitationOf<T>>;

	/// Credentials proposed for approved providers, waiting for the registrar.
	#[pallet::storage]
	pub type PendingCredentials<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Credential>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An organisation registered itself.
		OrganisationRegistered {
			organisation: T::AccountId,
			kind: OrganisationKind,
			status: ProviderStatus,
		},
		/// An organisation invited an account to be its practitioner, until `expires_at`.
		PractitionerInvited {
			practitioner: T::AccountId,
			organisation: T::AccountId,
			role: PractitionerRole,
			expires_at: Moment,
		},
		/// An invitation was cancelled by `by` (the organisation, the invited account, or anyone
		/// once it ran out); its deposit went back.
		InvitationCancelled {
			practitioner: T::AccountId,
			organisation: T::AccountId,
			by: T::AccountId,
		},
		/// An account accepted an organisation's invitation: it is now its practitioner.
		PractitionerRegistered {
			practitioner: T::AccountId,
			organisation: T::AccountId,
			role: PractitionerRole,
			status: ProviderStatus,
		},
		/// An organisation assigned one of its practitioners to a department, or (`None`) to none.
		DepartmentAssigned { practitioner: T::AccountId, department: Option<DepartmentId> },
		/// A provider's credential was replaced.
		CredentialUpdated { provider: T::AccountId, valid_until: Moment },
		/// A new credential for an approved provider waits for the registrar; the current one
		/// stays in force.
		CredentialProposed { provider: T::AccountId, valid_until: Moment },
		/// The registrar rejected a proposed credential.
		CredentialRejected { provider: T::AccountId },
		/// A record pending or revoked for `PurgeDelay` was removed; `deposit_released` went back
		/// to the organisation.
		Purged { provider: T::AccountId, deposit_released: BalanceOf<T> },
		/// The registrar approved a pending provider.
		Approved { provider: T::AccountId },
		/// A provider was suspended.
		Suspended { provider: T::AccountId, reason: StatusReason, by: Actor<T::AccountId> },
		/// A suspended provider was reinstated: by the registrar (`CouncilDecision`), or by the
		/// runtime when the council did not confirm an automatic suspension in time
		/// (`ReviewPeriodElapsed`).
		Reinstated { provider: T::AccountId, reason: StatusReason },
		/// The registrar revoked a provider for good; its deposit went back to its organisation.
		Revoked { provider: T::AccountId, reason: StatusReason, deposit_released: BalanceOf<T> },
		/// An organisation changed its offset from UTC (minutes east).
		UtcOffsetSet { organisation: T::AccountId, utc_offset: UtcOffset },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already registered as an organisation or a practitioner.
		AlreadyRegistered,
		/// The account is not a registered organisation or practitioner.
		NotRegistered,
		/// The signer is not a registered organisation.
		NotAnOrganisation,
		/// The organisation is not active (or its credential expired), so it cannot invite
		/// practitioners.
		OrganisationNotActive,
		/// The practitioner belongs to another organisation.
		NotYourPractitioner,
		/// The organisation has `MaxPractitionersPerOrganisation` practitioners already.
		TooManyPractitioners,
		/// The credential's `valid_until` is not in the future.
		CredentialExpired,
		/// The jurisdiction is not an ISO 3166 code such as `FR` or `US-CA`.
		InvalidJurisdiction,
		/// Not enough free balance to hold the registration deposit.
		InsufficientDeposit,
		/// Only a pending provider can be approved.
		NotPending,
		/// Only an active provider can be suspended.
		NotActive,
		/// Only a suspended provider can be reinstated.
		NotSuspended,
		/// The provider is revoked; that is final.
		AlreadyRevoked,
		/// The registrar may give only `CouncilDecision`, `CredentialExpired` or
		/// `OrganisationSuspended` as a reason.
		ReasonNotAllowed,
		/// The runtime lifts only a suspension for an anomaly, and this one is not (or no
		/// longer) that.
		NotSuspendedForAnomaly,
		/// The organisation is revoked: it no longer acts on its practitioners.
		OrganisationRevoked,
		/// The account has an invitation waiting already.
		AlreadyInvited,
		/// No invitation of this account (from this organisation).
		NoInvitation,
		/// The invitation has run out.
		InvitationExpired,
		/// Only the organisation or the invited account cancels an invitation before it runs out.
		NotInvitationParty,
		/// No credential of this provider waits for the registrar.
		NoCredentialProposed,
		/// Only a record pending or revoked for `PurgeDelay` may be purged.
		NotPurgeable,
		/// The organisation still has practitioners registered (and not revoked) or invited.
		OrganisationHasPractitioners,
		/// An offset from UTC is between -720 and 840 minutes.
		InvalidUtcOffset,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register the signer as an organisation of `kind` with `credential`, `utc_offset`
		/// minutes east of UTC (-720..=840), holding `OrganisationDeposit`. It starts `Pending`
		/// unless the chain does not require approval.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_organisation())]
		pub fn register_organisation(
			origin: OriginFor<T>,
			kind: OrganisationKind,
			credential: Credential,
			utc_offset: UtcOffset,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(UTC_OFFSETS.contains(&utc_offset), Error::<T>::InvalidUtcOffset);
			Self::ensure_unregistered(&who)?;
			let now = Self::ensure_valid_credential(&credential)?;
			let deposit = T::OrganisationDeposit::get();
			Self::hold_deposit(&who, deposit)?;

			let status = Self::registration_status(&who, now);
			let initial = status.status;
			Organisations::<T>::insert(
				&who,
				Organisation { kind, credential, status, practitioners: 0, deposit, utc_offset },
			);
			Self::deposit_event(Event::OrganisationRegistered {
				organisation: who,
				kind,
				status: initial,
			});
			Ok(())
		}

		/// Invite `practitioner` to be a member of the signing organisation, which must be
		/// active, with `role` and `credential`; holds `PractitionerDeposit` on the organisation.
		/// The account becomes a practitioner when it accepts (`accept_invitation`), within
		/// `InvitationPeriod`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::invite_practitioner())]
		pub fn invite_practitioner(
			origin: OriginFor<T>,
			practitioner: AccountIdLookupOf<T>,
			role: PractitionerRole,
			credential: Credential,
		) -> DispatchResult {
			let organisation = ensure_signed(origin)?;
			let practitioner = T::Lookup::lookup(practitioner)?;
			let mut org =
				Organisations::<T>::get(&organisation).ok_or(Error::<T>::NotAnOrganisation)?;
			let now = Self::ensure_valid_credential(&credential)?;
			ensure!(org.is_active_at(now), Error::<T>::OrganisationNotActive);
			Self::ensure_unregistered(&practitioner)?;
			ensure!(!Invitations::<T>::contains_key(&practitioner), Error::<T>::AlreadyInvited);
			org.practitioners = org
				.practitioners
				.checked_add(1)
				.filter(|count| *count <= T::MaxPractitionersPerOrganisation::get())
				.ok_or(Error::<T>::TooManyPractitioners)?;
			let deposit = T::PractitionerDeposit::get();
			Self::hold_deposit(&organisation, deposit)?;

			let expires_at = now.saturating_add(T::InvitationPeriod::get());
			Organisations::<T>::insert(&organisation, org);
			let invitation = Invitation {
				organisation: organisation.clone(),
				role,
				credential,
				deposit,
				expires_at,
			};
			Invitations::<T>::insert(&practitioner, invitation);
			Self::deposit_event(Event::PractitionerInvited {
				practitioner,
				organisation,
				role,
				expires_at,
			});
			Ok(())
		}

		/// Accept `organisation`'s invitation: the signer becomes its practitioner, pending the
		/// registrar's approval (or active where the runtime does not require it).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::accept_invitation())]
		pub fn accept_invitation(
			origin: OriginFor<T>,
			organisation: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let practitioner = ensure_signed(origin)?;
			let organisation = T::Lookup::lookup(organisation)?;
			let invitation = Invitations::<T>::get(&practitioner)
				.filter(|i| i.organisation == organisation)
				.ok_or(Error::<T>::NoInvitation)?;
			let now = Self::now();
			ensure!(now < invitation.expires_at, Error::<T>::InvitationExpired);
			ensure!(invitation.credential.is_valid_at(now), Error::<T>::CredentialExpired);
			let org =
				Organisations::<T>::get(&organisation).ok_or(Error::<T>::NotAnOrganisation)?;
			ensure!(org.status.status != ProviderStatus::Revoked, Error::<T>::OrganisationRevoked);

			Invitations::<T>::remove(&practitioner);
			let status = Self::registration_status(&organisation, now);
			let initial = status.status;
			let Invitation { role, credential, deposit, .. } = invitation;
			Practitioners::<T>::insert(
				&practitioner,
				Practitioner {
					organisation: organisation.clone(),
					role,
					credential,
					status,
					department: None,
					deposit,
				},
			);
			Self::deposit_event(Event::PractitionerRegistered {
				practitioner,
				organisation,
				role,
				status: initial,
			});
			Ok(())
		}

		/// Cancel the invitation of `practitioner`: by its organisation or the invited account
		/// at any time, by anyone once it has run out. Its deposit goes back.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::cancel_invitation())]
		pub fn cancel_invitation(
			origin: OriginFor<T>,
			practitioner: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let practitioner = T::Lookup::lookup(practitioner)?;
			let invitation =
				Invitations::<T>::get(&practitioner).ok_or(Error::<T>::NoInvitation)?;
			let party = who == invitation.organisation || who == practitioner;
			ensure!(party || Self::now() >= invitation.expires_at, Error::<T>::NotInvitationParty);

			Invitations::<T>::remove(&practitioner);
			Self::release_practitioner_slot(&invitation.organisation, invitation.deposit)?;
			Self::deposit_event(Event::InvitationCancelled {
				practitioner,
				organisation: invitation.organisation,
				by: who,
			});
			Ok(())
		}

		/// Renew the credential of the signing organisation itself, or of one of its
		/// practitioners. A provider still pending takes it at once; an approved one keeps its
		/// credential until the registrar approves the new one (`approve_credential`). The
		/// status does not change.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_credential())]
		pub fn update_credential(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
			credential: Credential,
		) -> DispatchResult {
			let organisation = ensure_signed(origin)?;
			let provider = T::Lookup::lookup(provider)?;
			ensure!(Organisations::<T>::contains_key(&organisation), Error::<T>::NotAnOrganisation);
			Self::ensure_valid_credential(&credential)?;
			let valid_until = credential.valid_until;

			let status = if provider == organisation {
				Organisations::<T>::get(&provider).map(|org| org.status.status)
			} else {
				Some(Self::own_practitioner(&organisation, &provider)?.status.status)
			};
			match status.ok_or(Error::<T>::NotAnOrganisation)? {
				ProviderStatus::Revoked => return Err(Error::<T>::AlreadyRevoked.into()),
				ProviderStatus::Pending => {
					let mut record = Registered::<T>::load(&provider)?;
					*record.credential_mut() = credential;
					record.store(&provider);
					PendingCredentials::<T>::remove(&provider);
					Self::deposit_event(Event::CredentialUpdated { provider, valid_until });
				},
				ProviderStatus::Active | ProviderStatus::Suspended => {
					PendingCredentials::<T>::insert(&provider, credential);
					Self::deposit_event(Event::CredentialProposed { provider, valid_until });
				},
			}
			Ok(())
		}

		/// Put the credential proposed for `provider` in force: by the registrar, while it is
		/// still valid.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::approve_credential())]
		pub fn approve_credential(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::RegistrarOrigin::ensure_origin(origin)?;
			let provider = T::Lookup::lookup(provider)?;
			let credential =
				PendingCredentials::<T>::get(&provider).ok_or(Error::<T>::NoCredentialProposed)?;
			ensure!(credential.is_valid_at(Self::now()), Error::<T>::CredentialExpired);
			let mut record = Registered::<T>::load(&provider)?;
			ensure!(
				record.status_mut().status != ProviderStatus::Revoked,
				Error::<T>::AlreadyRevoked
			);
			let valid_until = credential.valid_until;
			*record.credential_mut() = credential;
			record.store(&provider);
			PendingCredentials::<T>::remove(&provider);
			Self::deposit_event(Event::CredentialUpdated { provider, valid_until });
			Ok(())
		}

		/// Reject the credential proposed for `provider`: by the registrar.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::reject_credential())]
		pub fn reject_credential(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
		) -> DispatchResult {
			T::RegistrarOrigin::ensure_origin(origin)?;
			let provider = T::Lookup::lookup(provider)?;
			PendingCredentials::<T>::take(&provider).ok_or(Error::<T>::NoCredentialProposed)?;
			Self::deposit_event(Event::CredentialRejected { provider });
			Ok(())
		}

		/// Remove the record of `provider`, pending or revoked for `PurgeDelay`: by anyone. A
		/// pending practitioner's deposit goes back to its organisation (a revoked one's went
		/// back at its revocation); an organisation is purged once it has no practitioner
		/// registered (and not revoked) or invited.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::purge())]
		pub fn purge(origin: OriginFor<T>, provider: AccountIdLookupOf<T>) -> DispatchResult {
			ensure_signed(origin)?;
			let provider = T::Lookup::lookup(provider)?;
			let mut record = Registered::<T>::load(&provider)?;
			let status = record.status_mut().clone();
			let purgeable =
				matches!(status.status, ProviderStatus::Pending | ProviderStatus::Revoked)
					&& Self::now() >= status.since.saturating_add(T::PurgeDelay::get());
			ensure!(purgeable, Error::<T>::NotPurgeable);
			let pending = status.status == ProviderStatus::Pending;
			let deposit_released = match record {
				Registered::Organisation(org) => {
					ensure!(org.practitioners == 0, Error::<T>::OrganisationHasPractitioners);
					Organisations::<T>::remove(&provider);
					if pending {
						Self::release(&provider, org.deposit)?
					} else {
						Zero::zero()
					}
				},
				Registered::Practitioner(p) => {
					Practitioners::<T>::remove(&provider);
					if pending {
						Self::release_practitioner_slot(&p.organisation, p.deposit)?
					} else {
						Zero::zero()
					}
				},
			};
			PendingCredentials::<T>::remove(&provider);
			Self::deposit_event(Event::Purged { provider, deposit_released });
			Ok(())
		}

		/// The signing organisation (not revoked) keeps its clocks `utc_offset` minutes east of
		/// UTC from now on (-720..=840): at a change to or from summer time, or to correct it.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::set_utc_offset())]
		pub fn set_utc_offset(origin: OriginFor<T>, utc_offset: UtcOffset) -> DispatchResult {
			let organisation = ensure_signed(origin)?;
			ensure!(UTC_OFFSETS.contains(&utc_offset), Error::<T>::InvalidUtcOffset);
			Organisations::<T>::try_mutate(&organisation, |org| {
				let org = org.as_mut().ok_or(Error::<T>::NotAnOrganisation)?;
				ensure!(
					org.status.status != ProviderStatus::Revoked,
					Error::<T>::OrganisationRevoked
				);
				org.utc_offset = utc_offset;
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::UtcOffsetSet { organisation, utc_offset });
			Ok(())
		}

		/// Approve a pending organisation or practitioner.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::approve())]
		pub fn approve(origin: OriginFor<T>, provider: AccountIdLookupOf<T>) -> DispatchResult {
			let provider = Self::activate_by_registrar(origin, provider, ProviderStatus::Pending)?;
			Self::deposit_event(Event::Approved { provider });
			Ok(())
		}

		/// Suspend an active organisation (and so all its practitioners) or practitioner.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::suspend())]
		pub fn suspend(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
			reason: StatusReason,
		) -> DispatchResult {
			let provider = Self::registrar_decision(origin, provider, reason)?;
			Self::do_suspend(&provider, reason, Actor::Registrar)
		}

		/// Reinstate a suspended organisation or practitioner.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reinstate())]
		pub fn reinstate(origin: OriginFor<T>, provider: AccountIdLookupOf<T>) -> DispatchResult {
			let provider =
				Self::activate_by_registrar(origin, provider, ProviderStatus::Suspended)?;
			Self::reinstated(provider, StatusReason::CouncilDecision);
			Ok(())
		}

		/// Revoke an organisation or practitioner for good and release its deposit to the
		/// organisation. A revoked organisation's practitioners stay inactive; revoking each of
		/// them releases its deposit.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::revoke())]
		pub fn revoke(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
			reason: StatusReason,
		) -> DispatchResult {
			let provider = Self::registrar_decision(origin, provider, reason)?;
			let mut provider_record = Registered::<T>::load(&provider)?;
			let status = provider_record.status_mut();
			ensure!(status.status != ProviderStatus::Revoked, Error::<T>::AlreadyRevoked);
			*status = StatusRecord {
				status: ProviderStatus::Revoked,
				reason,
				by: Actor::Registrar,
				since: Self::now(),
			};
			let (payer, deposit) = match &provider_record {
				Registered::Organisation(org) => (provider.clone(), org.deposit),
				Registered::Practitioner(p) => {
					Organisations::<T>::mutate_extant(&p.organisation, |org| {
						org.practitioners = org.practitioners.saturating_sub(1)
					});
					(p.organisation.clone(), p.deposit)
				},
			};
			provider_record.store(&provider);
			PendingCredentials::<T>::remove(&provider);
			let deposit_released = Self::release(&payer, deposit)?;
			Self::deposit_event(Event::Revoked { provider, reason, deposit_released });
			Ok(())
		}

		/// Assign the signing organisation's `practitioner` to `department`, or with `None` to
		/// no department (it moves between wards). Any status but revoked.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::assign_department())]
		pub fn assign_department(
			origin: OriginFor<T>,
			practitioner: AccountIdLookupOf<T>,
			department: Option<DepartmentId>,
		) -> DispatchResult {
			let organisation = ensure_signed(origin)?;
			let practitioner = T::Lookup::lookup(practitioner)?;
			Self::change_own_practitioner(&organisation, &practitioner, |p| {
				p.department = department
			})?;
			Self::deposit_event(Event::DepartmentAssigned { practitioner, department });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		fn now() -> Moment {
			T::Time::now()
		}

		/// `practitioner`'s record, if it is `organisation`'s and neither is revoked.
		fn own_practitioner(
			organisation: &T::AccountId,
			practitioner: &T::AccountId,
		) -> Result<PractitionerOf<T>, Error<T>> {
			let org = Organisations::<T>::get(organisation).ok_or(Error::<T>::NotAnOrganisation)?;
			ensure!(org.status.status != ProviderStatus::Revoked, Error::<T>::OrganisationRevoked);
			let p = Practitioners::<T>::get(practitioner).ok_or(Error::<T>::NotRegistered)?;
			ensure!(p.organisation == *organisation, Error::<T>::NotYourPractitioner);
			ensure!(p.status.status != ProviderStatus::Revoked, Error::<T>::AlreadyRevoked);
			Ok(p)
		}

		/// Apply `change` to `practitioner`'s record for its `organisation`, unless either is
		/// revoked.
		fn change_own_practitioner(
			organisation: &T::AccountId,
			practitioner: &T::AccountId,
			change: impl FnOnce(&mut PractitionerOf<T>),
		) -> DispatchResult {
			let mut p = Self::own_practitioner(organisation, practitioner)?;
			change(&mut p);
			Practitioners::<T>::insert(practitioner, p);
			Ok(())
		}

		fn ensure_unregistered(who: &T::AccountId) -> DispatchResult {
			ensure!(
				!Organisations::<T>::contains_key(who) && !Practitioners::<T>::contains_key(who),
				Error::<T>::AlreadyRegistered
			);
			Ok(())
		}

		/// Check a credential offered now; returns now.
		fn ensure_valid_credential(credential: &Credential) -> Result<Moment, Error<T>> {
			ensure!(credential.has_valid_jurisdiction(), Error::<T>::InvalidJurisdiction);
			let now = Self::now();
			ensure!(credential.is_valid_at(now), Error::<T>::CredentialExpired);
			Ok(now)
		}

		/// Check a registrar call: its origin and the reason it gives. Returns the provider.
		fn registrar_decision(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
			reason: StatusReason,
		) -> Result<T::AccountId, DispatchError> {
			T::RegistrarOrigin::ensure_origin(origin)?;
			let provider = T::Lookup::lookup(provider)?;
			ensure!(
				matches!(
					reason,
					StatusReason::CouncilDecision
						| StatusReason::CredentialExpired
						| StatusReason::OrganisationSuspended
				),
				Error::<T>::ReasonNotAllowed
			);
			Ok(provider)
		}

		/// Release `deposit` held on `who`; what was released.
		fn release(
			who: &T::AccountId,
			deposit: BalanceOf<T>,
		) -> Result<BalanceOf<T>, DispatchError> {
			T::Currency::release(
				&HoldReason::RegistrationDeposit.into(),
				who,
				deposit,
				Precision::BestEffort,
			)
		}

		/// Give `organisation` back a practitioner's place and its `deposit` (an invitation
		/// cancelled, a pending practitioner purged); what was released.
		fn release_practitioner_slot(
			organisation: &T::AccountId,
			deposit: BalanceOf<T>,
		) -> Result<BalanceOf<T>, DispatchError> {
			Organisations::<T>::mutate_extant(organisation, |org| {
				org.practitioners = org.practitioners.saturating_sub(1)
			});
			Self::release(organisation, deposit)
		}

		fn hold_deposit(who: &T::AccountId, deposit: BalanceOf<T>) -> DispatchResult {
			T::Currency::hold(&HoldReason::RegistrationDeposit.into(), who, deposit)
				.map_err(|_| Error::<T>::InsufficientDeposit.into())
		}

		/// The status a new registration by `registrant` starts in.
		fn registration_status(
			registrant: &T::AccountId,
			now: Moment,
		) -> StatusRecord<T::AccountId> {
			StatusRecord {
				status: if T::RequireApproval::get() {
					ProviderStatus::Pending
				} else {
					ProviderStatus::Active
				},
				reason: StatusReason::SelfDeclared,
				by: Actor::Account(registrant.clone()),
				since: now,
			}
		}

		/// The registrar's approval (`from` pending) or reinstatement (`from` suspended).
		fn activate_by_registrar(
			origin: OriginFor<T>,
			provider: AccountIdLookupOf<T>,
			from: ProviderStatus,
		) -> Result<T::AccountId, DispatchError> {
			let provider =
				Self::registrar_decision(origin, provider, StatusReason::CouncilDecision)?;
			Self::transition(
				&provider,
				from,
				ProviderStatus::Active,
				StatusReason::CouncilDecision,
				Actor::Registrar,
			)?;
			Ok(provider)
		}

		/// Move `provider` (organisation or practitioner) from `from` to `to`.
		fn transition(
			provider: &T::AccountId,
			from: ProviderStatus,
			to: ProviderStatus,
			reason: StatusReason,
			by: Actor<T::AccountId>,
		) -> DispatchResult {
			let mut record = Registered::<T>::load(provider)?;
			let status = record.status_mut();
			if status.status != from {
				return Err(Self::wrong_status(from, status.status).into());
			}
			*status = StatusRecord { status: to, reason, by, since: Self::now() };
			record.store(provider);
			Ok(())
		}

		/// The error for a transition that expected `expected` but found `found`.
		fn wrong_status(expected: ProviderStatus, found: ProviderStatus) -> Error<T> {
			match (expected, found) {
				(_, ProviderStatus::Revoked) => Error::<T>::AlreadyRevoked,
				(ProviderStatus::Pending, _) => Error::<T>::NotPending,
				(ProviderStatus::Active, _) => Error::<T>::NotActive,
				_ => Error::<T>::NotSuspended,
			}
		}

		fn do_suspend(
			provider: &T::AccountId,
			reason: StatusReason,
			by: Actor<T::AccountId>,
		) -> DispatchResult {
			Self::transition(
				provider,
				ProviderStatus::Active,
				ProviderStatus::Suspended,
				reason,
				by.clone(),
			)?;
			Self::deposit_event(Event::Suspended { provider: provider.clone(), reason, by });
			Ok(())
		}

		/// Tell the runtime that `provider` was reinstated for `reason`.
		fn reinstated(provider: T::AccountId, reason: StatusReason) {
			T::OnReinstated::on_reinstated(&provider);
			Self::deposit_event(Event::Reinstated { provider, reason });
		}

		/// Whether `who` may act now as a practitioner; the runtime API's answer.
		pub fn practitioner_access(
			who: &T::AccountId,
		) -> Result<ActivePractitioner<T::AccountId>, ProviderDenial> {
			<Self as ProviderInspect<T::AccountId>>::active_practitioner(who, Self::now())
		}
	}

	/// An organisation or a practitioner, loaded for a status change.
	enum Registered<T: Config> {
		Organisation(OrganisationOf<T>),
		Practitioner(PractitionerOf<T>),
	}

	impl<T: Config> Registered<T> {
		fn load(who: &T::AccountId) -> Result<Self, Error<T>> {
			Organisations::<T>::get(who)
				.map(Self::Organisation)
				.or_else(|| Practitioners::<T>::get(who).map(Self::Practitioner))
				.ok_or(Error::<T>::NotRegistered)
		}

		fn status_mut(&mut self) -> &mut StatusRecord<T::AccountId> {
			match self {
				Self::Organisation(org) => &mut org.status,
				Self::Practitioner(p) => &mut p.status,
			}
		}

		fn credential_mut(&mut self) -> &mut Credential {
			match self {
				Self::Organisation(org) => &mut org.credential,
				Self::Practitioner(p) => &mut p.credential,
			}
		}

		fn store(self, who: &T::AccountId) {
			match self {
				Self::Organisation(org) => Organisations::<T>::insert(who, org),
				Self::Practitioner(p) => Practitioners::<T>::insert(who, p),
			}
		}
	}

	impl<AccountId, Balance> Organisation<AccountId, Balance> {
		/// Active and holding an unexpired credential at `now`.
		pub fn is_active_at(&self, now: Moment) -> bool {
			self.status.status == ProviderStatus::Active && self.credential.is_valid_at(now)
		}
	}

	impl<T: Config> ProviderInspect<T::AccountId> for Pallet<T> {
		fn active_practitioner(
			who: &T::AccountId,
			now: Moment,
		) -> Result<ActivePractitioner<T::AccountId>, ProviderDenial> {
			let p = Practitioners::<T>::get(who).ok_or(ProviderDenial::Unknown)?;
			match p.status.status {
				ProviderStatus::Active => {},
				ProviderStatus::Pending => return Err(ProviderDenial::Pending),
				ProviderStatus::Suspended => return Err(ProviderDenial::Suspended),
				ProviderStatus::Revoked => return Err(ProviderDenial::Revoked),
			}
			ensure!(p.credential.is_valid_at(now), ProviderDenial::CredentialExpired);
			let org = Organisations::<T>::get(&p.organisation)
				.filter(|org| org.is_active_at(now))
				.ok_or(ProviderDenial::OrganisationInactive)?;
			let utc_offset = org.utc_offset;
			Ok(ActivePractitioner { organisation: p.organisation, role: p.role, utc_offset })
		}

		fn membership(who: &T::AccountId) -> Option<ActivePractitioner<T::AccountId>> {
			let p = Practitioners::<T>::get(who)?;
			let utc_offset = Organisations::<T>::get(&p.organisation)
				.map(|org| org.utc_offset)
				.unwrap_or_default();
			Some(ActivePractitioner { organisation: p.organisation, role: p.role, utc_offset })
		}

		fn ward_of(who: &T::AccountId) -> Option<(T::AccountId, DepartmentId)> {
			Practitioners::<T>::get(who).and_then(|p| Some((p.organisation, p.department?)))
		}

		fn is_active_organisation(who: &T::AccountId, now: Moment) -> bool {
			Organisations::<T>::get(who).is_some_and(|org| org.is_active_at(now))
		}
	}

	impl<T: Config> ProviderStatusManager<T::AccountId> for Pallet<T> {
		fn suspend(who: &T::AccountId, reason: StatusReason) -> DispatchResult {
			Self::do_suspend(who, reason, Actor::Runtime)
		}

		fn lift_anomaly_suspension(who: &T::AccountId) -> DispatchResult {
			let practitioner = Practitioners::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(
				matches!(practitioner.status.reason, StatusReason::AnomalyDetected { .. }),
				Error::<T>::NotSuspendedForAnomaly
			);
			let reason = StatusReason::ReviewPeriodElapsed;
			Self::transition(
				who,
				ProviderStatus::Suspended,
				ProviderStatus::Active,
				reason,
				Actor::Runtime,
			)?;
			Self::reinstated(who.clone(), reason);
			Ok(())
		}
	}
}
