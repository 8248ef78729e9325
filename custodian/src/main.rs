//! `ehr-custodian`: the service a member organisation runs next to its node to hold its
//! patients' records (docs/custodian.md).

use clap::{Parser, Subcommand};
use ehr_custodian::{
	auth::{self, Authenticator},
	chain::Chain,
	content::{content_hash, ContentKey},
	http,
	service::{Config, Custodian},
	signers,
	store::Store,
	time::now,
	vault::{read_private, MasterKey},
};
use sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, Pair,
};
use std::{path::PathBuf, process::ExitCode, sync::Arc};

#[derive(Parser)]
#[command(
	name = "ehr-custodian",
	version,
	about = "EHR Chain's custodian: a FHIR R4 service that keeps records encrypted, anchors them on chain and releases them only on an on-chain grant"
)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Makes a data directory: a new master key (DIR/master.key, owner-only) and DIR/keys/.
	Init {
		#[arg(long)]
		data: PathBuf,
	},
	/// Adds a signing key (a practitioner's or the organisation's), read as a secret URI
	/// (mnemonic, hex seed or //Dev) from stdin; prints its account.
	AddKey {
		#[arg(long)]
		data: PathBuf,
	},
	/// Prints the content hash of a resource (a FHIR JSON file) under a record's content key.
	ContentHash {
		/// The record's content key, 64 hex digits (a read's X-EHR-Content-Key).
		#[arg(long)]
		content_key: String,
		file: PathBuf,
	},
	/// Prints the headers that sign a request (auth.rs), one per line, for `curl -H @FILE`.
	Sign {
		/// A key file of DIR/keys (or any owner-only file holding a secret URI).
		#[arg(long)]
		key: PathBuf,
		#[arg(long)]
		method: String,
		/// The path and query, as sent (`/fhir/Observation?patient=...`).
		#[arg(long)]
		path: String,
		/// The file the body is sent from, if any.
		#[arg(long)]
		body: Option<PathBuf>,
		/// The access decision's seq, for a read.
		#[arg(long)]
		decision: Option<u64>,
	},
	/// Runs the service.
	Serve {
		#[arg(long)]
		data: PathBuf,
		/// The organisation it holds records for (SS58); its key must be in DIR/keys.
		#[arg(long)]
		organisation: String,
		#[arg(long, default_value = "127.0.0.1:8080")]
		listen: String,
		/// The node's JSON-RPC over HTTP.
		#[arg(long, default_value = "http://127.0.0.1:9944")]
		node: String,
		/// `postgres://user@host/db`, or a SQLite file (default DIR/custodian.db).
		#[arg(long)]
		database: Option<String>,
		/// How old an access decision may be to release a record.
		#[arg(long, default_value_t = 300)]
		decision_window_secs: u64,
		/// How far a request's timestamp may be from this clock.
		#[arg(long, default_value_t = 60)]
		clock_skew_secs: u64,
		/// The largest request body.
		#[arg(long, default_value_t = 1 << 20)]
		max_body: usize,
	},
}

#[tokio::main]
async fn main() -> ExitCode {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.with_writer(std::io::stderr)
		.init();
	match run(Cli::parse().command).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("ehr-custodian: {error}");
			ExitCode::FAILURE
		},
	}
}

async fn run(command: Command) -> Result<(), String> {
	match command {
		Command::Init { data } => {
			std::fs::create_dir_all(data.join("keys"))
				.map_err(|e| format!("{}: {e}", data.display()))?;
			let path = data.join("master.key");
			MasterKey::create(&path).map_err(|e| format!("{}: {e:?}", path.display()))?;
			println!("{}", path.display());
			Ok(())
		},
		Command::AddKey { data } => {
			let mut suri = String::new();
			std::io::stdin().read_line(&mut suri).map_err(|e| e.to_string())?;
			let account = signers::add(&data.join("keys"), suri.trim())?;
			println!("{}", account.to_ss58check());
			Ok(())
		},
		Command::ContentHash { content_key, file } => {
			let key: [u8; 32] = hex::decode(content_key.trim_start_matches("0x"))
				.ok()
				.and_then(|key| key.try_into().ok())
				.ok_or("--content-key is 64 hex digits")?;
			let text = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
			let resource =
				serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", file.display()))?;
			println!("0x{}", hex::encode(content_hash(&ContentKey(key), &resource)));
			Ok(())
		},
		Command::Sign { key, method, path, body, decision } => {
			let suri = read_private(&key).map_err(|e| format!("{}: {e:?}", key.display()))?;
			let signer = sr25519::Pair::from_string(suri.trim(), None)
				.map_err(|_| format!("{}: not a secret URI", key.display()))?;
			let body = match body {
				Some(file) => {
					std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?
				},
				None => Vec::new(),
			};
			for (name, value) in auth::sign(&signer, &method, &path, now(), decision, &body) {
				println!("{name}: {value}");
			}
			Ok(())
		},
		Command::Serve {
			data,
			organisation,
			listen,
			node,
			database,
			decision_window_secs,
			clock_skew_secs,
			max_body,
		} => {
			let organisation = AccountId32::from_ss58check(&organisation)
				.map_err(|_| "--organisation is an SS58 account")?;
			let master_path = data.join("master.key");
			let master = MasterKey::load(&master_path)
				.map_err(|e| format!("{}: {e:?}", master_path.display()))?;
			let signers = signers::load(&data.join("keys"))?;
			if !signers.contains_key(&organisation) {
				return Err(format!("no key of the organisation {organisation} in {}/keys: add it with `ehr-custodian add-key`", data.display()));
			}
			let database = database
				.unwrap_or_else(|| data.join("custodian.db").to_string_lossy().into_owned());
			let store = Store::open(&database).await.map_err(|e| e.to_string())?;
			let chain = Arc::new(Chain::connect(&node).await.map_err(|e| e.to_string())?);
			store.bind_chain(chain.genesis().0).await.map_err(|e| e.to_string())?;
			let listener = tokio::net::TcpListener::bind(&listen)
				.await
				.map_err(|e| format!("{listen}: {e}"))?;
			let address = listener.local_addr().map_err(|e| e.to_string())?;
			let custodian = Arc::new(Custodian {
				store,
				chain: chain.clone(),
				master,
				signers,
				auth: Authenticator::new(clock_skew_secs.saturating_mul(1000)),
				config: Config {
					organisation,
					decision_window: decision_window_secs.saturating_mul(1000),
				},
			});
			let (erasures, mut requested) = tokio::sync::mpsc::unbounded_channel();
			// Erasures asked while the service was down, then each one as it is finalised.
			let (finalized, _) = chain.finalized().await.map_err(|e| e.to_string())?;
			for request in chain.pending_erasures(finalized).await.map_err(|e| e.to_string())? {
				let _ = erasures.send(request);
			}
			tokio::spawn({
				let chain = chain.clone();
				async move { chain.follow(erasures).await }
			});
			tokio::spawn({
				let custodian = custodian.clone();
				async move {
					while let Some(request) = requested.recv().await {
						let custodian = custodian.clone();
						tokio::spawn(async move { custodian.erase(request).await });
					}
				}
			});
			println!("ehr-custodian listening on http://{address}/fhir");
			http::serve(listener, custodian, max_body).await;
			Ok(())
		},
	}
}
