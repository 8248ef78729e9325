//! A record's content hash: the 32 bytes the chain anchors for each version (`pallet-records`).
//!
//! `HMAC-SHA256(content key, "ehr-chain/record-content/v1" ‖ JCS(resource))`, where the resource
//! is the FHIR JSON as the custodian stores it without the two fields the custodian's server
//! sets for each version (`meta.versionId`, `meta.lastUpdated`; a `meta` left empty goes too),
//! and JCS is RFC 8785's canonical form ([`crate::canonical`]). The hash is keyed with a key of
//! the record's own, which the custodian gives a reader with the record and destroys with it at
//! erasure: a bare hash of a short resource (one lab value) could be confirmed by anyone who
//! guessed the resource (`docs/privacy.md`).

use crate::canonical::canonical;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The domain separator: a content hash is never equal to another HMAC of the same key.
const CONTENT: &[u8] = b"ehr-chain/record-content/v1";

/// The fields of `meta` the custodian's server sets for each version.
const SERVER_SET: [&str; 2] = ["versionId", "lastUpdated"];

/// The key of one record's content hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct ContentKey(pub [u8; 32]);

/// The content hash of `resource` under `key`.
pub fn content_hash(key: &ContentKey, resource: &Value) -> [u8; 32] {
	let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
		.unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
	mac.update(CONTENT);
	mac.update(&canonical(&without_server_fields(resource)));
	mac.finalize().into_bytes().into()
}

/// `resource` without what the server sets for each version.
fn without_server_fields(resource: &Value) -> Value {
	let mut resource = resource.clone();
	if let Some(object) = resource.as_object_mut() {
		if let Some(Value::Object(meta)) = object.get_mut("meta") {
			SERVER_SET.iter().for_each(|field| {
				meta.remove(*field);
			});
			if meta.is_empty() {
				object.remove("meta");
			}
		}
	}
	resource
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	const KEY: ContentKey = ContentKey([7; 32]);

	fn hex(bytes: [u8; 32]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}

	#[test]
	fn the_hash_is_of_the_canonical_form_under_the_records_key() {
		let resource = json!({ "resourceType": "Observation", "status": "final", "valueQuantity": { "value": 1.50 } });
		let reordered: Value = serde_json::from_str(
			r#"{"valueQuantity":{"value":1.5},"status":"final","resourceType":"Observation"}"#,
		)
		.unwrap();
		assert_eq!(content_hash(&KEY, &resource), content_hash(&KEY, &reordered));
		// A vector an integrator may check its own implementation against.
		assert_eq!(
			canonical(&resource),
			br#"{"resourceType":"Observation","status":"final","valueQuantity":{"value":1.5}}"#
		);
		let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[7; 32]).unwrap();
		mac.update(b"ehr-chain/record-content/v1");
		mac.update(
			br#"{"resourceType":"Observation","status":"final","valueQuantity":{"value":1.5}}"#,
		);
		assert_eq!(hex(content_hash(&KEY, &resource)), hex(mac.finalize().into_bytes().into()));
	}

	#[test]
	fn another_key_or_any_change_of_content_gives_another_hash() {
		let resource = json!({ "resourceType": "Observation", "status": "final" });
		let amended = json!({ "resourceType": "Observation", "status": "amended" });
		assert_ne!(content_hash(&KEY, &resource), content_hash(&ContentKey([8; 32]), &resource));
		assert_ne!(content_hash(&KEY, &resource), content_hash(&KEY, &amended));
	}

	#[test]
	fn the_servers_version_fields_are_not_content() {
		let stored = json!({ "resourceType": "Condition", "meta": { "versionId": "3", "lastUpdated": "2026-12-07T10:00:00Z" } });
		let authored = json!({ "resourceType": "Condition" });
		assert_eq!(content_hash(&KEY, &stored), content_hash(&KEY, &authored));
		// A security label is content: it says the record is sensitive.
		let labelled = json!({ "resourceType": "Condition", "meta": { "versionId": "3", "security": [{ "code": "HIV" }] } });
		assert_ne!(content_hash(&KEY, &labelled), content_hash(&KEY, &authored));
	}
}
