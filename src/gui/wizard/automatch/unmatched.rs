//! The "Files without match" tab: each file with its picture, so that whoever assigns it sees
//! whose face it is; a file can be given to a user who has no file yet, found by name.

use egui_extras::Column;

use super::cells::{
    CASE_ROW, FACE_ROW, FACE_THUMB, MatchTabs, PICTURE_HINT, SMALL_THUMB, details_text,
    file_name_ui, header_ui, tab_table, text_column,
};
use crate::directory::User;
use crate::import::Choices;
use crate::matching;

const UNMATCHED_COLUMNS: [(&str, &str); 3] = [
    ("Picture", PICTURE_HINT),
    ("File", ""),
    (
        "User",
        "Type part of a name to find a user who has no file yet",
    ),
];

/// Height of one suggested user under "Assign to:".
const SUGGESTION_ROW: f32 = 24.0;
/// At most this many users are suggested for a search.
const SUGGESTIONS: usize = 6;

impl MatchTabs<'_> {
    /// `searches`: the "Assign to:" text of each file without match.
    pub(super) fn unmatched_ui(
        mut self,
        ui: &mut egui::Ui,
        choices: &mut Choices,
        searches: &mut [String],
    ) {
        if choices.unmatched().is_empty() {
            ui.weak("Every file matched a user.");
            return;
        }
        let users = self.users;
        let free = choices.free_users();
        // The users each search finds, worked out once a frame: the rows' heights need them.
        let found: Vec<Vec<usize>> = choices
            .unmatched()
            .iter()
            .zip(searches.iter())
            .map(|(x, search)| match x.assigned {
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
                    let (Some(&x), Some(found), Some(search)) = (
                        choices.unmatched().get(i),
                        found.get(i),
                        searches.get_mut(i),
                    ) else {
                        return;
                    };
                    let f = x.file;
                    row.col(|ui| {
                        self.file_ui(ui, f, FACE_THUMB);
                    });
                    row.col(|ui| file_name_ui(ui, &self.files[f].path));
                    let mut assign = None;
                    row.col(|ui| match x.assigned {
                        Some(u) => {
                            self.current_ui(ui, u, SMALL_THUMB);
                            ui.label(format!("assigned to {}", users[u].label_with_account()));
                            if ui.small_button("Unassign").clicked() {
                                assign = Some(None);
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
                                        if ui.button(users[u].label_with_account()).clicked() {
                                            assign = Some(Some(u));
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
                    if let Some(user) = assign {
                        choices.assign(i, user);
                    }
                });
            });
    }
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
