//! One write batch of an import ([`Ctx::write_batch`]): the users' photos read with a few
//! searches, the old values recorded durably together, the writes journaled together and sent
//! pipelined, read back with a few searches and compared. The run around it (encoding, batching,
//! reconnecting, the report) is `job.rs`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::journal::{Entry, Journal};
use super::plan::PlanItem;
use super::report::Status;
use crate::directory::{
    BackupRecord, BackupStore, Change, Directory, DirectoryError, PhotoAttribute, Sent, Who,
    sha256_hex,
};
use crate::photo;

/// What one user's turn came to.
pub(super) enum Outcome {
    Done(Status),
    /// The connection was lost under this user: try again after a reconnect.
    LinkLost(Box<Pending>),
    /// The run was cancelled before this user's write was sent: the run's end settles it.
    Stopped(Box<Pending>),
}

/// A user with an encoded photo, waiting for a batch — and, after a cut-off attempt, what
/// that attempt had done, so the next one neither encodes again nor records our own new photo
/// as the "old" one.
pub(super) struct Pending {
    pub(super) index: usize,
    pub(super) item: PlanItem,
    pub(super) photo: Arc<photo::Prepared>,
    pub(super) sha: String,
    /// The value before the import, recorded by an earlier attempt.
    pub(super) before: Option<BackupRecord>,
    /// That attempt sent the write (its outcome is unknown).
    pub(super) sent: bool,
}

impl Pending {
    pub(super) fn new(index: usize, item: &PlanItem, photo: Arc<photo::Prepared>) -> Self {
        Self {
            index,
            item: item.clone(),
            sha: sha256_hex(&photo.jpeg),
            photo,
            before: None,
            sent: false,
        }
    }

    /// A failure within a batch; its journal line goes out with the batch's.
    fn failed(
        self,
        reason: String,
        may_have_landed: bool,
        entries: &mut Vec<Entry>,
    ) -> (usize, Outcome) {
        entries.push(Ctx::failed_entry(&self.item, &reason, may_have_landed));
        (self.index, Outcome::Done(Status::Failed { reason }))
    }

    pub(super) fn lost(mut self, before: Option<BackupRecord>, sent: bool) -> (usize, Outcome) {
        self.before = before;
        self.sent |= sent;
        (self.index, Outcome::LinkLost(Box::new(self)))
    }

    fn stopped(mut self, before: Option<BackupRecord>) -> (usize, Outcome) {
        self.before = before;
        (self.index, Outcome::Stopped(Box::new(self)))
    }
}

/// What every batch needs.
pub(super) struct Ctx {
    pub(super) dir: Directory,
    pub(super) attr: PhotoAttribute,
    pub(super) backups: BackupStore,
    pub(super) journal: Arc<Mutex<Option<Journal>>>,
    pub(super) action: String,
    /// Cancel stops every batch before its writes go out, not only the batches not yet begun.
    pub(super) cancel: super::Cancel,
}

impl Ctx {
    pub(super) fn log(&self, entries: &[Entry]) {
        if let Ok(mut j) = self.journal.lock()
            && let Some(j) = j.as_mut()
            && let Err(e) = j.append_all(entries)
        {
            tracing::error!("cannot write the import journal: {e}");
        }
    }

    fn failed_entry(item: &PlanItem, reason: &str, may_have_landed: bool) -> Entry {
        Entry::Failed {
            dn: item.user.dn.clone(),
            file: item.file.clone(),
            reason: reason.to_string(),
            may_have_landed,
            cloud: None,
        }
    }

    /// A failure, journaled at once (so the record says why this user was not written).
    pub(super) fn fail(&self, item: &PlanItem, reason: String, may_have_landed: bool) -> Status {
        self.log(&[Self::failed_entry(item, &reason, may_have_landed)]);
        Status::Failed { reason }
    }

