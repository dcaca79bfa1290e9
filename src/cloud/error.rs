//! What can go wrong with Microsoft 365, in words a helpdesk person can act on.

use std::time::Duration;

use thiserror::Error;

/// The result of a Microsoft 365 call, failing with a [`CloudError`].
pub type Result<T, E = CloudError> = std::result::Result<T, E>;

/// What a request was for: names the permission a 403 lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Listing or looking up users (with their immutable id).
    ReadUsers,
    /// Fetching a user's current profile photo.
    ReadPhoto,
    /// Uploading a new profile photo.
    WritePhoto,
    /// Deleting a profile photo.
    RemovePhoto,
}

impl Operation {
    /// The operation as the words of an error message: "read users", "change a profile photo".
    pub fn doing(self) -> &'static str {
        match self {
            Operation::ReadUsers => "read users",
            Operation::ReadPhoto => "read a profile photo",
            Operation::WritePhoto => "change a profile photo",
            Operation::RemovePhoto => "remove a profile photo",
        }
    }

    /// The least-privileged Graph permission for the call (the same name as delegated and as
    /// application permission), then the broader one that also works.
    pub fn permission(self) -> (&'static str, &'static str) {
        match self {
            // onPremisesImmutableId is not in the basic profile, so User.ReadBasic.All is not enough.
            Operation::ReadUsers => ("User.Read.All", "Directory.Read.All"),
            Operation::ReadPhoto => ("ProfilePhoto.Read.All", "User.Read.All"),
            Operation::WritePhoto | Operation::RemovePhoto => {
                ("ProfilePhoto.ReadWrite.All", "User.ReadWrite.All")
            }
        }
    }
}

