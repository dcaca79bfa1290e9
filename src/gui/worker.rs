//! The one bridge between the window and the engine: commands in, events out.
//!
//! A tokio runtime on worker threads owns the [`Directory`]; the UI thread only sends
//! [`Command`]s and drains [`Event`]s each frame. Every event wakes the window with
//! `request_repaint`, so nothing polls and nothing blocks the UI thread.

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;

use super::photo_bridge::{self, Thumbnail};
use crate::data_folder::{DataFolder, WriteLock};
use crate::directory::{
    BackupRecord, BackupStore, ConnectOptions, Container, Depth, Directory, PhotoAttribute,
    Security, User,
};
use crate::import::{self, Cancel, Journal, Plan, Progress, Report, UndoReport};
use crate::matching::{self, MatchOptions, MatchResult, Pattern, PhotoFile, ScanResult};

/// How the window is connected, for the toolbar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// `ldaps://dc1:636` or `demo.ldif`.
    pub target: String,
    pub base_dn: String,
    pub kind: ConnectionKind,
    /// Certificate verification was turned off for this connection.
    pub insecure: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    Ldaps,
    StartTls,
    Kerberos,
    Plain,
    Offline,
}

impl ConnectionKind {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionKind::Ldaps => "LDAPS",
            ConnectionKind::StartTls => "StartTLS",
            ConnectionKind::Kerberos => "Kerberos",
            ConnectionKind::Plain => "unencrypted",
            ConnectionKind::Offline => "offline",
        }
    }
}

/// What a file dialog is for; comes back with the chosen path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilePurpose {
    /// A new photo for the user with this DN.
    SetPhoto(String),
    /// Where to save this user's current photo.
    ExportPhoto { dn: String, suggested: String },
    /// A CA certificate for the connect dialog.
    CaFile,
    /// An LDIF export to open offline.
    Ldif,
    /// The folder of photos for the import wizard.
    ImportFolder,
    /// Where to save the import report (CSV).
    ImportReport,
}

/// What the window asks the engine to do.
#[derive(Debug)]
pub enum Command {
    Connect(Box<ConnectOptions>),
    OpenLdif {
        source: PathBuf,
        changes: PathBuf,
    },
    Disconnect,
    Children(String),
    Users {
        base: String,
        depth: Depth,
        generation: u64,
    },
    Thumb(String),
    /// Import wizard: a thumbnail of a photo file, for the matching table.
    FileThumb(PathBuf),
    Preview(Box<User>),
    SetPhoto {
        user: Box<User>,
        file: PathBuf,
        /// A crop chosen on the crop canvas (None: automatic).
        crop: Option<(crate::photo::CropRect, u8)>,
    },
    RemovePhoto(Box<User>),
    /// Put back the state before one of adphoto's changes: the last one ("Restore previous",
    /// `record: None`) or one picked from the history.
    RestorePhoto {
        user: Box<User>,
        record: Option<Box<BackupRecord>>,
    },
    ExportPhoto {
        dn: String,
        path: PathBuf,
    },
    PickFile(FilePurpose),
    /// Import wizard: list the photos in a folder.
    Scan {
        folder: PathBuf,
        recursive: bool,
        generation: u64,
    },
    /// Import wizard: pair files with users.
    Automatch {
        files: Vec<PhotoFile>,
        users: Vec<User>,
        pattern: Pattern,
    },
    /// Import wizard: run the plan (with a journal at `journal`); stop it with `cancel`.
    Import {
        plan: Box<Plan>,
        journal: PathBuf,
        cancel: Cancel,
    },
    /// Import wizard: encode one file for `target`, for the resize step's preview.
    EncodePreview {
        generation: u64,
        index: usize,
        file: PathBuf,
        target: crate::photo::Target,
        /// A crop chosen by hand, with its quarter turns.
        crop: Option<(crate::photo::CropRect, u8)>,
    },
    /// Crop canvas: load a picture (rotated by `turns`) with its automatic crop.
    CropLoad {
        generation: u64,
        file: PathBuf,
        target: crate::photo::Target,
        turns: u8,
    },
    /// Crop canvas: encode with this crop, for the live preview.
    CropEncode {
        generation: u64,
        file: PathBuf,
        target: crate::photo::Target,
        crop: crate::photo::CropRect,
        turns: u8,
    },
    /// Undo the import recorded in this journal.
    Undo(PathBuf),
    /// Write a text file (the import report).
    SaveText {
        path: PathBuf,
        text: String,
    },
    /// Stops the connect or user listing under way.
    Cancel,
}

