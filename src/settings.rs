//! Profiles and preferences in the platform's config dir. Never passwords.

use std::path::PathBuf;

/// The app's data folder (backups, journals, offline change files): `ADPHOTO_DATA_DIR` when set
/// (tests, portable use), else the platform's (`~/.local/share/adphoto`, `%APPDATA%\adphoto\data`).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ADPHOTO_DATA_DIR") {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "adphoto")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("adphoto"))
}
