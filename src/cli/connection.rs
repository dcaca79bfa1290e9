//! The connection options every command shares, and turning them into a [`Directory`].

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::Failure;
use crate::data_folder::DataFolder;
use crate::directory::{Auth, ConnectOptions, Directory, PhotoAttribute, Security};

#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Domain controller: host name or URL (ldaps://dc1, ldap://dc1 for StartTLS).
    #[arg(long, env = "ADPHOTO_SERVER", global = true)]
    pub server: Option<String>,
    /// User to sign in as: user@domain, DOMAIN\user or a DN. The password comes from
    /// ADPHOTO_PASSWORD, --password-stdin or a prompt.
    #[arg(long, env = "ADPHOTO_USER", global = true)]
    pub user: Option<String>,
    /// Sign in with the current Kerberos ticket (kinit) instead of a password.
    #[arg(long, global = true, conflicts_with = "user")]
    pub kerberos: bool,
    /// Read the password from the first line of standard input.
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Transport security when --server has no ldap:// or ldaps:// prefix
    /// [default: ldaps; with --kerberos: Kerberos encryption on port 389].
    #[arg(long, value_enum, global = true)]
    pub security: Option<SecurityArg>,
    /// Extra CA certificate(s) (PEM) to trust, besides the system's.
    #[arg(long, value_name = "PEM", global = true)]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint (hex, colons allowed),
    /// e.g. a self-signed DC's, after checking it with its administrator. Any other certificate
    /// is refused.
    #[arg(long, value_name = "HEX", global = true, conflicts_with = "insecure")]
    pub pin_sha256: Option<String>,
    /// DANGER: accept any server certificate (lab servers only).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Search base; default: the domain's (from the server's RootDSE).
    #[arg(long, value_name = "DN", global = true)]
    pub base: Option<String>,
    /// Work offline on an LDIF export instead of a server; changes go to an LDIF change file.
    #[arg(long, value_name = "FILE", global = true, conflicts_with = "server")]
    pub ldif: Option<PathBuf>,
    /// Where offline changes are written (default: in adphoto's data folder).
    #[arg(long, value_name = "FILE", global = true, requires = "ldif")]
    pub ldif_changes: Option<PathBuf>,
    /// The photo attribute to read and write.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "thumbnailPhoto",
        global = true
    )]
    pub attribute: String,
    /// Seconds to wait for the server before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 15, global = true)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SecurityArg {
    Ldaps,
    Starttls,
    Plain,
}

impl From<SecurityArg> for Security {
    fn from(s: SecurityArg) -> Self {
        match s {
            SecurityArg::Ldaps => Security::Ldaps,
            SecurityArg::Starttls => Security::StartTls,
            SecurityArg::Plain => Security::Plain,
        }
    }
}

impl ConnectionArgs {
    pub fn photo_attribute(&self) -> PhotoAttribute {
        PhotoAttribute(self.attribute.clone())
    }

    /// Opens the offline LDIF or connects to the server, asking for the password if needed.
    pub async fn open(&self, data: &DataFolder) -> Result<Directory, Failure> {
        if let Some(ldif) = &self.ldif {
            let changes = self
                .ldif_changes
                .clone()
                .unwrap_or_else(|| Directory::default_changes_path(data, ldif));
            return Ok(Directory::open_ldif(ldif, changes)?);
        }
        let Some(server) = &self.server else {
            return Err(Failure::usage(
                "no server: give --server (or ADPHOTO_SERVER), or --ldif FILE to work offline",
            ));
        };
        let auth = if self.kerberos {
            Auth::Kerberos
        } else {
            let Some(user) = &self.user else {
                return Err(Failure::usage(
                    "no user: give --user (or ADPHOTO_USER), or --kerberos",
                ));
            };
            Auth::Simple {
                user: user.clone(),
                password: self.password(user)?,
            }
        };
        let mut opts = ConnectOptions::new(server.clone(), auth);
        opts.security = match (self.security, self.kerberos) {
            (Some(s), _) => s.into(),
            (None, true) => Security::StartTls,
            (None, false) => Security::Ldaps,
        };
        opts.ca_file = self.ca_file.clone();
        opts.insecure_skip_verify = self.insecure;
        opts.pin_sha256 = self.pin_sha256.clone();
        opts.base_dn = self.base.clone();
        opts.timeout = Duration::from_secs(self.timeout.max(1));
        if self.insecure {
            eprintln!("adphoto: WARNING: --insecure: the server's certificate is NOT checked");
        }
        Ok(Directory::connect(&opts).await?)
    }

    fn password(&self, user: &str) -> Result<String, Failure> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Failure::usage(format!("cannot read the password: {e}")))?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_string());
        }
        if let Ok(p) = std::env::var("ADPHOTO_PASSWORD") {
            return Ok(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(
                "no password: set ADPHOTO_PASSWORD, use --password-stdin, or run in a terminal",
            ));
        }
        rpassword::prompt_password(format!("Password for {user}: "))
            .map_err(|e| Failure::usage(format!("cannot read the password: {e}")))
    }
}
