//! Encryption at rest, by envelope: each record has its own keys, kept only wrapped by the
//! custodian's master key.
//!
//! - A record's **keys** ([`RecordKeys`]): a 256-bit data key, which encrypts every version of
//!   the record with AES-256-GCM, and the key of its content hashes ([`ContentKey`]). Both are
//!   random, made when the record is created.
//! - The **master key** ([`MasterKey`]) wraps them (AES-256-GCM again) for storage; it lives in
//!   a file of its own that only its owner may read, which the custodian refuses to start with
//!   otherwise. Whoever holds the database without the key file holds ciphertext.
//! - Every ciphertext is bound to its place: a version's to its record and version number, a
//!   record's wrapped keys to the record (as GCM's associated data), so that a row moved to
//!   another record or version does not decrypt.
//! - **Erasure** destroys the wrapped keys (crypto-shredding): every copy of the ciphertext is
//!   unreadable once no copy of its wrapped keys is left (a database backup holds them too,
//!   until it expires: docs/custodian.md), and the content key goes with them, so an anchored
//!   hash confirms nothing any more.
//!
//! Built on RustCrypto's `aes-gcm`; the nonces are random (96 bits), which is safe for the
//! number of encryptions one key makes here (a record's versions, the master key's wraps: far
//! below 2^32).

use crate::content::ContentKey;
use aes_gcm::{
	aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
	Aes256Gcm, Key, Nonce,
};
use std::{fs, io::Write, os::unix::fs::OpenOptionsExt, os::unix::fs::PermissionsExt, path::Path};

/// Domain separators of the associated data.
const WRAP: &[u8] = b"ehr-chain/record-keys/v1";
const VERSION: &[u8] = b"ehr-chain/record-version/v1";
const NONCE_LEN: usize = 12;

/// Why a key file cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyFileError {
	/// It cannot be read or written (the operating system's reason).
	Io(String),
	/// Others than its owner may read or write it (its mode): `chmod 600` it.
	TooOpen(u32),
	/// It does not hold a key: 64 hexadecimal digits.
	Malformed,
	/// A key file is there already: a new key never overwrites one.
	Exists,
}

/// Why a ciphertext does not open.
#[derive(Debug, PartialEq, Eq)]
pub enum VaultError {
	/// It was altered, moved to another record or version, or made under another key.
	Tampered,
}

/// The custodian's master key.
pub struct MasterKey(Key<Aes256Gcm>);

impl MasterKey {
	/// A new random key.
	pub fn generate() -> Self {
		Self(Aes256Gcm::generate_key(OsRng))
	}

	/// Make a new key and write it to `path`, readable by its owner only. Never overwrites.
	pub fn create(path: &Path) -> Result<Self, KeyFileError> {
		let key = Self::generate();
		write_private(path, &format!("{}\n", hex::encode(key.0)))?;
		Ok(key)
	}

	/// The key in the file at `path`, if only its owner may read and write it.
	pub fn load(path: &Path) -> Result<Self, KeyFileError> {
		let text = read_private(path)?;
		let key: [u8; 32] = hex::decode(text.trim())
			.ok()
			.and_then(|key| key.try_into().ok())
			.ok_or(KeyFileError::Malformed)?;
		Ok(Self(key.into()))
	}
}

/// Writes a new file at `path` that only its owner may read and write. Never overwrites.
pub fn write_private(path: &Path, contents: &str) -> Result<(), KeyFileError> {
	let mut file =
		fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(
			|e| match e.kind() {
				std::io::ErrorKind::AlreadyExists => KeyFileError::Exists,
				_ => KeyFileError::Io(e.to_string()),
			},
		)?;
	file.write_all(contents.as_bytes()).map_err(|e| KeyFileError::Io(e.to_string()))
}

/// The text of the file at `path`, if only its owner may read and write it.
pub fn read_private(path: &Path) -> Result<String, KeyFileError> {
	let metadata = fs::metadata(path).map_err(|e| KeyFileError::Io(e.to_string()))?;
	let mode = metadata.permissions().mode() & 0o777;
	if mode & 0o077 != 0 {
		return Err(KeyFileError::TooOpen(mode));
	}
	fs::read_to_string(path).map_err(|e| KeyFileError::Io(e.to_string()))
}

/// The keys of one record.
pub struct RecordKeys {
	data: Key<Aes256Gcm>,
	/// The key of the record's content hashes.
	pub content: ContentKey,
}

impl RecordKeys {
	/// New random keys for a new record.
	pub fn generate() -> Self {
		let content: [u8; 32] = Aes256Gcm::generate_key(OsRng).into();
		Self { data: Aes256Gcm::generate_key(OsRng), content: ContentKey(content) }
	}

	/// The keys wrapped by `master` for the record `record` (its on-chain id).
	pub fn wrap(&self, master: &MasterKey, record: &[u8; 32]) -> Vec<u8> {
		let mut keys = Vec::with_capacity(64);
		keys.extend_from_slice(&self.data);
		keys.extend_from_slice(&self.content.0);
		seal(&master.0, &[WRAP, record], &keys)
	}

	/// The keys `wrapped` by `master` for the record `record`.
	pub fn unwrap(
		master: &MasterKey,
		record: &[u8; 32],
		wrapped: &[u8],
	) -> Result<Self, VaultError> {
		let keys = open(&master.0, &[WRAP, record], wrapped)?;
		let (data, content) = keys.split_at_checked(32).ok_or(VaultError::Tampered)?;
		let content: [u8; 32] = content.try_into().map_err(|_| VaultError::Tampered)?;
		Ok(Self { data: *Key::<Aes256Gcm>::from_slice(data), content: ContentKey(content) })
	}

