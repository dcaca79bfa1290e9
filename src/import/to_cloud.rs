//! An import's Microsoft 365 leg: the plan's users found in Entra ID ([`cloud::accounts_for`]),
//! each photo made again from the same file and crop at 648 px ([`Target::microsoft_365`]),
//! and written with the directory's promises: the old cloud photo saved before it is replaced
//! (404: it had none), `writing` journaled before the PUT, the photo read back, `written` or
//! `failed` journaled after. The journal lines carry the Entra object id, so [`super::undo`]
//! puts the cloud photo back too.

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::job::{CANCELLED_BEFORE, Cancel, JobOptions};
use super::journal::{Entry, Journal, Touched};
use super::plan::{Plan, PlanItem};
use super::report::{ItemResult, Status};
use super::undo::UndoOutcome;
use crate::cloud::{self, CloudBackups, CloudError, CloudUser, Graph};
use crate::directory::sha256_hex;
use crate::photo::{self, PrepareOptions, Target};

/// A signed-in Microsoft 365 tenant and where its replaced photos are kept: what an import
/// (and an undo) needs to write the cloud photo.
#[derive(Clone)]
pub struct CloudSide {
    /// The signed-in Graph connection.
    pub graph: Graph,
    /// The data folder's `cloud-backups/`.
    pub backups: CloudBackups,
}

/// Users whose turn runs at once: each is a few requests one after the other (read, write,
/// read back), so a few more than Graph's parallel requests keep them all busy.
const USERS_IN_FLIGHT: usize = cloud::DEFAULT_PARALLEL * 2;

/// What the leg did.
pub(super) struct Leg {
    /// One line per plan item, in plan order.
    pub results: Vec<ItemResult>,
    /// Microsoft 365 could not be reached (the accounts could not be looked up): why.
    pub unreachable: Option<String>,
}

