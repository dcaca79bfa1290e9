//! The import journal: one JSON line per event, flushed as it happens, so that a crash or a
//! killed app leaves an exact record of what was written and what was backed up.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    Started {
        id: String,
        attribute: String,
        items: usize,
        server: String,
    },
    /// About to write this user; without a `Written` or `Failed` after it, the app stopped
    /// mid-write and the user's state must be checked (the old photo is in the backups).
    Writing {
        dn: String,
        file: PathBuf,
    },
    /// The new photo was written and read back identical.
    Written {
        dn: String,
        file: PathBuf,
        bytes: usize,
        sha256: String,
        /// The saved old photo; `None` when the user had none (undo then removes the photo).
        backup: Option<PathBuf>,
    },
    Failed {
        dn: String,
        file: PathBuf,
        reason: String,
    },
    Finished {
        cancelled: bool,
    },
    /// An undo put this user's previous state back.
    Undone {
        dn: String,
    },
}

/// Appends entries to a journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// `<data dir>/journals/<id>.jsonl`.
    pub fn path_for(id: &str) -> PathBuf {
        journals_dir().join(format!("{id}.jsonl"))
    }

    pub fn create(path: PathBuf) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let torn = std::fs::read(&path).is_ok_and(|b| !b.is_empty() && !b.ends_with(b"\n"));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        if torn {
            // A crash cut the last line short: end it, so what follows parses.
            file.write_all(b"\n")?;
        }
        Ok(Self { path, file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line and syncs it: the record must survive a crash right after.
    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }
}

pub fn journals_dir() -> PathBuf {
    crate::settings::data_dir().join("journals")
}

/// Reads a journal; a torn line (the crash case) is skipped, not an error.
pub fn read(path: &Path) -> std::io::Result<Vec<Entry>> {
    let f = File::open(path)?;
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if let Ok(e) = serde_json::from_str(&line) {
            out.push(e);
        }
    }
    Ok(out)
}

/// Journals of imports that never reached `Finished` (the app crashed or was killed).
pub fn unfinished(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .filter(|p| read(p).is_ok_and(|es| !es.iter().any(|e| matches!(e, Entry::Finished { .. }))))
        .collect();
    out.sort();
    out
}

/// The newest journal (ids sort by time), for `adphoto undo` without `--import`.
pub fn latest(dir: &Path) -> Option<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    all.sort();
    all.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_last_line_is_ignored_and_unfinished_found() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let mut j = Journal::create(p.clone()).unwrap();
        j.append(&Entry::Started {
            id: "a".into(),
            attribute: "thumbnailPhoto".into(),
            items: 2,
            server: "x".into(),
        })
        .unwrap();
        j.append(&Entry::Written {
            dn: "CN=a".into(),
            file: "a.jpg".into(),
            bytes: 3,
            sha256: "00".into(),
            backup: None,
        })
        .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"event\":\"wri")
            .unwrap();
        assert_eq!(read(&p).unwrap().len(), 2);
        assert_eq!(unfinished(dir.path()), vec![p.clone()]);
        let mut j = Journal::create(p.clone()).unwrap();
        j.append(&Entry::Finished { cancelled: false }).unwrap();
        assert_eq!(
            read(&p).unwrap().len(),
            3,
            "the torn line is skipped, what follows is read"
        );
        assert!(unfinished(dir.path()).is_empty());
        assert_eq!(latest(dir.path()), Some(p));
    }
}
