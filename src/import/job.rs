//! Running a plan: read each file when its turn comes, encode it on a worker thread, back up
//! the old photo, write, read back — with bounded concurrency, progress, a journal and cancel.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::journal::{Entry, Journal};
use super::link;
use super::plan::{Plan, PlanItem};
use super::report::{ItemResult, Report, Status};
use crate::directory::{
    BackupRecord, BackupStore, Directory, DirectoryError, PhotoAttribute, sha256_hex,
};
use crate::photo::{self, PrepareOptions};

/// Why users were left without their turn, as the report says it.
const CUT_OFF: &str = "the server went away during the write";
const NOT_ATTEMPTED_UNREACHABLE: &str = "not attempted: server unreachable";
const CANCELLED_BEFORE: &str = "cancelled before this user";

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

/// Peak memory one photo may take while it is decoded (issue 13's bound for any picture up to
/// the 100-megapixel limit).
pub const PHOTO_PEAK_BYTES: u64 = 300 << 20;

impl Default for JobOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            concurrency: concurrency_for(cores, available_memory()),
        }
    }
}

/// Two users per core (half the time is spent waiting on the server), 2 to 8; no more than
/// the free memory holds photos at their peak, but always one.
fn concurrency_for(cores: usize, available: Option<u64>) -> usize {
    let by_cores = (cores * 2).clamp(2, 8);
    match available {
        Some(bytes) => by_cores.min((bytes / PHOTO_PEAK_BYTES).max(1) as usize),
        None => by_cores,
    }
}

/// Memory the system can give without swapping, where the OS tells us cheaply. No crate: the
/// usual one (sysinfo) reads processes, disks and networks too, `sys-info` compiles C.
#[cfg(target_os = "linux")]
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(windows)]
fn available_memory() -> Option<u64> {
    use windows_sys::Win32::System::SystemInformation::{GlobalMemoryStatusEx, MEMORYSTATUSEX};
    // SAFETY: MEMORYSTATUSEX is plain data; the call only writes into the struct we own.
    let mut status: MEMORYSTATUSEX = unsafe { std::mem::zeroed() };
    status.dwLength = std::mem::size_of::<MEMORYSTATUSEX>() as u32;
    let ok = unsafe { GlobalMemoryStatusEx(&mut status) } != 0;
    ok.then_some(status.ullAvailPhys)
}

/// Elsewhere (macOS) the core count alone decides.
#[cfg(not(any(target_os = "linux", windows)))]
fn available_memory() -> Option<u64> {
    None
}

