//! The import wizard: folder → pattern → automatch → resize → summary → finish.
//!
//! It only builds a [`Plan`] and watches the job; scanning, matching, the import and its undo
//! run on the worker ([`Command::Scan`], [`Command::Automatch`], [`Command::Import`],
//! [`Command::Undo`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui_extras::{Column, TableBuilder};

use super::crop_canvas::{CropAction, CropCanvas};
use super::photo_bridge::CropSource;
use super::thumbs::{DnThumbs, FileThumbs, Thumb};
use super::user_grid::title_text;
use super::worker::{Command, Worker};
use crate::data_folder::DataFolder;
use crate::directory::{PhotoAttribute, User};
use crate::import::{Cancel, Journal, Plan, PlanItem, Progress, Report, Status, UndoReport};
use crate::matching::{self, Ambiguity, MatchResult, Pattern, ScanResult};
use crate::photo::{CropRect, Target, Thumbnail};

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

/// Tabs of the automatch page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Matching,
    FilesWithout,
    UsersWithout,
    Ambiguous,
}

/// The size the photos are written at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Outlook,
    Large,
    Custom,
}

/// A file paired with a user; `on: false` when the user unticked it.
#[derive(Debug, Clone)]
struct Pair {
    file: usize,
    user: usize,
    on: bool,
}

/// The automatch result, as the user edits it.
#[derive(Debug, Clone, Default)]
struct Matches {
    pairs: Vec<Pair>,
    /// Files without match: (file, user it was assigned to, search text).
    unmatched: Vec<(usize, Option<usize>, String)>,
    users_without_file: Vec<usize>,
    /// Of those, the users lacking an attribute the pattern reads (sorted): no file name can
    /// ever match them, which the tab says.
    users_without_key: Vec<usize>,
    /// Each group with, per candidate, the chosen file (or none).
    ambiguous: Vec<(Ambiguity, Vec<Option<usize>>)>,
}

impl Matches {
    fn from_result(r: MatchResult) -> Self {
        Self {
            pairs: r
                .matched
                .iter()
                .map(|m| Pair {
                    file: m.file,
                    user: m.user,
                    on: true,
                })
                .collect(),
            unmatched: r
                .files_without_match
                .iter()
                .map(|&f| (f, None, String::new()))
                .collect(),
            users_without_file: r.users_without_file,
            users_without_key: r.users_without_key,
            ambiguous: r
                .ambiguous
                .into_iter()
                .map(|a| {
                    let n = a.candidates.len();
                    (a, vec![None; n])
                })
                .collect(),
        }
    }

    /// (file, user) pairs that will be written.
    fn chosen(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = self
            .pairs
            .iter()
            .filter(|p| p.on)
            .map(|p| (p.file, p.user))
            .collect();
        for (a, choice) in &self.ambiguous {
            for (u, f) in a.candidates.iter().zip(choice) {
                if let Some(f) = f {
                    out.push((*f, *u));
                }
            }
        }
        for (f, u, _) in &self.unmatched {
            if let Some(u) = u {
                out.push((*f, *u));
            }
        }
        out
    }

    /// Users who have no file yet (can be given a file without match).
    fn free_users(&self) -> Vec<usize> {
        let taken: std::collections::HashSet<usize> =
            self.unmatched.iter().filter_map(|(_, u, _)| *u).collect();
        self.users_without_file
            .iter()
            .copied()
            .filter(|u| !taken.contains(u))
            .collect()
    }
}

/// One photo of the resize step. Only those scrolled into sight are asked for, so hundreds of
/// photos cost no more than a screenful until someone looks at them.
enum PreviewSlot {
    NotAsked,
    Asked,
    /// The encoded preview and its bytes, or why it failed.
    Done(Result<(egui::TextureHandle, usize), String>),
}

/// The import under way or done.
struct Job {
    cancel: Cancel,
    total: usize,
    progress: Option<Progress>,
    report: Option<Report>,
    journal: PathBuf,
    /// What was sent, for "Retry" after the server went away.
    plan: Plan,
    undo: Option<Result<UndoReport, String>>,
    undoing: bool,
}

/// What the app has to do for the wizard (file dialogs, closing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WizardAction {
    Close,
    PickFolder,
    PickReport,
}

pub struct Wizard {
    pub step: Step,
    users: Vec<User>,
    journals_dir: PathBuf,
    backups_dir: PathBuf,
    attribute: PhotoAttribute,
    folder: String,
    /// When the folder text last changed (egui time, s): the scan waits until typing pauses.
    folder_edited: Option<f64>,
    /// Scans asked of the worker (tests: typing a path asks once, not once a keystroke).
    scans_sent: usize,
    recursive: bool,
    scan_generation: u64,
    scanned: Option<(String, bool)>,
    scan: Option<Result<ScanResult, String>>,
    pattern: String,
    matching: bool,
    matches: Option<Matches>,
    tab: Tab,
    size: Size,
    custom_px: u32,
    custom_kb: u32,
    job: Option<Job>,
    /// Resize step: the target the previews were asked for, and what came back per chosen pair.
    encode_generation: u64,
    #[allow(clippy::type_complexity)]
    encoded_for: Option<(Target, Vec<(usize, usize)>, Vec<Option<(CropRect, u8)>>)>,
    encoded: Vec<PreviewSlot>,
    /// Crops chosen on the canvas, per (file, user).
    crops: std::collections::HashMap<(usize, usize), (CropRect, u8)>,
    /// The crop canvas open for (file, user).
    canvas: Option<((usize, usize), CropCanvas)>,
    /// Thumbnails of the photo files, for the matching table (only of rows shown).
    file_thumbs: FileThumbs,
}

/// The folder is scanned once its text has not changed for this long (seconds), so typing a
/// path does not scan every half-typed folder on the way.
const SCAN_DEBOUNCE: f64 = 0.3;

/// Height of a matching-table row, and the side of its thumbnails (points).
const PAIR_ROW: f32 = 40.0;
const PAIR_THUMB: f32 = 36.0;