/// Writes the plan's Microsoft 365 photos; `done(result)` after each user.
pub(super) async fn run(
    side: &CloudSide,
    plan: &Plan,
    journal: Arc<Mutex<Option<Journal>>>,
    opts: JobOptions,
    cancel: &Cancel,
    mut done: impl FnMut(&ItemResult),
) -> Leg {
    let users: Vec<_> = plan.items.iter().map(|i| i.user.clone()).collect();
    let accounts = match cloud::accounts_for(&side.graph, &users).await {
        Ok(a) => a,
        Err(e) => {
            let why = e.to_string();
            let reason = format!("could not look up the Microsoft 365 account: {why}");
            let results = fail_all(plan, &reason, &mut done);
            return Leg {
                results,
                unreachable: e.is_connection_error().then_some(why),
            };
        }
    };
    let encodes = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut results: Vec<Option<ItemResult>> = vec![None; plan.items.len()];
    let mut running: JoinSet<(usize, Status)> = JoinSet::new();
    let mut next = 0;
    loop {
        while running.len() < USERS_IN_FLIGHT && next < plan.items.len() {
            let index = next;
            next += 1;
            let item = &plan.items[index];
            let Some(account) = accounts[index].clone() else {
                let r = result(
                    item,
                    Status::Skipped {
                        reason: cloud::NO_ACCOUNT.into(),
                    },
                );
                done(&r);
                results[index] = Some(r);
                continue;
            };
            if cancel.is_cancelled() {
                break;
            }
            let user = Turn {
                item: item.clone(),
                account,
                side: side.clone(),
                journal: journal.clone(),
                encodes: encodes.clone(),
                cancel: cancel.clone(),
            };
            running.spawn(async move { (index, user.write().await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        // A panic is a bug: its user is reported below as not done, the rest go on.
        let Ok((index, status)) = joined else {
            continue;
        };
        let r = result(&plan.items[index], status);
        done(&r);
        results[index] = Some(r);
    }
    let results = results
        .into_iter()
        .zip(&plan.items)
        .map(|(r, item)| {
            r.unwrap_or_else(|| {
                let reason = if cancel.is_cancelled() {
                    CANCELLED_BEFORE.to_string()
                } else {
                    "internal error while processing this user".into()
                };
                result(item, Status::Skipped { reason })
            })
        })
        .collect();
    Leg {
        results,
        unreachable: None,
    }
}

/// The leg of a plan for Microsoft 365 run without a sign-in: every user failed, saying so.
pub(super) fn not_signed_in(plan: &Plan, mut done: impl FnMut(&ItemResult)) -> Leg {
    Leg {
        results: fail_all(plan, NOT_SIGNED_IN, &mut done),
        unreachable: None,
    }
}

/// Every user of the plan failed for one reason.
fn fail_all(plan: &Plan, reason: &str, done: &mut impl FnMut(&ItemResult)) -> Vec<ItemResult> {
    plan.items
        .iter()
        .map(|item| {
            let r = result(
                item,
                Status::Failed {
                    reason: reason.to_string(),
                },
            );
            done(&r);
            r
        })
        .collect()
}

/// Why nothing went to Microsoft 365 when nobody signed in to it.
pub const NOT_SIGNED_IN: &str =
    "not signed in to Microsoft 365: sign in (tenant and client id) to write the cloud photo";

fn result(item: &PlanItem, status: Status) -> ItemResult {
    ItemResult::new(&item.user, Some(&item.file), status)
}

/// One user's turn, owned by its task.
struct Turn {
    item: PlanItem,
    account: CloudUser,
    side: CloudSide,
    journal: Arc<Mutex<Option<Journal>>>,
    encodes: Arc<Semaphore>,
    cancel: Cancel,
}

impl Turn {
    fn log(&self, entry: Entry) {
        if let Ok(mut j) = self.journal.lock()
            && let Some(j) = j.as_mut()
            && let Err(e) = j.append(&entry)
        {
            tracing::error!("cannot write the import journal: {e}");
        }
    }

    fn fail(&self, reason: String, may_have_landed: bool) -> Status {
        self.log(Entry::Failed {
            dn: self.item.user.dn.clone(),
            file: self.item.file.clone(),
            reason: reason.clone(),
            may_have_landed,
            cloud: Some(self.account.id.clone()),
        });
        Status::Failed { reason }
    }

    async fn write(self) -> Status {
        let prepared = match self.encode().await {
            Ok(p) => p,
            // Nothing was sent: the reason is the report's, not the journal's.
            Err(reason) => return Status::Failed { reason },
        };
        let graph = &self.side.graph;
        let id = &self.account.id;
        let new_sha = sha256_hex(&prepared.jpeg);
        let old = match graph.photo(id).await {
            Ok(o) => o,
            Err(e) => {
                return Status::Failed {
                    reason: e.to_string(),
                };
            }
        };
        let old_sha = old.as_deref().map(sha256_hex);
        if old_sha.as_deref() == Some(new_sha.as_str()) {
            return Status::UpToDate;
        }
        if self.cancel.is_cancelled() {
            return Status::Skipped {
                reason: CANCELLED_BEFORE.into(),
            };
        }
        // Nothing is sent for a user whose old photo is not safe on disk.
        // The state before goes into the user's history ("had none" too, for Restore previous).
        let backup = match self.side.backups.save_state(id, old.as_deref()) {
            Err(e) => {
                return Status::Failed {
                    reason: format!(
                        "cannot save the old Microsoft 365 photo first ({e}): nothing sent"
                    ),
                };
            }
            Ok(path) => path,
        };
        self.log(Entry::Writing {
            dn: self.item.user.dn.clone(),
            file: self.item.file.clone(),
            sha256: Some(new_sha.clone()),
            backup: backup.clone(),
            old_sha256: old_sha,
            cloud: Some(id.clone()),
        });
        if let Err(e) = graph.put_photo(id, &prepared.jpeg).await {
            // No answer: it may have landed; an answer that refused it: nothing changed.
            let unknown = matches!(
                e,
                CloudError::Connection { .. } | CloudError::Timeout { .. }
            );
            let reason = e.about_file(&self.item.file);
            return self.fail(reason, unknown);
        }
        // Read back: what Microsoft 365 holds now is what undo will recognise as ours.
        let now = match graph.photo(id).await {
            Ok(Some(now)) => now,
            Ok(None) => {
                return self.fail(
                    "written, but Microsoft 365 shows no photo when read back".into(),
                    true,
                );
            }
            Err(e) => return self.fail(format!("written, but could not be read back: {e}"), true),
        };
        let held = sha256_hex(&now);
        if held != new_sha {
            tracing::warn!(
                "{}: Microsoft 365 gives back other bytes ({} bytes) than were sent ({}): re-encoded",
                self.account.label(),
                now.len(),
                prepared.jpeg.len()
            );
        }
        self.log(Entry::Written {
            dn: self.item.user.dn.clone(),
            file: self.item.file.clone(),
            bytes: prepared.jpeg.len(),
            sha256: held,
            backup: backup.clone(),
            cloud: Some(id.clone()),
        });
        Status::Written {
            bytes: prepared.jpeg.len(),
            width: prepared.width,
            height: prepared.height,
            quality: prepared.quality,
            backup,
        }
    }

    /// The Microsoft 365 photo from the same file, crop and turns as the directory's.
    async fn encode(&self) -> Result<photo::Prepared, String> {
        let _turn = self.encodes.acquire().await.map_err(|e| e.to_string())?;
        let path = self.item.file.clone();
        let opts = PrepareOptions {
            target: Target::microsoft_365(),
            crop: self.item.crop,
            rotate_quarter_turns: self.item.rotate_quarter_turns,
            ..PrepareOptions::default()
        };
        match tokio::task::spawn_blocking(move || photo::prepare_file(&path, &opts)).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(e.reason()),
            Err(_) => Err("the photo could not be processed".into()),
        }
    }
}

/// Undoes the Microsoft 365 side of an import, user by user as the directory's undo decides:
/// a user who holds a photo the import sent (or what Microsoft 365 gave back for it) gets the
/// old one back — or none, if they had none —, the photo they hold saved first; one who holds
/// the old photo already is left; one whose photo changed since is left and named. In order.
pub(super) async fn undo(
    side: &CloudSide,
    touched: &[&Touched],
    cancel: &Cancel,
) -> Vec<UndoOutcome> {
    let mut set = JoinSet::new();
    let mut out: Vec<Option<UndoOutcome>> = vec![None; touched.len()];
    let mut next = 0;
    loop {
        while set.len() < USERS_IN_FLIGHT && next < touched.len() && !cancel.is_cancelled() {
            let (at, t, side) = (next, touched[next].clone(), side.clone());
            next += 1;
            set.spawn(async move { (at, undo_one(&side, &t).await) });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        if let Ok((at, outcome)) = joined {
            out[at] = Some(outcome);
        }
    }
    out.into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                UndoOutcome::NotAttempted(if cancel.is_cancelled() {
                    "cancelled".into()
                } else {
                    "not looked at".into()
                })
            })
        })
        .collect()
}

