//! The preview panel: the selected user's current photo, large, with its size and the actions
//! that change it.

use egui::{ColorImage, TextureHandle, TextureOptions};

use super::user_grid::human_bytes;
use super::worker::{CloudPhoto, PreviewPhoto};
use crate::directory::{BackupRecord, User};
use crate::import::NO_RIGHT;

/// What made a change, in a word or two: "import", "set", "undo", "restore".
fn what_did_it(r: &BackupRecord) -> String {
    let first = r.action.split_whitespace().next().unwrap_or("");
    match first {
        "" => "change".into(),
        other => other.to_string(),
    }
}

/// What the user asked for in the preview panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewAction {
    SetPhoto,
    RemovePhoto,
    ExportPhoto,
    /// Put back the state before adphoto's last change (`None`) or before the one given.
    Restore(Option<Box<BackupRecord>>),
    /// The same for the user's Microsoft 365 photo (signed in).
    SetCloudPhoto,
    RemoveCloudPhoto,
    RestoreCloudPhoto,
}

/// History entries shown under the photo (the rest are in the data folder).
const HISTORY_SHOWN: usize = 8;

/// The photo shown for one user.
#[derive(Default)]
pub struct Preview {
    dn: Option<String>,
    texture: Option<TextureHandle>,
    /// Width, height and bytes of the stored photo.
    info: Option<(u32, u32, usize)>,
    /// adphoto's changes to this user's photo, newest first.
    history: Vec<BackupRecord>,
    error: Option<String>,
    loading: bool,
    /// The server says the signed-in account may not change this photo.
    no_right: bool,
    /// The user's Microsoft 365 photo (shown when signed in).
    cloud: CloudShown,
    /// When adphoto last changed the Microsoft 365 photo (`None`: never, nothing to restore).
    cloud_last_change: Option<String>,
}

/// What the panel knows of the user's Microsoft 365 photo.
#[derive(Default)]
enum CloudShown {
    #[default]
    Loading,
    NoAccount,
    None,
    Photo {
        texture: TextureHandle,
        info: (u32, u32, usize),
    },
    Failed(String),
}

/// Each photo's side when the directory's and Microsoft 365's are shown side by side.
const PAIR_SIDE: f32 = 100.0;

/// Displayed side of the photo, in points.
pub const SHOW_SIDE: f32 = 192.0;

