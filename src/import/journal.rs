//! The import journal: one JSON line per event, synced as it happens, so that a crash or a
//! killed app leaves an exact record of which users an import touched, what each had before
//! and what it was given. Undo and recovery read it together with the directory's current
//! state ([`super::undo`]); [`summarize`] tells how an import ended and what is left to undo.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One line of the journal. Fields added later carry `serde(default)`, so journals written by
/// older versions still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The first line: which import this is.
    Started {
        /// The plan's id.
        id: String,
        /// The photo attribute written.
        attribute: String,
        /// Users in the plan.
        items: usize,
        /// The server (or LDIF file) written to.
        server: String,
        /// The directory's base DN (journals are listed per directory).
        #[serde(default)]
        base: String,
        /// RFC 3339 UTC.
        #[serde(default)]
        started_at: String,
    },
    /// The old value is on disk and the write is about to be sent: from here on the user may
    /// hold the new photo, whatever follows (or does not follow, after a crash).
    Writing {
        /// The user.
        dn: String,
        /// The picture file.
        file: PathBuf,
        /// sha256 of the photo being written. `None` only in journals of older versions.
        #[serde(default)]
        sha256: Option<String>,
        /// The saved old photo; `None` when the user had none.
        #[serde(default)]
        backup: Option<PathBuf>,
        /// sha256 of the old photo; `None` when the user had none.
        #[serde(default)]
        old_sha256: Option<String>,
        /// Set when the line is about the user's Microsoft 365 photo: their Entra object id
        /// (absent: the directory's photo attribute).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<String>,
    },
    /// The new photo was written and read back identical.
    Written {
        /// The user.
        dn: String,
        /// The picture file.
        file: PathBuf,
        /// The photo's size.
        bytes: usize,
        /// sha256 of the photo written.
        sha256: String,
        /// The saved old photo; `None` when the user had none (undo then removes the photo).
        backup: Option<PathBuf>,
        /// Set when the line is about the user's Microsoft 365 photo: their Entra object id
        /// (absent: the directory's photo attribute).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<String>,
    },
    /// `--remove-missing`: the old photo is on disk and its removal is about to be sent (from
    /// here on the user may hold no photo).
    Removing {
        /// The user.
        dn: String,
        /// The file the photo was made from, gone from the folder since.
        file: PathBuf,
        /// The saved photo.
        backup: Option<PathBuf>,
        /// sha256 of the saved photo.
        old_sha256: Option<String>,
    },
    /// The photo was removed (read back: none).
    Removed {
        /// The user.
        dn: String,
        /// The file the photo was made from.
        file: PathBuf,
        /// The saved photo (undo puts it back).
        backup: Option<PathBuf>,
    },
    /// The write was refused or could not be made.
    Failed {
        /// The user.
        dn: String,
        /// The picture file.
        file: PathBuf,
        /// Why, for a person.
        reason: String,
        /// The write was sent and its outcome is unknown (lost connection, read-back failed):
        /// undo must look at the user.
        #[serde(default)]
        may_have_landed: bool,
        /// Set when the line is about the user's Microsoft 365 photo: their Entra object id
        /// (absent: the directory's photo attribute).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<String>,
    },
    /// The run's last line.
    Finished {
        /// Stopped by the person.
        cancelled: bool,
        /// The server could not be reached again; the rest was not attempted.
        #[serde(default)]
        unreachable: bool,
    },
    /// An undo looked at this user and settled it.
    Undone {
        /// The user.
        dn: String,
        /// Put back, removed, or found as before.
        #[serde(default)]
        how: UndoneHow,
        /// Set when the line is about the user's Microsoft 365 photo: their Entra object id
        /// (absent: the directory's photo attribute).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cloud: Option<String>,
    },
}

/// How an undo settled one user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndoneHow {
    /// The old photo was put back, or the photo removed when there was none.
    #[default]
    PutBack,
    /// The user already had the value from before the import (the write never landed).
    AlreadyAsBefore,
    /// Someone changed the photo after the import: left as it is.
    ChangedSince,
}

