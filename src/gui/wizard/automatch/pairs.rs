//! The "Matching files" tab: each pair with both pictures and a tick to leave it out.

use egui_extras::Column;

use super::cells::{
    CURRENT_HINT, MatchTabs, PAIR_ROW, PAIR_THUMB, PICTURE_HINT, file_name_ui, header_ui,
    tab_table, text_column,
};
use crate::import::{Choices, Pair};

/// The matching table's column titles, with what they mean on hover.
const PAIR_COLUMNS: [(&str, &str); 6] = [
    ("", ""),
    ("New", PICTURE_HINT),
    ("Current", CURRENT_HINT),
    ("User", ""),
    ("File", ""),
    ("", ""),
];

impl MatchTabs<'_> {
    /// A virtualised table: only the rows on screen are laid out and ask for thumbnails, so
    /// thousands of pairs scroll smoothly and load only what is seen.
    pub(super) fn pairs_ui(mut self, ui: &mut egui::Ui, choices: &mut Choices) {
        include_all_ui(ui, choices);
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
                body.rows(PAIR_ROW, choices.pairs().len(), |mut row| {
                    let i = row.index();
                    if let Some(&p) = choices.pairs().get(i) {
                        let damage = choices.damage(p.file).map(str::to_string);
                        if let Some(on) = self.pair_row_ui(&mut row, p, damage.as_deref()) {
                            choices.include(i, on);
                        }
                    }
                });
            });
    }

    /// One pair; returns the tick when it was clicked. `damage`: why its file cannot be used.
    fn pair_row_ui(
        &mut self,
        row: &mut egui_extras::TableRow<'_, '_>,
        p: Pair,
        damage: Option<&str>,
    ) -> Option<bool> {
        let users = self.users;
        let (Some(user), Some(file)) = (users.get(p.user), self.files.get(p.file)) else {
            return None;
        };
        let label = user.label();
        let mut on = p.on;
        row.col(|ui| include_ui(ui, &mut on, &label));
        row.col(|ui| {
            self.file_ui(ui, p.file, PAIR_THUMB);
        });
        row.col(|ui| self.current_ui(ui, p.user, PAIR_THUMB));
        row.col(|ui| {
            ui.add(egui::Label::new(&label).truncate());
        });
        row.col(|ui| file_name_ui(ui, &file.path));
        let mut warnings = self.file_warnings(p.file);
        // Said, never acted on: what is written is the engine's plan, whichever rows were
        // scrolled into view (the import reports the file if it cannot be decoded).
        if let Some(why) = self.file_failure(p.file) {
            warnings.push(format!("cannot be shown: {why}"));
        }
        row.col(|ui| match damage {
            Some(why) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("cannot be used: {why}"),
                );
            }
            None => {
                if user.photo_bytes.is_some() {
                    ui.weak("replaces current photo (backed up)");
                }
                if !warnings.is_empty() {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("⚠ {}", warnings.join("; ")),
                    )
                    .on_hover_text("Look at it before importing: untick it to leave it out");
                }
            }
        });
        (on != p.on).then_some(on)
    }
}

/// "n of m included", with Select all / Select none.
fn include_all_ui(ui: &mut egui::Ui, choices: &mut Choices) {
    ui.horizontal(|ui| {
        let on = choices.pairs().iter().filter(|p| p.on).count();
        ui.label(format!("{on} of {} included", choices.pairs().len()));
        let all = ui.small_button("Select all").clicked();
        let none = ui.small_button("Select none").clicked();
        if all || none {
            choices.include_all(all);
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