const OFFLINE_NOTE: &str = "Hybrid tenants (Entra ID / Microsoft 365) show the new photos after the next Entra Connect sync.";

impl Wizard {
    /// A wizard for `users`; journals and backups go under `data_dir`.
    pub fn new(users: Vec<User>, data: &DataFolder) -> Self {
        Self {
            step: Step::Folder,
            users,
            journals_dir: data.journals(),
            backups_dir: data.backups(),
            attribute: PhotoAttribute::default(),
            folder: String::new(),
            folder_edited: None,
            scans_sent: 0,
            recursive: false,
            scan_generation: 0,
            scanned: None,
            scan: None,
            pattern: matching::PRESETS[0].1.to_string(),
            matching: false,
            matches: None,
            tab: Tab::Matching,
            size: Size::Outlook,
            custom_px: 256,
            custom_kb: 50,
            job: None,
            encode_generation: 0,
            encoded_for: None,
            encoded: Vec::new(),
            crops: std::collections::HashMap::new(),
            canvas: None,
            file_thumbs: FileThumbs::for_files(),
        }
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Sets the folder (what Browse… does after its dialog; tests call it directly). A chosen
    /// folder is scanned at once: there is no typing to wait for.
    pub fn set_folder(&mut self, path: &Path) {
        self.folder = path.display().to_string();
        self.folder_edited = None;
    }

    /// How many folder scans were asked of the worker (tests).
    pub fn scans_sent(&self) -> usize {
        self.scans_sent
    }

    /// A file thumbnail came back from the worker.
    pub fn file_thumb(
        &mut self,
        ctx: &egui::Context,
        path: PathBuf,
        result: Result<super::photo_bridge::Thumbnail, String>,
    ) {
        self.file_thumbs.insert(ctx, path, result);
    }

    /// How many file thumbnails are loaded (tests; undecodable files not counted).
    pub fn file_thumbs_loaded(&self) -> usize {
        self.file_thumbs.ready_count()
    }

    /// Where the report goes (after "Save report…"'s dialog; tests call it directly).
    pub fn save_report(&self, path: PathBuf, worker: &Worker) {
        if let Some(report) = self.job.as_ref().and_then(|j| j.report.as_ref()) {
            worker.send(Command::SaveText {
                path,
                text: report.to_csv(),
            });
        }
    }

    /// The import's report, once it is done.
    pub fn report(&self) -> Option<&Report> {
        self.job.as_ref().and_then(|j| j.report.as_ref())
    }

    pub fn scanned(&mut self, generation: u64, result: Result<ScanResult, String>) {
        if generation == self.scan_generation {
            self.scan = Some(result);
        }
    }

    pub fn matched(&mut self, result: MatchResult) {
        // Not waiting for it any more: the folder changed since it was asked.
        if !self.matching {
            return;
        }
        self.matching = false;
        self.matches = Some(Matches::from_result(result));
    }

    /// A resize-step preview came back from the worker.
    pub fn encoded(
        &mut self,
        ctx: &egui::Context,
        generation: u64,
        index: usize,
        result: Result<(Thumbnail, usize), String>,
    ) {
        if generation != self.encode_generation {
            return;
        }
        if let Some(slot) = self.encoded.get_mut(index) {
            *slot = PreviewSlot::Done(result.map(|(t, bytes)| {
                let img = egui::ColorImage::from_rgba_unmultiplied(
                    [t.width as usize, t.height as usize],
                    &t.rgba,
                );
                let tex = ctx.load_texture(
                    format!("wizard-encoded:{generation}:{index}"),
                    img,
                    egui::TextureOptions::LINEAR,
                );
                (tex, bytes)
            }));
        }
    }

    pub fn crop_loaded(
        &mut self,
        ctx: &egui::Context,
        generation: u64,
        result: Result<CropSource, String>,
    ) {
        if let Some((_, c)) = &mut self.canvas {
            c.loaded(ctx, generation, result);
        }
    }

    pub fn crop_encoded(
        &mut self,
        ctx: &egui::Context,
        generation: u64,
        result: Result<(Thumbnail, usize), String>,
    ) {
        if let Some((_, c)) = &mut self.canvas {
            c.encoded(ctx, generation, result);
        }
    }

    /// The crop canvas, while open (tests).
    pub fn canvas(&self) -> Option<&CropCanvas> {
        self.canvas.as_ref().map(|(_, c)| c)
    }

    /// Crops chosen by hand: ((file, user) → (crop, quarter turns)).
    pub fn crops(&self) -> Vec<(CropRect, u8)> {
        self.crops.values().copied().collect()
    }

    /// How many resize previews were asked of the worker (tests: only those scrolled to are).
    pub fn previews_asked(&self) -> usize {
        self.encoded
            .iter()
            .filter(|e| !matches!(e, PreviewSlot::NotAsked))
            .count()
    }

    /// How many resize previews have come back (tests).
    pub fn encoded_count(&self) -> usize {
        self.encoded
            .iter()
            .filter(|e| matches!(e, PreviewSlot::Done(_)))
            .count()
    }

    pub fn progress(&mut self, p: Progress) {
        if let Some(job) = &mut self.job {
            job.progress = Some(p);
        }
    }

    pub fn done(&mut self, report: Report) {
        if let Some(job) = &mut self.job {
            job.report = Some(report);
        }
    }

    pub fn undone(&mut self, result: Result<UndoReport, String>) {
        if let Some(job) = &mut self.job {
            job.undoing = false;
            job.undo = Some(result);
        }
    }

    fn target(&self) -> Result<Target, String> {
        match self.size {
            Size::Outlook => Ok(Target::outlook()),
            Size::Large => Ok(Target::large()),
            Size::Custom => Target::custom(self.custom_px, self.custom_kb as usize * 1024)
                .map_err(|e| e.to_string()),
        }
    }

    fn parsed_pattern(&self) -> Result<Pattern, String> {
        let p = Pattern::parse(&self.pattern).map_err(|e| e.to_string())?;
        p.validate_against(&self.users).map_err(|e| e.to_string())?;
        Ok(p)
    }

    fn files(&self) -> &[matching::PhotoFile] {
        match &self.scan {
            Some(Ok(s)) => &s.files,
            _ => &[],
        }
    }

    /// The plan from the current choices.
    fn plan(&self) -> Option<Plan> {
        let m = self.matches.as_ref()?;
        let target = self.target().ok()?;
        let files = self.files();
        let chosen = m.chosen();
        let items = chosen
            .iter()
            .map(|&(f, u)| {
                let manual = self.crops.get(&(f, u));
                PlanItem {
                    user: self.users[u].clone(),
                    file: files[f].path.clone(),
                    crop: manual.map(|m| m.0),
                    rotate_quarter_turns: manual.map_or(0, |m| m.1),
                }
            })
            .collect();
        let mut plan = Plan::new(items, target, self.attribute.clone());
        for (u, user) in self.users.iter().enumerate() {
            if !chosen.iter().any(|&(_, cu)| cu == u) {
                plan.skipped.push((user.clone(), "no file chosen".into()));
            }
        }
        Some(plan)
    }

    fn can_go_next(&self) -> bool {
        match self.step {
            Step::Folder => !self.files().is_empty(),
            Step::Pattern => self.parsed_pattern().is_ok(),
            Step::Automatch => self
                .matches
                .as_ref()
                .is_some_and(|m| !m.chosen().is_empty()),
            Step::Resize => self.target().is_ok(),
            Step::Summary | Step::Finish => false,
        }
    }

    /// The wizard, drawn into the central area. `thumbs` is the user grid's cache of stored
    /// photos, shared so that the matching table shows what the grid already loaded.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        thumbs: &mut DnThumbs,
    ) -> Option<WizardAction> {
        self.file_thumbs.tick();
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
        let running = self
            .job
            .as_ref()
            .is_some_and(|j| j.report.is_none() || j.undoing);
        egui::Panel::bottom("wizard_buttons").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                if self.step == Step::Finish {
                    if running {
                        if ui.button("Cancel import").clicked()
                            && let Some(j) = &self.job
                        {
                            j.cancel.cancel();
                        }
                    } else if ui.button("Close").clicked() {
                        action = Some(WizardAction::Close);
                    }
                    return;
                }
                if ui.button("Cancel").clicked() {
                    action = Some(WizardAction::Close);
                }
                if ui
                    .add_enabled(self.step != Step::Folder, egui::Button::new("Back"))
                    .clicked()
                {
                    self.step = self.step.back();
                }
                if self.step == Step::Summary {
                    if ui.button("Start import").clicked() {
                        self.start(worker);
                    }
                } else if ui
                    .add_enabled(self.can_go_next(), egui::Button::new("Next"))
                    .clicked()
                {
                    self.step = self.step.next();
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if self.step == Step::Automatch {
                // Its tabs' tables scroll by themselves, laying out only the rows shown.
                self.automatch_ui(ui, worker, thumbs);
                return;
            }
            egui::ScrollArea::vertical().show(ui, |ui| match self.step {
                Step::Folder => {
                    if self.folder_ui(ui, worker) {
                        action = Some(WizardAction::PickFolder);
                    }
                }
                Step::Pattern => self.pattern_ui(ui),
                Step::Automatch => {}
                Step::Resize => self.resize_ui(ui, worker),
                Step::Summary => self.summary_ui(ui),
                Step::Finish => {
                    if self.finish_ui(ui, worker) {
                        action = Some(WizardAction::PickReport);
                    }
                }
            });
        });
        action
    }

    /// Returns true when Browse… was clicked.
    fn folder_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) -> bool {
        let mut browse = false;
        let now = ui.input(|i| i.time);
        ui.label("Where are the photos?");
        ui.horizontal(|ui| {
            let label = ui.label("Folder:");
            let edit = ui
                .add(egui::TextEdit::singleline(&mut self.folder).desired_width(480.0))
                .labelled_by(label.id);
            if edit.changed() {
                self.folder_typed(now);
            }
            browse = ui.button("Browse…").clicked();
        });
        if ui
            .checkbox(&mut self.recursive, "Include subfolders")
            .changed()
        {
            // A click is a finished choice: scan now.
            self.folder_edited = None;
        }
        self.scan_when_settled(ui.ctx(), now, worker);
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
        browse
    }

    /// The folder text changed: forget the last scan (its answer, even one still on its way, is
    /// for another folder) and start the quiet period over.
    fn folder_typed(&mut self, now: f64) {
        self.folder_edited = Some(now);
        self.scanned = None;
        self.scan = None;
        self.scan_generation += 1;
    }

    /// Scans the folder once its text has been still for [`SCAN_DEBOUNCE`] (or at once after
    /// Browse… or the checkbox), unless this folder was scanned already.
    fn scan_when_settled(&mut self, ctx: &egui::Context, now: f64, worker: &Worker) {
        let key = (self.folder.clone(), self.recursive);
        if self.folder.trim().is_empty() || self.scanned.as_ref() == Some(&key) {
            return;
        }
        if let Some(edited) = self.folder_edited {
            let wait = SCAN_DEBOUNCE - (now - edited);
            if wait > 0.0 {
                // No input may come to wake the window: ask for the frame that scans.
                ctx.request_repaint_after(Duration::from_secs_f64(wait));
                return;
            }
        }
        self.folder_edited = None;
        self.scanned = Some(key);
        self.scan_generation += 1;
        self.scan = None;
        self.scans_sent += 1;
        // The files may have changed on disk since their thumbnails were made.
        self.file_thumbs.clear();
        // Matches and crops point into the old list of files by index: stale now.
        self.matches = None;
        self.matching = false;
        self.crops.clear();
        self.canvas = None;
        self.encoded_for = None;
        worker.send(Command::Scan {
            folder: PathBuf::from(self.folder.trim()),
            recursive: self.recursive,
            generation: self.scan_generation,
        });
    }

    fn pattern_ui(&mut self, ui: &mut egui::Ui) {
        ui.label("How are the files named?");
        egui::Grid::new("presets").num_columns(2).show(ui, |ui| {
            for (i, (label, pattern)) in matching::PRESETS.iter().enumerate() {
                if ui.radio(self.pattern == *pattern, *label).clicked() {
                    self.pattern = (*pattern).to_string();
                }
                if i % 2 == 1 {
                    ui.end_row();
                }
            }
        });
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let label = ui.label("Pattern:");
            ui.add(egui::TextEdit::singleline(&mut self.pattern).desired_width(360.0))
                .labelled_by(label.id);
        });
        ui.weak("Any attribute in braces, e.g. {givenName}.{sn} or {employeeID}; the extension does not matter.");
        ui.add_space(6.0);
        match self.parsed_pattern() {
            Ok(p) => {
                ui.label("Examples:");
                let mut shown = 0;
                for u in &self.users {
                    if let Some(name) = matching::example_file_name(&p, u) {
                        ui.monospace(format!("{name}  for {}", u.label()));
                        shown += 1;
                        if shown == 4 {
                            break;
                        }
                    }
                }
                if shown == 0 {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        "None of the users has all the attributes this pattern reads.",
                    );
                }
            }
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {e}"));
            }
        }
    }

    fn automatch_ui(&mut self, ui: &mut egui::Ui, worker: &Worker, thumbs: &mut DnThumbs) {
        self.automatch_button_ui(ui, worker);
        let read = self
            .parsed_pattern()
            .map(|p| p.attributes().join(", "))
            .unwrap_or_default();
        let Some(m) = &mut self.matches else {
            ui.weak("Pairs the files with the users by their names.");
            return;
        };
        tabs_ui(ui, &mut self.tab, m);
        ui.separator();
        let files = match &self.scan {
            Some(Ok(s)) => &s.files,
            _ => return,
        };
        // Each tab is a table of its own that lays out only the rows on screen.
        let tabs = MatchTabs {
            files,
            users: &self.users,
            file_thumbs: &mut self.file_thumbs,
            user_thumbs: thumbs,
            worker,
        };
        match self.tab {
            Tab::Matching => tabs.pairs_ui(ui, &mut m.pairs),
            Tab::FilesWithout => tabs.unmatched_ui(ui, m),
            Tab::UsersWithout => tabs.users_without_ui(ui, m, &read),
            Tab::Ambiguous => tabs.ambiguous_ui(ui, &mut m.ambiguous),
        }
    }

    fn automatch_button_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.matching, egui::Button::new("Automatch"))
                .clicked()
                && let Ok(pattern) = self.parsed_pattern()
            {
                self.matching = true;
                worker.send(Command::Automatch {
                    files: self.files().to_vec(),
                    users: self.users.clone(),
                    pattern,
                });
            }
            if self.matching {
                ui.spinner();
            }
            ui.weak(format!("pattern {}", self.pattern));
        });
    }

    fn resize_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) {
        if let Some((key, canvas)) = &mut self.canvas {
            let key = *key;
            match canvas.ui(ui, worker) {
                Some(CropAction::Apply(crop, turns)) => {
                    self.crops.insert(key, (crop, turns));
                    self.canvas = None;
                    // Encode the previews again (the chosen crop is in the key).
                    self.encoded_for = None;
                }
                Some(CropAction::Cancel) => self.canvas = None,
                None => {}
            }
            return;
        }
        ui.label("Size of the stored photos");
        ui.radio_value(&mut self.size, Size::Outlook, "Outlook: 96 px, ≤ 10 kB");
        ui.radio_value(&mut self.size, Size::Large, "Large: 648 px, ≤ 100 kB");
        ui.radio_value(&mut self.size, Size::Custom, "Custom");
        if self.size == Size::Custom {
            ui.horizontal(|ui| {
                ui.add(
                    egui::DragValue::new(&mut self.custom_px)
                        .range(16..=2048)
                        .suffix(" px"),
                );
                ui.add(
                    egui::DragValue::new(&mut self.custom_kb)
                        .range(1..=1000)
                        .suffix(" kB"),
                );
            });
            if let Err(e) = self.target() {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        }
        ui.weak("Each photo is cropped to a square around the face automatically.");
        let (Ok(target), Some(m)) = (self.target(), &self.matches) else {
            return;
        };
        let chosen = m.chosen();
        let crops: Vec<Option<(CropRect, u8)>> =
            chosen.iter().map(|k| self.crops.get(k).copied()).collect();
        let key = (target, chosen.clone(), crops);
        if self.encoded_for.as_ref() != Some(&key) {
            self.encode_generation += 1;
            self.encoded = (0..chosen.len()).map(|_| PreviewSlot::NotAsked).collect();
            self.encoded_for = Some(key);
        }
        ui.add_space(6.0);
        ui.weak(format!(
            "{} photos. Click one to choose its crop by hand.",
            chosen.len()
        ));
        let side = 112.0;
        let cell = egui::vec2(side + 16.0, side + 44.0);
        let per_row =
            ((ui.available_width() / (cell.x + ui.spacing().item_spacing.x)) as usize).max(1);
        let rows = chosen.len().div_ceil(per_row);
        let mut open: Option<(usize, usize)> = None;
        let mut shown = Vec::new();
        egui::ScrollArea::vertical()
            .id_salt("resize-previews")
            .auto_shrink([false, false])
            .show_rows(ui, cell.y, rows, |ui, row_range| {
                for row in row_range {
                    ui.horizontal(|ui| {
                        let first = row * per_row;
                        for (i, &(f, u)) in chosen.iter().enumerate().skip(first).take(per_row) {
                            shown.push(i);
                            let user = self.users[u].label();
                            ui.allocate_ui(cell, |ui| {
                                ui.set_min_size(cell);
                                ui.vertical(|ui| match self.encoded.get(i) {
                                    Some(PreviewSlot::Done(Ok((tex, bytes)))) => {
                                        let r = ui.add(
                                            egui::Image::new(tex)
                                                .fit_to_exact_size(egui::vec2(side, side))
                                                .sense(egui::Sense::click()),
                                        );
                                        let label = format!("Adjust crop of {user}");
                                        r.widget_info(|| {
                                            egui::WidgetInfo::labeled(
                                                egui::Role::Button,
                                                true,
                                                &label,
                                            )
                                        });
                                        if r.on_hover_text("Adjust the crop").clicked() {
                                            open = Some((f, u));
                                        }
                                        ui.label(user);
                                        let kb = *bytes as f64 / 1024.0;
                                        ui.weak(format!("{kb:.1} kB"));
                                    }
                                    Some(PreviewSlot::Done(Err(e))) => {
                                        ui.label(user);
                                        ui.colored_label(ui.visuals().error_fg_color, e);
                                    }
                                    _ => {
                                        ui.spinner();
                                        ui.label(user);
                                    }
                                });
                            });
                        }
                    });
                }
            });
        // Ask the worker for the previews that came into sight (it encodes a few at a time).
        for i in shown {
            if let Some(slot @ PreviewSlot::NotAsked) = self.encoded.get_mut(i) {
                *slot = PreviewSlot::Asked;
                let (f, u) = chosen[i];
                worker.send(Command::EncodePreview {
                    generation: self.encode_generation,
                    index: i,
                    file: self.files()[f].path.clone(),
                    target,
                    crop: self.crops.get(&(f, u)).copied(),
                });
            }
        }
        if let Some((f, u)) = open {
            let start = self.crops.get(&(f, u)).copied();
            let file = self.files()[f].path.clone();
            self.canvas = Some(((f, u), CropCanvas::open(file, target, start, worker)));
        }
    }

    fn summary_ui(&mut self, ui: &mut egui::Ui) {
        let Some(plan) = self.plan() else {
            ui.label("Nothing to import.");
            return;
        };
        let s = plan.summary();
        ui.label(format!("{} photos to write", s.to_write));
        ui.label(format!(
            "{} replace an existing photo (the old one is saved first, in {})",
            s.replacing,
            self.backups_dir.display()
        ));
        ui.label(format!("{} users skipped", s.skipped));
        ui.label(format!("Attribute: {}", self.attribute.name()));
    }

    fn start(&mut self, worker: &Worker) {
        let Some(plan) = self.plan() else { return };
        self.run(plan, worker);
    }

    /// Sends `plan` to the worker and shows its progress on the Finish page.
    fn run(&mut self, plan: Plan, worker: &Worker) {
        let journal = Journal::path_for(&self.journals_dir, &plan.id);
        let cancel = Cancel::default();
        self.job = Some(Job {
            cancel: cancel.clone(),
            total: plan.items.len(),
            progress: None,
            report: None,
            journal: journal.clone(),
            plan: plan.clone(),
            undo: None,
            undoing: false,
        });
        worker.send(Command::Import {
            plan: Box::new(plan),
            journal,
            cancel,
        });
        self.step = Step::Finish;
    }

    /// Returns true when "Save report…" was clicked.
    fn finish_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) -> bool {
        let Some(job) = &mut self.job else {
            return false;
        };
        let mut save = false;
        let Some(report) = &job.report else {
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
            return false;
        };
        ui.label(format!(
            "{}: {} written, {} failed, {} skipped",
            if report.unreachable.is_some() {
                "Import stopped"
            } else if report.cancelled {
                "Import cancelled"
            } else {
                "Import done"
            },
            report.written(),
            report.failed(),
            report.skipped()
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
        ui.horizontal(|ui| {
            save = ui.button("Save report…").clicked();
            if ui
                .add_enabled(
                    !job.undoing && job.undo.is_none(),
                    egui::Button::new("Undo this import"),
                )
                .clicked()
            {
                job.undoing = true;
                worker.send(Command::Undo(job.journal.clone()));
            }
            if job.undoing {
                ui.spinner();
            }
        });
        match &job.undo {
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
        ui.separator();
        egui::Grid::new("results").striped(true).show(ui, |ui| {
            for r in &report.results {
                ui.label(&r.name);
                match &r.status {
                    Status::Written { bytes, .. } => {
                        ui.label(format!("written ({:.1} kB)", *bytes as f64 / 1024.0))
                    }
                    Status::Failed { reason } => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("failed: {reason}"))
                    }
                    Status::Skipped { reason } => ui.weak(format!("skipped: {reason}")),
                };
                ui.end_row();
            }
        });
        if let Some(plan) = retry {
            self.run(plan, worker);
        }
        save
    }
}