/// Everything a Microsoft 365 call can end in, worded for the person who can fix it.
#[derive(Debug, Error)]
pub enum CloudError {
    /// A setting the sign-in needs was not given (tenant, client id): the hint says which option.
    #[error("{what} is missing: {hint}")]
    Missing {
        /// The missing setting, such as "the tenant".
        what: &'static str,
        /// Which option or environment variable gives it, and where to find the value.
        hint: &'static str,
    },
    /// A tenant, sign-in or Graph address that cannot be used as given: correct it.
    #[error("bad address {url}: {detail}")]
    BadUrl {
        /// The address (or tenant) as given.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The HTTPS client could not be built, e.g. `--ca-file` is unreadable or `--pin-sha256`
    /// is not a fingerprint: fix the option.
    #[error("cannot set up HTTPS: {0}")]
    Tls(String),
    /// A request got no HTTP answer (network, name, untrusted certificate): the detail says
    /// which, and for a certificate how to trust it.
    #[error("cannot reach {host}: {detail}")]
    Connection {
        /// The host the request went to.
        host: String,
        /// The network's or TLS's words, with advice where there is some.
        detail: String,
    },
    /// The host shows another certificate than the `--pin-sha256` one: confirm the new
    /// fingerprint with the administrator before pinning it.
    #[error(
        "the certificate of {host} is not the pinned one (now {now}): if it was renewed, check the \
         new fingerprint with the administrator and pin that"
    )]
    CertificateChanged {
        /// The host whose certificate changed.
        host: String,
        /// The SHA-256 fingerprint it presents now (or "unknown").
        now: String,
    },
    /// A connection or request took longer than `--timeout`: try again, or give a longer one.
    #[error("{host} did not answer in time (--timeout sets how long to wait)")]
    Timeout {
        /// The host that did not answer.
        host: String,
    },
    /// The identity platform refused the sign-in (wrong secret, client id, tenant, consent…),
    /// or nobody finished it in the browser: the advice says what to fix.
    #[error("sign-in refused ({code}): {advice}{}", description.as_deref().map(|d| format!(" [{d}]")).unwrap_or_default())]
    SignIn {
        /// The OAuth error code, such as `invalid_client` (or `timeout`, `invalid_state`).
        code: String,
        /// What to fix, read from the code and the AADSTS number.
        advice: String,
        /// The first line of the identity platform's description, when it sent one.
        description: Option<String>,
    },
    /// The app's certificate file (certificate credentials) cannot be used: why.
    #[error("cannot use the app's certificate {path}: {detail}")]
    AppCertificate {
        /// The PEM file given.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Nobody entered the device code before it expired: run the command again, sooner.
    #[error(
        "the sign-in code expired before anyone signed in with it: run the command again and enter the code within its time"
    )]
    DeviceCodeExpired,
    /// The person declined the device code sign-in on the sign-in page: run again and accept.
    #[error("the sign-in was declined in the browser")]
    DeviceCodeDeclined,
    /// Graph said 401 even to a freshly renewed token: the sign-in is not accepted for this
    /// call; sign in again, and check that the tenant and app are the right ones.
    #[error(
        "Microsoft 365 did not accept the sign-in for {doing} (401 after a fresh sign-in): {message}"
    )]
    Unauthorized {
        /// What the request was for ([`Operation::doing`]).
        doing: &'static str,
        /// Graph's error message.
        message: String,
    },
    /// Graph said 403: the app registration lacks the permission (or the person the role);
    /// the message names it and where to grant it.
    #[error(
        "Microsoft 365 refused to {doing} (403): the app registration needs the Microsoft Graph \
         permission {least} (or {broader}) — delegated when a person signs in (device code; that \
         person also needs a role that may change others' photos, such as User Administrator), \
         application with admin consent for unattended runs (ADPHOTO_CLIENT_SECRET). Entra admin \
         center → App registrations → the app → API permissions, then \"Grant admin consent\". \
         [{message}]"
    )]
    Forbidden {
        /// What the request was for ([`Operation::doing`]).
        doing: &'static str,
        /// The least-privileged Graph permission that allows it.
        least: &'static str,
        /// A broader permission that also allows it.
        broader: &'static str,
        /// Graph's error message.
        message: String,
    },
    /// The user (object id or userPrincipalName) is not in the tenant: check the name.
    #[error("no such user in Microsoft 365: {who}")]
    UserNotFound {
        /// The user as asked for.
        who: String,
    },
    /// The photo is over Graph's 4 MB limit (checked before sending, or refused with 413).
    #[error("the photo is {bytes} bytes; Microsoft 365 takes at most {max} (4 MB)")]
    TooLarge {
        /// The photo's size.
        bytes: usize,
        /// The limit in bytes ([`super::MAX_PHOTO_BYTES`]).
        max: usize,
    },
    /// The picture is neither JPEG nor PNG, or Graph refused it (400/415).
    #[error("Microsoft 365 does not take this picture: {detail}")]
    BadImage {
        /// Why: our check's words or Graph's code and message.
        detail: String,
    },
    /// Graph kept throttling past `max_throttle_wait`: try later or with fewer users at once.
    #[error(
        "Microsoft 365 is throttling (HTTP {status}); gave up after waiting {waited:?} in all: try again later or with fewer users at once"
    )]
    Throttled {
        /// The last throttling status: 429, 503 or 504.
        status: u16,
        /// How long the request had waited in all before giving up.
        waited: Duration,
    },
    /// Any other HTTP error from Graph, with its own code and message.
    #[error("Microsoft 365 answered {status} to {doing}: {code}: {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// What the request was for ([`Operation::doing`]).
        doing: &'static str,
        /// Graph's error code, such as `Request_BadRequest`.
        code: String,
        /// Graph's error message.
        message: String,
    },
    /// An answer that could not be read or is not what Graph or the identity platform sends
    /// (broken JSON, a next-page link to another host).
    #[error("cannot read Microsoft 365's answer to {doing}: {detail}")]
    BadAnswer {
        /// What the request was for ([`Operation::doing`], or "sign in").
        doing: &'static str,
        /// What could not be read.
        detail: String,
    },
    /// The system's credential store (Credential Manager, Secret Service, Keychain) could not
    /// keep or give back a sign-in: the person signs in each time until it works again.
    #[error("the system's credential store cannot {doing}: {detail}")]
    CredentialStore {
        /// "keep the sign-in", "read the kept sign-in", "forget the kept sign-in".
        doing: &'static str,
        /// The store's own words.
        detail: String,
    },
    /// Only a kept sign-in could be used (the window at start) and there is none, or the
    /// identity platform no longer takes it: sign in again.
    #[error("no kept sign-in to use (or it is no longer accepted): sign in again")]
    SignInNeeded,
    /// The old photo could not be written to the data folder, so the change was not made:
    /// free disk space or fix the folder's permissions.
    #[error("cannot save the old photo before changing it, so nothing was changed: {0}")]
    Backup(String),
}

impl CloudError {
    /// The message, with the picture's `file` in front when Graph's answer is about the
    /// picture itself (too large, not an image), so the person knows which file to fix.
    pub fn about_file(&self, file: &std::path::Path) -> String {
        match self {
            CloudError::TooLarge { .. } | CloudError::BadImage { .. } => {
                format!("{}: {self}", file.display())
            }
            _ => self.to_string(),
        }
    }