async fn undo_one(side: &CloudSide, t: &Touched) -> UndoOutcome {
    let Some(id) = t.cloud.as_deref() else {
        return UndoOutcome::Failed("not a Microsoft 365 photo".into());
    };
    let failed = |e: CloudError| UndoOutcome::Failed(e.to_string());
    // The old photo, checked against the hash recorded before the write.
    let old = match &t.backup {
        Some(path) => match crate::directory::read_saved(path, t.old_sha256.as_deref()) {
            Ok(b) => Some(b),
            Err(e) => return UndoOutcome::Failed(e.to_string()),
        },
        None => None,
    };
    let old_sha = old.as_deref().map(sha256_hex);
    let now = match side.graph.photo(id).await {
        Ok(n) => n,
        Err(e) => return failed(e),
    };
    let now_sha = now.as_deref().map(sha256_hex);
    if !now_sha.as_ref().is_some_and(|s| t.new_sha256.contains(s)) {
        return if now_sha == old_sha {
            UndoOutcome::AlreadyAsBefore
        } else {
            UndoOutcome::ChangedSince
        };
    }
    // What the undo replaces goes into the user's cloud history too.
    if let Some(now) = &now
        && let Err(e) = side.backups.save(id, now)
    {
        return UndoOutcome::Failed(format!(
            "cannot save the Microsoft 365 photo first ({e}): nothing sent"
        ));
    }
    let sent = match &old {
        Some(bytes) => side.graph.put_photo(id, bytes).await,
        None => side.graph.delete_photo(id).await,
    };
    if let Err(e) = sent {
        return failed(e);
    }
    match side.graph.photo(id).await {
        Ok(back) => match (&old, back) {
            (None, None) => UndoOutcome::Removed,
            (Some(_), Some(_)) => UndoOutcome::PutBack,
            (None, Some(_)) => {
                UndoOutcome::Failed("the photo is still there after its removal".into())
            }
            (Some(_), None) => {
                UndoOutcome::Failed("no photo after putting the old one back".into())
            }
        },
        Err(e) => failed(e),
    }
}
