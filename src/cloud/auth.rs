//! Sign-in to the Microsoft identity platform (OAuth 2.0 on the v2.0 endpoints) through the
//! `oauth2` crate: client credentials with a secret for unattended runs; for a person, the
//! authorization code flow with PKCE in the system browser (loopback redirect) or the device
//! code flow. Tokens stay in memory; a 401 from Graph renews them once ([`SignIn::renew`]).
//!
//! Contract followed:
//! - https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
//! - https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
//! - https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow (PKCE, S256)

use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    DeviceAuthorizationResponse, DeviceAuthorizationUrl, ErrorResponseType,
    ExtraDeviceAuthorizationFields, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardErrorResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::error::{CloudError, Result};
use super::{CloudOptions, Endpoints};
use crate::directory::{PIN_MISMATCH, Seen};

/// A client secret. Never printed: its Debug says `<hidden>`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps the secret's value (the app registration's "Certificates & secrets" → Value).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

/// What a person must do to finish a device code sign-in: open the link, type the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The short code the person types on the sign-in page.
    pub user_code: String,
    /// The page to open for it, usually `https://microsoft.com/devicelogin`.
    pub verification_uri: String,
    /// The identity platform's own sentence for it, when it sent one.
    pub message: Option<String>,
    /// How long the code stays valid; after that the sign-in must start again.
    pub expires_in: Duration,
}

/// How to sign in.
#[derive(Clone)]
pub enum Credentials {
    /// Unattended: the app's own identity (application permissions, admin consent).
    ClientSecret(Secret),
    /// Unattended, as Microsoft recommends: the app's identity proved with its certificate.
    ClientCertificate(Arc<super::AppCertificate>),
    /// A person, on another device's browser: `show` is called with the code to type.
    DeviceCode(Arc<dyn Fn(&DeviceCodePrompt) + Send + Sync>),
    /// A person, in this machine's browser: `open` is given the sign-in address (false: it
    /// could not open a browser, and the face should show the address to copy).
    Browser(Arc<dyn Fn(&str) -> bool + Send + Sync>),
    /// A person, silently: only the sign-in kept in the system's credential store
    /// ([`super::KeptSignIn`]); without one, [`CloudError::SignInNeeded`] (the window at start).
    Kept,
}

impl Credentials {
    /// A device code sign-in; `show` tells the person the code and where to type it.
    pub fn device_code(show: impl Fn(&DeviceCodePrompt) + Send + Sync + 'static) -> Self {
        Credentials::DeviceCode(Arc::new(show))
    }

    /// A sign-in in this machine's browser; `open` opens the address and says if it could.
    pub fn browser(open: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        Credentials::Browser(Arc::new(open))
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::ClientSecret(_) => f.write_str("ClientSecret(<hidden>)"),
            Credentials::ClientCertificate(c) => write!(f, "ClientCertificate({c:?})"),
            Credentials::DeviceCode(_) => f.write_str("DeviceCode"),
            Credentials::Browser(_) => f.write_str("Browser"),
            Credentials::Kept => f.write_str("Kept"),
        }
    }
}

/// The identity platform's device code answer carries a `message` besides RFC 8628's fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MessageField {
    #[serde(default)]
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for MessageField {}

#[derive(Default)]
struct State {
    access: Option<Access>,
    refresh: Option<RefreshToken>,
    /// Counts tokens issued, so that many requests failing with the same stale token renew it once.
    generation: u64,
}

struct Access {
    token: String,
    expires: Option<Instant>,
}

/// Renew a little before the token's end, so a request never leaves with a dying one.
const EARLY: Duration = Duration::from_secs(60);

/// RFC 7523's client assertion type, as the identity platform asks for it.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub(crate) struct SignIn {
    http: reqwest::Client,
    tenant: String,
    client_id: String,
    endpoints: Endpoints,
    credentials: Credentials,
    seen: Seen,
    state: tokio::sync::Mutex<State>,
    /// Where a person's sign-in is kept in the credential store (none for the app's identity).
    kept: Option<super::KeptSignIn>,
    /// "Keep me signed in": take the sign-in from there and keep the new one there.
    keep: bool,
    /// Why the sign-in could not be kept, when it could not (the faces tell the person).
    keep_problem: std::sync::Mutex<Option<String>>,
}

