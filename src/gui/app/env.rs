//! How the app starts (folders, demo, pre-filled fields) and what it remembers between runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::gui::connect_dialog::ConnectPrefs;
use crate::gui::user_grid::GridPrefs;

/// Set (to anything but empty or `0`), the window asks DNS for no domain controller at start:
/// for tests and by-hand runs that must send nothing beyond loopback (`./dev.sh test` and
/// `./dev.sh screenshot` set it).
pub const NO_DISCOVERY_VAR: &str = "ADPHOTO_NO_DISCOVERY";

/// Whether start-up discovery is on, given the value of [`NO_DISCOVERY_VAR`].
pub fn discovery_wanted(no_discovery: Option<&std::ffi::OsStr>) -> bool {
    no_discovery.is_none_or(|v| v.is_empty() || v == "0")
}

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
    /// suggest in the connect dialog. Off in tests, and with `ADPHOTO_NO_DISCOVERY=1`: they
    /// make no connection beyond loopback.
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
            discover_dc: discovery_wanted(std::env::var_os(NO_DISCOVERY_VAR).as_deref()),
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
    /// The Microsoft 365 sign-in's tenant, client id, cloud and CA file (no secret, no token).
    #[serde(default)]
    pub cloud: crate::gui::cloud_sign_in::CloudPrefs,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            connect: ConnectPrefs::default(),
            grid: GridPrefs::default(),
            include_sub_ous: true,
            theme: egui::ThemePreference::System,
            imports: Default::default(),
            cloud: Default::default(),
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

    #[test]
    fn no_discovery_variable_turns_start_up_dns_off() {
        use std::ffi::OsStr;
        assert!(discovery_wanted(None), "on by default");
        assert!(
            discovery_wanted(Some(OsStr::new(""))),
            "an empty value is unset"
        );
        assert!(discovery_wanted(Some(OsStr::new("0"))));
        for v in ["1", "yes", "true"] {
            assert!(!discovery_wanted(Some(OsStr::new(v))), "{v}");
        }
    }

    #[test]
    fn the_window_started_with_no_discovery_asks_no_dns() {
        // The real start-up path (adphoto with no command) reads the variable; in a process of
        // its own, so that no other test sees the variable set.
        if std::env::var_os("ADPHOTO_ENV_TEST_CHILD").is_none() {
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "gui::app::env::tests::the_window_started_with_no_discovery_asks_no_dns",
                    "--nocapture",
                ])
                .env("ADPHOTO_ENV_TEST_CHILD", "1")
                .env(NO_DISCOVERY_VAR, "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{text}");
            assert!(text.contains("1 passed"), "the child ran the test: {text}");
            return;
        }
        let env = AppEnv::from_system();
        assert!(!env.discover_dc);
        assert!(!env.asks_dns_at_start());
    }
}
