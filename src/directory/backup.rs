//! Every change adphoto makes to a user's photo records the value before it here, first: the
//! old photo, or the fact that the user had none. That is the user's photo history: "Restore
//! previous" puts back the state just before adphoto's last change, whatever made it (import,
//! single set, remove, undo, restore).
//!
//! Layout: `<root>/<user key>/<time>_<who>_<attribute>.json`, one record per change, naming the
//! user (DN, objectGUID, sAMAccountName) and what made the change, with the old photo beside it
//! (`.jpg`) when there was one. The key is the objectGUID when known, so a history survives a
//! rename or move.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::User;
use super::error::{DirectoryError, Result};
use crate::data_folder::DataFolder;

/// The users' photo histories in a folder: one folder per user (objectGUID), a record per change.
#[derive(Debug, Clone)]
pub struct BackupStore {
    root: PathBuf,
}

/// What is known about one saved photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRecord {
    /// The user's DN when the backup was taken.
    pub dn: String,
    /// The user's objectGUID: finds them again after a rename or move.
    #[serde(rename = "objectGUID")]
    pub object_guid: Option<String>,
    /// Their logon name, for a person reading the folder.
    #[serde(rename = "sAMAccountName")]
    pub sam_account_name: Option<String>,
    /// The photo attribute saved (thumbnailPhoto, jpegPhoto).
    pub attribute: String,
    /// RFC 3339 UTC time the backup was taken.
    pub taken_at: String,
    /// What was about to change the photo: "import 20261201-…", "set", "remove", "undo …",
    /// "restore". Empty in records made before the history existed.
    #[serde(default)]
    pub action: String,
    /// Size of the old photo; 0 when the user had none.
    pub bytes: usize,
    /// sha256 of the old photo; empty when the user had none.
    pub sha256: String,
    /// The old photo, beside this record; `None`: the user had no photo before this change.
    pub file: Option<PathBuf>,
    /// Where this record is stored (not part of it).
    #[serde(skip)]
    pub record_file: Option<PathBuf>,
}

/// What both faces say when adphoto never changed `name`'s photo, so there is nothing to go
/// back to.
pub fn nothing_to_restore(name: &str) -> String {
    format!("adphoto never changed {name}'s photo: nothing to restore.")
}

impl BackupRecord {
    /// What restoring this record did to `name`, in the words both faces use.
    pub fn restored(&self, name: &str) -> String {
        let when = crate::clock::local_display(&self.taken_at);
        let what = match self.action.as_str() {
            "" => String::new(),
            action => format!(" ({action})"),
        };
        if self.had_photo() {
            format!("{name}: put back the photo it had before adphoto's change of {when}{what}.")
        } else {
            format!(
                "{name}: had no photo before adphoto's change of {when}{what}, so the photo was removed (and saved)."
            )
        }
    }

    /// Whether the user had a photo before this change.
    pub fn had_photo(&self) -> bool {
        self.file.is_some()
    }

    /// The old photo's sha256, `None` when there was none (compare with a current value's).
    pub fn old_sha256(&self) -> Option<&str> {
        self.had_photo().then_some(self.sha256.as_str())
    }
}

impl BackupStore {
    /// The store in `root` (made when first written to).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The photo histories of a data folder.
    pub fn in_folder(data: &DataFolder) -> Self {
        Self::new(data.backups())
    }

    /// Its folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Records the value of `attribute` for `user` before `action` changes it: `before` is the
    /// old photo, `None` when the user had none. Durable when this returns ([`Self::save_all`]).
    pub fn save(
        &self,
        user: &User,
        attribute: &str,
        before: Option<&[u8]>,
        action: &str,
    ) -> Result<BackupRecord> {
        let mut all = self.save_all(&[(user, before)], attribute, action)?;
        Ok(all.remove(0))
    }

