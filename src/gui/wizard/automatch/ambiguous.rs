//! The "Ambiguous" tab: a title row per case, then a row per candidate user with their current
//! photo and details, and each of the case's files as a picture to choose (or none).

use egui_extras::Column;

use super::super::file_name;
use super::cells::{
    CASE_ROW, CURRENT_HINT, FACE_ROW, FACE_THUMB, MatchTabs, account_text, header_ui, tab_table,
    text_column,
};
use crate::gui::user_grid::title_text;
use crate::import::{Case, Choices};
use crate::matching::PhotoFile;

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

impl MatchTabs<'_> {
    pub(super) fn ambiguous_ui(mut self, ui: &mut egui::Ui, choices: &mut Choices) {
        if choices.cases().is_empty() {
            ui.weak("Nothing ambiguous.");
            return;
        }
        // (case, None) for its title, (case, Some(candidate)) for each of its users.
        let rows: Vec<(usize, Option<usize>)> = choices
            .cases()
            .iter()
            .enumerate()
            .flat_map(|(g, x)| {
                std::iter::once((g, None))
                    .chain((0..x.ambiguity.candidates.len()).map(move |c| (g, Some(c))))
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
                    let Some(case) = choices.cases().get(g) else {
                        return;
                    };
                    match c {
                        None => case_title_ui(row, case, self.files),
                        Some(c) => {
                            if let Some(file) = self.candidate_ui(row, case, c) {
                                choices.choose(g, c, file);
                            }
                        }
                    }
                });
            });
    }

    /// One candidate user of an ambiguous case, with the case's files to choose from; returns
    /// the new choice when one was clicked.
    fn candidate_ui(
        &mut self,
        mut row: egui_extras::TableRow<'_, '_>,
        case: &Case,
        c: usize,
    ) -> Option<Option<usize>> {
        let users = self.users;
        let a = &case.ambiguity;
        let (u, user) = a
            .candidates
            .get(c)
            .and_then(|&u| Some((u, users.get(u)?)))?;
        let before = *case.choice.get(c)?;
        let mut choice = before;
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
            ui.radio_value(&mut choice, None, "none");
            for &f in &a.files {
                ui.add_space(12.0);
                // The picture is what is chosen: a click on it picks it as well, and the
                // chosen one is framed.
                if let Some(r) = self.file_ui(ui, f, FACE_THUMB) {
                    if choice == Some(f) {
                        let stroke = ui.visuals().selection.stroke;
                        let frame = r.rect.expand(2.0);
                        ui.painter()
                            .rect_stroke(frame, 4.0, stroke, egui::StrokeKind::Outside);
                    }
                    if r.interact(egui::Sense::click()).clicked() {
                        choice = Some(f);
                    }
                }
                ui.radio_value(&mut choice, Some(f), file_name(&self.files[f].path));
            }
        });
        (choice != before).then_some(choice)
    }
}

/// An ambiguous case's title: the name its files and users share, and a warning when one
/// file is chosen for more than one user.
fn case_title_ui(mut row: egui_extras::TableRow<'_, '_>, case: &Case, files: &[PhotoFile]) {
    let a = &case.ambiguity;
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
            let times = case.choice.iter().filter(|&&c| c == Some(f)).count();
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
