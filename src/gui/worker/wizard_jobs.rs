//! The import wizard's and the crop canvas's jobs: file thumbnails, the folder scan, Automatch
//! and suggestions, previews, the import itself and its undo. Each is one engine call on the
//! right thread, its answer sent back with the request's id.

use std::path::PathBuf;
use std::sync::Arc;

use super::super::photo_bridge;
use super::ReqId;
use super::jobs::{FILE_THUMB_SIDE, NOT_CONNECTED, PREVIEW_SIDE, WorkerState, off_thread};
use super::protocol::{Event, MatchFailed};
use crate::directory::{User, Who};
use crate::import::{self, Cancel, Encoded, FileStamp, MatchBy, Plan};
use crate::matching::{self, MatchOptions, PhotoFile};
use crate::photo::{CropRect, Target};

pub(super) async fn file_thumb(s: &WorkerState, id: ReqId, path: PathBuf) {
    // A limit: a fast scroll never queues hundreds of decodes.
    let Ok(_permit) = s.thumbs.acquire().await else {
        return;
    };
    let file = path.clone();
    let (result, facts) = off_thread(move || {
        Ok(photo_bridge::file_thumbnail_and_facts(
            &file,
            FILE_THUMB_SIDE,
        ))
    })
    .await
    .unwrap_or_else(|e: String| (Err(e), None));
    s.emit(
        id,
        Event::FileThumb {
            path,
            result,
            facts,
        },
    );
}

pub(super) async fn scan(s: &WorkerState, id: ReqId, folder: PathBuf, recursive: bool) {
    let result = off_thread(move || import::scan(&folder, recursive)).await;
    s.emit(id, Event::Scanned(result));
}

/// The engine's matching, header check included ([`import::match_files`]): the command line's.
pub(super) async fn automatch(
    s: &WorkerState,
    id: ReqId,
    files: Vec<PhotoFile>,
    users: Vec<User>,
    how: MatchBy,
) {
    // A panic in Automatch comes back as an error, never as "nothing matched".
    let result = off_thread(move || {
        Ok(import::match_files(&files, &users, &how, &MatchOptions::default()).map(Box::new))
    })
    .await
    .map_err(MatchFailed::Crashed)
    .and_then(|r| r.map_err(MatchFailed::Map));
    s.emit(id, Event::Matched(result));
}

pub(super) async fn suggest(s: &WorkerState, id: ReqId, files: Vec<PhotoFile>, users: Vec<User>) {
    let result = off_thread(move || {
        Ok(matching::suggest_patterns(
            &files,
            &users,
            &MatchOptions::default(),
        ))
    })
    .await;
    s.emit(id, Event::Suggested(result));
}

/// The engine's import ([`import::import`]: lock, journal, job), progress after each user.
pub(super) async fn import(s: &WorkerState, id: ReqId, plan: Plan, cancel: Cancel) {
    let Some(dir) = s.dir() else {
        s.emit(id, Event::JobFailed(NOT_CONNECTED.into()));
        s.emit(
            id,
            Event::ImportDone(Box::new(plan.not_started(NOT_CONNECTED))),
        );
        return;
    };
    let progress = |p: &import::Progress| s.emit(id, Event::ImportProgress(p.clone()));
    let opts = import::JobOptions::default();
    let who = "adphoto window: import";
    let cloud = s.cloud();
    let cloud = cloud.as_ref().map(|(side, tenant)| (side, tenant.as_str()));
    match import::import(&dir, cloud, &s.data, who, &plan, opts, &cancel, progress).await {
        Ok(report) => s.emit(id, Event::ImportDone(Box::new(report))),
        Err(e) => {
            let e = e.to_string();
            s.emit(
                id,
                Event::JobFailed(format!("The import did not start: {e}")),
            );
            s.emit(id, Event::ImportDone(Box::new(plan.not_started(&e))));
        }
    }
}

pub(super) async fn encode_preview(
    s: &WorkerState,
    id: ReqId,
    file: PathBuf,
    target: Target,
    crop: Option<(CropRect, u8)>,
) {
    let Ok(_permit) = s.thumbs.acquire().await else {
        return;
    };
    let result = off_thread(move || {
        // Stamped before reading: a file changed while being read is encoded again at Finish.
        let stamp =
            FileStamp::of(&file).ok_or_else(|| format!("cannot read {}", file.display()))?;
        let (thumb, prepared) = photo_bridge::encode(&file, target, crop, PREVIEW_SIDE / 2)?;
        let encoded = Encoded {
            photo: Arc::new(prepared),
            stamp,
        };
        Ok((thumb, encoded))
    })
    .await;
    s.emit(id, Event::Encoded(result));
}

pub(super) async fn crop_load(
    s: &WorkerState,
    id: ReqId,
    file: PathBuf,
    target: Target,
    turns: u8,
) {
    let result = off_thread(move || photo_bridge::crop_source(&file, target, turns)).await;
    s.emit(id, Event::CropLoaded(result));
}

pub(super) async fn crop_encode(
    s: &WorkerState,
    id: ReqId,
    file: PathBuf,
    target: Target,
    crop: CropRect,
    turns: u8,
) {
    let result = off_thread(move || {
        photo_bridge::encode(&file, target, Some((crop, turns)), PREVIEW_SIDE)
            .map(|(thumb, p)| (thumb, p.jpeg.len()))
    })
    .await;
    s.emit(id, Event::CropEncoded(result));
}

pub(super) async fn undo(s: &WorkerState, id: ReqId, journal: PathBuf) {
    let Some(dir) = s.dir() else {
        s.emit(id, Event::Undone(Err(NOT_CONNECTED.into())));
        return;
    };
    let result = match s.lock(&dir, "undo an import").await {
        Ok(_lock) => import::undo(
            &dir,
            &journal,
            &s.backups,
            s.cloud().as_ref().map(|(side, _)| side),
            &Cancel::default(),
        )
        .await
        .map_err(|e| format!("cannot use the journal {}: {e}", journal.display())),
        Err(e) => Err(format!("Not undone: {e}")),
    };
    s.emit(id, Event::Undone(result));
}

pub(super) async fn foresee(s: &WorkerState, id: ReqId, plan: crate::import::Plan) {
    let found = match s.dir() {
        Some(dir) => crate::import::foresee(&dir, &s.data, plan).await,
        None => crate::import::Foreseen::default(),
    };
    s.emit(id, Event::Foreseen(found));
}

pub(super) async fn photo_rights(s: &WorkerState, id: ReqId, who: Vec<Who>) {
    let result = match s.dir() {
        Some(dir) => dir
            .photo_rights(&who, &s.photo)
            .await
            .map_err(|e| e.to_string()),
        None => Err(NOT_CONNECTED.into()),
    };
    s.emit(id, Event::PhotoRights(result));
}
