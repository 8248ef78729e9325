//! Where the custodian keeps its records: embedded SQLite by default (one file, nothing to
//! install), PostgreSQL when a hospital outgrows it. Both hold the same tables through the same
//! SQL, and hold only ciphertext and what the service needs to find it:
//!
//! | table | row |
//! |---|---|
//! | `records` | a record: its on-chain id, resource type, patient, category, its keys wrapped by the master key (gone once erased) and when it was erased |
//! | `versions` | a version: its ciphertext, when it was stored, whether its anchor is final on chain |
//! | `releases` | an access decision (its `seq`) that released data, to whom and when: a decision releases once |
//! | `salts` | a patient's salt with this custodian's organisation, which blinds its sensitive categories on chain |
//! | `chain` | the genesis hash of the chain the records are anchored on: a database serves one chain |
//!
//! A version is written before its anchor is submitted and is served only once the anchor is
//! final; a version whose anchor fails is deleted.

use std::sync::{
	atomic::{AtomicUsize, Ordering},
	Arc, Mutex,
};

/// A record's on-chain id.
pub type RecordId = [u8; 32];

/// A record as stored.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordRow {
	pub id: RecordId,
	/// The FHIR resource type's name.
	pub resource_type: String,
	/// The patient's account, SS58.
	pub patient: String,
	/// The record category's SCALE index.
	pub category: u8,
	/// The record's keys wrapped by the master key; `None` once erased.
	pub wrapped_keys: Option<Vec<u8>>,
	/// When it was erased (unix milliseconds).
	pub erased_at: Option<i64>,
}

/// A version as stored.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VersionRow {
	pub version: u32,
	pub ciphertext: Vec<u8>,
	/// When it was stored (unix milliseconds).
	pub created_at: i64,
}

/// Why the store failed.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "database: {}", self.0)
	}
}

impl From<rusqlite::Error> for StoreError {
	fn from(error: rusqlite::Error) -> Self {
		Self(error.to_string())
	}
}

impl From<tokio_postgres::Error> for StoreError {
	fn from(error: tokio_postgres::Error) -> Self {
		Self(error.to_string())
	}
}

