//! Microsoft Graph: users in pages, many looked up in few requests, and profile photos —
//! under Graph's limits (bounded parallel requests, `Retry-After` on 429/503/504, one token
//! renewal on 401).
//!
//! Contract followed:
//! - https://learn.microsoft.com/graph/api/user-list (paging: `@odata.nextLink`; `$select`)
//! - https://learn.microsoft.com/graph/filter-query-parameter (`in`: at most 15 values)
//! - https://learn.microsoft.com/graph/api/profilephoto-get, …/profilephoto-update,
//!   …/profilephoto-delete (`/users/{id}/photo/$value`; 4 MB; 404 when there is none)
//! - https://learn.microsoft.com/graph/throttling (429 + Retry-After seconds)
//! - https://learn.microsoft.com/graph/errors (`{"error": {"code", "message"}}`)

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::auth::{SignIn, http_failure};
use super::error::{CloudError, Operation, Result};
use super::{CloudOptions, Credentials, FILTER_VALUES, MAX_PHOTO_BYTES};
use crate::directory::{Seen, Trust, tls_client_config};

/// The user properties read: enough to match AD users and to show who is who.
pub const USER_SELECT: &str = "id,userPrincipalName,mail,displayName,onPremisesImmutableId";
/// Users per page asked for (Graph's largest for users).
const PAGE: &str = "999";
/// One `Retry-After` is obeyed up to this long; longer ones count as this much.
const LONGEST_WAIT: Duration = Duration::from_secs(120);

/// A user in Entra ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudUser {
    /// The Entra object id (a GUID): what photo requests address the user by.
    pub id: String,
    /// The sign-in name, such as `anna@contoso.com`.
    pub user_principal_name: Option<String>,
    /// The primary email address, when the user has a mailbox or one is set.
    pub mail: Option<String>,
    /// The name people see, such as "Anna Berg".
    pub display_name: Option<String>,
    /// Set for users synchronised from AD (Entra Connect's source anchor).
    pub on_premises_immutable_id: Option<String>,
}

impl CloudUser {
    /// "Anna Berg (anna@contoso.com)".
    pub fn label(&self) -> String {
        let upn = self.user_principal_name.as_deref().unwrap_or(&self.id);
        match self.display_name.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => format!("{d} ({upn})"),
            None => upn.to_string(),
        }
    }
}

/// "image/jpeg" or "image/png" from the bytes' signature; `None` for anything else (Graph
/// takes only these two).
pub fn photo_content_type(bytes: &[u8]) -> Option<&'static str> {
    use crate::photo::Format;
    Format::of(bytes)
        .filter(|f| matches!(f, Format::Jpeg | Format::Png))
        .map(Format::mime)
}

/// A signed-in connection to one tenant's Graph. Cheap to clone; clones share the token and
/// the limit on parallel requests.
#[derive(Clone)]
pub struct Graph {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `https://graph.microsoft.com`, no trailing slash.
    base: String,
    sign_in: SignIn,
    permits: Semaphore,
    max_wait: Duration,
    seen: Seen,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<CloudUser>,
    #[serde(rename = "@odata.nextLink")]
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorDetail,
}

