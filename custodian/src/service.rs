//! The custodian's FHIR R4 service: what each interaction does. The HTTP side is in
//! [`crate::http`].
//!
//! | interaction | who | what |
//! |---|---|---|
//! | `POST /fhir/{type}` (create) | a practitioner of the organisation whose key the custodian holds | checks the resource, encrypts and stores it, anchors its content hash on chain signed by that practitioner, and answers once the anchor is final |
//! | `PUT /fhir/{type}/{id}` (update) | the same | a new version, anchored the same way |
//! | `GET /fhir/{type}/{id}` (read), `.../_history/{v}` (vread) | a practitioner naming its `Granted` access decision | releases the version if the decision allows it and the chain confirms the copy |
//! | `GET /fhir/{type}?patient={account}` (search) | the same | every record of the patient of this type in the decision's category |
//! | `GET /fhir/AuditEvent?patient={account}` | the patient | the chain's access decisions about it as `AuditEvent`s |
//! | `POST /fhir/Patient/{account}/$salt` | the patient | keeps the patient's salt with this organisation, which blinds its sensitive records on chain |
//!
//! A record's FHIR id is its on-chain record id in hex; its patient is `Patient/{account}`, the
//! patient's account (SS58) at this organisation.

use crate::{
	audit_event::audit_event,
	auth::{Authenticator, SignedRequest},
	chain::{Chain, ErasureRequest},
	content::content_hash,
	fhir::{self, ResourceType},
	outcome::Refusal,
	store::{RecordId, RecordRow, Store, VersionRow},
	time::{instant, now},
	vault::{MasterKey, RecordKeys},
};
use ehr_primitives::{
	audit::AccessDecision,
	consent::{Category, RecordCategory},
};
use ehr_privacy::Salt;
use ehr_runtime::RuntimeCall;
use pallet_records::{ErasureTarget, RecordVerdict};
use serde_json::{json, Value};
use sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, H256,
};
use sp_runtime::MultiAddress;
use std::{collections::HashMap, sync::Arc};

/// How the service is run.
pub struct Config {
	/// The organisation this custodian holds records for: its account confirms erasures.
	pub organisation: AccountId32,
	/// How old an access decision may be to release data (milliseconds).
	pub decision_window: u64,
}

/// A request as the service reads it.
pub struct Request<'a> {
	pub method: &'a str,
	/// The path below `/fhir/`, split at `/`.
	pub path: Vec<&'a str>,
	pub query: HashMap<String, String>,
	pub signed: SignedRequest<'a>,
}

/// An answer: status, the resource, and extra headers.
pub struct Answer {
	pub status: u16,
	pub body: Value,
	pub headers: Vec<(&'static str, String)>,
}

impl Answer {
	fn ok(body: Value) -> Self {
		Self { status: 200, body, headers: Vec::new() }
	}
}

/// The custodian service.
pub struct Custodian {
	pub store: Store,
	pub chain: Arc<Chain>,
	pub master: MasterKey,
	/// The keys it signs anchors and confirmations with, by account.
	pub signers: HashMap<AccountId32, sr25519::Pair>,
	pub auth: Authenticator,
	pub config: Config,
}

/// A version read back and checked.
struct Opened {
	resource: Value,
	keys: RecordKeys,
}

impl Custodian {
	/// Answers one request.
	pub async fn handle(&self, request: Request<'_>) -> Result<Answer, Refusal> {
		let caller = self
			.auth
			.verify(&request.signed, now())
			.map_err(|error| Refusal::new(401, "security", error.to_string()))?;
		match (request.method, request.path.as_slice()) {
			("GET", ["AuditEvent"]) => self.audit_events(&caller, &request).await,
			("POST", ["Patient", patient, "$salt"]) => {
				self.set_salt(&caller, patient, request.signed.body).await
			},
			("POST", [name]) => {
				self.create(&caller, resource_type(name)?, request.signed.body).await
			},
			("PUT", [name, id]) => {
				self.update(&caller, resource_type(name)?, record_id(id)?, request.signed.body)
					.await
			},
			("GET", [name]) => self.search(&caller, resource_type(name)?, &request).await,
			("GET", [name, id]) => {
				self.read(&caller, resource_type(name)?, record_id(id)?, None, &request).await
			},
			("GET", [name, id, "_history", version]) => {
				let version = version
					.parse()
					.map_err(|_| Refusal::not_found(format!("no version {version}")))?;
				self.read(&caller, resource_type(name)?, record_id(id)?, Some(version), &request)
					.await
			},
			_ => Err(Refusal::not_found("no such FHIR interaction here")),
		}
	}