/// The schema, as PostgreSQL spells it (SQLite reads `BYTEA` as `BLOB`).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
	id BYTEA PRIMARY KEY,
	resource_type TEXT NOT NULL,
	patient TEXT NOT NULL,
	category INTEGER NOT NULL,
	wrapped_keys BYTEA,
	erased_at BIGINT
);
CREATE INDEX IF NOT EXISTS records_by_patient ON records (patient, resource_type);
CREATE TABLE IF NOT EXISTS versions (
	record BYTEA NOT NULL REFERENCES records (id),
	version INTEGER NOT NULL,
	ciphertext BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	anchored BOOLEAN NOT NULL,
	PRIMARY KEY (record, version)
);
CREATE TABLE IF NOT EXISTS releases (
	seq BIGINT PRIMARY KEY,
	practitioner TEXT NOT NULL,
	released_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS salts (
	patient TEXT PRIMARY KEY,
	salt BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS chain (
	genesis BYTEA PRIMARY KEY
);
";

/// The queries, in PostgreSQL's placeholders (`$1`); SQLite reads them as `?1` ([`lite`]).
mod sql {
	pub const INSERT_RECORD: &str = "INSERT INTO records (id, resource_type, patient, category, wrapped_keys) VALUES ($1, $2, $3, $4, $5)";
	pub const INSERT_VERSION: &str = "INSERT INTO versions (record, version, ciphertext, created_at, anchored) VALUES ($1, $2, $3, $4, FALSE)";
	pub const SET_ANCHORED: &str =
		"UPDATE versions SET anchored = TRUE WHERE record = $1 AND version = $2";
	pub const DELETE_VERSION: &str = "DELETE FROM versions WHERE record = $1 AND version = $2";
	pub const DELETE_UNVERSIONED: &str =
		"DELETE FROM records WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM versions WHERE record = $1)";
	pub const RECORD: &str = "SELECT id, resource_type, patient, category, wrapped_keys, erased_at FROM records WHERE id = $1";
	pub const LATEST: &str = "SELECT version, ciphertext, created_at FROM versions WHERE record = $1 AND anchored ORDER BY version DESC LIMIT 1";
	pub const VERSION: &str = "SELECT version, ciphertext, created_at FROM versions WHERE record = $1 AND version = $2 AND anchored";
	pub const NEXT_VERSION: &str =
		"SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE record = $1";
	pub const RECORDS_OF: &str = "SELECT id, resource_type, patient, category, wrapped_keys, erased_at FROM records WHERE patient = $1 ORDER BY id";
	pub const SHRED: &str =
		"UPDATE records SET wrapped_keys = NULL, erased_at = COALESCE(erased_at, $2) WHERE id = $1";
	pub const CLAIM: &str = "INSERT INTO releases (seq, practitioner, released_at) VALUES ($1, $2, $3) ON CONFLICT (seq) DO NOTHING";
	pub const SALT: &str = "SELECT salt FROM salts WHERE patient = $1";
	pub const BIND: &str = "INSERT INTO chain (genesis) VALUES ($1) ON CONFLICT DO NOTHING";
	pub const GENESIS: &str = "SELECT genesis FROM chain";
	pub const SET_SALT: &str = "INSERT INTO salts (patient, salt) VALUES ($1, $2) ON CONFLICT (patient) DO UPDATE SET salt = excluded.salt";
}

/// A query in SQLite's numbered placeholders: `?1` binds the first parameter wherever it
/// stands (SQLite numbers `$1` by order of appearance instead).
fn lite(statement: &str) -> String {
	statement.replace('$', "?")
}

/// The custodian's database.
#[derive(Clone)]
pub enum Store {
	Sqlite(Arc<Mutex<rusqlite::Connection>>),
	Postgres(Arc<PostgresPool>),
}

/// A few PostgreSQL connections, taken in turn.
pub struct PostgresPool {
	clients: Vec<tokio::sync::Mutex<tokio_postgres::Client>>,
	next: AtomicUsize,
}

impl PostgresPool {
	async fn client(&self) -> tokio::sync::MutexGuard<'_, tokio_postgres::Client> {
		let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
		self.clients[turn].lock().await
	}
}

/// `version` as the databases' INTEGER.
fn int(version: u32) -> Result<i32, StoreError> {
	i32::try_from(version).map_err(|_| StoreError(format!("version {version} out of range")))
}

fn record_of_sqlite(row: &rusqlite::Row) -> rusqlite::Result<RecordRow> {
	Ok(RecordRow {
		id: row.get(0)?,
		resource_type: row.get(1)?,
		patient: row.get(2)?,
		category: row.get(3)?,
		wrapped_keys: row.get(4)?,
		erased_at: row.get(5)?,
	})
}

fn record_of_postgres(row: &tokio_postgres::Row) -> Result<RecordRow, StoreError> {
	let id: Vec<u8> = row.try_get(0)?;
	let category: i32 = row.try_get(3)?;
	Ok(RecordRow {
		id: id.try_into().map_err(|_| StoreError("a record id is not 32 bytes".into()))?,
		resource_type: row.try_get(1)?,
		patient: row.try_get(2)?,
		category: u8::try_from(category).map_err(|_| StoreError("category out of range".into()))?,
		wrapped_keys: row.try_get(4)?,
		erased_at: row.try_get(5)?,
	})
}

fn version_of_sqlite(row: &rusqlite::Row) -> rusqlite::Result<VersionRow> {
	Ok(VersionRow { version: row.get(0)?, ciphertext: row.get(1)?, created_at: row.get(2)? })
}

fn version_of_postgres(row: &tokio_postgres::Row) -> Result<VersionRow, StoreError> {
	let version: i32 = row.try_get(0)?;
	Ok(VersionRow {
		version: u32::try_from(version).map_err(|_| StoreError("version out of range".into()))?,
		ciphertext: row.try_get(1)?,
		created_at: row.try_get(2)?,
	})
}

impl Store {
	/// The store at `url`: `postgres://...` (or `postgresql://`), else a SQLite file path
	/// (`sqlite:` prefix optional), created with its tables if new.
	pub async fn open(url: &str) -> Result<Self, StoreError> {
		if url.starts_with("postgres://") || url.starts_with("postgresql://") {
			Self::open_postgres(url, 4).await
		} else {
			Self::open_sqlite(url.strip_prefix("sqlite:").unwrap_or(url))
		}
	}

	fn open_sqlite(path: &str) -> Result<Self, StoreError> {
		let connection = rusqlite::Connection::open(path)?;
		// WAL: readers do not wait for the writer; NORMAL: durable at each checkpoint, and a
		// crash loses at most the last transactions, never consistency.
		connection.execute_batch(
			"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
		)?;
		connection.execute_batch(&SCHEMA.replace("BYTEA", "BLOB"))?;
		Ok(Self::Sqlite(Arc::new(Mutex::new(connection))))
	}

	async fn open_postgres(url: &str, connections: usize) -> Result<Self, StoreError> {
		let mut clients = Vec::with_capacity(connections);
		for _ in 0..connections {
			let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
			tokio::spawn(async move {
				if let Err(error) = connection.await {
					tracing::error!("PostgreSQL connection lost: {error}");
				}
			});
			clients.push(tokio::sync::Mutex::new(client));
		}
		let pool = PostgresPool { clients, next: AtomicUsize::new(0) };
		// Two services starting on one database: the schema is created once.
		let mut client = pool.client().await;
		let transaction = client.transaction().await?;
		transaction.execute("SELECT pg_advisory_xact_lock(7406001)", &[]).await?;
		transaction.batch_execute(SCHEMA).await?;
		transaction.commit().await?;
		drop(client);
		Ok(Self::Postgres(Arc::new(pool)))
	}

	/// Runs `work` on the SQLite connection off the async threads.
	async fn sqlite<T: Send + 'static>(
		connection: &Arc<Mutex<rusqlite::Connection>>,
		work: impl FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
	) -> Result<T, StoreError> {
		let connection = connection.clone();
		tokio::task::spawn_blocking(move || {
			let mut connection =
				connection.lock().map_err(|_| StoreError("connection poisoned".into()))?;
			work(&mut connection)
		})
		.await
		.map_err(|error| StoreError(error.to_string()))?
	}

	/// Stores a new record with its first version, not yet anchored.
	pub async fn insert_record(
		&self,
		record: RecordRow,
		first: VersionRow,
	) -> Result<(), StoreError> {
		let version = int(first.version)?;
		match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					let transaction = connection.transaction()?;
					transaction.execute(
						&lite(sql::INSERT_RECORD),
						rusqlite::params![
							record.id,
							record.resource_type,
							record.patient,
							record.category,
							record.wrapped_keys
						],
					)?;
					transaction.execute(
						&lite(sql::INSERT_VERSION),
						rusqlite::params![record.id, version, first.ciphertext, first.created_at],
					)?;
					Ok(transaction.commit()?)
				})
				.await
			},
			Self::Postgres(pool) => {
				let mut client = pool.client().await;
				let transaction = client.transaction().await?;
				transaction
					.execute(
						sql::INSERT_RECORD,
						&[
							&record.id.as_slice(),
							&record.resource_type,
							&record.patient,
							&i32::from(record.category),
							&record.wrapped_keys,
						],
					)
					.await?;
				transaction
					.execute(
						sql::INSERT_VERSION,
						&[&record.id.as_slice(), &version, &first.ciphertext, &first.created_at],
					)
					.await?;
				Ok(transaction.commit().await?)
			},
		}
	}

	/// Stores a new version of `record`, not yet anchored; the version number is the next
	/// free one, and a concurrent writer of the same number fails.
	pub async fn insert_version(
		&self,
		record: RecordId,
		version: VersionRow,
	) -> Result<(), StoreError> {
		let number = int(version.version)?;
		self.execute(
			sql::INSERT_VERSION,
			Params::Version(record, number, version.ciphertext, version.created_at),
		)
		.await
		.map(drop)
	}

	/// The number the next version of `record` takes.
	pub async fn next_version(&self, record: RecordId) -> Result<u32, StoreError> {
		let next: i64 = match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					Ok(connection
						.query_row(&lite(sql::NEXT_VERSION), [record], |row| row.get(0))?)
				})
				.await?
			},
			Self::Postgres(pool) => {
				let row =
					pool.client().await.query_one(sql::NEXT_VERSION, &[&record.as_slice()]).await?;
				i64::from(row.try_get::<_, i32>(0)?)
			},
		};
		u32::try_from(next).map_err(|_| StoreError("version out of range".into()))
	}

	/// Marks a version as anchored: final on chain, and served from now on.
	pub async fn set_anchored(&self, record: RecordId, version: u32) -> Result<(), StoreError> {
		self.execute(sql::SET_ANCHORED, Params::RecordVersion(record, int(version)?))
			.await
			.map(drop)
	}

	/// Deletes a version whose anchor failed, and the record if it has no version left.
	pub async fn discard_version(&self, record: RecordId, version: u32) -> Result<(), StoreError> {
		self.execute(sql::DELETE_VERSION, Params::RecordVersion(record, int(version)?)).await?;
		self.execute(sql::DELETE_UNVERSIONED, Params::Record(record)).await.map(drop)
	}

	/// The record `id`.
	pub async fn record(&self, id: RecordId) -> Result<Option<RecordRow>, StoreError> {
		match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					let mut statement = connection.prepare_cached(&lite(sql::RECORD))?;
					let mut rows = statement.query_map([id], record_of_sqlite)?;
					Ok(rows.next().transpose()?)
				})
				.await
			},
			Self::Postgres(pool) => pool
				.client()
				.await
				.query_opt(sql::RECORD, &[&id.as_slice()])
				.await?
				.as_ref()
				.map(record_of_postgres)
				.transpose(),
		}
	}

	/// Version `version` of the record `id` (its latest if `None`), if anchored.
	pub async fn version(
		&self,
		id: RecordId,
		version: Option<u32>,
	) -> Result<Option<VersionRow>, StoreError> {
		let number = version.map(int).transpose()?;
		match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					let row = match number {
						Some(number) => connection
							.prepare_cached(&lite(sql::VERSION))?
							.query_map(rusqlite::params![id, number], version_of_sqlite)?
							.next(),
						None => connection
							.prepare_cached(&lite(sql::LATEST))?
							.query_map([id], version_of_sqlite)?
							.next(),
					};
					Ok(row.transpose()?)
				})
				.await
			},
			Self::Postgres(pool) => {
				let client = pool.client().await;
				let row = match number {
					Some(number) => {
						client.query_opt(sql::VERSION, &[&id.as_slice(), &number]).await?
					},
					None => client.query_opt(sql::LATEST, &[&id.as_slice()]).await?,
				};
				row.as_ref().map(version_of_postgres).transpose()
			},
		}
	}

	/// Every record of `patient`, by id.
	pub async fn records_of(&self, patient: &str) -> Result<Vec<RecordRow>, StoreError> {
		let patient = patient.to_owned();
		match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					let mut statement = connection.prepare_cached(&lite(sql::RECORDS_OF))?;
					let rows = statement.query_map([patient], record_of_sqlite)?;
					Ok(rows.collect::<Result<_, _>>()?)
				})
				.await
			},
			Self::Postgres(pool) => pool
				.client()
				.await
				.query(sql::RECORDS_OF, &[&patient])
				.await?
				.iter()
				.map(record_of_postgres)
				.collect(),
		}
	}

	/// Destroys the record's wrapped keys (crypto-shredding), noting when; true if it existed.
	pub async fn shred(&self, id: RecordId, now: i64) -> Result<bool, StoreError> {
		Ok(self.execute(sql::SHRED, Params::RecordTime(id, now)).await? > 0)
	}

	/// Claims the access decision `seq` for one release to `practitioner`: false if it
	/// released data already.
	pub async fn claim_decision(
		&self,
		seq: u64,
		practitioner: &str,
		now: i64,
	) -> Result<bool, StoreError> {
		let seq = i64::try_from(seq).map_err(|_| StoreError("seq out of range".into()))?;
		Ok(self.execute(sql::CLAIM, Params::Claim(seq, practitioner.to_owned(), now)).await? == 1)
	}

	/// The salt `patient` gave this custodian's organisation.
	pub async fn salt(&self, patient: &str) -> Result<Option<[u8; 32]>, StoreError> {
		let patient = patient.to_owned();
		let salt: Option<Vec<u8>> = match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					let mut statement = connection.prepare_cached(&lite(sql::SALT))?;
					let mut rows = statement.query_map([patient], |row| row.get(0))?;
					Ok(rows.next().transpose()?)
				})
				.await?
			},
			Self::Postgres(pool) => pool
				.client()
				.await
				.query_opt(sql::SALT, &[&patient])
				.await?
				.map(|row| row.try_get(0))
				.transpose()?,
		};
		salt.map(|salt| salt.try_into().map_err(|_| StoreError("a salt is not 32 bytes".into())))
			.transpose()
	}

	/// Keeps the salt `patient` gave this custodian's organisation.
	pub async fn set_salt(&self, patient: &str, salt: [u8; 32]) -> Result<(), StoreError> {
		self.execute(sql::SET_SALT, Params::Salt(patient.to_owned(), salt)).await.map(drop)
	}

	/// Binds the database to the chain of `genesis` on first use; refuses another chain's
	/// (its anchors, decisions and erasures are not this chain's).
	pub async fn bind_chain(&self, genesis: [u8; 32]) -> Result<(), StoreError> {
		self.execute(sql::BIND, Params::Genesis(genesis)).await?;
		let bound: Vec<u8> = match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, |connection| {
					Ok(connection.query_row(sql::GENESIS, [], |row| row.get(0))?)
				})
				.await?
			},
			Self::Postgres(pool) => {
				pool.client().await.query_one(sql::GENESIS, &[]).await?.try_get(0)?
			},
		};
		if bound != genesis {
			return Err(StoreError(format!(
				"this database holds the records of chain 0x{}, not of this node's chain 0x{}",
				hex::encode(bound),
				hex::encode(genesis)
			)));
		}
		Ok(())
	}

	/// Runs one statement; the number of rows it changed.
	async fn execute(&self, statement: &'static str, params: Params) -> Result<u64, StoreError> {
		match self {
			Self::Sqlite(connection) => {
				Self::sqlite(connection, move |connection| {
					let mut prepared = connection.prepare_cached(&lite(statement))?;
					let changed = match params {
						Params::Record(id) => prepared.execute([id])?,
						Params::RecordVersion(id, version) => {
							prepared.execute(rusqlite::params![id, version])?
						},
						Params::RecordTime(id, time) => {
							prepared.execute(rusqlite::params![id, time])?
						},
						Params::Version(id, version, ciphertext, at) => {
							prepared.execute(rusqlite::params![id, version, ciphertext, at])?
						},
						Params::Claim(seq, practitioner, at) => {
							prepared.execute(rusqlite::params![seq, practitioner, at])?
						},
						Params::Salt(patient, salt) => {
							prepared.execute(rusqlite::params![patient, salt])?
						},
						Params::Genesis(genesis) => prepared.execute([genesis])?,
					};
					Ok(changed as u64)
				})
				.await
			},
			Self::Postgres(pool) => {
				let client = pool.client().await;
				Ok(match params {
					Params::Record(id) => client.execute(statement, &[&id.as_slice()]).await?,
					Params::RecordVersion(id, version) => {
						client.execute(statement, &[&id.as_slice(), &version]).await?
					},
					Params::RecordTime(id, time) => {
						client.execute(statement, &[&id.as_slice(), &time]).await?
					},
					Params::Version(id, version, ciphertext, at) => {
						client
							.execute(statement, &[&id.as_slice(), &version, &ciphertext, &at])
							.await?
					},
					Params::Claim(seq, practitioner, at) => {
						client.execute(statement, &[&seq, &practitioner, &at]).await?
					},
					Params::Salt(patient, salt) => {
						client.execute(statement, &[&patient, &salt.as_slice()]).await?
					},
					Params::Genesis(genesis) => {
						client.execute(statement, &[&genesis.as_slice()]).await?
					},
				})
			},
		}
	}
}

