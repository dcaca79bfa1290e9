//! What the worker reports: each reply goes to the view that asked ([`Owner`]); what an
//! import or an undo means for the whole window (status bar, the list, the notices) is done
//! here whoever asked.

use super::App;
use crate::gui::toast::Toast;
use crate::gui::worker::{CloudChange, Event, FilePurpose, Owner, Reply, ReqId};

impl App {
    /// "ldaps://dc1:636, DC=example,DC=com": where a change went, for the notices.
    fn connection_place(&self) -> String {
        match &self.connection {
            Some(c) => format!("{}, {}", c.target, c.base_dn),
            None => "the directory".into(),
        }
    }

    /// A file or folder was chosen, in the system's dialog or adphoto's own.
    pub(super) fn file_picked(&mut self, purpose: FilePurpose, path: std::path::PathBuf) {
        match purpose {
            FilePurpose::SetPhoto(dn) => self.crop_photo_from_file(&dn, path),
            FilePurpose::SetCloudPhoto(dn) => self.change_cloud_photo(&dn, CloudChange::Set(path)),
            FilePurpose::ExportPhoto { dn, .. } => self.export_photo_to(&dn, path),
            FilePurpose::CaFile => self.connect.set_ca_file(path),
            FilePurpose::Ldif => self.open_ldif(path),
            FilePurpose::ImportFolder => self.set_import_folder(&path),
            FilePurpose::ImportReport => self.save_import_report(path),
            FilePurpose::ExportFolder(dns) => self.export_photos_to(&dns, path),
            FilePurpose::ImportMap => self.set_import_map(&path),
            FilePurpose::SyncProfile => self.save_sync_profile(path),
        }
    }

    /// One reply from the worker.
    pub(super) fn on_reply(&mut self, ctx: &egui::Context, reply: Reply) {
        let Reply { id, owner, event } = reply;
        self.note(&event);
        let rest = match owner {
            Owner::App => Some(event),
            Owner::Wizard => match &mut self.wizard {
                Some(w) => w.handle(ctx, id, event),
                None => None,
            },
            Owner::PhotoCanvas => match &mut self.set_photo_crop {
                Some((_, _, canvas)) => canvas.handle(ctx, id, event),
                None => None,
            },
        };
        let was = self.cloud.signed_in().is_some();
        let rest = rest.and_then(|e| self.cloud.handle(id, e));
        if let Some(tenant) = self.cloud.signed_in().filter(|_| !was) {
            self.status
                .ok(format!("Signed in to Microsoft 365 ({tenant})."));
            // The photo panel shows the cloud photo beside the directory's from now on.
            self.preview_reload();
        }
        if let Some(event) = rest {
            self.handle(ctx, id, event);
        }
    }

    /// What an import or an undo means for the whole window, from the wizard or the notice.
    fn note(&mut self, event: &Event) {
        match event {
            Event::ImportDone(report) => {
                let failed = report.failed() > 0 || report.unreachable.is_some();
                self.status.pin(
                    format!(
                        "Import into {}: {}.",
                        self.connection_place(),
                        report.counts()
                    ),
                    failed,
                );
                self.thumbs.clear();
                self.load_users();
            }
            Event::Undone(result) => {
                let place = self.connection_place();
                match result {
                    Ok(r) if r.complete() => self.status.pin(
                        format!("Import undone in {place}: {}.", r.describe()),
                        false,
                    ),
                    Ok(r) => self.status.pin(
                        format!("Import partly undone in {place}: {}.", r.describe()),
                        true,
                    ),
                    Err(e) => self.status.pin(e.clone(), true),
                }
                // An undo that left users behind is offered again (read on the worker, not here).
                if let Ok(r) = result
                    && r.summary.is_unfinished()
                    && !self.unfinished.iter().any(|u| u.path == r.summary.path)
                {
                    self.unfinished.push(r.summary.clone());
                }
                self.thumbs.clear();
                self.load_users();
            }
            _ => {}
        }
    }