impl Preview {
    /// Starts showing `dn`; the photo follows from the worker.
    pub fn request(&mut self, dn: &str) {
        if self.dn.as_deref() != Some(dn) {
            *self = Self {
                dn: Some(dn.to_string()),
                loading: true,
                ..Default::default()
            };
        } else {
            self.loading = true;
        }
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn dn(&self) -> Option<&str> {
        self.dn.as_deref()
    }

    /// The stored photo's pixel size and bytes, once loaded.
    pub fn info(&self) -> Option<(u32, u32, usize)> {
        self.info
    }

    /// The shown user's DN when the server said the account may not change their photo.
    pub fn read_only_dn(&self) -> Option<&str> {
        self.dn.as_deref().filter(|_| self.no_right)
    }

    /// Whether the account may change the shown user's photo, as the server answered.
    pub fn set_can_write(&mut self, dn: &str, can_write: Option<bool>) {
        if self.dn.as_deref() == Some(dn) {
            self.no_right = can_write == Some(false);
        }
    }

    /// The worker's answer.
    pub fn loaded(
        &mut self,
        ctx: &egui::Context,
        dn: &str,
        photo: Option<PreviewPhoto>,
        history: Vec<BackupRecord>,
        error: Option<String>,
    ) {
        if self.dn.as_deref() != Some(dn) {
            return; // the selection moved on
        }
        self.loading = false;
        self.history = history;
        self.error = error;
        match photo {
            Some(p) => {
                self.texture = Some(texture(ctx, "preview", &p));
                self.info = Some((p.width, p.height, p.bytes));
            }
            None => {
                self.texture = None;
                self.info = None;
            }
        }
    }

    /// The worker's answer about the user's Microsoft 365 photo.
    pub fn cloud_loaded(
        &mut self,
        ctx: &egui::Context,
        dn: &str,
        photo: CloudPhoto,
        last_change: Option<String>,
    ) {
        if self.dn.as_deref() != Some(dn) {
            return;
        }
        self.cloud_last_change = last_change;
        self.cloud = match photo {
            CloudPhoto::NoAccount => CloudShown::NoAccount,
            CloudPhoto::None => CloudShown::None,
            CloudPhoto::Photo(p) => CloudShown::Photo {
                texture: texture(ctx, "preview-cloud", &p),
                info: (p.width, p.height, p.bytes),
            },
            CloudPhoto::Failed(e) => CloudShown::Failed(e),
        };
    }

    /// A change to the Microsoft 365 photo is on its way: that side shows loading until the
    /// worker's new answer (the directory's photo stays).
    pub fn cloud_reloading(&mut self, dn: &str) {
        if self.dn.as_deref() == Some(dn) {
            self.cloud = CloudShown::Loading;
        }
    }

    /// The line under the photos about the Microsoft 365 one.
    fn cloud_line(&self) -> Option<String> {
        Some(match &self.cloud {
            CloudShown::Loading => return None,
            CloudShown::NoAccount => "Microsoft 365: no account found for this user".into(),
            CloudShown::None => "Microsoft 365: no photo".into(),
            CloudShown::Photo {
                info: (w, h, bytes),
                ..
            } => format!("Microsoft 365: {w} × {h} px · {}", human_bytes(*bytes)),
            CloudShown::Failed(e) => format!("Microsoft 365: {e}"),
        })
    }

    /// `cloud`: signed in to Microsoft 365, so its photo is shown beside the directory's.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        selected: &[&User],
        busy: bool,
        cloud: bool,
    ) -> Option<PreviewAction> {
        let mut action = None;
        ui.heading("Photo");
        ui.add_space(4.0);
        let user = match selected {
            [] => {
                ui.weak("Select a user to see their photo.");
                return None;
            }
            [one] => *one,
            many => {
                ui.label(format!("{} users selected", many.len()));
                ui.weak("Select one user to see and change their photo; use Import… for many.");
                return None;
            }
        };
        ui.strong(user.label());
        if let Some(sam) = &user.sam_account_name {
            ui.weak(sam);
        }
        ui.add_space(6.0);
        if cloud {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.weak("Active Directory");
                    square(
                        ui,
                        PAIR_SIDE,
                        self.texture.as_ref(),
                        self.loading,
                        "No photo",
                        &format!("Active Directory photo of {}", user.label()),
                    );
                });
                ui.vertical(|ui| {
                    ui.weak("Microsoft 365")
                        .on_hover_text("The profile photo Outlook, Teams and the rest of Microsoft 365 show. Imports with Write to: Microsoft 365 or Both change it.");
                    let (tex, empty) = match &self.cloud {
                        CloudShown::Photo { texture, .. } => (Some(texture), ""),
                        CloudShown::NoAccount => (None, "No account"),
                        CloudShown::Failed(_) => (None, "Not shown"),
                        CloudShown::Loading | CloudShown::None => (None, "No photo"),
                    };
                    let loading = matches!(self.cloud, CloudShown::Loading);
                    square(
                        ui,
                        PAIR_SIDE,
                        tex,
                        loading,
                        empty,
                        &format!("Microsoft 365 photo of {}", user.label()),
                    );
                });
            });
        } else {
            square(
                ui,
                SHOW_SIDE,
                self.texture.as_ref(),
                self.loading,
                "No photo",
                &format!("Photo of {}", user.label()),
            );
        }
        ui.add_space(4.0);
        match self.info {
            Some((w, h, bytes)) => {
                let size = format!("{w} × {h} px · {} ({bytes} bytes)", human_bytes(bytes));
                ui.label(if cloud {
                    format!("Active Directory: {size}")
                } else {
                    size
                });
            }
            None if !self.loading => {
                ui.label("No photo");
            }
            None => {}
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if cloud && let Some(line) = self.cloud_line() {
            if matches!(self.cloud, CloudShown::Failed(_)) {
                ui.colored_label(ui.visuals().error_fg_color, line);
            } else {
                ui.label(line);
            }
        }
        ui.add_space(8.0);
        let has_photo = self.info.is_some();
        let may = !self.no_right;
        if self.no_right {
            ui.colored_label(ui.visuals().warn_fg_color, "Read only: no right to change")
                .on_hover_text(NO_RIGHT);
        }
        ui.add_enabled_ui(!busy && !self.loading, |ui| {
            if ui
                .add_enabled(may, egui::Button::new("Set photo…"))
                .on_disabled_hover_text(NO_RIGHT)
                .on_hover_text("Choose an image file; it is cropped to a square, resized and written (the old photo is backed up). You can also drop a file on the user's row.")
                .clicked()
            {
                action = Some(PreviewAction::SetPhoto);
            }
            if ui
                .add_enabled(has_photo && may, egui::Button::new("Remove photo"))
                .on_hover_text("Removes the photo from the directory (a backup is kept)")
                .on_disabled_hover_text(if may { "This user has no photo" } else { NO_RIGHT })
                .clicked()
            {
                action = Some(PreviewAction::RemovePhoto);
            }
            if ui
                .add_enabled(has_photo, egui::Button::new("Export photo…"))
                .on_hover_text("Save the stored photo as a file")
                .clicked()
            {
                action = Some(PreviewAction::ExportPhoto);
            }
            let last = self.history.first();
            let hover = match last {
                Some(r) if r.had_photo() => format!(
                    "Put back the photo this user had before adphoto's last change ({}, {})",
                    what_did_it(r),
                    crate::clock::local_display(&r.taken_at)
                ),
                Some(r) => format!(
                    "This user had no photo before adphoto's last change ({}, {}): remove it again (it is saved first)",
                    what_did_it(r),
                    crate::clock::local_display(&r.taken_at)
                ),
                None => String::new(),
            };
            if ui
                .add_enabled(last.is_some() && may, egui::Button::new("Restore previous"))
                .on_hover_text(hover)
                .on_disabled_hover_text(if may {
                    "adphoto has not changed this user's photo yet"
                } else {
                    NO_RIGHT
                })
                .clicked()
            {
                action = Some(PreviewAction::Restore(None));
            }
        });
        if cloud && let Some(a) = self.cloud_actions_ui(ui, busy) {
            action = Some(a);
        }
        if !self.history.is_empty() {
            ui.add_space(8.0);
            if let Some(a) = self.history_ui(ui, busy || self.loading || self.no_right) {
                action = Some(a);
            }
        }
        action
    }

    /// Set, Remove and Restore previous for the Microsoft 365 photo, once the user's account
    /// is known. Whether the sign-in may change it is known only by trying (a refusal says
    /// which permission is missing), so there is no "read only" state to show before.
    fn cloud_actions_ui(&self, ui: &mut egui::Ui, busy: bool) -> Option<PreviewAction> {
        let has_photo = match self.cloud {
            CloudShown::Photo { .. } => true,
            CloudShown::None => false,
            CloudShown::Loading | CloudShown::NoAccount | CloudShown::Failed(_) => return None,
        };
        let mut action = None;
        ui.add_space(8.0);
        ui.weak("Microsoft 365 photo");
        ui.add_enabled_ui(!busy, |ui| {
            if ui
                .button("Set in Microsoft 365…")
                .on_hover_text("Choose an image file; it is fitted to 648 × 648 around the face and becomes the profile photo Outlook and Teams show (the old one is saved). The directory's photo is not changed.")
                .clicked()
            {
                action = Some(PreviewAction::SetCloudPhoto);
            }
            if ui
                .add_enabled(has_photo, egui::Button::new("Remove from Microsoft 365"))
                .on_hover_text("Removes the Microsoft 365 profile photo (it is saved first)")
                .on_disabled_hover_text("This user has no Microsoft 365 photo")
                .clicked()
            {
                action = Some(PreviewAction::RemoveCloudPhoto);
            }
            let hover = match &self.cloud_last_change {
                Some(when) => format!(
                    "Put back the Microsoft 365 photo this user had before adphoto's last change to it ({when}), or none if they had none"
                ),
                None => String::new(),
            };
            if ui
                .add_enabled(
                    self.cloud_last_change.is_some(),
                    egui::Button::new("Restore previous in Microsoft 365"),
                )
                .on_hover_text(hover)
                .on_disabled_hover_text("adphoto has not changed this user's Microsoft 365 photo yet")
                .clicked()
            {
                action = Some(PreviewAction::RestoreCloudPhoto);
            }
        });
        action
    }

    /// The last changes adphoto made to this photo, each with the state before it to go back to.
    fn history_ui(&self, ui: &mut egui::Ui, busy: bool) -> Option<PreviewAction> {
        let mut action = None;
        egui::CollapsingHeader::new(format!("History ({})", self.history.len()))
            .id_salt("photo-history")
            .default_open(true)
            .show(ui, |ui| {
                // As wide as the photo, so the panel keeps its width whatever the history says.
                ui.set_max_width(SHOW_SIDE);
                ui.weak("Before each change adphoto made:");
                for r in self.history.iter().take(HISTORY_SHOWN) {
                    let before = if r.had_photo() {
                        human_bytes(r.bytes)
                    } else {
                        "no photo".into()
                    };
                    ui.horizontal(|ui| {
                        ui.vertical(|ui| {
                            ui.small(crate::clock::local_display(&r.taken_at));
                            ui.label(format!("{}: {before}", what_did_it(r)))
                                .on_hover_text(&r.action);
                        });
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            if ui
                                .add_enabled(!busy, egui::Button::new("Restore").small())
                                .on_hover_text(if r.had_photo() {
                                    "Put this photo back (what is there now is saved first)"
                                } else {
                                    "Go back to no photo (what is there now is saved first)"
                                })
                                .clicked()
                            {
                                action = Some(PreviewAction::Restore(Some(Box::new(r.clone()))));
                            }
                        });
                    });
                }
                if self.history.len() > HISTORY_SHOWN {
                    ui.weak(format!(
                        "{} older entries are kept in the data folder.",
                        self.history.len() - HISTORY_SHOWN
                    ));
                }
            });
        action
    }
}