/// The parameters of the statements [`Store::execute`] runs.
enum Params {
	Record(RecordId),
	RecordVersion(RecordId, i32),
	RecordTime(RecordId, i64),
	Version(RecordId, i32, Vec<u8>, i64),
	Claim(i64, String, i64),
	Salt(String, [u8; 32]),
	Genesis([u8; 32]),
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The stores the tests run against: SQLite in a temporary file, and PostgreSQL too when
	/// `EHR_TEST_POSTGRES` names a database (`scripts/test.sh` starts one).
	async fn stores() -> Vec<(Store, Option<tempdir::TempDir>)> {
		let dir = tempdir::TempDir::new();
		let mut stores = vec![(
			Store::open(&dir.path().join("custodian.db").to_string_lossy()).await.unwrap(),
			Some(dir),
		)];
		if let Ok(url) = std::env::var("EHR_TEST_POSTGRES") {
			let store = Store::open(&url).await.unwrap();
			stores.push((store, None));
		}
		stores
	}

	mod tempdir {
		/// A directory removed when dropped.
		pub struct TempDir(std::path::PathBuf);
		impl TempDir {
			pub fn new() -> Self {
				let path = std::env::temp_dir().join(format!(
					"ehr-custodian-store-{}-{}",
					std::process::id(),
					hex::encode(&super::random_id()[..8])
				));
				std::fs::create_dir_all(&path).unwrap();
				Self(path)
			}
			pub fn path(&self) -> &std::path::Path {
				&self.0
			}
		}
		impl Drop for TempDir {
			fn drop(&mut self) {
				let _ = std::fs::remove_dir_all(&self.0);
			}
		}
	}

