//! Errors from the directory, in words a helpdesk user understands.
//!
//! LDAP reports failures as numeric result codes plus a diagnostic string; AD puts the
//! interesting part (52e = wrong password, 775 = locked out, …) inside that string. This
//! module turns both into one of a few situations a person can act on.

use std::time::Duration;

use ldap3::{LdapError, LdapResult};

use super::certificate::CertSummary;

/// A directory call's result.
pub type Result<T, E = DirectoryError> = std::result::Result<T, E>;

/// Everything a directory call can end in, worded for the person who can fix it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DirectoryError {
    /// The server refused the user name or password.
    #[error("Wrong user name or password.")]
    WrongPassword,
    /// Too many wrong passwords: the account is locked for now.
    #[error("The account is locked out. Wait for it to unlock or ask an administrator.")]
    AccountLocked,
    /// An administrator disabled the account.
    #[error("The account is disabled.")]
    AccountDisabled,
    /// The account's end date has passed.
    #[error("The account has expired.")]
    AccountExpired,
    /// The password must be changed before the account may sign in.
    #[error("The password has expired or must be changed before signing in.")]
    PasswordExpired,
    /// Logon hours or allowed workstations keep the account out now.
    #[error("This account may not sign in now (logon hours or workstation restriction).")]
    LogonRestricted,
    /// Refused before sending: an empty password binds anonymously on AD.
    #[error("A password is required (an empty password would sign in anonymously).")]
    EmptyPassword,
    /// The server refuses a plain connection for a sign-in.
    #[error(
        "The server requires an encrypted connection: use LDAPS or StartTLS, or Kerberos sign-in ({detail})."
    )]
    TlsRequired {
        /// The server's words.
        detail: String,
    },
    /// What to do about it differs between the window and the command line: each face adds
    /// its own advice ([`Self::advice_for_window`], [`Self::advice_for_command_line`]).
    #[error("The server's certificate is not trusted: {detail}.{}", cert_note(.cert))]
    CertificateUntrusted {
        /// Why the check failed, in words.
        detail: String,
        /// The refused certificate (subject, issuer, dates, names, SHA-256), when the
        /// handshake got that far.
        cert: Option<Box<CertSummary>>,
    },
    /// A pinned server shows another certificate than the one trusted.
    #[error(
        "The server's certificate has CHANGED since you trusted it (pinned SHA-256 {pinned}, now {}). It may be a new certificate — or someone between you and the server. Ask the server's administrator before trusting the new one.",
        .now.as_deref().unwrap_or("unknown")
    )]
    CertificateChanged {
        /// The fingerprint trusted.
        pinned: String,
        /// The fingerprint shown now, when known.
        now: Option<String>,
    },
    /// The server says the account may not do this.
    #[error("You don't have the right to change this: {detail}")]
    InsufficientRights {
        /// The server's words.
        detail: String,
    },
    /// The photo is over the attribute's size limit; nothing was sent.
    #[error("The photo is too large for {attribute}: {bytes} bytes, the limit is {limit} bytes.")]
    PhotoTooLarge {
        /// The photo attribute.
        attribute: String,
        /// The photo's size.
        bytes: usize,
        /// The attribute's limit in bytes.
        limit: usize,
    },
    /// No connection could be made (name, network, port).
    #[error("Cannot reach the server {server}: {detail}")]
    Unreachable {
        /// The server as given.
        server: String,
        /// The system's words.
        detail: String,
    },
    /// The server did not answer in time.
    #[error("The server {server} did not answer within {} seconds.", .after.as_secs())]
    Timeout {
        /// The server as given.
        server: String,
        /// How long we waited.
        after: Duration,
    },
    /// The Kerberos or Windows sign-in failed (no ticket, wrong realm, …).
    #[error(
        "Kerberos sign-in failed: {detail}. Sign in to the domain (kinit) or use a user name and password."
    )]
    Kerberos {
        /// The GSSAPI/SSPI words.
        detail: String,
    },
    /// Built without the kerberos feature.
    #[error("Kerberos sign-in is not part of this build of adphoto.")]
    KerberosUnavailable,
    /// No user has that name, UPN or DN.
    #[error("No user found for \"{0}\".")]
    UserNotFound(String),
    /// A name that several users share.
    #[error("\"{who}\" matches {count} users; give the full DN instead.")]
    UserAmbiguous {
        /// The name as given.
        who: String,
        /// How many users have it.
        count: usize,
    },
    /// The DN is not (or no longer) in the directory.
    #[error("Not found in the directory: {0}")]
    NoSuchObject(String),
    /// The photo read back after a write is not the one written.
    #[error("The photo written to {dn} did not read back the same; it may not have been saved.")]
    VerifyFailed {
        /// The user.
        dn: String,
    },
    /// The server address cannot be understood.
    #[error("Invalid server address \"{url}\": {detail}")]
    BadUrl {
        /// The address as given.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The CA certificate file cannot be read or holds no certificate.
    #[error("Cannot read the CA file {path}: {detail}")]
    BadCaFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The offline directory (LDIF export) cannot be read.
    #[error("The offline directory file cannot be read: {0}")]
    Ldif(String),
    /// The old photo's backup could not be saved, so nothing was changed.
    #[error("Cannot save the backup of the old photo, so it was left unchanged: {0}")]
    Backup(String),
    /// Another LDAP refusal, with its result code.
    #[error("The server refused the operation: {text} (LDAP result {code})")]
    Ldap {
        /// The LDAP result code.
        code: u32,
        /// The server's words.
        text: String,
    },
    /// The connection broke or could not be set up.
    #[error("The connection to the server failed: {0}")]
    Connection(String),
    /// An operation the offline directory cannot do.
    #[error("This offline directory is read-only for that operation: {0}")]
    Offline(String),
}

