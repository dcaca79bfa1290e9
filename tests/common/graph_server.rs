//! A local stand-in for the Microsoft identity platform and Microsoft Graph, over HTTPS on
//! 127.0.0.1 (a port of its own, a certificate from a CA made here that the tests trust with
//! `--ca-file`), for the cloud tests. Nothing here ever contacts a Microsoft host.
//!
//! It follows the documented contract as closely as we could read it:
//! - token endpoint, client credentials (`scope={graph}/.default`, secret in the form body;
//!   errors as `{"error","error_description":"AADSTSnnn: …","error_codes":[…]}`):
//!   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
//! - device code (`/devicecode`: device_code, user_code, verification_uri, expires_in, interval,
//!   message; polling errors `authorization_pending`, `slow_down`, `expired_token`,
//!   `authorization_declined`, `bad_verification_code`):
//!   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
//! - refresh tokens: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
//! - certificate credentials (`client_assertion_type` jwt-bearer, an RS256 JWT with `x5t#S256`,
//!   `aud` the token endpoint, `iss` = `sub` = the client id, `jti`, `nbf`, `exp`):
//!   https://learn.microsoft.com/entra/identity-platform/certificate-credentials
//! - error codes (AADSTS7000215 bad secret, 700016 unknown app, 700027 unknown certificate or bad
//!   signature, 700024 assertion out of its time):
//!   https://learn.microsoft.com/entra/identity-platform/reference-error-codes
//! - users, `$select`, paging with `@odata.nextLink`: https://learn.microsoft.com/graph/api/user-list
//!   and https://learn.microsoft.com/graph/paging
//! - `$filter` with `in` (at most 15 values): https://learn.microsoft.com/graph/filter-query-parameter
//! - photos (`/users/{id}/photo/$value`; GET 404 when none; PUT image/jpeg or image/png, 4 MB;
//!   DELETE): https://learn.microsoft.com/graph/api/profilephoto-get,
//!   https://learn.microsoft.com/graph/api/profilephoto-update,
//!   https://learn.microsoft.com/graph/api/profilephoto-delete
//! - throttling (429, `Retry-After` in seconds, `TooManyRequests`):
//!   https://learn.microsoft.com/graph/throttling
//! - error bodies (`{"error":{"code","message"}}`, 401 `InvalidAuthenticationToken`, 403
//!   `Authorization_RequestDenied`, 404 `Request_ResourceNotFound`):
//!   https://learn.microsoft.com/graph/errors
//!
//! What it cannot know and so does not pretend: how the real service re-encodes pictures (it
//! stores the bytes as sent), its real throttling thresholds, consent screens.
#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use oauth2::url::{Url, form_urlencoded};

pub const TENANT: &str = "11111111-2222-3333-4444-555555555555";
pub const CLIENT_ID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
pub const CLIENT_SECRET: &str = "s3cr3t~value";
/// Graph's request limit, which bounds a photo.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct MockUser {
    pub id: String,
    pub upn: String,
    pub mail: Option<String>,
    pub display_name: String,
    pub immutable_id: Option<String>,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub bearer: Option<String>,
    pub content_type: Option<String>,
    pub status: u16,
}

#[derive(Debug, Default)]
pub struct State {
    pub users: Vec<MockUser>,
    /// User id → (bytes, content type).
    pub photos: HashMap<String, (Vec<u8>, String)>,
    /// Issued access tokens; false once expired.
    tokens: HashMap<String, bool>,
    issued: u64,
    /// Authorization code → (PKCE challenge, redirect URI) it was issued for.
    codes: HashMap<String, (String, String)>,
    /// Device code → polls still to answer `authorization_pending`.
    devices: HashMap<String, u32>,
    /// Polls a new device code stays pending before "the person signs in".
    pub device_pending_polls: u32,
    /// The next device code poll answers `expired_token`.
    pub device_expired: bool,
    /// Refresh tokens are refused (`invalid_grant`: revoked, or expired after inactivity).
    pub refuse_refresh: bool,
    /// Users returned per page at most (small, so paging shows).
    pub page_size: usize,
    /// The next N Graph requests are answered 429 with Retry-After: 1.
    pub throttle_next: usize,
    /// Every Graph request is answered 401 (a token the service will not take).
    pub always_401: bool,
    /// Photo writes and deletes are answered 403.
    pub forbid_writes: bool,
    /// Added before every answer (a round trip to the real service is tens of ms).
    pub latency: std::time::Duration,
    /// Grant types asked of the token endpoint, in order.
    pub grants: Vec<String>,
    /// The app registration's certificate (DER), for client assertions.
    pub app_certificate: Option<Vec<u8>>,
    /// Client assertions taken (signature, thumbprint and claims all good).
    pub assertions: usize,
    pub log: Vec<Seen>,
    /// Breaches of the contract by the client (a Graph call without a bearer token, a photo
    /// without its content type, …): the tests require none.
    pub violations: Vec<String>,
}

