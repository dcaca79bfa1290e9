//! Step 3: Automatch on the worker, then its four tabs — matching files, files without match,
//! users without file, ambiguous — where a person ticks, assigns and settles. What they decide
//! is the engine's [`Choices`].

mod ambiguous;
mod cells;
mod pairs;
mod unmatched;
mod users_without;

use super::ask;
use crate::directory::User;
use crate::gui::thumbs::{DnThumbs, FileThumbs};
use crate::gui::worker::{Command, MatchFailed, ReqId, Worker};
use crate::import::Choices;
use crate::import::{MatchBy, Matched};
use crate::matching::{BadRow, PhotoFile};

use cells::MatchTabs;

/// Tabs of the automatch page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Tab {
    #[default]
    Matching,
    FilesWithout,
    UsersWithout,
    Ambiguous,
}

pub(in crate::gui::wizard) struct AutomatchStep {
    /// The Automatch under way.
    pending: Option<ReqId>,
    choices: Option<Choices>,
    /// The mapping file's rows left out (a mapping file instead of a pattern).
    bad_rows: Vec<BadRow>,
    /// Automatch failed (a bug, said plainly rather than shown as "nothing matched").
    error: Option<String>,
    tab: Tab,
    /// The "Assign to:" search text of each file without match.
    searches: Vec<String>,
    /// Thumbnails of the photo files, for the tables (only of rows shown).
    pub(in crate::gui::wizard) file_thumbs: FileThumbs,
    /// Size and face of the files whose thumbnails came back: the photo warnings.
    pub(in crate::gui::wizard) facts:
        std::collections::HashMap<std::path::PathBuf, crate::photo::PhotoFacts>,
    /// The size the Resize step will store (what "too small" is measured against).
    pub(in crate::gui::wizard) target: Option<crate::photo::Target>,
}

impl Default for AutomatchStep {
    fn default() -> Self {
        Self {
            pending: None,
            choices: None,
            bad_rows: Vec::new(),
            error: None,
            tab: Tab::default(),
            searches: Vec::new(),
            file_thumbs: FileThumbs::for_files(),
            facts: Default::default(),
            target: None,
        }
    }
}

impl AutomatchStep {
    pub(in crate::gui::wizard) fn choices(&self) -> Option<&Choices> {
        self.choices.as_ref()
    }

    pub(in crate::gui::wizard) fn choices_mut(&mut self) -> Option<&mut Choices> {
        self.choices.as_mut()
    }

    pub(in crate::gui::wizard) fn has_chosen(&self) -> bool {
        self.choices
            .as_ref()
            .is_some_and(|c| !c.chosen().is_empty())
    }

    /// The files changed: everything here pointed into the old list.
    pub(in crate::gui::wizard) fn reset(&mut self) {
        *self = Self::default();
    }

    pub(in crate::gui::wizard) fn matched(
        &mut self,
        id: ReqId,
        result: Result<Box<Matched>, MatchFailed>,
    ) {
        // Not waiting for it any more: the folder changed since it was asked.
        if self.pending.take_if(|p| *p == id).is_none() {
            return;
        }
        match result {
            Ok(answer) => {
                self.searches = vec![String::new(); answer.result.files_without_match.len()];
                self.choices = Some(answer.proposal());
                self.bad_rows = answer.bad_rows;
                self.error = None;
            }
            Err(e) => {
                self.choices = None;
                self.bad_rows.clear();
                // A mapping file that cannot be used says so itself; anything else is a bug.
                self.error = Some(match e {
                    MatchFailed::Map(e) => format!("⚠ {e}"),
                    MatchFailed::Crashed(e) => format!("Automatch failed: {e}"),
                });
            }
        }
    }

    pub(in crate::gui::wizard) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        thumbs: &mut DnThumbs,
        users: &[User],
        files: &[PhotoFile],
        how: Option<&MatchBy>,
    ) {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(self.pending.is_none(), egui::Button::new("Automatch"))
                .clicked()
                && let Some(how) = how
            {
                let id = ask(
                    worker,
                    Command::Automatch {
                        files: files.to_vec(),
                        users: users.to_vec(),
                        how: how.clone(),
                    },
                );
                self.pending = Some(id);
            }
            if self.pending.is_some() {
                ui.spinner();
            }
            match how {
                Some(MatchBy::Pattern(p)) => {
                    ui.weak(format!("pattern {p}"));
                }
                Some(MatchBy::Map { file, .. }) => {
                    ui.weak(format!("mapping file {}", file.display()));
                }
                None => {}
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if !self.bad_rows.is_empty() {
            bad_rows_ui(ui, &self.bad_rows);
        }
        let Some(choices) = &mut self.choices else {
            ui.weak("Pairs the files with the users by their names.");
            return;
        };
        tabs_ui(ui, &mut self.tab, choices);
        ui.separator();
        // Each tab is a table of its own that lays out only the rows on screen.
        let tabs = MatchTabs {
            files,
            users,
            file_thumbs: &mut self.file_thumbs,
            user_thumbs: thumbs,
            worker,
            facts: &self.facts,
            target: self.target,
        };
        match self.tab {
            Tab::Matching => tabs.pairs_ui(ui, choices),
            Tab::FilesWithout => tabs.unmatched_ui(ui, choices, &mut self.searches),
            Tab::UsersWithout => tabs.users_without_ui(ui, choices),
            Tab::Ambiguous => tabs.ambiguous_ui(ui, choices),
        }
    }
}

/// The mapping file's rows left out, each with its row number and why.
fn bad_rows_ui(ui: &mut egui::Ui, bad_rows: &[BadRow]) {
    egui::CollapsingHeader::new(format!(
        "{} rows of the mapping file left out",
        bad_rows.len()
    ))
    .id_salt("bad_rows")
    .default_open(true)
    .show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("bad_rows_scroll")
            .max_height(120.0)
            .show(ui, |ui| {
                for b in bad_rows {
                    ui.colored_label(ui.visuals().warn_fg_color, &b.message);
                }
            });
    });
}

/// The automatch page's tabs, with their counts.
fn tabs_ui(ui: &mut egui::Ui, tab: &mut Tab, c: &Choices) {
    ui.horizontal(|ui| {
        let tabs = [
            (
                Tab::Matching,
                format!("Matching files ({})", c.pairs().len()),
            ),
            (
                Tab::FilesWithout,
                format!("Files without match ({})", c.unassigned_files()),
            ),
            (
                Tab::UsersWithout,
                format!("Users without file ({})", c.free_users().len()),
            ),
            (
                Tab::Ambiguous,
                format!("Ambiguous ({})", c.unsettled_cases()),
            ),
        ];
        for (t, label) in tabs {
            ui.selectable_value(tab, t, label);
        }
    });
}
