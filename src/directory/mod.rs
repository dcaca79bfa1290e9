//! Talking to Active Directory (LDAP over ldap3 + tokio) and the offline LDIF directory.
//!
//! [`Directory`] is the one face both backends share: the GUI and the CLI never need to know
//! whether a domain controller or an LDIF file is behind it. Photo writes and removals go
//! through it so that the old value is always backed up first and every write is read back.

mod backup;
mod bulk;
mod certificate;
mod connect;
pub mod demo;
mod discover;
mod error;
pub mod filter;
mod ldap;
pub mod ldif;
mod model;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::data_folder::DataFolder;

pub use backup::{BackupRecord, BackupStore, nothing_to_restore, read_saved, sha256_hex, user_key};
pub use bulk::{Change, Found, READ_CHUNK, Sent, Who, Window, guid_filter};
pub use certificate::CertSummary;
pub use connect::{Auth, ConnectOptions, Endpoint, Security, fingerprint, normalize_fingerprint};
// The same certificate trust for the HTTPS of Microsoft Graph (`crate::cloud`).
pub(crate) use connect::{PIN_MISMATCH, Seen, Trust, tls_client_config};
pub use discover::{DomainHint, domain_hint, suggest_from_dns, suggest_with};
pub use error::{DirectoryError, Result};
pub use ldap::{CONSISTENCY_GUID, LdapBackend, PAGE_SIZE, format_guid};
pub use ldif::LdifDirectory;
pub use model::*;

/// A connected directory: a live domain controller or an offline LDIF file.
#[derive(Clone)]
pub struct Directory {
    backend: Backend,
    base_dn: String,
}

#[derive(Clone)]
enum Backend {
    Ldap(Box<LdapBackend>),
    Offline(Arc<Mutex<LdifDirectory>>),
}

/// What a photo write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    /// The backup of the photo this write replaced; `None` when the user had none.
    pub backup: Option<BackupRecord>,
    /// The size of the photo now stored (0 when removed).
    pub bytes: usize,
}

impl Directory {
    /// Connects and signs in, then learns the base DN (RootDSE) unless one was given.
    pub async fn connect(opts: &ConnectOptions) -> Result<Self> {
        let backend = LdapBackend::connect(opts).await?;
        Ok(Self {
            base_dn: backend.base_dn.clone(),
            backend: Backend::Ldap(Box::new(backend)),
        })
    }

    /// Opens an LDIF export as an offline directory; changes go to `changes` as LDIF.
    pub fn open_ldif(source: &Path, changes: PathBuf) -> Result<Self> {
        let dir = LdifDirectory::open(source, changes)?;
        Ok(Self {
            base_dn: dir.base_dn().to_string(),
            backend: Backend::Offline(Arc::new(Mutex::new(dir))),
        })
    }

