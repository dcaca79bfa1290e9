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
    pub name: String,
    pub server: String,
    pub security: crate::directory::Security,
    /// Sign in with the current Kerberos/Windows user instead of a user name and password.
    pub kerberos: bool,
    pub user: String,
    pub ca_file: Option<PathBuf>,
    /// Certificate verification off (lab servers); shown plainly wherever the profile is used.
    pub insecure_skip_verify: bool,
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
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        Self {
            path: config_dir.into().join("profiles.json"),
        }
    }

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

/// A server to suggest, and where it was found (shown beside it, so a person can judge it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainHint {
    pub domain: String,
    pub source: String,
}

/// Realms that ship as examples in stock krb5.conf files (Debian's krb5-config writes
/// ATHENA.MIT.EDU when nobody answered its questions): never a domain this computer is in.
const STOCK_REALMS: [&str; 4] = ["athena.mit.edu", "example.com", "example.org", "mit.edu"];

/// The domain this computer belongs to, as a server to suggest: `USERDNSDOMAIN` on Windows, the
/// Kerberos default realm (`/etc/krb5.conf`, or `KRB5_CONFIG`) elsewhere — unless it is a stock
/// example. Lower case.
pub fn domain_hint() -> Option<DomainHint> {
    if cfg!(windows) {
        let domain = std::env::var("USERDNSDOMAIN").ok()?.trim().to_lowercase();
        return suggestable(&domain).then(|| DomainHint {
            domain,
            source: "found via USERDNSDOMAIN".into(),
        });
    }
    let path = std::env::var_os("KRB5_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/krb5.conf"));
    let text = std::fs::read_to_string(&path).ok()?;
    let domain = krb5_default_realm(&text)?.to_lowercase();
    suggestable(&domain).then(|| DomainHint {
        domain,
        source: format!("found via {} (default_realm)", path.display()),
    })
}

/// A real-looking domain: not empty, not a stock example realm.
pub fn suggestable(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    !d.is_empty() && !STOCK_REALMS.contains(&d.as_str())
}

/// `default_realm` from the `[libdefaults]` section of a krb5.conf.
pub fn krb5_default_realm(text: &str) -> Option<String> {
    let mut in_libdefaults = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            in_libdefaults = line.eq_ignore_ascii_case("[libdefaults]");
            continue;
        }
        if in_libdefaults
            && let Some((k, v)) = line.split_once('=')
            && k.trim().eq_ignore_ascii_case("default_realm")
        {
            let v = v.trim();
            return (!v.is_empty()).then(|| v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_example_realms_are_never_suggested() {
        let debian = "[libdefaults]\n\tdefault_realm = ATHENA.MIT.EDU\n";
        let realm = krb5_default_realm(debian).unwrap();
        assert!(!suggestable(&realm));
        assert!(!suggestable("example.com."));
        assert!(!suggestable("  "));
        assert!(suggestable("corp.example.test"));
    }

    #[test]
    fn realm_from_krb5_conf() {
        let conf = "[logging]\n default_realm = NOPE\n[libdefaults]\n  # c\n  dns_lookup_realm = false\n  default_realm = EXAMPLE.TEST\n[realms]\n";
        assert_eq!(krb5_default_realm(conf).as_deref(), Some("EXAMPLE.TEST"));
        assert_eq!(krb5_default_realm("[libdefaults]\n"), None);
    }

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