#[derive(Deserialize, Default)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl Graph {
    /// Sets up HTTPS and signs in (so a wrong secret or tenant shows up at once).
    pub async fn connect(opts: &CloudOptions, credentials: Credentials) -> Result<Self> {
        let base = opts.endpoints.graph.trim_end_matches('/').to_string();
        let parsed = Url::parse(&base).map_err(|e| CloudError::BadUrl {
            url: base.clone(),
            detail: e.to_string(),
        })?;
        if parsed.scheme() != "https" {
            return Err(CloudError::BadUrl {
                url: base,
                detail:
                    "Graph is reached over https:// only (the token must not travel in the clear)"
                        .into(),
            });
        }
        let seen = Seen::default();
        let http = http_client(opts, &seen)?;
        let sign_in = SignIn::new(http.clone(), opts, credentials, seen.clone())?;
        let graph = Graph {
            inner: Arc::new(Inner {
                http,
                base,
                sign_in,
                permits: Semaphore::new(opts.parallel.max(1)),
                max_wait: opts.max_throttle_wait,
                seen,
            }),
        };
        graph.inner.sign_in.token().await?;
        Ok(graph)
    }

    /// Why "keep me signed in" did not work (the credential store's words), if it did not:
    /// the person stays signed in for this run only.
    pub fn keep_problem(&self) -> Option<String> {
        self.inner.sign_in.keep_problem()
    }

    /// Signs out on this computer: tokens dropped, the kept sign-in removed from the system's
    /// credential store (`true` when there was one). The next call signs in again.
    pub async fn sign_out(&self) -> Result<bool> {
        self.inner.sign_in.sign_out().await
    }

    fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = Url::parse(&self.inner.base).map_err(|e| CloudError::BadUrl {
            url: self.inner.base.clone(),
            detail: e.to_string(),
        })?;
        url.path_segments_mut()
            .map_err(|_| CloudError::BadUrl {
                url: self.inner.base.clone(),
                detail: "not a base URL".into(),
            })?
            .pop_if_empty()
            .push("v1.0")
            .extend(segments);
        Ok(url)
    }

    /// Every user of the tenant, page by page.
    pub async fn users(&self) -> Result<Vec<CloudUser>> {
        let mut url = self.url(&["users"])?;
        url.query_pairs_mut()
            .append_pair("$select", USER_SELECT)
            .append_pair("$top", PAGE);
        self.all_pages(url).await
    }

    /// The users of `url` and of every page after it (`@odata.nextLink`).
    async fn all_pages(&self, url: Url) -> Result<Vec<CloudUser>> {
        let mut all = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            let page: Page = self.get_json(url, Operation::ReadUsers).await?;
            all.extend(page.value);
            if let Some(link) = page.next {
                next = Some(self.same_origin(&link)?);
            }
        }
        Ok(all)
    }

    /// A nextLink is followed only on Graph's own host: the token goes nowhere else.
    fn same_origin(&self, link: &str) -> Result<Url> {
        let url = Url::parse(link).map_err(|e| CloudError::BadAnswer {
            doing: Operation::ReadUsers.doing(),
            detail: format!("next page link {link}: {e}"),
        })?;
        let base = Url::parse(&self.inner.base).ok();
        let origin_ok = base.is_some_and(|b| b.origin() == url.origin());
        if !origin_ok {
            return Err(CloudError::BadAnswer {
                doing: Operation::ReadUsers.doing(),
                detail: format!("the next page link points elsewhere: {link}"),
            });
        }
        Ok(url)
    }

    /// One user by object id or userPrincipalName.
    pub async fn user(&self, who: &str) -> Result<CloudUser> {
        let who = who.trim();
        if who.is_empty() {
            return Err(CloudError::UserNotFound { who: String::new() });
        }
        let mut url = self.url(&["users", who])?;
        url.query_pairs_mut().append_pair("$select", USER_SELECT);
        let resp = self.send(Method::GET, url, None).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(CloudError::UserNotFound { who: who.into() });
        }
        json(
            check(resp, Operation::ReadUsers).await?,
            Operation::ReadUsers,
        )
        .await
    }

    /// Users by `onPremisesImmutableId`, keyed by it; ids with no cloud account are absent.
    pub async fn find_by_immutable_ids(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, CloudUser>> {
        let found = self.find_in("onPremisesImmutableId", ids).await?;
        Ok(found
            .into_iter()
            .filter_map(|u| u.on_premises_immutable_id.clone().map(|k| (k, u)))
            .collect())
    }

    /// Users by userPrincipalName, keyed by it in lower case (UPNs compare without case).
    pub async fn find_by_upns(&self, upns: &[String]) -> Result<HashMap<String, CloudUser>> {
        let found = self.find_in("userPrincipalName", upns).await?;
        Ok(found
            .into_iter()
            .filter_map(|u| {
                u.user_principal_name
                    .as_deref()
                    .map(|k| (k.to_lowercase(), u.clone()))
            })
            .collect())
    }

    /// Users by mail, keyed by it in lower case.
    pub async fn find_by_mails(&self, mails: &[String]) -> Result<HashMap<String, CloudUser>> {
        let found = self.find_in("mail", mails).await?;
        Ok(found
            .into_iter()
            .filter_map(|u| u.mail.as_deref().map(|k| (k.to_lowercase(), u.clone())))
            .collect())
    }

    /// `$filter=<property> in ('…', …)`, 15 values a request, the requests in parallel.
    async fn find_in(&self, property: &str, values: &[String]) -> Result<Vec<CloudUser>> {
        let mut set = tokio::task::JoinSet::new();
        for (i, chunk) in values.chunks(FILTER_VALUES).enumerate() {
            let quoted: Vec<String> = chunk
                .iter()
                // OData string literal: a quote is doubled.
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect();
            let mut url = self.url(&["users"])?;
            url.query_pairs_mut()
                .append_pair("$filter", &format!("{property} in ({})", quoted.join(",")))
                .append_pair("$select", USER_SELECT)
                .append_pair("$top", PAGE);
            let graph = self.clone();
            set.spawn(async move { graph.all_pages(url).await.map(|found| (i, found)) });
        }
        let mut parts = Vec::new();
        while let Some(done) = set.join_next().await {
            let part = done.map_err(|e| CloudError::BadAnswer {
                doing: Operation::ReadUsers.doing(),
                detail: e.to_string(),
            })??;
            parts.push(part);
        }
        parts.sort_by_key(|(i, _)| *i);
        Ok(parts.into_iter().flat_map(|(_, users)| users).collect())
    }

    /// The user's photo as stored (JPEG or PNG); `None` when there is none.
    pub async fn photo(&self, user_id: &str) -> Result<Option<Vec<u8>>> {
        let url = self.url(&["users", user_id, "photo", "$value"])?;
        let resp = self.send(Method::GET, url, None).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            let body = error_body(resp).await;
            // A missing user is an error; a user without a photo is not.
            if body.code == "Request_ResourceNotFound" {
                return Err(CloudError::UserNotFound {
                    who: user_id.into(),
                });
            }
            return Ok(None);
        }
        let resp = check(resp, Operation::ReadPhoto).await?;
        let bytes = resp.bytes().await.map_err(|e| CloudError::BadAnswer {
            doing: Operation::ReadPhoto.doing(),
            detail: e.to_string(),
        })?;
        Ok(Some(bytes.to_vec()))
    }

    /// Writes the photo as it is (no backup, no read-back: see [`Graph::replace_photo`]).
    /// Refused before sending when it is over 4 MB or neither JPEG nor PNG.
    pub async fn put_photo(&self, user_id: &str, bytes: &[u8]) -> Result<()> {
        let content_type = check_photo(bytes)?;
        let url = self.url(&["users", user_id, "photo", "$value"])?;
        let resp = self
            .send(Method::PUT, url, Some((bytes.to_vec(), content_type)))
            .await?;
        match resp.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Err(CloudError::TooLarge {
                bytes: bytes.len(),
                max: MAX_PHOTO_BYTES,
            }),
            StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                let e = error_body(resp).await;
                Err(CloudError::BadImage {
                    detail: format!("{}: {}", e.code, e.message),
                })
            }
            _ => check(resp, Operation::WritePhoto).await.map(drop),
        }
    }

    /// Removes the photo as it is (no backup: see [`Graph::remove_photo`]). No photo is not an error.
    pub async fn delete_photo(&self, user_id: &str) -> Result<()> {
        let url = self.url(&["users", user_id, "photo", "$value"])?;
        let resp = self.send(Method::DELETE, url, None).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        check(resp, Operation::RemovePhoto).await.map(drop)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url, op: Operation) -> Result<T> {
        let resp = self.send(Method::GET, url, None).await?;
        json(check(resp, op).await?, op).await
    }

    /// One request with the bearer token, within the parallel limit: 401 renews the token once,
    /// 429/503/504 wait `Retry-After` (or a growing pause) up to `max_wait` in all.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<(Vec<u8>, &'static str)>,
    ) -> Result<reqwest::Response> {
        let inner = &self.inner;
        let mut renewed = false;
        let mut waited = Duration::ZERO;
        let mut pauses = 0u32;
        loop {
            let (token, generation) = inner.sign_in.token().await?;
            let mut req = inner
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&token);
            if let Some((bytes, content_type)) = &body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            let sent = {
                let _permit =
                    inner
                        .permits
                        .acquire()
                        .await
                        .map_err(|e| CloudError::Connection {
                            host: inner.base.clone(),
                            detail: e.to_string(),
                        })?;
                req.send().await
            };
            let resp = sent.map_err(|e| http_failure(&e, &inner.base, &inner.seen))?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && !renewed {
                tracing::debug!("401 from {}: renewing the token", url.path());
                renewed = true;
                inner.sign_in.renew(generation).await?;
                continue;
            }
            if matches!(status.as_u16(), 429 | 503 | 504) {
                let pause = retry_after(&resp)
                    .unwrap_or_else(|| Duration::from_secs(1 << pauses.min(6)))
                    .min(LONGEST_WAIT);
                if waited + pause > inner.max_wait {
                    return Err(CloudError::Throttled {
                        status: status.as_u16(),
                        waited,
                    });
                }
                tracing::info!("Graph answered {status}: waiting {pause:?}");
                tokio::time::sleep(pause).await;
                waited += pause;
                pauses += 1;
                continue;
            }
            return Ok(resp);
        }
    }
}