/// Appends entries to a journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// `<journals>/<id>.jsonl`.
    pub fn path_for(journals: &Path, id: &str) -> PathBuf {
        journals.join(format!("{id}.jsonl"))
    }

    /// Opens the journal at `path` for appending (private; a line a crash cut short is ended).
    pub fn create(path: PathBuf) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            crate::data_folder::create_private_dir(dir)?;
        }
        let torn = std::fs::read(&path).is_ok_and(|b| !b.is_empty() && !b.ends_with(b"\n"));
        let mut file = crate::data_folder::private_options()
            .create(true)
            .append(true)
            .open(&path)?;
        if torn {
            // A crash cut the last line short: end it, so what follows parses.
            file.write_all(b"\n")?;
        }
        Ok(Self { path, file })
    }

    /// Its file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line and syncs it: the record must survive a crash right after.
    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        self.append_all(std::slice::from_ref(entry))
    }

    /// Writes the lines of a batch with one sync: all of them survive a crash once this returns
    /// (a crash before may keep some, each whole or torn at the end, which [`read`] skips).
    pub fn append_all(&mut self, entries: &[Entry]) -> std::io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::new();
        for entry in entries {
            serde_json::to_writer(&mut lines, entry).map_err(std::io::Error::other)?;
            lines.push(b'\n');
        }
        self.file.write_all(&lines)?;
        self.file.sync_data()
    }
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

/// A user the import wrote or may have written, with what undo needs to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    /// The user.
    pub dn: String,
    /// The picture file written.
    pub file: PathBuf,
    /// The photos this import sent to the user (one, or more if it was retried).
    pub new_sha256: Vec<String>,
    /// The old photo as saved before the first write; `None`: the user had none.
    pub backup: Option<PathBuf>,
    /// sha256 of the old photo; `None`: the user had none.
    pub old_sha256: Option<String>,
    /// `Some(Entra object id)`: this is the user's Microsoft 365 photo, not the directory's.
    pub cloud: Option<String>,
    /// The import removed the photo (`--remove-missing`): holding none is holding its value.
    pub removed: bool,
}

/// How an import's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Every user had their turn.
    Finished,
    /// Stopped by the person.
    Cancelled,
    /// The server went away and did not come back; the rest was not attempted.
    ServerLost,
    /// No end recorded: the app was killed or crashed (or it is still running).
    Stopped,
}

/// What a journal says about its import, for notices, `undo` and the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The import's id.
    pub id: String,
    /// The journal file.
    pub path: PathBuf,
    /// The photo attribute written.
    pub attribute: String,
    /// The server (or LDIF file) written to.
    pub server: String,
    /// The directory's base DN.
    pub base: String,
    /// RFC 3339 UTC; empty in old journals.
    pub started_at: String,
    /// Users in the plan.
    pub items: usize,
    /// Users written in the directory.
    pub written: usize,
    /// Users whose Microsoft 365 photo was written.
    pub cloud_written: usize,
    /// Users whose photo was removed (`--remove-missing`).
    pub removed: usize,
    /// Users whose write failed.
    pub failed: usize,
    /// How the run ended.
    pub end: End,
    /// Users written or possibly written and not yet settled by an undo.
    pub left: Vec<Touched>,
    /// Users an undo gave their old photo back.
    pub put_back: usize,
    /// Users an undo found already as before.
    pub already_as_before: usize,
    /// Users an undo left alone because their photo was changed after the import.
    pub changed_since: Vec<String>,
    /// Writes whose outcome nobody saw (sent when the process died, or on a connection that
    /// broke): the server may still apply one a moment after, so an undo lets them settle first.
    pub in_doubt: usize,
}

impl Summary {
    /// Whether an undo still has something to look at.
    pub fn has_something_to_undo(&self) -> bool {
        !self.left.is_empty()
    }

    /// The run ended before every user had their turn by no choice of the user's (killed,
    /// crashed, server lost): what the "unfinished imports" notices are about.
    pub fn stopped_early(&self) -> bool {
        matches!(self.end, End::Stopped | End::ServerLost)
    }

    /// Stopped early with users still to undo: what the "unfinished imports" notices offer.
    pub fn is_unfinished(&self) -> bool {
        self.stopped_early() && self.has_something_to_undo()
    }

    /// Whether an undo ran over this import (fully or partly).
    pub fn undo_ran(&self) -> bool {
        self.put_back + self.already_as_before + self.changed_since.len() > 0
    }

