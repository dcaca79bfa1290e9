//! A sync profile: what `adphoto sync` runs every night — the directory and its sign-in, the
//! OU, the folder and pattern (or mapping file), the size and where the photos go — as a TOML
//! file. Written by hand or by the window's Summary ("Save as nightly sync…"), read by the
//! command line, which runs it as the `adphoto import … --yes` it stands for. Never a password
//! or a secret: those come from the job's environment or Kerberos.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A sync profile as written in its TOML file. Never a password or a secret: those come from
/// the environment (ADPHOTO_PASSWORD, ADPHOTO_CLIENT_SECRET) or Kerberos.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncProfile {
    // The directory and the sign-in, as the connection options say.
    /// The directory server (`--server`): a DC, the domain, or a URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Who signs in (`--user`); the password comes from ADPHOTO_PASSWORD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Sign in with Kerberos (`--kerberos`) instead of a password.
    #[serde(default, skip_serializing_if = "is_false")]
    pub kerberos: bool,
    /// `ldaps`, `starttls` or `plain` (`--security`), when the server is no URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<String>,
    /// The CA certificate(s) to trust, PEM (`--ca-file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The one server certificate to trust (`--pin-sha256`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_sha256: Option<String>,
    /// The directory's base DN, when it cannot be read from the server (`--base`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The photo attribute (`--attribute`; default thumbnailPhoto).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Seconds to wait for the server (`--timeout`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    // Who and which files.
    /// The OU whose users get photos (`--ou`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
    /// Its sub-OUs too (`--subtree`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub subtree: bool,
    /// Contacts too (`--contacts`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub contacts: bool,
    /// The folder of photos (`--folder`).
    pub folder: PathBuf,
    /// How a file name names its user (`--pattern`, e.g. `{sAMAccountName}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Or a mapping file, CSV of file → user (`--map`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<PathBuf>,
    /// Files in sub-folders too (`--recursive`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub recursive: bool,
    // The photo and where it goes.
    /// A size preset (`--preset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Square side in pixels (`--size`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Byte budget of each photo (`--max-bytes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    /// `ad`, `m365` or `both` (`--to`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The Microsoft 365 tenant (`--tenant`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The app registration's client id (`--client-id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `global`, `usgov` or `china` (`--cloud`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    /// The app's certificate and key, PEM (`--client-cert`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<PathBuf>,
    // The run.
    /// Where the per-user CSV report goes (`--report`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<PathBuf>,
    /// The safety valve: the most users one run may change, in percent (default 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_change_percent: Option<u8>,
    /// Replace photos changed outside adphoto (`--overwrite-changed`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub overwrite_changed: bool,
    /// Remove the photo adphoto made from a file that is gone from the folder since
    /// (`--remove-missing`; saved first, undo puts it back).
    #[serde(default, skip_serializing_if = "is_false")]
    pub remove_missing: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// The keys that would put a secret on disk: refused by name.
const SECRETS: [&str; 3] = ["password", "client_secret", "secret"];

impl SyncProfile {
    /// Reads the profile at `path`, saying plainly what is wrong with it.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The profile in `text` (TOML); an unknown key or a secret is an error that names it.
    pub fn parse(text: &str) -> Result<Self, String> {
        // A password in the file would sit on disk: refuse it by name rather than as "unknown".
        if let Ok(table) = text.parse::<toml::Table>() {
            for secret in SECRETS {
                if table.contains_key(secret) {
                    return Err(format!(
                        "`{secret}` does not belong in a profile (it would sit on disk): give it \
                         in the job's environment (ADPHOTO_PASSWORD, ADPHOTO_CLIENT_SECRET) or \
                         sign in with Kerberos (kerberos = true)"
                    ));
                }
            }
        }
        toml::from_str(text).map_err(|e| e.message().to_string())
    }

    /// The file's text: a header saying how to run and schedule it, then the settings.
    pub fn to_toml(&self, file_name: &str) -> Result<String, String> {
        let body = toml::to_string(self)
            .map_err(|e| format!("the profile cannot be written as TOML: {e}"))?;
        let sign_in = if self.kerberos {
            "Kerberos (a ticket, or a keytab for a scheduled job)"
        } else {
            "the password in ADPHOTO_PASSWORD (the job's environment; never in this file)"
        };
        Ok(format!(
            "# adphoto sync profile. Run it: adphoto sync {file_name}\n\
             # Every night: adphoto sync {file_name} --install-schedule daily@02:00\n\
             # Signs in with {sign_in}.\n\
             # A run that would change more than max_change_percent of the users (default 20) stops\n\
             # before writing; --allow-mass-change lets a meant one through. See the README's\n\
             # \"Nightly sync\" for every key.\n\n{body}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_profile_reads_back_the_same_and_holds_no_secret() {
        let p = SyncProfile {
            server: Some("ldaps://dc1.corp.example".into()),
            user: Some("helpdesk@corp.example".into()),
            ca_file: Some("/etc/adphoto/corp-ca.pem".into()),
            ou: Some("OU=Staff,DC=corp,DC=example".into()),
            subtree: true,
            folder: "/srv/hr/photos".into(),
            pattern: Some("{sAMAccountName}".into()),
            size: Some(96),
            max_bytes: Some(10_240),
            to: Some("ad".into()),
            ..Default::default()
        };
        let text = p.to_toml("staff.toml").unwrap();
        assert!(text.starts_with("# adphoto sync profile. Run it: adphoto sync staff.toml\n"));
        assert!(text.contains("ADPHOTO_PASSWORD"), "{text}");
        assert!(
            !text.contains("kerberos"),
            "unset keys are left out: {text}"
        );
        assert_eq!(SyncProfile::parse(&text).unwrap(), p);
    }

    #[test]
    fn a_password_in_a_profile_is_refused_by_name() {
        let e = SyncProfile::parse("folder = \"p\"\npassword = \"hunter2\"").unwrap_err();
        assert!(e.contains("`password` does not belong"), "{e}");
        assert!(!e.contains("hunter2"));
        let e = SyncProfile::parse("folder = \"p\"\nfolderz = 1").unwrap_err();
        assert!(e.contains("folderz"), "{e}");
    }
}
