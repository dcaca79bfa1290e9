//! Step 2: how the files are named: a preset or a pattern of attributes, with live examples;
//! the patterns that match most of the folder's files, worked out on the worker, to click; or
//! a mapping file instead of a pattern.

use std::path::{Path, PathBuf};

use super::ask;
use crate::directory::User;
use crate::gui::worker::{Command, ReqId, Worker};
use crate::matching::{self, Pattern, PhotoFile, Suggestion};

/// How many suggestions are shown.
const SHOWN: usize = 3;

#[derive(Default)]
enum Suggestions {
    /// Not asked for these files yet.
    #[default]
    NotAsked,
    Pending(ReqId),
    Ready(Result<Vec<Suggestion>, String>),
}

pub(super) struct PatternStep {
    pub(super) text: String,
    /// A mapping file used instead of the pattern.
    pub(super) map: Option<PathBuf>,
    suggestions: Suggestions,
}

impl Default for PatternStep {
    fn default() -> Self {
        Self {
            text: matching::PRESETS[0].1.to_string(),
            map: None,
            suggestions: Suggestions::NotAsked,
        }
    }
}

/// What a frame of the pattern step asks of the app.
pub(super) struct PatternOutcome {
    /// "Mapping file…" was clicked: the file dialog.
    pub pick_map: bool,
}

impl PatternStep {
    /// The pattern, checked against the wizard's users (the same check `adphoto match` makes).
    pub(super) fn parsed(&self, users: &[User]) -> Result<Pattern, String> {
        Pattern::parse_for(&self.text, users).map_err(|e| e.to_string())
    }

    /// The folder's files changed: the suggestions were for the old ones.
    pub(super) fn files_changed(&mut self) {
        self.suggestions = Suggestions::NotAsked;
    }

    /// The worker's suggestions, if they are the ones asked last.
    pub(super) fn suggested(&mut self, id: ReqId, result: Result<Vec<Suggestion>, String>) {
        if matches!(self.suggestions, Suggestions::Pending(p) if p == id) {
            self.suggestions = Suggestions::Ready(result);
        }
    }

    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        users: &[User],
        files: &[PhotoFile],
    ) -> PatternOutcome {
        if matches!(self.suggestions, Suggestions::NotAsked)
            && !files.is_empty()
            && !users.is_empty()
        {
            // Every preset and attribute combination through Automatch: tens of milliseconds
            // for thousands of users, so not on this thread.
            let id = ask(
                worker,
                Command::SuggestPatterns {
                    files: files.to_vec(),
                    users: users.to_vec(),
                },
            );
            self.suggestions = Suggestions::Pending(id);
        }
        ui.label("How are the files named?");
        self.suggestions_ui(ui, files.len());
        ui.add_space(6.0);
        egui::Grid::new("presets").num_columns(2).show(ui, |ui| {
            for (i, (label, pattern)) in matching::PRESETS.iter().enumerate() {
                if ui
                    .radio(self.map.is_none() && self.text == *pattern, *label)
                    .clicked()
                {
                    self.text = (*pattern).to_string();
                    self.map = None;
                }
                if i % 2 == 1 {
                    ui.end_row();
                }
            }
        });
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let label = ui.label("Pattern:");
            if ui
                .add(egui::TextEdit::singleline(&mut self.text).desired_width(360.0))
                .labelled_by(label.id)
                .changed()
            {
                self.map = None;
            }
        });
        ui.weak("Any attribute in braces, e.g. {givenName}.{sn} or {employeeID}; the extension does not matter.");
        ui.add_space(6.0);
        let pick_map = self.map_ui(ui);
        ui.add_space(6.0);
        if self.map.is_none() {
            self.examples_ui(ui, users);
        }
        PatternOutcome { pick_map }
    }

    /// The best patterns for this folder, each a click away.
    fn suggestions_ui(&mut self, ui: &mut egui::Ui, files: usize) {
        match &self.suggestions {
            Suggestions::NotAsked => {}
            Suggestions::Pending(_) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.weak("Trying the presets and attributes on the files…");
                });
            }
            Suggestions::Ready(Ok(list)) if list.is_empty() => {
                ui.weak(
                    "No preset or attribute matches these files: type a pattern below, or use \
                     a mapping file if they are named by an id from another system.",
                );
            }
            Suggestions::Ready(Ok(list)) => {
                let mut chosen = None;
                for s in list.iter().take(SHOWN) {
                    let mut text = format!(
                        "Suggested: {} — {} of {files} files match",
                        s.pattern, s.matched
                    );
                    if s.ambiguous > 0 {
                        text.push_str(&format!(", {} ambiguous", s.ambiguous));
                    }
                    text.push_str(&format!(" · {}", s.label));
                    let on = self.map.is_none() && self.text == s.pattern.to_string();
                    if ui.selectable_label(on, text).clicked() {
                        chosen = Some(s.pattern.to_string());
                    }
                }
                if let Some(p) = chosen {
                    self.text = p;
                    self.map = None;
                }
            }
            Suggestions::Ready(Err(e)) => {
                ui.colored_label(ui.visuals().warn_fg_color, format!("No suggestions: {e}"));
            }
        }
    }

    /// "Mapping file…", and the file in use. Returns true when the dialog is asked for.
    fn map_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let mut pick = false;
        ui.horizontal(|ui| {
            pick = ui
                .button("Mapping file…")
                .on_hover_text(
                    "A CSV file with a \"file\" column and one attribute column (e.g. \
                     employeeID,file; \",\" or \";\"): for photos named by an id from another \
                     system",
                )
                .clicked();
            if let Some(map) = &self.map {
                ui.strong(format!("Using {} instead of a pattern", file_name(map)));
                if ui.button("Use a pattern instead").clicked() {
                    self.map = None;
                }
            }
        });
        pick
    }

    fn examples_ui(&self, ui: &mut egui::Ui, users: &[User]) {
        match self.parsed(users) {
            Ok(p) => {
                ui.label("Examples:");
                let mut shown = 0;
                for u in users {
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
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}
