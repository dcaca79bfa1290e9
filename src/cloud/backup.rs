//! The old cloud photos, saved before adphoto replaces or removes them: one file per change,
//! `cloud-backups/<user id>/<time>.jpg|png` in the data folder (0700/0600), or an empty
//! `<time>.none` when the user had no photo — the user's Microsoft 365 photo history, so an undo,
//! "Restore previous" (or a person) can put the state before a change back.

use std::path::{Path, PathBuf};

use crate::data_folder::{DataFolder, write_private};

/// The data folder's store of replaced cloud photos, one folder per user.
#[derive(Debug, Clone)]
pub struct CloudBackups {
    dir: PathBuf,
}

impl CloudBackups {
    /// The store under `cloud-backups` in this data folder (created on the first save).
    pub fn in_folder(data: &DataFolder) -> Self {
        Self {
            dir: data.cloud_backups(),
        }
    }

    /// Saves `bytes` (synced: the change that follows relies on it) and returns the file.
    pub fn save(&self, user_id: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let ext = crate::photo::Format::extension_of(bytes);
        self.save_as(user_id, ext, bytes)
    }

    /// Records the state before a change: the photo the user had, or (`None`) that they had
    /// none. Returns the photo's file; `None` for no photo (its record is a `.none` marker).
    pub fn save_state(
        &self,
        user_id: &str,
        before: Option<&[u8]>,
    ) -> std::io::Result<Option<PathBuf>> {
        match before {
            Some(bytes) => self.save(user_id, bytes).map(Some),
            None => self.save_as(user_id, NONE, &[]).map(|_| None),
        }
    }

    fn save_as(&self, user_id: &str, ext: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let folder = self.dir.join(safe(user_id));
        // Colons are not allowed in Windows file names.
        let stamp = crate::clock::now_rfc3339().replace(':', "-");
        // A record of the same instant under any extension counts: the order is by name.
        let taken: std::collections::HashSet<std::ffi::OsString> = std::fs::read_dir(&folder)
            .map(|d| {
                d.filter_map(|e| Some(e.ok()?.path().file_stem()?.to_os_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut stem = stamp.clone();
        let mut n = 1;
        while taken.contains(std::ffi::OsStr::new(&stem)) {
            n += 1;
            stem = format!("{stamp}-{n}");
        }
        let path = folder.join(format!("{stem}.{ext}"));
        write_private(&path, bytes, true)?;
        Ok(path)
    }

    /// This user's saved states, oldest first: photos and `.none` markers.
    pub fn list(&self, user_id: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join(safe(user_id)))
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x != "partial"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort_by_key(|p| order(p));
        files
    }

    /// The state before adphoto's last change to this user's Microsoft 365 photo.
    pub fn latest(&self, user_id: &str) -> Option<PathBuf> {
        self.list(user_id).pop()
    }
}

/// The extension of a "had no photo" record.
const NONE: &str = "none";

/// What a saved state holds: the photo, or `None` for a "had no photo" record.
pub fn read_state(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    if path.extension().is_some_and(|e| e == NONE) {
        return Ok(None);
    }
    std::fs::read(path).map(Some)
}

/// When a saved state was taken, for a person: "2026-12-03 14:05".
pub fn taken_at(path: &Path) -> String {
    let stem = order(path).0;
    // The file name is the RFC 3339 time with its colons made dashes (after the date).
    let fixed = match stem.split_once('T') {
        Some((date, time)) => format!("{date}T{}", time.replace('-', ":")),
        None => stem,
    };
    crate::clock::local_display(&fixed)
}

/// Sorts records by time, then by the `-2`, `-3` … of records made in the same instant.
fn order(path: &Path) -> (String, u32) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match stem
        .rsplit_once("Z-")
        .and_then(|(time, n)| Some((format!("{time}Z"), n.parse().ok()?)))
    {
        Some(numbered) => numbered,
        None => (stem, 1),
    }
}

/// Entra object ids are GUIDs; anything else is made safe for a folder name.
fn safe(user_id: &str) -> String {
    let s: String = user_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "_".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_one_instant_sort_in_the_order_made() {
        let p = |n: &str| PathBuf::from(n);
        let mut v = vec![
            p("2026-12-03T14-05-09.5Z-10.jpg"),
            p("2026-12-03T14-05-09.5Z-2.none"),
            p("2026-12-03T14-05-09.5Z.jpg"),
            p("2026-12-03T14-05-08Z.png"),
        ];
        v.sort_by_key(|x| order(x));
        assert_eq!(
            v,
            [
                p("2026-12-03T14-05-08Z.png"),
                p("2026-12-03T14-05-09.5Z.jpg"),
                p("2026-12-03T14-05-09.5Z-2.none"),
                p("2026-12-03T14-05-09.5Z-10.jpg"),
            ]
        );
        // Read back as the time it is, not shown as the file name.
        let shown = taken_at(&v[1]);
        assert_eq!(shown, crate::clock::local_display("2026-12-03T14:05:09.5Z"));
        assert!(!shown.contains("T14"), "{shown}");
    }

    #[test]
    fn saved_privately_one_file_per_change() {
        let tmp = tempfile::tempdir().unwrap();
        let b = CloudBackups::in_folder(&DataFolder::new(tmp.path()));
        let a = b.save("../x", &[0xFF, 0xD8, 0xFF, 1]).unwrap();
        let c = b.save("../x", &[0xFF, 0xD8, 0xFF, 2]).unwrap();
        assert_ne!(a, c);
        assert!(a.starts_with(tmp.path().join("cloud-backups")));
        assert_eq!(b.list("../x"), vec![a.clone(), c.clone()]);
        // A "had none" state is a record too, the newest here.
        assert_eq!(b.save_state("../x", None).unwrap(), None);
        let none = b.latest("../x").unwrap();
        assert_eq!(read_state(&none).unwrap(), None);
        assert_eq!(read_state(&c).unwrap().unwrap(), [0xFF, 0xD8, 0xFF, 2]);
        assert_eq!(b.list("../x").len(), 3);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