    /// Where offline changes are written by default: `<data dir>/offline/<name>-changes.ldif`.
    pub fn default_changes_path(data: &DataFolder, source: &Path) -> PathBuf {
        let stem = source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "directory".into());
        data.offline().join(format!("{stem}-changes.ldif"))
    }

    /// The key of this directory for write locks and journals ([`crate::data_folder::directory_key`]):
    /// the base DN online, the change file offline.
    pub async fn lock_key(&self) -> String {
        match self.changes_path().await {
            Some(p) => format!("offline:{}", p.display()),
            None => crate::data_folder::directory_key(&self.base_dn),
        }
    }

    /// Where the tree starts.
    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    /// An LDIF export rather than a server: writes go to a change file.
    pub fn is_offline(&self) -> bool {
        matches!(self.backend, Backend::Offline(_))
    }

    /// A short description for a status bar: `ldaps://dc1:636` or `offline: demo.ldif`.
    pub async fn describe(&self) -> String {
        match &self.backend {
            Backend::Ldap(l) => l.endpoint().url.clone(),
            Backend::Offline(d) => format!("offline ({})", d.lock().await.changes_path().display()),
        }
    }

    /// The LDAP backend, for callers that need connection details (tests count pages with it).
    pub fn ldap(&self) -> Option<&LdapBackend> {
        match &self.backend {
            Backend::Ldap(l) => Some(l),
            Backend::Offline(_) => None,
        }
    }

    /// The offline change file, when this is an offline directory.
    pub async fn changes_path(&self) -> Option<PathBuf> {
        match &self.backend {
            Backend::Ldap(_) => None,
            Backend::Offline(d) => Some(d.lock().await.changes_path().to_path_buf()),
        }
    }

    /// OUs and containers directly below `dn`, sorted by name.
    pub async fn children(&self, dn: &str) -> Result<Vec<Container>> {
        match &self.backend {
            Backend::Ldap(l) => l.children(dn).await,
            Backend::Offline(d) => Ok(d.lock().await.children(dn)),
        }
    }

    /// The whole container tree below the base, depth first (for `adphoto tree`).
    pub async fn tree(&self) -> Result<Vec<(usize, Container)>> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, Container)> = self
            .children(&self.base_dn)
            .await?
            .into_iter()
            .rev()
            .map(|c| (1, c))
            .collect();
        while let Some((depth, c)) = stack.pop() {
            let kids = self.children(&c.dn).await?;
            stack.extend(kids.into_iter().rev().map(|k| (depth + 1, k)));
            out.push((depth, c));
        }
        Ok(out)
    }

    /// Users (not contacts, not computers) in a container, paged on a live server.
    pub async fn users(
        &self,
        base: &str,
        depth: Depth,
        photo: &PhotoAttribute,
    ) -> Result<Vec<User>> {
        self.people(base, depth, photo, Which::Users).await
    }

    /// Users, contacts or both in a container ([`User::kind`] tells them apart).
    pub async fn people(
        &self,
        base: &str,
        depth: Depth,
        photo: &PhotoAttribute,
        which: Which,
    ) -> Result<Vec<User>> {
        match &self.backend {
            Backend::Ldap(l) => l.users(base, depth, photo.name(), which).await,
            Backend::Offline(d) => Ok(d.lock().await.users(base, depth, photo.name(), which)),
        }
    }

    /// A user by sAMAccountName, userPrincipalName (`DOMAIN\user` works too) or DN.
    pub async fn find_user(&self, who: &str, photo: &PhotoAttribute) -> Result<User> {
        match &self.backend {
            Backend::Ldap(l) => l.find_user(who, photo.name()).await,
            Backend::Offline(d) => d.lock().await.find_user(who, photo.name()),
        }
    }

    /// The photo stored for `dn`; `None` when it has none.
    pub async fn read_photo(&self, dn: &str, photo: &PhotoAttribute) -> Result<Option<Vec<u8>>> {
        match &self.backend {
            Backend::Ldap(l) => l.read_photo(dn, photo.name()).await,
            Backend::Offline(d) => d.lock().await.read_photo(dn, photo.name()),
        }
    }

    /// Many users and their photos with a few searches ([`bulk`]): in order, `Err(NoSuchObject)`
    /// for one no longer in the directory. The outer `Err` is the
    /// read failing as a whole (connection lost).
    pub async fn read_photos(
        &self,
        who: &[Who],
        photo: &PhotoAttribute,
    ) -> Result<Vec<Result<Found>>> {
        match &self.backend {
            Backend::Ldap(l) => l.read_many(who, photo.name()).await,
            Backend::Offline(d) => {
                let d = d.lock().await;
                Ok(who
                    .iter()
                    .map(|w| {
                        let photo = d.read_photo(&w.dn, photo.name())?;
                        let user = d.user_at(&w.dn)?;
                        Ok(Found { user, photo })
                    })
                    .collect())
            }
        }
    }

    /// Whether the signed-in account may change each user's photo (in order): `Some(false)` for
    /// one the DC says it may not, `None` when not known (offline, or not found).
    pub async fn photo_rights(
        &self,
        who: &[Who],
        photo: &PhotoAttribute,
    ) -> Result<Vec<Option<bool>>> {
        match &self.backend {
            Backend::Ldap(l) => l.photo_rights(who, photo.name()).await,
            // An offline directory writes a change file: anyone may.
            Backend::Offline(_) => Ok(vec![None; who.len()]),
        }
    }

    /// Sends changes with no record and no check, pipelined: the step under the batch paths
    /// (import, undo), which record every old value durably before calling this.
    pub async fn send_changes(&self, changes: &[Change], photo: &PhotoAttribute) -> Vec<Sent> {
        match &self.backend {
            Backend::Ldap(l) => l.send_changes(changes, photo.name()).await,
            Backend::Offline(d) => {
                let mut d = d.lock().await;
                changes
                    .iter()
                    .map(|c| {
                        let change = match &c.value {
                            Some(v) => ldif::Change::Replace {
                                dn: c.dn.clone(),
                                attr: photo.name().to_string(),
                                value: v.to_vec(),
                            },
                            None => ldif::Change::Delete {
                                dn: c.dn.clone(),
                                attr: photo.name().to_string(),
                            },
                        };
                        match d.record(change) {
                            Ok(()) => Sent::Done,
                            Err(e) => Sent::Refused(e),
                        }
                    })
                    .collect()
            }
        }
    }

    /// Writes a photo as a single change ("set" in the user's history); see [`Self::write_photo_as`].
    pub async fn write_photo(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        bytes: &[u8],
        backups: &BackupStore,
    ) -> Result<WriteOutcome> {
        self.write_photo_as(user, photo, bytes, backups, "set")
            .await
    }

    /// Writes a photo: refuses one over the attribute's limit, records the value before it in
    /// the user's history (aborting if that fails), replaces, then reads back and compares.
    pub async fn write_photo_as(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        bytes: &[u8],
        backups: &BackupStore,
        action: &str,
    ) -> Result<WriteOutcome> {
        check_photo(photo, bytes)?;
        let before = self.record_before(user, photo, backups, action).await?;
        self.replace_verified(&user.dn, photo, bytes).await?;
        Ok(WriteOutcome {
            backup: before.had_photo().then_some(before),
            bytes: bytes.len(),
        })
    }

    /// Reads the current value and records it in the user's history before `action` changes
    /// it (the old photo, or "had no photo"). Nothing may change the photo before this returns.
    pub async fn record_before(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        backups: &BackupStore,
        action: &str,
    ) -> Result<BackupRecord> {
        let current = self.read_photo(&user.dn, photo).await?;
        backups.save(user, photo.name(), current.as_deref(), action)
    }

    /// Replaces the photo and reads it back: `VerifyFailed` unless the server holds exactly
    /// these bytes. The caller has recorded the value before ([`Self::record_before`]).
    pub async fn replace_verified(
        &self,
        dn: &str,
        photo: &PhotoAttribute,
        bytes: &[u8],
    ) -> Result<()> {
        check_photo(photo, bytes)?;
        self.replace_photo_unchecked(dn, photo, bytes).await?;
        let back = self.read_photo(dn, photo).await?;
        if back.as_deref() != Some(bytes) {
            return Err(DirectoryError::VerifyFailed { dn: dn.to_string() });
        }
        Ok(())
    }

    /// Removes the photo as a single change ("remove"); see [`Self::remove_photo_as`].
    pub async fn remove_photo(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        backups: &BackupStore,
    ) -> Result<Option<BackupRecord>> {
        self.remove_photo_as(user, photo, backups, "remove").await
    }

    /// Removes the photo after recording it in the user's history. `Ok(None)` when there was
    /// none to remove (nothing changed, nothing recorded).
    pub async fn remove_photo_as(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        backups: &BackupStore,
        action: &str,
    ) -> Result<Option<BackupRecord>> {
        let Some(current) = self.read_photo(&user.dn, photo).await? else {
            return Ok(None);
        };
        let backup = backups.save(user, photo.name(), Some(&current), action)?;
        self.delete_photo_unchecked(&user.dn, photo).await?;
        Ok(Some(backup))
    }

    /// "Restore previous": puts back the state just before adphoto's last change to this user
    /// (the old photo, or no photo), itself recorded in the history so it can be undone too.
    /// `Ok(None)` when adphoto never changed this user's photo.
    pub async fn restore_photo(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        backups: &BackupStore,
    ) -> Result<Option<(BackupRecord, WriteOutcome)>> {
        let Some(rec) = backups.latest(user, photo.name())? else {
            return Ok(None);
        };
        let outcome = self.restore_record(user, photo, backups, &rec).await?;
        Ok(Some((rec, outcome)))
    }

    /// Puts the state recorded in `rec` back: its photo, or no photo. `bytes` is 0 for none.
    pub async fn restore_record(
        &self,
        user: &User,
        photo: &PhotoAttribute,
        backups: &BackupStore,
        rec: &BackupRecord,
    ) -> Result<WriteOutcome> {
        let action = format!("restore of {}", rec.taken_at);
        match backups.read(rec)? {
            Some(bytes) => {
                self.write_photo_as(user, photo, &bytes, backups, &action)
                    .await
            }
            None => {
                let backup = self.remove_photo_as(user, photo, backups, &action).await?;
                Ok(WriteOutcome { backup, bytes: 0 })
            }
        }
    }

    /// Deletes the attribute with no record. Callers go through [`Self::remove_photo_as`] or
    /// record the value first themselves (undo).
    async fn delete_photo_unchecked(&self, dn: &str, photo: &PhotoAttribute) -> Result<()> {
        match &self.backend {
            Backend::Ldap(l) => l.delete(dn, photo.name()).await,
            Backend::Offline(d) => d.lock().await.record(ldif::Change::Delete {
                dn: dn.to_string(),
                attr: photo.name().to_string(),
            }),
        }
    }

    /// Replaces the attribute with no limit check and no record: the step under
    /// [`Self::replace_verified`]; tests call it directly for the server's own answer to an
    /// oversized value.
    #[doc(hidden)]
    pub async fn replace_photo_unchecked(
        &self,
        dn: &str,
        photo: &PhotoAttribute,
        bytes: &[u8],
    ) -> Result<()> {
        match &self.backend {
            Backend::Ldap(l) => l.replace(dn, photo.name(), bytes).await,
            Backend::Offline(d) => d.lock().await.record(ldif::Change::Replace {
                dn: dn.to_string(),
                attr: photo.name().to_string(),
                value: bytes.to_vec(),
            }),
        }
    }

    /// After a lost connection: connect and sign in again (one try, at most `limit`).
    /// Offline directories never lose theirs.
    pub async fn reconnect(&self, limit: std::time::Duration) -> Result<()> {
        match &self.backend {
            Backend::Ldap(l) => l.reconnect(limit).await,
            Backend::Offline(_) => Ok(()),
        }
    }

    /// Ends the session (unbinds from a server).
    pub async fn close(&self) {
        if let Backend::Ldap(l) = &self.backend {
            l.close().await;
        }
    }
}

