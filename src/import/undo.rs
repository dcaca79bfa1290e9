//! Undoing an import, decided per user from the journal *and* the directory as it is now:
//! a user who holds the photo the import sent gets the old one back (or none, if they had
//! none); a user who already has the old value is left; a user whose photo was changed since
//! is left as it is and named. Never "all put back" when something was left.

use std::path::Path;

use super::job::Cancel;
use super::journal::{self, Entry, Journal, Touched, UndoneHow};
use super::link;
use crate::directory::{
    BackupStore, Directory, DirectoryError, PhotoAttribute, read_saved, sha256_hex,
};

/// What an undo did for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoOutcome {
    /// The old photo is back.
    PutBack,
    /// The user had no photo before the import: the photo was removed.
    Removed,
    /// The user already had the value from before the import (its write never landed).
    AlreadyAsBefore,
    /// The photo was changed after the import: left as it is.
    ChangedSince,
    Failed(String),
    /// Not looked at: the server could not be reached (or the undo was cancelled).
    NotAttempted(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoResult {
    pub dn: String,
    pub name: String,
    pub outcome: UndoOutcome,
}

/// The undo of one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoReport {
    pub summary: journal::Summary,
    pub results: Vec<UndoResult>,
}

impl UndoReport {
    fn count(&self, f: impl Fn(&UndoOutcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    /// Users given back their old state by this undo (photo put back or removed).
    pub fn put_back(&self) -> usize {
        self.count(|o| matches!(o, UndoOutcome::PutBack | UndoOutcome::Removed))
    }

    pub fn already_as_before(&self) -> usize {
        self.count(|o| matches!(o, UndoOutcome::AlreadyAsBefore))
    }

    pub fn changed_since(&self) -> Vec<&UndoResult> {
        self.results
            .iter()
            .filter(|r| r.outcome == UndoOutcome::ChangedSince)
            .collect()
    }

    /// Users still to undo: failed or not attempted (run the undo again).
    pub fn not_done(&self) -> Vec<&UndoResult> {
        self.results
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    UndoOutcome::Failed(_) | UndoOutcome::NotAttempted(_)
                )
            })
            .collect()
    }

    /// Every user is as before the import (nothing left, nothing changed by others).
    pub fn complete(&self) -> bool {
        self.not_done().is_empty() && self.changed_since().is_empty()
    }

    /// "12 photos put back, 3 were already as before; 1 changed since the import, left as it
    /// is: Anna Berg; 2 not undone (run undo again): …".
    pub fn describe(&self) -> String {
        let mut text = format!("{} put back", self.put_back());
        if self.already_as_before() > 0 {
            text.push_str(&format!(
                ", {} already as before the import",
                self.already_as_before()
            ));
        }
        for (users, what) in [
            (
                self.changed_since(),
                "changed since the import, left as they are",
            ),
            (self.not_done(), "NOT undone yet (undo again to finish)"),
        ] {
            if !users.is_empty() {
                let names: Vec<&str> = users.iter().map(|r| r.name.as_str()).collect();
                text.push_str(&format!("; {} {what}: {}", users.len(), names.join(", ")));
            }
        }
        text
    }
}

/// Undoes the import recorded in `journal_path`. Users an earlier undo settled are skipped, so
/// an interrupted undo is finished by running it again. A lost connection is ridden out like in
/// the import; if the server stays away the rest is reported as not attempted.
pub async fn undo(
    dir: &Directory,
    journal_path: &Path,
    backups: &BackupStore,
    cancel: &Cancel,
) -> std::io::Result<UndoReport> {
    let summary = journal::summarize(journal_path)?;
    let attribute = if summary.attribute.is_empty() {
        PhotoAttribute::default()
    } else {
        PhotoAttribute(summary.attribute.clone())
    };
    let action = format!("undo of import {}", summary.id);
    let mut log = Journal::create(journal_path.to_path_buf())?;
    let mut results = Vec::new();
    let mut stop: Option<String> = None;
    for t in &summary.left {
        let name = crate::directory::rdn_value(&t.dn);
        if stop.is_none() && cancel.is_cancelled() {
            stop = Some("cancelled".into());
        }
        if let Some(why) = &stop {
            results.push(UndoResult {
                dn: t.dn.clone(),
                name,
                outcome: UndoOutcome::NotAttempted(why.clone()),
            });
            continue;
        }
        let mut outcome = undo_one(dir, t, &attribute, backups, &action).await;
        if let Err(e) = &outcome
            && e.is_link_lost()
        {
            outcome = match link::reconnect(dir, cancel).await {
                Ok(()) => undo_one(dir, t, &attribute, backups, &action).await,
                Err(why) => {
                    let why = format!("not attempted: server unreachable ({why})");
                    stop = Some(why.clone());
                    Ok(UndoOutcome::NotAttempted(why))
                }
            };
        }
        let outcome = outcome.unwrap_or_else(|e| UndoOutcome::Failed(e.to_string()));
        let how = match outcome {
            UndoOutcome::PutBack | UndoOutcome::Removed => Some(UndoneHow::PutBack),
            UndoOutcome::AlreadyAsBefore => Some(UndoneHow::AlreadyAsBefore),
            UndoOutcome::ChangedSince => Some(UndoneHow::ChangedSince),
            UndoOutcome::Failed(_) | UndoOutcome::NotAttempted(_) => None,
        };
        if let Some(how) = how {
            log.append(&Entry::Undone {
                dn: t.dn.clone(),
                how,
            })?;
        }
        results.push(UndoResult {
            dn: t.dn.clone(),
            name,
            outcome,
        });
    }
    let summary = journal::summarize(journal_path)?;
    Ok(UndoReport { summary, results })
}

async fn undo_one(
    dir: &Directory,
    t: &Touched,
    attribute: &PhotoAttribute,
    backups: &BackupStore,
    action: &str,
) -> Result<UndoOutcome, DirectoryError> {
    let current = dir.read_photo(&t.dn, attribute).await?;
    let current_sha = current.as_deref().map(sha256_hex);
    // The old value, checked against its recorded hash (older journals have none).
    let old_bytes = match &t.backup {
        Some(path) => Some(read_saved(path, t.old_sha256.as_deref())?),
        None => None,
    };
    let old_sha = old_bytes.as_deref().map(sha256_hex);
    let holds_new = current_sha
        .as_ref()
        .is_some_and(|c| t.new_sha256.contains(c));
    if !holds_new {
        return Ok(if current_sha == old_sha {
            UndoOutcome::AlreadyAsBefore
        } else {
            UndoOutcome::ChangedSince
        });
    }
    let user = dir.find_user(&t.dn, attribute).await?;
    match old_bytes {
        Some(old) => {
            dir.write_photo_as(&user, attribute, &old, backups, action)
                .await?;
            Ok(UndoOutcome::PutBack)
        }
        None => {
            dir.remove_photo_as(&user, attribute, backups, action)
                .await?;
            Ok(UndoOutcome::Removed)
        }
    }
}
