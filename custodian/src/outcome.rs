//! Every refusal as a FHIR `OperationOutcome` with its HTTP status.

use crate::{chain::ChainError, fhir::Invalid, store::StoreError};
use serde_json::{json, Value};

/// A refused request: its HTTP status, FHIR issue code (`IssueType`) and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
	pub status: u16,
	pub code: &'static str,
	pub diagnostics: String,
	/// Where in the resource (a FHIRPath expression), if in it.
	pub expression: Option<String>,
}

impl Refusal {
	pub fn new(status: u16, code: &'static str, diagnostics: impl Into<String>) -> Self {
		Self { status, code, diagnostics: diagnostics.into(), expression: None }
	}

	/// 400: the request itself is wrong.
	pub fn bad_request(code: &'static str, diagnostics: impl Into<String>) -> Self {
		Self::new(400, code, diagnostics)
	}

	/// 403: the caller may not do this.
	pub fn forbidden(diagnostics: impl Into<String>) -> Self {
		Self::new(403, "forbidden", diagnostics)
	}

	/// 404: nothing there.
	pub fn not_found(diagnostics: impl Into<String>) -> Self {
		Self::new(404, "not-found", diagnostics)
	}

	/// The `OperationOutcome` resource.
	pub fn to_fhir(&self) -> Value {
		let mut issue = json!({
			"severity": "error",
			"code": self.code,
			"diagnostics": self.diagnostics,
		});
		if let Some(expression) = &self.expression {
			issue["expression"] = json!([expression]);
		}
		json!({ "resourceType": "OperationOutcome", "issue": [issue] })
	}
}

impl From<Invalid> for Refusal {
	fn from(invalid: Invalid) -> Self {
		Self {
			status: 400,
			code: invalid.code.code(),
			diagnostics: invalid.diagnostics,
			expression: Some(invalid.expression).filter(|expression| !expression.is_empty()),
		}
	}
}

impl From<StoreError> for Refusal {
	fn from(error: StoreError) -> Self {
		tracing::error!("{error}");
		Self::new(500, "exception", "the custodian's database failed")
	}
}

impl From<ChainError> for Refusal {
	fn from(error: ChainError) -> Self {
		let (status, code) = match &error {
			// Who may anchor: the caller's role and the patient's consent.
			ChainError::Failed(name)
				if ["NotAPractitioner", "NotCoveredByConsent", "NotCustodian"]
					.iter()
					.any(|rule| name.ends_with(rule)) =>
			{
				(403, "forbidden")
			},
			// The record's state: erased, pending erasure, too many versions, unchanged.
			ChainError::Failed(_) => (409, "business-rule"),
			// The transaction pool's checks: a suspended or unregistered signer, no funds.
			ChainError::Refused(_) => (403, "forbidden"),
			ChainError::Unavailable(_) => (503, "transient"),
			ChainError::Expired => (504, "transient"),
			ChainError::Decode(_) => (502, "exception"),
		};
		Self::new(status, code, error.to_string())
	}
}
