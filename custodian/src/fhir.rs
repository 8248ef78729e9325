//! The FHIR R4 resources a custodian holds, checked as far as the custodian relies on them.
//!
//! A FHIR model crate would not spare this: `fhirbolt` (R4, experimental, last released in May
//! 2023) is 1.5 million lines of generated structs that deserialise and do not validate
//! cardinality, a large build for eight resource types. So the custodian checks by hand what it
//! relies on and keeps the JSON as it came: the resource type (one of the eight below),
//! the id's syntax, the elements FHIR R4 requires of that type (cardinality 1..), the status
//! codes, the reference to the patient (`Patient/<id>`), numbers a double can hold, and the
//! security labels that make a record sensitive. The record's category on chain follows from
//! the type and those labels (the consent pallet's table):
//!
//! | resource | category |
//! |---|---|
//! | Observation | `LaboratoryResults` (category `laboratory`), `Imaging` (`imaging`), else `Conditions` |
//! | Condition | `Conditions` |
//! | MedicationStatement | `Medications` |
//! | AllergyIntolerance | `Allergies` |
//! | Immunization | `Immunizations` |
//! | DiagnosticReport | `LaboratoryResults` (category `LAB`), `Imaging` (`RAD`, `IMG` and the imaging sections of HL7 v2 table 0074), else `ClinicalNotes` |
//! | DocumentReference | `ClinicalNotes` |
//! | Encounter | `Encounters` |
//!
//! A security label in `meta.security` makes any of them sensitive: `PSY`, `PSYTHPN` mental
//! health; `SUD`, `ETH` substance use; `SDV`, `SEX` sexual and reproductive health; `GDIS`
//! genetics; `HIV` HIV. A resource with labels of two sensitive categories is refused: the chain
//! anchors a record in one category.

use ehr_primitives::consent::RecordCategory;
use serde_json::Value;

/// The resource types a custodian holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResourceType {
	Observation,
	Condition,
	MedicationStatement,
	AllergyIntolerance,
	Immunization,
	DiagnosticReport,
	DocumentReference,
	Encounter,
}

impl ResourceType {
	/// Every type, in order.
	pub const ALL: [Self; 8] = [
		Self::Observation,
		Self::Condition,
		Self::MedicationStatement,
		Self::AllergyIntolerance,
		Self::Immunization,
		Self::DiagnosticReport,
		Self::DocumentReference,
		Self::Encounter,
	];

	/// The type's name, as in `resourceType` and in a REST path.
	pub fn name(self) -> &'static str {
		match self {
			Self::Observation => "Observation",
			Self::Condition => "Condition",
			Self::MedicationStatement => "MedicationStatement",
			Self::AllergyIntolerance => "AllergyIntolerance",
			Self::Immunization => "Immunization",
			Self::DiagnosticReport => "DiagnosticReport",
			Self::DocumentReference => "DocumentReference",
			Self::Encounter => "Encounter",
		}
	}

	/// The type named `name`, if the custodian holds it.
	pub fn from_name(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|t| t.name() == name)
	}

	/// The element that refers to the patient.
	fn patient_element(self) -> &'static str {
		match self {
			Self::AllergyIntolerance | Self::Immunization => "patient",
			_ => "subject",
		}
	}

	/// The elements FHIR R4 requires besides the patient's (a `[x]` choice: any of its forms).
	fn required(self) -> &'static [&'static [&'static str]] {
		match self {
			Self::Observation | Self::DiagnosticReport => &[&["status"], &["code"]],
			Self::Condition | Self::AllergyIntolerance => &[],
			Self::MedicationStatement => {
				&[&["status"], &["medicationCodeableConcept", "medicationReference"]]
			},
			Self::Immunization => {
				&[&["status"], &["vaccineCode"], &["occurrenceDateTime", "occurrenceString"]]
			},
			Self::DocumentReference => &[&["status"], &["content"]],
			Self::Encounter => &[&["status"], &["class"]],
		}
	}

	/// The codes FHIR R4 allows in `status`; empty for a type without one.
	fn statuses(self) -> &'static [&'static str] {
		match self {
			Self::Observation | Self::DiagnosticReport => &[
				"registered",
				"partial",
				"preliminary",
				"final",
				"amended",
				"corrected",
				"appended",
				"cancelled",
				"entered-in-error",
				"unknown",
			],
			Self::MedicationStatement => &[
				"active",
				"completed",
				"entered-in-error",
				"intended",
				"stopped",
				"on-hold",
				"unknown",
				"not-taken",
			],
			Self::Immunization => &["completed", "entered-in-error", "not-done"],
			Self::DocumentReference => &["current", "superseded", "entered-in-error"],
			Self::Encounter => &[
				"planned",
				"arrived",
				"triaged",
				"in-progress",
				"onleave",
				"finished",
				"cancelled",
				"entered-in-error",
				"unknown",
			],
			Self::Condition | Self::AllergyIntolerance => &[],
		}
	}
}

