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
use crate::gui::worker::{Command, ReqId, Worker};
use crate::import::Choices;
use crate::matching::{MatchResult, Pattern, PhotoFile};

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
    /// The Automatch under way, with the pattern it was asked for.
    pending: Option<(ReqId, Pattern)>,
    choices: Option<Choices>,
    /// Automatch failed (a bug, said plainly rather than shown as "nothing matched").
    error: Option<String>,
    tab: Tab,
    /// The "Assign to:" search text of each file without match.
    searches: Vec<String>,
    /// Thumbnails of the photo files, for the tables (only of rows shown).
    pub(in crate::gui::wizard) file_thumbs: FileThumbs,
}

impl Default for AutomatchStep {
    fn default() -> Self {
        Self {
            pending: None,
            choices: None,
            error: None,
            tab: Tab::default(),
            searches: Vec::new(),
            file_thumbs: FileThumbs::for_files(),
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
        result: Result<(MatchResult, Vec<(usize, String)>), String>,
    ) {
        // Not waiting for it any more: the folder changed since it was asked.
        let Some((_, pattern)) = self.pending.take_if(|(p, _)| *p == id) else {
            return;
        };
        match result {
            Ok((r, damaged)) => {
                self.searches = vec![String::new(); r.files_without_match.len()];
                let mut choices = Choices::new(r, &pattern);
                for (file, why) in damaged {
                    choices.mark_damaged(file, why);
                }
                self.choices = Some(choices);
                self.error = None;
            }
            Err(e) => {
                self.choices = None;
                self.error = Some(format!("Automatch failed: {e}"));
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
        pattern: Option<&Pattern>,
    ) {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(self.pending.is_none(), egui::Button::new("Automatch"))
                .clicked()
                && let Some(pattern) = pattern
            {
                let id = ask(
                    worker,
                    Command::Automatch {
                        files: files.to_vec(),
                        users: users.to_vec(),
                        pattern: pattern.clone(),
                    },
                );
                self.pending = Some((id, pattern.clone()));
            }
            if self.pending.is_some() {
                ui.spinner();
            }
            if let Some(p) = pattern {
                ui.weak(format!("pattern {p}"));
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
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
        };
        match self.tab {
            Tab::Matching => tabs.pairs_ui(ui, choices),
            Tab::FilesWithout => tabs.unmatched_ui(ui, choices, &mut self.searches),
            Tab::UsersWithout => tabs.users_without_ui(ui, choices),
            Tab::Ambiguous => tabs.ambiguous_ui(ui, choices),
        }
    }
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