pub struct GraphServer {
    /// `https://127.0.0.1:PORT`: both the login and the Graph base.
    pub url: String,
    /// The CA that signed the server's certificate (PEM), for `--ca-file`.
    pub ca_file: PathBuf,
    /// SHA-256 of the server's certificate (DER), for `--pin-sha256`.
    pub leaf_sha256: String,
    pub state: Arc<Mutex<State>>,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl GraphServer {
    pub fn start(users: Vec<MockUser>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "adphoto test Graph CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
        let ca_file = dir.path().join("graph-ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let leaf_sha256 = adphoto::directory::fingerprint(leaf.der());

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), ca.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("https://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State {
            users,
            device_pending_polls: 2,
            page_size: 2,
            ..Default::default()
        }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let base = url.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let serve = async {
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else {
                            continue;
                        };
                        let acceptor = acceptor.clone();
                        let state = shared.clone();
                        let base = base.clone();
                        tokio::spawn(async move {
                            let Ok(tls) = acceptor.accept(tcp).await else {
                                return;
                            };
                            let service = hyper::service::service_fn(move |req| {
                                let state = state.clone();
                                let base = base.clone();
                                async move { Ok::<_, Infallible>(handle(req, &state, &base).await) }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                                .await;
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = stopped => {}
                }
            });
        });
        GraphServer {
            url,
            ca_file,
            leaf_sha256,
            state,
            _dir: dir,
            stop: Some(stop),
        }
    }

    /// The app registration gets the certificate in this PEM file (its public part).
    /// `adphoto cloud --tenant … --client-id … --ca-file …` aimed at this server (its sign-in
    /// and Graph addresses), taking no tenant, client id or secret from the environment.
    pub fn cloud_command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_adphoto"));
        c.args(["cloud", "--tenant", TENANT, "--client-id", CLIENT_ID])
            .arg("--ca-file")
            .arg(&self.ca_file)
            .env("ADPHOTO_LOGIN_URL", &self.url)
            .env("ADPHOTO_GRAPH_URL", &self.url)
            .env_remove("ADPHOTO_TENANT_ID")
            .env_remove("ADPHOTO_CLIENT_ID")
            .env_remove("ADPHOTO_CLIENT_SECRET");
        c
    }