/// A resource the custodian may hold.
#[derive(Clone, PartialEq, Debug)]
pub struct Resource {
	pub resource_type: ResourceType,
	/// The patient's id at the custodian (the `Patient/<id>` it refers to).
	pub patient: String,
	/// Its record category.
	pub category: RecordCategory,
	/// The JSON as it came.
	pub json: Value,
}

/// What is wrong with a resource, as an `OperationOutcome` issue says it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Invalid {
	pub code: IssueType,
	/// Where (a FHIRPath expression).
	pub expression: String,
	/// What, for a person.
	pub diagnostics: String,
}

/// The `OperationOutcome.issue.code` of a refusal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IssueType {
	/// Not a JSON object, or an element of the wrong JSON type.
	Structure,
	/// A required element is missing.
	Required,
	/// An element's value is not allowed.
	Value,
	/// A resource type the custodian does not hold.
	NotSupported,
}

impl IssueType {
	/// The code, as FHIR spells it.
	pub fn code(self) -> &'static str {
		match self {
			Self::Structure => "structure",
			Self::Required => "required",
			Self::Value => "value",
			Self::NotSupported => "not-supported",
		}
	}
}

fn invalid(
	code: IssueType,
	expression: impl Into<String>,
	diagnostics: impl Into<String>,
) -> Invalid {
	Invalid { code, expression: expression.into(), diagnostics: diagnostics.into() }
}

/// The resource `json`, if the custodian may hold it.
pub fn validate(json: Value) -> Result<Resource, Invalid> {
	let object = json
		.as_object()
		.ok_or_else(|| invalid(IssueType::Structure, "", "a resource is a JSON object"))?;
	let name = object
		.get("resourceType")
		.and_then(Value::as_str)
		.ok_or_else(|| invalid(IssueType::Required, "resourceType", "resourceType is required"))?;
	let resource_type = ResourceType::from_name(name).ok_or_else(|| {
		invalid(IssueType::NotSupported, "resourceType", format!("this custodian holds no {name}"))
	})?;
	let at = |element: &str| format!("{name}.{element}");
	if let Some(id) = object.get("id") {
		let valid = id.as_str().is_some_and(is_fhir_id);
		if !valid {
			return Err(invalid(
				IssueType::Value,
				at("id"),
				"an id is 1 to 64 letters, digits, '-' and '.'",
			));
		}
	}
	for choices in resource_type.required() {
		if !choices.iter().any(|element| object.contains_key(*element)) {
			return Err(invalid(
				IssueType::Required,
				at(choices[0]),
				format!("{} is required", choices.join(" or ")),
			));
		}
	}
	let statuses = resource_type.statuses();
	if !statuses.is_empty() {
		let status = object.get("status").and_then(Value::as_str).unwrap_or_default();
		if !statuses.contains(&status) {
			return Err(invalid(
				IssueType::Value,
				at("status"),
				format!("status is one of {}", statuses.join(", ")),
			));
		}
	}
	let patient = patient_of(object, resource_type).map_err(|diagnostics| {
		invalid(IssueType::Required, at(resource_type.patient_element()), diagnostics)
	})?;
	if let Some(below) = first_unrepresentable_number(&json) {
		return Err(invalid(
			IssueType::Value,
			format!("{name}{below}"),
			"a number larger than a double holds",
		));
	}
	let category = category_of(object, resource_type)
		.map_err(|diagnostics| invalid(IssueType::Value, at("meta.security"), diagnostics))?;
	Ok(Resource { resource_type, patient, category, json })
}

