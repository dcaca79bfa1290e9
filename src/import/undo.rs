//! Undoing an import, decided per user from the journal *and* the directory as it is now:
//! a user who holds the photo the import sent gets the old one back (or none, if they had
//! none); a user who already has the old value is left; a user whose photo was changed since
//! is left as it is and named. Never "all put back" when something was left.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::job::Cancel;
use super::journal::{self, Entry, Journal, Touched, UndoneHow};
use super::link;
use super::to_cloud::CloudSide;
use crate::directory::{
    BackupStore, Change, Directory, DirectoryError, Found, PhotoAttribute, Sent, Who, read_saved,
    sha256_hex,
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
    /// The undo of this user failed (why).
    Failed(String),
    /// Not looked at: the server could not be reached (or the undo was cancelled).
    NotAttempted(String),
}

/// One user's line of an undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoResult {
    /// The user's DN.
    pub dn: String,
    /// The user's name as shown.
    pub name: String,
    /// What the undo did.
    pub outcome: UndoOutcome,
    /// This line is the user's Microsoft 365 photo (not the directory's).
    pub cloud: bool,
}

/// The undo of one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoReport {
    /// The import's journal, as read before the undo.
    pub summary: journal::Summary,
    /// One line per user the import touched.
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

    /// Users that already had their old photo (the import's write never landed).
    pub fn already_as_before(&self) -> usize {
        self.count(|o| matches!(o, UndoOutcome::AlreadyAsBefore))
    }

    /// Users whose photo changed after the import: left as they are.
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

/// Users per undo batch (read together, recorded together, sent pipelined, read back together).
const BATCH: usize = 100;

/// Undoes the import recorded in `journal_path`. Users an earlier undo settled are skipped, so
/// an interrupted undo is finished by running it again. Users go in batches: their photos read
/// with a few searches, the values the undo replaces recorded together, the old photos sent
/// pipelined and read back together. A lost connection is ridden out like in the import; if the
/// server stays away the rest is reported as not attempted.
///
/// Microsoft 365 photos the import wrote are put back through `cloud` the same way (each user
/// looked at, the import's photo saved, the old one sent or the photo removed, read back);
/// without `cloud` they are reported as not attempted, "sign in to Microsoft 365".
pub async fn undo(
    dir: &Directory,
    journal_path: &Path,
    backups: &BackupStore,
    cloud: Option<&CloudSide>,
    cancel: &Cancel,
) -> std::io::Result<UndoReport> {
    let summary = journal::summarize(journal_path)?;
    if summary.in_doubt > 0 {
        let_late_writes_land(journal_path, cancel).await;
    }
    let attribute = if summary.attribute.is_empty() {
        PhotoAttribute::default()
    } else {
        PhotoAttribute(summary.attribute.clone())
    };
    let action = format!("undo of import {}", summary.id);
    let ctx = Batch {
        dir,
        attribute: &attribute,
        backups,
        action: action.clone(),
    };
    let mut log = Journal::create(journal_path.to_path_buf())?;
    let mut outcomes: Vec<Option<UndoOutcome>> = vec![None; summary.left.len()];
    let mut stop: Option<String> = None;
    let mut todo: Vec<usize> = (0..summary.left.len())
        .filter(|&i| summary.left[i].cloud.is_none())
        .collect();
    let in_cloud: Vec<usize> = (0..summary.left.len())
        .filter(|&i| summary.left[i].cloud.is_some())
        .collect();
    while !todo.is_empty() {
        if stop.is_none() && cancel.is_cancelled() {
            stop = Some("cancelled".into());
        }
        if let Some(why) = &stop {
            for i in todo.drain(..) {
                outcomes[i] = Some(UndoOutcome::NotAttempted(why.clone()));
            }
            break;
        }
        let take = todo.len().min(BATCH);
        let batch: Vec<usize> = todo.drain(..take).collect();
        let touched: Vec<&Touched> = batch.iter().map(|&i| &summary.left[i]).collect();
        let mut lost = Vec::new();
        let mut entries = Vec::new();
        for (&i, result) in batch.iter().zip(ctx.undo_batch(&touched).await) {
            let outcome = match result {
                Err(e) if e.is_link_lost() => {
                    lost.push(i);
                    continue;
                }
                Err(e) => UndoOutcome::Failed(e.to_string()),
                Ok(o) => o,
            };
            if let Some(how) = settled(&outcome) {
                entries.push(Entry::Undone {
                    dn: summary.left[i].dn.clone(),
                    how,
                    cloud: None,
                });
            }
            outcomes[i] = Some(outcome);
        }
        log.append_all(&entries)?;
        if !lost.is_empty() {
            // Those users go first after the reconnect (the look at each decides again).
            if let Err(why) = link::reconnect(dir, cancel).await {
                stop = Some(super::report::not_attempted(&why));
            }
            lost.append(&mut todo);
            todo = lost;
        }
    }
    if !in_cloud.is_empty() {
        let touched: Vec<&Touched> = in_cloud.iter().map(|&i| &summary.left[i]).collect();
        let done = match cloud {
            Some(side) => super::to_cloud::undo(side, &touched, cancel).await,
            None => touched
                .iter()
                .map(|_| UndoOutcome::NotAttempted(NOT_SIGNED_IN_UNDO.into()))
                .collect(),
        };
        let mut entries = Vec::new();
        for (&i, outcome) in in_cloud.iter().zip(done) {
            if let Some(how) = settled(&outcome) {
                entries.push(Entry::Undone {
                    dn: summary.left[i].dn.clone(),
                    how,
                    cloud: summary.left[i].cloud.clone(),
                });
            }
            outcomes[i] = Some(outcome);
        }
        log.append_all(&entries)?;
    }
    let results = summary
        .left
        .iter()
        .zip(outcomes)
        .map(|(t, o)| UndoResult {
            dn: t.dn.clone(),
            name: match t.cloud {
                Some(_) => format!("{} (Microsoft 365)", crate::directory::rdn_value(&t.dn)),
                None => crate::directory::rdn_value(&t.dn),
            },
            outcome: o.unwrap_or_else(|| UndoOutcome::Failed("not looked at".into())),
            cloud: t.cloud.is_some(),
        })
        .collect();
    let summary = journal::summarize(journal_path)?;
    Ok(UndoReport { summary, results })
}

