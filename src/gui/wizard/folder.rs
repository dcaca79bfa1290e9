//! Step 1: where the photos are. The folder is scanned on the worker once its text rests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ask;
use crate::gui::worker::{Command, ReqId, Worker};
use crate::matching::{PhotoFile, ScanResult};

/// The folder is scanned once its text has not changed for this long (seconds), so typing a
/// path does not scan every half-typed folder on the way.
const SCAN_DEBOUNCE: f64 = 0.3;

#[derive(Default)]
pub(super) struct FolderStep {
    folder: String,
    pub(super) recursive: bool,
    /// When the folder text last changed (egui time, s): the scan waits until typing pauses.
    edited: Option<f64>,
    /// Scans asked of the worker (tests: typing a path asks once, not once a keystroke).
    pub(super) scans_sent: usize,
    /// The folder and subfolder choice last scanned, and the scan's request.
    scanned: Option<(String, bool)>,
    pending: Option<ReqId>,
    scan: Option<Result<ScanResult, String>>,
}

/// What a frame of the folder step did.
pub(super) struct FolderOutcome {
    pub browse: bool,
    /// A new scan began: what was matched in the old one is stale.
    pub rescanned: bool,
}

impl FolderStep {
    pub(super) fn set(&mut self, path: &Path) {
        self.folder = path.display().to_string();
        self.edited = None;
    }

    pub(super) fn files(&self) -> &[PhotoFile] {
        match &self.scan {
            Some(Ok(s)) => &s.files,
            _ => &[],
        }
    }

    /// The folder last scanned (file names in a mapping file are relative to it).
    pub(super) fn path(&self) -> Option<PathBuf> {
        self.scanned
            .as_ref()
            .map(|(folder, _)| PathBuf::from(folder.trim()))
    }

    pub(super) fn scanned(&mut self, id: ReqId, result: Result<ScanResult, String>) {
        // Not the folder shown now: typed over since it was asked.
        if self.pending == Some(id) {
            self.pending = None;
            self.scan = Some(result);
        }
    }

    pub(super) fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker) -> FolderOutcome {
        let mut browse = false;
        let now = ui.input(|i| i.time);
        ui.label("Where are the photos?");
        ui.horizontal(|ui| {
            let label = ui.label("Folder:");
            let edit = ui
                .add(egui::TextEdit::singleline(&mut self.folder).desired_width(480.0))
                .labelled_by(label.id);
            if edit.changed() {
                self.typed(now);
            }
            browse = ui.button("Browse…").clicked();
        });
        if ui
            .checkbox(&mut self.recursive, "Include subfolders")
            .changed()
        {
            // A click is a finished choice: scan now.
            self.edited = None;
        }
        let rescanned = self.scan_when_settled(ui.ctx(), now, worker);
        match &self.scan {
            _ if self.folder.trim().is_empty() => {
                ui.weak("Choose a folder with one photo per person, named after them.");
            }
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Looking for images…");
                });
            }
            Some(Ok(s)) => {
                ui.label(format!("{} images found", s.files.len()));
                if !s.ignored.is_empty() {
                    ui.weak(format!("{} other files ignored", s.ignored.len()));
                }
                for (p, e) in &s.errors {
                    ui.colored_label(ui.visuals().warn_fg_color, format!("{}: {e}", p.display()));
                }
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        }
        FolderOutcome { browse, rescanned }
    }

    /// The folder text changed: forget the last scan (its answer, even one still on its way, is
    /// for another folder) and start the quiet period over.
    fn typed(&mut self, now: f64) {
        self.edited = Some(now);
        self.scanned = None;
        self.scan = None;
        self.pending = None;
    }

    /// Scans the folder once its text has been still for [`SCAN_DEBOUNCE`] (or at once after
    /// Browse… or the checkbox), unless this folder was scanned already. Returns true when a
    /// scan was sent.
    fn scan_when_settled(&mut self, ctx: &egui::Context, now: f64, worker: &Worker) -> bool {
        let key = (self.folder.clone(), self.recursive);
        if self.folder.trim().is_empty() || self.scanned.as_ref() == Some(&key) {
            return false;
        }
        if let Some(edited) = self.edited {
            let wait = SCAN_DEBOUNCE - (now - edited);
            if wait > 0.0 {
                // No input may come to wake the window: ask for the frame that scans.
                ctx.request_repaint_after(Duration::from_secs_f64(wait));
                return false;
            }
        }
        self.edited = None;
        self.scanned = Some(key);
        self.scan = None;
        self.scans_sent += 1;
        self.pending = Some(ask(
            worker,
            Command::Scan {
                folder: PathBuf::from(self.folder.trim()),
                recursive: self.recursive,
            },
        ));
        true
    }
}