/// A file's name for a table cell.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The automatch page's tabs, with their counts.
fn tabs_ui(ui: &mut egui::Ui, tab: &mut Tab, m: &Matches) {
    ui.horizontal(|ui| {
        let tabs = [
            (Tab::Matching, format!("Matching files ({})", m.pairs.len())),
            (
                Tab::FilesWithout,
                format!("Files without match ({})", m.unmatched.len()),
            ),
            (
                Tab::UsersWithout,
                format!("Users without file ({})", m.users_without_file.len()),
            ),
            (Tab::Ambiguous, format!("Ambiguous ({})", m.ambiguous.len())),
        ];
        for (t, label) in tabs {
            ui.selectable_value(tab, t, label);
        }
    });
}

/// What the picture columns show, on hover of their titles.
const PICTURE_HINT: &str = "The picture in the file (point at it for a larger one)";
const CURRENT_HINT: &str = "The user's photo in the directory now; — when there is none";

/// The matching table's column titles, with what they mean on hover.
const PAIR_COLUMNS: [(&str, &str); 6] = [
    ("", ""),
    ("New", PICTURE_HINT),
    ("Current", CURRENT_HINT),
    ("User", ""),
    ("File", ""),
    ("", ""),
];

const UNMATCHED_COLUMNS: [(&str, &str); 3] = [
    ("Picture", PICTURE_HINT),
    ("File", ""),
    (
        "User",
        "Type part of a name to find a user who has no file yet",
    ),
];

