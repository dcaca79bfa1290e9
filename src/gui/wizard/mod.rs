//! The import wizard: folder → pattern → automatch → resize → summary → finish.
//!
//! One struct per step, each with its `ui()`; this module owns the frame (title, steps, the
//! buttons), what one step's change means for the later ones, and [`Wizard::handle`], the one
//! door for the worker's replies. The choices themselves are the engine's
//! [`Choices`](crate::import::Choices), and so is the [`Plan`] built from them: the window and
//! `adphoto import` skip the same users for the same reasons. Scanning, matching, encoding, the
//! import and its undo run on the worker.

mod automatch;
mod finish;
mod folder;
mod memory;
mod pattern;
mod previews;
mod resize;
mod summary;

use std::path::{Path, PathBuf};

use super::crop_canvas::CropCanvas;
use super::thumbs::DnThumbs;
use super::worker::{Command, Event, Owner, ReqId, Worker};
use crate::data_folder::DataFolder;
use crate::directory::{PhotoAttribute, User};
use crate::import::MatchBy;
use crate::import::{Plan, Report, SyncProfile};
use crate::photo::CropRect;

use automatch::AutomatchStep;
use finish::FinishStep;
use folder::FolderStep;
pub use memory::{ImportMemories, ImportMemory};
use pattern::PatternStep;
use resize::ResizeStep;
use summary::{SummaryAction, SummaryStep};

/// The wizard's pages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Folder,
    Pattern,
    Automatch,
    Resize,
    Summary,
    Finish,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Folder,
        Step::Pattern,
        Step::Automatch,
        Step::Resize,
        Step::Summary,
        Step::Finish,
    ];

    fn title(self) -> &'static str {
        match self {
            Step::Folder => "1 Folder",
            Step::Pattern => "2 Pattern",
            Step::Automatch => "3 Automatch",
            Step::Resize => "4 Resize",
            Step::Summary => "5 Summary",
            Step::Finish => "6 Finish",
        }
    }

    fn next(self) -> Step {
        let i = Step::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Step::ALL[(i + 1).min(Step::ALL.len() - 1)]
    }

    fn back(self) -> Step {
        let i = Step::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Step::ALL[i.saturating_sub(1)]
    }
}

/// What the app has to do for the wizard (file dialogs, closing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WizardAction {
    Close,
    PickFolder,
    /// Where to save the list (Summary) or the report (Finish) as CSV.
    PickReport,
    /// A mapping file instead of a pattern (Pattern step).
    PickMap,
    /// Sign in to Microsoft 365 (Summary step), to write there too.
    SignInCloud,
    /// Where to save these choices as a nightly sync profile (Summary step).
    PickSyncProfile,
}

pub struct Wizard {
    pub step: Step,
    /// The Microsoft 365 tenant signed in to, if any (the window's; the Summary offers it).
    pub cloud: Option<String>,
    users: Vec<User>,
    data: DataFolder,
    attribute: PhotoAttribute,
    folder: FolderStep,
    pattern: PatternStep,
    automatch: AutomatchStep,
    resize: ResizeStep,
    summary: SummaryStep,
    finish: FinishStep,
}

impl Wizard {
    /// A wizard started from what was chosen last time for this profile.
    pub fn remembering(users: Vec<User>, data: &DataFolder, memory: Option<&ImportMemory>) -> Self {
        let mut w = Self::new(users, data);
        if let Some(m) = memory {
            if let Some(folder) = &m.folder {
                w.folder.set(folder);
            }
            w.folder.recursive = m.recursive;
            if let Some(p) = &m.pattern {
                w.pattern.text.clone_from(p);
            }
            w.pattern.map.clone_from(&m.map);
            w.resize.remember(m.preset, m.custom);
        }
        w
    }

    /// The choices to remember for next time (when an import starts).
    pub fn memory(&self) -> ImportMemory {
        let (preset, custom) = self.resize.choice();
        ImportMemory {
            folder: self.folder.path(),
            recursive: self.folder.recursive,
            pattern: Some(self.pattern.text.clone()),
            map: self.pattern.map.clone(),
            preset,
            custom,
        }
    }

