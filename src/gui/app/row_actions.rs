//! What the grid's row menu, Ctrl+C and Ctrl+V do, for the selected users.

use std::sync::Arc;

use super::App;
use crate::gui::preview::PreviewAction;
use crate::gui::user_grid::RowAction;
use crate::gui::worker::{Command, FilePurpose};

/// A photo copied in the grid: written as it is to the users it is pasted on.
pub(crate) struct CopiedPhoto {
    pub name: String,
    pub jpeg: Arc<Vec<u8>>,
    /// The picture put on the system's clipboard with it: pasting that same picture back
    /// pastes the exact stored photo, not a re-encoded screenshot of it.
    pub image: Option<Arc<egui::ColorImage>>,
}

impl App {
    pub(super) fn row_action(&mut self, action: RowAction) {
        let users: Vec<_> = self.grid.selected_users().into_iter().cloned().collect();
        let Some(first) = users.first().cloned() else {
            return;
        };
        let one = users.len() == 1;
        match action {
            RowAction::SetPhoto if one => self.preview_action(PreviewAction::SetPhoto),
            RowAction::EditPhoto if one => {
                self.worker.send(Command::EditPhoto(Box::new(first)));
            }
            RowAction::Export if one => self.preview_action(PreviewAction::ExportPhoto),
            RowAction::Export => {
                self.pick(FilePurpose::ExportFolder(
                    users.into_iter().map(|u| u.dn).collect(),
                ));
            }
            RowAction::Remove if one => self.preview_action(PreviewAction::RemovePhoto),
            RowAction::Remove => {
                let users: Vec<_> = users
                    .into_iter()
                    .filter(|u| u.photo_bytes.is_some())
                    .collect();
                if users.is_empty() {
                    self.status.ok("None of the selected users has a photo.");
                } else {
                    self.worker.send(Command::RemovePhotos(users));
                }
            }
            RowAction::Restore if one => self.preview_action(PreviewAction::Restore(None)),
            RowAction::Copy if one && first.photo_bytes.is_some() => {
                self.worker.send(Command::CopyPhoto(Box::new(first)));
            }
            RowAction::Copy => self.status.ok("Select one user with a photo to copy it."),
            RowAction::Paste => match &self.copied {
                Some(c) => {
                    let jpeg = c.jpeg.clone();
                    self.status.ok(format!(
                        "Pasting the photo of {} on {} users…",
                        c.name,
                        users.len()
                    ));
                    self.worker.send(Command::PastePhoto { users, jpeg });
                }
                None => self.status.ok(
                    "Nothing to paste: copy a user's photo first (Ctrl+C), or copy an image \
                     in another program.",
                ),
            },
            _ => self.status.ok("Select one user for this."),
        }
    }

    /// An image from the system's clipboard: our own copied photo pastes as it is on the
    /// selection; any other picture opens the crop canvas for the one selected user.
    pub(super) fn paste_image(&mut self, image: Arc<egui::ColorImage>) {
        let ours = self
            .copied
            .as_ref()
            .and_then(|c| c.image.as_ref())
            .is_some_and(|mine| mine.size == image.size && mine.pixels == image.pixels);
        if ours {
            return self.row_action(RowAction::Paste);
        }
        match self.grid.selected_users().as_slice() {
            [one] => {
                let user = Box::new((*one).clone());
                self.worker.send(Command::PasteImage { user, image });
            }
            _ => self
                .status
                .ok("Select one user to paste a picture on (it opens the crop canvas)."),
        }
    }

    /// The photo read for "Copy photo": kept, and put on the system's clipboard as a picture.
    pub(super) fn photo_copied(
        &mut self,
        ctx: &egui::Context,
        name: String,
        jpeg: Arc<Vec<u8>>,
        image: Option<crate::photo::Thumbnail>,
    ) {
        let image = image.map(|t| {
            Arc::new(egui::ColorImage::from_rgba_unmultiplied(
                [t.width as usize, t.height as usize],
                &t.rgba,
            ))
        });
        if let Some(img) = &image {
            ctx.copy_image((**img).clone());
        }
        self.status.ok(format!(
            "Photo of {name} copied: select users and paste it (Ctrl+V or the row menu)."
        ));
        self.copied = Some(CopiedPhoto { name, jpeg, image });
    }
}