/// What comes back.
#[derive(Debug)]
pub enum Event {
    Connected(ConnectionInfo),
    ConnectFailed(String),
    Children {
        dn: String,
        result: Result<Vec<Container>, String>,
    },
    Users {
        generation: u64,
        result: Result<Vec<User>, String>,
    },
    Thumb {
        dn: String,
        image: Option<Thumbnail>,
    },
    FileThumb {
        path: PathBuf,
        result: Result<Thumbnail, String>,
    },
    Preview {
        dn: String,
        photo: Option<PreviewPhoto>,
        /// adphoto's changes to this user's photo, newest first.
        history: Vec<BackupRecord>,
        error: Option<String>,
    },
    /// A photo was written, removed or restored: the user's new photo size (None: no photo).
    PhotoChanged {
        dn: String,
        photo_bytes: Option<usize>,
        message: String,
    },
    /// A job began; `cancellable` jobs can be stopped with [`Command::Cancel`].
    JobStarted {
        text: String,
        cancellable: bool,
    },
    JobFailed(String),
    JobDone(String),
    FilePicked {
        purpose: FilePurpose,
        path: Option<PathBuf>,
    },
    Cancelled,
    Scanned {
        generation: u64,
        result: Result<ScanResult, String>,
    },
    Matched(MatchResult),
    CropLoaded {
        generation: u64,
        result: Result<photo_bridge::CropSource, String>,
    },
    CropEncoded {
        generation: u64,
        result: Result<(Thumbnail, usize), String>,
    },
    Encoded {
        generation: u64,
        index: usize,
        result: Result<(Thumbnail, usize), String>,
    },
    ImportProgress(Progress),
    ImportDone(Box<Report>),
    Undone(Result<UndoReport, String>),
}

/// The current photo of one user, decoded for the preview.
#[derive(Debug, Clone)]
pub struct PreviewPhoto {
    pub bytes: usize,
    pub width: u32,
    pub height: u32,
    pub image: Thumbnail,
}

const NOT_CONNECTED: &str = "Not connected to a directory.";

/// Pixel side of grid thumbnails (twice the row height, for high-DPI screens).
pub const THUMB_SIDE: u32 = 48;
/// Pixel side of the wizard's file thumbnails: large enough to tell a face at a glance.
pub const FILE_THUMB_SIDE: u32 = 96;
/// Pixel side of the preview image.
pub const PREVIEW_SIDE: u32 = 256;

