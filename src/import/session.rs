//! One engine call for running an import, the same for `adphoto import`, the window and a sync:
//! the directory's write lock, the journal (no journal, no write: a crash would leave nothing to
//! undo), the job, the report. The faces only choose the plan and show what comes back.

use std::path::PathBuf;

use super::job::{Cancel, JobOptions, Progress, run};
use super::journal::Journal;
use super::plan::Plan;
use super::report::Report;
use crate::data_folder::{DataFolder, LockError, WriteLock};
use crate::directory::{BackupStore, Directory};

/// Why an import did not start. Nothing was written in either case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotStarted {
    /// Another adphoto (window or command line) is writing to this directory, or the lock
    /// could not be taken; the message names the running one.
    #[error("{0}")]
    Locked(#[from] LockError),
    /// The journal could not be created.
    #[error(
        "cannot create the import journal {}: {reason}. Nothing was written: without its journal a crash would leave nothing to undo. Make the data folder {} writable (or set ADPHOTO_DATA_DIR to one that is), then try again.",
        path.display(),
        folder.display()
    )]
    NoJournal {
        /// The journal's path.
        path: PathBuf,
        /// The data folder it belongs in.
        folder: PathBuf,
        /// The operating system's words.
        reason: String,
    },
}

/// An import that holds the directory's write lock (until it is dropped) and may run.
pub struct Session {
    _lock: WriteLock,
    data: DataFolder,
}

impl Session {
    /// Takes the write lock for `dir`; `who` describes this run to a second writer that is
    /// refused ("adphoto window: import", the command line). A second import, undo or restore of
    /// the same directory is refused at once rather than queued.
    pub async fn lock(dir: &Directory, data: &DataFolder, who: &str) -> Result<Self, NotStarted> {
        let lock = data.lock_writes(&dir.lock_key().await, who)?;
        Ok(Self {
            _lock: lock,
            data: data.clone(),
        })
    }

    /// Creates the plan's journal and runs the job: every user backed up, written, read back and
    /// journaled; `on_progress` after each user. Refuses to write when the journal cannot be
    /// created.
    pub async fn run(
        &self,
        dir: &Directory,
        plan: &Plan,
        opts: JobOptions,
        cancel: &Cancel,
        on_progress: impl FnMut(&Progress),
    ) -> Result<Report, NotStarted> {
        let path = Journal::path_for(&self.data.journals(), &plan.id);
        let journal = Journal::create(path.clone()).map_err(|e| NotStarted::NoJournal {
            path,
            folder: self.data.root().to_path_buf(),
            reason: e.to_string(),
        })?;
        let backups = BackupStore::in_folder(&self.data);
        Ok(run(
            dir,
            plan,
            &backups,
            Some(journal),
            opts,
            cancel,
            on_progress,
        )
        .await)
    }
}

/// The whole import in one call: lock, journal, run. For the faces that ask nothing between
/// taking the lock and writing (the window, a sync).
pub async fn import(
    dir: &Directory,
    data: &DataFolder,
    who: &str,
    plan: &Plan,
    opts: JobOptions,
    cancel: &Cancel,
    on_progress: impl FnMut(&Progress),
) -> Result<Report, NotStarted> {
    Session::lock(dir, data, who)
        .await?
        .run(dir, plan, opts, cancel, on_progress)
        .await
}
