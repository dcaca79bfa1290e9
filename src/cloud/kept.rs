//! "Keep me signed in": a person's refresh token kept in the operating system's credential
//! store — Windows Credential Manager, the Secret Service on Linux (GNOME Keyring, KWallet),
//! the macOS Keychain — through the `keyring` crate, and never in a file of ours. The store
//! encrypts it and ties it to the person's own session; a sign-out removes it.
//!
//! One entry per sign-in host, tenant and app registration, so that two tenants (or a test
//! server) never see each other's token. The calls block (D-Bus, Win32), so async callers run
//! them on tokio's blocking pool ([`KeptSignIn::load_async`] and friends).

use super::CloudOptions;
use super::error::{CloudError, Result};

/// The store entry's service name (what the person sees in Passwords and Keys / Credential Manager).
const SERVICE: &str = "adphoto: Microsoft 365 sign-in";

/// Where one kept sign-in lives in the credential store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptSignIn {
    account: String,
}

impl KeptSignIn {
    /// The entry for these options' sign-in host, tenant and client id (case does not matter
    /// in either id, so it does not make a second entry).
    pub fn for_options(opts: &CloudOptions) -> Self {
        Self {
            account: format!(
                "{} {} {}",
                opts.tenant.trim().to_lowercase(),
                opts.client_id.trim().to_lowercase(),
                opts.endpoints.login.trim_end_matches('/')
            ),
        }
    }

    fn entry(&self, doing: &'static str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, &self.account).map_err(|e| store_error(doing, e))
    }

    /// The kept refresh token, or `None` when there is none.
    pub fn load(&self) -> Result<Option<String>> {
        const DOING: &str = "read the kept sign-in";
        match self.entry(DOING)?.get_password() {
            Ok(token) if !token.is_empty() => Ok(Some(token)),
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(store_error(DOING, e)),
        }
    }

    /// Keeps `token` (the identity platform hands out a new refresh token with each use: the
    /// newest replaces the one before).
    pub fn save(&self, token: &str) -> Result<()> {
        const DOING: &str = "keep the sign-in";
        self.entry(DOING)?
            .set_password(token)
            .map_err(|e| store_error(DOING, e))
    }

    /// Removes the kept sign-in; `false` when there was none.
    pub fn forget(&self) -> Result<bool> {
        const DOING: &str = "forget the kept sign-in";
        match self.entry(DOING)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(store_error(DOING, e)),
        }
    }

    /// [`KeptSignIn::load`] off the async runtime's threads.
    pub async fn load_async(&self) -> Result<Option<String>> {
        let me = self.clone();
        blocking(move || me.load()).await
    }

    /// [`KeptSignIn::save`] off the async runtime's threads.
    pub async fn save_async(&self, token: String) -> Result<()> {
        let me = self.clone();
        blocking(move || me.save(&token)).await
    }

    /// [`KeptSignIn::forget`] off the async runtime's threads.
    pub async fn forget_async(&self) -> Result<bool> {
        let me = self.clone();
        blocking(move || me.forget()).await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(CloudError::CredentialStore {
            doing: "answer",
            detail: e.to_string(),
        })
    })
}

fn store_error(doing: &'static str, e: keyring::Error) -> CloudError {
    let detail = match e {
        keyring::Error::NoDefaultStore => format!(
            "there is none in this session (on Linux: a Secret Service such as GNOME Keyring or \
             KWallet, on the session's D-Bus){}",
            match keyring::Entry::store_status() {
                Err(why) => format!(" [{why}]"),
                Ok(()) => String::new(),
            }
        ),
        keyring::Error::NoStorageAccess(inner) => {
            format!("it is locked or refused access ({inner})")
        }
        other => other.to_string(),
    };
    CloudError::CredentialStore { doing, detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;

    #[test]
    fn one_entry_per_host_tenant_and_app_whatever_the_case() {
        let a = CloudOptions::new("Contoso.onmicrosoft.com ", "AAAA-bbbb", Cloud::UsGov);
        let b = CloudOptions::new("contoso.onmicrosoft.com", "aaaa-BBBB", Cloud::UsGov);
        assert_eq!(KeptSignIn::for_options(&a), KeptSignIn::for_options(&b));
        let other_cloud = CloudOptions::new("contoso.onmicrosoft.com", "aaaa-bbbb", Cloud::China);
        assert_ne!(
            KeptSignIn::for_options(&a),
            KeptSignIn::for_options(&other_cloud)
        );
        let other_app = CloudOptions::new("contoso.onmicrosoft.com", "cccc", Cloud::UsGov);
        assert_ne!(
            KeptSignIn::for_options(&a),
            KeptSignIn::for_options(&other_app)
        );
    }
}
