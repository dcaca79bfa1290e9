//! What the automatch tables share: their layout, column titles, and the cells that show a
//! file's picture or a user's current photo.

use std::path::Path;

use egui_extras::{Column, TableBuilder};

use super::super::file_name;
use crate::directory::User;
use crate::gui::thumbs::{DnThumbs, FileThumbs, Thumb};
use crate::gui::user_grid::title_text;
use crate::gui::worker::Worker;
use crate::matching::PhotoFile;

/// Height of a matching-table row, and the side of its thumbnails (points).
pub(super) const PAIR_ROW: f32 = 40.0;
pub(super) const PAIR_THUMB: f32 = 36.0;
/// Rows where a face is to be recognised (files without match, ambiguous cases) are taller,
/// with larger pictures.
pub(super) const FACE_ROW: f32 = 60.0;
pub(super) const FACE_THUMB: f32 = 52.0;
/// The small current photo beside a suggested or assigned user.
pub(super) const SMALL_THUMB: f32 = 22.0;
/// Height of an ambiguous case's title row, and of the "Assign to:" line.
pub(super) const CASE_ROW: f32 = 28.0;

/// What the picture columns show, on hover of their titles.
pub(super) const PICTURE_HINT: &str = "The picture in the file (point at it for a larger one)";
pub(super) const CURRENT_HINT: &str = "The user's photo in the directory now; — when there is none";

/// The automatch tabs: what their rows need besides the choices themselves.
pub(super) struct MatchTabs<'a> {
    pub files: &'a [PhotoFile],
    pub users: &'a [User],
    pub file_thumbs: &'a mut FileThumbs,
    pub user_thumbs: &'a mut DnThumbs,
    pub worker: &'a Worker,
    pub facts: &'a std::collections::HashMap<std::path::PathBuf, crate::photo::PhotoFacts>,
    /// The size the photos will be stored at (the Resize step's choice).
    pub target: Option<crate::photo::Target>,
}

impl MatchTabs<'_> {
    /// The picture in file `f` at `side` points (see [`file_thumb_ui`]).
    pub(super) fn file_ui(
        &mut self,
        ui: &mut egui::Ui,
        f: usize,
        side: f32,
    ) -> Option<egui::Response> {
        let path = &self.files.get(f)?.path;
        let thumb = self.file_thumbs.file(path, self.worker);
        file_thumb_ui(ui, thumb, path, side)
    }

    /// What to look at in file `f`'s picture (no face, a small face, too small), once known.
    pub(super) fn file_warnings(&self, f: usize) -> Vec<String> {
        let target = self.target.unwrap_or_else(crate::photo::Target::outlook);
        self.files
            .get(f)
            .and_then(|file| self.facts.get(&file.path))
            .map(|facts| crate::photo::photo_warnings(facts, &target))
            .unwrap_or_default()
    }

    /// Why file `f`'s picture could not be loaded, once it is known.
    pub(super) fn file_failure(&self, f: usize) -> Option<String> {
        let path = &self.files.get(f)?.path;
        self.file_thumbs.failure(path)
    }

    /// User `u`'s photo in the directory now, at `side` points.
    pub(super) fn current_ui(&mut self, ui: &mut egui::Ui, u: usize, side: f32) {
        if let Some(user) = self.users.get(u) {
            current_photo_ui(ui, user, self.user_thumbs, self.worker, side);
        }
    }
}

/// A tab's table: only the rows on screen are laid out, as tall as the room left.
pub(super) fn tab_table<'a>(ui: &'a mut egui::Ui, id: &str) -> TableBuilder<'a> {
    TableBuilder::new(ui)
        .id_salt(id)
        .striped(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .min_scrolled_height(0.0)
}

/// A resizable column of text that is cut short when it does not fit.
pub(super) fn text_column(initial: f32) -> Column {
    Column::initial(initial)
        .at_least(80.0)
        .clip(true)
        .resizable(true)
}

/// The column titles, each with what it means on hover.
pub(super) fn header_ui(mut row: egui_extras::TableRow<'_, '_>, columns: &[(&str, &str)]) {
    for &(title, hint) in columns {
        row.col(|ui| {
            let r = ui.strong(title);
            if !hint.is_empty() {
                r.on_hover_text(hint);
            }
        });
    }
}

/// Logon name and e-mail address, those the user has.
pub(super) fn account_text(u: &User) -> String {
    [u.sam_account_name.as_deref(), u.mail.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Logon name, e-mail, title and department on one line: what tells two people of the same
/// name apart.
pub(super) fn details_text(u: &User) -> String {
    [account_text(u), title_text(u)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A file's name, cut short to fit, with its whole path on hover.
pub(super) fn file_name_ui(ui: &mut egui::Ui, path: &Path) {
    ui.add(egui::Label::new(file_name(path)).truncate())
        .on_hover_text(path.display().to_string());
}

/// The file's picture at `side` points (larger, with its path, on hover), or a warning sign
/// whose tooltip says why it cannot be shown: the import would fail on it too, so the
/// helpdesk sees it here first.
fn file_thumb_ui(
    ui: &mut egui::Ui,
    thumb: Thumb<'_>,
    path: &Path,
    side: f32,
) -> Option<egui::Response> {
    let name = file_name(path);
    if let Thumb::Failed(why) = thumb {
        let text = format!("Cannot show {name}: {why}");
        ui.colored_label(ui.visuals().warn_fg_color, "⚠")
            .on_hover_text(format!(
                "{text}\nThe import would fail on it too: leave it out, or put a good file in its place."
            ))
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &text));
        return None;
    }
    let shown = thumb.ui(ui, side, &format!("Photo file {name}"))?;
    Some(match &thumb {
        Thumb::Ready(tex) => shown.on_hover_ui(|ui| {
            ui.add(egui::Image::from_texture(tex).fit_to_original_size(1.0));
            ui.weak(path.display().to_string());
        }),
        _ => shown,
    })
}

/// The user's photo in the directory now at `side` points, or a dash when there is none.
fn current_photo_ui(
    ui: &mut egui::Ui,
    user: &User,
    thumbs: &mut DnThumbs,
    worker: &Worker,
    side: f32,
) {
    let label = user.label();
    // A dash or a question mark takes the picture's room, so the columns beside stay in line.
    let sign = |ui: &mut egui::Ui, text: &str| {
        ui.add_sized(
            [side, side],
            egui::Label::new(egui::RichText::new(text).weak()),
        )
    };
    if user.photo_bytes.is_none() {
        sign(ui, "—")
            .on_hover_text("No photo in the directory yet")
            .widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Image,
                    true,
                    format!("No current photo of {label}"),
                )
            });
        return;
    }
    match thumbs.user(&user.dn, worker) {
        Thumb::Failed(why) => {
            sign(ui, "?").on_hover_text(why);
        }
        thumb => {
            thumb.ui(ui, side, &format!("Current photo of {label}"));
        }
    }
}
