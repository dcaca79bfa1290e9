//! The photo panel's side of the window: what it shows (asked of the worker by request id) and
//! its actions on the selected user's photos, in the directory and in Microsoft 365.

use super::App;
use crate::directory::User;
use crate::gui::preview::PreviewAction;
use crate::gui::worker::{CloudChange, Command, FilePurpose};

impl App {
    /// After a failed photo job, ask again what is stored now.
    pub(super) fn preview_reload(&mut self) {
        if let [one] = self.grid.selected_users().as_slice() {
            let user = (*one).clone();
            self.ask_preview(user);
        }
    }

    /// Shows `user` in the photo panel; the photo follows from the worker.
    pub(super) fn ask_preview(&mut self, user: User) {
        self.preview.request(&user.dn);
        self.preview_request = Some(self.worker.send(Command::Preview(Box::new(user))));
    }

    /// Sends a change to one user's photo (set, remove, restore): the panel waits for its
    /// answer, which brings the new photo.
    pub(super) fn change_photo(&mut self, cmd: Command) {
        let dn = match &cmd {
            Command::SetPhoto { user, .. }
            | Command::RemovePhoto(user)
            | Command::RestorePhoto { user, .. } => user.dn.clone(),
            _ => String::new(),
        };
        self.preview.request(&dn);
        let id = self.worker.send(cmd);
        self.photo_job = Some(id);
        self.preview_request = Some(id);
    }

    /// A change to the Microsoft 365 photo of the user with `dn` (the one shown): the panel
    /// shows the cloud side loading until the worker's new answer.
    pub(super) fn change_cloud_photo(&mut self, dn: &str, change: CloudChange) {
        let Some(user) = self.grid.users().iter().find(|u| u.dn == dn).cloned() else {
            return;
        };
        self.preview.cloud_reloading(dn);
        let id = self.worker.send(Command::CloudPhoto {
            user: Box::new(user),
            change,
        });
        self.photo_job = Some(id);
        self.preview_request = Some(id);
    }

    pub(super) fn preview_action(&mut self, action: PreviewAction) {
        let Some(user) = self.grid.selected_users().first().map(|u| (*u).clone()) else {
            return;
        };
        match action {
            PreviewAction::SetPhoto => {
                self.pick(FilePurpose::SetPhoto(user.dn));
            }
            PreviewAction::RemovePhoto => self.change_photo(Command::RemovePhoto(Box::new(user))),
            PreviewAction::ExportPhoto => {
                let suggested = format!(
                    "{}.jpg",
                    user.sam_account_name
                        .clone()
                        .unwrap_or_else(|| user.label())
                );
                self.pick(FilePurpose::ExportPhoto {
                    dn: user.dn,
                    suggested,
                });
            }
            PreviewAction::Restore(record) => self.change_photo(Command::RestorePhoto {
                user: Box::new(user),
                record,
            }),
            PreviewAction::SetCloudPhoto => self.pick(FilePurpose::SetCloudPhoto(user.dn)),
            PreviewAction::RemoveCloudPhoto => {
                self.change_cloud_photo(&user.dn, CloudChange::Remove)
            }
            PreviewAction::RestoreCloudPhoto => {
                self.change_cloud_photo(&user.dn, CloudChange::Restore)
            }
        }
    }
}
