//! Who is asking: every request to the custodian is signed with the caller's sr25519 key, the
//! key of its account on chain.
//!
//! The caller sends three headers:
//!
//! | header | value |
//! |---|---|
//! | `X-EHR-Account` | its account, SS58 |
//! | `X-EHR-Timestamp` | now, unix milliseconds |
//! | `X-EHR-Signature` | `0x` and the hex of its sr25519 signature of the message below |
//!
//! and, on a read, `X-EHR-Decision`: the `seq` of its on-chain access decision. The signed
//! message is the lines (each ended by `\n`):
//!
//! ```text
//! ehr-custodian/request/v1
//! METHOD
//! PATH?QUERY            (as sent)
//! TIMESTAMP
//! DECISION              (empty if none)
//! SHA-256 of the body, lowercase hex
//! ```
//!
//! A request is refused if its timestamp is more than [`Authenticator::skew`] from the
//! service's clock, or if the same signature was seen within that window (a replay).

use sha2::{Digest, Sha256};
use sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, Pair,
};
use std::{collections::HashMap, sync::Mutex};

/// The domain of the signed message: a signature made for anything else never verifies.
const DOMAIN: &str = "ehr-custodian/request/v1";

/// A request's signed parts.
pub struct SignedRequest<'a> {
	pub method: &'a str,
	pub path_and_query: &'a str,
	pub account: Option<&'a str>,
	pub timestamp: Option<&'a str>,
	pub signature: Option<&'a str>,
	pub decision: Option<&'a str>,
	pub body: &'a [u8],
}

/// Why a request's signature is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthError {
	/// A header is missing.
	Missing(&'static str),
	/// A header does not parse.
	Malformed(&'static str),
	/// The timestamp is too far from now.
	Stale,
	/// The signature does not verify for the account.
	BadSignature,
	/// This very request was seen already.
	Replayed,
}

impl std::fmt::Display for AuthError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Missing(header) => write!(f, "the request is not signed: {header} is missing"),
			Self::Malformed(header) => write!(f, "{header} is malformed"),
			Self::Stale => write!(f, "X-EHR-Timestamp is too far from the custodian's clock"),
			Self::BadSignature => write!(f, "X-EHR-Signature does not verify for X-EHR-Account"),
			Self::Replayed => write!(f, "this signed request was sent already (a replay)"),
		}
	}
}

/// The message a caller signs.
pub fn message(
	method: &str,
	path_and_query: &str,
	timestamp: &str,
	decision: &str,
	body: &[u8],
) -> Vec<u8> {
	let body = hex::encode(Sha256::digest(body));
	format!("{DOMAIN}\n{method}\n{path_and_query}\n{timestamp}\n{decision}\n{body}\n").into_bytes()
}

/// The headers that sign a request as `signer` at `timestamp`, for clients and tests.
pub fn sign(
	signer: &sr25519::Pair,
	method: &str,
	path_and_query: &str,
	timestamp: u64,
	decision: Option<u64>,
	body: &[u8],
) -> Vec<(&'static str, String)> {
	let decision = decision.map(|seq| seq.to_string());
	let timestamp = timestamp.to_string();
	let message =
		message(method, path_and_query, &timestamp, decision.as_deref().unwrap_or(""), body);
	let mut headers = vec![
		("x-ehr-account", AccountId32::from(signer.public()).to_ss58check()),
		("x-ehr-timestamp", timestamp),
		("x-ehr-signature", format!("0x{}", hex::encode(signer.sign(&message).0))),
	];
	headers.extend(decision.map(|seq| ("x-ehr-decision", seq)));
	headers
}

/// Checks signed requests and remembers their signatures for the window.
pub struct Authenticator {
	/// How far a timestamp may be from the service's clock (milliseconds).
	pub skew: u64,
	/// Signatures seen, with their timestamps.
	seen: Mutex<HashMap<[u8; 64], u64>>,
}

impl Authenticator {
	pub fn new(skew: u64) -> Self {
		Self { skew, seen: Mutex::new(HashMap::new()) }
	}