/// Runs the plan against `dir`. Never fails as a whole: every user ends written, failed (with
/// the reason) or skipped, and the report says which. The journal is written as it goes.
///
/// A lost connection stops new work at once (nothing more is decoded), lets the users under way
/// finish, reconnects with [`link::BACKOFF`] and goes on — the interrupted users first. If the
/// server stays away the rest is "not attempted: server unreachable" and the report says so.
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
            base: dir.base_dn().to_string(),
            started_at: crate::clock::now_rfc3339(),
        });
    }
    let journal = Arc::new(Mutex::new(journal));
    let action = format!("import {}", plan.id);
    let mut results: Vec<Option<ItemResult>> = vec![None; total];
    let mut next = 0;
    // Users whose write was cut off by a lost connection, to try again after a reconnect.
    let mut again: VecDeque<(usize, Retry)> = VecDeque::new();
    let mut link_lost = false;
    let mut unreachable: Option<String> = None;
    let mut running: JoinSet<(usize, Outcome)> = JoinSet::new();
    let mut done = 0;
    loop {
        while !link_lost
            && unreachable.is_none()
            && !cancel.is_cancelled()
            && running.len() < opts.concurrency.max(1)
            && (!again.is_empty() || next < total)
        {
            let (index, retry) = match again.pop_front() {
                Some(r) => r,
                None => {
                    next += 1;
                    (next - 1, Retry::default())
                }
            };
            let item = plan.items[index].clone();
            let step = Step {
                dir: dir.clone(),
                attr: plan.attribute.clone(),
                backups: backups.clone(),
                journal: journal.clone(),
                action: action.clone(),
                popts: PrepareOptions {
                    target: plan.target,
                    crop: item.crop,
                    rotate_quarter_turns: item.rotate_quarter_turns,
                    ..PrepareOptions::default()
                },
            };
            running.spawn(async move { (index, step.one(&item, retry).await) });
        }
        let Some(joined) = running.join_next().await else {
            if link_lost && unreachable.is_none() {
                // Everything under way has come back: now reconnect, then go on.
                match link::reconnect(dir, cancel).await {
                    Ok(()) => link_lost = false,
                    Err(why) => unreachable = Some(why),
                }
                continue;
            }
            break;
        };
        let (index, outcome) = match joined {
            Ok(r) => r,
            // A panic in a task must not lose the batch; it is reported below as not done.
            Err(_) => continue,
        };
        let status = match outcome {
            Outcome::Done(status) => status,
            Outcome::LinkLost(retry) => {
                link_lost = true;
                again.push_back((index, retry));
                continue;
            }
        };
        done += 1;
        let result = result_for(&plan.items[index], status);
        on_progress(&Progress {
            done,
            total,
            elapsed: started.elapsed(),
            last: result.clone(),
        });
        results[index] = Some(result);
    }
    // Users this run did not finish (cut off mid-write, or never reached): what a retry takes.
    let mut unfinished: Vec<String> = again
        .iter()
        .map(|(i, _)| plan.items[*i].user.dn.clone())
        .collect();
    // Users cut off mid-write and never retried: the write may have landed.
    for (index, retry) in again {
        let item = &plan.items[index];
        let reason = format!(
            "{CUT_OFF} and did not come back ({}); the photo may or may not have been written — undo checks",
            unreachable.as_deref().unwrap_or("cancelled")
        );
        if retry.before.is_some() {
            log(
                &journal,
                &Entry::Failed {
                    dn: item.user.dn.clone(),
                    file: item.file.clone(),
                    reason: reason.clone(),
                    may_have_landed: true,
                },
            );
        }
        results[index] = Some(result_for(item, Status::Failed { reason }));
    }
    let cancelled = cancel.is_cancelled() && results.iter().any(Option::is_none);
    if unreachable.is_some() || cancelled {
        unfinished.extend(
            (0..total)
                .filter(|&i| results[i].is_none())
                .map(|i| plan.items[i].user.dn.clone()),
        );
    }
    let results: Vec<ItemResult> = results
        .into_iter()
        .zip(&plan.items)
        .map(|(r, item)| {
            r.unwrap_or_else(|| {
                let reason = if let Some(why) = &unreachable {
                    format!("{NOT_ATTEMPTED_UNREACHABLE} ({why})")
                } else if cancelled {
                    CANCELLED_BEFORE.into()
                } else {
                    "internal error while processing this user".into()
                };
                result_for(item, Status::Skipped { reason })
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
    log(
        &journal,
        &Entry::Finished {
            cancelled,
            unreachable: unreachable.is_some(),
        },
    );
    Report {
        id: plan.id.clone(),
        results,
        cancelled,
        unreachable,
        unfinished,
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

/// What one user's turn came to.
enum Outcome {
    Done(Status),
    /// The connection was lost under this user: try again after a reconnect.
    LinkLost(Retry),
}

/// What a cut-off attempt had already done, so the next one neither decodes again nor records
/// our own new photo as the "old" one.
#[derive(Default)]
struct Retry {
    prepared: Option<Arc<photo::Prepared>>,
    /// The value before the import, recorded by the first attempt.
    before: Option<BackupRecord>,
}

/// What every user's turn needs.
struct Step {
    dir: Directory,
    attr: PhotoAttribute,
    backups: BackupStore,
    journal: Arc<Mutex<Option<Journal>>>,
    action: String,
    popts: PrepareOptions,
}

impl Step {
    /// One user: read the file (and let go of it), encode off the async threads, record the
    /// old value, journal, write, read back.
    async fn one(&self, item: &PlanItem, retry: Retry) -> Outcome {
        let dn = &item.user.dn;
        // Every failure is journaled, so the record says why this user was not written.
        let fail = |reason: String, may_have_landed: bool| {
            log(
                &self.journal,
                &Entry::Failed {
                    dn: dn.clone(),
                    file: item.file.clone(),
                    reason: reason.clone(),
                    may_have_landed,
                },
            );
            Outcome::Done(Status::Failed { reason })
        };
        // Encoded already: on the first try of a cut-off write, or by the wizard's preview of
        // this very file (unchanged since), crop and size.
        let prepared = match retry.prepared.or_else(|| item.reusable()) {
            Some(p) => p,
            None => {
                let (path, popts) = (item.file.clone(), self.popts.clone());
                // The report and journal name the file beside the reason.
                let prepared = tokio::task::spawn_blocking(move || {
                    photo::prepare_file(&path, &popts).map_err(|e| e.reason())
                })
                .await;
                match prepared {
                    Ok(Ok(p)) => Arc::new(p),
                    Ok(Err(reason)) => return fail(reason, false),
                    Err(_) => return fail("the photo could not be processed".into(), false),
                }
            }
        };
        let new_sha = sha256_hex(&prepared.jpeg);
        let lost = |before: Option<BackupRecord>| {
            Outcome::LinkLost(Retry {
                prepared: Some(prepared.clone()),
                before,
            })
        };
        // A retry keeps the first attempt's record while the photo still holds that value, and
        // only confirms a cut-off write that had landed.
        let kept = match &retry.before {
            None => None,
            Some(first) => match self.dir.read_photo(dn, &self.attr).await {
                Ok(current) => {
                    let current = current.as_deref().map(sha256_hex);
                    if current.as_deref() == Some(new_sha.as_str()) {
                        return self.written(item, &prepared, &new_sha, first.clone());
                    }
                    (current.as_deref() == first.old_sha256()).then(|| first.clone())
                }
                Err(e) if e.is_link_lost() => return lost(retry.before.clone()),
                Err(e) => return fail(e.to_string(), true),
            },
        };
        let before = match kept {
            Some(b) => b,
            None => match self
                .dir
                .record_before(&item.user, &self.attr, &self.backups, &self.action)
                .await
            {
                Ok(b) => b,
                Err(e) if e.is_link_lost() => return lost(retry.before),
                // On a retry, the cut-off write may have landed.
                Err(e) => return fail(e.to_string(), retry.before.is_some()),
            },
        };
        log(
            &self.journal,
            &Entry::Writing {
                dn: dn.clone(),
                file: item.file.clone(),
                sha256: Some(new_sha.clone()),
                backup: before.file.clone(),
                old_sha256: before.old_sha256().map(str::to_string),
            },
        );
        match self
            .dir
            .replace_verified(dn, &self.attr, &prepared.jpeg)
            .await
        {
            Ok(()) => self.written(item, &prepared, &new_sha, before),
            Err(e) if e.is_link_lost() => lost(Some(before)),
            // A refusal changed nothing; a read-back that differs may hide a landed write.
            Err(e) => {
                let maybe = matches!(e, DirectoryError::VerifyFailed { .. });
                fail(e.to_string(), maybe)
            }
        }
    }

    fn written(
        &self,
        item: &PlanItem,
        prepared: &photo::Prepared,
        sha: &str,
        before: BackupRecord,
    ) -> Outcome {
        log(
            &self.journal,
            &Entry::Written {
                dn: item.user.dn.clone(),
                file: item.file.clone(),
                bytes: prepared.jpeg.len(),
                sha256: sha.to_string(),
                backup: before.file.clone(),
            },
        );
        Outcome::Done(Status::Written {
            bytes: prepared.jpeg.len(),
            width: prepared.width,
            height: prepared.height,
            quality: prepared.quality,
            backup: before.file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_respects_cores_and_free_memory() {
        const GB: u64 = 1 << 30;
        assert_eq!(concurrency_for(1, None), 2);
        assert_eq!(concurrency_for(16, None), 8);
        assert_eq!(concurrency_for(16, Some(64 * GB)), 8);
        // 1 GB free holds three photos at their peak; 100 MB none, but one always runs.
        assert_eq!(concurrency_for(16, Some(GB)), 3);
        assert_eq!(concurrency_for(16, Some(100 << 20)), 1);
        assert!(available_memory().is_none_or(|b| b > 0));
    }
}