    pub fn register_app_certificate(&self, pem: &std::path::Path) {
        use rustls_pki_types::pem::PemObject as _;
        let cert = rustls_pki_types::CertificateDer::from_pem_file(pem).unwrap();
        self.with(|s| s.app_certificate = Some(cert.to_vec()));
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// Every access token issued so far stops working (as when an hour has passed).
    pub fn expire_tokens(&self) {
        self.with(|s| s.tokens.values_mut().for_each(|v| *v = false));
    }

    /// The Graph requests (not sign-in) seen so far.
    pub fn graph_requests(&self) -> Vec<Seen> {
        self.with(|s| {
            s.log
                .iter()
                .filter(|r| r.path.starts_with("/v1.0/"))
                .cloned()
                .collect()
        })
    }

    pub fn assert_no_violations(&self) {
        let v = self.with(|s| s.violations.clone());
        assert!(v.is_empty(), "the client broke the contract: {v:#?}");
    }
}

impl Drop for GraphServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

type Answer = Response<Full<Bytes>>;

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Answer {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .body(Full::new(body.into()))
        .unwrap()
}

fn json(status: u16, value: serde_json::Value) -> Answer {
    reply(status, "application/json", value.to_string())
}

fn graph_error(status: u16, code: &str, message: &str) -> Answer {
    json(
        status,
        serde_json::json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2026-12-02T12:00:00", "request-id": "00000000-0000-0000-0000-000000000000"}}}),
    )
}

/// The identity platform's error shape.
fn oauth_error(status: u16, error: &str, aadsts: u32, text: &str) -> Answer {
    json(
        status,
        serde_json::json!({
            "error": error,
            "error_description": format!("AADSTS{aadsts}: {text}\r\nTrace ID: 0\r\nCorrelation ID: 0\r\nTimestamp: 2026-12-02 12:00:00Z"),
            "error_codes": [aadsts],
            "timestamp": "2026-12-02 12:00:00Z",
            "trace_id": "0",
            "correlation_id": "0",
        }),
    )
}

async fn handle(req: Request<hyper::body::Incoming>, state: &Mutex<State>, base: &str) -> Answer {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let url = Url::parse(&format!("{base}{}", req.uri())).unwrap();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let authorization = header("authorization");
    let content_type = header("content-type");
    let bearer = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::to_string);
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return reply(400, "text/plain", "unreadable body"),
    };
    let latency = state.lock().unwrap().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut st = state.lock().unwrap();
    let answer = route(
        &mut st,
        base,
        &method,
        &path,
        &query,
        bearer.as_deref(),
        content_type.as_deref(),
        &body,
    );
    st.log.push(Seen {
        method,
        path,
        query,
        bearer,
        content_type,
        status: answer.status().as_u16(),
    });
    answer
}

#[allow(clippy::too_many_arguments)]
fn route(
    st: &mut State,
    base: &str,
    method: &str,
    path: &str,
    query: &HashMap<String, String>,
    bearer: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let login = format!("/{TENANT}/oauth2/v2.0/");
    if let Some(endpoint) = path.strip_prefix(&login) {
        if endpoint == "authorize" && method == "GET" {
            return authorize(st, query);
        }
        if method != "POST" {
            return reply(405, "text/plain", "POST only");
        }
        if content_type != Some("application/x-www-form-urlencoded") {
            st.violations
                .push(format!("{path}: content type {content_type:?}, not a form"));
        }
        let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        return match endpoint {
            "token" => token(st, base, &form),
            "devicecode" => device_code(st, base, &form),
            _ => reply(404, "text/plain", "no such endpoint"),
        };
    }
    if path.contains("/oauth2/") {
        // Another tenant: the identity platform's "tenant not found".
        return oauth_error(400, "invalid_request", 90002, "Tenant not found.");
    }
    let Some(rest) = path.strip_prefix("/v1.0/") else {
        return graph_error(400, "BadRequest", "Invalid version.");
    };
    // Every Graph call must carry a token of ours.
    let Some(token) = bearer else {
        st.violations
            .push(format!("{method} {path} without Authorization: Bearer"));
        return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.");
    };
    if st.always_401 || st.tokens.get(token) != Some(&true) {
        return graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        );
    }
    if st.throttle_next > 0 {
        st.throttle_next -= 1;
        let mut a = graph_error(429, "TooManyRequests", "Please retry again later.");
        a.headers_mut()
            .insert("retry-after", hyper::header::HeaderValue::from_static("1"));
        return a;
    }
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method, segments.as_slice()) {
        ("GET", ["users"]) => list_users(st, base, query),
        ("GET", ["users", who]) => match find(st, who) {
            Some(u) => json(200, user_json(u, query.get("$select"))),
            None => not_found(who),
        },
        (_, ["users", who, "photo", "$value"]) => {
            let Some(id) = find(st, who).map(|u| u.id.clone()) else {
                return not_found(who);
            };
            photo(st, method, &id, content_type, body)
        }
        _ => graph_error(400, "BadRequest", "Resource not found for the segment."),
    }
}