const USERS_WITHOUT_COLUMNS: [(&str, &str); 6] = [
    ("Current", CURRENT_HINT),
    ("User", ""),
    ("Logon name", ""),
    ("E-mail", ""),
    ("Title · Department", ""),
    ("", ""),
];

const AMBIGUOUS_COLUMNS: [(&str, &str); 3] = [
    ("Current", CURRENT_HINT),
    (
        "User",
        "Logon name, e-mail, title and department tell people of the same name apart",
    ),
    (
        "File",
        "Choose each user's file by its picture (point at one for a larger one), or none",
    ),
];

/// Rows where a face is to be recognised (files without match, ambiguous cases) are taller,
/// with larger pictures.
const FACE_ROW: f32 = 60.0;
const FACE_THUMB: f32 = 52.0;
/// The small current photo beside a suggested or assigned user.
const SMALL_THUMB: f32 = 22.0;
/// Height of one suggested user under "Assign to:".
const SUGGESTION_ROW: f32 = 24.0;
/// Height of an ambiguous case's title row, and of the "Assign to:" line.
const CASE_ROW: f32 = 28.0;
/// At most this many users are suggested for a search.
const SUGGESTIONS: usize = 6;

/// A tab's table: only the rows on screen are laid out, as tall as the room left.
fn tab_table<'a>(ui: &'a mut egui::Ui, id: &str) -> TableBuilder<'a> {
    TableBuilder::new(ui)
        .id_salt(id)
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .min_scrolled_height(0.0)
}

