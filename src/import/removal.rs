//! `--remove-missing`: the photo of a user whose file HR took out of the folder (a leaver, a
//! withdrawn consent) is removed — saved first, journaled, put back by undo like any write.
//! Only a photo adphoto made from a file of this very folder that is gone since, and that the
//! user still holds exactly: a photo adphoto did not make from this folder is never touched,
//! and one changed outside adphoto since is left and reported. Off unless asked.

use std::path::{Path, PathBuf};

use super::batch::Ctx;
use super::choices::Skip;
use super::journal::Entry;
use super::plan::Plan;
use super::provenance::Provenance;
use super::report::{ItemResult, Status};
use crate::directory::{BackupStore, Change, Sent, User, Who, sha256_hex};

/// Why a user whose file is gone keeps their photo.
pub const GONE_BUT_CHANGED: &str = "its file is gone from the folder, but the photo was changed \
     outside adphoto since adphoto wrote it: left as it is";

/// A user whose photo goes, with the file it was made from and the photo itself (saved first).
pub(super) struct Removal {
    user: User,
    file: PathBuf,
    photo: Vec<u8>,
}

impl Removal {
    pub(super) fn dn(&self) -> &str {
        &self.user.dn
    }

    /// Its line when it was not attempted (`reason`).
    pub(super) fn not_attempted(&self, reason: String) -> ItemResult {
        ItemResult::new(&self.user, Some(&self.file), Status::Skipped { reason })
    }
}

/// Whether `file` lies in `folder` (as given, or both made absolute: a record may name the
/// file the other way).
fn inside(file: &Path, folder: &Path) -> bool {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    file.starts_with(folder) || abs(file).starts_with(abs(folder))
}

/// The users of `plan` without a file whose record (still standing) names a file in `folder`
/// that is gone, read now: those who hold exactly the photo the record says are to lose it;
/// those who hold another keep it (their lines say why). A failed read removes nobody.
pub(super) async fn find(
    dir: &crate::directory::Directory,
    plan: &Plan,
    folder: &Path,
    made: &Provenance,
    backups: &BackupStore,
) -> (Vec<Removal>, Vec<ItemResult>) {
    let attribute = plan.attribute.name();
    let candidates: Vec<(&User, &PathBuf, &str)> = plan
        .skipped
        .iter()
        .filter(|(_, why)| matches!(why, Skip::NoFile))
        .filter_map(|(user, _)| {
            let m = made.standing(user, backups, attribute)?;
            let file = &m.source.path;
            (inside(file, folder) && !file.exists()).then_some((
                user,
                file,
                m.photo_sha256.as_str(),
            ))
        })
        .collect();
    if candidates.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let who: Vec<Who> = candidates.iter().map(|(u, _, _)| Who::from(*u)).collect();
    let found = match dir.read_photos(&who, &plan.attribute).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(
                "reading the photos of users whose file is gone failed ({e}): none removed"
            );
            return (Vec::new(), Vec::new());
        }
    };
    let (mut gone, mut kept) = (Vec::new(), Vec::new());
    for ((user, file, made_sha), found) in candidates.into_iter().zip(found) {
        let Ok(found) = found else { continue };
        match found.photo {
            Some(photo) if sha256_hex(&photo) == made_sha => gone.push(Removal {
                user: user.clone(),
                file: file.clone(),
                photo,
            }),
            Some(_) => kept.push(ItemResult::new(
                user,
                Some(file),
                Status::Skipped {
                    reason: GONE_BUT_CHANGED.into(),
                },
            )),
            // No photo now: nothing to remove (their "no file" line stands).
            None => {}
        }
    }
    (gone, kept)
}

/// Removes the photos, a batch at a time: every old photo saved, the removals journaled
/// together, sent pipelined, read back (none) and journaled as done. No removal is sent before
/// its photo is on disk; none is "removed" before the read-back shows no photo.
pub(super) async fn remove(ctx: &Ctx, removals: Vec<Removal>) -> Vec<ItemResult> {
    let mut out = Vec::with_capacity(removals.len());
    for batch in removals.chunks(100) {
        out.extend(remove_batch(ctx, batch).await);
    }
    out
}

async fn remove_batch(ctx: &Ctx, batch: &[Removal]) -> Vec<ItemResult> {
    let failed = |r: &Removal, reason: String, may_have_landed: bool| {
        ctx.log(&[Entry::Failed {
            dn: r.user.dn.clone(),
            file: r.file.clone(),
            reason: reason.clone(),
            may_have_landed,
            cloud: None,
        }]);
        ItemResult::new(&r.user, Some(&r.file), Status::Failed { reason })
    };
    let owned = batch
        .iter()
        .map(|r| (r.user.clone(), Some(r.photo.clone())))
        .collect();
    let records = match ctx
        .backups
        .save_all_off_thread(owned, ctx.attr.name(), &ctx.action)
        .await
    {
        Ok(r) => r,
        // Nothing is sent for users whose photo is not safe on disk.
        Err(e) => {
            return batch
                .iter()
                .map(|r| failed(r, e.to_string(), false))
                .collect();
        }
    };
    ctx.log(
        &batch
            .iter()
            .zip(&records)
            .map(|(r, rec)| Entry::Removing {
                dn: r.user.dn.clone(),
                file: r.file.clone(),
                backup: rec.file.clone(),
                old_sha256: rec.old_sha256().map(str::to_string),
            })
            .collect::<Vec<_>>(),
    );
    let changes: Vec<Change> = batch
        .iter()
        .map(|r| Change {
            dn: r.user.dn.clone(),
            value: None,
        })
        .collect();
    let sent = ctx.dir.send_changes(&changes, &ctx.attr).await;
    let mut out = Vec::with_capacity(batch.len());
    let mut check = Vec::new();
    for ((r, rec), sent) in batch.iter().zip(&records).zip(sent) {
        match sent {
            Sent::Done => check.push((r, rec)),
            // Refused, or never sent: nothing changed.
            Sent::Refused(e) | Sent::NotSent(e) => out.push(failed(r, e.to_string(), false)),
            // Sent, no answer: undo looks at the user.
            Sent::Unknown(e) => out.push(failed(r, e.to_string(), true)),
        }
    }
    if check.is_empty() {
        return out;
    }
    let who: Vec<Who> = check.iter().map(|(r, _)| Who::from(&r.user)).collect();
    match ctx.dir.read_photos(&who, &ctx.attr).await {
        Ok(found) => {
            let mut done = Vec::new();
            for ((r, rec), found) in check.into_iter().zip(found) {
                match found {
                    Ok(f) if f.photo.is_none() => {
                        done.push(Entry::Removed {
                            dn: r.user.dn.clone(),
                            file: r.file.clone(),
                            backup: rec.file.clone(),
                        });
                        out.push(ItemResult::new(
                            &r.user,
                            Some(&r.file),
                            Status::Removed {
                                backup: rec.file.clone(),
                            },
                        ));
                    }
                    Ok(_) => out.push(failed(
                        r,
                        "the photo is still there after its removal was accepted".into(),
                        true,
                    )),
                    Err(e) => out.push(failed(r, e.to_string(), true)),
                }
            }
            ctx.log(&done);
        }
        Err(e) => {
            for (r, _) in check {
                out.push(failed(
                    r,
                    format!("the removal could not be read back: {e}"),
                    true,
                ));
            }
        }
    }
    out
}
