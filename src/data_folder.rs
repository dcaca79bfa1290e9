//! The app's data folder: photo backups, import journals, offline change files and the write
//! locks. Private to the user (0700 folders, 0600 files on Unix): backups are employee photos.
//!
//! Each face makes one [`DataFolder`] and passes it down; the engine never guesses the place.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The data folder and the names of what lives in it (spelled only here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFolder {
    root: PathBuf,
}

impl DataFolder {
    /// The data folder at `root` (made when first written to).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `ADPHOTO_DATA_DIR` when set (tests, portable use), else the platform's
    /// (`~/.local/share/adphoto`, `%APPDATA%\adphoto\data`).
    pub fn from_env() -> Self {
        if let Some(dir) = std::env::var_os("ADPHOTO_DATA_DIR") {
            return Self::new(dir);
        }
        Self::new(
            directories::ProjectDirs::from("", "", "adphoto")
                .map(|p| p.data_dir().to_path_buf())
                .unwrap_or_else(|| std::env::temp_dir().join("adphoto")),
        )
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The users' photo histories, a folder per user.
    pub fn backups(&self) -> PathBuf {
        self.root.join("backups")
    }

    /// Old Microsoft 365 profile photos, saved before adphoto changed them (`cloud::CloudBackups`).
    pub fn cloud_backups(&self) -> PathBuf {
        self.root.join("cloud-backups")
    }

    /// One journal per import, for undo after a crash.
    pub fn journals(&self) -> PathBuf {
        self.root.join("journals")
    }

    /// LDIF change files written when working on an LDIF export instead of a server.
    pub fn offline(&self) -> PathBuf {
        self.root.join("offline")
    }

    /// The log of unattended runs (`adphoto sync`), one file a day, the last 30 kept.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// One write lock per directory, so two writers never interleave.
    pub fn locks(&self) -> PathBuf {
        self.root.join("locks")
    }

    /// Pictures handed to the crop canvas that are not files of the user's (a stored photo to
    /// edit, an image pasted from the clipboard). Private like the rest; overwritten freely.
    pub fn scratch(&self) -> PathBuf {
        self.root.join("scratch")
    }

    /// Takes the write lock for one directory. A second writer (another terminal, the window
    /// while a command runs) gets [`LockError::Busy`] at once, naming the holder. The lock is
    /// the operating system's (flock / LockFileEx): it dies with its process, so a lock left by
    /// a killed run is simply free again — nothing stale to clean up.
    pub fn lock_writes(&self, directory_key: &str, command: &str) -> Result<WriteLock, LockError> {
        let io = |e: std::io::Error| LockError::Io(e.to_string());
        let (path, info_path) = self.lock_paths(directory_key);
        create_private_dir(&self.locks()).map_err(io)?;
        // 0600 like everything else in the data folder (it names a directory's base DN).
        let file = private_options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        // A few quick tries: a [`Self::lock_holder`] check holds the lock shared for an instant,
        // and must not make a real writer fail. A real writer holds it far longer.
        let mut tries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if tries < LOCK_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(LockError::Busy {
                        holder: read_holder(&info_path),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // The holder's details sit beside the lock, not in it: Windows refuses reads of a
        // locked file, and a second run must be able to say who holds it.
        let info = LockHolder {
            pid: std::process::id(),
            started_at: crate::clock::now_rfc3339(),
            command: command.to_string(),
            directory: directory_key.to_string(),
        };
        let text = serde_json::to_vec_pretty(&info).map_err(|e| io(e.into()))?;
        write_private(&info_path, &text, false).map_err(io)?;
        Ok(WriteLock {
            _file: file,
            info_path,
        })
    }

    /// Who holds the write lock for this directory now, if anyone (for "still running" notes).
    /// Only looks: takes the lock shared for an instant and writes nothing.
    pub fn lock_holder(&self, directory_key: &str) -> Option<LockHolder> {
        let (path, info_path) = self.lock_paths(directory_key);
        // No lock file: nobody ever wrote to this directory from here.
        let file = File::open(&path).ok()?;
        match file.try_lock_shared() {
            Err(std::fs::TryLockError::WouldBlock) => {
                Some(read_holder(&info_path).unwrap_or_default())
            }
            Ok(()) | Err(std::fs::TryLockError::Error(_)) => None,
        }
    }

    /// The lock file and, beside it, the holder's details.
    fn lock_paths(&self, directory_key: &str) -> (PathBuf, PathBuf) {
        let name = lock_name(directory_key);
        let dir = self.locks();
        (
            dir.join(format!("{name}.lock")),
            dir.join(format!("{name}.json")),
        )
    }
}

/// Quick extra tries before a second writer is told the lock is busy (20 ms apart).
const LOCK_TRIES: u32 = 5;

fn read_holder(info_path: &Path) -> Option<LockHolder> {
    std::fs::read(info_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The key of a directory for locks and journals: its base DN, lower-cased. Keyed by the domain
/// rather than the server's address, because two DCs of one domain (or one DC by two names)
/// hold the same users: two writers there would race just the same.
pub fn directory_key(base_dn: &str) -> String {
    base_dn
        .split(',')
        .map(|p| p.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

fn lock_name(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..12])
}

/// Who runs the writer holding a lock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LockHolder {
    /// Its process id, to find and stop it.
    pub pid: u32,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// Its command line, or what the window is doing ("import", "restore a photo").
    pub command: String,
    /// The directory's lock key (see [`directory_key`]).
    pub directory: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\"{}\" (process {}, started {})",
            self.command,
            self.pid,
            crate::clock::local_display(&self.started_at)
        )
    }
}

/// Held while one import, undo, restore or single change writes; released when dropped (or
/// when the process dies).
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
    info_path: PathBuf,
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Only ours to remove while we still hold the lock (the file lock goes with `_file` next).
        let _ = std::fs::remove_file(&self.info_path);
    }
}