/// A resizable column of text that is cut short when it does not fit.
fn text_column(initial: f32) -> Column {
    Column::initial(initial)
        .at_least(80.0)
        .clip(true)
        .resizable(true)
}

/// The column titles, each with what it means on hover.
fn header_ui(mut row: egui_extras::TableRow<'_, '_>, columns: &[(&str, &str)]) {
    for &(title, hint) in columns {
        row.col(|ui| {
            let r = ui.strong(title);
            if !hint.is_empty() {
                r.on_hover_text(hint);
            }
        });
    }
}

/// The automatch tabs: what their rows need besides the match itself.
struct MatchTabs<'a> {
    files: &'a [matching::PhotoFile],
    users: &'a [User],
    file_thumbs: &'a mut FileThumbs,
    user_thumbs: &'a mut DnThumbs,
    worker: &'a Worker,
}

impl MatchTabs<'_> {
    /// A virtualised table: only the rows on screen are laid out and ask for thumbnails, so
    /// thousands of pairs scroll smoothly and load only what is seen.
    fn pairs_ui(mut self, ui: &mut egui::Ui, pairs: &mut [Pair]) {
        include_all_ui(ui, pairs);
        let thumb_col = Column::exact(PAIR_ROW + 16.0);
        tab_table(ui, "wizard-pairs")
            .column(Column::exact(24.0))
            .column(thumb_col)
            .column(thumb_col)
            .column(text_column(200.0))
            .column(text_column(220.0))
            .column(Column::remainder().at_least(60.0))
            .header(20.0, |row| header_ui(row, &PAIR_COLUMNS))
            .body(|body| {
                body.rows(PAIR_ROW, pairs.len(), |mut row| {
                    if let Some(p) = pairs.get_mut(row.index()) {
                        self.pair_row_ui(&mut row, p);
                    }
                });
            });
    }

    fn pair_row_ui(&mut self, row: &mut egui_extras::TableRow<'_, '_>, p: &mut Pair) {
        let users = self.users;
        let (Some(user), Some(file)) = (users.get(p.user), self.files.get(p.file)) else {
            return;
        };
        let label = user.label();
        row.col(|ui| include_ui(ui, &mut p.on, &label));
        row.col(|ui| {
            self.file_ui(ui, p.file, PAIR_THUMB);
        });
        row.col(|ui| self.current_ui(ui, p.user, PAIR_THUMB));
        row.col(|ui| {
            ui.add(egui::Label::new(&label).truncate());
        });
        row.col(|ui| file_name_ui(ui, &file.path));
        row.col(|ui| {
            if user.photo_bytes.is_some() {
                ui.weak("replaces current photo (backed up)");
            }
        });
    }

    /// The picture in file `f` at `side` points (see [`file_thumb_ui`]).
    fn file_ui(&mut self, ui: &mut egui::Ui, f: usize, side: f32) -> Option<egui::Response> {
        let path = &self.files.get(f)?.path;
        let thumb = self.file_thumbs.file(path, self.worker);
        file_thumb_ui(ui, thumb, path, side)
    }

    /// User `u`'s photo in the directory now, at `side` points.
    fn current_ui(&mut self, ui: &mut egui::Ui, u: usize, side: f32) {
        if let Some(user) = self.users.get(u) {
            current_photo_ui(ui, user, self.user_thumbs, self.worker, side);
        }
    }

    /// Files without match, each with its picture, so that whoever assigns it sees whose face
    /// it is; a file can be given to a user who has no file yet, found by name.
    fn unmatched_ui(mut self, ui: &mut egui::Ui, m: &mut Matches) {
        if m.unmatched.is_empty() {
            ui.weak("Every file matched a user.");
            return;
        }
        let users = self.users;
        let free = m.free_users();
        // The users each search finds, worked out once a frame: the rows' heights need them.
        let found: Vec<Vec<usize>> = m
            .unmatched
            .iter()
            .map(|(_, assigned, search)| match assigned {
                Some(_) => Vec::new(),
                None => find_users(users, &free, search),
            })
            .collect();
        // The field, then a line for each user found (the one past the last shown says
        // there are more).
        let heights = found
            .iter()
            .map(|found| FACE_ROW.max(CASE_ROW + found.len() as f32 * SUGGESTION_ROW + 4.0));
        tab_table(ui, "wizard-unmatched")
            .column(Column::exact(FACE_ROW + 16.0))
            .column(text_column(220.0))
            .column(Column::remainder().at_least(200.0))
            .header(20.0, |row| header_ui(row, &UNMATCHED_COLUMNS))
            .body(|body| {
                body.heterogeneous_rows(heights, |mut row| {
                    let i = row.index();
                    let (Some((f, assigned, search)), Some(found)) =
                        (m.unmatched.get_mut(i), found.get(i))
                    else {
                        return;
                    };
                    let f = *f;
                    row.col(|ui| {
                        self.file_ui(ui, f, FACE_THUMB);
                    });
                    row.col(|ui| file_name_ui(ui, &self.files[f].path));
                    row.col(|ui| match *assigned {
                        Some(u) => {
                            self.current_ui(ui, u, SMALL_THUMB);
                            ui.label(format!("assigned to {}", users[u].label()));
                            if ui.small_button("Unassign").clicked() {
                                *assigned = None;
                            }
                        }
                        None if found.is_empty() => assign_field_ui(ui, f, search),
                        None => {
                            ui.vertical(|ui| {
                                ui.add_space(4.0);
                                ui.horizontal(|ui| assign_field_ui(ui, f, search));
                                for &u in found.iter().take(SUGGESTIONS) {
                                    ui.horizontal(|ui| {
                                        self.current_ui(ui, u, SMALL_THUMB);
                                        if ui.button(users[u].label()).clicked() {
                                            *assigned = Some(u);
                                            search.clear();
                                        }
                                        ui.weak(details_text(&users[u]));
                                    });
                                }
                                if found.len() > SUGGESTIONS {
                                    ui.weak("More users have this in their name: type more of it.");
                                }
                            });
                        }
                    });
                });
            });
    }

    /// Users without file, with their current photo and what tells them apart.
    /// `read`: the attributes the pattern reads, for users lacking one of them.
    fn users_without_ui(mut self, ui: &mut egui::Ui, m: &Matches, read: &str) {
        let without = &m.users_without_file;
        if !m.users_without_key.is_empty() {
            ui.weak(format!(
                "{} of these have no {read} in the directory, so no file name can match them.",
                m.users_without_key.len()
            ));
        }
        if without.is_empty() {
            ui.weak("Every user has a file.");
            return;
        }
        let users = self.users;
        tab_table(ui, "wizard-users-without")
            .column(Column::exact(PAIR_ROW + 16.0))
            .column(text_column(200.0))
            .column(text_column(140.0))
            .column(text_column(240.0))
            .column(text_column(220.0))
            .column(Column::remainder().at_least(80.0))
            .header(20.0, |row| header_ui(row, &USERS_WITHOUT_COLUMNS))
            .body(|body| {
                body.rows(PAIR_ROW, without.len(), |mut row| {
                    let Some(&u) = without.get(row.index()) else {
                        return;
                    };
                    let Some(user) = users.get(u) else {
                        return;
                    };
                    row.col(|ui| self.current_ui(ui, u, PAIR_THUMB));
                    let texts = [
                        user.label(),
                        user.sam_account_name.clone().unwrap_or_default(),
                        user.mail.clone().unwrap_or_default(),
                        title_text(user),
                    ];
                    for text in texts {
                        row.col(|ui| {
                            ui.add(egui::Label::new(text).truncate());
                        });
                    }
                    row.col(|ui| {
                        if m.users_without_key.binary_search(&u).is_ok() {
                            ui.add(egui::Label::new(format!("no {read}")).truncate())
                                .on_hover_text(format!(
                                    "This user has no {read} in the directory: the pattern \
                                     cannot name a file for them. Fill it in, or use another \
                                     pattern."
                                ));
                        }
                    });
                });
            });
    }

    /// Ambiguous cases: a title row per case, then a row per candidate user with their
    /// current photo and details, and each of the case's files as a picture to choose (or none).
    fn ambiguous_ui(
        mut self,
        ui: &mut egui::Ui,
        ambiguous: &mut [(Ambiguity, Vec<Option<usize>>)],
    ) {
        if ambiguous.is_empty() {
            ui.weak("Nothing ambiguous.");
            return;
        }
        // (case, None) for its title, (case, Some(candidate)) for each of its users.
        let rows: Vec<(usize, Option<usize>)> = ambiguous
            .iter()
            .enumerate()
            .flat_map(|(g, (a, _))| {
                std::iter::once((g, None)).chain((0..a.candidates.len()).map(move |c| (g, Some(c))))
            })
            .collect();
        let heights = rows
            .iter()
            .map(|(_, c)| if c.is_some() { FACE_ROW } else { CASE_ROW });
        tab_table(ui, "wizard-ambiguous")
            .striped(false)
            .column(Column::exact(FACE_ROW + 16.0))
            .column(text_column(300.0))
            .column(Column::remainder().at_least(200.0))
            .header(20.0, |row| header_ui(row, &AMBIGUOUS_COLUMNS))
            .body(|body| {
                body.heterogeneous_rows(heights, |row| {
                    let Some(&(g, c)) = rows.get(row.index()) else {
                        return;
                    };
                    let Some((a, choice)) = ambiguous.get_mut(g) else {
                        return;
                    };
                    match c {
                        None => case_title_ui(row, a, choice, self.files),
                        Some(c) => self.candidate_ui(row, a, c, &mut choice[c]),
                    }
                });
            });
    }

    /// One candidate user of an ambiguous case, with the case's files to choose from.
    fn candidate_ui(
        &mut self,
        mut row: egui_extras::TableRow<'_, '_>,
        a: &Ambiguity,
        c: usize,
        choice: &mut Option<usize>,
    ) {
        let users = self.users;
        let Some((u, user)) = a.candidates.get(c).and_then(|&u| Some((u, users.get(u)?))) else {
            return;
        };
        row.col(|ui| self.current_ui(ui, u, FACE_THUMB));
        row.col(|ui| {
            ui.vertical(|ui| {
                ui.add(egui::Label::new(egui::RichText::new(user.label()).strong()).truncate());
                for line in [account_text(user), title_text(user)] {
                    ui.add(egui::Label::new(egui::RichText::new(line).weak()).truncate());
                }
            });
        });
        row.col(|ui| {
            ui.radio_value(choice, None, "none");
            for &f in &a.files {
                ui.add_space(12.0);
                // The picture is what is chosen: a click on it picks it as well, and the
                // chosen one is framed.
                if let Some(r) = self.file_ui(ui, f, FACE_THUMB) {
                    if *choice == Some(f) {
                        let stroke = ui.visuals().selection.stroke;
                        let frame = r.rect.expand(2.0);
                        ui.painter()
                            .rect_stroke(frame, 4.0, stroke, egui::StrokeKind::Outside);
                    }
                    if r.interact(egui::Sense::click()).clicked() {
                        *choice = Some(f);
                    }
                }
                ui.radio_value(choice, Some(f), file_name(&self.files[f].path));
            }
        });
    }
}