	/// `POST /fhir/{type}`.
	async fn create(
		&self,
		author: &AccountId32,
		resource_type: ResourceType,
		body: &[u8],
	) -> Result<Answer, Refusal> {
		let signer = self.signer(author)?;
		let resource = parse(resource_type, body)?;
		let patient = patient_account(&resource.patient)?;
		let category = self.chain_category(&patient, resource.category).await?;
		let id = new_record_id();
		let keys = RecordKeys::generate();
		let (json, sealed, hash, at) = seal(resource.json, &keys, &id, 1);
		let row = RecordRow {
			id,
			resource_type: resource_type.name().into(),
			patient: patient.to_ss58check(),
			category: resource.category as u8,
			wrapped_keys: Some(keys.wrap(&self.master, &id)),
			erased_at: None,
		};
		self.store
			.insert_record(row, VersionRow { version: 1, ciphertext: sealed, created_at: at })
			.await?;
		let waited = self.anchor(signer, patient, category, id, 1, hash).await?;
		Ok(created(resource_type, &id, 1, json, 201, waited))
	}

	/// `PUT /fhir/{type}/{id}`.
	async fn update(
		&self,
		author: &AccountId32,
		resource_type: ResourceType,
		id: RecordId,
		body: &[u8],
	) -> Result<Answer, Refusal> {
		let signer = self.signer(author)?;
		let record = self.live_record(resource_type, id).await?;
		let resource = parse(resource_type, body)?;
		if resource.json.get("id").and_then(Value::as_str) != Some(hex::encode(id).as_str()) {
			return Err(Refusal::bad_request(
				"value",
				"an update's resource carries the id of its URL",
			));
		}
		let patient = patient_account(&resource.patient)?;
		if patient.to_ss58check() != record.patient {
			return Err(Refusal::bad_request("value", "a record keeps its patient"));
		}
		if resource.category as u8 != record.category {
			return Err(Refusal::bad_request("value", "a record keeps its category"));
		}
		let keys = self.keys(&record)?;
		let category = self.chain_category(&patient, resource.category).await?;
		let version = self.store.next_version(id).await?;
		let (json, sealed, hash, at) = seal(resource.json, &keys, &id, version);
		self.store
			.insert_version(id, VersionRow { version, ciphertext: sealed, created_at: at })
			.await?;
		let waited = self.anchor(signer, patient, category, id, version, hash).await?;
		Ok(created(resource_type, &id, version, json, 200, waited))
	}

	/// Anchors version `version` of record `id` (content hash `hash`), signed by `signer`, and
	/// waits for it to be final: the version is then served; if it fails the version is
	/// deleted. How long the chain took.
	async fn anchor(
		&self,
		signer: &sr25519::Pair,
		patient: AccountId32,
		category: Category,
		id: RecordId,
		version: u32,
		hash: [u8; 32],
	) -> Result<std::time::Duration, Refusal> {
		let call = pallet_records::Call::anchor_record {
			patient: MultiAddress::Id(patient),
			record_id: H256(id),
			category,
			content_hash: H256(hash),
		};
		let started = std::time::Instant::now();
		match self.chain.submit(RuntimeCall::Records(call), signer).await {
			Ok(_) => {
				let waited = started.elapsed();
				self.store.set_anchored(id, version).await?;
				Ok(waited)
			},
			Err(error) => {
				self.store.discard_version(id, version).await?;
				Err(error.into())
			},
		}
	}

