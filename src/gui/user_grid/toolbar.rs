//! The grid's toolbar: which entries to list, the search box, the photo filter and the counts.

use super::{PhotoFilter, UserGrid, prefs};

impl UserGrid {
    /// The search box, filters and counts. Returns true when the user chose to list other
    /// entries (users, contacts, both): the listing must be read again.
    pub fn toolbar_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let which_before = self.prefs.which;
        // Wraps onto a second line in a narrow window rather than losing the counts.
        ui.horizontal_wrapped(|ui| {
            use crate::directory::Which;
            let l = ui.label("Show:");
            egui::ComboBox::from_id_salt("grid-which")
                .selected_text(prefs::which_label(self.prefs.which))
                .show_ui(ui, |ui| {
                    for w in [Which::Users, Which::Contacts, Which::Both] {
                        ui.selectable_value(&mut self.prefs.which, w, prefs::which_label(w));
                    }
                })
                .response
                .labelled_by(l.id)
                .on_hover_text("Contacts: address-book entries without an account (mail contacts); they can have a photo too");
            ui.separator();
            let l = ui.label("Search:");
            let search = ui
                .add(
                    egui::TextEdit::singleline(&mut self.search)
                        .hint_text("name, account, mail, title…")
                        .desired_width(ui.available_width().clamp(110.0, 160.0)),
                )
                .labelled_by(l.id)
                .on_hover_text(
                    "Shows only users whose name, account, mail, title or department contains \
                     this (Ctrl+F)",
                );
            if std::mem::take(&mut self.focus_search) {
                search.request_focus();
            }
            ui.separator();
            for f in [
                PhotoFilter::All,
                PhotoFilter::WithPhoto,
                PhotoFilter::WithoutPhoto,
            ] {
                ui.selectable_value(&mut self.prefs.filter, f, f.label());
            }
            ui.separator();
            let shown = self.view.len();
            let total = self.users.len();
            let sel = self.selected.len();
            let noun = prefs::which_noun(self.prefs.which);
            if shown == total {
                ui.label(format!("{total} {noun}"));
            } else {
                ui.label(format!("{shown} of {total} {noun}"));
            }
            ui.label(format!("{sel} selected")).on_hover_text(
                "Click selects, Ctrl-click adds or removes, Shift-click selects a range; \
                 ↑ ↓ Page Up/Down Home End move (with Shift: extend); \
                 Ctrl+A selects all shown, Esc clears",
            );
            if ui.ctx().input(|i| !i.raw.hovered_files.is_empty()) {
                ui.colored_label(
                    ui.visuals().selection.bg_fill,
                    "Drop the image on the user's row to make it their photo",
                );
            }
        });
        self.prefs.which != which_before
    }
}