    /// Sign-in and connection trouble (exit code 2 on the command line) as against one
    /// operation that failed (1).
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            CloudError::Missing { .. }
                | CloudError::BadUrl { .. }
                | CloudError::Tls(_)
                | CloudError::Connection { .. }
                | CloudError::CertificateChanged { .. }
                | CloudError::Timeout { .. }
                | CloudError::SignIn { .. }
                | CloudError::DeviceCodeExpired
                | CloudError::DeviceCodeDeclined
                | CloudError::SignInNeeded
                | CloudError::Unauthorized { .. }
        )
    }

    /// A refused sign-in, explained from the OAuth error code and the AADSTS number in the
    /// description (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
    pub(crate) fn sign_in(code: &str, description: Option<String>) -> Self {
        let d = description.as_deref().unwrap_or("");
        let advice = if d.contains("AADSTS7000215") {
            "the client secret is wrong: copy the secret's Value (not its ID) from the app registration's \"Certificates & secrets\" into ADPHOTO_CLIENT_SECRET"
        } else if d.contains("AADSTS7000222") {
            "the client secret has expired: make a new one under the app registration's \"Certificates & secrets\""
        } else if d.contains("AADSTS700027") || d.contains("AADSTS700023") {
            "the app registration does not know this certificate: upload the certificate (its public part) under the app registration's \"Certificates & secrets\" → Certificates, or check --client-cert"
        } else if d.contains("AADSTS700024") {
            "the certificate's sign-in was out of its valid time: check this computer's clock"
        } else if d.contains("AADSTS700016") {
            "no app with this client id in this tenant: check --client-id and --tenant (the app registration's Overview page shows both)"
        } else if d.contains("AADSTS90002") || d.contains("AADSTS900023") {
            "no such tenant: check --tenant (the directory id, or a domain such as contoso.onmicrosoft.com)"
        } else if d.contains("AADSTS7000218") {
            "the app registration does not allow public client flows: turn on \"Allow public client flows\" under Authentication, or set ADPHOTO_CLIENT_SECRET for an unattended sign-in"
        } else if d.contains("AADSTS65001") || code == "consent_required" {
            "the permissions have not been consented to: an administrator must \"Grant admin consent\" under the app registration's API permissions"
        } else {
            match code {
                "invalid_client" => {
                    "the client id or secret is not accepted: check --client-id and ADPHOTO_CLIENT_SECRET"
                }
                "unauthorized_client" => {
                    "this app registration may not use this kind of sign-in: check its Authentication settings"
                }
                "invalid_scope" => {
                    "the requested permissions are not valid for this app registration"
                }
                "invalid_grant" => "the sign-in is no longer valid: sign in again",
                "invalid_request" => {
                    "the sign-in request was refused: check --tenant and --client-id"
                }
                _ => "the identity platform refused the sign-in",
            }
        };
        CloudError::SignIn {
            code: code.to_string(),
            advice: advice.to_string(),
            description: description.map(|d| first_line(&d)),
        }
    }
}

/// AADSTS descriptions carry trace and correlation ids on further lines: one line is enough.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_about_the_picture_name_its_file_and_others_do_not() {
        let file = std::path::Path::new("photos/anna.jpg");
        let big = CloudError::TooLarge { bytes: 5, max: 4 };
        assert_eq!(big.about_file(file), format!("photos/anna.jpg: {big}"));
        let other = CloudError::Backup("disk full".into());
        assert_eq!(other.about_file(file), other.to_string());
    }

    #[test]
    fn sign_in_advice_from_aadsts() {
        let e = CloudError::sign_in(
            "invalid_client",
            Some("AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x".into()),
        );
        let m = e.to_string();
        assert!(m.contains("secret's Value"), "{m}");
        assert!(!m.contains("Trace ID"), "{m}");
        assert!(e.is_connection_error());
        let m = CloudError::sign_in("weird", None).to_string();
        assert!(m.contains("refused the sign-in"), "{m}");
    }

    #[test]
    fn forbidden_names_the_permission() {
        let (least, broader) = Operation::WritePhoto.permission();
        let m = CloudError::Forbidden {
            doing: Operation::WritePhoto.doing(),
            least,
            broader,
            message: "Insufficient privileges".into(),
        }
        .to_string();
        assert!(m.contains("ProfilePhoto.ReadWrite.All"), "{m}");
        assert!(m.contains("delegated") && m.contains("application"), "{m}");
    }
}