    /// One line for a person: "2026-12-01 14:03 on ldaps://dc1 (DC=example,DC=test): 300
    /// written, stopped before the end; 12 users left to undo".
    pub fn describe(&self) -> String {
        let when = if self.started_at.is_empty() {
            self.id.clone()
        } else {
            crate::clock::local_display(&self.started_at)
        };
        let end = match self.end {
            End::Finished => "finished",
            End::Cancelled => "cancelled",
            End::ServerLost => "stopped: server unreachable",
            End::Stopped => "stopped before the end (the app was closed or killed)",
        };
        let base = if self.base.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.base)
        };
        let mut text = format!(
            "import of {when} on {}{base}: {} of {} written, {end}",
            self.server, self.written, self.items
        );
        if self.removed > 0 {
            text = text.replacen(
                " written,",
                &format!(" written, {} photos removed,", self.removed),
                1,
            );
        }
        if self.cloud_written > 0 {
            text = text.replacen(
                " written,",
                &format!(" written (and {} in Microsoft 365),", self.cloud_written),
                1,
            );
        }
        if self.undo_ran() {
            text.push_str(if self.left.is_empty() {
                "; undone"
            } else {
                "; partly undone"
            });
            if !self.changed_since.is_empty() {
                text.push_str(&format!(
                    " ({} changed since, left as they are)",
                    self.changed_since.len()
                ));
            }
        }
        if !self.left.is_empty() {
            text.push_str(&format!("; {} users to undo", self.left.len()));
        }
        text
    }
}

/// Reads what a journal says about its import. Users whose write was refused by the server
/// are not "touched"; users with a write sent and no known outcome are.
pub fn summarize(path: &Path) -> std::io::Result<Summary> {
    let entries = read(path)?;
    let mut s = Summary {
        id: path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.to_path_buf(),
        attribute: String::new(),
        server: String::new(),
        base: String::new(),
        started_at: String::new(),
        items: 0,
        written: 0,
        cloud_written: 0,
        removed: 0,
        failed: 0,
        end: End::Stopped,
        left: Vec::new(),
        put_back: 0,
        already_as_before: 0,
        changed_since: Vec::new(),
        in_doubt: 0,
    };
    let mut users = PerUser::default();
    // Per user and target: whether the last write's outcome is unknown.
    let mut doubt: HashMap<(String, Option<String>), bool> = HashMap::new();
    for e in entries {
        match e {
            Entry::Started {
                id,
                attribute,
                items,
                server,
                base,
                started_at,
            } => {
                s.id = id;
                s.attribute = attribute;
                s.items = items;
                s.server = server;
                s.base = base;
                s.started_at = started_at;
            }
            Entry::Writing {
                dn,
                file,
                sha256: Some(sha),
                backup,
                old_sha256,
                cloud,
            } => {
                doubt.insert(key(&dn, cloud.as_deref()), true);
                users.touch(Touched {
                    dn,
                    file,
                    new_sha256: vec![sha],
                    backup,
                    old_sha256,
                    cloud,
                    removed: false,
                })
            }
            Entry::Removing {
                dn,
                file,
                backup,
                old_sha256,
            } => {
                doubt.insert(key(&dn, None), true);
                users.touch(Touched {
                    dn,
                    file,
                    new_sha256: Vec::new(),
                    backup,
                    old_sha256,
                    cloud: None,
                    removed: true,
                })
            }
            Entry::Removed { dn, .. } => {
                doubt.insert(key(&dn, None), false);
                s.removed += 1;
            }
            // An older journal's Writing (no hashes): only its Written line can be undone.
            Entry::Writing { sha256: None, .. } => {}
            Entry::Written {
                dn,
                file,
                sha256,
                backup,
                cloud,
                ..
            } => {
                doubt.insert(key(&dn, cloud.as_deref()), false);
                if cloud.is_some() {
                    s.cloud_written += 1;
                } else {
                    s.written += 1;
                }
                // Alone only in older journals: the backup's hash is not recorded; undo reads it.
                users.touch(Touched {
                    dn,
                    file,
                    new_sha256: vec![sha256],
                    old_sha256: None,
                    backup,
                    cloud,
                    removed: false,
                });
            }
            Entry::Failed {
                dn,
                may_have_landed,
                cloud,
                ..
            } => {
                s.failed += 1;
                doubt.insert(key(&dn, cloud.as_deref()), may_have_landed);
                if !may_have_landed
                    && let Some((_, touched, _)) = users.get_mut(&dn, cloud.as_deref())
                {
                    // The server refused the write: nothing changed for this user.
                    *touched = false;
                }
            }
            Entry::Finished {
                cancelled,
                unreachable,
            } => {
                s.end = if unreachable {
                    End::ServerLost
                } else if cancelled {
                    End::Cancelled
                } else {
                    End::Finished
                };
            }
            Entry::Undone { dn, how, cloud } => {
                doubt.insert(key(&dn, cloud.as_deref()), false);
                if let Some((_, _, h)) = users.get_mut(&dn, cloud.as_deref()) {
                    *h = Some(how);
                }
            }
        }
    }
    for (t, touched, how) in users.all {
        match how {
            Some(UndoneHow::PutBack) => s.put_back += 1,
            Some(UndoneHow::AlreadyAsBefore) => s.already_as_before += 1,
            Some(UndoneHow::ChangedSince) => s.changed_since.push(t.dn),
            None if touched => s.left.push(t),
            None => {}
        }
    }
    s.in_doubt = doubt.values().filter(|&&d| d).count();
    Ok(s)
}