	/// `GET /fhir/{type}/{id}` and `GET /fhir/{type}/{id}/_history/{version}`.
	async fn read(
		&self,
		reader: &AccountId32,
		resource_type: ResourceType,
		id: RecordId,
		version: Option<u32>,
		request: &Request<'_>,
	) -> Result<Answer, Refusal> {
		let seq = decision_of(request)?;
		let record = self.live_record(resource_type, id).await?;
		let patient = patient_account(&record.patient)?;
		// One finalised block for the whole request: the decision and the copy are read at it.
		let (at, _) = self.chain.finalized().await?;
		let decision = self.granted_decision(seq, reader, &patient, at).await?;
		let category = record_category(record.category)?;
		if decision.category != self.chain_category(&patient, category).await? {
			return Err(Refusal::forbidden(format!(
				"access decision {seq} is for another category"
			)));
		}
		let row = self
			.store
			.version(id, version)
			.await?
			.ok_or_else(|| Refusal::not_found("no such version"))?;
		let latest = version.is_none();
		let opened = self.open(&record, &row, latest, at).await?;
		self.release(seq, reader).await?;
		let mut answer = Answer::ok(opened.resource);
		answer.headers = vec![
			("etag", format!("W/\"{}\"", row.version)),
			("x-ehr-record", format!("0x{}", hex::encode(id))),
			("x-ehr-content-key", hex::encode(opened.keys.content.0)),
		];
		Ok(answer)
	}

	/// `GET /fhir/{type}?patient={account}`: the patient's records of this type in the
	/// decision's category.
	async fn search(
		&self,
		reader: &AccountId32,
		resource_type: ResourceType,
		request: &Request<'_>,
	) -> Result<Answer, Refusal> {
		let seq = decision_of(request)?;
		let patient = patient_param(request)?;
		// One finalised block for the whole request: the decision and the copy are read at it.
		let (at, _) = self.chain.finalized().await?;
		let decision = self.granted_decision(seq, reader, &patient, at).await?;
		let category = self.reveal(&patient, &decision.category).await?;
		let mut entries = Vec::new();
		for record in self.store.records_of(&patient.to_ss58check()).await? {
			let wanted = record.resource_type == resource_type.name()
				&& record.category == category as u8
				&& record.wrapped_keys.is_some();
			let Some(row) =
				(if wanted { self.store.version(record.id, None).await? } else { None })
			else {
				continue;
			};
			entries.push(match self.open(&record, &row, true, at).await {
				Ok(opened) => json!({
					"fullUrl": format!("{}/{}", resource_type.name(), hex::encode(record.id)),
					"resource": opened.resource,
					"search": { "mode": "match" },
				}),
				// A copy the chain does not confirm is left out, and said so.
				Err(refusal) => {
					json!({ "resource": refusal.to_fhir(), "search": { "mode": "outcome" } })
				},
			});
		}
		self.release(seq, reader).await?;
		let total = entries.iter().filter(|entry| entry["search"]["mode"] == "match").count();
		Ok(Answer::ok(
			json!({ "resourceType": "Bundle", "type": "searchset", "total": total, "entry": entries }),
		))
	}

