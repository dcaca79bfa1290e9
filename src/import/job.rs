//! Running a plan: encode each photo on a worker thread, then write in batches — the old
//! photos read and backed up together, the writes sent pipelined, read back together — with
//! bounded memory, progress, a journal and cancel.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::batch::{Ctx, Outcome, Pending};
use super::journal::{Entry, Journal};
use super::link;
use super::plan::{Plan, PlanItem};
use super::provenance::{Provenance, SourceFile, sort_out};
use super::report::{ItemResult, Report, Status};
use super::to_cloud::CloudSide;
use crate::directory::{BackupStore, Directory};
use crate::photo::{self, PrepareOptions};

/// Why users were left without their turn, as the report says it.
const CUT_OFF: &str = "the server went away during the write";
pub(super) const CANCELLED_BEFORE: &str = "cancelled before this user";
const NOT_SENT: &str = "not sent: the connection was lost before this write";

/// Shared stop flag: set it and the job stops between users (a write under way finishes).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks the job to stop after the users under way.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A progress report after each user.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Users finished so far.
    pub done: usize,
    /// Users in the plan.
    pub total: usize,
    /// Time since the job started.
    pub elapsed: Duration,
    /// The user just finished.
    pub last: ItemResult,
    /// Users handed to the server and not finished yet: a cancel now still lets these end
    /// (a batch is not cut in half), so `done + writing` is the most a cancel now can leave written.
    pub writing: usize,
    /// `last` is about the Microsoft 365 photo (the leg after the directory's, when both).
    pub to_cloud: bool,
}