    /// An event of the app's own requests, or one a view had no use for.
    fn handle(&mut self, ctx: &egui::Context, id: ReqId, ev: Event) {
        match ev {
            Event::Connected(info) => {
                if self.connect_request != Some(id) {
                    return;
                }
                self.connect.busy = false;
                self.connect.error = None;
                self.status.ok(format!(
                    "Connected: {} ({})",
                    info.target,
                    info.kind.label()
                ));
                self.tree.reset(&info.base_dn, &self.worker);
                self.users_base = Some(info.base_dn.clone());
                self.connection = Some(info);
                self.grid.clear();
                self.preview.clear();
                self.thumbs.clear();
                self.load_users();
            }
            Event::ConnectFailed { message, cert } => {
                if self.connect_request != Some(id) {
                    return;
                }
                self.connect.busy = false;
                self.status.job = None;
                self.connect.failed(message, cert);
            }
            Event::Children { dn, result } => self.tree.loaded(id, dn, result),
            Event::Users(result) => {
                if self.users_request != Some(id) {
                    return;
                }
                self.status.job = None;
                self.grid.loading = false;
                match result {
                    Ok(users) => {
                        let n = users.len();
                        self.grid.set_users(users);
                        if let Some(dn) = self.keep_selected.take() {
                            self.grid.select_dn(&dn);
                            self.preview.clear();
                        }
                        self.selection_changed();
                        let noun = crate::gui::user_grid::which_noun(self.grid.prefs.which);
                        self.status.ok(format!("{n} {noun} loaded."));
                    }
                    Err(e) => self.status.error(e),
                }
            }
            Event::Thumb { dn, image } => {
                // The worker reads and decodes in one go; either failing means nothing to show.
                let image = image.ok_or_else(|| "no photo, or it cannot be shown".to_string());
                self.thumbs.insert(ctx, dn, image);
            }
            Event::Preview {
                dn,
                photo,
                history,
                error,
                can_write,
            } => {
                // The panel shows the answer to its last question only (a user clicked past
                // is not shown late); a photo change answers with its own id.
                if self.preview_request != Some(id) && self.photo_job != Some(id) {
                    return;
                }
                self.preview.loaded(ctx, &dn, photo, history, error);
                self.preview.set_can_write(&dn, can_write);
                self.photo_job.take_if(|j| *j == id);
            }
            Event::CloudPreview {
                dn,
                photo,
                last_change,
            } => {
                if self.preview_request == Some(id) {
                    self.preview.cloud_loaded(ctx, &dn, photo, last_change);
                    self.photo_job.take_if(|j| *j == id);
                }
            }
            Event::PhotoChanged {
                dn,
                photo_bytes,
                message,
                undo,
            } => {
                self.grid.set_photo_bytes(&dn, photo_bytes);
                self.thumbs.invalidate(&dn);
                self.toast = undo.and_then(|text| {
                    let user = self.grid.users().iter().find(|u| u.dn == dn)?.clone();
                    Some(Toast::new(user, text))
                });
                self.status.ok(message);
            }
            Event::JobStarted { text, cancellable } => {
                self.cancellable = cancellable.then_some(id);
                self.status.job = Some((text, cancellable));
            }
            Event::JobFailed(e) => {
                // Only the photo change's own failure means the panel must look again.
                if self.photo_job.take_if(|j| *j == id).is_some() {
                    self.preview_reload();
                }
                self.status.error(e);
            }
            Event::JobDone(m) => self.status.ok(m),
            Event::Profiles { result, hint } => self.connect.profiles_loaded(result, hint),
            Event::ProfilesSaved { saved, result } => self.connect.saved(saved, result),
            Event::Unfinished(found) => {
                for s in found {
                    if !self.unfinished.iter().any(|u| u.path == s.path) {
                        self.unfinished.push(s);
                    }
                }
            }
            Event::PhotoCopied { name, jpeg, image } => self.photo_copied(ctx, name, jpeg, image),
            Event::CropReady { dn, file } => self.crop_photo_from_file(&dn, file),
            Event::ServerSuggested(Some(hint)) => self.connect.offer_hint(hint),
            Event::ServerSuggested(None) => {}
            Event::FilePicked {
                purpose,
                path,
                native_failed,
            } => match path {
                Some(path) => self.file_picked(purpose, path),
                None if native_failed => {
                    self.own_file_chooser = true;
                    self.status.ok(
                        "The system's file dialog could not open (no desktop portal or zenity): \
                         adphoto's own file chooser is used instead.",
                    );
                    self.chooser.open(purpose, None);
                }
                None => {}
            },
            // Their effects on the whole window are in `note`; the rest is the wizard's.
            Event::ImportDone(_) | Event::Undone(_) | Event::ImportProgress(_) => {}
            // Answers for a wizard or a canvas closed since.
            Event::FileThumb { .. }
            | Event::Scanned(_)
            | Event::Matched(_)
            | Event::Suggested(_)
            | Event::Encoded(_)
            | Event::CropLoaded(_)
            | Event::CropEncoded(_)
            | Event::PhotoRights(_)
            | Event::Foreseen(_)
            | Event::CloudDeviceCode { .. }
            | Event::CloudSignedIn(_) => {}
            Event::Cancelled => {
                if self.connect_request == Some(id) {
                    self.connect.busy = false;
                }
                if self.users_request == Some(id) {
                    self.grid.loading = false;
                }
                self.cancellable.take_if(|c| *c == id);
                self.status.ok("Cancelled.");
            }
        }
    }
}