/// A worker's decoded photo as a texture.
fn texture(ctx: &egui::Context, name: &str, p: &PreviewPhoto) -> TextureHandle {
    let img = ColorImage::from_rgba_unmultiplied(
        [p.image.width as usize, p.image.height as usize],
        &p.image.rgba,
    );
    ctx.load_texture(name, img, TextureOptions::LINEAR)
}

/// A photo in a rounded square of `side` points: the picture fitted in, a spinner while it
/// loads, or `empty` in words; named for a screen reader `name` (with ": loading" or the
/// `empty` words when there is no picture).
fn square(
    ui: &mut egui::Ui,
    side: f32,
    tex: Option<&TextureHandle>,
    loading: bool,
    empty: &str,
    name: &str,
) {
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let said = match (tex, loading) {
        (Some(_), _) => name.to_string(),
        (None, true) => format!("{name}: loading"),
        (None, false) => format!("{name}: {}", empty.to_lowercase()),
    };
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &said));
    ui.painter()
        .rect_filled(rect, 6.0, ui.visuals().extreme_bg_color);
    if let Some(tex) = tex {
        let size = tex.size_vec2();
        let scale = side / size.x.max(size.y).max(1.0);
        let img_rect = egui::Rect::from_center_size(rect.center(), size * scale);
        egui::Image::from_texture(tex)
            .corner_radius(6.0)
            .paint_at(ui, img_rect);
    } else if loading {
        egui::Spinner::new().paint_at(
            ui,
            egui::Rect::from_center_size(rect.center(), egui::vec2(24.0, 24.0)),
        );
    } else {
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            empty,
            egui::FontId::proportional(if side < SHOW_SIDE { 13.0 } else { 16.0 }),
            ui.visuals().weak_text_color(),
        );
    }
}
