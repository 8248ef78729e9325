//! The custodian's client of the chain: JSON-RPC over HTTP to its own node, with the runtime's
//! own types (`ehr-runtime`) for calls, transaction extensions, events and runtime APIs, so
//! that what it signs and decodes is what the runtime it was built with defines (no second
//! copy of the SDK's crates, no metadata to fetch; rebuild the custodian with a new runtime).
//!
//! - [`Chain::submit`] signs a call with a practitioner's or the organisation's sr25519 key
//!   (mortal for [`ERA_PERIOD`] blocks from the last finalised one) and waits until the block
//!   that holds it is **finalised**, with its dispatch outcome: success, or the module error by
//!   name.
//! - [`Chain::follow`] is the task that waits: it reads every finalised block once, matches
//!   its extrinsics to the submissions waiting for them, and passes on the records pallet's
//!   `ErasureRequested` events.
//! - Runtime APIs (`state_call`) are read at the last finalised block.

use codec::{Decode, Encode};
use ehr_runtime::{Address, RuntimeCall, RuntimeError, RuntimeEvent, SignedPayload, TxExtension};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use serde_json::{json, Value};
use sp_core::{crypto::AccountId32, sr25519, Pair, H256};
use sp_crypto_hashing as hashing;
use sp_runtime::{
	generic::{Era, UncheckedExtrinsic},
	MultiAddress, MultiSignature,
};
use std::{
	collections::HashMap,
	sync::{
		atomic::{AtomicU64, Ordering},
		Mutex,
	},
	time::Duration,
};
use tokio::sync::{mpsc, oneshot};

/// How many blocks a transaction stays valid for after the finalised block it is signed at.
pub const ERA_PERIOD: u64 = 32;

/// Why the chain did not answer, or said no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
	/// The node cannot be reached, or answered something that is not JSON-RPC.
	Unavailable(String),
	/// The node refused the call or the transaction (its JSON-RPC error message).
	Refused(String),
	/// The transaction was dispatched and failed: the module error as `pallet.Error`, or the
	/// dispatch error.
	Failed(String),
	/// The transaction was not in a finalised block before it expired.
	Expired,
	/// An answer that does not decode as this runtime's types: the node runs another runtime.
	Decode(String),
}

impl std::fmt::Display for ChainError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Unavailable(why) => write!(f, "the chain's node is unavailable: {why}"),
			Self::Refused(why) => write!(f, "the chain refused the transaction: {why}"),
			Self::Failed(error) => write!(f, "the chain's transaction failed: {error}"),
			Self::Expired => write!(f, "the transaction was not finalised before it expired"),
			Self::Decode(what) => write!(f, "the chain's answer does not decode ({what}): does the node run this custodian's runtime?"),
		}
	}
}

/// A finalised block's outcome of one extrinsic: its block number, or the error.
type Outcome = Result<u32, ChainError>;

/// An erasure asked on chain: `(patient, target)`.
pub type ErasureRequest = (AccountId32, pallet_records::ErasureTarget);

/// A connection to the custodian's node.
pub struct Chain {
	rpc: Rpc,
	genesis: H256,
	/// Submissions waiting for their finalised outcome, by extrinsic hash.
	waiting: Mutex<HashMap<H256, oneshot::Sender<Outcome>>>,
	/// The nonce after each signer's last submission from here; held while submitting.
	nonces: tokio::sync::Mutex<HashMap<AccountId32, u32>>,
}

