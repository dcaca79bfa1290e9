//! Step 6: the import on the worker, its progress, the per-user results, Retry after a lost
//! server, Save report… and Undo this import.

use std::path::PathBuf;

use super::ask;
use crate::data_folder::DataFolder;
use crate::gui::worker::{Command, ReqId, Worker};
use crate::import::{Cancel, Journal, Plan, Progress, Report, Status, UndoOutcome, UndoReport};

const OFFLINE_NOTE: &str = "Hybrid tenants (Entra ID / Microsoft 365) show the new photos after the next Entra Connect sync.";

/// The import under way or done.
struct Job {
    /// The import's request: its progress and report come back with it.
    id: ReqId,
    cancel: Cancel,
    total: usize,
    progress: Option<Progress>,
    report: Option<Report>,
    journal: PathBuf,
    /// What was sent, for "Retry" after the server went away.
    plan: Plan,
    /// The undo under way, and how the last one went.
    undoing: Option<ReqId>,
    undo: Option<Result<UndoReport, String>>,
}

#[derive(Default)]
pub(super) struct FinishStep {
    job: Option<Job>,
}

impl FinishStep {
    pub(super) fn report(&self) -> Option<&Report> {
        self.job.as_ref().and_then(|j| j.report.as_ref())
    }

    /// The import or its undo is under way.
    pub(super) fn running(&self) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| j.report.is_none() || j.undoing.is_some())
    }

    pub(super) fn cancel(&self) {
        if let Some(j) = &self.job {
            j.cancel.cancel();
        }
    }

    /// Sends `plan` to the worker, with a journal in the data folder.
    pub(super) fn start(&mut self, plan: Plan, data: &DataFolder, worker: &Worker) {
        let journal = Journal::path_for(&data.journals(), &plan.id);
        let cancel = Cancel::default();
        let total = plan.items.len();
        let id = ask(
            worker,
            Command::Import {
                plan: Box::new(plan.clone()),
                cancel: cancel.clone(),
            },
        );
        self.job = Some(Job {
            id,
            cancel,
            total,
            progress: None,
            report: None,
            journal,
            plan,
            undoing: None,
            undo: None,
        });
    }

    /// The job's own request, or nothing.
    fn job_of(&mut self, id: ReqId) -> Option<&mut Job> {
        self.job.as_mut().filter(|j| j.id == id)
    }

    pub(super) fn progress(&mut self, id: ReqId, p: Progress) {
        if let Some(job) = self.job_of(id) {
            job.progress = Some(p);
        }
    }

    pub(super) fn done(&mut self, id: ReqId, report: Report) {
        if let Some(job) = self.job_of(id) {
            job.report = Some(report);
        }
    }

    pub(super) fn undone(&mut self, id: ReqId, result: Result<UndoReport, String>) {
        if let Some(job) = self.job.as_mut().filter(|j| j.undoing == Some(id)) {
            job.undoing = None;
            job.undo = Some(result);
        }
    }

    /// Returns true when "Save report…" was clicked.
    pub(super) fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker, data: &DataFolder) -> bool {
        let Some(job) = &mut self.job else {
            return false;
        };
        let Some(report) = &job.report else {
            progress_ui(ui, job);
            return false;
        };
        if let Some(why) = &report.not_started {
            ui.strong("Import not started: nothing was written.");
            ui.colored_label(ui.visuals().error_fg_color, why);
            ui.label("Put it right, then go Back and start the import again.");
            return false;
        }
        ui.label(format!(
            "{}: {}",
            if report.unreachable.is_some() {
                "Import stopped"
            } else if report.cancelled {
                "Import cancelled"
            } else {
                "Import done"
            },
            report.counts()
        ));
        let mut retry = None;
        if let Some(why) = &report.unreachable {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!(
                    "The server could not be reached again ({why}). The users after that were not attempted; Retry runs them when it is back."
                ),
            );
            if let Some(plan) = job.plan.retry(report)
                && ui
                    .button(format!("Retry {} users", plan.items.len()))
                    .on_hover_text("Connects again and writes the users this run did not finish")
                    .clicked()
            {
                retry = Some(plan);
            }
        }
        ui.weak(OFFLINE_NOTE);
        let mut save = false;
        ui.horizontal(|ui| {
            save = ui.button("Save report…").clicked();
            if ui
                .add_enabled(
                    job.undoing.is_none() && job.undo.is_none(),
                    egui::Button::new("Undo this import"),
                )
                .clicked()
            {
                job.undoing = Some(ask(worker, Command::Undo(job.journal.clone())));
            }
            if job.undoing.is_some() {
                ui.spinner();
            }
        });
        undo_ui(ui, job.undo.as_ref());
        ui.separator();
        let undone = job.undo.as_ref().and_then(|u| u.as_ref().ok());
        results_ui(ui, report, undone);
        if let Some(plan) = retry {
            self.start(plan, data, worker);
        }
        save
    }
}