    /// A wizard for `users`; journals and backups go into `data`.
    pub fn new(users: Vec<User>, data: &DataFolder) -> Self {
        Self {
            step: Step::Folder,
            users,
            data: data.clone(),
            attribute: PhotoAttribute::default(),
            folder: FolderStep::default(),
            pattern: PatternStep::default(),
            automatch: AutomatchStep::default(),
            resize: ResizeStep::default(),
            summary: SummaryStep::default(),
            cloud: None,
            finish: FinishStep::default(),
        }
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Sets the folder (what Browse… does after its dialog; tests call it directly). A chosen
    /// folder is scanned at once: there is no typing to wait for.
    pub fn set_folder(&mut self, path: &Path) {
        self.folder.set(path);
    }

    /// Uses a mapping file instead of the pattern (what "Mapping file…" does after its dialog;
    /// tests call it directly). It is read when Automatch runs.
    pub fn set_map_file(&mut self, path: &Path) {
        self.pattern.map = Some(path.to_path_buf());
    }

    /// How many folder scans were asked of the worker (tests).
    pub fn scans_sent(&self) -> usize {
        self.folder.scans_sent
    }

    /// How many file thumbnails are loaded (tests; undecodable files not counted).
    pub fn file_thumbs_loaded(&self) -> usize {
        self.automatch.file_thumbs.ready_count()
    }

    /// Saves the list of what would be written (on the Summary page) or the import's report
    /// (on the Finish page) as CSV: what "Save list…" / "Save report…" do after their dialog.
    pub fn save_report(&self, path: PathBuf, worker: &Worker) {
        let text = match self.step {
            Step::Summary => self.summary.plan().map(|p| p.preview_report().to_csv()),
            _ => self.finish.report().map(Report::to_csv),
        };
        if let Some(text) = text {
            worker.send(Command::SaveText {
                path,
                text,
                then: None,
            });
        }
    }

    /// The wizard's choices as a nightly sync: the folder and pattern (or mapping file), the
    /// size and budget, where the photos go, and whether photos changed outside adphoto are
    /// replaced, put into `profile` (which holds the connection and the OU).
    pub fn sync_profile(&self, mut profile: SyncProfile) -> Option<SyncProfile> {
        let plan = self.summary.plan()?;
        let (to, overwrite_changed) = self.summary.choices();
        let memory = self.memory();
        profile.folder = memory.folder?;
        profile.recursive = memory.recursive;
        match memory.map {
            Some(map) => profile.map = Some(map),
            None => profile.pattern = memory.pattern,
        }
        profile.size = Some(plan.target.size);
        profile.max_bytes = Some(plan.target.max_bytes);
        profile.to = Some(to.option_value().into());
        profile.overwrite_changed = overwrite_changed;
        if plan.attribute != PhotoAttribute::default() {
            profile.attribute = Some(plan.attribute.name().to_string());
        }
        Some(profile)
    }

    /// The Summary's choice writes Microsoft 365 photos.
    pub fn writes_cloud(&self) -> bool {
        self.summary.plan().is_some() && self.summary.choices().0.cloud()
    }

    /// The import's report, once it is done.
    pub fn report(&self) -> Option<&Report> {
        self.finish.report()
    }

    /// The plan the Summary page shows (and Start import runs).
    pub fn plan(&self) -> Option<&Plan> {
        self.summary.plan()
    }

    /// The crop canvas, while open (tests).
    pub fn canvas(&self) -> Option<&CropCanvas> {
        self.resize.canvas()
    }

    /// Crops chosen by hand.
    pub fn crops(&self) -> Vec<(CropRect, u8)> {
        self.automatch.choices().map_or_else(Vec::new, |c| {
            c.chosen()
                .iter()
                .filter_map(|&(f, u)| c.crop(f, u))
                .collect()
        })
    }

    /// How many resize previews were asked of the worker (tests: only those scrolled to are).
    pub fn previews_asked(&self) -> usize {
        self.resize.previews.asked()
    }

    /// How many resize previews have come back (tests).
    pub fn encoded_count(&self) -> usize {
        self.resize.previews.done()
    }

    /// A reply from the worker to one of the wizard's requests; returns it when the wizard has
    /// no use for it (the app shows it instead).
    pub fn handle(&mut self, ctx: &egui::Context, id: ReqId, event: Event) -> Option<Event> {
        match event {
            Event::FileThumb {
                path,
                result,
                facts,
            } => {
                if let Some(f) = facts {
                    self.automatch.facts.insert(path.clone(), f);
                }
                self.automatch.file_thumbs.insert(ctx, path, result);
            }
            Event::Scanned(result) => self.folder.scanned(id, result),
            Event::Matched(result) => self.automatch.matched(id, result),
            Event::Suggested(result) => self.pattern.suggested(id, result),
            Event::Encoded(result) => self.resize.previews.arrived(ctx, id, result),
            e @ (Event::CropLoaded(_) | Event::CropEncoded(_)) => {
                return self.resize.canvas_reply(ctx, id, e);
            }
            Event::ImportProgress(p) => self.finish.progress(id, p),
            Event::ImportDone(report) => self.finish.done(id, *report),
            Event::Undone(result) => self.finish.undone(id, result),
            Event::PhotoRights(result) => self.summary.rights_arrived(id, result),
            Event::Foreseen(found) => self.summary.foreseen(id, found),
            other => return Some(other),
        }
        None
    }

    fn files(&self) -> &[crate::matching::PhotoFile] {
        self.folder.files()
    }

    /// The plan from the current choices, each item with its preview's photo when that was
    /// encoded for exactly this file, crop and size.
    fn build_plan(&self) -> Option<Plan> {
        let choices = self.automatch.choices()?;
        let target = self.resize.target().ok()?;
        let mut plan = choices.plan(&self.users, self.files(), target, self.attribute.clone());
        for item in &mut plan.items {
            let crop = item.crop.map(|c| (c, item.rotate_quarter_turns));
            item.encoded = self.resize.previews.encoded(&item.file, crop, target);
        }
        Some(plan)
    }

    fn can_go_next(&self) -> bool {
        match self.step {
            Step::Folder => !self.files().is_empty(),
            Step::Pattern => self.match_by().is_some(),
            Step::Automatch => self.automatch.has_chosen(),
            Step::Resize => self.resize.target().is_ok(),
            Step::Summary | Step::Finish => false,
        }
    }

    fn go_next(&mut self) {
        self.step = self.step.next();
        if self.step == Step::Summary {
            // Its inputs change only on the pages before it: worked out once, on the way in.
            self.summary = SummaryStep::new(self.build_plan());
        }
    }

    /// A new scan began: matches, crops and previews point into the old list of files by
    /// index, so they go.
    fn files_changed(&mut self) {
        self.pattern.files_changed();
        self.automatch.reset();
        self.resize.reset();
        self.summary = SummaryStep::default();
    }

    /// The wizard, drawn into the central area. `thumbs` is the user grid's cache of stored
    /// photos, shared so that the matching table shows what the grid already loaded.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        thumbs: &mut DnThumbs,
    ) -> Option<WizardAction> {
        self.automatch.file_thumbs.tick();
        let mut action = None;
        ui.horizontal(|ui| {
            ui.heading("Import photos");
            ui.weak(format!("for {} users", self.users.len()));
        });
        ui.horizontal(|ui| {
            for s in Step::ALL {
                if s == self.step {
                    ui.strong(s.title());
                } else {
                    ui.weak(s.title());
                }
                if s != Step::Finish {
                    ui.weak(">");
                }
            }
        });
        ui.separator();
        egui::Panel::bottom("wizard_buttons").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| action = self.buttons_ui(ui, worker));
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if self.step == Step::Automatch {
                // Its tabs' tables scroll by themselves, laying out only the rows shown.
                self.automatch_ui(ui, worker, thumbs);
                return;
            }
            egui::ScrollArea::vertical().show(ui, |ui| match self.step {
                Step::Folder => {
                    let out = self.folder.ui(ui, worker);
                    if out.rescanned {
                        self.files_changed();
                    }
                    if out.browse {
                        action = Some(WizardAction::PickFolder);
                    }
                }
                Step::Pattern => {
                    let files = self.folder.files();
                    if self.pattern.ui(ui, worker, &self.users, files).pick_map {
                        action = Some(WizardAction::PickMap);
                    }
                }
                Step::Automatch => {}
                Step::Resize => {
                    let files = self.folder.files();
                    self.resize
                        .ui(ui, worker, &self.users, files, &mut self.automatch);
                }
                Step::Summary => {
                    let cloud = self.cloud.as_deref();
                    match self
                        .summary
                        .ui(ui, worker, &self.data, &self.attribute, cloud)
                    {
                        Some(SummaryAction::SaveList) => action = Some(WizardAction::PickReport),
                        Some(SummaryAction::SignInCloud) => {
                            action = Some(WizardAction::SignInCloud);
                        }
                        Some(SummaryAction::SaveSyncProfile) => {
                            action = Some(WizardAction::PickSyncProfile);
                        }
                        None => {}
                    }
                }
                Step::Finish => {
                    if self.finish.ui(ui, worker, &self.data) {
                        action = Some(WizardAction::PickReport);
                    }
                }
            });
        });
        action
    }

    fn automatch_ui(&mut self, ui: &mut egui::Ui, worker: &Worker, thumbs: &mut DnThumbs) {
        let how = self.match_by();
        let files = self.folder.files();
        self.automatch.target = self.resize.target().ok();
        self.automatch
            .ui(ui, worker, thumbs, &self.users, files, how.as_ref());
    }

    /// How Automatch is to pair the files: the mapping file when one is chosen, else the
    /// pattern (None while it does not parse).
    fn match_by(&self) -> Option<MatchBy> {
        match &self.pattern.map {
            Some(file) => Some(MatchBy::Map {
                file: file.clone(),
                folder: self.folder.path()?,
            }),
            None => self.pattern.parsed(&self.users).ok().map(MatchBy::Pattern),
        }
    }

    /// Cancel, Back, Next / Start import; on the Finish page Cancel import or Close.
    /// Enter is Next (Start import on the Summary); Esc goes back a step,
    /// and closes the wizard from the first step or a finished import. While the crop canvas is
    /// open, the keys are its own.
    fn buttons_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) -> Option<WizardAction> {
        let (enter, esc) = if self.canvas().is_some() {
            (false, false)
        } else {
            // Esc in a text field only leaves the field.
            let typing = ui.ctx().egui_wants_keyboard_input();
            ui.input_mut(|i| {
                (
                    i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
                    !typing && i.consume_key(egui::Modifiers::NONE, egui::Key::Escape),
                )
            })
        };
        if self.step == Step::Finish {
            if self.finish.running() {
                if ui.button("Cancel import").clicked() {
                    self.finish.cancel();
                }
            // Not Enter: the report stays until the user has read it and chooses to close.
            } else if ui.button("Close").on_hover_text("Esc").clicked() || esc {
                return Some(WizardAction::Close);
            }
            return None;
        }
        if ui.button("Cancel").clicked() || (esc && self.step == Step::Folder) {
            return Some(WizardAction::Close);
        }
        let back = self.step != Step::Folder;
        if ui
            .add_enabled(back, egui::Button::new("Back"))
            .on_hover_text("Esc")
            .clicked()
            || (esc && back)
        {
            self.step = self.step.back();
            return None;
        }
        if self.step == Step::Summary {
            let startable =
                self.summary.ready() && self.summary.plan().is_some_and(|p| !p.items.is_empty());
            // Cloned once, when the import starts, not every frame.
            if (ui
                .add_enabled(startable, egui::Button::new("Start import"))
                .on_hover_text("Enter")
                .clicked()
                || enter)
                && startable
                && let Some(plan) = self.summary.plan_to_run()
            {
                self.finish.start(plan, &self.data, worker);
                self.step = Step::Finish;
            }
        } else if (ui
            .add_enabled(self.can_go_next(), egui::Button::new("Next"))
            .on_hover_text("Enter")
            .clicked()
            || enter)
            && self.can_go_next()
        {
            self.go_next();
        }
        None
    }
}

/// Sends a command whose replies come back to the wizard.
fn ask(worker: &Worker, cmd: Command) -> ReqId {
    worker.send_as(Owner::Wizard, cmd)
}

/// A file's name for a table cell.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
