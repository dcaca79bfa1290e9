//! The import job: plan → encode (parallel) → back up old photo → write → read back and compare,
//! with progress, cancel, a per-user report (CSV) and a journal that survives a crash.

mod batch;
mod choices;
mod export;
mod job;
pub mod journal;
pub mod link;
mod matched;
mod plan;
mod provenance;
mod removal;
mod report;
mod session;
mod sync_profile;
mod to_cloud;
mod undo;

pub use choices::{Case, Choices, ManualCrop, Pair, Skip, Unmatched};
pub use export::{
    DEFAULT_EXPORT_PATTERN, ExportReport, ExportStopped, ExportTo, chosen_path_for, export_photos,
};
pub use job::{Cancel, JobOptions, Progress, run};
pub use journal::Journal;
pub use matched::{MatchBy, Matched, match_files, scan};
pub use plan::{Destination, Encoded, FileStamp, NO_RIGHT, Plan, PlanItem, PlanSummary, new_id};
pub use provenance::{CHANGED_OUTSIDE, Foreseen, Provenance, foresee};
pub use removal::GONE_BUT_CHANGED;
pub use report::{ItemResult, Report, Status};
pub use session::{NotStarted, Session, import, tenant_lock_key};
pub use sync_profile::SyncProfile;
pub use to_cloud::{CloudSide, NOT_SIGNED_IN};
pub use undo::{UndoOutcome, UndoReport, UndoResult, undo};

/// Leaves out of `plan` the users the signed-in account may not change, as the server computes
/// it, before anything is sent; returns how many. The window's Summary does the same in two
/// halves (the worker asks, the page applies [`Plan::leave_out_unwritable`]).
pub async fn check_rights(
    dir: &crate::directory::Directory,
    plan: &mut Plan,
) -> crate::directory::Result<usize> {
    let rights = dir.photo_rights(&plan.who(), &plan.attribute).await?;
    Ok(plan.leave_out_unwritable(&rights))
}
