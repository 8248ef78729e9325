// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// EHR Chain's consent precompile, at 0x000000000000000000000000000000000ec00000: what a
/// contract may ask the chain about patients' consents and the provider registry. Read only:
/// every function is `view`, and a call that carries value is refused.
///
/// Accounts are the addresses pallet-revive maps them to (every account of the chain has one).
/// A patient is known by the account it uses with that organisation (its pseudonym there).
interface IConsent {
    /// Whether `patient` consents now to research use of the standard record `category` by
    /// `organisation` (every practitioner of it): 0 if it does; otherwise 1 + the chain's
    /// `ConsentDenial`: 1 NoConsent, 2 CategoryNotCovered, 3 SensitiveCategoryNotCovered,
    /// 4 PurposeNotCovered, 5 ConsentNotYetValid, 6 ConsentExpired, 7 ConsentExhausted,
    /// 8 RecordRestricted. `category` is the index of the chain's `StandardCategory` (0
    /// Demographics, 1 Encounters, 2 Conditions, 3 Medications, 4 Allergies,
    /// 5 LaboratoryResults, 6 Imaging, 7 Immunizations, 8 ClinicalNotes); any other reverts.
    function researchConsent(address patient, address organisation, uint8 category)
        external view returns (uint8);

    /// The same for a sensitive category, named only by its commitment under the salt the
    /// patient shares with `organisation` (the chain never names a sensitive category).
    function researchConsentSensitive(address patient, address organisation, bytes32 commitment)
        external view returns (uint8);

    /// Whether `account` is a practitioner of `organisation` who may act now (active, its
    /// credential and its organisation's unexpired).
    function isActivePractitioner(address account, address organisation)
        external view returns (bool);
}