impl Chain {
	/// Connects to the node at `url` (`http://127.0.0.1:9944`).
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let rpc = Rpc::new(url)?;
		let genesis = hash_of(&rpc.call("chain_getBlockHash", json!([0])).await?)?;
		Ok(Self {
			rpc,
			genesis,
			waiting: Mutex::new(HashMap::new()),
			nonces: tokio::sync::Mutex::new(HashMap::new()),
		})
	}

	/// The chain's genesis hash.
	pub fn genesis(&self) -> H256 {
		self.genesis
	}

	/// The last finalised block: its hash and number.
	pub async fn finalized(&self) -> Result<(H256, u32), ChainError> {
		let hash = hash_of(&self.rpc.call("chain_getFinalizedHead", json!([])).await?)?;
		let header = self.rpc.call("chain_getHeader", json!([hash])).await?;
		let number = header["number"]
			.as_str()
			.and_then(|number| u32::from_str_radix(number.trim_start_matches("0x"), 16).ok())
			.ok_or_else(|| ChainError::Decode("a header's number".into()))?;
		Ok((hash, number))
	}

	/// The runtime API `method` (`"RecordsApi_verify_record"`) with `args`, at `at`.
	pub async fn runtime_call<R: Decode>(
		&self,
		method: &str,
		args: impl Encode,
		at: H256,
	) -> Result<R, ChainError> {
		let answer = self
			.rpc
			.call("state_call", json!([method, format!("0x{}", hex::encode(args.encode())), at]))
			.await?;
		decode_hex(&answer, method)
	}

	/// Erasure requests waiting on chain at `at`: what the custodian may have missed while it
	/// was down.
	pub async fn pending_erasures(&self, at: H256) -> Result<Vec<ErasureRequest>, ChainError> {
		let prefix =
			[hashing::twox_128(b"Records"), hashing::twox_128(b"ErasureRequests")].concat();
		let mut requests = Vec::new();
		let mut start: Option<String> = None;
		loop {
			let keys = self
				.rpc
				.call(
					"state_getKeysPaged",
					json!([format!("0x{}", hex::encode(&prefix)), 256, start, at]),
				)
				.await?;
			let keys = keys.as_array().cloned().unwrap_or_default();
			for key in &keys {
				let bytes = bytes_of(key, "a storage key")?;
				requests.push(erasure_of_key(&bytes[prefix.len()..])?);
			}
			if keys.len() < 256 {
				return Ok(requests);
			}
			start = keys.last().and_then(Value::as_str).map(str::to_owned);
		}
	}

	/// Signs `call` with `signer`, submits it, and waits for the finalised block that holds
	/// it: its number, or why it failed.
	pub async fn submit(&self, call: RuntimeCall, signer: &sr25519::Pair) -> Outcome {
		let (finalized, number) = self.finalized().await?;
		let version = self.rpc.call("state_getRuntimeVersion", json!([finalized])).await?;
		let spec = version["specVersion"].as_u64().and_then(|v| u32::try_from(v).ok());
		let transaction =
			version["transactionVersion"].as_u64().and_then(|v| u32::try_from(v).ok());
		let (Some(spec), Some(transaction)) = (spec, transaction) else {
			return Err(ChainError::Decode("the runtime version".into()));
		};
		let account = AccountId32::from(signer.public());
		let mut nonces = self.nonces.lock().await;
		// The pool's next nonce, unless this service has submitted past it (not yet pooled):
		// another client of the same account moves the first, this service the second.
		let pooled = self.rpc.call("system_accountNextIndex", json!([account.to_string()])).await?;
		let pooled = pooled
			.as_u64()
			.and_then(|nonce| u32::try_from(nonce).ok())
			.ok_or_else(|| ChainError::Decode("a nonce".into()))?;
		let nonce = nonces.get(&account).map_or(pooled, |submitted| pooled.max(*submitted));
		// Mortal from the finalised block: its birth is that block, whose hash is known.
		let era = Era::mortal(ERA_PERIOD, u64::from(number));
		let extension = ehr_runtime::transaction_extension(era, nonce, 0);
		let implicit =
			((), (), spec, transaction, self.genesis, finalized, (), (), (), None, (), ((), ()));
		let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
		let signature = payload.using_encoded(|payload| signer.sign(payload));
		let extrinsic = UncheckedExtrinsic::<Address, _, _, TxExtension>::new_signed(
			call,
			MultiAddress::Id(account.clone()),
			MultiSignature::Sr25519(signature),
			extension,
		)
		.encode();
		let hash = H256(hashing::blake2_256(&extrinsic));
		let (sender, outcome) = oneshot::channel();
		self.lock_waiting().insert(hash, sender);
		let submitted = self
			.rpc
			.call("author_submitExtrinsic", json!([format!("0x{}", hex::encode(&extrinsic))]))
			.await;
		match submitted {
			Ok(_) => {
				nonces.insert(account, nonce.saturating_add(1));
			},
			Err(error) => {
				nonces.remove(&account);
				self.lock_waiting().remove(&hash);
				return Err(error);
			},
		}
		drop(nonces);
		// Valid for ERA_PERIOD blocks; finality follows a few blocks behind.
		let lifetime = Duration::from_millis(ehr_runtime::MILLISECS_PER_BLOCK * (ERA_PERIOD + 16));
		match tokio::time::timeout(lifetime, outcome).await {
			Ok(Ok(outcome)) => outcome,
			_ => {
				self.lock_waiting().remove(&hash);
				Err(ChainError::Expired)
			},
		}
	}

	fn lock_waiting(&self) -> std::sync::MutexGuard<'_, HashMap<H256, oneshot::Sender<Outcome>>> {
		self.waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Follows finalised blocks from the current one, for ever: completes the submissions
	/// they hold and sends the erasures they ask for to `erasures`.
	pub async fn follow(&self, erasures: mpsc::UnboundedSender<ErasureRequest>) {
		let mut next = None;
		loop {
			match self.follow_once(&mut next, &erasures).await {
				Ok(()) => tokio::time::sleep(Duration::from_millis(250)).await,
				Err(error) => {
					tracing::warn!("following the chain: {error}; retrying");
					tokio::time::sleep(Duration::from_secs(2)).await;
				},
			}
		}
	}

	/// Reads the finalised blocks from `next` on (from the last finalised one at first).
	async fn follow_once(
		&self,
		next: &mut Option<u32>,
		erasures: &mpsc::UnboundedSender<ErasureRequest>,
	) -> Result<(), ChainError> {
		let (_, finalized) = self.finalized().await?;
		let mut number = next.unwrap_or(finalized);
		while number <= finalized {
			let hash = hash_of(&self.rpc.call("chain_getBlockHash", json!([number])).await?)?;
			self.read_block(hash, number, erasures).await?;
			number = number.saturating_add(1);
			*next = Some(number);
		}
		Ok(())
	}

	/// Completes the submissions block `hash` holds; passes on its erasure requests.
	async fn read_block(
		&self,
		hash: H256,
		number: u32,
		erasures: &mpsc::UnboundedSender<ErasureRequest>,
	) -> Result<(), ChainError> {
		let block = self.rpc.call("chain_getBlock", json!([hash])).await?;
		let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
		let key = [hashing::twox_128(b"System"), hashing::twox_128(b"Events")].concat();
		let events = self
			.rpc
			.call("state_getStorage", json!([format!("0x{}", hex::encode(key)), hash]))
			.await?;
		let events: Vec<frame_system::EventRecord<RuntimeEvent, H256>> =
			if events.is_null() { Vec::new() } else { decode_hex(&events, "the block's events")? };
		for record in &events {
			if let RuntimeEvent::Records(pallet_records::Event::ErasureRequested {
				patient,
				target,
				..
			}) = &record.event
			{
				let _ = erasures.send((patient.clone(), *target));
			}
		}
		let mut waiting = self.lock_waiting();
		if waiting.is_empty() {
			return Ok(());
		}
		for (index, extrinsic) in extrinsics.iter().enumerate() {
			let bytes = bytes_of(extrinsic, "an extrinsic")?;
			let Some(sender) = waiting.remove(&H256(hashing::blake2_256(&bytes))) else { continue };
			let index = u32::try_from(index).unwrap_or(u32::MAX);
			let _ = sender.send(outcome_of(&events, index, number));
		}
		Ok(())
	}
}