fn not_found(who: &str) -> Answer {
    graph_error(
        404,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{who}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

fn decode(segment: &str) -> String {
    // form_urlencoded decodes %XX (and '+', which a path would not use for a space).
    form_urlencoded::parse(format!("k={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn find<'a>(st: &'a State, who: &str) -> Option<&'a MockUser> {
    st.users
        .iter()
        .find(|u| u.id == who || u.upn.eq_ignore_ascii_case(who))
}

fn issue(st: &mut State, with_refresh: bool) -> serde_json::Value {
    st.issued += 1;
    let token = format!("access-{}", st.issued);
    st.tokens.insert(token.clone(), true);
    let mut v = serde_json::json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": token,
    });
    if with_refresh {
        v["refresh_token"] = serde_json::json!(format!("refresh-{}", st.issued));
        v["scope"] = serde_json::json!("User.Read.All ProfilePhoto.ReadWrite.All");
    }
    v
}

/// AADSTS900144: a required parameter is missing or wrong.
fn missing_parameter(which: &str) -> Answer {
    oauth_error(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{which}'."),
    )
}

/// AADSTS700016 for a client id that is not the app registration's.
fn unknown_client(form: &HashMap<String, String>) -> Option<Answer> {
    (form.get("client_id").map(String::as_str) != Some(CLIENT_ID)).then(|| {
        oauth_error(
            400,
            "unauthorized_client",
            700016,
            "Application with identifier 'x' was not found in the directory.",
        )
    })
}

/// A certificate credential, checked as the identity platform documents it.
#[allow(clippy::result_large_err)] // the refusal is the answer to send, built once
fn check_assertion(st: &State, base: &str, form: &HashMap<String, String>) -> Result<(), Answer> {
    use base64::Engine as _;
    use sha2::Digest as _;
    if form.get("client_assertion_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return Err(oauth_error(
            400,
            "invalid_request",
            50027,
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        ));
    }
    if form.contains_key("client_secret") {
        return Err(missing_parameter(
            "client_assertion or client_secret, not both",
        ));
    }
    let jwt = &form["client_assertion"];
    let malformed = || {
        oauth_error(
            400,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.",
        )
    };
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| malformed())?;
    let unknown = || {
        oauth_error(
            401,
            "invalid_client",
            700027,
            "The certificate with identifier used to sign the client assertion is not registered on application.",
        )
    };
    let der = st.app_certificate.as_ref().ok_or_else(unknown)?;
    let thumbprint =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der));
    if header.alg != jsonwebtoken::Algorithm::RS256 || header.x5t_s256.as_ref() != Some(&thumbprint)
    {
        return Err(unknown());
    }
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_der(&cert.public_key().subject_public_key.data);
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[format!("{base}/{TENANT}/oauth2/v2.0/token")]);
    v.set_issuer(&[CLIENT_ID]);
    v.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    v.validate_nbf = true;
    let claims =
        jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &v).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature
            | jsonwebtoken::errors::ErrorKind::ImmatureSignature => oauth_error(
                401,
                "invalid_client",
                700024,
                "Client assertion is not within its valid time range.",
            ),
            jsonwebtoken::errors::ErrorKind::InvalidSignature => oauth_error(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation.",
            ),
            _ => oauth_error(
                401,
                "invalid_client",
                700023,
                &format!("Client assertion audience or claims are invalid: {e}."),
            ),
        })?;
    let c = claims.claims;
    if c["sub"] != CLIENT_ID || !c["jti"].is_string() {
        return Err(oauth_error(
            401,
            "invalid_client",
            700023,
            "sub must be the client id; jti is required.",
        ));
    }
    Ok(())
}

