//! adphoto's own file chooser, in the window: used when the system's file dialog cannot open
//! (on Linux it needs an XDG desktop portal or zenity, which minimal desktops, admin VMs and
//! remote X sessions often lack) — so Set photo…, Export photo…, the CA file, Open LDIF file…,
//! the wizard's folder and the reports are never out of reach. `egui_file` draws it.

use std::path::{Path, PathBuf};

use egui_file::FileDialog;

use super::worker::FilePurpose;
use crate::matching;

/// The chooser open for one purpose, if any.
#[derive(Default)]
pub struct FileChooser {
    open: Option<(FilePurpose, FileDialog)>,
}

impl FileChooser {
    /// Opens the chooser for `purpose`, starting in `start` (else the home folder).
    pub fn open(&mut self, purpose: FilePurpose, start: Option<&Path>) {
        let mut dialog = dialog_for(&purpose)
            .default_size([620.0, 420.0])
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show_new_folder(false)
            .show_rename(false)
            .keep_on_top(true);
        if let Some(dir) = start.map(Path::to_path_buf).or_else(home) {
            dialog = dialog.initial_path(dir);
        }
        dialog.open();
        self.open = Some((purpose, dialog));
    }

    /// Draws the chooser; the purpose and path once one is chosen. Cancel or Esc closes it.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<(FilePurpose, PathBuf)> {
        let (_, dialog) = self.open.as_mut()?;
        let chosen = dialog
            .show(ctx)
            .selected()
            .then(|| dialog.path().map(Path::to_path_buf));
        let still_open = dialog.visible();
        match chosen {
            Some(path) => {
                let (purpose, _) = self.open.take()?;
                path.map(|p| (purpose, p))
            }
            None => {
                if !still_open {
                    self.open = None;
                }
                None
            }
        }
    }
}

fn home() -> Option<PathBuf> {
    directories::UserDirs::new().map(|d| d.home_dir().to_path_buf())
}

/// Shows folders and the files whose extension is one of `exts` (any case).
fn only(exts: &'static [&'static str]) -> egui_file::Filter<PathBuf> {
    Box::new(move |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
    })
}

/// The same titles and filters as the system dialogs (`worker::dialogs`).
fn dialog_for(purpose: &FilePurpose) -> FileDialog {
    match purpose {
        FilePurpose::SetPhoto(_) | FilePurpose::SetCloudPhoto(_) => FileDialog::open_file()
            .title("Choose a photo")
            .show_files_filter(only(matching::IMAGE_EXTENSIONS)),
        FilePurpose::ExportPhoto { suggested, .. } => FileDialog::save_file()
            .title("Save the photo")
            .default_filename(suggested.clone()),
        FilePurpose::CaFile => FileDialog::open_file()
            .title("Choose the CA certificate (PEM)")
            .show_files_filter(only(&["pem", "crt", "cer"])),
        FilePurpose::Ldif => FileDialog::open_file()
            .title("Open an LDIF export")
            .show_files_filter(only(&["ldif", "ldf"])),
        FilePurpose::ImportFolder => FileDialog::select_folder()
            .title("Choose the folder of photos")
            .open_button_text("Choose this folder".into()),
        FilePurpose::ExportFolder(_) => FileDialog::select_folder()
            .title("Choose the folder to save the photos in")
            .open_button_text("Save here".into()),
        FilePurpose::ImportReport => FileDialog::save_file()
            .title("Save the import report")
            .default_filename("import-report.csv"),
        FilePurpose::SyncProfile => FileDialog::save_file()
            .title("Save the nightly sync profile")
            .default_filename("nightly-sync.toml"),
        FilePurpose::ImportMap => FileDialog::open_file()
            .title("Choose the mapping file (CSV)")
            .show_files_filter(only(&["csv", "txt"])),
    }
}
