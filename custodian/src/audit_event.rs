//! The chain's access decisions about a patient as FHIR R4 `AuditEvent`s: HIPAA's accounting
//! of disclosures, from the chain itself. The mapping is the audit pallet's (its `//!` docs,
//! "HL7 FHIR R4 AuditEvent"); a sensitive category shows by name only where the custodian
//! holds the patient's salt, else as `sensitive`.

use crate::time::instant;
use ehr_primitives::{
	audit::{AccessDecision, AccessOutcome},
	consent::{Category, ConsentScope, Purpose, RecordCategory},
};
use ehr_privacy::Salt;
use serde_json::{json, Value};
use sp_core::crypto::{AccountId32, Ss58Codec};

/// HL7 v3 PurposeOfUse.
fn purpose_code(purpose: Purpose) -> &'static str {
	match purpose {
		Purpose::Treatment => "TREAT",
		Purpose::Payment => "HPAYMT",
		Purpose::Operations => "HOPERAT",
		Purpose::Research => "HRESCH",
		Purpose::PublicHealth => "PUBHLTH",
		Purpose::Emergency => "ETREAT",
	}
}

/// The confidentiality label of a sensitive category (HL7 v3 ActCode), as the consent
/// pallet's table gives it.
pub fn security_label(category: RecordCategory) -> Option<&'static str> {
	match category {
		RecordCategory::MentalHealth => Some("PSY"),
		RecordCategory::SubstanceUse => Some("SUD"),
		RecordCategory::SexualReproductiveHealth => Some("SEX"),
		RecordCategory::Genetics => Some("GDIS"),
		RecordCategory::Hiv => Some("HIV"),
		_ => None,
	}
}

fn account(account: &AccountId32) -> Value {
	json!({ "identifier": { "system": "urn:ehr-chain:account", "value": account.to_ss58check() } })
}

/// The category as the entity's detail, and its security label if sensitive.
fn category(category: &Category, salt: Option<&Salt>) -> (String, Option<&'static str>) {
	match category {
		Category::Standard(standard) => (format!("{standard:?}"), None),
		Category::Sensitive(commitment) => match salt.and_then(|salt| salt.reveal(commitment)) {
			Some(revealed) => (format!("{revealed:?}"), security_label(revealed)),
			None => ("sensitive".into(), None),
		},
	}
}

/// One decision as an `AuditEvent`.
pub fn audit_event(decision: &AccessDecision<AccountId32>, salt: Option<&Salt>) -> Value {
	let (category, label) = category(&decision.category, salt);
	let mut subtype =
		vec![json!({ "system": "http://hl7.org/fhir/restful-interaction", "code": "read" })];
	if decision.emergency {
		subtype.push(json!({ "system": "urn:ehr-chain:audit", "code": "emergency-access" }));
	}
	let mut agents = vec![json!({
		"who": account(&decision.practitioner),
		"role": decision.role.map(|role| vec![json!({ "text": format!("{role:?}") })]).unwrap_or_default(),
		"requestor": true,
	})];
	agents.extend(
		decision
			.organisation
			.as_ref()
			.map(|organisation| json!({ "who": account(organisation), "requestor": false })),
	);
	let mut patient = json!({
		"what": { "reference": format!("Patient/{}", decision.patient.to_ss58check()) },
		"detail": [
			{ "type": "category", "valueString": category },
			{ "type": "restricted", "valueString": decision.restricted.to_string() },
		],
	});
	if let Some(label) = label {
		patient["securityLabel"] = json!([{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": label }]);
	}
	let mut entities = vec![patient];
	let mut event = json!({
		"resourceType": "AuditEvent",
		"id": decision.seq.to_string(),
		"type": { "system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110", "display": "Patient Record" },
		"subtype": subtype,
		"action": "R",
		"recorded": instant(decision.at),
		"purposeOfEvent": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": purpose_code(decision.purpose) }] }],
		"agent": agents,
		"source": { "site": format!("block {}", decision.block), "observer": { "display": "EHR Chain" } },
	});
	match &decision.outcome {
		AccessOutcome::Granted { consent, scope } => {
			event["outcome"] = json!("0");
			let scope = match scope {
				ConsentScope::Practitioner => "practitioner",
				ConsentScope::Organisation => "organisation",
			};
			entities.push(
				json!({ "what": { "reference": format!("Consent/{consent}") }, "role": { "code": scope } }),
			);
		},
		AccessOutcome::EmergencyGranted { access } => {
			event["outcome"] = json!("0");
			entities.push(json!({ "what": { "identifier": { "system": "urn:ehr-chain:emergency-access", "value": access.to_string() } } }));
		},
		AccessOutcome::Denied { reason } => {
			event["outcome"] = json!("4");
			event["outcomeDesc"] = json!(format!("{reason:?}"));
		},
	}
	event["entity"] = json!(entities);
	event
}

#[cfg(test)]
mod tests {
	use super::*;
	use ehr_primitives::{
		audit::DenyReason,
		consent::{ConsentDenial, StandardCategory},
		providers::PractitionerRole,
	};

	fn decision(category: Category, outcome: AccessOutcome) -> AccessDecision<AccountId32> {
		AccessDecision {
			seq: (7 << 32) | 2,
			at: 1_764_000_000_000,
			block: 7,
			practitioner: AccountId32::new([1; 32]),
			organisation: Some(AccountId32::new([2; 32])),
			role: Some(PractitionerRole::Physician),
			patient: AccountId32::new([3; 32]),
			category,
			purpose: Purpose::Treatment,
			emergency: false,
			restricted: false,
			outcome,
		}
	}

	#[test]
	fn a_granted_decision_names_its_consent_and_a_denied_one_its_reason() {
		let granted = audit_event(
			&decision(
				StandardCategory::LaboratoryResults.into(),
				AccessOutcome::Granted { consent: 5, scope: ConsentScope::Organisation },
			),
			None,
		);
		assert_eq!(granted["id"], "30064771074");
		assert_eq!(granted["outcome"], "0");
		assert_eq!(granted["recorded"], "2025-11-24T16:00:00.000Z");
		assert_eq!(granted["purposeOfEvent"][0]["coding"][0]["code"], "TREAT");
		assert_eq!(granted["entity"][0]["detail"][0]["valueString"], "LaboratoryResults");
		assert_eq!(granted["entity"][1]["what"]["reference"], "Consent/5");
		assert_eq!(granted["agent"][0]["role"][0]["text"], "Physician");

		let denied = audit_event(
			&decision(
				StandardCategory::Imaging.into(),
				AccessOutcome::Denied { reason: DenyReason::Consent(ConsentDenial::NoConsent) },
			),
			None,
		);
		assert_eq!(denied["outcome"], "4");
		assert_eq!(denied["outcomeDesc"], "Consent(NoConsent)");
	}

	#[test]
	fn a_sensitive_category_is_named_only_with_the_patients_salt() {
		let salt = Salt([4; 32]);
		let blinded = salt.blind(RecordCategory::Hiv);
		let grant = AccessOutcome::Granted { consent: 1, scope: ConsentScope::Practitioner };
		let with_salt = audit_event(&decision(blinded, grant), Some(&salt));
		assert_eq!(with_salt["entity"][0]["detail"][0]["valueString"], "Hiv");
		assert_eq!(with_salt["entity"][0]["securityLabel"][0]["code"], "HIV");
		let without = audit_event(&decision(blinded, grant), None);
		assert_eq!(without["entity"][0]["detail"][0]["valueString"], "sensitive");
		assert!(without["entity"][0].get("securityLabel").is_none());
	}
}
