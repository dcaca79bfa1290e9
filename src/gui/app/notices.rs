//! Notices: the banner about imports that stopped before their end, and the toast with Undo
//! after a one-user change.

use super::App;
use crate::gui::toast::ToastAction;
use crate::gui::worker::Command;

impl App {
    /// The notice about imports that never finished (the app was closed or crashed mid-way).
    /// A banner under the toolbar rather than a floating window: it stays readable beside the
    /// connect dialog and never covers it.
    pub(super) fn unfinished_ui(&mut self, root: &mut egui::Ui) {
        let mut dismiss = false;
        let mut undo = None;
        let connected = self.connection.is_some();
        egui::Panel::top("unfinished-imports").show(root, |ui| {
                ui.add_space(4.0);
                ui.strong("Unfinished imports");
                ui.label("These imports stopped before the end. Each can be undone: every user it wrote is checked and put back as they were (users whose photo was changed since are left alone).");
                for j in &self.unfinished {
                    ui.horizontal(|ui| {
                        ui.label(capitalise(&j.describe()));
                        if ui
                            .add_enabled(connected, egui::Button::new("Undo"))
                            .on_disabled_hover_text("Connect to the directory it was written to first")
                            .clicked()
                        {
                            undo = Some(j.path.clone());
                        }
                    });
                }
                if ui.button("Keep them").clicked() {
                    dismiss = true;
                }
                ui.add_space(4.0);
            });
        if let Some(j) = undo {
            self.unfinished.retain(|s| s.path != j);
            self.worker.send(Command::Undo(j));
        }
        if dismiss {
            self.unfinished.clear();
        }
    }

    /// The note with Undo after a one-user change (hidden while the wizard is open).
    pub(super) fn toast_ui(&mut self, ctx: &egui::Context, area: egui::Rect) {
        let Some(toast) = self.toast.as_mut().filter(|_| self.wizard.is_none()) else {
            return;
        };
        match toast.ui(ctx, area) {
            Some(ToastAction::Undo) => {
                let user = toast.user.clone();
                self.toast = None;
                let shown = self.grid.selected_users().iter().any(|u| u.dn == user.dn);
                let restore = Command::RestorePhoto {
                    user: Box::new(user),
                    record: None,
                };
                if shown {
                    self.change_photo(restore);
                } else {
                    self.worker.send(restore);
                }
            }
            Some(ToastAction::Close) => self.toast = None,
            None => {}
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
