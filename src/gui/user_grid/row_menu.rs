//! The menu on a grid row (right-click, the Menu key or Shift+F10): the actions of the preview
//! panel, plus copy and paste, for the selection.

use super::GridAction;

/// What the menu (or Ctrl+C / Ctrl+V in the grid) asks for, on the selected users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    SetPhoto,
    EditPhoto,
    Export,
    Remove,
    Restore,
    Copy,
    Paste,
}

/// What the menu needs to know to offer only what can be done.
#[derive(Debug, Clone, Copy)]
pub struct MenuState {
    /// Users the action applies to (the selection, or the right-clicked row).
    pub users: usize,
    /// With one user: whether they have a photo.
    pub has_photo: bool,
    /// A photo was copied (Paste offered).
    pub can_paste: bool,
    /// The server said the account may not change this user's photo (known for the user shown
    /// in the photo panel): the writes are greyed out, saying why.
    pub read_only: bool,
}

/// The menu's items; returns the one chosen.
pub fn menu_ui(ui: &mut egui::Ui, m: MenuState) -> Option<RowAction> {
    let one = m.users == 1;
    let many = if one {
        String::new()
    } else {
        format!(" ({} users)", m.users)
    };
    let mut chosen = None;
    let may = !m.read_only;
    let mut item = |ui: &mut egui::Ui, enabled: bool, text: String, hint: &str, a: RowAction| {
        let writes = matches!(
            a,
            RowAction::SetPhoto
                | RowAction::EditPhoto
                | RowAction::Remove
                | RowAction::Restore
                | RowAction::Paste
        );
        let (enabled, why) = if writes && !may {
            (false, crate::import::NO_RIGHT)
        } else {
            (enabled, hint)
        };
        if ui
            .add_enabled(enabled, egui::Button::new(text))
            .on_hover_text(hint)
            .on_disabled_hover_text(why)
            .clicked()
        {
            chosen = Some(a);
        }
    };
    let hint_one = "Select one user for this";
    item(
        ui,
        one,
        "Set photo…".into(),
        if one {
            "Choose an image file, crop it, write it (the old photo is saved)"
        } else {
            hint_one
        },
        RowAction::SetPhoto,
    );
    item(
        ui,
        one && m.has_photo,
        "Edit current photo…".into(),
        if one {
            "Crop or turn the photo in the directory, then write it back (the old one is saved)"
        } else {
            hint_one
        },
        RowAction::EditPhoto,
    );
    item(
        ui,
        !one || m.has_photo,
        format!("Export…{many}"),
        "Save the stored photo(s) as JPEG files",
        RowAction::Export,
    );
    item(
        ui,
        !one || m.has_photo,
        format!("Remove photo{many}"),
        "Remove from the directory; each old photo is saved first",
        RowAction::Remove,
    );
    item(
        ui,
        one,
        "Restore previous".into(),
        if one {
            "Put back the photo before adphoto's last change"
        } else {
            hint_one
        },
        RowAction::Restore,
    );
    ui.separator();
    item(
        ui,
        one && m.has_photo,
        "Copy photo".into(),
        "Ctrl+C: copy this user's photo (to paste on others)",
        RowAction::Copy,
    );
    item(
        ui,
        m.can_paste,
        format!("Paste photo{many}"),
        "Ctrl+V: write the copied photo to the selected users (each old photo is saved)",
        RowAction::Paste,
    );
    if chosen.is_some() {
        ui.close();
    }
    chosen
}

/// Ctrl+C and Ctrl+V in the grid (egui turns them into these events): copy the selected user's
/// photo; paste the copied photo, or an image from the system's clipboard.
pub(super) fn clipboard_actions(ui: &egui::Ui) -> Vec<GridAction> {
    ui.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Copy => Some(GridAction::Row(RowAction::Copy)),
                egui::Event::Paste(_) => Some(GridAction::Row(RowAction::Paste)),
                egui::Event::PasteImage(img) => Some(GridAction::PasteImage(img.clone())),
                _ => None,
            })
            .collect()
    })
}
