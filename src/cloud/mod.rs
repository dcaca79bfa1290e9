//! Microsoft 365: users and their profile photos in Entra ID, through Microsoft Graph.
//!
//! Exchange Online's photo cmdlets are gone (2023); the profile photo lives in Entra ID and is
//! written with `PUT /v1.0/users/{id}/photo/$value` (JPEG or PNG, at most 4 MB). This module
//! signs in to the Microsoft identity platform (OAuth 2.0 v2.0 endpoints, through the `oauth2`
//! crate), reads users in pages, finds AD users by `onPremisesImmutableId`, and reads, writes
//! and removes photos — the old one saved first ([`CloudBackups`]) and the new one read back.
//!
//! HTTPS goes through `reqwest` on rustls with the ring provider and the same certificate
//! trust as LDAP (`--ca-file`, `--pin-sha256`: [`crate::directory`]'s `tls_client_config`).
//! May import `directory`, `data_folder` and `clock` only.

mod accounts;
mod auth;
mod backup;
mod browser;
mod certificate;
mod error;
mod graph;
mod immutable_id;
mod kept;
mod photo_change;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use accounts::{NO_ACCOUNT, accounts_for};
pub use auth::{Credentials, DeviceCodePrompt, Secret};
pub use backup::{CloudBackups, taken_at};
pub use certificate::AppCertificate;
pub use error::{CloudError, Operation, Result};
pub use graph::{CloudUser, Graph, USER_SELECT, photo_content_type};
pub use immutable_id::{guid_bytes, immutable_id, immutable_id_from_guid};
pub use kept::KeptSignIn;
pub use photo_change::{PhotoChange, ReadBack, Restored, nothing_to_restore, restored};

/// Graph refuses bigger photos (the whole request is limited to 4 MB).
pub const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;
/// The largest size Microsoft 365 apps show; Entra ID keeps bigger ones too.
pub const PHOTO_SIDE: u32 = 648;
/// At most this many values in one `in (…)` filter (Graph's limit on filter expressions).
pub const FILTER_VALUES: usize = 15;
/// Requests in flight at once: enough to hide latency, few enough not to be throttled.
pub const DEFAULT_PARALLEL: usize = 6;

/// Environment variable that replaces the sign-in host ([`Endpoints::login`]) outright: the
/// tests use it to reach the local stand-in server; an admin could use it for a proxy of their own.
pub const LOGIN_URL_ENV: &str = "ADPHOTO_LOGIN_URL";
/// Environment variable that replaces the Graph host ([`Endpoints::graph`]) outright, as
/// [`LOGIN_URL_ENV`] does for sign-in.
pub const GRAPH_URL_ENV: &str = "ADPHOTO_GRAPH_URL";

/// Which Microsoft cloud the tenant lives in: each has its own sign-in and Graph hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// The worldwide commercial cloud, where most tenants live.
    #[default]
    Global,
    /// US Government (GCC High, DoD).
    UsGov,
    /// China, operated by 21Vianet.
    China,
}

impl Cloud {
    /// `global`, `usgov`, `china`: the value of `--cloud` and of a sync profile's `cloud`.
    pub fn option_value(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::UsGov => "usgov",
            Cloud::China => "china",
        }
    }

    /// The identity platform's host for signing in, e.g. `https://login.microsoftonline.com`.
    pub fn login_base(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGov => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Microsoft Graph host for users and photos, e.g. `https://graph.microsoft.com`.
    pub fn graph_base(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGov => "https://graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
}

/// Where sign-in and Graph requests go, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Base of the sign-in (token, device code, authorize) URLs; the tenant follows it.
    pub login: String,
    /// Base of the Graph URLs; `/v1.0/…` follows it.
    pub graph: String,
}

impl Endpoints {
    /// The cloud's own hosts, ignoring the environment.
    pub fn for_cloud(cloud: Cloud) -> Self {
        Self {
            login: cloud.login_base().to_string(),
            graph: cloud.graph_base().to_string(),
        }
    }

    /// The cloud's, with `ADPHOTO_LOGIN_URL` / `ADPHOTO_GRAPH_URL` taking their place when set.
    pub fn from_env(cloud: Cloud) -> Self {
        let pick = |var: &str, default: &str| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
                .trim()
                .trim_end_matches('/')
                .to_string()
        };
        Self {
            login: pick(LOGIN_URL_ENV, cloud.login_base()),
            graph: pick(GRAPH_URL_ENV, cloud.graph_base()),
        }
    }

    pub(crate) fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.login)
    }

    pub(crate) fn device_code_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/devicecode", self.login)
    }
}

/// Everything needed to reach a tenant, except the credentials ([`Credentials`]).
#[derive(Debug, Clone)]
pub struct CloudOptions {
    /// The directory (tenant) id, or a verified domain such as `contoso.onmicrosoft.com`.
    pub tenant: String,
    /// The application (client) id of the organisation's app registration.
    pub client_id: String,
    /// Where sign-in and Graph requests go (the cloud's hosts, or the environment's).
    pub endpoints: Endpoints,
    /// Extra CA certificates (PEM) to trust besides the system's, as for LDAP.
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint, as for LDAP.
    pub pin_sha256: Option<String>,
    /// Accept any certificate (lab only; the faces say so loudly).
    pub insecure_skip_verify: bool,
    /// Limit for connecting and for each request.
    pub timeout: Duration,
    /// Requests in flight at once.
    pub parallel: usize,
    /// The longest one request may wait in all for Graph's throttling (`Retry-After`) before
    /// it is given up.
    pub max_throttle_wait: Duration,
    /// "Keep me signed in": a person's sign-in is taken from the system's credential store
    /// when one is kept there ([`KeptSignIn`]), and kept there after signing in.
    pub keep_signed_in: bool,
}

impl CloudOptions {
    /// Options for this tenant and app in `cloud`, with the usual defaults: system trust,
    /// 30 s timeout, [`DEFAULT_PARALLEL`] requests, up to 5 minutes of throttling per request.
    pub fn new(tenant: impl Into<String>, client_id: impl Into<String>, cloud: Cloud) -> Self {
        Self {
            tenant: tenant.into(),
            client_id: client_id.into(),
            endpoints: Endpoints::from_env(cloud),
            ca_file: None,
            pin_sha256: None,
            insecure_skip_verify: false,
            timeout: Duration::from_secs(30),
            parallel: DEFAULT_PARALLEL,
            max_throttle_wait: Duration::from_secs(300),
            keep_signed_in: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_has_its_hosts() {
        let e = Endpoints::for_cloud(Cloud::UsGov);
        assert_eq!(e.login, "https://login.microsoftonline.us");
        assert_eq!(e.graph, "https://graph.microsoft.us");
        assert_eq!(
            e.token_url("contoso.onmicrosoft.com"),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(
            Endpoints::for_cloud(Cloud::China).graph,
            "https://microsoftgraph.chinacloudapi.cn"
        );
    }
}