fn token(st: &mut State, base: &str, form: &HashMap<String, String>) -> Answer {
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    st.grants.push(grant.clone());
    if let Some(refused) = unknown_client(form) {
        return refused;
    }
    match grant.as_str() {
        "client_credentials" => {
            if form.get("scope") != Some(&format!("{base}/.default")) {
                return oauth_error(
                    400,
                    "invalid_scope",
                    1002012,
                    "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
                );
            }
            if form.contains_key("client_assertion") {
                return match check_assertion(st, base, form) {
                    Ok(()) => {
                        st.assertions += 1;
                        json(200, issue(st, false))
                    }
                    Err(refused) => refused,
                };
            }
            match form.get("client_secret").map(String::as_str) {
                Some(CLIENT_SECRET) => json(200, issue(st, false)),
                Some(_) => oauth_error(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                ),
                None => oauth_error(
                    401,
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                ),
            }
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = form.get("device_code").cloned().unwrap_or_default();
            if st.device_expired {
                return oauth_error(
                    400,
                    "expired_token",
                    70020,
                    "The provided authorization code or refresh token has expired.",
                );
            }
            match st.devices.get_mut(&code) {
                None => oauth_error(
                    400,
                    "bad_verification_code",
                    70019,
                    "Verification code expired.",
                ),
                Some(0) => {
                    st.devices.remove(&code);
                    json(200, issue(st, true))
                }
                Some(n) => {
                    *n -= 1;
                    oauth_error(
                        400,
                        "authorization_pending",
                        70016,
                        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    )
                }
            }
        }
        "authorization_code" => {
            let code = form.get("code").cloned().unwrap_or_default();
            let Some((challenge, redirect)) = st.codes.remove(&code) else {
                return oauth_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided authorization code is invalid.",
                );
            };
            if form.get("redirect_uri") != Some(&redirect) {
                return oauth_error(
                    400,
                    "invalid_grant",
                    50011,
                    "The redirect URI does not match the one the code was issued for.",
                );
            }
            use base64::Engine as _;
            use sha2::Digest as _;
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let derived = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if derived != challenge {
                return oauth_error(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                );
            }
            json(200, issue(st, true))
        }
        "refresh_token" => {
            if st.refuse_refresh {
                return oauth_error(
                    400,
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity.",
                );
            }
            if form
                .get("refresh_token")
                .is_some_and(|r| r.starts_with("refresh-"))
            {
                json(200, issue(st, true))
            } else {
                oauth_error(
                    400,
                    "invalid_grant",
                    9002313,
                    "Invalid request. Request is malformed or invalid.",
                )
            }
        }
        other => oauth_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

/// The browser's sign-in page, reduced to its outcome: "the person signs in" at once and the
/// browser is sent back to the app's loopback redirect with a code (302).
fn authorize(st: &mut State, q: &HashMap<String, String>) -> Answer {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let redirect = get("redirect_uri");
    let ok = get("client_id") == CLIENT_ID
        && get("response_type") == "code"
        && get("code_challenge_method") == "S256"
        && !get("code_challenge").is_empty()
        && !get("state").is_empty()
        && get("scope").contains("offline_access")
        && redirect.starts_with("http://localhost:");
    if !ok {
        st.violations.push(format!(
            "authorize request missing or wrong parameters: {q:?}"
        ));
        return missing_parameter(
            "client_id, response_type, code_challenge, state or redirect_uri",
        );
    }
    let code = format!("code-{}", st.codes.len() + 1);
    st.codes
        .insert(code.clone(), (get("code_challenge"), redirect.clone()));
    let mut back = Url::parse(&redirect).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    Response::builder()
        .status(302)
        .header("location", back.to_string())
        .body(Full::new(Bytes::new()))
        .unwrap()
}

fn device_code(st: &mut State, base: &str, form: &HashMap<String, String>) -> Answer {
    if let Some(refused) = unknown_client(form) {
        return refused;
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    if scope.is_empty() {
        return missing_parameter("scope");
    }
    let code = format!("device-{}", st.devices.len() + 1);
    st.devices.insert(code.clone(), st.device_pending_polls);
    let link = format!("{base}/devicelogin");
    json(
        200,
        serde_json::json!({
            "device_code": code,
            "user_code": "ABCD2345",
            "verification_uri": link,
            "expires_in": 900,
            "interval": 1,
            "message": format!("To sign in, use a web browser to open the page {link} and enter the code ABCD2345 to authenticate."),
        }),
    )
}

fn user_json(u: &MockUser, select: Option<&String>) -> serde_json::Value {
    let all = serde_json::json!({
        "id": u.id,
        "userPrincipalName": u.upn,
        "mail": u.mail,
        "displayName": u.display_name,
        "onPremisesImmutableId": u.immutable_id,
    });
    match select {
        None => all,
        Some(s) => {
            let mut out = serde_json::Map::new();
            out.insert("id".into(), all["id"].clone());
            for field in s.split(',').map(str::trim) {
                if let Some(v) = all.get(field) {
                    out.insert(field.into(), v.clone());
                }
            }
            serde_json::Value::Object(out)
        }
    }
}

/// `prop in ('a','b')` or `prop eq 'a'` → (prop, values); `None` if not understood.
fn parse_filter(f: &str) -> Option<(String, Vec<String>)> {
    let f = f.trim();
    let (prop, rest) = f.split_once(' ')?;
    let rest = rest.trim();
    let list = if let Some(r) = rest.strip_prefix("in ") {
        r.trim().strip_prefix('(')?.strip_suffix(')')?.to_string()
    } else {
        rest.strip_prefix("eq ")?.trim().to_string()
    };
    let mut values = Vec::new();
    let mut chars = list.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some('\'') => {}
            Some(_) => return None,
        }
        let mut v = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                c => v.push(c),
            }
        }
        values.push(v);
    }
    Some((prop.to_string(), values))
}