	/// `GET /fhir/AuditEvent?patient={account}`, for the patient itself.
	async fn audit_events(
		&self,
		caller: &AccountId32,
		request: &Request<'_>,
	) -> Result<Answer, Refusal> {
		let patient = patient_param(request)?;
		if &patient != caller {
			return Err(Refusal::forbidden("a patient's access log is the patient's to ask for"));
		}
		let (at, _) = self.chain.finalized().await?;
		let decisions: Vec<AccessDecision<AccountId32>> =
			self.chain.runtime_call("AuditApi_accesses_of", (&patient, 0u64, u32::MAX), at).await?;
		let salt = self.store.salt(&patient.to_ss58check()).await?.map(Salt);
		let entries: Vec<Value> = decisions
			.iter()
			.map(|decision| json!({ "resource": audit_event(decision, salt.as_ref()) }))
			.collect();
		Ok(Answer::ok(
			json!({ "resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries }),
		))
	}

	/// `POST /fhir/Patient/{account}/$salt`: the patient gives this custodian its salt with the
	/// organisation (`ehr-privacy`), so that its sensitive records can be anchored and read
	/// blinded. The body is a `Parameters` resource with one `salt` (`valueString`, 0x and 64
	/// hex digits).
	async fn set_salt(
		&self,
		caller: &AccountId32,
		patient: &str,
		body: &[u8],
	) -> Result<Answer, Refusal> {
		let patient = patient_account(patient)?;
		if &patient != caller {
			return Err(Refusal::forbidden("only the patient gives its salt"));
		}
		let parameters: Value = serde_json::from_slice(body)
			.map_err(|_| Refusal::bad_request("structure", "the body is a Parameters resource"))?;
		let salt = parameters["parameter"]
			.as_array()
			.and_then(|parameters| parameters.iter().find(|p| p["name"] == "salt"))
			.and_then(|parameter| parameter["valueString"].as_str())
			.and_then(|salt| hex::decode(salt.trim_start_matches("0x")).ok())
			.and_then(|salt| <[u8; 32]>::try_from(salt).ok())
			.ok_or_else(|| Refusal {
				expression: Some("Parameters.parameter.where(name = 'salt')".into()),
				..Refusal::bad_request("value", "salt is 0x and 64 hex digits")
			})?;
		self.store.set_salt(&patient.to_ss58check(), salt).await?;
		Ok(Answer::ok(json!({
			"resourceType": "OperationOutcome",
			"issue": [{ "severity": "information", "code": "informational", "diagnostics": "salt kept" }],
		})))
	}

	/// The key of `author`, a practitioner (or the organisation) this custodian signs for.
	fn signer(&self, author: &AccountId32) -> Result<&sr25519::Pair, Refusal> {
		self.signers.get(author).ok_or_else(|| {
			Refusal::forbidden(format!(
				"this custodian holds no key of {author}: it anchors records only for its own practitioners"
			))
		})
	}

	/// The record `id` of type `resource_type`, not erased.
	async fn live_record(
		&self,
		resource_type: ResourceType,
		id: RecordId,
	) -> Result<RecordRow, Refusal> {
		let record = self
			.store
			.record(id)
			.await?
			.filter(|record| record.resource_type == resource_type.name())
			.ok_or_else(|| {
				Refusal::not_found(format!("no {} {}", resource_type.name(), hex::encode(id)))
			})?;
		if record.wrapped_keys.is_none() {
			return Err(Refusal::new(
				410,
				"deleted",
				"the record was erased at the patient's request",
			));
		}
		Ok(record)
	}

	fn keys(&self, record: &RecordRow) -> Result<RecordKeys, Refusal> {
		let wrapped = record.wrapped_keys.as_deref().unwrap_or_default();
		RecordKeys::unwrap(&self.master, &record.id, wrapped)
			.map_err(|_| integrity("its keys do not open"))
	}

	/// Decrypts a version and checks it against the chain at `at`: the latest must be the
	/// record's current version there, an earlier one an outdated version.
	async fn open(
		&self,
		record: &RecordRow,
		row: &VersionRow,
		latest: bool,
		at: H256,
	) -> Result<Opened, Refusal> {
		let keys = self.keys(record)?;
		let plaintext = keys
			.open_version(&record.id, row.version, &row.ciphertext)
			.map_err(|_| integrity("its ciphertext does not open"))?;
		let resource: Value =
			serde_json::from_slice(&plaintext).map_err(|_| integrity("it is not JSON"))?;
		let hash = content_hash(&keys.content, &resource);
		let patient = patient_account(&record.patient)?;
		let verdict: RecordVerdict = self
			.chain
			.runtime_call("RecordsApi_verify_record", (&patient, H256(record.id), H256(hash)), at)
			.await?;
		let confirmed = match verdict {
			RecordVerdict::Current { version } => version == row.version,
			RecordVerdict::Outdated { current_version } => !latest && row.version < current_version,
			RecordVerdict::Unknown | RecordVerdict::Erased => false,
		};
		if !confirmed {
			return Err(integrity(&format!(
				"the chain says {verdict:?} of version {}",
				row.version
			)));
		}
		Ok(Opened { resource, keys })
	}

	/// The decision `seq` about `patient` final at `at`, if it granted `reader` access recently.
	async fn granted_decision(
		&self,
		seq: u64,
		reader: &AccountId32,
		patient: &AccountId32,
		at: H256,
	) -> Result<AccessDecision<AccountId32>, Refusal> {
		let decisions: Vec<AccessDecision<AccountId32>> =
			self.chain.runtime_call("AuditApi_accesses_of", (patient, seq, 1u32), at).await?;
		let decision = decisions.into_iter().find(|decision| decision.seq == seq).ok_or_else(|| {
			Refusal::forbidden(format!(
				"no finalised access decision {seq} about this patient (unknown, not final yet, or about another patient)"
			))
		})?;
		if &decision.practitioner != reader {
			return Err(Refusal::forbidden(format!(
				"access decision {seq} is another practitioner's"
			)));
		}
		if !decision.outcome.is_granted() {
			return Err(Refusal::forbidden(format!(
				"access decision {seq} denied access: {:?}",
				decision.outcome
			)));
		}
		if now().saturating_sub(decision.at) > self.config.decision_window {
			return Err(Refusal::forbidden(format!(
				"access decision {seq} is older than {} s: ask again",
				self.config.decision_window / 1000
			)));
		}
		Ok(decision)
	}

	/// Records that decision `seq` released data; refuses a decision used before.
	async fn release(&self, seq: u64, reader: &AccountId32) -> Result<(), Refusal> {
		let now = i64::try_from(now()).unwrap_or(i64::MAX);
		if !self.store.claim_decision(seq, &reader.to_ss58check(), now).await? {
			return Err(Refusal::forbidden(format!(
				"access decision {seq} released data already: one decision, one release"
			)));
		}
		Ok(())
	}

	/// `category` of `patient` as the chain names it here: blinded under the patient's salt
	/// if sensitive.
	async fn chain_category(
		&self,
		patient: &AccountId32,
		category: RecordCategory,
	) -> Result<Category, Refusal> {
		if !category.is_sensitive() {
			return Ok(category.without_salt());
		}
		let salt = self.store.salt(&patient.to_ss58check()).await?.ok_or_else(|| {
			Refusal::new(
				422,
				"processing",
				"a sensitive record needs the patient's salt for this organisation, which it has not given this custodian",
			)
		})?;
		Ok(Salt(salt).blind(category))
	}

	/// The record category behind the chain's `category` for `patient`.
	async fn reveal(
		&self,
		patient: &AccountId32,
		category: &Category,
	) -> Result<RecordCategory, Refusal> {
		match category {
			Category::Standard(standard) => Ok((*standard).into()),
			Category::Sensitive(commitment) => self
				.store
				.salt(&patient.to_ss58check())
				.await?
				.and_then(|salt| Salt(salt).reveal(commitment))
				.ok_or_else(|| {
					Refusal::forbidden(
						"the decision's sensitive category is none this custodian can name",
					)
				}),
		}
	}

	/// Erases what the chain asks: destroys the keys of every matching record (each version's
	/// ciphertext can no longer be decrypted), then confirms each on chain.
	pub async fn erase(&self, (patient, target): ErasureRequest) {
		let records = match &target {
			ErasureTarget::Record(id) => vec![id.0],
			ErasureTarget::All => match self.store.records_of(&patient.to_ss58check()).await {
				Ok(records) => records.into_iter().map(|record| record.id).collect(),
				Err(error) => return tracing::error!("erasure for {patient}: {error}"),
			},
		};
		let Some(organisation) = self.signers.get(&self.config.organisation) else {
			return tracing::error!("no key of the organisation: erasures cannot be confirmed");
		};
		for id in records {
			match self.store.shred(id, i64::try_from(now()).unwrap_or(i64::MAX)).await {
				Ok(true) => {},
				Ok(false) => continue, // another custodian's record
				Err(error) => {
					tracing::error!("erasing {}: {error}", hex::encode(id));
					continue;
				},
			}
			let call = pallet_records::Call::confirm_erasure {
				patient: MultiAddress::Id(patient.clone()),
				record_id: H256(id),
			};
			match self.chain.submit(RuntimeCall::Records(call), organisation).await {
				Ok(block) => tracing::info!(
					"erased record 0x{}, confirmed in block {block}",
					hex::encode(id)
				),
				Err(error) => {
					tracing::warn!("erased record 0x{}; confirmation: {error}", hex::encode(id))
				},
			}
		}
	}
}

/// A refusal to release a copy that fails its checks.
fn integrity(why: &str) -> Refusal {
	tracing::error!("integrity check failed: {why}");
	Refusal::new(
		500,
		"exception",
		format!("the stored copy fails its integrity check ({why}): nothing released"),
	)
}

fn resource_type(name: &str) -> Result<ResourceType, Refusal> {
	ResourceType::from_name(name).ok_or_else(|| {
		Refusal::new(404, "not-supported", format!("this custodian holds no {name}"))
	})
}

fn record_id(id: &str) -> Result<RecordId, Refusal> {
	hex::decode(id).ok().and_then(|id| id.try_into().ok()).ok_or_else(|| {
		Refusal::not_found(format!("no record {id}: a record's id is 64 hex digits"))
	})
}

fn record_category(index: u8) -> Result<RecordCategory, Refusal> {
	RecordCategory::ALL
		.get(usize::from(index))
		.copied()
		.ok_or_else(|| integrity("an unknown category"))
}

fn patient_account(patient: &str) -> Result<AccountId32, Refusal> {
	AccountId32::from_ss58check(patient).map_err(|_| Refusal {
		expression: Some("subject".into()),
		..Refusal::bad_request(
			"value",
			"a patient's id here is its account at this organisation (SS58)",
		)
	})
}

fn patient_param(request: &Request) -> Result<AccountId32, Refusal> {
	let patient = request.query.get("patient").ok_or_else(|| {
		Refusal::bad_request("required", "the search names its patient: ?patient={account}")
	})?;
	patient_account(patient.trim_start_matches("Patient/"))
}

fn decision_of(request: &Request) -> Result<u64, Refusal> {
	let decision = request.signed.decision.ok_or_else(|| {
		Refusal::forbidden("a read names its on-chain access decision: X-EHR-Decision: {seq}")
	})?;
	decision
		.parse()
		.map_err(|_| Refusal::bad_request("value", "X-EHR-Decision is a decision's seq"))
}

/// The resource in `body`, of `resource_type`.
fn parse(resource_type: ResourceType, body: &[u8]) -> Result<fhir::Resource, Refusal> {
	let json: Value = serde_json::from_slice(body).map_err(|error| {
		Refusal::bad_request("structure", format!("the body is not JSON: {error}"))
	})?;
	let resource = fhir::validate(json)?;
	if resource.resource_type != resource_type {
		return Err(Refusal::bad_request("value", "the resource's type is not its URL's"));
	}
	Ok(resource)
}

fn new_record_id() -> RecordId {
	use aes_gcm::aead::{rand_core::RngCore, OsRng};
	let mut id = [0u8; 32];
	OsRng.fill_bytes(&mut id);
	id
}

/// Sets the server's fields of version `version` of record `id`; returns the resource, its
/// ciphertext, content hash and time.
fn seal(
	mut json: Value,
	keys: &RecordKeys,
	id: &RecordId,
	version: u32,
) -> (Value, Vec<u8>, [u8; 32], i64) {
	let at = now();
	json["id"] = json!(hex::encode(id));
	if !json["meta"].is_object() {
		json["meta"] = json!({});
	}
	json["meta"]["versionId"] = json!(version.to_string());
	json["meta"]["lastUpdated"] = json!(instant(at));
	let hash = content_hash(&keys.content, &json);
	let sealed = keys.seal_version(id, version, json.to_string().as_bytes());
	(json, sealed, hash, i64::try_from(at).unwrap_or(i64::MAX))
}

/// A written version's answer; `Server-Timing` says how long the chain took to finalise its
/// anchor (`chain`, milliseconds), for clients that measure the service without it.
fn created(
	resource_type: ResourceType,
	id: &RecordId,
	version: u32,
	json: Value,
	status: u16,
	waited: std::time::Duration,
) -> Answer {
	let location = format!("/fhir/{}/{}/_history/{version}", resource_type.name(), hex::encode(id));
	Answer {
		status,
		body: json,
		headers: vec![
			("location", location),
			("etag", format!("W/\"{version}\"")),
			("x-ehr-record", format!("0x{}", hex::encode(id))),
			("server-timing", format!("chain;dur={:.1}", waited.as_secs_f64() * 1000.0)),
		],
	}
}
