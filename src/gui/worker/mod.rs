//! The one bridge between the window and the engine: commands in, events out.
//!
//! A tokio runtime on worker threads owns the [`Directory`]; the UI thread only sends
//! [`Command`]s and drains [`Reply`]s each frame. Every event wakes the window with
//! `request_repaint`, so nothing polls and nothing blocks the UI thread.
//!
//! Each command gets a [`ReqId`] and the [`Owner`] that sent it; every event it causes comes
//! back with both. The routing table lives here and nowhere else: the window hands a reply to
//! its owner, and the owner drops replies to requests it no longer waits for.

mod cloud;
mod dialogs;
mod jobs;
mod photo_actions;
mod preview;
mod protocol;
mod thumbs;
mod wizard_jobs;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc};

pub use jobs::{FILE_THUMB_SIDE, PREVIEW_SIDE, THUMB_SIDE};
pub use protocol::{
    CloudChange, CloudPhoto, CloudSignedIn, Command, ConnectionInfo, ConnectionKind, Event,
    FilePurpose, MatchFailed, PreviewPhoto, SignInWay,
};

use crate::data_folder::DataFolder;
use crate::directory::{BackupStore, PhotoAttribute};

/// The id of one request to the worker; unique for the worker's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqId(u64);

/// Who asked: where the replies go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The main window: connection, tree, grid, preview, status bar.
    App,
    /// The import wizard (and the crop canvas inside it).
    Wizard,
    /// The crop canvas of "Set photo…".
    PhotoCanvas,
}

/// One event, with the request it answers and who asked.
#[derive(Debug)]
pub struct Reply {
    pub id: ReqId,
    pub owner: Owner,
    pub event: Event,
}

/// The UI side of the bridge.
pub struct Worker {
    commands: mpsc::UnboundedSender<(ReqId, Command)>,
    events: std_mpsc::Receiver<(ReqId, Event)>,
    runtime: Option<tokio::runtime::Runtime>,
    next_id: Cell<u64>,
    /// Requests of owners other than the app that have not had their answer yet.
    routes: RefCell<HashMap<ReqId, Owner>>,
    thumb_reads: Arc<ThumbReads>,
}

/// How the grid's thumbnails were read: requests, and the searches that served them.
#[derive(Debug, Default)]
pub struct ThumbReads {
    pub requests: AtomicUsize,
    pub searches: AtomicUsize,
}

impl Worker {
    /// Starts the worker runtime; `ctx.request_repaint` is called after every event.
    pub fn start(ctx: egui::Context, data: DataFolder) -> Self {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = std_mpsc::channel();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("adphoto-worker")
            .enable_all()
            .build();
        let mut worker = Self {
            commands: cmd_tx,
            events: ev_rx,
            runtime: None,
            next_id: Cell::new(1),
            routes: RefCell::new(HashMap::new()),
            thumb_reads: Arc::default(),
        };
        match runtime {
            Ok(rt) => {
                let state = Arc::new(jobs::WorkerState {
                    dir: Mutex::new(None),
                    events: Mutex::new(ev_tx),
                    ctx,
                    backups: BackupStore::in_folder(&data),
                    data,
                    photo: PhotoAttribute::default(),
                    thumbs: Semaphore::new(4),
                    current: Mutex::new(None),
                    stepped: Mutex::default(),
                    thumb_reads: worker.thumb_reads.clone(),
                    cloud: Mutex::new(None),
                });
                rt.spawn(jobs::dispatch(state, cmd_rx));
                worker.runtime = Some(rt);
            }
            Err(e) => {
                let msg = format!("cannot start the worker: {e}");
                let _ = ev_tx.send((ReqId(0), Event::JobFailed(msg)));
            }
        }
        worker
    }

    /// Thumbnails asked for so far, and the directory searches that read them (tests check
    /// that a screenful is read with a few searches, not one read per row).
    pub fn thumb_reads(&self) -> (usize, usize) {
        (
            self.thumb_reads.requests.load(Ordering::Relaxed),
            self.thumb_reads.searches.load(Ordering::Relaxed),
        )
    }

    /// Sends a command of the main window.
    pub fn send(&self, cmd: Command) -> ReqId {
        self.send_as(Owner::App, cmd)
    }

    /// Sends a command whose replies go to `owner`.
    pub fn send_as(&self, owner: Owner, cmd: Command) -> ReqId {
        let id = ReqId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        tracing::debug!("gui command {id:?} of {owner:?}: {cmd:?}");
        if owner != Owner::App {
            self.routes.borrow_mut().insert(id, owner);
        }
        let _ = self.commands.send((id, cmd));
        id
    }

    /// Events that arrived since the last call, each with its owner; never blocks.
    pub fn drain(&self) -> Vec<Reply> {
        let mut routes = self.routes.borrow_mut();
        self.events
            .try_iter()
            .map(|(id, event)| {
                let owner = if event.ends_request() {
                    routes.remove(&id)
                } else {
                    routes.get(&id).copied()
                };
                Reply {
                    id,
                    owner: owner.unwrap_or(Owner::App),
                    event,
                }
            })
            .collect()
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
