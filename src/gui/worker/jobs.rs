//! The worker's side: each [`Command`] run as a task on the runtime, its events sent back with
//! the request's id.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;

use super::super::photo_bridge;
use super::ReqId;
use super::preview::preview;
use super::protocol::{Command, ConnectionInfo, ConnectionKind, Event, MatchAnswer, MatchBy};
use crate::data_folder::{DataFolder, WriteLock};
use crate::directory::{BackupStore, ConnectOptions, Depth, Directory, PhotoAttribute, Security};
use crate::import::{self, Cancel, Encoded, FileStamp, Journal};
use crate::matching::{self, MatchOptions};

pub(super) const NOT_CONNECTED: &str = "Not connected to a directory.";

/// Pixel side of grid thumbnails (twice the row height, for high-DPI screens).
pub const THUMB_SIDE: u32 = 48;
/// Pixel side of the wizard's file thumbnails: large enough to tell a face at a glance.
pub const FILE_THUMB_SIDE: u32 = 96;
/// Pixel side of the preview image.
pub const PREVIEW_SIDE: u32 = 256;

pub(super) struct WorkerState {
    pub(super) dir: Mutex<Option<Directory>>,
    pub(super) events: Mutex<std_mpsc::Sender<(ReqId, Event)>>,
    pub(super) ctx: egui::Context,
    pub(super) data: DataFolder,
    pub(super) backups: BackupStore,
    pub(super) photo: PhotoAttribute,
    /// At most this many pictures read and decoded at once (file thumbnails, previews).
    pub(super) thumbs: Semaphore,
    /// The cancellable job under way (connect or user listing).
    pub(super) current: Mutex<Option<AbortHandle>>,
    /// A cancellable job that stops between steps and reports what it did (an export).
    pub(super) stepped: Mutex<Option<Cancel>>,
    pub(super) thumb_reads: Arc<super::ThumbReads>,
}

impl WorkerState {
    pub(super) fn emit(&self, id: ReqId, ev: Event) {
        if let Ok(tx) = self.events.lock() {
            let _ = tx.send((id, ev));
        }
        self.ctx.request_repaint();
    }

    /// The directory, or a "not connected" failure for request `id`.
    pub(super) fn dir_or_fail(&self, id: ReqId) -> Option<Directory> {
        let dir = self.dir();
        if dir.is_none() {
            self.emit(id, Event::JobFailed(NOT_CONNECTED.into()));
        }
        dir
    }

    pub(super) fn dir(&self) -> Option<Directory> {
        self.dir.lock().ok().and_then(|d| d.clone())
    }

    /// The data folder's write lock for `dir`, shared with the command line: one writer per
    /// directory. Held for the one change or the whole job, never while idle.
    pub(super) async fn lock(&self, dir: &Directory, what: &str) -> Result<WriteLock, String> {
        self.data
            .lock_writes(&dir.lock_key().await, &format!("adphoto window: {what}"))
            .map_err(|e| e.to_string())
    }

    fn set_current(&self, handle: AbortHandle) {
        if let Ok(mut cur) = self.current.lock()
            && let Some(old) = cur.replace(handle)
        {
            old.abort();
        }
    }
}

pub(super) async fn dispatch(
    state: Arc<WorkerState>,
    mut rx: mpsc::UnboundedReceiver<(ReqId, Command)>,
) {
    let (thumb_tx, thumb_rx) = mpsc::unbounded_channel();
    tokio::spawn(super::thumbs::thumb_batches(state.clone(), thumb_rx));
    while let Some((id, cmd)) = rx.recv().await {
        let s = state.clone();
        match cmd {
            Command::Thumb(dn) => {
                let _ = thumb_tx.send((id, dn));
            }
            Command::Cancel => {
                if let Some(h) = state.current.lock().ok().and_then(|mut c| c.take()) {
                    h.abort();
                    state.emit(id, Event::Cancelled);
                }
                // It ends with its own report ("…; cancelled, the others not saved").
                if let Some(c) = state.stepped.lock().ok().and_then(|mut c| c.take()) {
                    c.cancel();
                }
            }
            Command::Connect(opts) => {
                let h = tokio::spawn(async move { connect(&s, id, *opts).await });
                state.set_current(h.abort_handle());
            }
            Command::Users { base, depth, which } => {
                let h = tokio::spawn(async move { users(&s, id, base, depth, which).await });
                state.set_current(h.abort_handle());
            }
            cmd => {
                tokio::spawn(async move { run(&s, id, cmd).await });
            }
        }
    }
}

