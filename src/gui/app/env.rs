//! How the app starts (folders, demo, pre-filled fields) and what it remembers between runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::gui::connect_dialog::ConnectPrefs;
use crate::gui::user_grid::GridPrefs;

/// Where the app keeps its files, and how it starts.
#[derive(Debug, Clone)]
pub struct AppEnv {
    /// Backups, the demo directory and offline change files.
    pub data_dir: PathBuf,
    /// Saved profiles.
    pub config_dir: PathBuf,
    /// Open the demo directory at once (`adphoto --demo`, `ADPHOTO_DEMO=1`).
    pub start_demo: bool,
    /// Open this LDIF export at once (`adphoto --ldif FILE`).
    pub start_ldif: Option<PathBuf>,
    /// Connect-dialog fields given on the command line (`--server`, `--user`, `--ca-file`).
    pub prefill: Prefill,
    /// Use adphoto's own file chooser from the start (`ADPHOTO_FILE_CHOOSER=builtin`; it is
    /// used anyway once the system's dialog fails to open).
    pub own_file_chooser: bool,
    /// Look for a domain controller in DNS (SRV records of this computer's DNS domain) to
    /// suggest in the connect dialog. Off in tests: they make no connection beyond loopback.
    pub discover_dc: bool,
}

/// Fields of the connect dialog given on the command line; they win over the remembered ones.
#[derive(Debug, Clone, Default)]
pub struct Prefill {
    pub server: Option<String>,
    pub user: Option<String>,
    pub ca_file: Option<PathBuf>,
}

impl AppEnv {
    /// The platform's folders (or `ADPHOTO_DATA_DIR` / `ADPHOTO_CONFIG_DIR`).
    pub fn from_system() -> Self {
        Self {
            data_dir: crate::data_folder::DataFolder::from_env()
                .root()
                .to_path_buf(),
            config_dir: crate::settings::config_dir(),
            start_demo: false,
            start_ldif: None,
            prefill: Prefill::default(),
            own_file_chooser: std::env::var("ADPHOTO_FILE_CHOOSER").is_ok_and(|v| v == "builtin"),
            discover_dc: true,
        }
    }

    /// Whether to ask DNS for a domain controller at start: not for a window opened straight
    /// into the demo directory or an LDIF export, which needs none (and so `adphoto --demo`, as
    /// the installers' smoke tests start it, sends nothing onto the network).
    pub fn asks_dns_at_start(&self) -> bool {
        self.discover_dc && !self.start_demo && self.start_ldif.is_none()
    }

    /// Private folders under `root` (tests).
    pub fn in_dir(root: &Path) -> Self {
        Self {
            data_dir: root.join("data"),
            config_dir: root.join("config"),
            start_demo: false,
            start_ldif: None,
            prefill: Prefill::default(),
            own_file_chooser: false,
            discover_dc: false,
        }
    }
}

/// What the window remembers between runs (eframe persistence). Never a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub connect: ConnectPrefs,
    pub grid: GridPrefs,
    pub include_sub_ous: bool,
    /// Light, dark, or the system's (the default).
    #[serde(default)]
    pub theme: egui::ThemePreference,
    /// The import wizard's last folder, pattern or mapping file and size, per profile.
    #[serde(default)]
    pub imports: crate::gui::wizard::ImportMemories,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            connect: ConnectPrefs::default(),
            grid: GridPrefs::default(),
            include_sub_ous: true,
            theme: egui::ThemePreference::System,
            imports: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_is_asked_only_for_a_window_that_may_connect() {
        let mut env = AppEnv::in_dir(Path::new("/tmp/x"));
        assert!(!env.asks_dns_at_start(), "off in tests");
        env.discover_dc = true;
        assert!(env.asks_dns_at_start());
        env.start_demo = true;
        assert!(!env.asks_dns_at_start());
        env.start_demo = false;
        env.start_ldif = Some("export.ldif".into());
        assert!(!env.asks_dns_at_start());
    }
}