    /// Records the old values of many users at once, all on disk (synced) before this returns,
    /// so the changes may be sent right after. One group costs one flush of the filesystem on
    /// Linux (elsewhere one sync of each file, done in parallel) instead of one sync after
    /// another: what lets a batch of 50 users be recorded in a few milliseconds.
    ///
    /// Each photo and record is written under a temporary name; all are synced; then renamed
    /// (photo before its record) and the folders synced. A crash at any point leaves whole
    /// records or none — never a record pointing at a torn photo.
    pub fn save_all(
        &self,
        items: &[(&User, Option<&[u8]>)],
        attribute: &str,
        action: &str,
    ) -> Result<Vec<BackupRecord>> {
        let io = |e: std::io::Error| DirectoryError::Backup(e.to_string());
        let now = crate::clock::Moment::now();
        let taken_at = now.rfc3339();
        let stamp = format!("{}.{:09}Z", now.compact(), now.nanosecond());
        let mut records = Vec::with_capacity(items.len());
        // (final path, bytes): each photo before its record.
        let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::with_capacity(items.len() * 2);
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut new_dirs = false;
        for (user, before) in items {
            let dir = self
                .root
                .join(user_key(&user.dn, user.object_guid.as_deref()));
            new_dirs |= !dir.exists();
            crate::data_folder::create_private_dir(&dir).map_err(io)?;
            let who = user
                .sam_account_name
                .as_deref()
                .map(safe_file_part)
                .unwrap_or_else(|| "user".into());
            let base = format!("{stamp}_{who}_{}", safe_file_part(attribute));
            let file = before.map(|b| dir.join(format!("{base}.{}", extension_for(b))));
            let bytes = before.unwrap_or_default();
            let json = dir.join(format!("{base}.json"));
            let record = BackupRecord {
                dn: user.dn.clone(),
                object_guid: user.object_guid.clone(),
                sam_account_name: user.sam_account_name.clone(),
                attribute: attribute.to_string(),
                taken_at: taken_at.clone(),
                action: action.to_string(),
                bytes: bytes.len(),
                sha256: if before.is_some() {
                    sha256_hex(bytes)
                } else {
                    String::new()
                },
                file: file.clone(),
                record_file: Some(json.clone()),
            };
            if let Some(file) = &file {
                files.push((file.clone(), bytes.to_vec()));
            }
            let meta = serde_json::to_vec_pretty(&record).map_err(|e| io(e.into()))?;
            files.push((json, meta));
            dirs.push(dir);
            records.push(record);
        }
        if new_dirs {
            dirs.push(self.root.clone());
        }
        dirs.sort();
        dirs.dedup();
        let partial: Vec<PathBuf> = files
            .iter()
            .map(|(path, _)| {
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(".partial");
                path.with_file_name(name)
            })
            .collect();
        for ((_, bytes), tmp) in files.iter().zip(&partial) {
            use std::io::Write as _;
            crate::data_folder::private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(tmp)
                .and_then(|mut f| f.write_all(bytes))
                .map_err(io)?;
        }
        sync_all_of(&self.root, &partial).map_err(io)?;
        for ((path, _), tmp) in files.iter().zip(&partial) {
            std::fs::rename(tmp, path).map_err(io)?;
        }
        sync_all_of(&self.root, &dirs).map_err(io)?;
        Ok(records)
    }

    /// [`Self::save_all`] on a blocking thread, for async callers (the import and the undo):
    /// the syncs never hold up the connection's traffic.
    pub async fn save_all_off_thread(
        &self,
        items: Vec<(User, Option<Vec<u8>>)>,
        attribute: &str,
        action: &str,
    ) -> Result<Vec<BackupRecord>> {
        let (store, attribute, action) = (self.clone(), attribute.to_string(), action.to_string());
        tokio::task::spawn_blocking(move || {
            let refs: Vec<(&User, Option<&[u8]>)> =
                items.iter().map(|(u, b)| (u, b.as_deref())).collect();
            store.save_all(&refs, &attribute, &action)
        })
        .await
        .unwrap_or_else(|e| Err(DirectoryError::Backup(e.to_string())))
    }

    /// Takes back a record whose change never happened (the server refused it, or it was never
    /// sent): a history must not show a change that did not take place. The record goes first,
    /// then its photo; a crash between the two leaves an orphan photo, never a record without one.
    pub fn forget(&self, rec: &BackupRecord) -> Result<()> {
        let io = |e: std::io::Error| DirectoryError::Backup(e.to_string());
        let Some(json) = &rec.record_file else {
            return Err(DirectoryError::Backup(
                "this record does not say where it is stored".into(),
            ));
        };
        std::fs::remove_file(json).map_err(io)?;
        if let Some(file) = &rec.file {
            std::fs::remove_file(file).map_err(io)?;
        }
        Ok(())
    }