/// The rustls config of the LDAP connections (ring; `--ca-file`, `--pin-sha256`), for reqwest.
fn http_client(opts: &CloudOptions, seen: &Seen) -> Result<reqwest::Client> {
    let trust = Trust {
        ca_file: opts.ca_file.as_deref(),
        pin_sha256: opts.pin_sha256.as_deref(),
        insecure_skip_verify: opts.insecure_skip_verify,
    };
    let config = tls_client_config(&opts.endpoints.graph, &trust, seen)
        .map_err(|e| CloudError::Tls(e.to_string()))?;
    let mut config = Arc::unwrap_or_clone(config);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut builder = reqwest::Client::builder();
    // HTTPS_PROXY is honoured, but no proxy serves loopback (the local test server).
    let loopback = |u: &str| {
        Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .is_some_and(|h| {
                h == "localhost"
                    || h.trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            })
    };
    if loopback(&opts.endpoints.graph) && loopback(&opts.endpoints.login) {
        builder = builder.no_proxy();
    }
    builder
        .use_preconfigured_tls(config)
        .https_only(true)
        // oauth2's advice (and ours): a redirect must not carry a token or a secret elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(opts.timeout)
        .timeout(opts.timeout)
        .user_agent(concat!("adphoto/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CloudError::Tls(e.to_string()))
}

/// Refuses what Graph would refuse, before sending it.
pub(super) fn check_photo(bytes: &[u8]) -> Result<&'static str> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(CloudError::TooLarge {
            bytes: bytes.len(),
            max: MAX_PHOTO_BYTES,
        });
    }
    photo_content_type(bytes).ok_or_else(|| CloudError::BadImage {
        detail: "it is neither JPEG nor PNG".into(),
    })
}