/// Why the write lock could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// Another writer holds it (`holder`, when its note could be read).
    #[error("{}", busy_message(.holder))]
    Busy {
        /// Who holds it.
        holder: Option<LockHolder>,
    },
    /// The lock file could not be made or locked.
    #[error("cannot take the write lock in the data folder: {0}")]
    Io(String),
}

fn busy_message(holder: &Option<LockHolder>) -> String {
    match holder {
        Some(h) => format!(
            "another adphoto is writing to this directory: {h}. Wait for it to finish (or stop it), then try again."
        ),
        None => "another adphoto is writing to this directory. Wait for it to finish (or stop it), then try again.".into(),
    }
}

/// Creates a folder (and its parents) readable by the user only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // A folder made by an older version (0755) is tightened too.
        let meta = std::fs::metadata(dir)?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        // %APPDATA% is already private to the user on Windows.
        std::fs::create_dir_all(dir)
    }
}

/// Opens a file for writing, created readable by the user only.
pub fn private_options() -> OpenOptions {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o
}

/// Writes a private file through a temporary name and a rename, so a crash never leaves half a
/// file that looks whole; `sync` when the caller is about to rely on it surviving a crash.
pub fn write_private(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let tmp = path.with_extension("partial");
    let mut f = private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
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

    #[test]
    fn second_writer_is_refused_with_the_holder_named_and_free_after_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let data = DataFolder::new(tmp.path().join("data"));
        let key = directory_key("DC=Example, DC=test");
        assert_eq!(key, "dc=example,dc=test");
        let held = data.lock_writes(&key, "adphoto import").unwrap();
        #[cfg(unix)]
        for f in std::fs::read_dir(data.locks()).unwrap().flatten() {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = f.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is private", f.path().display());
        }
        // Another open file description, as another process would have.
        let err = data.lock_writes(&key, "adphoto undo").unwrap_err();
        let LockError::Busy { holder: Some(h) } = &err else {
            panic!("busy with a holder expected, got {err:?}");
        };
        assert_eq!(h.pid, std::process::id());
        assert_eq!(h.command, "adphoto import");
        assert!(err.to_string().contains("adphoto import"), "{err}");
        assert!(data.lock_holder(&key).is_some());
        // Another directory is not blocked.
        assert!(data.lock_writes("dc=other", "x").is_ok());
        drop(held);
        assert!(data.lock_holder(&key).is_none());
        let holders = std::fs::read_dir(data.locks())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count();
        assert_eq!(holders, 0, "a check writes nothing");
        assert!(data.lock_writes(&key, "adphoto undo").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn private_files_and_folders() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        let file = dir.join("f.jpg");
        write_private(&file, b"x", true).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir), 0o700);
        // An old world-readable folder is tightened.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }
}