/// The dispatch outcome of the extrinsic at `index` in a block's `events`.
fn outcome_of(
	events: &[frame_system::EventRecord<RuntimeEvent, H256>],
	index: u32,
	number: u32,
) -> Outcome {
	let failure = events.iter().find_map(|record| match (&record.phase, &record.event) {
		(
			frame_system::Phase::ApplyExtrinsic(at),
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }),
		) if *at == index => Some(*dispatch_error),
		_ => None,
	});
	match failure {
		None => Ok(number),
		Some(error) => Err(ChainError::Failed(error_name(error))),
	}
}

/// A dispatch error by name: `records.NotCoveredByConsent` for a module error.
pub fn error_name(error: sp_runtime::DispatchError) -> String {
	match RuntimeError::from_dispatch_error(error) {
		Some(module) => {
			// `Records(NotCoveredByConsent)` -> `records.NotCoveredByConsent`
			let debug = format!("{module:?}");
			match debug.split_once('(') {
				Some((pallet, error)) => format!(
					"{}{}.{}",
					pallet.get(..1).unwrap_or_default().to_lowercase(),
					pallet.get(1..).unwrap_or_default(),
					error.trim_end_matches(')')
				),
				None => debug,
			}
		},
		None => format!("{error:?}"),
	}
}

/// The `(patient, target)` of an `ErasureRequests` key after its prefix.
fn erasure_of_key(mut key: &[u8]) -> Result<ErasureRequest, ChainError> {
	let malformed = || ChainError::Decode("an erasure request's key".into());
	// Blake2_128Concat: 16 bytes of hash, then the key itself.
	key = key.get(16..).ok_or_else(malformed)?;
	let patient = AccountId32::decode(&mut key).map_err(|_| malformed())?;
	key = key.get(16..).ok_or_else(malformed)?;
	let target = pallet_records::ErasureTarget::decode(&mut key).map_err(|_| malformed())?;
	Ok((patient, target))
}