impl Progress {
    /// Progress of the directory's leg with `last` just finished outside a batch (sorted out
    /// before encoding, or removed).
    fn settled(done: usize, total: usize, started: Instant, last: &ItemResult) -> Self {
        Self {
            done,
            total,
            elapsed: started.elapsed(),
            last: last.clone(),
            writing: 0,
            to_cloud: false,
        }
    }

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

/// How the job runs.
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

/// Users per write batch: two searches to read their photos before and after, one group of
/// backups, one journal sync each way. The first batches are smaller, so the first writes go
/// out soon and the pipeline fills ([`batch_size`]).
const BATCH_MAX: usize = 50;
/// Batches under way at once: while some are being sent, the next are read and backed up
/// (their syncs overlap the sends) and those before are read back.
const BATCHES_IN_FLIGHT: usize = 6;

/// 8, 16, 32, then 50 users.
fn batch_size(started: usize) -> usize {
    (8usize << started.min(3)).min(BATCH_MAX)
}

/// Runs the plan against `dir`. Never fails as a whole: every user ends written, failed (with
/// the reason) or skipped, and the report says which. The journal is written as it goes.
///
/// Photos are encoded on worker threads as fast as cores and memory allow, and written in
/// batches of what is ready ([`Ctx::write_batch`], `batch.rs`): a slow link costs a few round trips per batch,
/// not three per user. A lost connection stops new work at once (nothing more is encoded),
/// lets the batches under way finish, reconnects with [`link::BACKOFF`] and goes on — the
/// interrupted users first. If the server stays away the rest is "not attempted: server
/// unreachable" and the report says so.
pub async fn run(
    dir: &Directory,
    plan: &Plan,
    backups: &BackupStore,
    journal: Option<Journal>,
    opts: JobOptions,
    cancel: &Cancel,
    on_progress: impl FnMut(&Progress),
) -> Report {
    run_to(
        dir,
        None,
        plan,
        backups,
        journal,
        None,
        opts,
        cancel,
        on_progress,
    )
    .await
}

/// [`run`] to the plan's destinations ([`Plan::to`]): the directory's leg as [`run`] describes,
/// then Microsoft 365's (`cloud`, [`super::to_cloud`]), one journal for both. Progress counts
/// both legs (`total` is the users times the legs). Without `cloud`, a plan that asks for
/// Microsoft 365 fails its cloud leg for every user with "not signed in".
#[allow(clippy::too_many_arguments)]
pub(super) async fn run_to(
    dir: &Directory,
    cloud: Option<&CloudSide>,
    plan: &Plan,
    backups: &BackupStore,
    mut journal: Option<Journal>,
    mut made: Option<Provenance>,
    opts: JobOptions,
    cancel: &Cancel,
    mut on_progress: impl FnMut(&Progress),
) -> Report {
    let started = Instant::now();
    let legs = usize::from(plan.to.directory()) + usize::from(plan.to.cloud());
    let mut all = plan.items.len() * legs;
    // The directory's leg works on this plan: with no items when it is not a destination.
    let ad_only;
    let full = plan;
    let plan = if plan.to.directory() {
        plan
    } else {
        ad_only = Plan {
            items: Vec::new(),
            ..plan.clone()
        };
        &ad_only
    };
    // Who the records show up to date or changed outside adphoto: decided before encoding.
    let (mut todo, mut early) = match &made {
        Some(m) if plan.to.directory() => sort_out(dir, plan, m, backups).await,
        _ => (plan.clone(), Vec::new()),
    };
    // `--remove-missing`: whose file is gone and who holds what adphoto made from it. Their
    // "no file" lines give way to what becomes of them.
    let (removals, kept) = match (&made, &full.remove_missing) {
        (Some(m), Some(folder)) if plan.to.directory() => {
            super::removal::find(dir, plan, folder, m, backups).await
        }
        _ => (Vec::new(), Vec::new()),
    };
    let decided: std::collections::HashSet<&str> = removals
        .iter()
        .map(|r| r.dn())
        .chain(kept.iter().map(|k| k.dn.as_str()))
        .collect();
    todo.skipped
        .retain(|(u, _)| !decided.contains(u.dn.as_str()));
    drop(decided);
    early.extend(kept);
    all += removals.len();
    // The safety valve: a wrong pattern or folder must not rewrite everyone at once.
    if let Some(why) = too_many_changes(full, todo.items.len() + removals.len()) {
        if let Some(j) = journal.take() {
            let path = j.path().to_path_buf();
            drop(j);
            let _ = std::fs::remove_file(path);
        }
        return full.not_started(&why);
    }
    let plan = &todo;
    let total = plan.items.len();
    let journal_path = journal.as_ref().map(|j| j.path().to_path_buf());
    if let Some(j) = journal.as_mut() {
        let _ = j.append(&Entry::Started {
            id: plan.id.clone(),
            attribute: plan.attribute.name().to_string(),
            items: full.items.len(),
            server: dir.describe().await,
            base: dir.base_dn().to_string(),
            started_at: crate::clock::now_rfc3339(),
        });
    }
    let ctx = Arc::new(Ctx {
        dir: dir.clone(),
        attr: plan.attribute.clone(),
        backups: backups.clone(),
        journal: Arc::new(Mutex::new(journal)),
        action: format!("import {}", plan.id),
        cancel: cancel.clone(),
    });
    let paused = Arc::new(AtomicBool::new(false));
    let mut encoded = encode_all(plan, opts, cancel, paused.clone());
    let mut results: Vec<Option<ItemResult>> = vec![None; total];
    // Encoded and waiting for a batch; users whose write was cut off, to try again first.
    let mut ready: Vec<Pending> = Vec::new();
    let mut again: VecDeque<Pending> = VecDeque::new();
    let mut encoding_done = false;
    let mut link_lost = false;
    let mut unreachable: Option<String> = None;
    let mut running: JoinSet<Vec<(usize, Outcome)>> = JoinSet::new();
    let mut done = 0;
    for r in &early {
        done += 1;
        on_progress(&Progress::settled(done, all, started, r));
    }
    // Each photo's source file and sha256, for the records of what made it.
    let mut sources: HashMap<usize, (SourceFile, String)> = HashMap::new();
    let mut batches = 0;
    // Users in batches spawned and not yet reported.
    let mut writing = 0;
    let mut finish =
        |index: usize, status: Status, writing: usize, results: &mut Vec<Option<ItemResult>>| {
            done += 1;
            let result = result_for(&plan.items[index], status);
            on_progress(&Progress {
                done,
                total: all,
                elapsed: started.elapsed(),
                last: result.clone(),
                writing,
                to_cloud: false,
            });
            results[index] = Some(result);
        };
    loop {
        let go = !link_lost && unreachable.is_none() && !cancel.is_cancelled();
        while go && running.len() < BATCHES_IN_FLIGHT {
            let size = batch_size(batches);
            // Take in what the encoder has ready.
            while again.len() + ready.len() < size {
                match encoded.try_recv() {
                    Ok((index, Ok((p, source)))) => {
                        let p = Pending::new(index, &plan.items[index], p);
                        if let Some(source) = source {
                            sources.insert(index, (source, p.sha.clone()));
                        }
                        ready.push(p);
                    }
                    Ok((index, Err(reason))) => {
                        let status = ctx.fail(&plan.items[index], reason, false);
                        finish(index, status, writing, &mut results);
                    }
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        encoding_done = true;
                        break;
                    }
                }
            }
            let have = again.len() + ready.len();
            // A part-filled batch goes only when nothing else is under way or no more is
            // coming: a batch of two must not hold the place of a full one while the link's
            // round trips go by.
            if have == 0 || (have < size && !running.is_empty() && !encoding_done) {
                break;
            }
            let mut batch: Vec<Pending> = Vec::with_capacity(size.min(have));
            while batch.len() < size
                && let Some(p) = again.pop_front()
            {
                batch.push(p);
            }
            let room = size - batch.len();
            batch.extend(ready.drain(..room.min(ready.len())));
            batches += 1;
            writing += batch.len();
            let ctx = ctx.clone();
            running.spawn(async move { ctx.write_batch(batch).await });
        }
        let take = go && running.len() < BATCHES_IN_FLIGHT && !encoding_done;
        tokio::select! {
            Some(joined) = running.join_next(), if !running.is_empty() => {
                // A panic in a batch must not lose the run; its users are reported as not done.
                let Ok(outcomes) = joined else { continue };
                for (index, outcome) in outcomes {
                    writing -= 1;
                    match outcome {
                        Outcome::Done(status) => finish(index, status, writing, &mut results),
                        Outcome::LinkLost(p) => {
                            link_lost = true;
                            paused.store(true, Ordering::SeqCst);
                            again.push_back(*p);
                        }
                        Outcome::Stopped(p) => again.push_back(*p),
                    }
                }
            }
            next = encoded.recv(), if take => match next {
                Some((index, Ok((p, source)))) => {
                    let p = Pending::new(index, &plan.items[index], p);
                    if let Some(source) = source {
                        sources.insert(index, (source, p.sha.clone()));
                    }
                    ready.push(p);
                }
                Some((index, Err(reason))) => {
                    let status = ctx.fail(&plan.items[index], reason, false);
                    finish(index, status, writing, &mut results);
                }
                None => encoding_done = true,
            },
            else => {
                if link_lost && unreachable.is_none() {
                    // Everything under way has come back: now reconnect, then go on.
                    match link::reconnect(dir, cancel).await {
                        Ok(()) => {
                            link_lost = false;
                            paused.store(false, Ordering::SeqCst);
                        }
                        Err(why) => unreachable = Some(why),
                    }
                    continue;
                }
                if go && !ready.is_empty() {
                    continue;
                }
                break;
            }
        }
    }
    // Stop the encoder; what it had ready is not written.
    drop(encoded);
    // Users this run did not finish (cut off mid-write, or never reached): what a retry takes.
    let mut unfinished: Vec<String> = again
        .iter()
        .map(|p| plan.items[p.index].user.dn.clone())
        .collect();
    let why = unreachable.as_deref().unwrap_or("cancelled").to_string();
    for p in again {
        let item = &plan.items[p.index];
        let status = match (&p.before, p.sent) {
            // Sent, and no answer came: the write may have landed.
            (Some(_), true) => ctx.fail(
                item,
                format!(
                    "{CUT_OFF} and did not come back ({why}); the photo may or may not have been written — undo checks"
                ),
                true,
            ),
            // Recorded but never sent: take the record back, nothing changed.
            (Some(before), false) => {
                ctx.backups.take_back(before);
                ctx.fail(item, format!("{NOT_SENT} ({why})"), false);
                Status::Skipped {
                    reason: super::report::not_attempted(&why),
                }
            }
            (None, _) => Status::Skipped {
                reason: super::report::not_attempted(&why),
            },
        };
        results[p.index] = Some(result_for(item, status));
    }
    let cancelled = cancel.is_cancelled() && results.iter().any(Option::is_none);
    if unreachable.is_some() || cancelled {
        unfinished.extend(
            (0..total)
                .filter(|&i| results[i].is_none())
                .map(|i| plan.items[i].user.dn.clone()),
        );
    }
    // The removals, once every new photo had its turn (a stopped run removes nothing more).
    let removed = if unreachable.is_none() && !cancel.is_cancelled() {
        let removed = super::removal::remove(&ctx, removals).await;
        for r in &removed {
            done += 1;
            on_progress(&Progress::settled(done, all, started, r));
        }
        removed
    } else {
        let reason = match &unreachable {
            Some(why) => super::report::not_attempted(why),
            None => CANCELLED_BEFORE.to_string(),
        };
        removals
            .iter()
            .map(|r| r.not_attempted(reason.clone()))
            .collect()
    };
    // What made each photo the users now hold, for the next run.
    if let Some(m) = made.as_mut() {
        for r in &removed {
            if matches!(r.status, Status::Removed { .. }) {
                m.forget(&r.dn);
            }
        }
        for (i, r) in results.iter().enumerate() {
            if let Some(r) = r
                && matches!(r.status, Status::Written { .. } | Status::UpToDate)
                && let Some((source, sha)) = sources.remove(&i)
            {
                m.record(plan, &plan.items[i], source, sha, backups);
            }
        }
        if let Err(e) = m.save() {
            tracing::warn!("cannot keep the records of what made each photo: {e}");
        }
    }
    let results: Vec<ItemResult> = results
        .into_iter()
        .zip(&plan.items)
        .map(|(r, item)| {
            r.unwrap_or_else(|| {
                let reason = if let Some(why) = &unreachable {
                    super::report::not_attempted(&why)
                } else if cancelled {
                    CANCELLED_BEFORE.into()
                } else {
                    "internal error while processing this user".into()
                };
                result_for(item, Status::Skipped { reason })
            })
        })
        .chain(early)
        .chain(removed)
        .chain(plan.skipped.iter().map(|(u, why)| {
            let reason = why.to_string();
            ItemResult::new(u, None, Status::Skipped { reason })
        }))
        .collect();
    // Microsoft 365's leg: after the directory's, unless that one was stopped.
    let mut cloud_results = Vec::new();
    let mut cloud_cancelled = false;
    if full.to.cloud() && !cancelled && unreachable.is_none() {
        let ad_done = done;
        let mut cloud_done = 0;
        let progress = |r: &ItemResult| {
            cloud_done += 1;
            on_progress(&Progress {
                done: ad_done + cloud_done,
                total: all,
                elapsed: started.elapsed(),
                last: r.clone(),
                writing: 0,
                to_cloud: true,
            });
        };
        let leg = match cloud {
            Some(side) => {
                super::to_cloud::run(side, full, ctx.journal.clone(), opts, cancel, progress).await
            }
            None => super::to_cloud::not_signed_in(full, progress),
        };
        cloud_cancelled = cancel.is_cancelled()
            && leg.results.iter().any(
                |r| matches!(&r.status, Status::Skipped { reason } if reason == CANCELLED_BEFORE),
            );
        if let Some(why) = leg.unreachable {
            unreachable = Some(why);
        }
        // Cut off by the cancel: what a retry takes (once per user).
        for r in &leg.results {
            if matches!(&r.status, Status::Skipped { reason } if reason == CANCELLED_BEFORE)
                && !unfinished.contains(&r.dn)
            {
                unfinished.push(r.dn.clone());
            }
        }
        cloud_results = leg.results;
    }
    let cancelled = cancelled || cloud_cancelled;
    ctx.log(&[Entry::Finished {
        cancelled,
        unreachable: unreachable.is_some(),
    }]);
    // When the directory is not a destination, who was left out is said beside the cloud's lines.
    let (results, cloud_results) = if full.to.directory() {
        (results, cloud_results)
    } else {
        (
            Vec::new(),
            cloud_results.into_iter().chain(results).collect(),
        )
    };
    Report {
        id: plan.id.clone(),
        results,
        cloud: cloud_results,
        cancelled,
        unreachable,
        unfinished,
        journal: journal_path,
        not_started: None,
    }
}

