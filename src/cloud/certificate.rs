//! Certificate credentials for unattended sign-ins: the app proves who it is with a short-lived
//! JWT (the client assertion) signed with its private key, whose certificate is uploaded to the
//! app registration — what Microsoft recommends over client secrets for unattended runs.
//!
//! The assertion follows <https://learn.microsoft.com/entra/identity-platform/certificate-credentials>:
//! RS256, header `x5t#S256` (the certificate's SHA-256, base64url), claims `aud` (the token
//! endpoint), `iss` = `sub` = the client id, `jti` (unique), `nbf`, `iat` and `exp` (10 minutes).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::Digest as _;

use super::error::{CloudError, Result};

/// How long an assertion is good for: one token request, with room for a slow clock.
const LIFETIME_SECS: u64 = 600;

/// The app's certificate and private key, read from one PEM file.
#[derive(Clone)]
pub struct AppCertificate {
    path: PathBuf,
    key: EncodingKey,
    /// `x5t#S256`: base64url of the certificate's SHA-256, how Entra ID finds the key.
    thumbprint: String,
}

impl std::fmt::Debug for AppCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppCertificate({}, <key hidden>)", self.path.display())
    }
}

impl AppCertificate {
    /// Reads a PEM file holding the RSA private key (PKCS#8 or PKCS#1, not encrypted) and the
    /// certificate uploaded to the app registration.
    pub fn from_pem_file(path: &Path) -> Result<Self> {
        let bad = |detail: String| CloudError::AppCertificate {
            path: path.display().to_string(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        let cert = CertificateDer::pem_slice_iter(&pem)
            .next()
            .ok_or_else(|| {
                bad(
                    "no CERTIFICATE in it (the PEM needs the certificate and its private key)"
                        .into(),
                )
            })?
            .map_err(|e| bad(format!("its certificate cannot be read: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|_| {
            bad("no private key in it (an unencrypted PRIVATE KEY or RSA PRIVATE KEY block)".into())
        })?;
        if !matches!(key, PrivateKeyDer::Pkcs8(_) | PrivateKeyDer::Pkcs1(_)) {
            return Err(bad(
                "the key is not an RSA key (Entra ID takes RSA certificates)".into(),
            ));
        }
        // jsonwebtoken reads PKCS#8 from PEM only (its DER reader takes PKCS#1).
        let key = EncodingKey::from_rsa_pem(&pem)
            .map_err(|e| bad(format!("its private key cannot be used: {e}")))?;
        let thumbprint =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&cert));
        let me = Self {
            path: path.to_path_buf(),
            key,
            thumbprint,
        };
        // A key that cannot sign (not RSA, damaged) is said now, not at the first token.
        me.assertion("check", "https://localhost/check")?;
        Ok(me)
    }

    /// A client assertion for `client_id` at the token endpoint `token_url`.
    pub(crate) fn assertion(&self, client_id: &str, token_url: &str) -> Result<String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut header = Header::new(Algorithm::RS256);
        header.x5t_s256 = Some(self.thumbprint.clone());
        let claims = serde_json::json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": oauth2::CsrfToken::new_random().secret(),
            "nbf": now,
            "iat": now,
            "exp": now + LIFETIME_SECS,
        });
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| CloudError::AppCertificate {
            path: self.path.display().to_string(),
            detail: format!("cannot sign with its key: {e}"),
        })
    }
}
