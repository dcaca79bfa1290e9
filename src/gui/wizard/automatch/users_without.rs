//! The "Users without file" tab: each user with their current photo and what tells them apart,
//! and why no file name can match those lacking an attribute the pattern reads.

use egui_extras::Column;

use super::cells::{
    CURRENT_HINT, MatchTabs, PAIR_ROW, PAIR_THUMB, header_ui, tab_table, text_column,
};
use crate::gui::user_grid::title_text;
use crate::import::Choices;

const USERS_WITHOUT_COLUMNS: [(&str, &str); 6] = [
    ("Current", CURRENT_HINT),
    ("User", ""),
    ("Logon name", ""),
    ("E-mail", ""),
    ("Title · Department", ""),
    ("", ""),
];

impl MatchTabs<'_> {
    pub(super) fn users_without_ui(mut self, ui: &mut egui::Ui, choices: &Choices) {
        let without = choices.users_without_file();
        let read = choices.key_attributes();
        if choices.users_without_key() > 0 {
            ui.weak(format!(
                "{} of these have no {read} in the directory, so no file name can match them.",
                choices.users_without_key()
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
                        if choices.lacks_key(u) {
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
}