    /// One batch: read every user's photo with a few searches, record the old values durably
    /// together, journal the writes together, send them pipelined, read them back with a few
    /// searches and compare. No write is sent before its old value is on disk; no user is
    /// "written" before the value read back is the one sent.
    pub(super) async fn write_batch(&self, batch: Vec<Pending>) -> Vec<(usize, Outcome)> {
        let (t0, size) = (Instant::now(), batch.len());
        let mut out: Vec<(usize, Outcome)> = Vec::with_capacity(batch.len());
        let mut entries: Vec<Entry> = Vec::new();
        let who: Vec<Who> = batch.iter().map(|p| Who::from(&p.item.user)).collect();
        let current = match self.dir.read_photos(&who, &self.attr).await {
            Ok(c) => c,
            Err(e) if e.is_link_lost() => {
                return batch
                    .into_iter()
                    .map(|p| {
                        let before = p.before.clone();
                        p.lost(before, false)
                    })
                    .collect();
            }
            Err(e) => {
                let reason = e.to_string();
                return batch
                    .into_iter()
                    .map(|p| {
                        let s = self.fail(&p.item, reason.clone(), p.sent);
                        (p.index, Outcome::Done(s))
                    })
                    .collect();
            }
        };
        // Who gets a new record of the value before (and which value), who keeps the record of
        // an earlier attempt, and who turns out to hold the new photo already.
        let mut send: Vec<(Pending, Option<BackupRecord>)> = Vec::new();
        let mut record: Vec<(Pending, Option<Vec<u8>>)> = Vec::new();
        for (p, cur) in batch.into_iter().zip(current) {
            let cur = match cur {
                Ok(c) => c.photo,
                Err(e) => {
                    let sent = p.sent;
                    out.push(p.failed(e.to_string(), sent, &mut entries));
                    continue;
                }
            };
            let cur_sha = cur.as_deref().map(sha256_hex);
            // Already this photo, before any attempt of ours: nothing to do is nothing done
            // (no write to replicate, no backup of an identical picture, no journal line).
            if p.before.is_none() && !p.sent && cur_sha.as_deref() == Some(p.sha.as_str()) {
                out.push((p.index, Outcome::Done(Status::UpToDate)));
                continue;
            }
            match p.before.clone() {
                // A cut-off write that had landed: the read is its verification.
                Some(first) if cur_sha.as_deref() == Some(p.sha.as_str()) => {
                    out.push(self.written(&p, first, &mut entries));
                }
                // Still the value the first attempt recorded: keep that record.
                Some(first) if cur_sha.as_deref() == first.old_sha256() => {
                    send.push((p, Some(first)));
                }
                _ => record.push((p, cur)),
            }
        }
        if self.cancel.is_cancelled() {
            // Nothing recorded yet for these: each keeps what an earlier attempt recorded.
            let unrecorded = record.into_iter().map(|(p, _)| {
                let before = p.before.clone();
                (p, before)
            });
            return self.stop_all(out, &entries, send.into_iter().chain(unrecorded));
        }
        if !record.is_empty() {
            let owned = record
                .iter()
                .map(|(p, cur)| (p.item.user.clone(), cur.clone()))
                .collect();
            let saved = self
                .backups
                .save_all_off_thread(owned, self.attr.name(), &self.action)
                .await;
            match saved {
                Ok(recs) => send.extend(
                    record
                        .into_iter()
                        .zip(recs)
                        .map(|((p, _), rec)| (p, Some(rec))),
                ),
                // Nothing is sent for users whose old value is not safe on disk.
                Err(e) => {
                    for (p, _) in record {
                        let sent = p.sent;
                        out.push(p.failed(e.to_string(), sent, &mut entries));
                    }
                }
            }
        }
        let t_read_backup = t0.elapsed();
        if self.cancel.is_cancelled() {
            // Recorded and not sent: the run's end takes the new records back.
            return self.stop_all(out, &entries, send);
        }
        // The writes, journaled together, then sent.
        entries.extend(send.iter().map(|(p, before)| {
            let before = before.as_ref().expect("every write has its record");
            Entry::Writing {
                dn: p.item.user.dn.clone(),
                file: p.item.file.clone(),
                sha256: Some(p.sha.clone()),
                backup: before.file.clone(),
                old_sha256: before.old_sha256().map(str::to_string),
                cloud: None,
            }
        }));
        self.log(&std::mem::take(&mut entries));
        let changes: Vec<Change> = send
            .iter()
            .map(|(p, _)| Change {
                dn: p.item.user.dn.clone(),
                value: Some(Arc::new(p.photo.jpeg.clone())),
            })
            .collect();
        let t_journal = t0.elapsed();
        let sent = self.dir.send_changes(&changes, &self.attr).await;
        let t_sent = t0.elapsed();
        let mut check: Vec<(Pending, BackupRecord)> = Vec::new();
        for ((p, before), result) in send.into_iter().zip(sent) {
            let before = before.expect("every write has its record");
            match result {
                Sent::Done => check.push((p, before)),
                Sent::Unknown(_) => out.push(p.lost(Some(before), true)),
                Sent::NotSent(_) => out.push(p.lost(Some(before), false)),
                // A refusal changed nothing: the record goes, the journal says so.
                Sent::Refused(e) => {
                    self.backups.take_back(&before);
                    out.push(p.failed(e.to_string(), false, &mut entries));
                }
            }
        }
        // Read back with a few searches; each photo must be exactly the one sent.
        let who: Vec<Who> = check.iter().map(|(p, _)| Who::from(&p.item.user)).collect();
        match self.dir.read_photos(&who, &self.attr).await {
            Ok(back) => {
                for ((p, before), back) in check.into_iter().zip(back) {
                    let same = back.as_ref().is_ok_and(|b| {
                        b.photo.as_deref().map(sha256_hex).as_deref() == Some(&p.sha)
                    });
                    if same {
                        out.push(self.written(&p, before, &mut entries));
                    } else {
                        // Someone else changed it meanwhile, or the server kept another value.
                        let reason = match back {
                            Err(e) => e.to_string(),
                            Ok(_) => DirectoryError::VerifyFailed {
                                dn: p.item.user.dn.clone(),
                            }
                            .to_string(),
                        };
                        out.push(p.failed(reason, true, &mut entries));
                    }
                }
            }
            Err(e) if e.is_link_lost() => {
                out.extend(check.into_iter().map(|(p, b)| p.lost(Some(b), true)));
            }
            Err(e) => {
                for (p, _) in check {
                    out.push(p.failed(e.to_string(), true, &mut entries));
                }
            }
        }
        self.log(&entries);
        tracing::debug!(
            "batch of {size}: read + backups {:?}, journal {:?}, send {:?}, read back + journal {:?}",
            t_read_backup,
            t_journal - t_read_backup,
            t_sent - t_journal,
            t0.elapsed() - t_sent
        );
        out
    }

    /// Cancelled before the batch's writes went out: each user goes back to the run's end with
    /// the record of the value before, if any, and the batch's failures are journaled.
    fn stop_all(
        &self,
        mut out: Vec<(usize, Outcome)>,
        entries: &[Entry],
        users: impl IntoIterator<Item = (Pending, Option<BackupRecord>)>,
    ) -> Vec<(usize, Outcome)> {
        out.extend(users.into_iter().map(|(p, before)| p.stopped(before)));
        self.log(entries);
        out
    }

    fn written(
        &self,
        p: &Pending,
        before: BackupRecord,
        entries: &mut Vec<Entry>,
    ) -> (usize, Outcome) {
        let photo = &p.photo;
        entries.push(Entry::Written {
            dn: p.item.user.dn.clone(),
            file: p.item.file.clone(),
            bytes: photo.jpeg.len(),
            sha256: p.sha.clone(),
            backup: before.file.clone(),
            cloud: None,
        });
        let status = Status::Written {
            bytes: photo.jpeg.len(),
            width: photo.width,
            height: photo.height,
            quality: photo.quality,
            backup: before.file,
        };
        (p.index, Outcome::Done(status))
    }
}
