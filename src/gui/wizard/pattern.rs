//! Step 2: how the files are named: a preset or a pattern of attributes, with live examples.

use crate::directory::User;
use crate::matching::{self, Pattern};

pub(super) struct PatternStep {
    pub(super) text: String,
}

impl Default for PatternStep {
    fn default() -> Self {
        Self {
            text: matching::PRESETS[0].1.to_string(),
        }
    }
}

impl PatternStep {
    /// The pattern, checked against the wizard's users (the same check `adphoto match` makes).
    pub(super) fn parsed(&self, users: &[User]) -> Result<Pattern, String> {
        Pattern::parse_for(&self.text, users).map_err(|e| e.to_string())
    }

    pub(super) fn ui(&mut self, ui: &mut egui::Ui, users: &[User]) {
        ui.label("How are the files named?");
        egui::Grid::new("presets").num_columns(2).show(ui, |ui| {
            for (i, (label, pattern)) in matching::PRESETS.iter().enumerate() {
                if ui.radio(self.text == *pattern, *label).clicked() {
                    self.text = (*pattern).to_string();
                }
                if i % 2 == 1 {
                    ui.end_row();
                }
            }
        });
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let label = ui.label("Pattern:");
            ui.add(egui::TextEdit::singleline(&mut self.text).desired_width(360.0))
                .labelled_by(label.id);
        });
        ui.weak("Any attribute in braces, e.g. {givenName}.{sn} or {employeeID}; the extension does not matter.");
        ui.add_space(6.0);
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