/// The UI side of the bridge.
pub struct Worker {
    commands: mpsc::UnboundedSender<Command>,
    events: std_mpsc::Receiver<Event>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Worker {
    /// Starts the worker runtime; `repaint` is called after every event.
    pub fn start(ctx: egui::Context, data: DataFolder) -> Self {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = std_mpsc::channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("adphoto-worker")
            .enable_all()
            .build();
        let runtime = match runtime {
            Ok(r) => r,
            Err(e) => {
                let _ = ev_tx.send(Event::JobFailed(format!("cannot start the worker: {e}")));
                return Self {
                    commands: cmd_tx,
                    events: ev_rx,
                    runtime: None,
                };
            }
        };
        let state = Arc::new(WorkerState {
            dir: Mutex::new(None),
            events: Mutex::new(ev_tx),
            ctx,
            backups: data.backup_store(),
            data,
            photo: PhotoAttribute::default(),
            thumbs: Semaphore::new(4),
            current: Mutex::new(None),
        });
        runtime.spawn(dispatch(state, cmd_rx));
        Self {
            commands: cmd_tx,
            events: ev_rx,
            runtime: Some(runtime),
        }
    }

    pub fn send(&self, cmd: Command) {
        tracing::debug!("gui command: {cmd:?}");
        let _ = self.commands.send(cmd);
    }

    /// Events that arrived since the last call; never blocks.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // A native file dialog may still be open on a worker thread: don't wait for it.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

struct WorkerState {
    dir: Mutex<Option<Directory>>,
    events: Mutex<std_mpsc::Sender<Event>>,
    ctx: egui::Context,
    data: DataFolder,
    backups: BackupStore,
    photo: PhotoAttribute,
    /// At most this many photo reads for thumbnails at once, so scrolling never floods the server.
    thumbs: Semaphore,
    /// The cancellable job under way (connect or user listing).
    current: Mutex<Option<AbortHandle>>,
}

impl WorkerState {
    fn emit(&self, ev: Event) {
        if let Ok(tx) = self.events.lock() {
            let _ = tx.send(ev);
        }
        self.ctx.request_repaint();
    }

    fn dir(&self) -> Option<Directory> {
        self.dir.lock().ok().and_then(|d| d.clone())
    }

    /// The data folder's write lock for `dir`, shared with the command line: one writer per
    /// directory. Held for the one change or the whole job, never while idle.
    async fn lock(&self, dir: &Directory, what: &str) -> Result<WriteLock, String> {
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

async fn dispatch(state: Arc<WorkerState>, mut rx: mpsc::UnboundedReceiver<Command>) {
    while let Some(cmd) = rx.recv().await {
        let s = state.clone();
        match cmd {
            Command::Cancel => {
                if let Some(h) = state.current.lock().ok().and_then(|mut c| c.take()) {
                    h.abort();
                    state.emit(Event::Cancelled);
                }
            }
            Command::Connect(opts) => {
                let h = tokio::spawn(async move { connect(&s, *opts).await });
                state.set_current(h.abort_handle());
            }
            Command::Users {
                base,
                depth,
                generation,
            } => {
                let h = tokio::spawn(async move { users(&s, base, depth, generation).await });
                state.set_current(h.abort_handle());
            }
            cmd => {
                tokio::spawn(async move { run(&s, cmd).await });
            }
        }
    }
}

async fn connect(s: &WorkerState, opts: ConnectOptions) {
    s.emit(Event::JobStarted {
        text: format!("Connecting to {}…", opts.server),
        cancellable: true,
    });
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
            s.emit(Event::Connected(info));
        }
        Err(e) => s.emit(Event::ConnectFailed(e.to_string())),
    }
}

async fn replace_dir(s: &WorkerState, dir: Directory) {
    let old = s.dir.lock().ok().and_then(|mut d| d.replace(dir));
    if let Some(old) = old {
        old.close().await;
    }
}

async fn users(s: &WorkerState, base: String, depth: Depth, generation: u64) {
    let Some(dir) = s.dir() else {
        s.emit(Event::Users {
            generation,
            result: Err(NOT_CONNECTED.into()),
        });
        return;
    };
    s.emit(Event::JobStarted {
        text: format!("Loading users of {}…", crate::directory::rdn_value(&base)),
        cancellable: true,
    });
    let result = dir
        .users(&base, depth, &s.photo)
        .await
        .map_err(|e| e.to_string());
    s.emit(Event::Users { generation, result });
}

async fn run(s: &WorkerState, cmd: Command) {
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
                    s.emit(Event::Connected(info));
                }
                Ok(Err(e)) => s.emit(Event::ConnectFailed(e.to_string())),
                Err(e) => s.emit(Event::ConnectFailed(e.to_string())),
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
                s.emit(Event::Children {
                    dn,
                    result: Err(NOT_CONNECTED.into()),
                });
                return;
            };
            let result = dir.children(&dn).await.map_err(|e| e.to_string());
            s.emit(Event::Children { dn, result });
        }
        Command::Thumb(dn) => {
            let Some(dir) = s.dir() else {
                s.emit(Event::Thumb { dn, image: None });
                return;
            };
            let Ok(_permit) = s.thumbs.acquire().await else {
                return;
            };
            let image = match dir.read_photo(&dn, &s.photo).await {
                Ok(Some(bytes)) => tokio::task::spawn_blocking(move || {
                    photo_bridge::thumbnail(&bytes, THUMB_SIDE).ok()
                })
                .await
                .ok()
                .flatten(),
                _ => None,
            };
            s.emit(Event::Thumb { dn, image });
        }
        Command::FileThumb(path) => {
            // The same limit as the grid's reads: a fast scroll never queues hundreds of decodes.
            let Ok(_permit) = s.thumbs.acquire().await else {
                return;
            };
            let file = path.clone();
            let result =
                off_thread(move || photo_bridge::file_thumbnail(&file, FILE_THUMB_SIDE)).await;
            s.emit(Event::FileThumb { path, result });
        }
        Command::Preview(user) => preview(s, &user).await,
        Command::SetPhoto { user, file, crop } => {
            let name = user.label();
            s.emit(Event::JobStarted {
                text: format!("Setting the photo of {name}…"),
                cancellable: false,
            });
            let prepared = off_thread(move || {
                let bytes = std::fs::read(&file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                photo_bridge::prepare_cropped(&bytes, crop)
                    .map_err(|e| format!("{}: {e}", file.display()))
            })
            .await;
            let Some(dir) = s.dir() else {
                s.emit(Event::JobFailed(NOT_CONNECTED.into()));
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
                    s.emit(Event::PhotoChanged {
                        dn: user.dn.clone(),
                        photo_bytes: Some(bytes),
                        message: format!("Photo of {name} set ({bytes} bytes)."),
                    });
                    preview(s, &user).await;
                }
                Err(e) => s.emit(Event::JobFailed(format!("Photo of {name} not set: {e}"))),
            }
        }
        Command::RemovePhoto(user) => {
            let name = user.label();
            let Some(dir) = s.dir() else {
                s.emit(Event::JobFailed(NOT_CONNECTED.into()));
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
                    s.emit(Event::PhotoChanged {
                        dn: user.dn.clone(),
                        photo_bytes: None,
                        message: format!("Photo of {name} removed (a backup was kept)."),
                    });
                    preview(s, &user).await;
                }
                Err(e) => s.emit(Event::JobFailed(format!(
                    "Photo of {name} not removed: {e}"
                ))),
            }
        }
        Command::RestorePhoto { user, record } => {
            let name = user.label();
            let Some(dir) = s.dir() else {
                s.emit(Event::JobFailed(NOT_CONNECTED.into()));
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
                    let when = crate::clock::local_display(&rec.taken_at);
                    let message = if rec.had_photo() {
                        format!("Photo of {name} put back as it was before the change of {when}.")
                    } else {
                        format!(
                            "{name} had no photo before the change of {when}: the photo was removed (and saved)."
                        )
                    };
                    s.emit(Event::PhotoChanged {
                        dn: user.dn.clone(),
                        photo_bytes: (outcome.bytes > 0).then_some(outcome.bytes),
                        message,
                    });
                    preview(s, &user).await;
                }
                Ok(None) => s.emit(Event::JobFailed(format!(
                    "adphoto never changed {name}'s photo: nothing to restore."
                ))),
                Err(e) => s.emit(Event::JobFailed(format!(
                    "Photo of {name} not restored: {e}"
                ))),
            }
        }
        Command::ExportPhoto { dn, path } => {
            let Some(dir) = s.dir() else {
                s.emit(Event::JobFailed(NOT_CONNECTED.into()));
                return;
            };
            match dir.read_photo(&dn, &s.photo).await {
                Ok(Some(bytes)) => match std::fs::write(&path, &bytes) {
                    Ok(()) => s.emit(Event::JobDone(format!(
                        "Photo saved to {} ({} bytes).",
                        path.display(),
                        bytes.len()
                    ))),
                    Err(e) => s.emit(Event::JobFailed(format!(
                        "Cannot write {}: {e}",
                        path.display()
                    ))),
                },
                Ok(None) => s.emit(Event::JobFailed("This user has no photo.".into())),
                Err(e) => s.emit(Event::JobFailed(e.to_string())),
            }
        }
        Command::PickFile(purpose) => {
            let path = pick_file(&purpose).await;
            s.emit(Event::FilePicked { purpose, path });
        }
        Command::Scan {
            folder,
            recursive,
            generation,
        } => {
            let result = off_thread(move || {
                matching::scan_folder(&folder, recursive)
                    .map_err(|e| format!("cannot read the folder {}: {e}", folder.display()))
            })
            .await;
            s.emit(Event::Scanned { generation, result });
        }
        Command::Automatch {
            files,
            users,
            pattern,
        } => {
            let result = tokio::task::spawn_blocking(move || {
                matching::automatch(&files, &users, &pattern, &MatchOptions::default())
            })
            .await
            .unwrap_or_default();
            s.emit(Event::Matched(result));
        }
        Command::Import {
            plan,
            journal,
            cancel,
        } => {
            let Some(dir) = s.dir() else {
                s.emit(Event::JobFailed(NOT_CONNECTED.into()));
                s.emit(Event::ImportDone(Box::default()));
                return;
            };
            let _lock = match s.lock(&dir, "import").await {
                Ok(l) => l,
                Err(e) => {
                    s.emit(Event::JobFailed(format!("The import did not start: {e}")));
                    s.emit(Event::ImportDone(Box::new(plan.not_started(&e))));
                    return;
                }
            };
            let journal = match Journal::create(journal.clone()) {
                Ok(j) => Some(j),
                Err(e) => {
                    s.emit(Event::JobFailed(format!(
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
                |p| s.emit(Event::ImportProgress(p.clone())),
            )
            .await;
            s.emit(Event::ImportDone(Box::new(report)));
        }
        Command::EncodePreview {
            generation,
            index,
            file,
            target,
            crop,
        } => {
            let Ok(_permit) = s.thumbs.acquire().await else {
                return;
            };
            let result = off_thread(move || match crop {
                Some((c, turns)) => photo_bridge::encode_cropped(&file, target, c, turns),
                None => photo_bridge::encode_preview(&file, target, PREVIEW_SIDE / 2),
            })
            .await;
            s.emit(Event::Encoded {
                generation,
                index,
                result,
            });
        }
        Command::CropLoad {
            generation,
            file,
            target,
            turns,
        } => {
            let result = off_thread(move || photo_bridge::crop_source(&file, target, turns)).await;
            s.emit(Event::CropLoaded { generation, result });
        }
        Command::CropEncode {
            generation,
            file,
            target,
            crop,
            turns,
        } => {
            let result =
                off_thread(move || photo_bridge::encode_cropped(&file, target, crop, turns)).await;
            s.emit(Event::CropEncoded { generation, result });
        }
        Command::Undo(journal) => {
            let Some(dir) = s.dir() else {
                s.emit(Event::Undone(Err(NOT_CONNECTED.into())));
                return;
            };
            let result = match s.lock(&dir, "undo an import").await {
                Ok(_lock) => import::undo(&dir, &journal, &s.backups, &Cancel::default())
                    .await
                    .map_err(|e| format!("cannot use the journal {}: {e}", journal.display())),
                Err(e) => Err(format!("Not undone: {e}")),
            };
            s.emit(Event::Undone(result));
        }
        Command::SaveText { path, text } => match std::fs::write(&path, text) {
            Ok(()) => s.emit(Event::JobDone(format!("Saved {}.", path.display()))),
            Err(e) => s.emit(Event::JobFailed(format!(
                "Cannot write {}: {e}",
                path.display()
            ))),
        },
        Command::Connect(_) | Command::Users { .. } | Command::Cancel => {}
    }
}

async fn preview(s: &WorkerState, user: &User) {
    let Some(dir) = s.dir() else {
        s.emit(Event::Preview {
            dn: user.dn.clone(),
            photo: None,
            history: Vec::new(),
            error: Some(NOT_CONNECTED.into()),
        });
        return;
    };
    let dn = user.dn.clone();
    let history = s.backups.history(user, s.photo.name()).unwrap_or_default();
    match dir.read_photo(&dn, &s.photo).await {
        Ok(Some(bytes)) => {
            let decoded = off_thread(move || {
                let (width, height) = photo_bridge::dimensions(&bytes).unwrap_or((0, 0));
                photo_bridge::thumbnail(&bytes, PREVIEW_SIDE).map(|image| PreviewPhoto {
                    bytes: bytes.len(),
                    width,
                    height,
                    image,
                })
            })
            .await;
            let (photo, error) = match decoded {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(format!("The stored photo cannot be shown: {e}"))),
            };
            s.emit(Event::Preview {
                dn,
                photo,
                history,
                error,
            });
        }
        Ok(None) => s.emit(Event::Preview {
            dn,
            photo: None,
            history,
            error: None,
        }),
        Err(e) => s.emit(Event::Preview {
            dn,
            photo: None,
            history,
            error: Some(e.to_string()),
        }),
    }
}

/// The native file dialog (rfd's async API: on macOS it runs on the main thread's event loop).
async fn pick_file(purpose: &FilePurpose) -> Option<PathBuf> {
    let dialog = rfd::AsyncFileDialog::new();
    let handle = match purpose {
        FilePurpose::SetPhoto(_) => {
            dialog
                .set_title("Choose a photo")
                .add_filter(
                    "Images",
                    &[
                        "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "JPG", "JPEG",
                        "PNG",
                    ],
                )
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
        FilePurpose::ExportPhoto { suggested, .. } => {
            dialog
                .set_title("Save the photo")
                .set_file_name(suggested)
                .add_filter("JPEG", &["jpg", "jpeg"])
                .save_file()
                .await
        }
        FilePurpose::CaFile => {
            dialog
                .set_title("Choose the CA certificate (PEM)")
                .add_filter("Certificates", &["pem", "crt", "cer"])
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
        FilePurpose::ImportFolder => {
            dialog
                .set_title("Choose the folder of photos")
                .pick_folder()
                .await
        }
        FilePurpose::ImportReport => {
            dialog
                .set_title("Save the import report")
                .set_file_name("import-report.csv")
                .add_filter("CSV", &["csv"])
                .save_file()
                .await
        }
        FilePurpose::Ldif => {
            dialog
                .set_title("Open an LDIF export")
                .add_filter("LDIF", &["ldif", "ldf"])
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
    };
    handle.map(|h| h.path().to_path_buf())
}

/// Image or folder work on a blocking thread, never on the async workers; a panic there comes
/// back as an error message instead of taking the worker down.
async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
}
