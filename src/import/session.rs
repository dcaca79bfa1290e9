//! One engine call for running an import, the same for `adphoto import`, the window and a sync:
//! the directory's write lock, the journal (no journal, no write: a crash would leave nothing to
//! undo), the job, the report. The faces only choose the plan and show what comes back.

use std::path::PathBuf;

use super::job::{Cancel, JobOptions, Progress, run_to};
use super::journal::Journal;
use super::plan::Plan;
use super::provenance::Provenance;
use super::report::Report;
use super::to_cloud::CloudSide;
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
    /// The tenant's lock too, when the import writes Microsoft 365.
    _cloud_lock: Option<WriteLock>,
    data: DataFolder,
}

/// The write lock's key of a Microsoft 365 tenant: one writer per tenant, as per directory.
pub fn tenant_lock_key(tenant: &str) -> String {
    format!("microsoft365:{}", tenant.trim().to_lowercase())
}

impl Session {
    /// Takes the write lock for `dir`; `who` describes this run to a second writer that is
    /// refused ("adphoto window: import", the command line). A second import, undo or restore of
    /// the same directory is refused at once rather than queued.
    pub async fn lock(dir: &Directory, data: &DataFolder, who: &str) -> Result<Self, NotStarted> {
        let lock = data.lock_writes(&dir.lock_key().await, who)?;
        Ok(Self {
            _lock: lock,
            _cloud_lock: None,
            data: data.clone(),
        })
    }

    /// Takes the tenant's write lock as well, for an import that writes Microsoft 365.
    pub fn lock_tenant(&mut self, tenant: &str, who: &str) -> Result<(), NotStarted> {
        self._cloud_lock = Some(self.data.lock_writes(&tenant_lock_key(tenant), who)?);
        Ok(())
    }

    /// Creates the plan's journal and runs the job: every user backed up, written, read back and
    /// journaled — in the directory, and in Microsoft 365 through `cloud` when the plan goes
    /// there too ([`Plan::to`]); `on_progress` after each user. Refuses to write when the
    /// journal cannot be created.
    pub async fn run(
        &self,
        dir: &Directory,
        cloud: Option<&CloudSide>,
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
        let made = Provenance::load(&self.data, &dir.lock_key().await, plan.attribute.name());
        Ok(run_to(
            dir,
            cloud,
            plan,
            &backups,
            Some(journal),
            Some(made),
            opts,
            cancel,
            on_progress,
        )
        .await)
    }
}

/// The whole import in one call: lock (the directory's, and the tenant's with `cloud`),
/// journal, run. For the faces that ask nothing between taking the lock and writing (the
/// window, a sync).
#[allow(clippy::too_many_arguments)]
pub async fn import(
    dir: &Directory,
    cloud: Option<(&CloudSide, &str)>,
    data: &DataFolder,
    who: &str,
    plan: &Plan,
    opts: JobOptions,
    cancel: &Cancel,
    on_progress: impl FnMut(&Progress),
) -> Result<Report, NotStarted> {
    let mut session = Session::lock(dir, data, who).await?;
    if let Some((_, tenant)) = cloud.filter(|_| plan.to.cloud()) {
        session.lock_tenant(tenant, who)?;
    }
    session
        .run(
            dir,
            cloud.map(|(side, _)| side),
            plan,
            opts,
            cancel,
            on_progress,
        )
        .await
}