/// How long a journal with writes in doubt must have been quiet before undo looks at them.
const SETTLE: Duration = Duration::from_secs(3);

/// A write sent just before its process was killed, or on a connection that broke, is not
/// lost with it: the server may still be working through it, and apply it after an undo started
/// at once has found the old photo and left it — the import's photo would then stay. So undo
/// waits until the journal's last line is [`SETTLE`] old (at once for an old crash; cancel
/// ends the wait).
async fn let_late_writes_land(journal_path: &Path, cancel: &Cancel) {
    let quiet_since = std::fs::metadata(journal_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or(SETTLE);
    let mut left = SETTLE.saturating_sub(quiet_since);
    if !left.is_zero() {
        tracing::info!(
            "waiting {:.1} s: writes sent just before the import stopped may still land",
            left.as_secs_f32()
        );
    }
    while !left.is_zero() && !cancel.is_cancelled() {
        let step = left.min(Duration::from_millis(100));
        tokio::time::sleep(step).await;
        left -= step;
    }
}

/// Why an undo left the Microsoft 365 photos alone.
const NOT_SIGNED_IN_UNDO: &str =
    "not attempted: sign in to Microsoft 365 to put back its photos (undo again, signed in)";

/// How the journal records an outcome; `None`: not settled, the next undo looks again.
fn settled(outcome: &UndoOutcome) -> Option<UndoneHow> {
    match outcome {
        UndoOutcome::PutBack | UndoOutcome::Removed => Some(UndoneHow::PutBack),
        UndoOutcome::AlreadyAsBefore => Some(UndoneHow::AlreadyAsBefore),
        UndoOutcome::ChangedSince => Some(UndoneHow::ChangedSince),
        UndoOutcome::Failed(_) | UndoOutcome::NotAttempted(_) => None,
    }
}

/// What every undo batch needs.
struct Batch<'a> {
    dir: &'a Directory,
    attribute: &'a PhotoAttribute,
    backups: &'a BackupStore,
    action: String,
}

/// One user of a batch on the way: what to put back, and the record of the value it replaces.
struct PutBack<'t> {
    at: usize,
    old: Option<Vec<u8>>,
    old_sha: Option<String>,
    found: Found,
    touched: &'t Touched,
}

