//! The clock, and FHIR's `instant`.

use chrono::{DateTime, SecondsFormat};

/// Now, unix milliseconds.
pub fn now() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// Unix milliseconds as a FHIR `instant` (RFC 3339, UTC, milliseconds).
pub fn instant(millis: u64) -> String {
	i64::try_from(millis)
		.ok()
		.and_then(DateTime::from_timestamp_millis)
		.map_or_else(String::new, |at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
	#[test]
	fn an_instant_is_rfc3339_in_utc_with_milliseconds() {
		assert_eq!(super::instant(0), "1970-01-01T00:00:00.000Z");
		assert_eq!(super::instant(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
	}
}