fn list_users(st: &State, base: &str, query: &HashMap<String, String>) -> Answer {
    let mut users: Vec<&MockUser> = st.users.iter().collect();
    if let Some(f) = query.get("$filter") {
        let Some((prop, values)) = parse_filter(f) else {
            return graph_error(
                400,
                "Request_UnsupportedQuery",
                "Unsupported or invalid query filter clause.",
            );
        };
        if values.len() > 15 {
            return graph_error(
                400,
                "Request_UnsupportedQuery",
                "Too many values in the 'in' operator: the maximum is 15.",
            );
        }
        users.retain(|u| {
            let v = match prop.as_str() {
                "onPremisesImmutableId" => u.immutable_id.clone(),
                "userPrincipalName" => Some(u.upn.to_lowercase()),
                "mail" => u.mail.as_deref().map(str::to_lowercase),
                _ => None,
            };
            // Directory strings compare without case in Graph filters; the anchor is base64.
            let wanted = |x: &String| {
                if prop != "onPremisesImmutableId" {
                    x.to_lowercase()
                } else {
                    x.clone()
                }
            };
            v.is_some_and(|v| values.iter().any(|x| wanted(x) == v))
        });
    }
    let top: usize = query
        .get("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(100);
    let size = top.min(st.page_size).max(1);
    let skip: usize = query
        .get("$skiptoken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<serde_json::Value> = users
        .iter()
        .skip(skip)
        .take(size)
        .map(|u| user_json(u, query.get("$select")))
        .collect();
    let mut v = serde_json::json!({
        "@odata.context": format!("{base}/v1.0/$metadata#users"),
        "value": page,
    });
    if skip + size < users.len() {
        let mut next = Url::parse(&format!("{base}/v1.0/users")).unwrap();
        {
            let mut q = next.query_pairs_mut();
            for (k, val) in query.iter().filter(|(k, _)| *k != "$skiptoken") {
                q.append_pair(k, val);
            }
            q.append_pair("$skiptoken", &(skip + size).to_string());
        }
        v["@odata.nextLink"] = serde_json::json!(next.to_string());
    }
    json(200, v)
}

fn photo(
    st: &mut State,
    method: &str,
    id: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    match method {
        "GET" => match st.photos.get(id) {
            Some((bytes, ct)) => reply(200, ct, bytes.clone()),
            None => graph_error(
                404,
                "ImageNotFound",
                "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
            ),
        },
        "PUT" | "PATCH" => {
            if st.forbid_writes {
                return graph_error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                );
            }
            if body.len() > MAX_BODY {
                return graph_error(413, "RequestEntityTooLarge", "The request is too large.");
            }
            let ct = content_type.unwrap_or("");
            let magic_ok = match ct {
                "image/jpeg" => body.starts_with(&[0xFF, 0xD8, 0xFF]),
                "image/png" => body.starts_with(b"\x89PNG\r\n\x1a\n"),
                _ => {
                    st.violations
                        .push(format!("photo PUT with content type {content_type:?}"));
                    false
                }
            };
            if !magic_ok {
                return graph_error(
                    400,
                    "ImageNotSupported",
                    "The image format is not supported.",
                );
            }
            st.photos
                .insert(id.to_string(), (body.to_vec(), ct.to_string()));
            reply(200, "text/plain", "")
        }
        "DELETE" => {
            if st.forbid_writes {
                return graph_error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                );
            }
            match st.photos.remove(id) {
                Some(_) => reply(200, "text/plain", ""),
                None => graph_error(404, "ImageNotFound", "The photo wasn't found."),
            }
        }
        _ => graph_error(405, "MethodNotAllowed", "Method not allowed."),
    }
}