/// A failure to open a directory with nothing to pin.
fn failed(message: String) -> Event {
    Event::ConnectFailed {
        message,
        cert: None,
    }
}

async fn connect(s: &WorkerState, id: ReqId, opts: ConnectOptions) {
    s.emit(
        id,
        Event::JobStarted {
            text: format!("Connecting to {}…", opts.server),
            cancellable: true,
        },
    );
    match Directory::connect(&opts).await {
        Ok(dir) => {
            let endpoint = opts.endpoint().ok();
            let kind = match (&opts.auth, endpoint.as_ref().map(|e| e.security)) {
                (crate::directory::Auth::Kerberos, _) => ConnectionKind::Kerberos,
                (_, Some(Security::Ldaps)) => ConnectionKind::Ldaps,
                (_, Some(Security::StartTls)) => ConnectionKind::StartTls,
                _ => ConnectionKind::Plain,
            };
            let info = ConnectionInfo {
                target: dir.describe().await,
                base_dn: dir.base_dn().to_string(),
                kind,
                insecure: opts.insecure_skip_verify,
            };
            replace_dir(s, dir).await;
            s.emit(id, Event::Connected(info));
        }
        Err(e) => {
            let cert = match &e {
                crate::directory::DirectoryError::CertificateUntrusted { cert, .. } => cert.clone(),
                _ => None,
            };
            let message = e.advice_for_window();
            s.emit(id, Event::ConnectFailed { message, cert })
        }
    }
}

async fn replace_dir(s: &WorkerState, dir: Directory) {
    let old = s.dir.lock().ok().and_then(|mut d| d.replace(dir));
    if let Some(old) = old {
        old.close().await;
    }
}

async fn users(
    s: &WorkerState,
    id: ReqId,
    base: String,
    depth: Depth,
    which: crate::directory::Which,
) {
    let Some(dir) = s.dir() else {
        s.emit(id, Event::Users(Err(NOT_CONNECTED.into())));
        return;
    };
    s.emit(
        id,
        Event::JobStarted {
            text: format!("Loading users of {}…", crate::directory::rdn_value(&base)),
            cancellable: true,
        },
    );
    let result = dir
        .people(&base, depth, &s.photo, which)
        .await
        .map_err(|e| e.to_string());
    s.emit(id, Event::Users(result));
}