/// An ambiguous case's title: the name its files and users share, and a warning when one
/// file is chosen for more than one user.
fn case_title_ui(
    mut row: egui_extras::TableRow<'_, '_>,
    a: &Ambiguity,
    choice: &[Option<usize>],
    files: &[matching::PhotoFile],
) {
    // A line across the top sets the case off from the one before.
    let rule = |ui: &mut egui::Ui| {
        let cell = ui.max_rect();
        let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
        ui.painter().hline(cell.x_range(), cell.top(), stroke);
    };
    row.col(rule);
    row.col(|ui| {
        rule(ui);
        ui.strong(format!("\"{}\"", a.key));
    });
    row.col(|ui| {
        rule(ui);
        let count = |n: usize, what: &str| match n {
            1 => format!("1 {what}"),
            n => format!("{n} {what}s"),
        };
        ui.weak(format!(
            "{}, {}: choose each user's file, or none",
            count(a.files.len(), "file"),
            count(a.candidates.len(), "user")
        ));
        for &f in &a.files {
            let times = choice.iter().filter(|&&c| c == Some(f)).count();
            if times > 1 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "⚠ {} is chosen for {times} users",
                        file_name(&files[f].path)
                    ),
                );
            }
        }
    });
}

/// The "Assign to:" search field of file `f`.
fn assign_field_ui(ui: &mut egui::Ui, f: usize, search: &mut String) {
    let label = ui.label("Assign to:");
    ui.add(
        egui::TextEdit::singleline(search)
            // An id of its own, not the row's: the field keeps its focus when the row grows
            // to show what it finds and the field moves into a column.
            .id(egui::Id::unique(("wizard-assign-to", f)))
            .hint_text("search a name")
            .desired_width(180.0),
    )
    .labelled_by(label.id);
}

