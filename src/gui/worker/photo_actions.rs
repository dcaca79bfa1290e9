//! The photo actions of the grid, its row menu and the photo panel: one user's Set / Remove /
//! Restore / Export, and copy a stored photo, paste it onto many users, remove many, export
//! many, hand a stored photo or a pasted image to the crop canvas. Every write goes through the engine's safe path
//! ([`Directory::write_photo`] / [`Directory::remove_photo`]: the old value is saved first).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::super::photo_bridge;
use super::ReqId;
use super::jobs::{WorkerState, off_thread};
use super::preview::photo_changed;
use super::protocol::Event;
use crate::directory::{Directory, User};

/// Reads `user`'s stored photo for the window's clipboard (and a picture of it for the
/// system's).
pub(super) async fn copy(s: &WorkerState, id: ReqId, user: User) {
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let name = user.label();
    match dir.read_photo(&user.dn, &s.photo).await {
        Ok(Some(bytes)) => {
            let bytes = Arc::new(bytes);
            let for_image = bytes.clone();
            let image = off_thread(move || super::super::photo_bridge::thumbnail(&for_image, 1024))
                .await
                .ok();
            s.emit(
                id,
                Event::PhotoCopied {
                    name,
                    jpeg: bytes,
                    image,
                },
            );
        }
        Ok(None) => s.emit(
            id,
            Event::JobFailed(format!("{name} has no photo to copy.")),
        ),
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Photo of {name} not copied: {e}")),
        ),
    }
}

/// Writes the copied photo (already as the directory keeps it) to each of `users`, one after
/// the other under the write lock; each old photo is saved first.
pub(super) async fn paste(s: &WorkerState, id: ReqId, users: Vec<User>, jpeg: Arc<Vec<u8>>) {
    let (photo, backups) = (s.photo.clone(), s.backups.clone());
    each(s, id, users, "paste a photo", |dir, user| {
        let (jpeg, photo, backups) = (jpeg.clone(), photo.clone(), backups.clone());
        async move {
            dir.write_photo(&user, &photo, &jpeg, &backups)
                .await
                .map(|o| Some(o.bytes))
        }
    })
    .await;
}

/// Removes the photo of each of `users` (each saved first).
pub(super) async fn remove(s: &WorkerState, id: ReqId, users: Vec<User>) {
    let (photo, backups) = (s.photo.clone(), s.backups.clone());
    each(s, id, users, "remove photos", |dir, user| {
        let (photo, backups) = (photo.clone(), backups.clone());
        async move {
            dir.remove_photo(&user, &photo, &backups)
                .await
                .map(|_| None)
        }
    })
    .await;
}

/// One write per user, reported as it goes; the grid and previews follow each.
async fn each<F, Fut>(s: &WorkerState, id: ReqId, users: Vec<User>, what: &str, write: F)
where
    F: Fn(Directory, User) -> Fut,
    Fut: std::future::Future<Output = crate::directory::Result<Option<usize>>>,
{
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let _lock = match s.lock(&dir, what).await {
        Ok(l) => l,
        Err(e) => return s.emit(id, Event::JobFailed(e)),
    };
    let total = users.len();
    let (mut done, mut failed) = (0, Vec::new());
    for (i, user) in users.into_iter().enumerate() {
        s.emit(
            id,
            Event::JobStarted {
                text: format!("{} of {total}: {}…", i + 1, user.label()),
                cancellable: false,
            },
        );
        match write(dir.clone(), user.clone()).await {
            Ok(bytes) => {
                done += 1;
                let message = format!("Photo of {} changed (the old one is saved).", user.label());
                photo_changed(s, id, &user, bytes, message, None).await;
            }
            Err(e) => failed.push(format!("{}: {e}", user.label_with_account())),
        }
    }
    if failed.is_empty() {
        s.emit(
            id,
            Event::JobDone(format!(
                "{done} of {total} users changed; each old photo is saved (Restore previous)."
            )),
        );
    } else {
        s.emit(
            id,
            Event::JobFailed(format!(
                "{done} of {total} users changed; not changed: {}",
                failed.join("; ")
            )),
        );
    }
}

