//! Profiles and preferences in the platform's config dir. Never passwords.

use std::path::PathBuf;

/// The app's config folder (saved connection profiles): `ADPHOTO_CONFIG_DIR` when set, else the
/// platform's (`~/.config/adphoto`, `%APPDATA%\adphoto\config`).
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ADPHOTO_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "adphoto")
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("adphoto-config"))
}

/// A saved way to connect. Holds no password, ever: sign-in asks for it each time.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Profile {
    /// What the connect dialog lists it as.
    pub name: String,
    /// Host name or URL of the domain controller.
    pub server: String,
    /// LDAPS, StartTLS or plain.
    pub security: crate::directory::Security,
    /// Sign in with the current Kerberos/Windows user instead of a user name and password.
    pub kerberos: bool,
    /// The account to sign in as (its password is asked for at each sign-in).
    pub user: String,
    /// A CA certificate (PEM) trusted for this server besides the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Certificate verification off (lab servers); shown plainly wherever the profile is used.
    pub insecure_skip_verify: bool,
    /// Where the tree starts; `None`: the domain the server names.
    pub base_dn: Option<String>,
    /// The one certificate trusted for this server (SHA-256), when it has no CA to vouch for it.
    #[serde(default)]
    pub pin_sha256: Option<String>,
}

/// The saved profiles, as `profiles.json` in a config folder.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// The store of the config folder `config_dir` (nothing is read until [`Self::load`]).
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        Self {
            path: config_dir.into().join("profiles.json"),
        }
    }

    /// The profiles file, for messages that name it.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The saved profiles; none when the file is missing. A damaged file is an error, not a loss.
    pub fn load(&self) -> Result<Vec<Profile>, String> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{} is damaged: {e}", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!("cannot read {}: {e}", self.path.display())),
        }
    }

    /// Writes the list (through a temporary file, so a crash never leaves half a file). Private
    /// like the data folder: profiles hold no secrets, but server and user names need no readers.
    pub fn save(&self, profiles: &[Profile]) -> Result<(), String> {
        let text = serde_json::to_string_pretty(profiles).map_err(|e| e.to_string())?;
        crate::data_folder::write_private(&self.path, text.as_bytes(), false)
            .map_err(|e| format!("cannot save {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_round_trip_without_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        assert!(store.load().unwrap().is_empty());
        let p = Profile {
            name: "lab".into(),
            server: "dc1.example.test".into(),
            user: "helpdesk@example.test".into(),
            ..Default::default()
        };
        store.save(std::slice::from_ref(&p)).unwrap();
        assert_eq!(store.load().unwrap(), vec![p]);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(!text.to_lowercase().contains("password"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
