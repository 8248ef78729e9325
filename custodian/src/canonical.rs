//! The canonical form of a JSON value: RFC 8785, the JSON Canonicalization Scheme (JCS).
//!
//! Object members sorted by their names' UTF-16 code units, no whitespace, strings escaped as
//! ECMAScript's `JSON.stringify` does, and numbers written as ECMAScript writes an IEEE 754
//! double (`1.50` and `1.5` are `1.5`, `1E2` is `100`). Any JCS implementation (the
//! `canonicalize` npm package, Java's, Go's) gives the same bytes for the same value, which is
//! what lets an integrator check a record's hash without our code.

use serde_json::{Map, Number, Value};

/// The canonical bytes of `value`.
pub fn canonical(value: &Value) -> Vec<u8> {
	let mut out = Vec::new();
	write_value(&mut out, value);
	out
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
	match value {
		Value::Null => out.extend_from_slice(b"null"),
		Value::Bool(true) => out.extend_from_slice(b"true"),
		Value::Bool(false) => out.extend_from_slice(b"false"),
		Value::Number(number) => write_number(out, number),
		Value::String(string) => write_string(out, string),
		Value::Array(items) => {
			out.push(b'[');
			for (i, item) in items.iter().enumerate() {
				if i > 0 {
					out.push(b',');
				}
				write_value(out, item);
			}
			out.push(b']');
		},
		Value::Object(members) => write_object(out, members),
	}
}

fn write_object(out: &mut Vec<u8>, members: &Map<String, Value>) {
	let mut sorted: Vec<_> = members.iter().collect();
	sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
	out.push(b'{');
	for (i, (name, value)) in sorted.into_iter().enumerate() {
		if i > 0 {
			out.push(b',');
		}
		write_string(out, name);
		out.push(b':');
		write_value(out, value);
	}
	out.push(b'}');
}

/// A number as ECMAScript's `Number.prototype.toString` writes the double nearest to it.
fn write_number(out: &mut Vec<u8>, number: &Number) {
	// The number's own text (serde_json keeps it: this crate turns `arbitrary_precision` on),
	// read by the standard library's correctly rounded parser.
	let double = number.to_string().parse::<f64>().unwrap_or(f64::NAN);
	if double == 0.0 {
		// Negative zero too: ECMAScript writes both as `0`.
		out.push(b'0');
	} else if double.is_finite() {
		out.extend_from_slice(ryu_js::Buffer::new().format_finite(double).as_bytes());
	} else {
		// JSON has no NaN or infinity: a number too large for a double. Written as `null`, as
		// `JSON.stringify` writes it; `fhir::validate` refuses such a number before it gets here.
		out.extend_from_slice(b"null");
	}
}

/// A string as ECMAScript's `JSON.stringify` writes it.
fn write_string(out: &mut Vec<u8>, string: &str) {
	out.push(b'"');
	for c in string.chars() {
		match c {
			'"' => out.extend_from_slice(b"\\\""),
			'\\' => out.extend_from_slice(b"\\\\"),
			'\u{08}' => out.extend_from_slice(b"\\b"),
			'\t' => out.extend_from_slice(b"\\t"),
			'\n' => out.extend_from_slice(b"\\n"),
			'\u{0c}' => out.extend_from_slice(b"\\f"),
			'\r' => out.extend_from_slice(b"\\r"),
			c if u32::from(c) < 0x20 => {
				out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes())
			},
			c => {
				let mut buffer = [0u8; 4];
				out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
			},
		}
	}
	out.push(b'"');
}

#[cfg(test)]
mod tests {
	use super::*;

	fn jcs(json: &str) -> String {
		String::from_utf8(canonical(&serde_json::from_str(json).unwrap())).unwrap()
	}

	#[test]
	fn members_are_sorted_by_utf16_code_units_without_whitespace() {
		assert_eq!(
			jcs(r#"{ "b": [1, {"z": true, "a": null}], "a": "x" }"#),
			r#"{"a":"x","b":[1,{"a":null,"z":true}]}"#
		);
		// RFC 8785, 3.2.3: U+1D11E (a surrogate pair, 0xD834 first) sorts before U+FB33 in UTF-16,
		// after it in UTF-8 or by code point.
		assert_eq!(jcs("{\"\u{fb33}\": 1, \"\u{1d11e}\": 2}"), "{\"\u{1d11e}\":2,\"\u{fb33}\":1}");
	}

	#[test]
	fn numbers_are_written_as_ecmascript_writes_them() {
		// RFC 8785, appendix B, and the usual cases of FHIR decimals.
		for (json, expected) in [
			("0", "0"),
			("-0", "0"),
			("1.50", "1.5"),
			("1E2", "100"),
			("1e21", "1e+21"),
			("1e20", "100000000000000000000"),
			("0.000001", "0.000001"),
			("1e-7", "1e-7"),
			("-1.7976931348623157e308", "-1.7976931348623157e+308"),
			("5e-324", "5e-324"),
			("9007199254740993", "9007199254740992"),
			("333333333.33333329", "333333333.3333333"),
			("1.000000000000000000000000000000000001", "1"),
		] {
			assert_eq!(jcs(&format!("[{json}]")), format!("[{expected}]"), "{json}");
		}
	}

	#[test]
	fn strings_are_escaped_as_json_stringify_escapes_them() {
		assert_eq!(jcs(r#""a\"b\\c\/d""#), r#""a\"b\\c/d""#);
		assert_eq!(
			jcs(r#""\u0008\t\n\u000c\r\u0001\u001f\u007f""#),
			"\"\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}\""
		);
		assert_eq!(jcs(r#""\u20ac\ud83d\ude00 é""#), "\"\u{20ac}\u{1f600} é\"");
	}
}
