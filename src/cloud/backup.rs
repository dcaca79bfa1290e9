//! The old cloud photos, saved before adphoto replaces or removes them: one file per change,
//! `cloud-backups/<user id>/<time>.jpg|png` in the data folder (0700/0600), so an undo (or a
//! person) can put one back.

use std::path::PathBuf;

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
        let folder = self.dir.join(safe(user_id));
        let ext = crate::photo::Format::extension_of(bytes);
        // Colons are not allowed in Windows file names.
        let stamp = crate::clock::now_rfc3339().replace(':', "-");
        let mut path = folder.join(format!("{stamp}.{ext}"));
        let mut n = 1;
        while path.exists() {
            n += 1;
            path = folder.join(format!("{stamp}-{n}.{ext}"));
        }
        write_private(&path, bytes, true)?;
        Ok(path)
    }

    /// This user's saved photos, oldest first.
    pub fn list(&self, user_id: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join(safe(user_id)))
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x != "partial"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
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
    fn saved_privately_one_file_per_change() {
        let tmp = tempfile::tempdir().unwrap();
        let b = CloudBackups::in_folder(&DataFolder::new(tmp.path()));
        let a = b.save("../x", &[0xFF, 0xD8, 0xFF, 1]).unwrap();
        let c = b.save("../x", &[0xFF, 0xD8, 0xFF, 2]).unwrap();
        assert_ne!(a, c);
        assert!(a.starts_with(tmp.path().join("cloud-backups")));
        assert_eq!(b.list("../x"), vec![a.clone(), c]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
