//! The import job: plan → encode (parallel) → back up old photo → write → read back and compare,
//! with progress, cancel, a per-user report (CSV) and a journal that survives a crash.

mod batch;
mod choices;
mod job;
pub mod journal;
pub mod link;
mod plan;
mod report;
mod undo;

pub use choices::{Case, Choices, ManualCrop, Pair, Skip, Unmatched};
pub use job::{Cancel, JobOptions, Progress, run};
pub use journal::Journal;
pub use plan::{Encoded, FileStamp, Plan, PlanItem, PlanSummary, new_id};
pub use report::{ItemResult, Report, Status};
pub use undo::{UndoOutcome, UndoReport, UndoResult, undo};