fn hash_of(value: &Value) -> Result<H256, ChainError> {
	let bytes = bytes_of(value, "a block hash")?;
	<[u8; 32]>::try_from(bytes.as_slice())
		.map(H256)
		.map_err(|_| ChainError::Decode("a block hash".into()))
}

fn bytes_of(value: &Value, what: &str) -> Result<Vec<u8>, ChainError> {
	value
		.as_str()
		.and_then(|hex| hex::decode(hex.trim_start_matches("0x")).ok())
		.ok_or_else(|| ChainError::Decode(what.into()))
}

fn decode_hex<R: Decode>(value: &Value, what: &str) -> Result<R, ChainError> {
	let bytes = bytes_of(value, what)?;
	R::decode(&mut bytes.as_slice()).map_err(|_| ChainError::Decode(what.into()))
}

/// JSON-RPC 2.0 over HTTP POST.
struct Rpc {
	client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
	uri: hyper::Uri,
	id: AtomicU64,
}

impl Rpc {
	fn new(url: &str) -> Result<Self, ChainError> {
		let uri = url.parse().map_err(|_| ChainError::Unavailable(format!("not a URL: {url}")))?;
		let client = Client::builder(TokioExecutor::new()).build_http();
		Ok(Self { client, uri, id: AtomicU64::new(1) })
	}

	async fn call(&self, method: &str, params: Value) -> Result<Value, ChainError> {
		let id = self.id.fetch_add(1, Ordering::Relaxed);
		let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
		let request = hyper::Request::post(&self.uri)
			.header("content-type", "application/json")
			.body(Full::new(Bytes::from(body.to_string())))
			.map_err(|error| ChainError::Unavailable(error.to_string()))?;
		let unavailable =
			|error: &dyn std::fmt::Display| ChainError::Unavailable(format!("{method}: {error}"));
		let response = self.client.request(request).await.map_err(|e| unavailable(&e))?;
		let body = response.into_body().collect().await.map_err(|e| unavailable(&e))?.to_bytes();
		let mut answer: Value = serde_json::from_slice(&body).map_err(|e| unavailable(&e))?;
		if let Some(error) = answer.get("error") {
			let message = error["message"].as_str().unwrap_or("error");
			let data = error.get("data").map(|data| format!(": {data}")).unwrap_or_default();
			return Err(ChainError::Refused(format!("{method}: {message}{data}")));
		}
		Ok(answer["result"].take())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use ehr_runtime::Runtime;

	#[test]
	fn module_errors_are_named_as_the_apps_name_them() {
		let error: sp_runtime::DispatchError =
			pallet_records::Error::<Runtime>::NotCoveredByConsent.into();
		assert_eq!(error_name(error), "records.NotCoveredByConsent");
		assert_eq!(error_name(sp_runtime::DispatchError::BadOrigin), "BadOrigin");
	}

	#[test]
	fn an_erasure_key_decodes_to_its_patient_and_target() {
		let patient = AccountId32::new([7; 32]);
		let target = pallet_records::ErasureTarget::Record(H256([9; 32]));
		let key = [
			hashing::blake2_128(&patient.encode()).to_vec(),
			patient.encode(),
			hashing::blake2_128(&target.encode()).to_vec(),
			target.encode(),
		]
		.concat();
		assert_eq!(erasure_of_key(&key), Ok((patient, target)));
		assert!(erasure_of_key(&key[..40]).is_err());
	}
}