/// The `free` users whose name contains `search` (case and diacritics ignored): at most
/// [`SUGGESTIONS`] and one more.
fn find_users(users: &[User], free: &[usize], search: &str) -> Vec<usize> {
    let key = matching::normalize::fold(search.trim());
    if key.is_empty() {
        return Vec::new();
    }
    free.iter()
        .copied()
        .filter(|&u| matching::normalize::fold(&users[u].label()).contains(&key))
        // One more than are shown, to tell that there are more.
        .take(SUGGESTIONS + 1)
        .collect()
}

/// Logon name and e-mail address, those the user has.
fn account_text(u: &User) -> String {
    [u.sam_account_name.as_deref(), u.mail.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Logon name, e-mail, title and department on one line: what tells two people of the same
/// name apart.
fn details_text(u: &User) -> String {
    [account_text(u), title_text(u)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A file's name, cut short to fit, with its whole path on hover.
fn file_name_ui(ui: &mut egui::Ui, path: &Path) {
    ui.add(egui::Label::new(file_name(path)).truncate())
        .on_hover_text(path.display().to_string());
}

/// "n of m included", with Select all / Select none.
fn include_all_ui(ui: &mut egui::Ui, pairs: &mut [Pair]) {
    ui.horizontal(|ui| {
        let on = pairs.iter().filter(|p| p.on).count();
        ui.label(format!("{on} of {} included", pairs.len()));
        let all = ui.small_button("Select all").clicked();
        let none = ui.small_button("Select none").clicked();
        if all || none {
            for p in pairs.iter_mut() {
                p.on = all;
            }
        }
    });
}

/// The include checkbox; the user's name is in its own column, so the box gets it as its
/// accessible name.
fn include_ui(ui: &mut egui::Ui, on: &mut bool, user: &str) {
    let r = ui.checkbox(on, "");
    let checked = *on;
    r.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::CheckBox,
            true,
            checked,
            format!("Include {user}"),
        )
    });
}

/// The file's picture at `side` points (larger, with its path, on hover), or a warning sign
/// whose tooltip says why it cannot be shown: the import would fail on it too, so the
/// helpdesk sees it here first.
fn file_thumb_ui(
    ui: &mut egui::Ui,
    thumb: Thumb<'_>,
    path: &Path,
    side: f32,
) -> Option<egui::Response> {
    let name = file_name(path);
    if let Thumb::Failed(why) = thumb {
        let text = format!("Cannot show {name}: {why}");
        ui.colored_label(ui.visuals().warn_fg_color, "⚠")
            .on_hover_text(format!(
                "{text}\nThe import would fail on it too: leave it out, or put a good file in its place."
            ))
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &text));
        return None;
    }
    let shown = thumb.ui(ui, side, &format!("Photo file {name}"))?;
    Some(match &thumb {
        Thumb::Ready(tex) => shown.on_hover_ui(|ui| {
            ui.add(egui::Image::from_texture(tex).fit_to_original_size(1.0));
            ui.weak(path.display().to_string());
        }),
        _ => shown,
    })
}

/// The user's photo in the directory now at `side` points, or a dash when there is none.
fn current_photo_ui(
    ui: &mut egui::Ui,
    user: &User,
    thumbs: &mut DnThumbs,
    worker: &Worker,
    side: f32,
) {
    let label = user.label();
    // A dash or a question mark takes the picture's room, so the columns beside stay in line.
    let sign = |ui: &mut egui::Ui, text: &str| {
        ui.add_sized(
            [side, side],
            egui::Label::new(egui::RichText::new(text).weak()),
        )
    };
    if user.photo_bytes.is_none() {
        sign(ui, "—")
            .on_hover_text("No photo in the directory yet")
            .widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Image,
                    true,
                    format!("No current photo of {label}"),
                )
            });
        return;
    }
    match thumbs.user(&user.dn, worker) {
        Thumb::Failed(why) => {
            sign(ui, "?").on_hover_text(why);
        }
        thumb => {
            thumb.ui(ui, side, &format!("Current photo of {label}"));
        }
    }
}