/// `Retry-After` in seconds (Graph sends whole seconds).
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

async fn error_body(resp: reqwest::Response) -> ErrorDetail {
    let bytes = resp.bytes().await.unwrap_or_default();
    serde_json::from_slice::<ErrorBody>(&bytes)
        .map(|b| b.error)
        .unwrap_or_default()
}

/// A success passes; anything else becomes the error a person can act on.
async fn check(resp: reqwest::Response, op: Operation) -> Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let e = error_body(resp).await;
    Err(match status {
        StatusCode::FORBIDDEN => {
            let (least, broader) = op.permission();
            CloudError::Forbidden {
                doing: op.doing(),
                least,
                broader,
                message: e.message,
            }
        }
        StatusCode::UNAUTHORIZED => CloudError::Unauthorized {
            doing: op.doing(),
            message: e.message,
        },
        _ => CloudError::Server {
            status: status.as_u16(),
            doing: op.doing(),
            code: e.code,
            message: e.message,
        },
    })
}

async fn json<T: serde::de::DeserializeOwned>(resp: reqwest::Response, op: Operation) -> Result<T> {
    let bytes = resp.bytes().await.map_err(|e| CloudError::BadAnswer {
        doing: op.doing(),
        detail: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| CloudError::BadAnswer {
        doing: op.doing(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_jpeg_and_png_under_4_mb() {
        assert_eq!(
            photo_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(
            photo_content_type(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(photo_content_type(b"GIF89a"), None);
        assert!(matches!(
            check_photo(b"GIF89a"),
            Err(CloudError::BadImage { .. })
        ));
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert!(matches!(
            check_photo(&big),
            Err(CloudError::TooLarge { .. })
        ));
    }
}
