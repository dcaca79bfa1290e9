//! Old photos are saved here before anything overwrites or removes them.
//!
//! Layout: `<root>/<user key>/<time>_<attribute>.jpg` with a `.json` beside each file that
//! names the user (DN, objectGUID, sAMAccountName) so a backup can be found and restored
//! per user, even after the user was renamed or moved (the key is the objectGUID when known).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::User;
use super::error::{DirectoryError, Result};

#[derive(Debug, Clone)]
pub struct BackupStore {
    root: PathBuf,
}

/// What is known about one saved photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRecord {
    pub dn: String,
    #[serde(rename = "objectGUID")]
    pub object_guid: Option<String>,
    #[serde(rename = "sAMAccountName")]
    pub sam_account_name: Option<String>,
    pub attribute: String,
    /// RFC 3339 UTC time the backup was taken.
    pub taken_at: String,
    pub bytes: usize,
    pub sha256: String,
    /// The photo file, beside this record.
    pub file: PathBuf,
}

impl BackupStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `backups` in the app's data folder (see [`crate::settings::data_dir`]).
    pub fn default_location() -> Self {
        Self::new(crate::settings::data_dir().join("backups"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Saves `bytes` as the old value of `attribute` for `user`. The photo is written to a
    /// temporary name and renamed, so a crash never leaves a half backup that looks whole.
    pub fn save(&self, user: &User, attribute: &str, bytes: &[u8]) -> Result<BackupRecord> {
        let io = |e: std::io::Error| DirectoryError::Backup(e.to_string());
        let dir = self
            .root
            .join(user_key(&user.dn, user.object_guid.as_deref()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let now = time::OffsetDateTime::now_utc();
        let stamp = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            now.nanosecond()
        );
        let who = user
            .sam_account_name
            .as_deref()
            .map(safe_file_part)
            .unwrap_or_else(|| "user".into());
        let base = format!("{stamp}_{who}_{}", safe_file_part(attribute));
        let file = dir.join(format!("{base}.{}", extension_for(bytes)));
        let record = BackupRecord {
            dn: user.dn.clone(),
            object_guid: user.object_guid.clone(),
            sam_account_name: user.sam_account_name.clone(),
            attribute: attribute.to_string(),
            taken_at: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            bytes: bytes.len(),
            sha256: hex::encode(Sha256::digest(bytes)),
            file: file.clone(),
        };
        // The photo is synced to disk before the caller overwrites it in AD; the record beside it
        // only describes it (folder = user, name = time and attribute), so one sync is enough.
        write_atomically(&file, bytes, true).map_err(io)?;
        let meta = serde_json::to_vec_pretty(&record).map_err(|e| io(e.into()))?;
        write_atomically(&dir.join(format!("{base}.json")), &meta, false).map_err(io)?;
        Ok(record)
    }

    /// Every backup of this user (matched by objectGUID, else by DN), oldest first.
    pub fn list(&self, user: &User) -> Result<Vec<BackupRecord>> {
        let dir = self
            .root
            .join(user_key(&user.dn, user.object_guid.as_deref()));
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(DirectoryError::Backup(e.to_string())),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(data) = std::fs::read(&path)
                && let Ok(mut rec) = serde_json::from_slice::<BackupRecord>(&data)
            {
                // The folder may have moved with the data dir; trust the sibling file.
                if let Some(name) = rec.file.file_name() {
                    rec.file = dir.join(name);
                }
                out.push(rec);
            }
        }
        out.sort_by(|a, b| a.file.file_name().cmp(&b.file.file_name()));
        Ok(out)
    }

    /// The newest backup of `attribute` for this user, with its bytes (checked against the recorded hash).
    pub fn latest(&self, user: &User, attribute: &str) -> Result<Option<(BackupRecord, Vec<u8>)>> {
        let Some(rec) = self
            .list(user)?
            .into_iter()
            .rev()
            .find(|r| r.attribute.eq_ignore_ascii_case(attribute))
        else {
            return Ok(None);
        };
        let bytes = self.read(&rec)?;
        Ok(Some((rec, bytes)))
    }

    /// Reads a backup's photo, refusing one whose bytes no longer match the record.
    pub fn read(&self, rec: &BackupRecord) -> Result<Vec<u8>> {
        let bytes = std::fs::read(&rec.file).map_err(|e| {
            DirectoryError::Backup(format!("cannot read {}: {e}", rec.file.display()))
        })?;
        if hex::encode(Sha256::digest(&bytes)) != rec.sha256 {
            return Err(DirectoryError::Backup(format!(
                "{} was changed since it was saved",
                rec.file.display()
            )));
        }
        Ok(bytes)
    }
}

/// The folder name for a user: the objectGUID (stable across renames), else a hash of the DN.
pub fn user_key(dn: &str, object_guid: Option<&str>) -> String {
    match object_guid {
        Some(g) if !g.is_empty() => safe_file_part(g),
        _ => {
            let h = Sha256::digest(dn.to_lowercase().as_bytes());
            format!("dn-{}", &hex::encode(h)[..32])
        }
    }
}

fn safe_file_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn extension_for(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, ..] => "jpg",
        [0x89, b'P', b'N', b'G', ..] => "png",
        [b'G', b'I', b'F', ..] => "gif",
        _ => "bin",
    }
}

fn write_atomically(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("partial");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    if sync {
        f.sync_all()?;
    }
    drop(f);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(guid: Option<&str>) -> User {
        User {
            dn: "CN=Seán O'Brien,OU=Sales,DC=example,DC=test".into(),
            object_guid: guid.map(str::to_string),
            sam_account_name: Some("sobrien".into()),
            ..Default::default()
        }
    }

    #[test]
    fn save_list_latest_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = BackupStore::new(dir.path());
        let u = user(Some("0e2b5d3c-1111-2222-3333-444455556666"));
        let a = store.save(&u, "thumbnailPhoto", b"\xFF\xD8first").unwrap();
        let b = store.save(&u, "thumbnailPhoto", b"\xFF\xD8second").unwrap();
        store.save(&u, "jpegPhoto", b"\xFF\xD8other").unwrap();
        assert_ne!(a.file, b.file);
        assert_eq!(store.list(&u).unwrap().len(), 3);
        let (rec, bytes) = store.latest(&u, "thumbnailphoto").unwrap().unwrap();
        assert_eq!(bytes, b"\xFF\xD8second");
        assert_eq!(rec.bytes, 8);
        assert!(
            rec.file
                .to_string_lossy()
                .ends_with("_sobrien_thumbnailPhoto.jpg")
        );
    }

    #[test]
    fn tampered_backup_is_refused_and_unknown_user_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = BackupStore::new(dir.path());
        let u = user(None);
        let rec = store.save(&u, "thumbnailPhoto", b"\xFF\xD8x").unwrap();
        std::fs::write(&rec.file, b"changed").unwrap();
        assert!(store.latest(&u, "thumbnailPhoto").is_err());
        assert!(store.list(&user(Some("other"))).unwrap().is_empty());
    }
}