	/// `plaintext`, encrypted as version `version` of the record `record`.
	pub fn seal_version(&self, record: &[u8; 32], version: u32, plaintext: &[u8]) -> Vec<u8> {
		seal(&self.data, &[VERSION, record, &version.to_le_bytes()], plaintext)
	}

	/// Version `version` of the record `record`, decrypted.
	pub fn open_version(
		&self,
		record: &[u8; 32],
		version: u32,
		sealed: &[u8],
	) -> Result<Vec<u8>, VaultError> {
		open(&self.data, &[VERSION, record, &version.to_le_bytes()], sealed)
	}
}

/// `nonce ‖ AES-256-GCM(key, nonce, plaintext, associated data)`.
fn seal(key: &Key<Aes256Gcm>, associated: &[&[u8]], plaintext: &[u8]) -> Vec<u8> {
	let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
	let aad = associated.concat();
	let ciphertext = Aes256Gcm::new(key)
		.encrypt(&nonce, Payload { msg: plaintext, aad: &aad })
		.unwrap_or_else(|_| unreachable!("AES-GCM encrypts any message under 64 GiB"));
	[nonce.as_slice(), &ciphertext].concat()
}

/// The plaintext of what [`seal`] made with the same key and associated data.
fn open(key: &Key<Aes256Gcm>, associated: &[&[u8]], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
	let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN).ok_or(VaultError::Tampered)?;
	let aad = associated.concat();
	Aes256Gcm::new(key)
		.decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
		.map_err(|_| VaultError::Tampered)
}

#[cfg(test)]
mod tests {
	use super::*;

	const RECORD: [u8; 32] = [1; 32];
	const OTHER: [u8; 32] = [2; 32];

	#[test]
	fn a_version_opens_under_its_record_and_version_only() {
		let keys = RecordKeys::generate();
		let sealed = keys.seal_version(&RECORD, 1, b"{\"resourceType\":\"Condition\"}");
		assert_eq!(
			keys.open_version(&RECORD, 1, &sealed).unwrap(),
			b"{\"resourceType\":\"Condition\"}"
		);
		assert_eq!(keys.open_version(&RECORD, 2, &sealed), Err(VaultError::Tampered));
		assert_eq!(keys.open_version(&OTHER, 1, &sealed), Err(VaultError::Tampered));
		assert_eq!(
			RecordKeys::generate().open_version(&RECORD, 1, &sealed),
			Err(VaultError::Tampered)
		);
		// Every byte is covered: nonce, ciphertext and tag.
		for i in 0..sealed.len() {
			let mut altered = sealed.clone();
			altered[i] ^= 1;
			assert_eq!(
				keys.open_version(&RECORD, 1, &altered),
				Err(VaultError::Tampered),
				"byte {i}"
			);
		}
		assert_eq!(keys.open_version(&RECORD, 1, &sealed[..5]), Err(VaultError::Tampered));
	}

	#[test]
	fn the_same_plaintext_seals_differently_each_time() {
		let keys = RecordKeys::generate();
		assert_ne!(keys.seal_version(&RECORD, 1, b"same"), keys.seal_version(&RECORD, 1, b"same"));
	}

	#[test]
	fn record_keys_unwrap_with_the_master_key_for_their_record_only() {
		let master = MasterKey::generate();
		let keys = RecordKeys::generate();
		let wrapped = keys.wrap(&master, &RECORD);
		let unwrapped = RecordKeys::unwrap(&master, &RECORD, &wrapped).unwrap();
		assert!(unwrapped.content == keys.content);
		let sealed = keys.seal_version(&RECORD, 1, b"x");
		assert_eq!(unwrapped.open_version(&RECORD, 1, &sealed).unwrap(), b"x");
		assert!(RecordKeys::unwrap(&master, &OTHER, &wrapped).is_err());
		assert!(RecordKeys::unwrap(&MasterKey::generate(), &RECORD, &wrapped).is_err());
	}

	#[test]
	fn a_key_file_is_made_private_never_overwritten_and_refused_when_open() {
		let dir = std::env::temp_dir().join(format!("ehr-custodian-vault-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		fs::create_dir_all(&dir).unwrap();
		let path = dir.join("master.key");
		let made = MasterKey::create(&path).unwrap();
		assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		let loaded = MasterKey::load(&path).unwrap();
		let wrapped = RecordKeys::generate().wrap(&made, &RECORD);
		assert!(RecordKeys::unwrap(&loaded, &RECORD, &wrapped).is_ok());
		assert_eq!(MasterKey::create(&path).err(), Some(KeyFileError::Exists));

		fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
		assert_eq!(MasterKey::load(&path).err(), Some(KeyFileError::TooOpen(0o640)));
		fs::write(dir.join("short.key"), "abcd\n").unwrap();
		fs::set_permissions(dir.join("short.key"), fs::Permissions::from_mode(0o600)).unwrap();
		assert_eq!(MasterKey::load(&dir.join("short.key")).err(), Some(KeyFileError::Malformed));
		fs::write(dir.join("bad.key"), "zz".repeat(32)).unwrap();
		fs::set_permissions(dir.join("bad.key"), fs::Permissions::from_mode(0o600)).unwrap();
		assert_eq!(MasterKey::load(&dir.join("bad.key")).err(), Some(KeyFileError::Malformed));
		assert!(matches!(MasterKey::load(&dir.join("absent.key")), Err(KeyFileError::Io(_))));
		fs::remove_dir_all(&dir).unwrap();
	}
}
