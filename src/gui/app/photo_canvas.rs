//! The crop canvas of "Set photo…", "Edit current photo" and a pasted picture: one user's new
//! photo, chosen by hand and written when applied.

use std::path::PathBuf;

use super::App;
use crate::gui::crop_canvas::{CropAction, CropCanvas};
use crate::gui::worker::{Command, Owner};
use crate::photo::Target;

impl App {
    /// Opens the crop canvas for a new photo of `dn` from `file` (what "Set photo…" does after
    /// its file dialog; tests call it directly). Apply writes the photo with that crop.
    pub fn crop_photo_from_file(&mut self, dn: &str, file: PathBuf) {
        let Some(user) = self.grid.users().iter().find(|u| u.dn == dn).cloned() else {
            self.status.error(format!("No such user in the list: {dn}"));
            return;
        };
        let canvas = CropCanvas::open(
            file.clone(),
            Target::outlook(),
            None,
            Owner::PhotoCanvas,
            &self.worker,
        );
        self.set_photo_crop = Some((user, file, canvas));
    }

    /// The crop canvas of "Set photo…", while open (tests).
    pub fn photo_crop(&self) -> Option<&CropCanvas> {
        self.set_photo_crop.as_ref().map(|(_, _, c)| c)
    }

    pub(super) fn photo_crop_ui(&mut self, ctx: &egui::Context) {
        let Some((user, file, canvas)) = &mut self.set_photo_crop else {
            return;
        };
        let mut action = None;
        egui::Window::new(format!("New photo of {}", user.label()))
            .collapsible(false)
            .resizable(false)
            // Pinned by its top edge (where its buttons are): a picture taller or shorter than
            // the last one must not move them.
            .anchor(egui::Align2::CENTER_TOP, [0.0, 40.0])
            .show(ctx, |ui| action = canvas.ui(ui, &self.worker));
        match action {
            Some(CropAction::Apply(crop, turns)) => {
                let user = user.clone();
                let file = file.clone();
                self.set_photo_crop = None;
                self.change_photo(Command::SetPhoto {
                    user: Box::new(user),
                    file,
                    crop: Some((crop, turns)),
                });
            }
            Some(CropAction::Cancel) => self.set_photo_crop = None,
            None => {}
        }
    }
}
