//! How to reach and sign in to a domain controller: URL, transport security, TLS trust, credentials.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings};
use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};

use super::certificate::CertSummary;
use super::error::{DirectoryError, Result};

/// Transport security. AD (and our test DC) refuses a simple bind without one of the first two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte, port 636.
    #[default]
    Ldaps,
    /// Plain connection on 389 upgraded with the StartTLS extended operation.
    StartTls,
    /// No encryption. Only useful with Kerberos (which signs and seals itself) or a lab server.
    Plain,
}

impl Security {
    /// The port a server address without one uses: 636 for LDAPS, else 389.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Ldaps => 636,
            Security::StartTls | Security::Plain => 389,
        }
    }
}

/// Who signs in.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `user@domain`, `DOMAIN\user` or a DN, with a password.
    Simple {
        /// The account.
        user: String,
        /// Its password (never stored).
        password: String,
    },
    /// The current Kerberos ticket (or, on Windows, the logged-on user via SSPI).
    Kerberos,
}

// Never let a password reach a log line or a panic message.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Simple { user, .. } => f
                .debug_struct("Simple")
                .field("user", user)
                .field("password", &"<hidden>")
                .finish(),
            Auth::Kerberos => f.write_str("Kerberos"),
        }
    }
}

/// Everything needed to open a connection, except that the password lives in [`Auth`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The host name or URL the user typed: `dc1.example.com`, `ldaps://dc1:636`, `ldap://dc1`.
    pub server: String,
    /// Used when `server` has no scheme; a scheme in `server` wins
    /// (`ldaps://` → LDAPS, `ldap://` → StartTLS unless `Plain` was asked for).
    pub security: Security,
    /// Who signs in.
    pub auth: Auth,
    /// Extra CA certificates (PEM) to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate. Only for lab servers; the UI and the CLI name it loudly.
    pub insecure_skip_verify: bool,
    /// Trust exactly the certificate with this SHA-256 fingerprint (hex, colons allowed) and
    /// nothing else: a self-signed DC a person has looked at. Another certificate — even one a
    /// CA vouches for — is refused as "changed".
    pub pin_sha256: Option<String>,
    /// Search base; discovered from the RootDSE (defaultNamingContext) when `None`.
    pub base_dn: Option<String>,
    /// Limit for connecting and for each operation, so a dead server never hangs the app.
    pub timeout: Duration,
}

impl ConnectOptions {
    /// Options for `server`: LDAPS, certificates verified, 15 s per operation.
    pub fn new(server: impl Into<String>, auth: Auth) -> Self {
        Self {
            server: server.into(),
            security: Security::default(),
            auth,
            ca_file: None,
            insecure_skip_verify: false,
            pin_sha256: None,
            base_dn: None,
            timeout: Duration::from_secs(15),
        }
    }

    /// The URL ldap3 is given, the host name (for TLS and the Kerberos SPN) and the effective security.
    pub fn endpoint(&self) -> Result<Endpoint> {
        let raw = self.server.trim();
        if raw.is_empty() {
            return Err(DirectoryError::BadUrl {
                url: raw.into(),
                detail: "no server given".into(),
            });
        }
        let (security, rest) = if let Some(rest) = strip_scheme(raw, "ldaps://") {
            (Security::Ldaps, rest)
        } else if let Some(rest) = strip_scheme(raw, "ldap://") {
            let s = if self.security == Security::Plain {
                Security::Plain
            } else {
                Security::StartTls
            };
            (s, rest)
        } else if raw.contains("://") {
            return Err(DirectoryError::BadUrl {
                url: raw.into(),
                detail: "use ldaps:// or ldap://".into(),
            });
        } else {
            (self.security, raw)
        };
        // Kerberos encrypts (seals) the LDAP session itself; AD and Samba refuse GSSAPI without
        // a seal layer inside StartTLS, so a Kerberos sign-in on ldap:// uses the seal instead.
        let security = if self.auth == Auth::Kerberos && security == Security::StartTls {
            Security::Plain
        } else {
            security
        };
        let hostport = rest.split('/').next().unwrap_or("");
        let (host, port) = split_host_port(hostport).ok_or_else(|| DirectoryError::BadUrl {
            url: raw.into(),
            detail: "expected host or host:port".into(),
        })?;
        let port = port.unwrap_or(security.default_port());
        let scheme = if security == Security::Ldaps {
            "ldaps"
        } else {
            "ldap"
        };
        let host_in_url = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(Endpoint {
            url: format!("{scheme}://{host_in_url}:{port}"),
            host: host.to_string(),
            port,
            security,
        })
    }

