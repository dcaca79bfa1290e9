//! The worker's side: each [`Command`] run as a task on the runtime, its events sent back with
//! the request's id.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;

use super::ReqId;
use super::preview::preview;
use super::protocol::{Command, ConnectionInfo, ConnectionKind, Event};
use crate::data_folder::{DataFolder, WriteLock};
use crate::directory::{BackupStore, ConnectOptions, Depth, Directory, PhotoAttribute, Security};
use crate::import::{self, Cancel, CloudSide};

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
    /// The connect or user listing under way (a new one replaces it), by request.
    pub(super) current: Mutex<Option<(ReqId, AbortHandle)>>,
    /// Cancellable jobs that stop between steps and report what they did (exports), by request.
    pub(super) stepped: Mutex<HashMap<ReqId, Cancel>>,
    pub(super) thumb_reads: Arc<super::ThumbReads>,
    /// The Microsoft 365 sign-in, with its tenant, once a person signed in.
    pub(super) cloud: Mutex<Option<(CloudSide, String)>>,
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

    /// The Microsoft 365 side of imports and undo, when signed in.
    pub(super) fn cloud(&self) -> Option<(CloudSide, String)> {
        self.cloud.lock().ok().and_then(|c| c.clone())
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

    fn set_current(&self, id: ReqId, handle: AbortHandle) {
        if let Ok(mut cur) = self.current.lock()
            && let Some((_, old)) = cur.replace((id, handle))
        {
            old.abort();
        }
    }

    /// Stops request `target` if it is still under way: a connect or listing at once (it
    /// answers `Cancelled`), a stepped job between two steps (it ends with its own report).
    fn cancel(&self, target: ReqId) {
        let aborted = self
            .current
            .lock()
            .ok()
            .and_then(|mut c| c.take_if(|(id, _)| *id == target));
        if let Some((_, h)) = aborted {
            h.abort();
            self.emit(target, Event::Cancelled);
        }
        if let Some(c) = self.stepped.lock().ok().and_then(|mut c| c.remove(&target)) {
            c.cancel();
        }
    }

    /// Registers a stepped job's cancel flag under its request (see [`Self::cancel`]).
    pub(super) fn stepped(&self, id: ReqId) -> Cancel {
        let cancel = Cancel::default();
        if let Ok(mut c) = self.stepped.lock() {
            c.insert(id, cancel.clone());
        }
        cancel
    }

    /// The stepped job of request `id` has ended.
    pub(super) fn stepped_done(&self, id: ReqId) {
        if let Ok(mut c) = self.stepped.lock() {
            c.remove(&id);
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
            Command::Cancel(target) => state.cancel(target),
            Command::Connect(opts) => {
                let h = tokio::spawn(async move { connect(&s, id, *opts).await });
                state.set_current(id, h.abort_handle());
            }
            Command::Users { base, depth, which } => {
                let h = tokio::spawn(async move { users(&s, id, base, depth, which).await });
                state.set_current(id, h.abort_handle());
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

/// One command, one function: the main window's here, the photo actions in `photo_actions`,
/// the wizard's and the crop canvas's in `wizard_jobs`.
async fn run(s: &WorkerState, id: ReqId, cmd: Command) {
    use super::photo_actions as photos;
    use super::wizard_jobs as wizard;
    match cmd {
        Command::OpenLdif { source, changes } => open_ldif(s, id, source, changes).await,
        Command::OpenDemo => open_demo(s, id).await,
        Command::Disconnect => disconnect(s).await,
        Command::Children(dn) => children(s, id, dn).await,
        Command::Preview(user) => preview(s, id, &user).await,
        Command::SetPhoto { user, file, crop } => photos::set_one(s, id, user, file, crop).await,
        Command::RemovePhoto(user) => photos::remove_one(s, id, user).await,
        Command::CloudPhoto { user, change } => {
            super::cloud::change_photo(s, id, user, change).await
        }
        Command::RestorePhoto { user, record } => photos::restore_one(s, id, user, record).await,
        Command::ExportPhoto { dn, path } => photos::export_one(s, id, dn, path).await,
        Command::CopyPhoto(user) => photos::copy(s, id, *user).await,
        Command::PastePhoto { users, jpeg } => photos::paste(s, id, users, jpeg).await,
        Command::RemovePhotos(users) => photos::remove(s, id, users).await,
        Command::ExportPhotos { users, folder } => photos::export(s, id, users, folder).await,
        Command::EditPhoto(user) => photos::edit(s, id, *user).await,
        Command::PasteImage { user, image } => photos::pasted_image(s, id, *user, image).await,
        Command::PickFile(purpose) => pick_file(s, id, purpose).await,
        Command::FileThumb(path) => wizard::file_thumb(s, id, path).await,
        Command::Scan { folder, recursive } => wizard::scan(s, id, folder, recursive).await,
        Command::Automatch { files, users, how } => {
            wizard::automatch(s, id, files, users, how).await
        }
        Command::SuggestPatterns { files, users } => wizard::suggest(s, id, files, users).await,
        Command::Import { plan, cancel } => wizard::import(s, id, *plan, cancel).await,
        Command::EncodePreview { file, target, crop } => {
            wizard::encode_preview(s, id, file, target, crop).await
        }
        Command::CropLoad {
            file,
            target,
            turns,
        } => wizard::crop_load(s, id, file, target, turns).await,
        Command::CropEncode {
            file,
            target,
            crop,
            turns,
        } => wizard::crop_encode(s, id, file, target, crop, turns).await,
        Command::Undo(journal) => wizard::undo(s, id, journal).await,
        Command::CloudSignIn { opts, way } => super::cloud::sign_in(s, id, *opts, way).await,
        Command::CloudSignOut => super::cloud::sign_out(s, id).await,
        Command::SaveText { path, text, then } => save_text(s, id, path, text, then).await,
        Command::PhotoRights(who) => wizard::photo_rights(s, id, who).await,
        Command::Foresee(plan) => wizard::foresee(s, id, *plan).await,
        Command::FindUnfinished => find_unfinished(s, id).await,
        Command::LoadProfiles { store, hint } => {
            let result = off_thread(move || {
                let hint = hint.then(crate::directory::domain_hint).flatten();
                Ok((store.load(), hint))
            })
            .await;
            let (result, hint) = result.unwrap_or_else(|e| (Err(e), None));
            s.emit(id, Event::Profiles { result, hint });
        }
        Command::SaveProfiles {
            store,
            profiles,
            saved,
        } => {
            let result = off_thread(move || store.save(&profiles)).await;
            s.emit(id, Event::ProfilesSaved { saved, result });
        }
        Command::SuggestServer => {
            let found = crate::directory::suggest_from_dns().await;
            s.emit(id, Event::ServerSuggested(found));
        }
        // Taken by `dispatch` before they get here.
        Command::Thumb(_) | Command::Connect(_) | Command::Users { .. } | Command::Cancel(_) => {}
    }
}

async fn open_ldif(s: &WorkerState, id: ReqId, source: PathBuf, changes: PathBuf) {
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

async fn open_demo(s: &WorkerState, id: ReqId) {
    let root = s.data.root().to_path_buf();
    let installed = off_thread(move || {
        crate::directory::demo::install(&root).map_err(|e| {
            format!(
                "Cannot set up the demo directory in {}: {e}",
                root.display()
            )
        })
    })
    .await;
    match installed {
        Ok(source) => {
            let changes = Directory::default_changes_path(&s.data, &source);
            open_ldif(s, id, source, changes).await;
        }
        Err(e) => s.emit(id, failed(e)),
    }
}

async fn disconnect(s: &WorkerState) {
    let old = s.dir.lock().ok().and_then(|mut d| d.take());
    if let Some(old) = old {
        old.close().await;
    }
}

async fn children(s: &WorkerState, id: ReqId, dn: String) {
    let result = match s.dir() {
        Some(dir) => dir.children(&dn).await.map_err(|e| e.to_string()),
        None => Err(NOT_CONNECTED.into()),
    };
    s.emit(id, Event::Children { dn, result });
}

async fn pick_file(s: &WorkerState, id: ReqId, purpose: super::FilePurpose) {
    let opened = std::time::Instant::now();
    let path = super::dialogs::pick_file(&purpose).await;
    // Nobody chooses or cancels within a quarter second: a dialog that came back that fast
    // without a path never opened (rfd only says so on stderr).
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

async fn save_text(s: &WorkerState, id: ReqId, path: PathBuf, text: String, then: Option<String>) {
    match tokio::fs::write(&path, text).await {
        Ok(()) => s.emit(
            id,
            Event::JobDone(match then {
                Some(then) => format!("Saved {}. {then}", path.display()),
                None => format!("Saved {}.", path.display()),
            }),
        ),
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Cannot write {}: {e}", path.display())),
        ),
    }
}

async fn find_unfinished(s: &WorkerState, id: ReqId) {
    let data = s.data.clone();
    let found = off_thread(move || Ok(import::journal::unfinished(&data, None))).await;
    s.emit(id, Event::Unfinished(found.unwrap_or_default()));
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