fn progress_ui(ui: &mut egui::Ui, job: &Job) {
    let done = job.progress.as_ref().map_or(0, |p| p.done);
    ui.label(format!("Writing photos: {done} of {}", job.total));
    ui.add(egui::ProgressBar::new(done as f32 / job.total.max(1) as f32).show_percentage());
    if let Some(p) = &job.progress {
        ui.weak(format!(
            "{:.1} users/s, about {} s left",
            p.rate(),
            p.remaining().as_secs()
        ));
    }
}

fn undo_ui(ui: &mut egui::Ui, undo: Option<&Result<UndoReport, String>>) {
    match undo {
        Some(Ok(r)) if r.complete() => {
            ui.label(format!("Undone: {}.", r.describe()));
        }
        Some(Ok(r)) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Partly undone: {}.", r.describe()),
            );
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        None => {}
    }
}

/// One row per user and target: name and account (two "John Smith" are told apart), where
/// (when the import went to Microsoft 365 too), what the import did, and — after Undo — what
/// the undo did.
fn results_ui(ui: &mut egui::Ui, report: &Report, undone: Option<&UndoReport>) {
    let both = !report.cloud.is_empty();
    let rows = report
        .results
        .iter()
        .map(|r| (false, r))
        .chain(report.cloud.iter().map(|r| (true, r)));
    egui::Grid::new("results").striped(true).show(ui, |ui| {
        for (cloud, r) in rows {
            ui.label(&r.name);
            ui.weak(r.sam_account_name.as_deref().unwrap_or(""));
            if both {
                ui.weak(if cloud {
                    "Microsoft 365"
                } else {
                    "Active Directory"
                });
            }
            let after_undo = undone.and_then(|u| {
                u.results
                    .iter()
                    .find(|x| x.cloud == cloud && crate::directory::dn_eq(&x.dn, &r.dn))
                    .map(|x| &x.outcome)
            });
            if let Some(outcome) = after_undo {
                let text = match outcome {
                    UndoOutcome::PutBack => "put back (the photo from before)".to_string(),
                    UndoOutcome::Removed => "put back (no photo, as before)".to_string(),
                    UndoOutcome::AlreadyAsBefore => "as before (the write had not landed)".into(),
                    UndoOutcome::ChangedSince => {
                        "changed by someone since: left as it is".to_string()
                    }
                    UndoOutcome::Failed(e) => format!("NOT put back: {e}"),
                    UndoOutcome::NotAttempted(e) => format!("NOT put back: {e}"),
                };
                let warn = matches!(
                    outcome,
                    UndoOutcome::Failed(_)
                        | UndoOutcome::NotAttempted(_)
                        | UndoOutcome::ChangedSince
                );
                if warn {
                    ui.colored_label(ui.visuals().warn_fg_color, text);
                } else {
                    ui.label(text);
                }
                ui.end_row();
                continue;
            }
            match &r.status {
                Status::Written { bytes, .. } => {
                    ui.label(format!("written ({})", crate::photo::human_bytes(*bytes)))
                }
                Status::Failed { reason } => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("failed: {reason}"))
                }
                Status::Skipped { reason } => ui.weak(format!("skipped: {reason}")),
                Status::Planned { .. } => ui.weak("not written yet"),
                Status::UpToDate => ui.weak("up to date: already this photo"),
                Status::Removed { .. } => ui.label("removed: its file is gone from the folder"),
            };
            ui.end_row();
        }
    });
}