/// Saves the stored photos of `users` in `folder`, named by account (a contact by its name), with
/// the engine's rules ([`crate::import::export_photos`]: what `adphoto export` does).
pub(super) async fn export(s: &WorkerState, id: ReqId, users: Vec<User>, folder: PathBuf) {
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let pattern = crate::matching::Pattern::parse(crate::import::DEFAULT_EXPORT_PATTERN)
        .expect("a valid pattern");
    let cancel = s.stepped(id);
    let mut progress = |done: usize, total: usize| {
        s.emit(
            id,
            Event::JobStarted {
                text: format!("Exporting photos: {done} of {total}…"),
                cancellable: true,
            },
        )
    };
    s.emit(
        id,
        Event::JobStarted {
            text: "Exporting photos…".into(),
            cancellable: true,
        },
    );
    // Never over another picture: the folder may hold the originals (choose an empty one).
    let to = crate::import::ExportTo {
        folder: &folder,
        pattern: &pattern,
        overwrite: false,
    };
    let result =
        crate::import::export_photos(&dir, &s.photo, &users, to, &cancel, &mut progress).await;
    s.stepped_done(id);
    match result {
        Ok(r) if r.failed.is_empty() => {
            s.emit(id, Event::JobDone(format!("{}.", r.summary(&folder))))
        }
        Ok(r) => {
            let hint = if r.kept > 0 {
                " (choose an empty folder for those)"
            } else {
                ""
            };
            s.emit(
                id,
                Event::JobFailed(format!(
                    "{}; not saved: {}{hint}",
                    r.summary(&folder),
                    r.failed.join("; ")
                )),
            )
        }
        Err(stopped) => s.emit(
            id,
            Event::JobFailed(format!(
                "{}, then the export stopped: {}",
                stopped.so_far.summary(&folder),
                stopped.error
            )),
        ),
    }
}

/// Writes `user`'s stored photo to a scratch file for the crop canvas ("Edit current photo").
pub(super) async fn edit(s: &WorkerState, id: ReqId, user: User) {
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let name = user.label();
    let bytes = match dir.read_photo(&user.dn, &s.photo).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return s.emit(
                id,
                Event::JobFailed(format!("{name} has no photo to edit.")),
            );
        }
        Err(e) => {
            return s.emit(
                id,
                Event::JobFailed(format!("Photo of {name} not read: {e}")),
            );
        }
    };
    let file = scratch_file(s, &user, "current.jpg");
    let written = file.clone();
    let result = off_thread(move || write_scratch(&written, &bytes)).await;
    ready(s, id, user, file, result);
}

/// Saves an image pasted from the system's clipboard as a PNG for the crop canvas.
pub(super) async fn pasted_image(
    s: &WorkerState,
    id: ReqId,
    user: User,
    image: Arc<egui::ColorImage>,
) {
    let file = scratch_file(s, &user, "pasted.png");
    let written = file.clone();
    let result = off_thread(move || {
        let [w, h] = image.size;
        let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
        let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
            .ok_or("the pasted image is empty")?;
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| e.to_string())?;
        write_scratch(&written, &png)
    })
    .await;
    ready(s, id, user, file, result);
}

fn ready(s: &WorkerState, id: ReqId, user: User, file: PathBuf, result: Result<(), String>) {
    match result {
        Ok(()) => s.emit(id, Event::CropReady { dn: user.dn, file }),
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("The picture cannot be opened: {e}")),
        ),
    }
}

fn scratch_file(s: &WorkerState, user: &User, what: &str) -> PathBuf {
    let who = crate::matching::sanitize_file_name(
        user.sam_account_name.as_deref().unwrap_or(&user.label()),
    );
    s.data.scratch().join(format!("{who}-{what}"))
}

fn write_scratch(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        crate::data_folder::create_private_dir(dir).map_err(|e| e.to_string())?;
    }
    crate::data_folder::write_private(path, bytes, false).map_err(|e| e.to_string())
}

