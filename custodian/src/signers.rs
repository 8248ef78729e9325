//! The keys the custodian signs with: its organisation's (erasure confirmations) and its
//! practitioners' (anchors of the records they write). One file per key in the data
//! directory's `keys/`, named by the account (SS58), holding the key's secret URI (a mnemonic,
//! a hex seed, or `//Name` on a dev chain), readable by its owner only.

use crate::vault::{read_private, write_private};
use sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, Pair,
};
use std::{collections::HashMap, path::Path};

/// Writes the key of `suri` into `dir`; its account.
pub fn add(dir: &Path, suri: &str) -> Result<AccountId32, String> {
	let pair =
		sr25519::Pair::from_string(suri, None).map_err(|_| "not a secret URI".to_string())?;
	let account = AccountId32::from(pair.public());
	std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
	let path = dir.join(account.to_ss58check());
	write_private(&path, &format!("{suri}\n")).map_err(|e| format!("{}: {e:?}", path.display()))?;
	Ok(account)
}

/// Every key in `dir`, by account.
pub fn load(dir: &Path) -> Result<HashMap<AccountId32, sr25519::Pair>, String> {
	let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
	let mut signers = HashMap::new();
	for entry in entries {
		let path = entry.map_err(|e| e.to_string())?.path();
		let suri = read_private(&path).map_err(|e| format!("{}: {e:?}", path.display()))?;
		let pair = sr25519::Pair::from_string(suri.trim(), None)
			.map_err(|_| format!("{}: not a secret URI", path.display()))?;
		let account = AccountId32::from(pair.public());
		// A file named for one account holding another's key is a mistake worth stopping for.
		if path.file_name().and_then(|name| name.to_str()) != Some(&account.to_ss58check()) {
			return Err(format!("{} holds the key of {account}", path.display()));
		}
		signers.insert(account, pair);
	}
	Ok(signers)
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::os::unix::fs::PermissionsExt;

	#[test]
	fn keys_are_kept_private_and_named_by_their_account() {
		let dir =
			std::env::temp_dir().join(format!("ehr-custodian-signers-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let dave = add(&dir, "//Dave").unwrap();
		assert_eq!(dave.to_ss58check(), "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy");
		assert!(add(&dir, "//Dave").is_err(), "never overwrites");
		assert!(add(&dir, "not a key at all").is_err());
		assert_eq!(load(&dir).unwrap().keys().collect::<Vec<_>>(), vec![&dave]);

		let file = dir.join(dave.to_ss58check());
		std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
		assert!(load(&dir).err().is_some_and(|error| error.contains("TooOpen")));
		std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
		std::fs::rename(&file, dir.join("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"))
			.unwrap();
		assert!(load(&dir).err().is_some_and(|error| error.contains("holds the key of")));
		std::fs::remove_dir_all(&dir).unwrap();
	}
}