    /// ldap3's settings, and the fingerprint of the certificate the server presents (filled in
    /// during the handshake, so a refusal can name the certificate it refused).
    pub(crate) fn settings(&self, security: Security) -> Result<(LdapConnSettings, Seen)> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_starttls(security == Security::StartTls);
        let seen = Seen::default();
        if security != Security::Plain {
            settings = settings.set_config(self.tls_config(&seen)?);
        }
        Ok((settings, seen))
    }

    /// System roots plus the optional CA file; or exactly one pinned certificate; or — only
    /// when asked — no verification at all.
    fn tls_config(&self, seen: &Seen) -> Result<Arc<ClientConfig>> {
        let trust = Trust {
            ca_file: self.ca_file.as_deref(),
            pin_sha256: self.pin_sha256.as_deref(),
            insecure_skip_verify: self.insecure_skip_verify,
        };
        tls_client_config(&self.server, &trust, seen)
    }

    /// Opens the TCP/TLS connection and spawns its driver on the current tokio runtime.
    pub(crate) async fn open(&self) -> Result<(ldap3::Ldap, Endpoint)> {
        let endpoint = self.endpoint()?;
        let (settings, seen) = self.settings(endpoint.security)?;
        let opened = tokio::time::timeout(self.timeout, async {
            // Our own socket, for TCP_NODELAY (ldap3 leaves Nagle on): a request written while
            // an earlier one is unacknowledged — every pipelined write — would otherwise wait
            // for the server's delayed ACK, up to 40 ms.
            let tcp = tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port))
                .await
                .map_err(ldap3::LdapError::from)?;
            tcp.set_nodelay(true).map_err(ldap3::LdapError::from)?;
            let tcp = tcp.into_std().map_err(ldap3::LdapError::from)?;
            let settings = settings.set_std_stream(ldap3::StdStream::Tcp(tcp));
            LdapConnAsync::with_settings(settings, &endpoint.url).await
        })
        .await
        .map_err(|_| DirectoryError::Timeout {
            server: endpoint.host.clone(),
            after: self.timeout,
        })?;
        let (conn, ldap) = opened.map_err(|e| {
            match DirectoryError::from_ldap(e, &endpoint.host, self.timeout) {
                DirectoryError::CertificateUntrusted { detail, .. }
                    if detail.contains(PIN_MISMATCH) =>
                {
                    DirectoryError::CertificateChanged {
                        pinned: self
                            .pin_sha256
                            .as_deref()
                            .and_then(normalize_fingerprint)
                            .unwrap_or_default(),
                        now: seen.get().map(|c| c.sha256),
                    }
                }
                // Name the certificate that was refused: a person can compare it, pin it. A
                // name mismatch is explained from what the certificate names.
                DirectoryError::CertificateUntrusted { detail, .. } => {
                    let cert = seen.get();
                    let detail = match &cert {
                        Some(c) if detail.starts_with(super::error::NAME_MISMATCH) => {
                            // Keep rustls's own words in brackets for the administrator.
                            let raw = detail.find(" [").map_or("", |i| &detail[i..]);
                            format!("{}{raw}", c.name_mismatch_cause(&endpoint.host))
                        }
                        _ => detail,
                    };
                    DirectoryError::CertificateUntrusted {
                        detail,
                        cert: cert.map(Box::new),
                    }
                }
                other => other,
            }
        })?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!("LDAP connection ended: {e}");
            }
        });
        Ok((ldap, endpoint))
    }
}

/// Which server certificates a TLS connection accepts: the same three choices for LDAP and for
/// the HTTPS of Microsoft Graph (`cloud`), so `--ca-file` and `--pin-sha256` mean one thing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Trust<'a> {
    pub ca_file: Option<&'a std::path::Path>,
    pub pin_sha256: Option<&'a str>,
    pub insecure_skip_verify: bool,
}

/// A rustls client config on the ring provider for `trust`; `server` only names the place in
/// logs. `seen` is told which certificate the server presented.
pub(crate) fn tls_client_config(
    server: &str,
    trust: &Trust<'_>,
    seen: &Seen,
) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| DirectoryError::Connection(e.to_string()))?;
    if trust.insecure_skip_verify {
        tracing::info!("TLS certificate verification is OFF for {server}");
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth();
        return Ok(Arc::new(config));
    }
    if let Some(pin) = trust.pin_sha256 {
        let pin = normalize_fingerprint(pin).ok_or_else(|| DirectoryError::BadUrl {
            url: pin.to_string(),
            detail: "a SHA-256 fingerprint is 64 hex digits (colons allowed)".into(),
        })?;
        tracing::info!("trusting only the certificate {pin} for {server}");
        let verifier = Pinned {
            pin,
            signatures: AcceptAnyCertificate(provider),
            seen: seen.clone(),
        };
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        return Ok(Arc::new(config));
    }
    let mut roots = system_roots().clone();
    if let Some(path) = trust.ca_file {
        for cert in read_pem_certs(path)? {
            roots.add(cert).map_err(|e| DirectoryError::BadCaFile {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?;
        }
    }
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .map_err(|e| DirectoryError::Connection(e.to_string()))?;
    let verifier = Recording {
        inner: webpki,
        seen: seen.clone(),
    };
    Ok(Arc::new(
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth(),
    ))
}

/// The resolved place to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL ldap3 is given.
    pub url: String,
    /// The host name (what the certificate must name).
    pub host: String,
    /// The port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
}

fn strip_scheme<'a>(s: &'a str, scheme: &str) -> Option<&'a str> {
    (s.len() >= scheme.len() && s[..scheme.len()].eq_ignore_ascii_case(scheme))
        .then(|| &s[scheme.len()..])
}

fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if s.is_empty() {
        return None;
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host, port));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host, Some(port.parse().ok()?))),
        Some(_) => Some((s, None)), // a bare IPv6 address
        None => Some((s, None)),
    }
}

/// The system's trusted roots, read once per process (parsing them costs milliseconds per connect).
/// A broken system store must not stop a user who brought their own CA file, so bad entries are skipped.
fn system_roots() -> &'static rustls::RootCertStore {
    static ROOTS: std::sync::OnceLock<rustls::RootCertStore> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        roots
    })
}

fn read_pem_certs(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>> {
    use rustls_pki_types::pem::PemObject as _;
    let bad = |detail: String| DirectoryError::BadCaFile {
        path: path.display().to_string(),
        detail,
    };
    let data = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&data)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// The certificate the server presented in this handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen(Arc<std::sync::Mutex<Option<CertSummary>>>);

impl Seen {
    /// Notes the presented certificate; returns its fingerprint (hashed once, here).
    fn set(&self, cert: &CertificateDer<'_>) -> String {
        let summary = CertSummary::from_der(cert);
        let sha256 = summary.sha256.clone();
        if let Ok(mut s) = self.0.lock() {
            *s = Some(summary);
        }
        sha256
    }

    pub(crate) fn get(&self) -> Option<CertSummary> {
        self.0.lock().ok().and_then(|s| s.clone())
    }
}

/// SHA-256 of a certificate, as browsers and `openssl x509 -fingerprint -sha256` show it:
/// upper-case hex pairs joined by colons.
pub fn fingerprint(cert: &[u8]) -> String {
    use sha2::Digest as _;
    colon_hex(&sha2::Sha256::digest(cert))
}

/// A fingerprint as people paste it (any case, with or without colons or spaces) in the form
/// [`fingerprint`] gives; `None` unless it is 32 bytes of hex.
pub fn normalize_fingerprint(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let bytes = hex::decode(hex).ok().filter(|b| b.len() == 32)?;
    Some(colon_hex(&bytes))
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The handshake-signature methods of [`ServerCertVerifier`] (it has no defaults for them),
/// handed to the verifier in `$field`: the wrappers below differ only in how they judge the
/// certificate itself.
macro_rules! signatures_checked_by {
    ($field:ident) => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            self.$field.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            self.$field.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.$field.supported_verify_schemes()
        }
    };
}

/// The usual verification (CA chain, name, dates), noting which certificate was presented.
#[derive(Debug)]
struct Recording {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    seen: Seen,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.seen.set(end_entity);
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    signatures_checked_by!(inner);
}

/// Exactly one certificate, by its fingerprint: the handshake's signatures are still checked
/// against it (the server must hold its private key); chain, name and dates are what the
/// person accepted when they pinned it.
#[derive(Debug)]
struct Pinned {
    pin: String,
    /// The handshake-signature checks, which are the same as the opt-out's.
    signatures: AcceptAnyCertificate,
    seen: Seen,
}

/// The marker [`super::error`] turns into "the certificate changed".
pub(crate) const PIN_MISMATCH: &str = "adphoto: pinned certificate changed";

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if self.seen.set(end_entity) == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(PIN_MISMATCH.into()))
        }
    }

    signatures_checked_by!(signatures);
}

/// The explicit opt-out: accepts any server certificate but still checks handshake signatures.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(server: &str, security: Security) -> ConnectOptions {
        let mut o = ConnectOptions::new(
            server,
            Auth::Simple {
                user: "u".into(),
                password: "p".into(),
            },
        );
        o.security = security;
        o
    }

    #[test]
    fn endpoint_from_what_people_type() {
        let e = opts("dc1.example.com", Security::Ldaps).endpoint().unwrap();
        assert_eq!(e.url, "ldaps://dc1.example.com:636");
        let e = opts("ldap://dc1:3268", Security::Ldaps).endpoint().unwrap();
        assert_eq!(
            (e.url.as_str(), e.security),
            ("ldap://dc1:3268", Security::StartTls)
        );
        let e = opts("LDAP://dc1", Security::Plain).endpoint().unwrap();
        assert_eq!(e.security, Security::Plain);
        let e = opts("dc1", Security::StartTls).endpoint().unwrap();
        assert_eq!(e.url, "ldap://dc1:389");
        let mut k = opts("ldap://dc1", Security::Ldaps);
        k.auth = Auth::Kerberos;
        assert_eq!(
            k.endpoint().unwrap().security,
            Security::Plain,
            "Kerberos seals instead"
        );
        let e = opts("[::1]:636", Security::Ldaps).endpoint().unwrap();
        assert_eq!(
            (e.host.as_str(), e.url.as_str()),
            ("::1", "ldaps://[::1]:636")
        );
        assert!(opts("http://dc1", Security::Ldaps).endpoint().is_err());
        assert!(opts("dc1:notaport", Security::Ldaps).endpoint().is_err());
        assert!(opts(" ", Security::Ldaps).endpoint().is_err());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let a = Auth::Simple {
            user: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{a:?}").contains("hunter2"));
    }
}