/// Why a run that would change `changes` photos is more than `plan` allows at once, if it is.
fn too_many_changes(plan: &Plan, changes: usize) -> Option<String> {
    let share = plan.max_change_share?;
    let considered = plan.items.len() + plan.skipped.len();
    let allowed = (share * considered as f64).floor() as usize;
    (changes > allowed).then(|| {
        format!(
            "it would change {changes} of {considered} users' photos at once, more than the {:.0} % \
             allowed; a wrong pattern or folder is the usual cause. Check them (a dry run lists \
             who gets which file), then run it again with --allow-mass-change if this is meant.",
            share * 100.0
        )
    })
}

/// An encoded photo with the source it was made from, or why it could not be made.
type Encoded = Result<(Arc<photo::Prepared>, Option<SourceFile>), String>;

/// Encodes the plan's photos on worker threads, `opts.concurrency` at once, into a bounded
/// channel (encoding waits when writing falls behind, so memory stays bounded). Photos the
/// wizard already encoded from unchanged files are passed on as they are. Stops encoding while
/// `paused` (the link is lost) and when the run is cancelled or the receiver dropped.
fn encode_all(
    plan: &Plan,
    opts: JobOptions,
    cancel: &Cancel,
    paused: Arc<AtomicBool>,
) -> mpsc::Receiver<(usize, Encoded)> {
    let (tx, rx) = mpsc::channel(BATCH_MAX);
    let items: Vec<(PathBuf, PrepareOptions, Option<Arc<photo::Prepared>>)> = plan
        .items
        .iter()
        .map(|item| {
            let popts = PrepareOptions {
                target: plan.target,
                crop: item.crop,
                rotate_quarter_turns: item.rotate_quarter_turns,
                ..PrepareOptions::default()
            };
            (item.file.clone(), popts, item.reusable())
        })
        .collect();
    let cancel = cancel.clone();
    tokio::spawn(async move {
        let mut running = JoinSet::new();
        let mut next = 0;
        loop {
            let stop = cancel.is_cancelled() || tx.is_closed();
            while !stop
                && !paused.load(Ordering::SeqCst)
                && running.len() < opts.concurrency.max(1)
                && next < items.len()
            {
                let (path, popts, reuse) = items[next].clone();
                let index = next;
                next += 1;
                running.spawn(async move {
                    // The source is hashed as it is read (or, for a photo the wizard made,
                    // read again): the record of what made the photo names it.
                    let prepared = tokio::task::spawn_blocking(move || match reuse {
                        Some(p) => Ok((p, SourceFile::read(&path))),
                        // The report and journal name the file beside the reason.
                        None => photo::prepare_file_with(&path, &popts, |bytes| {
                            SourceFile::of_bytes(&path, bytes)
                        })
                        .map(|(p, source)| (Arc::new(p), source))
                        .map_err(|e| e.reason()),
                    })
                    .await;
                    let result = match prepared {
                        Ok(Ok(p)) => Ok(p),
                        Ok(Err(reason)) => Err(reason),
                        Err(_) => Err("the photo could not be processed".to_string()),
                    };
                    (index, result)
                });
            }
            match running.join_next().await {
                Some(Ok(done)) => {
                    if tx.send(done).await.is_err() {
                        return;
                    }
                }
                Some(Err(_)) => {}
                None if stop || next >= items.len() => return,
                // Paused with nothing under way: look again shortly.
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    rx
}

fn result_for(item: &PlanItem, status: Status) -> ItemResult {
    ItemResult::new(&item.user, Some(&item.file), status)
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