    /// [`Self::forget`] where a failure can only be reported: the change is settled either way,
    /// and a record left behind names a state the user really had.
    pub fn take_back(&self, rec: &BackupRecord) {
        if let Err(e) = self.forget(rec) {
            tracing::warn!("cannot take back the record of {}: {e}", rec.dn);
        }
    }

    /// This user's history (matched by objectGUID, else by DN), oldest first.
    pub fn list(&self, user: &User) -> Result<Vec<BackupRecord>> {
        let dir = self
            .root
            .join(user_key(&user.dn, user.object_guid.as_deref()));
        let mut out: Vec<(Option<std::ffi::OsString>, BackupRecord)> = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(DirectoryError::Backup(e.to_string())),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(data) = std::fs::read(&path)
                && let Ok(mut rec) = serde_json::from_slice::<BackupRecord>(&data)
            {
                // The folder may have moved with the data dir; trust the sibling file.
                if let Some(name) = rec.file.as_ref().and_then(|f| f.file_name()) {
                    rec.file = Some(dir.join(name));
                }
                let key = path.file_name().map(|n| n.to_os_string());
                rec.record_file = Some(path);
                out.push((key, rec));
            }
        }
        // Record names begin with the time taken (to the nanosecond): name order is time order.
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out.into_iter().map(|(_, r)| r).collect())
    }

    /// This user's history of `attribute`, newest first.
    pub fn history(&self, user: &User, attribute: &str) -> Result<Vec<BackupRecord>> {
        let mut all = self.list(user)?;
        all.retain(|r| r.attribute.eq_ignore_ascii_case(attribute));
        all.reverse();
        Ok(all)
    }

    /// The record of adphoto's last change to `attribute` for this user: what "Restore
    /// previous" goes back to.
    pub fn latest(&self, user: &User, attribute: &str) -> Result<Option<BackupRecord>> {
        Ok(self.history(user, attribute)?.into_iter().next())
    }

    /// Reads a record's old photo (`None` when the user had none), refusing one whose bytes no
    /// longer match the record.
    pub fn read(&self, rec: &BackupRecord) -> Result<Option<Vec<u8>>> {
        match &rec.file {
            Some(file) => read_saved(file, Some(&rec.sha256)).map(Some),
            None => Ok(None),
        }
    }
}

/// Makes `paths` (files and folders under `root`) durable. On Linux, more than a few at once
/// with one syncfs(2) of `root`'s filesystem: one journal commit instead of one per file, which
/// over a batch of 50 users (150 files and folders) is about six times quicker here and leaves
/// the disk to others (a DC on this machine commits on it too); syncfs reports write-back
/// errors since Linux 5.8. Elsewhere each path is synced, a few at a time in parallel: the
/// filesystem commits concurrent syncs together.
fn sync_all_of(root: &Path, paths: &[PathBuf]) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if paths.len() > 4 {
        use std::os::fd::AsRawFd as _;
        let dir = std::fs::File::open(root)?;
        // SAFETY: syncfs takes an open descriptor, which `dir` holds until it is dropped.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
            return Ok(());
        }
        return Err(std::io::Error::last_os_error());
    }
    #[cfg(not(target_os = "linux"))]
    let _ = root;
    const THREADS: usize = 4;
    let sync = |p: &PathBuf| -> std::io::Result<()> {
        if p.is_dir() {
            // Windows opens no folder as a file; NTFS journals the rename itself.
            return match std::fs::File::open(p) {
                Ok(f) => f.sync_all(),
                Err(_) if cfg!(windows) => Ok(()),
                Err(e) => Err(e),
            };
        }
        // Write access: Windows flushes only a handle opened for writing.
        std::fs::OpenOptions::new().write(true).open(p)?.sync_all()
    };
    if paths.len() <= 1 {
        return paths.iter().try_for_each(sync);
    }
    let per = paths.len().div_ceil(THREADS);
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(per)
            .map(|chunk| s.spawn(move || chunk.iter().try_for_each(sync)))
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("sync failed")))
        })
    })
}

