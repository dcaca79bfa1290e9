//! Running a plan: read each file when its turn comes, encode it on a worker thread, back up
//! the old photo, write, read back — with bounded concurrency, progress, a journal and cancel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};
use tokio::task::JoinSet;

use super::journal::{Entry, Journal};
use super::plan::{Plan, PlanItem};
use super::report::{ItemResult, Report, Status};
use crate::directory::{BackupStore, Directory};
use crate::photo::{self, PrepareOptions};

/// Shared stop flag: set it and the job stops between users (a write under way finishes).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A progress report after each user.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub elapsed: Duration,
    pub last: ItemResult,
}

impl Progress {
    /// Users per second so far.
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-3)
    }

    /// Estimated time left at the current rate.
    pub fn remaining(&self) -> Duration {
        let left = self.total.saturating_sub(self.done) as f64;
        Duration::from_secs_f64(left / self.rate().max(1e-3))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct JobOptions {
    /// Users in flight at once (each: encode on a worker thread, then LDAP write + read back).
    pub concurrency: usize,
}

impl Default for JobOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            concurrency: (cores * 2).clamp(2, 8),
        }
    }
}

/// Runs the plan against `dir`. Never fails as a whole: every user ends written, failed (with
/// the reason) or skipped, and the report says which. The journal is written as it goes.
pub async fn run(
    dir: &Directory,
    plan: &Plan,
    backups: &BackupStore,
    mut journal: Option<Journal>,
    opts: JobOptions,
    cancel: &Cancel,
    mut on_progress: impl FnMut(&Progress),
) -> Report {
    let started = Instant::now();
    let total = plan.items.len();
    let journal_path = journal.as_ref().map(|j| j.path().to_path_buf());
    if let Some(j) = journal.as_mut() {
        let _ = j.append(&Entry::Started {
            id: plan.id.clone(),
            attribute: plan.attribute.name().to_string(),
            items: total,
            server: dir.describe().await,
        });
    }
    let journal = Arc::new(Mutex::new(journal));
    let mut results: Vec<Option<ItemResult>> = vec![None; total];
    let mut next = 0;
    let mut running: JoinSet<(usize, ItemResult)> = JoinSet::new();
    let mut done = 0;
    loop {
        while next < total && running.len() < opts.concurrency.max(1) && !cancel.is_cancelled() {
            let (dir, item, backups, journal) = (
                dir.clone(),
                plan.items[next].clone(),
                backups.clone(),
                journal.clone(),
            );
            let popts = PrepareOptions {
                target: plan.target,
                crop: item.crop,
                rotate_quarter_turns: item.rotate_quarter_turns,
                ..PrepareOptions::default()
            };
            let attr = plan.attribute.clone();
            let index = next;
            running.spawn(async move {
                let status = one(&dir, &item, &attr, popts, &backups, &journal).await;
                (index, result_for(&item, status))
            });
            next += 1;
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (index, result) = match joined {
            Ok(r) => r,
            // A panic in a task must not lose the batch; it is reported below as not done.
            Err(_) => continue,
        };
        done += 1;
        on_progress(&Progress {
            done,
            total,
            elapsed: started.elapsed(),
            last: result.clone(),
        });
        results[index] = Some(result);
    }
    let cancelled = cancel.is_cancelled() && results.iter().any(Option::is_none);
    let results: Vec<ItemResult> = results
        .into_iter()
        .zip(&plan.items)
        .map(|(r, item)| {
            r.unwrap_or_else(|| {
                let reason = if cancelled {
                    "cancelled before this user"
                } else {
                    "internal error while processing this user"
                };
                result_for(
                    item,
                    Status::Skipped {
                        reason: reason.into(),
                    },
                )
            })
        })
        .chain(plan.skipped.iter().map(|(u, why)| ItemResult {
            dn: u.dn.clone(),
            name: u.label(),
            sam_account_name: u.sam_account_name.clone(),
            file: None,
            status: Status::Skipped {
                reason: why.clone(),
            },
        }))
        .collect();
    if let Ok(mut j) = journal.lock()
        && let Some(j) = j.as_mut()
    {
        let _ = j.append(&Entry::Finished { cancelled });
    }
    Report {
        id: plan.id.clone(),
        results,
        cancelled,
        journal: journal_path,
    }
}

fn result_for(item: &PlanItem, status: Status) -> ItemResult {
    ItemResult {
        dn: item.user.dn.clone(),
        name: item.user.label(),
        sam_account_name: item.user.sam_account_name.clone(),
        file: Some(item.file.clone()),
        status,
    }
}

fn log(journal: &Mutex<Option<Journal>>, entry: &Entry) {
    if let Ok(mut j) = journal.lock()
        && let Some(j) = j.as_mut()
        && let Err(e) = j.append(entry)
    {
        tracing::error!("cannot write the import journal: {e}");
    }
}

/// One user: read the file (and let go of it), encode off the async threads, write.
async fn one(
    dir: &Directory,
    item: &PlanItem,
    attr: &crate::directory::PhotoAttribute,
    popts: PrepareOptions,
    backups: &BackupStore,
    journal: &Mutex<Option<Journal>>,
) -> Status {
    // Every failure is journaled, so the record says why this user was not written.
    let fail = |reason: String| {
        log(
            journal,
            &Entry::Failed {
                dn: item.user.dn.clone(),
                file: item.file.clone(),
                reason: reason.clone(),
            },
        );
        Status::Failed { reason }
    };
    let path = item.file.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read the file: {e}"))?;
        photo::prepare(&bytes, &popts).map_err(|e| e.to_string())
    })
    .await;
    let prepared = match prepared {
        Ok(Ok(p)) => p,
        Ok(Err(reason)) => return fail(reason),
        Err(_) => return fail("the photo could not be processed".into()),
    };
    log(
        journal,
        &Entry::Writing {
            dn: item.user.dn.clone(),
            file: item.file.clone(),
        },
    );
    match dir
        .write_photo(&item.user, attr, &prepared.jpeg, backups)
        .await
    {
        Ok(outcome) => {
            let backup = outcome.backup.map(|b| b.file);
            log(
                journal,
                &Entry::Written {
                    dn: item.user.dn.clone(),
                    file: item.file.clone(),
                    bytes: prepared.jpeg.len(),
                    sha256: hex::encode(Sha256::digest(&prepared.jpeg)),
                    backup: backup.clone(),
                },
            );
            Status::Written {
                bytes: prepared.jpeg.len(),
                width: prepared.width,
                height: prepared.height,
                quality: prepared.quality,
                backup,
            }
        }
        Err(e) => fail(e.to_string()),
    }
}