/// Whether `id` is a FHIR id: `[A-Za-z0-9\-\.]{1,64}`.
pub fn is_fhir_id(id: &str) -> bool {
	(1..=64).contains(&id.len())
		&& id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The patient's id, from the reference `Patient/<id>` of the patient element.
fn patient_of(
	object: &serde_json::Map<String, Value>,
	resource_type: ResourceType,
) -> Result<String, String> {
	let element = resource_type.patient_element();
	let reference = object
		.get(element)
		.and_then(|e| e.get("reference"))
		.and_then(Value::as_str)
		.ok_or_else(|| format!("{element}.reference to the patient is required"))?;
	reference
		.strip_prefix("Patient/")
		.filter(|id| is_fhir_id(id))
		.map(str::to_owned)
		.ok_or_else(|| format!("{element}.reference is Patient/<id>, not {reference}"))
}

/// Where in `value` a number no double can hold is (a path below it), if anywhere; the path is
/// built on the way back from the number only.
fn first_unrepresentable_number(value: &Value) -> Option<String> {
	match value {
		Value::Number(n) => {
			(!n.to_string().parse::<f64>().is_ok_and(f64::is_finite)).then(String::new)
		},
		Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
			first_unrepresentable_number(item).map(|below| format!("[{i}]{below}"))
		}),
		Value::Object(members) => members.iter().find_map(|(name, item)| {
			first_unrepresentable_number(item).map(|below| format!(".{name}{below}"))
		}),
		_ => None,
	}
}

/// The sensitive category each security label names.
const SENSITIVE_LABELS: [(&str, RecordCategory); 8] = [
	("PSY", RecordCategory::MentalHealth),
	("PSYTHPN", RecordCategory::MentalHealth),
	("SUD", RecordCategory::SubstanceUse),
	("ETH", RecordCategory::SubstanceUse),
	("SDV", RecordCategory::SexualReproductiveHealth),
	("SEX", RecordCategory::SexualReproductiveHealth),
	("GDIS", RecordCategory::Genetics),
	("HIV", RecordCategory::Hiv),
];

/// HL7 v2 table 0074 sections that are imaging.
const IMAGING_SECTIONS: [&str; 8] = ["RAD", "IMG", "CT", "MR", "NMR", "NMS", "RUS", "VUS"];

/// The record category of a resource of `resource_type`: its sensitive label's, else its
/// type's (and category codings').
fn category_of(
	object: &serde_json::Map<String, Value>,
	resource_type: ResourceType,
) -> Result<RecordCategory, String> {
	let labels = codes(object.get("meta").and_then(|m| m.get("security")));
	let mut sensitive = SENSITIVE_LABELS
		.iter()
		.filter(|(label, _)| labels.contains(label))
		.map(|(_, category)| *category)
		.collect::<Vec<_>>();
	sensitive.dedup();
	match sensitive.as_slice() {
		[] => {},
		[one] => return Ok(*one),
		_ => return Err("security labels of two sensitive categories: a record has one".into()),
	}
	let categories = object
		.get("category")
		.map(|c| match c {
			Value::Array(items) => {
				items.iter().flat_map(|item| codes(item.get("coding"))).collect()
			},
			one => codes(one.get("coding")),
		})
		.unwrap_or_default();
	let has = |code: &str| categories.iter().any(|c| c.eq_ignore_ascii_case(code));
	Ok(match resource_type {
		ResourceType::Observation if has("laboratory") => RecordCategory::LaboratoryResults,
		ResourceType::Observation if has("imaging") => RecordCategory::Imaging,
		ResourceType::Observation | ResourceType::Condition => RecordCategory::Conditions,
		ResourceType::MedicationStatement => RecordCategory::Medications,
		ResourceType::AllergyIntolerance => RecordCategory::Allergies,
		ResourceType::Immunization => RecordCategory::Immunizations,
		ResourceType::DiagnosticReport if has("LAB") => RecordCategory::LaboratoryResults,
		ResourceType::DiagnosticReport if IMAGING_SECTIONS.iter().any(|s| has(s)) => {
			RecordCategory::Imaging
		},
		ResourceType::DiagnosticReport | ResourceType::DocumentReference => {
			RecordCategory::ClinicalNotes
		},
		ResourceType::Encounter => RecordCategory::Encounters,
	})
}

