//! What can go wrong with Microsoft 365, in words a helpdesk person can act on.

use std::time::Duration;

use thiserror::Error;

pub type Result<T, E = CloudError> = std::result::Result<T, E>;

/// What a request was for: names the permission a 403 lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ReadUsers,
    ReadPhoto,
    WritePhoto,
    RemovePhoto,
}

impl Operation {
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

#[derive(Debug, Error)]
pub enum CloudError {
    #[error("{what} is missing: {hint}")]
    Missing {
        what: &'static str,
        hint: &'static str,
    },
    #[error("bad address {url}: {detail}")]
    BadUrl { url: String, detail: String },
    #[error("cannot set up HTTPS: {0}")]
    Tls(String),
    #[error("cannot reach {host}: {detail}")]
    Connection { host: String, detail: String },
    #[error(
        "the certificate of {host} is not the pinned one (now {now}): if it was renewed, check the \
         new fingerprint with the administrator and pin that"
    )]
    CertificateChanged { host: String, now: String },
    #[error("{host} did not answer in time (--timeout sets how long to wait)")]
    Timeout { host: String },
    #[error("sign-in refused ({code}): {advice}{}", description.as_deref().map(|d| format!(" [{d}]")).unwrap_or_default())]
    SignIn {
        code: String,
        advice: String,
        description: Option<String>,
    },
    #[error(
        "the sign-in code expired before anyone signed in with it: run the command again and enter the code within its time"
    )]
    DeviceCodeExpired,
    #[error("the sign-in was declined in the browser")]
    DeviceCodeDeclined,
    #[error(
        "Microsoft 365 did not accept the sign-in for {doing} (401 after a fresh sign-in): {message}"
    )]
    Unauthorized {
        doing: &'static str,
        message: String,
    },
    #[error(
        "Microsoft 365 refused to {doing} (403): the app registration needs the Microsoft Graph \
         permission {least} (or {broader}) — delegated when a person signs in (device code; that \
         person also needs a role that may change others' photos, such as User Administrator), \
         application with admin consent for unattended runs (ADPHOTO_CLIENT_SECRET). Entra admin \
         center → App registrations → the app → API permissions, then \"Grant admin consent\". \
         [{message}]"
    )]
    Forbidden {
        doing: &'static str,
        least: &'static str,
        broader: &'static str,
        message: String,
    },
    #[error("no such user in Microsoft 365: {who}")]
    UserNotFound { who: String },
    #[error("the photo is {bytes} bytes; Microsoft 365 takes at most {max} (4 MB)")]
    TooLarge { bytes: usize, max: usize },
    #[error("Microsoft 365 does not take this picture: {detail}")]
    BadImage { detail: String },
    #[error(
        "Microsoft 365 is throttling (HTTP {status}); gave up after waiting {waited:?} in all: try again later or with fewer users at once"
    )]
    Throttled { status: u16, waited: Duration },
    #[error("Microsoft 365 answered {status} to {doing}: {code}: {message}")]
    Server {
        status: u16,
        doing: &'static str,
        code: String,
        message: String,
    },
    #[error("cannot read Microsoft 365's answer to {doing}: {detail}")]
    BadAnswer { doing: &'static str, detail: String },
    #[error("cannot save the old photo before changing it, so nothing was changed: {0}")]
    Backup(String),
}

impl CloudError {
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