/// Per user and target (DNs compare case-insensitively; the directory's photo and the
/// Microsoft 365 one are two), in journal order: what the import sent, whether the user counts
/// as touched, and how an undo settled them.
#[derive(Default)]
struct PerUser {
    all: Vec<(Touched, bool, Option<UndoneHow>)>,
    index: HashMap<(String, Option<String>), usize>,
}

fn key(dn: &str, cloud: Option<&str>) -> (String, Option<String>) {
    (dn.to_lowercase(), cloud.map(str::to_string))
}

impl PerUser {
    fn get_mut(
        &mut self,
        dn: &str,
        cloud: Option<&str>,
    ) -> Option<&mut (Touched, bool, Option<UndoneHow>)> {
        let i = *self.index.get(&key(dn, cloud))?;
        self.all.get_mut(i)
    }

    /// The import sent a photo to `t.dn`. The first record of the old value stays the one to go
    /// back to; a retry (or the Written after a Writing) only adds the photo's hash.
    fn touch(&mut self, t: Touched) {
        match self.get_mut(&t.dn, t.cloud.as_deref()) {
            Some((known, touched, _)) => {
                *touched = true;
                for sha in t.new_sha256 {
                    if !known.new_sha256.contains(&sha) {
                        known.new_sha256.push(sha);
                    }
                }
            }
            None => {
                self.index
                    .insert(key(&t.dn, t.cloud.as_deref()), self.all.len());
                self.all.push((t, true, None));
            }
        }
    }
}

/// Every journal in `dir`, newest first (ids begin with the UTC start time).
pub fn all(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    out.sort();
    out.reverse();
    out
}

/// Imports of the directory with this base DN (all, when `base` is `None`) that still have
/// something to undo, newest first. Journals of older versions without a base are included.
pub fn with_something_to_undo(dir: &Path, base: Option<&str>) -> Vec<Summary> {
    all(dir)
        .into_iter()
        .filter_map(|p| summarize(&p).ok())
        .filter(|s| s.has_something_to_undo())
        .filter(|s| match base {
            Some(b) => s.base.is_empty() || crate::directory::dn_eq(&s.base, b),
            None => true,
        })
        .collect()
}

