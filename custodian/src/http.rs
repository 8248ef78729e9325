//! The service over HTTP/1.1 (hyper): FHIR's JSON only, a bounded body, and every refusal an
//! `OperationOutcome`.

use crate::{
	auth::SignedRequest,
	outcome::Refusal,
	service::{Answer, Custodian, Request},
};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{
	body::{Bytes, Incoming},
	header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE},
	server::conn::http1,
	service::service_fn,
	Response,
};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::{collections::HashMap, convert::Infallible, sync::Arc};
use tokio::net::TcpListener;

/// FHIR's JSON media type.
const FHIR_JSON: &str = "application/fhir+json";

/// Serves `custodian` on `listener` for ever.
pub async fn serve(listener: TcpListener, custodian: Arc<Custodian>, max_body: usize) {
	loop {
		let (stream, _) = match listener.accept().await {
			Ok(accepted) => accepted,
			Err(error) => {
				tracing::warn!("accept: {error}");
				continue;
			},
		};
		let custodian = custodian.clone();
		tokio::spawn(async move {
			let service = service_fn(move |request| {
				let custodian = custodian.clone();
				async move { Ok::<_, Infallible>(answer(&custodian, request, max_body).await) }
			});
			if let Err(error) =
				http1::Builder::new().serve_connection(TokioIo::new(stream), service).await
			{
				tracing::debug!("connection: {error}");
			}
		});
	}
}

/// The response to one request.
async fn answer(
	custodian: &Custodian,
	request: hyper::Request<Incoming>,
	max_body: usize,
) -> Response<Full<Bytes>> {
	let started = std::time::Instant::now();
	let method = request.method().as_str().to_owned();
	let path = request.uri().path().to_owned();
	let outcome = respond(custodian, request, max_body).await;
	let (status, body, headers) = match outcome {
		Ok(Answer { status, body, headers }) => (status, body, headers),
		Err(refusal) => (refusal.status, refusal.to_fhir(), Vec::new()),
	};
	tracing::info!("{method} {path} {status} {} ms", started.elapsed().as_millis());
	let mut response = Response::builder().status(status).header(CONTENT_TYPE, FHIR_JSON);
	for (name, value) in headers {
		response = response.header(name, value);
	}
	response
		.body(Full::new(Bytes::from(body.to_string())))
		.unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"{}"))))
}

async fn respond(
	custodian: &Custodian,
	request: hyper::Request<Incoming>,
	max_body: usize,
) -> Result<Answer, Refusal> {
	let (parts, body) = request.into_parts();
	let Some(path) = parts.uri.path().strip_prefix("/fhir/") else {
		return Err(Refusal::not_found("the FHIR base is /fhir"));
	};
	if parts.method == "GET" && path == "metadata" {
		return Ok(Answer { status: 200, body: capability_statement(), headers: Vec::new() });
	}
	let too_large =
		|| Refusal::new(413, "too-costly", format!("the body is larger than {max_body} bytes"));
	let declared = header(&parts.headers, CONTENT_LENGTH.as_str())
		.and_then(|length| length.parse::<usize>().ok());
	if declared.is_some_and(|length| length > max_body) {
		return Err(too_large());
	}
	let body = Limited::new(body, max_body).collect().await.map_err(|_| too_large())?.to_bytes();
	if !body.is_empty() {
		let media = header(&parts.headers, CONTENT_TYPE.as_str()).unwrap_or_default();
		let media = media.split(';').next().unwrap_or_default().trim();
		if media != FHIR_JSON && media != "application/json" {
			return Err(Refusal::new(
				415,
				"not-supported",
				format!("this custodian reads {FHIR_JSON} only"),
			));
		}
	}
	let path_and_query = parts.uri.path_and_query().map_or("", |path| path.as_str());
	let query = parts.uri.query().map(parse_query).unwrap_or_default();
	let request = Request {
		method: parts.method.as_str(),
		path: path.split('/').collect(),
		query,
		signed: SignedRequest {
			method: parts.method.as_str(),
			path_and_query,
			account: header(&parts.headers, "x-ehr-account"),
			timestamp: header(&parts.headers, "x-ehr-timestamp"),
			signature: header(&parts.headers, "x-ehr-signature"),
			decision: header(&parts.headers, "x-ehr-decision"),
			body: &body,
		},
	};
	custodian.handle(request).await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
	headers.get(name).and_then(|value| value.to_str().ok())
}

/// `a=1&b=x%2Fy` as a map (a repeated name keeps its last value).
fn parse_query(query: &str) -> HashMap<String, String> {
	query
		.split('&')
		.filter_map(|pair| pair.split_once('='))
		.map(|(name, value)| (percent_decode(name), percent_decode(value)))
		.collect()
}

fn percent_decode(text: &str) -> String {
	let bytes = text.as_bytes();
	let mut decoded = Vec::with_capacity(bytes.len());
	let mut index = 0;
	while index < bytes.len() {
		let escaped = (bytes[index] == b'%')
			.then(|| bytes.get(index + 1..index + 3))
			.flatten()
			.and_then(|hex| std::str::from_utf8(hex).ok())
			.and_then(|hex| u8::from_str_radix(hex, 16).ok());
		match (escaped, bytes[index]) {
			(Some(byte), _) => {
				decoded.push(byte);
				index += 3;
			},
			(None, b'+') => {
				decoded.push(b' ');
				index += 1;
			},
			(None, byte) => {
				decoded.push(byte);
				index += 1;
			},
		}
	}
	String::from_utf8_lossy(&decoded).into_owned()
}

/// What this server does, as FHIR's `CapabilityStatement`.
fn capability_statement() -> Value {
	let resources: Vec<Value> = crate::fhir::ResourceType::ALL
		.iter()
		.map(|resource| {
			json!({
				"type": resource.name(),
				"interaction": [{ "code": "create" }, { "code": "update" }, { "code": "read" }, { "code": "vread" }, { "code": "search-type" }],
				"versioning": "versioned",
				"searchParam": [{ "name": "patient", "type": "reference" }],
			})
		})
		.chain(std::iter::once(json!({ "type": "AuditEvent", "interaction": [{ "code": "search-type" }], "searchParam": [{ "name": "patient", "type": "reference" }] })))
		.collect();
	json!({
		"resourceType": "CapabilityStatement",
		"status": "active",
		"kind": "instance",
		"fhirVersion": "4.0.1",
		"format": [FHIR_JSON],
		"software": { "name": "ehr-custodian", "version": env!("CARGO_PKG_VERSION") },
		"rest": [{ "mode": "server", "resource": resources }],
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_query_is_percent_decoded() {
		let query = parse_query("patient=Patient%2F5Grw&x=a+b&bad=%zz");
		assert_eq!(query["patient"], "Patient/5Grw");
		assert_eq!(query["x"], "a b");
		assert_eq!(query["bad"], "%zz");
	}
}