	pub(super) fn random_id() -> RecordId {
		use aes_gcm::aead::{rand_core::RngCore, OsRng};
		let mut id = [0u8; 32];
		OsRng.fill_bytes(&mut id);
		id
	}

	fn record(patient: &str) -> RecordRow {
		RecordRow {
			id: random_id(),
			resource_type: "Observation".into(),
			patient: patient.into(),
			category: 5,
			wrapped_keys: Some(vec![1, 2, 3]),
			erased_at: None,
		}
	}

	fn version(version: u32) -> VersionRow {
		VersionRow {
			version,
			ciphertext: vec![version as u8; 40],
			created_at: 1_000 + i64::from(version),
		}
	}

	#[tokio::test]
	async fn a_version_is_served_once_anchored_and_a_failed_one_leaves_nothing() {
		for (store, _dir) in stores().await {
			let patient = format!("patient-{}", random_id()[0]);
			let row = record(&patient);
			store.insert_record(row.clone(), version(1)).await.unwrap();
			assert_eq!(store.record(row.id).await.unwrap(), Some(row.clone()));
			assert_eq!(store.version(row.id, None).await.unwrap(), None, "not anchored yet");
			store.set_anchored(row.id, 1).await.unwrap();
			assert_eq!(store.version(row.id, None).await.unwrap(), Some(version(1)));

			assert_eq!(store.next_version(row.id).await.unwrap(), 2);
			store.insert_version(row.id, version(2)).await.unwrap();
			assert!(
				store.insert_version(row.id, version(2)).await.is_err(),
				"one writer per number"
			);
			assert_eq!(store.version(row.id, None).await.unwrap(), Some(version(1)));
			store.set_anchored(row.id, 2).await.unwrap();
			assert_eq!(store.version(row.id, None).await.unwrap(), Some(version(2)));
			assert_eq!(store.version(row.id, Some(1)).await.unwrap(), Some(version(1)));
			assert_eq!(store.version(row.id, Some(3)).await.unwrap(), None);

			// A first version whose anchor fails takes its record with it.
			let failed = record(&patient);
			store.insert_record(failed.clone(), version(1)).await.unwrap();
			store.discard_version(failed.id, 1).await.unwrap();
			assert_eq!(store.record(failed.id).await.unwrap(), None);
			assert_eq!(store.records_of(&patient).await.unwrap(), vec![row]);
		}
	}