impl DirectoryError {
    /// True for errors about the connection or sign-in rather than one item: the CLI exits 2 on these.
    pub fn is_connection_error(&self) -> bool {
        use DirectoryError::*;
        matches!(
            self,
            WrongPassword
                | AccountLocked
                | AccountDisabled
                | AccountExpired
                | PasswordExpired
                | LogonRestricted
                | EmptyPassword
                | TlsRequired { .. }
                | CertificateUntrusted { .. }
                | CertificateChanged { .. }
                | Unreachable { .. }
                | Timeout { .. }
                | Kerberos { .. }
                | KerberosUnavailable
                | BadUrl { .. }
                | BadCaFile { .. }
                | Connection(_)
                | Ldif(_)
        )
    }

    /// The connection went away or the server stopped answering: the operation may be tried
    /// again after a reconnect (unlike a refusal, which the server would repeat).
    pub fn is_link_lost(&self) -> bool {
        use DirectoryError::*;
        matches!(self, Unreachable { .. } | Timeout { .. } | Connection(_))
            || matches!(self, Ldap { code: 51 | 52, .. })
    }

    /// Maps a failed LDAP result to a situation. `photo` carries the attribute and size
    /// when the operation was a photo write, so "invalid value" can be read as "too large".
    pub fn from_result(res: &LdapResult, photo: Option<(&str, usize)>) -> Self {
        let text = res.text.trim_end_matches('\0').trim().to_string();
        match res.rc {
            49 => bind_failure(&text),
            8 | 13 => DirectoryError::TlsRequired { detail: text },
            50 => DirectoryError::InsufficientRights { detail: text },
            32 => DirectoryError::NoSuchObject(if res.matched.is_empty() {
                text
            } else {
                format!("{text} (closest existing entry: {})", res.matched)
            }),
            // Samba answers an oversized thumbnailPhoto with invalidAttributeSyntax (21),
            // Windows with constraintViolation (19) or adminLimitExceeded (11).
            11 | 19 | 21 if photo.is_some() => {
                let (attribute, bytes) = photo.unwrap_or_default();
                DirectoryError::PhotoTooLarge {
                    attribute: attribute.to_string(),
                    bytes,
                    limit: super::THUMBNAIL_PHOTO_LIMIT,
                }
            }
            code => DirectoryError::Ldap { code, text },
        }
    }

    /// Maps any ldap3 error; `server` names the host for connection problems.
    pub fn from_ldap(err: LdapError, server: &str, timeout: Duration) -> Self {
        match err {
            LdapError::LdapResult { result } => Self::from_result(&result, None),
            LdapError::Timeout { .. } => DirectoryError::Timeout {
                server: server.to_string(),
                after: timeout,
            },
            LdapError::Io { source } => io_failure(server, timeout, &source),
            LdapError::Rustls { source } => tls_failure(&source.to_string()),
            LdapError::DNSName { source } => DirectoryError::BadUrl {
                url: server.to_string(),
                detail: source.to_string(),
            },
            LdapError::UrlParsing { source } => DirectoryError::BadUrl {
                url: server.to_string(),
                detail: source.to_string(),
            },
            LdapError::UnknownScheme(s) => DirectoryError::BadUrl {
                url: server.to_string(),
                detail: format!("unknown scheme {s}: use ldaps:// or ldap://"),
            },
            #[cfg(feature = "kerberos")]
            LdapError::GssapiOperationError(detail) => DirectoryError::Kerberos { detail },
            #[cfg(feature = "kerberos")]
            LdapError::NoGssapiToken => DirectoryError::Kerberos {
                detail: "the server sent no Kerberos token".into(),
            },
            other => DirectoryError::Connection(other.to_string()),
        }
    }
}