/// Reads a saved old photo, refusing it when its bytes no longer match `sha256` (when known):
/// a backup changed on disk must never be written to AD as "the old photo".
pub fn read_saved(file: &Path, sha256: Option<&str>) -> Result<Vec<u8>> {
    let bytes = std::fs::read(file).map_err(|e| {
        DirectoryError::Backup(format!(
            "the saved old photo {} cannot be read: {e}",
            file.display()
        ))
    })?;
    if sha256.is_some_and(|want| sha256_hex(&bytes) != want) {
        return Err(DirectoryError::Backup(format!(
            "the saved old photo {} was changed since it was saved",
            file.display()
        )));
    }
    Ok(bytes)
}

/// A photo's sha256 in hex: how journals and records name a value to compare it later.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
    crate::photo::Format::extension_of(bytes)
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
        let a = store
            .save(&u, "thumbnailPhoto", Some(b"\xFF\xD8first"), "set")
            .unwrap();
        let b = store
            .save(&u, "thumbnailPhoto", Some(b"\xFF\xD8second"), "set")
            .unwrap();
        store
            .save(&u, "jpegPhoto", Some(b"\xFF\xD8other"), "set")
            .unwrap();
        assert_ne!(a.file, b.file);
        assert_eq!(store.list(&u).unwrap().len(), 3);
        let rec = store.latest(&u, "thumbnailphoto").unwrap().unwrap();
        let bytes = store.read(&rec).unwrap();
        assert_eq!(bytes.as_deref(), Some(&b"\xFF\xD8second"[..]));
        assert_eq!(rec.bytes, 8);
        assert!(
            rec.file
                .unwrap()
                .to_string_lossy()
                .ends_with("_sobrien_thumbnailPhoto.jpg")
        );
        // "Had no photo" is a state of its own: the newest record, with nothing to read.
        let none = store.save(&u, "thumbnailPhoto", None, "import x").unwrap();
        assert!(!none.had_photo() && none.old_sha256().is_none());
        let rec = store.latest(&u, "thumbnailPhoto").unwrap().unwrap();
        let bytes = store.read(&rec).unwrap();
        assert_eq!((rec.action.as_str(), bytes), ("import x", None));
        let h = store.history(&u, "thumbnailPhoto").unwrap();
        assert_eq!(h.len(), 3, "newest first: {h:?}");
        assert_eq!(h[2], a);
    }

    #[test]
    fn records_written_before_the_history_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = BackupStore::new(dir.path());
        let u = user(None);
        let folder = dir.path().join(user_key(&u.dn, None));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("20250101T000000.000000000Z_sobrien_thumbnailPhoto.jpg"),
            b"\xFF\xD8x",
        )
        .unwrap();
        let old = format!(
            r#"{{"dn":"CN=x","objectGUID":null,"sAMAccountName":"sobrien","attribute":"thumbnailPhoto","taken_at":"2025-01-01T00:00:00Z","bytes":3,"sha256":"{}","file":"/elsewhere/20250101T000000.000000000Z_sobrien_thumbnailPhoto.jpg"}}"#,
            hex::encode(Sha256::digest(b"\xFF\xD8x"))
        );
        std::fs::write(
            folder.join("20250101T000000.000000000Z_sobrien_thumbnailPhoto.json"),
            old,
        )
        .unwrap();
        let rec = store.latest(&u, "thumbnailPhoto").unwrap().unwrap();
        let bytes = store.read(&rec).unwrap();
        assert_eq!(bytes.as_deref(), Some(&b"\xFF\xD8x"[..]));
        assert_eq!(rec.action, "");
    }

    #[test]
    fn tampered_backup_is_refused_and_unknown_user_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = BackupStore::new(dir.path());
        let u = user(None);
        let rec = store
            .save(&u, "thumbnailPhoto", Some(b"\xFF\xD8x"), "set")
            .unwrap();
        std::fs::write(rec.file.unwrap(), b"changed").unwrap();
        let rec = store.latest(&u, "thumbnailPhoto").unwrap().unwrap();
        assert!(store.read(&rec).is_err());
        assert!(store.list(&user(Some("other"))).unwrap().is_empty());
    }
}