/// Refuses a value the attribute cannot hold before anything is recorded or sent.
fn check_photo(photo: &PhotoAttribute, bytes: &[u8]) -> Result<()> {
    if let Some(limit) = photo.byte_limit()
        && bytes.len() > limit
    {
        return Err(DirectoryError::PhotoTooLarge {
            attribute: photo.name().to_string(),
            bytes: bytes.len(),
            limit,
        });
    }
    if bytes.is_empty() {
        return Err(DirectoryError::Offline(
            "an empty photo cannot be written".into(),
        ));
    }
    Ok(())
}

/// The RDN components of a DN, split at unescaped commas.
pub fn split_dn(dn: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                parts.push(&dn[start..i]);
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    parts.push(&dn[start..]);
    parts
}

/// The DN one level up, or `None` for a single-RDN DN.
pub fn parent_dn(dn: &str) -> Option<&str> {
    let first = split_dn(dn).first()?.len();
    (first < dn.len()).then(|| &dn[first + 1..])
}

/// The value of the first RDN, unescaped: "Sales" for `OU=Sales,DC=example,DC=test`.
pub fn rdn_value(dn: &str) -> String {
    let first = split_dn(dn).first().copied().unwrap_or(dn);
    let v = first.split_once('=').map_or(first, |(_, v)| v).trim();
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn norm_rdns(dn: &str) -> Vec<String> {
    split_dn(dn)
        .into_iter()
        .map(|r| {
            let (k, v) = r.split_once('=').unwrap_or((r, ""));
            format!("{}={}", k.trim().to_lowercase(), v.trim().to_lowercase())
        })
        .collect()
}

/// DN equality as AD sees it for our purposes: case-insensitive, spaces around RDNs ignored.
pub fn dn_eq(a: &str, b: &str) -> bool {
    norm_rdns(a) == norm_rdns(b)
}

/// A DN in one spelling for lookups: two DNs are [`dn_eq`] exactly when their keys are equal.
pub fn dn_key(dn: &str) -> String {
    norm_rdns(dn).join(",")
}

/// Whether `dn` is `base` or lies below it.
pub fn dn_is_under(dn: &str, base: &str) -> bool {
    let (d, b) = (norm_rdns(dn), norm_rdns(base));
    d.len() >= b.len() && d[d.len() - b.len()..] == b[..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dn_helpers() {
        let dn = "CN=Doe\\, John,OU=Sales,DC=example,DC=test";
        assert_eq!(split_dn(dn).len(), 4);
        assert_eq!(parent_dn(dn), Some("OU=Sales,DC=example,DC=test"));
        assert_eq!(rdn_value(dn), "Doe, John");
        assert_eq!(parent_dn("DC=test"), None);
        assert!(dn_eq(
            "ou=sales, dc=Example,DC=test",
            "OU=Sales,DC=example,DC=test"
        ));
        assert!(dn_is_under(dn, "dc=example,dc=test"));
        assert!(!dn_is_under("DC=example,DC=test", dn));
    }
}