/// "Set photo…", a dropped file, the crop canvas's Apply: one user's photo from a file.
pub(super) async fn set_one(
    s: &WorkerState,
    id: ReqId,
    user: Box<User>,
    file: PathBuf,
    crop: Option<(crate::photo::CropRect, u8)>,
) {
    let name = user.label();
    s.emit(
        id,
        Event::JobStarted {
            text: format!("Setting the photo of {name}…"),
            cancellable: false,
        },
    );
    let prepared = off_thread(move || photo_bridge::prepare_file(&file, crop)).await;
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let result = async {
        let jpeg = prepared?;
        let _lock = s.lock(&dir, "set a photo").await?;
        dir.write_photo(&user, &s.photo, &jpeg, &s.backups)
            .await
            .map(|o| o.bytes)
            .map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(bytes) => {
            photo_changed(
                s,
                id,
                &user,
                Some(bytes),
                format!(
                    "Photo of {name} set ({}).",
                    crate::photo::human_bytes(bytes)
                ),
                Some(format!("New photo for {name}.")),
            )
            .await;
        }
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Photo of {name} not set: {e}")),
        ),
    }
}

/// "Remove photo" for one user (saved first).
pub(super) async fn remove_one(s: &WorkerState, id: ReqId, user: Box<User>) {
    let name = user.label();
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let result = async {
        let _lock = s.lock(&dir, "remove a photo").await?;
        dir.remove_photo(&user, &s.photo, &s.backups)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(_) => {
            photo_changed(
                s,
                id,
                &user,
                None,
                format!("Photo of {name} removed (a backup was kept)."),
                Some(format!("{name}: photo removed.")),
            )
            .await;
        }
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Photo of {name} not removed: {e}")),
        ),
    }
}

/// "Restore previous" (`record: None`) or a history entry's "Restore".
pub(super) async fn restore_one(
    s: &WorkerState,
    id: ReqId,
    user: Box<User>,
    record: Option<Box<crate::directory::BackupRecord>>,
) {
    let name = user.label();
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    let result = async {
        let _lock = s.lock(&dir, "restore a photo").await?;
        match record {
            Some(rec) => dir
                .restore_record(&user, &s.photo, &s.backups, &rec)
                .await
                .map(|o| Some((*rec, o))),
            None => dir.restore_photo(&user, &s.photo, &s.backups).await,
        }
        .map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(Some((rec, outcome))) => {
            let message = rec.restored(&name);
            photo_changed(
                s,
                id,
                &user,
                (outcome.bytes > 0).then_some(outcome.bytes),
                message,
                None,
            )
            .await;
        }
        Ok(None) => s.emit(
            id,
            Event::JobFailed(crate::directory::nothing_to_restore(&name)),
        ),
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Photo of {name} not restored: {e}")),
        ),
    }
}

/// "Export photo…": one user's stored photo to a file.
pub(super) async fn export_one(s: &WorkerState, id: ReqId, dn: String, path: PathBuf) {
    let Some(dir) = s.dir_or_fail(id) else {
        return;
    };
    match dir.read_photo(&dn, &s.photo).await {
        // The extension follows the bytes, as in the many-user export; the dialog only asked
        // about replacing the name it showed, so another file under the new name is kept.
        Ok(Some(bytes)) => match crate::import::chosen_path_for(&path, &bytes) {
            actual if actual != path && actual.exists() => s.emit(
                id,
                Event::JobFailed(format!(
                    "The photo is not a {} file and {} already exists: export again under another name.",
                    path.extension().map(|e| e.to_string_lossy().to_uppercase()).unwrap_or_default(),
                    actual.display()
                )),
            ),
            path => save_export(s, id, &path, &bytes),
        },
        Ok(None) => s.emit(id, Event::JobFailed("This user has no photo.".into())),
        Err(e) => s.emit(id, Event::JobFailed(e.to_string())),
    }
}

/// Writes one exported photo and says where it went.
fn save_export(s: &WorkerState, id: ReqId, path: &Path, bytes: &[u8]) {
    match std::fs::write(path, bytes) {
        Ok(()) => s.emit(
            id,
            Event::JobDone(format!(
                "Photo saved to {} ({} bytes).",
                path.display(),
                bytes.len()
            )),
        ),
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Cannot write {}: {e}", path.display())),
        ),
    }
}