/// The `code`s of a list of codings (or of one).
fn codes(codings: Option<&Value>) -> Vec<&str> {
	match codings {
		Some(Value::Array(items)) => items.iter().filter_map(|c| c.get("code")?.as_str()).collect(),
		Some(one) => one.get("code").and_then(Value::as_str).into_iter().collect(),
		None => Vec::new(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn lab_result() -> Value {
		json!({
			"resourceType": "Observation",
			"id": "hb-1",
			"status": "final",
			"category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
			"code": { "coding": [{ "system": "http://loinc.org", "code": "718-7" }] },
			"subject": { "reference": "Patient/p-42" },
			"valueQuantity": { "value": 13.2, "unit": "g/dL" }
		})
	}

	fn refused(json: Value) -> Invalid {
		validate(json).expect_err("refused")
	}

	#[test]
	fn a_lab_result_is_a_laboratory_record_of_its_patient() {
		let resource = validate(lab_result()).unwrap();
		assert_eq!(resource.resource_type, ResourceType::Observation);
		assert_eq!(resource.patient, "p-42");
		assert_eq!(resource.category, RecordCategory::LaboratoryResults);
		assert_eq!(resource.json, lab_result());
	}

	#[test]
	fn each_type_maps_to_its_category() {
		let cases = [
			(
				json!({ "resourceType": "Condition", "subject": { "reference": "Patient/p" } }),
				RecordCategory::Conditions,
			),
			(
				json!({ "resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": {}, "subject": { "reference": "Patient/p" } }),
				RecordCategory::Medications,
			),
			(
				json!({ "resourceType": "AllergyIntolerance", "patient": { "reference": "Patient/p" } }),
				RecordCategory::Allergies,
			),
			(
				json!({ "resourceType": "Immunization", "status": "completed", "vaccineCode": {}, "occurrenceDateTime": "2026-01-01", "patient": { "reference": "Patient/p" } }),
				RecordCategory::Immunizations,
			),
			(
				json!({ "resourceType": "DiagnosticReport", "status": "final", "code": {}, "category": [{ "coding": [{ "code": "RAD" }] }], "subject": { "reference": "Patient/p" } }),
				RecordCategory::Imaging,
			),
			(
				json!({ "resourceType": "DiagnosticReport", "status": "final", "code": {}, "category": [{ "coding": [{ "code": "LAB" }] }], "subject": { "reference": "Patient/p" } }),
				RecordCategory::LaboratoryResults,
			),
			(
				json!({ "resourceType": "DocumentReference", "status": "current", "content": [{}], "subject": { "reference": "Patient/p" } }),
				RecordCategory::ClinicalNotes,
			),
			(
				json!({ "resourceType": "Encounter", "status": "finished", "class": {}, "subject": { "reference": "Patient/p" } }),
				RecordCategory::Encounters,
			),
			(
				json!({ "resourceType": "Observation", "status": "final", "code": {}, "subject": { "reference": "Patient/p" } }),
				RecordCategory::Conditions,
			),
		];
		for (json, category) in cases {
			assert_eq!(validate(json.clone()).map(|r| r.category), Ok(category), "{json}");
		}
	}

	#[test]
	fn a_security_label_makes_a_record_sensitive_and_two_are_refused() {
		let mut hiv = lab_result();
		hiv["meta"] = json!({ "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV" }] });
		assert_eq!(validate(hiv.clone()).unwrap().category, RecordCategory::Hiv);
		hiv["meta"]["security"].as_array_mut().unwrap().push(json!({ "code": "ETH" }));
		assert_eq!(refused(hiv).code, IssueType::Value);
	}

	#[test]
	fn bad_resources_are_refused_with_where_and_why() {
		assert_eq!(refused(json!([1])).code, IssueType::Structure);
		assert_eq!(refused(json!({ "status": "final" })).code, IssueType::Required);
		let patient = refused(json!({ "resourceType": "Patient" }));
		assert_eq!(
			(patient.code, patient.expression.as_str()),
			(IssueType::NotSupported, "resourceType")
		);

		let mut no_code = lab_result();
		no_code.as_object_mut().unwrap().remove("code");
		assert_eq!(
			refused(no_code),
			invalid(IssueType::Required, "Observation.code", "code is required")
		);

		let mut bad_status = lab_result();
		bad_status["status"] = json!("done");
		assert_eq!(refused(bad_status).expression, "Observation.status");

		let mut bad_id = lab_result();
		bad_id["id"] = json!("has space");
		assert_eq!(refused(bad_id).expression, "Observation.id");

		let mut group = lab_result();
		group["subject"] = json!({ "reference": "Group/ward-3" });
		assert_eq!(refused(group).expression, "Observation.subject");

		let mut no_subject = lab_result();
		no_subject.as_object_mut().unwrap().remove("subject");
		assert_eq!(refused(no_subject).code, IssueType::Required);

		let huge: Value = serde_json::from_str(
			r#"{"resourceType":"Condition","subject":{"reference":"Patient/p"},"extension":[{"valueDecimal":1e400}]}"#,
		)
		.unwrap();
		assert_eq!(refused(huge).expression, "Condition.extension[0].valueDecimal");
	}
}