	/// The account that signed `request`, at `now` (unix milliseconds).
	pub fn verify(&self, request: &SignedRequest, now: u64) -> Result<AccountId32, AuthError> {
		let account = request.account.ok_or(AuthError::Missing("X-EHR-Account"))?;
		let account = AccountId32::from_ss58check(account)
			.map_err(|_| AuthError::Malformed("X-EHR-Account"))?;
		let timestamp = request.timestamp.ok_or(AuthError::Missing("X-EHR-Timestamp"))?;
		let at: u64 = timestamp.parse().map_err(|_| AuthError::Malformed("X-EHR-Timestamp"))?;
		let signature = request.signature.ok_or(AuthError::Missing("X-EHR-Signature"))?;
		let signature: [u8; 64] = hex::decode(signature.trim_start_matches("0x"))
			.ok()
			.and_then(|bytes| bytes.try_into().ok())
			.ok_or(AuthError::Malformed("X-EHR-Signature"))?;
		if at.abs_diff(now) > self.skew {
			return Err(AuthError::Stale);
		}
		let message = message(
			request.method,
			request.path_and_query,
			timestamp,
			request.decision.unwrap_or(""),
			request.body,
		);
		let public = sr25519::Public::from_raw(*account.as_ref());
		if !sr25519::Pair::verify(&sr25519::Signature::from_raw(signature), &message, &public) {
			return Err(AuthError::BadSignature);
		}
		let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		// Forget what is too old to pass the timestamp check anyway.
		seen.retain(|_, seen_at| seen_at.abs_diff(now) <= self.skew);
		if seen.insert(signature, at).is_some() {
			return Err(AuthError::Replayed);
		}
		Ok(account)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn request<'a>(headers: &'a [(&'static str, String)], body: &'a [u8]) -> SignedRequest<'a> {
		let header = |name: &str| {
			headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
		};
		SignedRequest {
			method: "GET",
			path_and_query: "/fhir/Observation/ab",
			account: header("x-ehr-account"),
			timestamp: header("x-ehr-timestamp"),
			signature: header("x-ehr-signature"),
			decision: header("x-ehr-decision"),
			body,
		}
	}

	#[test]
	fn a_signed_request_verifies_once_and_only_as_signed() {
		let dave = sr25519::Pair::from_string("//Dave", None).unwrap();
		let auth = Authenticator::new(60_000);
		let headers = sign(&dave, "GET", "/fhir/Observation/ab", 1_000_000, Some(42), b"");
		assert_eq!(auth.verify(&request(&headers, b""), 1_000_500), Ok(dave.public().into()));
		assert_eq!(auth.verify(&request(&headers, b""), 1_000_600), Err(AuthError::Replayed));

		let headers = sign(&dave, "GET", "/fhir/Observation/ab", 1_000_001, Some(42), b"");
		let mut altered = request(&headers, b"");
		altered.decision = Some("43");
		assert_eq!(auth.verify(&altered, 1_000_000), Err(AuthError::BadSignature));
		assert_eq!(auth.verify(&request(&headers, b"x"), 1_000_000), Err(AuthError::BadSignature));
		assert_eq!(auth.verify(&request(&headers, b""), 2_000_000), Err(AuthError::Stale));

		// Eve claims Dave's signature as hers.
		let eve = sr25519::Pair::from_string("//Eve", None).unwrap();
		let mut stolen = sign(&dave, "GET", "/fhir/Observation/ab", 1_000_002, None, b"");
		stolen[0].1 = AccountId32::from(eve.public()).to_ss58check();
		assert_eq!(auth.verify(&request(&stolen, b""), 1_000_000), Err(AuthError::BadSignature));
	}

	#[test]
	fn missing_and_malformed_headers_are_named() {
		let auth = Authenticator::new(60_000);
		assert_eq!(auth.verify(&request(&[], b""), 0), Err(AuthError::Missing("X-EHR-Account")));
		let dave = sr25519::Pair::from_string("//Dave", None).unwrap();
		let mut headers = sign(&dave, "GET", "/fhir/Observation/ab", 5, None, b"");
		headers[2].1 = "0x1234".into();
		assert_eq!(
			auth.verify(&request(&headers, b""), 5),
			Err(AuthError::Malformed("X-EHR-Signature"))
		);
	}
}