impl Batch<'_> {
    /// Decides each user from the journal and the photo they hold now, and puts back the old
    /// value of those who still hold a photo the import sent: recorded first, sent pipelined,
    /// read back. In order; an error that `is_link_lost` means "look again after a reconnect".
    async fn undo_batch(&self, touched: &[&Touched]) -> Vec<Result<UndoOutcome, DirectoryError>> {
        let mut out: Vec<Option<Result<UndoOutcome, DirectoryError>>> =
            touched.iter().map(|_| None).collect();
        let who: Vec<Who> = touched.iter().map(|t| Who::dn(t.dn.clone())).collect();
        let current = match self.dir.read_photos(&who, self.attribute).await {
            Ok(c) => c,
            Err(e) => return touched.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut put_back: Vec<PutBack> = Vec::new();
        for (at, (t, found)) in touched.iter().zip(current).enumerate() {
            let found = match found {
                Ok(f) => f,
                Err(e) => {
                    out[at] = Some(Err(e));
                    continue;
                }
            };
            // The old value, checked against its recorded hash (older journals have none).
            let old = match &t.backup {
                Some(path) => match read_saved(path, t.old_sha256.as_deref()) {
                    Ok(b) => Some(b),
                    Err(e) => {
                        out[at] = Some(Err(e));
                        continue;
                    }
                },
                None => None,
            };
            let old_sha = old.as_deref().map(sha256_hex);
            let current_sha = found.photo.as_deref().map(sha256_hex);
            // What the import left: its photo, or — a removal — no photo at all.
            let holds_new = if t.removed {
                current_sha.is_none()
            } else {
                current_sha
                    .as_ref()
                    .is_some_and(|c| t.new_sha256.contains(c))
            };
            if !holds_new {
                out[at] = Some(Ok(if current_sha == old_sha {
                    UndoOutcome::AlreadyAsBefore
                } else {
                    UndoOutcome::ChangedSince
                }));
                continue;
            }
            put_back.push(PutBack {
                at,
                old,
                old_sha,
                found,
                touched: t,
            });
        }
        // The values the undo replaces (the import's photos) go into each user's history too.
        let items: Vec<_> = put_back
            .iter()
            .map(|p| (p.found.user.clone(), p.found.photo.clone()))
            .collect();
        let records = if items.is_empty() {
            Vec::new()
        } else {
            match self
                .backups
                .save_all_off_thread(items, self.attribute.name(), &self.action)
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    for p in &put_back {
                        out[p.at] = Some(Err(e.clone()));
                    }
                    return finish(out);
                }
            }
        };
        let changes: Vec<Change> = put_back
            .iter()
            .map(|p| Change {
                dn: p.found.user.dn.clone(),
                value: p.old.clone().map(Arc::new),
            })
            .collect();
        let sent = self.dir.send_changes(&changes, self.attribute).await;
        let mut check: Vec<&PutBack> = Vec::new();
        for ((p, rec), result) in put_back.iter().zip(&records).zip(sent) {
            match result {
                Sent::Done => check.push(p),
                Sent::Unknown(e) => out[p.at] = Some(Err(e)),
                // Never sent, or refused: nothing changed, so the record goes.
                Sent::NotSent(e) | Sent::Refused(e) => {
                    self.backups.take_back(rec);
                    out[p.at] = Some(Err(e));
                }
            }
        }
        let who: Vec<Who> = check.iter().map(|p| Who::from(&p.found.user)).collect();
        match self.dir.read_photos(&who, self.attribute).await {
            Ok(back) => {
                for (p, back) in check.iter().zip(back) {
                    out[p.at] = Some(match back {
                        Ok(b) if b.photo.as_deref().map(sha256_hex) == p.old_sha => {
                            Ok(if p.old.is_some() {
                                UndoOutcome::PutBack
                            } else {
                                UndoOutcome::Removed
                            })
                        }
                        Ok(_) => Err(DirectoryError::VerifyFailed {
                            dn: p.touched.dn.clone(),
                        }),
                        Err(e) => Err(e),
                    });
                }
            }
            Err(e) => {
                for p in check {
                    out[p.at] = Some(Err(e.clone()));
                }
            }
        }
        finish(out)
    }
}

fn finish(
    out: Vec<Option<Result<UndoOutcome, DirectoryError>>>,
) -> Vec<Result<UndoOutcome, DirectoryError>> {
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Ok(UndoOutcome::Failed("not looked at".into()))))
        .collect()
}