	#[tokio::test]
	async fn shredding_destroys_the_keys_and_a_decision_releases_once() {
		for (store, _dir) in stores().await {
			let row = record("someone");
			store.insert_record(row.clone(), version(1)).await.unwrap();
			assert!(store.shred(row.id, 5_000).await.unwrap());
			assert!(store.shred(row.id, 6_000).await.unwrap());
			let erased = store.record(row.id).await.unwrap().unwrap();
			assert_eq!((erased.wrapped_keys, erased.erased_at), (None, Some(5_000)));
			assert!(!store.shred(random_id(), 5_000).await.unwrap());

			let seq = u64::from_le_bytes(random_id()[..8].try_into().unwrap()) >> 2;
			assert!(store.claim_decision(seq, "dave", 1).await.unwrap());
			assert!(!store.claim_decision(seq, "dave", 2).await.unwrap());
			assert!(!store.claim_decision(seq, "eve", 2).await.unwrap());
		}
	}

	#[tokio::test]
	async fn a_database_serves_the_chain_it_was_first_used_with() {
		let dir = tempdir::TempDir::new();
		let path = dir.path().join("custodian.db").to_string_lossy().into_owned();
		let store = Store::open(&path).await.unwrap();
		store.bind_chain([1; 32]).await.unwrap();
		store.bind_chain([1; 32]).await.unwrap();
		drop(store);
		let reopened = Store::open(&path).await.unwrap();
		let refused = reopened.bind_chain([2; 32]).await.unwrap_err();
		assert!(refused.0.contains("holds the records of chain 0x0101"), "{refused}");
		if let Ok(url) = std::env::var("EHR_TEST_POSTGRES") {
			// The shared test database: whichever chain bound it first, another is refused.
			let store = Store::open(&url).await.unwrap();
			store.bind_chain([7; 32]).await.ok();
			let bound = Store::open(&url).await.unwrap();
			let (first, second) =
				(bound.bind_chain([7; 32]).await, bound.bind_chain([8; 32]).await);
			assert!(
				first.is_ok() != second.is_ok(),
				"exactly one of two chains is this database's"
			);
		}
	}

	#[tokio::test]
	async fn salts_are_kept_and_replaced() {
		for (store, _dir) in stores().await {
			let patient = format!("p-{}", random_id()[0]);
			assert_eq!(store.salt(&patient).await.unwrap(), None);
			store.set_salt(&patient, [1; 32]).await.unwrap();
			store.set_salt(&patient, [2; 32]).await.unwrap();
			assert_eq!(store.salt(&patient).await.unwrap(), Some([2; 32]));
		}
	}
}