async fn run(s: &WorkerState, id: ReqId, cmd: Command) {
    match cmd {
        Command::OpenLdif { source, changes } => {
            let opened = tokio::task::spawn_blocking(move || {
                let dir = Directory::open_ldif(&source, changes)?;
                Ok::<_, crate::directory::DirectoryError>((dir, source))
            })
            .await;
            match opened {
                Ok(Ok((dir, source))) => {
                    let info = ConnectionInfo {
                        target: source
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        base_dn: dir.base_dn().to_string(),
                        kind: ConnectionKind::Offline,
                        insecure: false,
                    };
                    replace_dir(s, dir).await;
                    s.emit(id, Event::Connected(info));
                }
                Ok(Err(e)) => s.emit(id, failed(e.to_string())),
                Err(e) => s.emit(id, failed(e.to_string())),
            }
        }
        Command::Disconnect => {
            let old = s.dir.lock().ok().and_then(|mut d| d.take());
            if let Some(old) = old {
                old.close().await;
            }
        }
        Command::Children(dn) => {
            let Some(dir) = s.dir() else {
                s.emit(
                    id,
                    Event::Children {
                        dn,
                        result: Err(NOT_CONNECTED.into()),
                    },
                );
                return;
            };
            let result = dir.children(&dn).await.map_err(|e| e.to_string());
            s.emit(id, Event::Children { dn, result });
        }
        // Taken by `dispatch` into `thumb_batches`.
        Command::Thumb(_) => {}
        Command::FileThumb(path) => {
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
        Command::Preview(user) => preview(s, id, &user).await,
        Command::SetPhoto { user, file, crop } => {
            super::photo_actions::set_one(s, id, user, file, crop).await
        }
        Command::RemovePhoto(user) => super::photo_actions::remove_one(s, id, user).await,
        Command::RestorePhoto { user, record } => {
            super::photo_actions::restore_one(s, id, user, record).await
        }
        Command::ExportPhoto { dn, path } => {
            super::photo_actions::export_one(s, id, dn, path).await
        }
        Command::PickFile(purpose) => {
            let opened = std::time::Instant::now();
            let path = super::dialogs::pick_file(&purpose).await;
            // Nobody chooses or cancels within a quarter second: a dialog that came back
            // that fast without a path never opened (rfd only says so on stderr).
            let native_failed = path.is_none() && opened.elapsed() < Duration::from_millis(250);
            s.emit(
                id,
                Event::FilePicked {
                    purpose,
                    path,
                    native_failed,
                },
            );
        }
        Command::Scan { folder, recursive } => {
            let result = off_thread(move || {
                matching::scan_folder(&folder, recursive)
                    .map_err(|e| format!("cannot read the folder {}: {e}", folder.display()))
            })
            .await;
            s.emit(id, Event::Scanned(result));
        }
        Command::Automatch { files, users, how } => {
            // A panic in Automatch comes back as an error, never as "nothing matched".
            let result = off_thread(move || {
                let opts = MatchOptions::default();
                let (result, pattern, bad_rows) = match how {
                    MatchBy::Pattern(p) => (
                        matching::automatch(&files, &users, &p, &opts),
                        p,
                        Vec::new(),
                    ),
                    MatchBy::Map { file, folder } => {
                        let map = matching::MapFile::read(&file).map_err(|e| e.to_string())?;
                        let mapped = map
                            .apply(&folder, &files, &users, &opts)
                            .map_err(|e| e.to_string())?;
                        (mapped.result, map.pattern(), mapped.bad_rows)
                    }
                };
                // Every matched file's header, in parallel: the unusable ones start unticked.
                use rayon::prelude::*;
                let damaged = result
                    .matched
                    .par_iter()
                    .filter_map(|m| {
                        let path = &files.get(m.file)?.path;
                        crate::photo::check_file(path)
                            .err()
                            .map(|e| (m.file, e.reason()))
                    })
                    .collect();
                Ok(Box::new(MatchAnswer {
                    result,
                    damaged,
                    pattern,
                    bad_rows,
                }))
            })
            .await;
            s.emit(id, Event::Matched(result));
        }
        Command::SuggestPatterns { files, users } => {
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
        Command::Import {
            plan,
            journal,
            cancel,
        } => {
            let Some(dir) = s.dir() else {
                s.emit(id, Event::JobFailed(NOT_CONNECTED.into()));
                s.emit(id, Event::ImportDone(Box::default()));
                return;
            };
            let _lock = match s.lock(&dir, "import").await {
                Ok(l) => l,
                Err(e) => {
                    s.emit(
                        id,
                        Event::JobFailed(format!("The import did not start: {e}")),
                    );
                    s.emit(id, Event::ImportDone(Box::new(plan.not_started(&e))));
                    return;
                }
            };
            let journal =
                match Journal::create(journal.clone()) {
                    Ok(j) => Some(j),
                    Err(e) => {
                        s.emit(id, Event::JobFailed(format!(
                        "cannot write the import journal {}: {e} (the import runs without it)",
                        journal.display()
                    )));
                        None
                    }
                };
            let report = import::run(
                &dir,
                &plan,
                &s.backups,
                journal,
                import::JobOptions::default(),
                &cancel,
                |p| s.emit(id, Event::ImportProgress(p.clone())),
            )
            .await;
            s.emit(id, Event::ImportDone(Box::new(report)));
        }
        Command::EncodePreview { file, target, crop } => {
            let Ok(_permit) = s.thumbs.acquire().await else {
                return;
            };
            let result = off_thread(move || {
                // Stamped before reading: a file changed while being read is encoded again at
                // Finish.
                let stamp = FileStamp::of(&file)
                    .ok_or_else(|| format!("cannot read {}", file.display()))?;
                let (thumb, prepared) =
                    photo_bridge::encode(&file, target, crop, PREVIEW_SIDE / 2)?;
                let encoded = Encoded {
                    photo: Arc::new(prepared),
                    stamp,
                };
                Ok((thumb, encoded))
            })
            .await;
            s.emit(id, Event::Encoded(result));
        }
        Command::CropLoad {
            file,
            target,
            turns,
        } => {
            let result = off_thread(move || photo_bridge::crop_source(&file, target, turns)).await;
            s.emit(id, Event::CropLoaded(result));
        }
        Command::CropEncode {
            file,
            target,
            crop,
            turns,
        } => {
            let result = off_thread(move || {
                photo_bridge::encode(&file, target, Some((crop, turns)), PREVIEW_SIDE)
                    .map(|(thumb, p)| (thumb, p.jpeg.len()))
            })
            .await;
            s.emit(id, Event::CropEncoded(result));
        }
        Command::Undo(journal) => {
            let Some(dir) = s.dir() else {
                s.emit(id, Event::Undone(Err(NOT_CONNECTED.into())));
                return;
            };
            let result = match s.lock(&dir, "undo an import").await {
                Ok(_lock) => import::undo(&dir, &journal, &s.backups, &Cancel::default())
                    .await
                    .map_err(|e| format!("cannot use the journal {}: {e}", journal.display())),
                Err(e) => Err(format!("Not undone: {e}")),
            };
            s.emit(id, Event::Undone(result));
        }
        Command::SaveText { path, text } => match std::fs::write(&path, text) {
            Ok(()) => s.emit(id, Event::JobDone(format!("Saved {}.", path.display()))),
            Err(e) => s.emit(
                id,
                Event::JobFailed(format!("Cannot write {}: {e}", path.display())),
            ),
        },
        Command::CopyPhoto(user) => super::photo_actions::copy(s, id, *user).await,
        Command::PastePhoto { users, jpeg } => {
            super::photo_actions::paste(s, id, users, jpeg).await
        }
        Command::RemovePhotos(users) => super::photo_actions::remove(s, id, users).await,
        Command::ExportPhotos { users, folder } => {
            super::photo_actions::export(s, id, users, folder).await
        }
        Command::EditPhoto(user) => super::photo_actions::edit(s, id, *user).await,
        Command::PasteImage { user, image } => {
            super::photo_actions::pasted_image(s, id, *user, image).await
        }
        Command::PhotoRights(who) => {
            let Some(dir) = s.dir() else {
                s.emit(id, Event::PhotoRights(Err(NOT_CONNECTED.into())));
                return;
            };
            let result = dir
                .photo_rights(&who, &s.photo)
                .await
                .map_err(|e| e.to_string());
            s.emit(id, Event::PhotoRights(result));
        }
        Command::SuggestServer => {
            let found = crate::directory::suggest_from_dns().await;
            s.emit(id, Event::ServerSuggested(found));
        }
        Command::Connect(_) | Command::Users { .. } | Command::Cancel => {}
    }
}

/// Image or folder work on a blocking thread, never on the async workers; a panic there comes
/// back as an error message instead of taking the worker down.
pub(super) async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
}

#[cfg(test)]
mod tests {
    /// What Automatch now runs in: a panic is an error for the window to show, not an empty
    /// answer (`spawn_blocking(..).unwrap_or_default()` made it "nothing matched").
    #[tokio::test]
    async fn a_panic_off_thread_comes_back_as_an_error() {
        let r: Result<Vec<u8>, String> = super::off_thread(|| panic!("bug in matching")).await;
        let e = r.unwrap_err();
        assert!(e.contains("panic"), "{e}");
        let ok = super::off_thread(|| Ok(vec![1u8])).await;
        assert_eq!(ok, Ok(vec![1]));
    }
}