/// Imports that stopped before their end (killed, crashed, server lost), still have users to
/// undo and are not running now (another adphoto holds their directory's lock), newest first;
/// only those of the directory with base DN `base` when given. The one rule behind the window's
/// notice at start, its offer after a partial undo and the command line's note before an import.
pub fn unfinished(data: &crate::data_folder::DataFolder, base: Option<&str>) -> Vec<Summary> {
    let dir = data.journals();
    let index_path = dir.join(INDEX);
    let mut index: HashMap<String, Brief> = std::fs::read(&index_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut changed = false;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for path in all(&dir) {
        let (Some(name), Ok(meta)) = (
            path.file_name().map(|n| n.to_string_lossy().into_owned()),
            std::fs::metadata(&path),
        ) else {
            continue;
        };
        let stamp = Stamp::of(&meta);
        seen.insert(name.clone());
        // Settled and unchanged since it was last read: nothing to read again.
        if index
            .get(&name)
            .is_some_and(|b| b.stamp == stamp && !b.unfinished)
        {
            continue;
        }
        let Ok(s) = summarize(&path) else { continue };
        let brief = Brief {
            stamp,
            unfinished: s.is_unfinished(),
        };
        if index.get(&name) != Some(&brief) {
            index.insert(name, brief);
            changed = true;
        }
        if s.is_unfinished() {
            out.push(s);
        }
    }
    let before = index.len();
    index.retain(|name, _| seen.contains(name));
    changed |= index.len() != before;
    if changed && let Ok(bytes) = serde_json::to_vec(&index) {
        // Only time is lost without it: the journals themselves are the record.
        let _ = crate::data_folder::write_private(&index_path, &bytes, false);
    }
    out.into_iter()
        .filter(|s| match base {
            Some(b) => s.base.is_empty() || crate::directory::dn_eq(&s.base, b),
            None => true,
        })
        // One still running (another adphoto holds the directory's lock) has not stopped.
        .filter(|s| {
            s.base.is_empty()
                || data
                    .lock_holder(&crate::data_folder::directory_key(&s.base))
                    .is_none()
        })
        .collect()
}

/// The journals' index (`journals/index.json`): per journal file, its length and modification
/// time when it was last read, and whether it was unfinished then. Start-up reads only the
/// journals that changed since or were unfinished, so it does not grow with the history.
const INDEX: &str = "index.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    len: u64,
    /// Nanoseconds since the Unix epoch (0 where the system does not say).
    modified: u128,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Self {
            len: meta.len(),
            modified,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Brief {
    stamp: Stamp,
    unfinished: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(j: &mut Journal) {
        j.append(&Entry::Started {
            id: "a".into(),
            attribute: "thumbnailPhoto".into(),
            items: 4,
            server: "ldaps://dc1".into(),
            base: "DC=example,DC=test".into(),
            started_at: "2026-12-01T10:00:00Z".into(),
        })
        .unwrap();
    }

    fn writing(dn: &str, sha: &str) -> Entry {
        Entry::Writing {
            dn: dn.into(),
            file: format!("{dn}.jpg").into(),
            sha256: Some(sha.into()),
            backup: None,
            old_sha256: None,
            cloud: None,
        }
    }

    #[test]
    fn torn_last_line_is_ignored_and_the_crash_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let mut j = Journal::create(p.clone()).unwrap();
        started(&mut j);
        j.append(&writing("CN=a", "01")).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"event\":\"wri")
            .unwrap();
        assert_eq!(read(&p).unwrap().len(), 2);
        let s = summarize(&p).unwrap();
        assert_eq!(s.end, End::Stopped);
        assert_eq!(s.left.len(), 1, "a write with no outcome must be looked at");
        let mut j = Journal::create(p.clone()).unwrap();
        j.append(&Entry::Finished {
            cancelled: false,
            unreachable: false,
        })
        .unwrap();
        assert_eq!(
            read(&p).unwrap().len(),
            3,
            "what follows the torn line is read"
        );
        assert_eq!(summarize(&p).unwrap().end, End::Finished);
        assert_eq!(all(dir.path()), vec![p]);
    }

    /// A removal is a change like a write: in doubt once journaled, left to undo (holding no
    /// photo is holding its value), counted once read back, settled by an undo.
    #[test]
    fn a_removal_is_left_to_undo_until_an_undo_settles_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.jsonl");
        let mut j = Journal::create(p.clone()).unwrap();
        started(&mut j);
        let removing = |dn: &str| Entry::Removing {
            dn: dn.into(),
            file: format!("{dn}.jpg").into(),
            backup: Some(format!("/b/{dn}.jpg").into()),
            old_sha256: Some("aa".into()),
        };
        j.append_all(&[removing("CN=x"), removing("CN=y")]).unwrap();
        let s = summarize(&p).unwrap();
        assert_eq!((s.removed, s.in_doubt, s.left.len()), (0, 2, 2));
        assert!(s.left.iter().all(|t| t.removed && t.new_sha256.is_empty()));
        j.append(&Entry::Removed {
            dn: "CN=x".into(),
            file: "CN=x.jpg".into(),
            backup: Some("/b/CN=x.jpg".into()),
        })
        .unwrap();
        let s = summarize(&p).unwrap();
        assert_eq!((s.removed, s.in_doubt, s.left.len()), (1, 1, 2));
        assert!(
            s.describe().contains("1 photos removed"),
            "{}",
            s.describe()
        );
        for dn in ["CN=x", "CN=y"] {
            j.append(&Entry::Undone {
                dn: dn.into(),
                how: UndoneHow::PutBack,
                cloud: None,
            })
            .unwrap();
        }
        let s = summarize(&p).unwrap();
        assert_eq!((s.left.len(), s.put_back, s.in_doubt), (0, 2, 0));
    }

    #[test]
    fn what_is_left_to_undo_follows_outcomes_and_undo_runs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.jsonl");
        let mut j = Journal::create(p.clone()).unwrap();
        started(&mut j);
        // written; sent with no outcome; refused by the server; read-back failed.
        for dn in ["CN=w", "CN=s", "CN=r", "CN=v"] {
            j.append(&writing(dn, "aa")).unwrap();
        }
        j.append(&Entry::Written {
            dn: "CN=w".into(),
            file: "w.jpg".into(),
            bytes: 1,
            sha256: "aa".into(),
            backup: None,
            cloud: None,
        })
        .unwrap();
        for (dn, maybe) in [("CN=r", false), ("CN=v", true)] {
            j.append(&Entry::Failed {
                dn: dn.into(),
                file: "x".into(),
                reason: "x".into(),
                may_have_landed: maybe,
                cloud: None,
            })
            .unwrap();
        }
        // A retry of CN=s sent another photo.
        j.append(&writing("CN=s", "bb")).unwrap();
        j.append(&Entry::Finished {
            cancelled: true,
            unreachable: false,
        })
        .unwrap();
        let s = summarize(&p).unwrap();
        let left: Vec<&str> = s.left.iter().map(|t| t.dn.as_str()).collect();
        assert_eq!(
            left,
            ["CN=w", "CN=s", "CN=v"],
            "the refused write is not left"
        );
        assert_eq!(s.left[1].new_sha256, ["aa", "bb"]);
        assert_eq!((s.written, s.failed, s.end), (1, 2, End::Cancelled));
        assert!(s.describe().contains("3 users to undo"), "{}", s.describe());
        assert_eq!(
            with_something_to_undo(dir.path(), Some("dc=example, dc=test")).len(),
            1
        );
        assert!(with_something_to_undo(dir.path(), Some("DC=other")).is_empty());

        for (dn, how) in [
            ("CN=w", UndoneHow::PutBack),
            ("CN=s", UndoneHow::AlreadyAsBefore),
            ("CN=v", UndoneHow::ChangedSince),
        ] {
            j.append(&Entry::Undone {
                dn: dn.into(),
                how,
                cloud: None,
            })
            .unwrap();
        }
        let s = summarize(&p).unwrap();
        assert!(!s.has_something_to_undo());
        assert_eq!(s.changed_since, ["CN=v"]);
        assert!(
            s.describe().contains("undone (1 changed since"),
            "{}",
            s.describe()
        );
        assert!(
            with_something_to_undo(dir.path(), None).is_empty(),
            "no stale notice"
        );
    }

    /// Start-up reads only journals that changed or still matter: a settled journal whose
    /// length and time are unchanged is not read again; one that grew is.
    #[test]
    fn unfinished_imports_come_from_the_index_without_rereading_settled_journals() {
        let tmp = tempfile::tempdir().unwrap();
        let data = crate::data_folder::DataFolder::new(tmp.path().join("data"));
        let dir = data.journals();
        let stopped = dir.join("2026-01-02.jsonl");
        let mut j = Journal::create(stopped.clone()).unwrap();
        started(&mut j);
        j.append(&writing("CN=s", "aa")).unwrap();
        let settled = dir.join("2026-01-01.jsonl");
        let mut j = Journal::create(settled.clone()).unwrap();
        started(&mut j);
        j.append(&writing("CN=w", "aa")).unwrap();
        j.append(&Entry::Finished {
            cancelled: false,
            unreachable: false,
        })
        .unwrap();
        let found = unfinished(&data, Some("DC=example,DC=test"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, stopped);
        assert!(dir.join(INDEX).exists());

        // The finished journal's bytes replaced (same length, same time): the index is trusted.
        let meta = std::fs::metadata(&settled).unwrap();
        let text = std::fs::read_to_string(&settled).unwrap();
        let cut = text.replace("finished", "xxxxxxxx");
        assert_eq!(cut.len(), text.len());
        std::fs::write(&settled, &cut).unwrap();
        let f = std::fs::File::options().write(true).open(&settled).unwrap();
        f.set_modified(meta.modified().unwrap()).unwrap();
        drop(f);
        assert_eq!(
            unfinished(&data, None).len(),
            1,
            "a settled journal is not read again"
        );
        // Once it changes, it is read: now it has no end either.
        std::fs::write(&settled, format!("{cut}\n")).unwrap();
        assert_eq!(unfinished(&data, None).len(), 2);
        assert!(unfinished(&data, Some("DC=other")).is_empty());
    }
}