impl SignIn {
    pub(crate) fn new(
        http: reqwest::Client,
        opts: &CloudOptions,
        credentials: Credentials,
        seen: Seen,
    ) -> Result<Self> {
        if opts.tenant.trim().is_empty() {
            return Err(CloudError::Missing {
                what: "the tenant",
                hint: "give --tenant (or ADPHOTO_TENANT_ID): the directory id or a domain such as contoso.onmicrosoft.com",
            });
        }
        if opts.client_id.trim().is_empty() {
            return Err(CloudError::Missing {
                what: "the client id",
                hint: "give --client-id (or ADPHOTO_CLIENT_ID): the app registration's Application (client) ID",
            });
        }
        // The tenant becomes a path segment: a slash or a query in it would send the sign-in elsewhere.
        if !opts
            .tenant
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            return Err(CloudError::BadUrl {
                url: opts.tenant.clone(),
                detail: "a tenant is a directory id (GUID) or a domain name".into(),
            });
        }
        let person = !matches!(
            credentials,
            Credentials::ClientSecret(_) | Credentials::ClientCertificate(_)
        );
        // The app's own identity has no refresh token: nothing to keep.
        let kept = person.then(|| super::KeptSignIn::for_options(opts));
        let keep = opts.keep_signed_in || matches!(credentials, Credentials::Kept);
        Ok(Self {
            kept,
            keep,
            keep_problem: std::sync::Mutex::new(None),
            http,
            tenant: opts.tenant.trim().to_string(),
            client_id: opts.client_id.trim().to_string(),
            endpoints: opts.endpoints.clone(),
            credentials,
            seen,
            state: tokio::sync::Mutex::new(State::default()),
        })
    }

    /// A valid access token and its generation (for [`SignIn::renew`]); signs in if needed.
    pub(crate) async fn token(&self) -> Result<(String, u64)> {
        let mut st = self.state.lock().await;
        let fresh = |a: &Access| a.expires.is_none_or(|e| e > Instant::now() + EARLY);
        if let Some(a) = st.access.as_ref().filter(|a| fresh(a)) {
            return Ok((a.token.clone(), st.generation));
        }
        self.acquire(&mut st).await?;
        let token = st
            .access
            .as_ref()
            .map(|a| a.token.clone())
            .unwrap_or_default();
        Ok((token, st.generation))
    }

    /// Graph said 401 to the token of generation `failed`: get a new one, unless another
    /// request already did.
    pub(crate) async fn renew(&self, failed: u64) -> Result<()> {
        let mut st = self.state.lock().await;
        if st.generation != failed && st.access.is_some() {
            return Ok(());
        }
        st.access = None;
        self.acquire(&mut st).await
    }

    async fn acquire(&self, st: &mut State) -> Result<()> {
        let answer = match &self.credentials {
            Credentials::ClientSecret(_) | Credentials::ClientCertificate(_) => {
                self.app_sign_in().await?
            }
            _ => {
                let refresh = match st.refresh.take() {
                    Some(r) => Some(r),
                    None => self.load_kept().await,
                };
                match refresh {
                    Some(refresh) => match self.refresh(&refresh).await {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::info!("refreshing the sign-in failed ({e}); signing in again");
                            // Refused (expired, revoked, password changed): it will not work again.
                            if matches!(e, CloudError::SignIn { .. })
                                && self.keep
                                && let Some(kept) = &self.kept
                                && let Err(e) = kept.forget_async().await
                            {
                                tracing::warn!("{e}");
                            }
                            self.interactive().await?
                        }
                    },
                    None => self.interactive().await?,
                }
            }
        };
        st.access = Some(Access {
            token: answer.access_token().secret().clone(),
            expires: answer.expires_in().map(|d| Instant::now() + d),
        });
        st.refresh = answer.refresh_token().cloned();
        st.generation += 1;
        if let (true, Some(kept), Some(refresh)) = (self.keep, &self.kept, &st.refresh) {
            let problem = kept.save_async(refresh.secret().clone()).await.err();
            if let Some(e) = &problem {
                tracing::warn!("{e}");
            }
            if let Ok(mut p) = self.keep_problem.lock() {
                *p = problem.map(|e| e.to_string());
            }
        }
        tracing::debug!(
            "signed in to {} (token {})",
            self.endpoints.login,
            st.generation
        );
        Ok(())
    }

    /// The kept sign-in's refresh token, when one is kept and the store gives it.
    async fn load_kept(&self) -> Option<RefreshToken> {
        let kept = self.kept.as_ref().filter(|_| self.keep)?;
        match kept.load_async().await {
            Ok(token) => token.map(RefreshToken::new),
            Err(e) => {
                tracing::warn!("{e}");
                if let Ok(mut p) = self.keep_problem.lock() {
                    *p = Some(e.to_string());
                }
                None
            }
        }
    }

    /// Why "keep me signed in" did not work at the last sign-in, if it did not.
    pub(crate) fn keep_problem(&self) -> Option<String> {
        self.keep_problem.lock().ok().and_then(|p| p.clone())
    }

    /// Signs out on this computer: the tokens in memory are dropped and a kept sign-in is
    /// removed from the credential store. `true` when a kept sign-in was removed. Without
    /// "keep me signed in" a store that cannot be reached is no failure: nothing was kept.
    pub(crate) async fn sign_out(&self) -> Result<bool> {
        let mut st = self.state.lock().await;
        *st = State::default();
        let Some(kept) = &self.kept else {
            return Ok(false);
        };
        match kept.forget_async().await {
            Err(e) if !self.keep => {
                tracing::debug!("{e}");
                Ok(false)
            }
            other => other,
        }
    }

    /// A person signs in again (the refresh token is gone or refused).
    async fn interactive(&self) -> Result<BasicTokenResponse> {
        match &self.credentials {
            Credentials::DeviceCode(show) => self.device_code(show.as_ref()).await,
            Credentials::Browser(open) => self.browser(open.as_ref()).await,
            Credentials::Kept => Err(CloudError::SignInNeeded),
            Credentials::ClientSecret(_) | Credentials::ClientCertificate(_) => {
                self.app_sign_in().await
            }
        }
    }

    fn token_url(&self) -> Result<TokenUrl> {
        let url = self.endpoints.token_url(&self.tenant);
        TokenUrl::new(url.clone()).map_err(|e| CloudError::BadUrl {
            url,
            detail: e.to_string(),
        })
    }

    /// The delegated permissions a person's sign-in asks for (least privilege for reading users
    /// with their immutable id and for changing others' photos), and a refresh token.
    fn delegated_scopes(&self) -> Vec<Scope> {
        ["User.Read.All", "ProfilePhoto.ReadWrite.All"]
            .iter()
            .map(|p| Scope::new(format!("{}/{p}", self.endpoints.graph)))
            .chain([Scope::new("offline_access".into())])
            .collect()
    }

    /// The client credentials grant, with the secret or a certificate's assertion.
    async fn app_sign_in(&self) -> Result<BasicTokenResponse> {
        let token_url = self.token_url()?;
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            // The identity platform documents the secret (or assertion) in the form body.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url.clone());
        let (client, assertion) = match &self.credentials {
            Credentials::ClientSecret(secret) => (
                client.set_client_secret(ClientSecret::new(secret.0.clone())),
                None,
            ),
            Credentials::ClientCertificate(cert) => (
                client,
                Some(cert.assertion(&self.client_id, token_url.as_str())?),
            ),
            _ => (client, None),
        };
        let mut request = client
            .exchange_client_credentials()
            // Application permissions are the app registration's, granted by an admin: `.default`.
            .add_scope(Scope::new(format!("{}/.default", self.endpoints.graph)));
        if let Some(a) = assertion {
            request = request
                .add_extra_param("client_assertion_type", ASSERTION_TYPE)
                .add_extra_param("client_assertion", a);
        }
        request
            .request_async(&self.http)
            .await
            .map_err(|e| self.token_error(e))
    }

    async fn refresh(&self, refresh: &RefreshToken) -> Result<BasicTokenResponse> {
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(self.token_url()?);
        client
            .exchange_refresh_token(refresh)
            .add_scopes(self.delegated_scopes())
            .request_async(&self.http)
            .await
            .map_err(|e| self.token_error(e))
    }

    async fn device_code(
        &self,
        show: &(dyn Fn(&DeviceCodePrompt) + Send + Sync),
    ) -> Result<BasicTokenResponse> {
        let url = self.endpoints.device_code_url(&self.tenant);
        let device_url =
            DeviceAuthorizationUrl::new(url.clone()).map_err(|e| CloudError::BadUrl {
                url,
                detail: e.to_string(),
            })?;
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(self.token_url()?)
            .set_device_authorization_url(device_url);
        let details: DeviceAuthorizationResponse<MessageField> = client
            .exchange_device_code()
            .add_scopes(self.delegated_scopes())
            .request_async(&self.http)
            .await
            .map_err(|e| self.token_error(e))?;
        show(&DeviceCodePrompt {
            user_code: details.user_code().secret().clone(),
            verification_uri: details.verification_uri().to_string(),
            message: details.extra_fields().message.clone(),
            expires_in: details.expires_in(),
        });
        // oauth2 polls as RFC 8628 and the identity platform say: every `interval` seconds while
        // `authorization_pending`, 5 s more after `slow_down`, and stops at `expired_token`
        // or when `expires_in` has passed.
        client
            .exchange_device_access_token(&details)
            .request_async(&self.http, tokio::time::sleep, None)
            .await
            .map_err(|e| match self.token_error(e) {
                CloudError::SignIn { code, .. } if code == "expired_token" => {
                    CloudError::DeviceCodeExpired
                }
                CloudError::SignIn { code, .. }
                    if code == "authorization_declined" || code == "access_denied" =>
                {
                    CloudError::DeviceCodeDeclined
                }
                other => other,
            })
    }

    /// Authorization code + PKCE: the browser signs in at `/authorize` and comes back to a
    /// loopback listener of ours with the code, which is exchanged with the PKCE verifier.
    async fn browser(
        &self,
        open: &(dyn Fn(&str) -> bool + Send + Sync),
    ) -> Result<BasicTokenResponse> {
        let io = |e: std::io::Error| CloudError::Connection {
            host: "127.0.0.1".into(),
            detail: format!("cannot listen for the browser's return: {e}"),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(io)?;
        let port = listener.local_addr().map_err(io)?.port();
        // The app registration's redirect URI is `http://localhost`; any port is accepted for it.
        let redirect = format!("http://localhost:{port}");
        let bad = |url: String| {
            move |e: oauth2::url::ParseError| CloudError::BadUrl {
                url,
                detail: e.to_string(),
            }
        };
        let auth_url = format!(
            "{}/{}/oauth2/v2.0/authorize",
            self.endpoints.login, self.tenant
        );
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(AuthUrl::new(auth_url.clone()).map_err(bad(auth_url))?)
            .set_token_uri(self.token_url()?)
            .set_redirect_uri(RedirectUrl::new(redirect.clone()).map_err(bad(redirect))?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.delegated_scopes())
            .set_pkce_challenge(challenge)
            .url();
        if !open(url.as_str()) {
            tracing::warn!("no browser opened for the sign-in");
        }
        let back = super::browser::wait_for_redirect(&listener, Duration::from_secs(300)).await?;
        // The state ties the answer to this request: another page cannot slip a code in.
        if back.state != *state.secret() {
            return Err(CloudError::sign_in(
                "invalid_state",
                Some("the browser came back with another sign-in's state".into()),
            ));
        }
        client
            .exchange_code(AuthorizationCode::new(back.code))
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| self.token_error(e))
    }

    fn token_error<RE, T>(&self, e: RequestTokenError<RE, StandardErrorResponse<T>>) -> CloudError
    where
        RE: std::error::Error + 'static,
        T: ErrorResponseType + std::fmt::Display + 'static,
    {
        match e {
            RequestTokenError::ServerResponse(r) => {
                // The error code as the server spelled it (each crate enum serialises to it).
                let code = serde_json::to_value(r.error())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| "unknown".into());
                CloudError::sign_in(&code, r.error_description().cloned())
            }
            RequestTokenError::Request(e) => http_failure(&e, &self.endpoints.login, &self.seen),
            RequestTokenError::Parse(e, _) => CloudError::BadAnswer {
                doing: "sign in",
                detail: e.to_string(),
            },
            RequestTokenError::Other(detail) => CloudError::BadAnswer {
                doing: "sign in",
                detail,
            },
        }
    }
}

/// A request that got no HTTP answer, said plainly: the pinned certificate changed, an
/// untrusted certificate, a timeout, or the network's own words.
pub(crate) fn http_failure(
    e: &(dyn std::error::Error + 'static),
    url: &str,
    seen: &Seen,
) -> CloudError {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string());
    let mut parts: Vec<String> = Vec::new();
    let mut timeout = false;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<reqwest::Error>() {
            timeout |= r.is_timeout();
        }
        let text = err.to_string();
        // Each layer tends to repeat the one below it: keep what is new.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    let all = parts.join(": ");
    let presented = seen.get().map(|c| c.sha256);
    if all.contains(PIN_MISMATCH) {
        return CloudError::CertificateChanged {
            host,
            now: presented.unwrap_or_else(|| "unknown".into()),
        };
    }
    if timeout {
        return CloudError::Timeout { host };
    }
    let detail = if all.contains("invalid peer certificate") {
        format!(
            "its certificate is not trusted ({all}): give the CA that issued it with --ca-file, \
             or pin it with --pin-sha256{}",
            presented
                .map(|s| format!(" (it presented {s})"))
                .unwrap_or_default()
        )
    } else {
        all
    };
    CloudError::Connection { host, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let c = Credentials::ClientSecret(Secret::new("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
