//! The native file dialogs, run on the worker so the window keeps drawing while one is open.

use std::path::PathBuf;

use super::protocol::FilePurpose;
use crate::matching;

/// The native file dialog (rfd's async API: on macOS it runs on the main thread's event loop).
pub(super) async fn pick_file(purpose: &FilePurpose) -> Option<PathBuf> {
    let dialog = rfd::AsyncFileDialog::new();
    let handle = match purpose {
        FilePurpose::SetPhoto(_) | FilePurpose::SetCloudPhoto(_) => {
            dialog
                .set_title("Choose a photo")
                .add_filter(
                    "Images",
                    &matching::IMAGE_EXTENSIONS
                        .iter()
                        .flat_map(|e| [e.to_string(), e.to_uppercase()])
                        .collect::<Vec<_>>(),
                )
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
        FilePurpose::ExportPhoto { suggested, .. } => {
            dialog
                .set_title("Save the photo")
                .set_file_name(suggested)
                .add_filter("JPEG", &["jpg", "jpeg"])
                .save_file()
                .await
        }
        FilePurpose::CaFile => {
            dialog
                .set_title("Choose the CA certificate (PEM)")
                .add_filter("Certificates", &["pem", "crt", "cer"])
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
        FilePurpose::ImportFolder => {
            dialog
                .set_title("Choose the folder of photos")
                .pick_folder()
                .await
        }
        FilePurpose::ExportFolder(_) => {
            dialog
                .set_title("Choose the folder to save the photos in")
                .pick_folder()
                .await
        }
        FilePurpose::ImportReport => {
            dialog
                .set_title("Save the import report")
                .set_file_name("import-report.csv")
                .add_filter("CSV", &["csv"])
                .save_file()
                .await
        }
        FilePurpose::SyncProfile => {
            dialog
                .set_title("Save the nightly sync profile")
                .set_file_name("nightly-sync.toml")
                .add_filter("TOML", &["toml"])
                .save_file()
                .await
        }
        FilePurpose::ImportMap => {
            dialog
                .set_title("Choose the mapping file (CSV)")
                .add_filter("CSV", &["csv", "txt"])
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
        FilePurpose::Ldif => {
            dialog
                .set_title("Open an LDIF export")
                .add_filter("LDIF", &["ldif", "ldf"])
                .add_filter("All files", &["*"])
                .pick_file()
                .await
        }
    };
    handle.map(|h| h.path().to_path_buf())
}