/// AD's bind failures all come as invalidCredentials (49); the reason is the `data NNN` code.
fn bind_failure(text: &str) -> DirectoryError {
    let data = text.split("data ").nth(1).map(|s| {
        s.split([',', ' '])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    match data.as_deref() {
        Some("775") => DirectoryError::AccountLocked,
        Some("533") => DirectoryError::AccountDisabled,
        Some("701") => DirectoryError::AccountExpired,
        Some("532" | "773") => DirectoryError::PasswordExpired,
        Some("530" | "531") => DirectoryError::LogonRestricted,
        _ => DirectoryError::WrongPassword,
    }
}

fn io_failure(server: &str, timeout: Duration, err: &std::io::Error) -> DirectoryError {
    use std::io::ErrorKind::*;
    let text = err.to_string();
    // rustls reports certificate problems through the I/O error of the TLS stream.
    if text.contains("certificate")
        || text.contains("Certificate")
        || text.contains("UnknownIssuer")
    {
        return tls_failure(&text);
    }
    match err.kind() {
        TimedOut | WouldBlock => DirectoryError::Timeout {
            server: server.to_string(),
            after: timeout,
        },
        ConnectionRefused => DirectoryError::Unreachable {
            server: server.to_string(),
            detail: "connection refused (no directory service on that port?)".into(),
        },
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => {
            DirectoryError::Unreachable {
                server: server.to_string(),
                detail: format!(
                    "the server closed the connection ({text}); check the port and the security setting"
                ),
            }
        }
        _ => DirectoryError::Unreachable {
            server: server.to_string(),
            detail: text,
        },
    }
}

/// The cause of a name mismatch before the certificate is known; `connect` replaces it with
/// one naming what the certificate is for ([`CertSummary::name_mismatch_cause`]).
pub(crate) const NAME_MISMATCH: &str = "it is not valid for the server address you typed \
     (issued for another name, or it names none: no subjectAltName)";

/// rustls's verdict in plain words (the raw text stays in brackets for the administrator).
fn tls_failure(text: &str) -> DirectoryError {
    let cause = if text.contains("CaUsedAsEndEntity") || text.contains("SelfSigned") {
        "it is self-signed: the server vouches for itself, no certificate authority does"
    } else if text.contains("UnknownIssuer") {
        "it was issued by an authority this computer does not know"
    } else if text.contains("NotValidForName") || text.contains("not valid for") {
        NAME_MISMATCH
    } else if text.contains("NotValidYet") {
        "it is not valid yet (check this computer's clock)"
    } else if text.contains("Expired") {
        "it has expired"
    } else if text.contains("Revoked") {
        "it was revoked"
    } else {
        ""
    };
    let detail = if cause.is_empty() {
        text.to_string()
    } else {
        format!("{cause} [{text}]")
    };
    DirectoryError::CertificateUntrusted { detail, cert: None }
}

fn cert_note(cert: &Option<Box<CertSummary>>) -> String {
    match cert {
        Some(c) => format!("\n{}\n", c.describe()),
        None => String::new(),
    }
}

impl DirectoryError {
    /// The error with what a person can do about it in the window.
    pub fn advice_for_window(&self) -> String {
        match self {
            // The window shows the certificate itself beside this text.
            DirectoryError::CertificateUntrusted { detail, cert } => format!(
                "The server's certificate is not trusted: {detail}. Choose your company's CA \
                 certificate under \"CA certificate\"{}. For a lab server only: \"Trust any \
                 certificate (lab only)\".",
                if cert.is_some() {
                    ", or — after checking the fingerprint below with the server's \
                     administrator — \"Trust this certificate\""
                } else {
                    ""
                }
            ),
            _ => self.to_string(),
        }
    }

    /// The error with what a person can do about it on the command line.
    pub fn advice_for_command_line(&self) -> String {
        match self {
            DirectoryError::CertificateUntrusted { cert, .. } => format!(
                "{}\nGive your company's CA certificate with --ca-file FILE (PEM){}, or — for a \
                 lab server only — --insecure.",
                self.to_string().trim_end(),
                match cert.as_ref().map(|c| &c.sha256) {
                    Some(f) => format!(
                        ", or trust exactly this certificate (after checking its fingerprint \
                         with the server's administrator) with --pin-sha256 {f}"
                    ),
                    None => String::new(),
                }
            ),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.into(),
            refs: vec![],
            ctrls: vec![],
        }
    }

    #[test]
    fn ad_bind_data_codes() {
        let t = |d: &str| {
            DirectoryError::from_result(
                &res(
                    49,
                    &format!(
                        "80090308: LdapErr: DSID-0C090447, comment: AcceptSecurityContext error, data {d}, v3839"
                    ),
                ),
                None,
            )
        };
        assert!(matches!(t("52e"), DirectoryError::WrongPassword));
        assert!(matches!(t("775"), DirectoryError::AccountLocked));
        assert!(matches!(t("533"), DirectoryError::AccountDisabled));
        assert!(matches!(t("701"), DirectoryError::AccountExpired));
        assert!(matches!(t("773"), DirectoryError::PasswordExpired));
    }

    #[test]
    fn oversized_photo_is_named_as_such_only_for_photo_writes() {
        let r = res(
            21,
            "0000200B: objectclass_attrs: attribute 'thumbnailPhoto' on entry",
        );
        assert!(matches!(
            DirectoryError::from_result(&r, Some(("thumbnailPhoto", 102_401))),
            DirectoryError::PhotoTooLarge { bytes: 102_401, .. }
        ));
        assert!(matches!(
            DirectoryError::from_result(&r, None),
            DirectoryError::Ldap { code: 21, .. }
        ));
    }

    #[test]
    fn stronger_auth_required_says_tls() {
        let e = DirectoryError::from_result(
            &res(8, "BindSimple: Transport encryption required."),
            None,
        );
        assert!(e.to_string().contains("LDAPS or StartTLS"), "{e}");
    }
}
