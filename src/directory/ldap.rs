//! The live backend: an AD domain controller over ldap3.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ldap3::controls::{ControlType, PagedResults};
use ldap3::{Ldap, Mod, Scope, SearchEntry};

use super::bulk::Window;
use super::connect::{Auth, ConnectOptions, Endpoint};
use super::error::{DirectoryError, Result};
use super::{Container, ContainerKind, Depth, Kind, USER_ATTRIBUTES, User, Which, filter};

/// Page size for searches. AD's MaxPageSize is 1000; staying below it never trips the limit.
pub const PAGE_SIZE: i32 = 500;

/// A signed-in connection. Cheap to clone: clones share the connection (ldap3 multiplexes)
/// and a [`Self::reconnect`] by one clone serves them all.
#[derive(Clone)]
pub struct LdapBackend {
    ldap: Arc<RwLock<Ldap>>,
    /// Kept (in memory only) to sign in again after the connection is lost.
    opts: Arc<ConnectOptions>,
    endpoint: Endpoint,
    timeout: Duration,
    pub(crate) base_dn: String,
    pages: Arc<AtomicU64>,
    /// Changes in flight at once ([`super::bulk`]), learnt over the connection's life.
    window: Arc<std::sync::Mutex<Window>>,
    /// A second connection for bulk reads, opened in the background the first time one is
    /// made: a DC works through one connection's requests in turn, so the reads of the next
    /// batch (and the grid's thumbnails) would otherwise wait behind this batch's writes.
    reader: Arc<RwLock<Reader>>,
}

enum Reader {
    NotYet,
    Opening,
    Open(Ldap),
    /// Could not be opened: reads share the main connection.
    Failed,
}

impl LdapBackend {
    /// Connects, upgrades to TLS if asked, signs in and reads the RootDSE for the base.
    pub async fn connect(opts: &ConnectOptions) -> Result<Self> {
        let (mut ldap, endpoint) = opts.open().await?;
        let given = opts
            .base_dn
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        // The RootDSE may be read before signing in: ask for the domain in the same round trip
        // as the bind (the server answers it first, RFC 4511 4.2.1) — one round trip less for
        // every connection over a slow link. If that read fails, it is asked again after.
        let rootdse = {
            let (ldap, t) = (ldap.clone(), opts.timeout);
            async move {
                match given {
                    Some(_) => None,
                    None => naming_context(ldap, t).await,
                }
            }
        };
        let (early, bound) = tokio::join!(rootdse, bind(&mut ldap, opts, &endpoint));
        bound?;
        let mut backend = Self {
            ldap: Arc::new(RwLock::new(ldap)),
            opts: Arc::new(opts.clone()),
            endpoint,
            timeout: opts.timeout,
            base_dn: String::new(),
            pages: Arc::new(AtomicU64::new(0)),
            window: Arc::default(),
            reader: Arc::new(RwLock::new(Reader::NotYet)),
        };
        backend.base_dn = match (given, early) {
            (Some(b), _) => b.to_string(),
            (None, Some(b)) => b,
            (None, None) => backend.default_naming_context().await?,
        };
        Ok(backend)
    }

    /// Opens a new connection and signs in again as before; every clone uses it from then on.
    /// Each try waits at most `limit` (shorter than the operation timeout: the caller retries).
    pub async fn reconnect(&self, limit: Duration) -> Result<()> {
        let mut opts = (*self.opts).clone();
        opts.timeout = opts.timeout.min(limit);
        let (ldap, _) = open_and_bind(&opts).await?;
        let old = std::mem::replace(
            &mut *self.ldap.write().unwrap_or_else(|p| p.into_inner()),
            ldap,
        );
        // The old connection is dead or half dead: let it go without waiting for an answer.
        drop(old);
        // The reading one went with it; it is opened again when next needed.
        *self.reader.write().unwrap_or_else(|p| p.into_inner()) = Reader::NotYet;
        Ok(())
    }

    /// A handle on the current connection.
    fn conn(&self) -> Ldap {
        self.ldap.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A handle for bulk reads: the reading connection once it is open, the main one until
    /// then (the first call starts opening it in the background).
    fn read_conn(&self) -> Ldap {
        if let Reader::Open(l) = &*self.reader.read().unwrap_or_else(|p| p.into_inner()) {
            return l.clone();
        }
        let mut state = self.reader.write().unwrap_or_else(|p| p.into_inner());
        if matches!(*state, Reader::NotYet) {
            *state = Reader::Opening;
            let (reader, opts) = (self.reader.clone(), self.opts.clone());
            tokio::spawn(async move {
                let opened = open_and_bind(&opts).await;
                let mut state = reader.write().unwrap_or_else(|p| p.into_inner());
                *state = match opened {
                    Ok((l, _)) => Reader::Open(l),
                    Err(e) => {
                        tracing::debug!("no second connection for reads: {e}");
                        Reader::Failed
                    }
                };
            });
        }
        self.conn()
    }

    pub(super) fn window_size(&self) -> usize {
        self.window.lock().map_or(1, |w| w.size())
    }

    pub(super) fn window(&self, f: impl FnOnce(&mut Window)) {
        if let Ok(mut w) = self.window.lock() {
            f(&mut w);
        }
    }

    /// How many changes may be in flight now (benches print it).
    pub fn pipeline_window(&self) -> usize {
        self.window_size()
    }
}

/// Connects and signs in (simple bind or Kerberos).
async fn open_and_bind(opts: &ConnectOptions) -> Result<(Ldap, Endpoint)> {
    let (mut ldap, endpoint) = opts.open().await?;
    bind(&mut ldap, opts, &endpoint).await?;
    Ok((ldap, endpoint))
}

/// The domain's naming context from the RootDSE, read without signing in; `None` if the
/// server does not answer it (the caller asks again once signed in).
async fn naming_context(mut ldap: Ldap, t: Duration) -> Option<String> {
    let (entries, _) = ldap
        .with_timeout(t)
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["defaultNamingContext"],
        )
        .await
        .ok()?
        .success()
        .ok()?;
    let entry = SearchEntry::construct(entries.into_iter().next()?);
    first(&entry, "defaultNamingContext").filter(|b| !b.is_empty())
}

/// Signs in on an open connection (simple bind or Kerberos).
async fn bind(ldap: &mut Ldap, opts: &ConnectOptions, endpoint: &Endpoint) -> Result<()> {
    let t = opts.timeout;
    let host = endpoint.host.clone();
    let map = |e| DirectoryError::from_ldap(e, &host, t);
    match &opts.auth {
        Auth::Simple { user, password } => {
            if password.is_empty() {
                // An empty password is an "unauthenticated bind" that AD accepts and then
                // refuses everything: say what is wrong instead.
                return Err(DirectoryError::EmptyPassword);
            }
            ldap.with_timeout(t)
                .simple_bind(user, password)
                .await
                .map_err(map)?
                .success()
                .map_err(map)?;
        }
        Auth::Kerberos => kerberos_bind(ldap, endpoint, t).await?,
    }
    Ok(())
}

impl LdapBackend {
    /// Where it is connected.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// How many result pages searches have fetched so far (tests check paging really happens).
    pub fn pages_fetched(&self) -> u64 {
        self.pages.load(Ordering::Relaxed)
    }

    fn err(&self, e: ldap3::LdapError) -> DirectoryError {
        DirectoryError::from_ldap(e, &self.endpoint.host, self.timeout)
    }

    async fn default_naming_context(&self) -> Result<String> {
        let entries = self
            .search_once(
                "",
                Scope::Base,
                "(objectClass=*)",
                &["defaultNamingContext"],
            )
            .await?;
        entries
            .into_iter()
            .next()
            .and_then(|e| first(&e, "defaultNamingContext"))
            .ok_or_else(|| {
                DirectoryError::Connection(
                    "the server did not say its domain (no defaultNamingContext); give the base DN"
                        .into(),
                )
            })
    }

    /// One search request on a clone of the shared connection (or the reading one for bulk
    /// reads), with the operation timeout.
    async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        page: Option<PagedResults>,
        bulk: bool,
    ) -> Result<ldap3::SearchResult> {
        let mut ldap = if bulk { self.read_conn() } else { self.conn() };
        if let Some(control) = page {
            ldap.with_controls(control);
        }
        ldap.with_timeout(self.timeout)
            .search(base, scope, filter, attrs.to_vec())
            .await
            .map_err(|e| self.err(e))
    }

    /// One unpaged search, for small result sets (a base object, the RootDSE).
    async fn search_once(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<SearchEntry>> {
        let res = self.search(base, scope, filter, attrs, None, false).await?;
        if res.1.rc == 32 && scope == Scope::Base {
            return Ok(Vec::new());
        }
        let (entries, _) = res.success().map_err(|e| self.err(e))?;
        Ok(entries.into_iter().map(SearchEntry::construct).collect())
    }

    /// A search with the Simple Paged Results control, following the cookie to the end.
    async fn search_paged(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<SearchEntry>> {
        self.search_paged_on(base, scope, filter, attrs, false)
            .await
    }

    /// [`Self::search_paged`], on the reading connection when `bulk`.
    pub(super) async fn search_paged_on(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        bulk: bool,
    ) -> Result<Vec<SearchEntry>> {
        let mut cookie = Vec::new();
        let mut out = Vec::new();
        loop {
            let control = PagedResults {
                size: PAGE_SIZE,
                cookie: std::mem::take(&mut cookie),
            };
            let res = self
                .search(base, scope, filter, attrs, Some(control), bulk)
                .await?;
            let (entries, result) = res.success().map_err(|e| self.err(e))?;
            self.pages.fetch_add(1, Ordering::Relaxed);
            out.extend(entries.into_iter().map(SearchEntry::construct));
            cookie = result
                .ctrls
                .iter()
                .find(|c| matches!(c.0, Some(ControlType::PagedResults)) && c.1.val.is_some())
                .map(|c| c.1.parse::<PagedResults>().cookie)
                .unwrap_or_default();
            if cookie.is_empty() {
                return Ok(out);
            }
        }
    }

    /// The OUs and containers right under `dn`, for the tree.
    pub async fn children(&self, dn: &str) -> Result<Vec<Container>> {
        let entries = self
            .search_paged(
                dn,
                Scope::OneLevel,
                filter::CONTAINERS,
                &["objectClass", "name"],
            )
            .await?;
        let mut out: Vec<Container> = entries.iter().map(container_from_entry).collect();
        out.sort_by_key(|c| c.name.to_lowercase());
        Ok(out)
    }

    /// The users (and contacts, as `which` says) under `base`, paged.
    pub async fn users(
        &self,
        base: &str,
        depth: Depth,
        photo_attr: &str,
        which: Which,
    ) -> Result<Vec<User>> {
        let scope = match depth {
            Depth::OneLevel => Scope::OneLevel,
            Depth::Subtree => Scope::Subtree,
        };
        let mut attrs: Vec<&str> = USER_ATTRIBUTES.to_vec();
        attrs.push(photo_attr);
        attrs.push(CONSISTENCY_GUID);
        // Users and contacts are told apart by their classes; a users-only listing needs not.
        if which.has_contacts() {
            attrs.push("objectClass");
        }
        let entries = self
            .search_paged(base, scope, &which.filter(), &attrs)
            .await?;
        let mut users: Vec<User> = entries
            .into_iter()
            .map(|e| user_from_entry(e, photo_attr))
            .collect();
        users.sort_by_key(|u| u.label().to_lowercase());
        Ok(users)
    }

    /// The one user a sAMAccountName, UPN or DN names; an error when none or several.
    pub async fn find_user(&self, who: &str, photo_attr: &str) -> Result<User> {
        let mut attrs: Vec<&str> = USER_ATTRIBUTES.to_vec();
        attrs.push(photo_attr);
        attrs.push(CONSISTENCY_GUID);
        attrs.push("objectClass");
        let entries = if filter::looks_like_dn(who) {
            // By DN a contact is found too (it has no logon name to be found by).
            self.search_once(who.trim(), Scope::Base, &Which::Both.filter(), &attrs)
                .await
                .or_else(|e| match e {
                    // No such entry, or not a valid DN after all (invalidDNSyntax).
                    DirectoryError::NoSuchObject(_) | DirectoryError::Ldap { code: 34, .. } => {
                        Ok(Vec::new())
                    }
                    e => Err(e),
                })?
        } else {
            self.search_paged(
                &self.base_dn,
                Scope::Subtree,
                &filter::user_by_name(who),
                &attrs,
            )
            .await?
        };
        match entries.len() {
            0 => Err(DirectoryError::UserNotFound(who.to_string())),
            1 => Ok(user_from_entry(
                entries.into_iter().next().expect("one entry"),
                photo_attr,
            )),
            count => Err(DirectoryError::UserAmbiguous {
                who: who.to_string(),
                count,
            }),
        }
    }

    /// The photo stored in `attr` of `dn`; `None` when it has none.
    pub async fn read_photo(&self, dn: &str, attr: &str) -> Result<Option<Vec<u8>>> {
        let entries = self
            .search_once(dn, Scope::Base, "(objectClass=*)", &[attr])
            .await?;
        let Some(entry) = entries.into_iter().next() else {
            return Err(DirectoryError::NoSuchObject(dn.to_string()));
        };
        Ok(binary(&entry, attr).filter(|b| !b.is_empty()))
    }

    /// Replaces the attribute with one value. No limit check, no backup: callers go through
    /// [`super::Directory::write_photo`].
    pub async fn replace(&self, dn: &str, attr: &str, bytes: &[u8]) -> Result<()> {
        let values: HashSet<Vec<u8>> = HashSet::from([bytes.to_vec()]);
        self.modify(
            dn,
            vec![Mod::Replace(attr.as_bytes().to_vec(), values)],
            Some((attr, bytes.len())),
        )
        .await
    }

    /// Removes the attribute `attr` (all its values) from `dn`.
    pub async fn delete(&self, dn: &str, attr: &str) -> Result<()> {
        self.modify(
            dn,
            vec![Mod::Delete(attr.as_bytes().to_vec(), HashSet::new())],
            None,
        )
        .await
    }

    pub(super) async fn modify(
        &self,
        dn: &str,
        mods: Vec<Mod<Vec<u8>>>,
        photo: Option<(&str, usize)>,
    ) -> Result<()> {
        let mut ldap = self.conn();
        let res = ldap
            .with_timeout(self.timeout)
            .modify(dn, mods)
            .await
            .map_err(|e| self.err(e))?;
        if res.rc != 0 {
            return Err(DirectoryError::from_result(&res, photo));
        }
        Ok(())
    }

    /// Unbinds, so the DC can drop the connection at once.
    pub async fn close(&self) {
        let reader = std::mem::replace(
            &mut *self.reader.write().unwrap_or_else(|p| p.into_inner()),
            Reader::Failed,
        );
        if let Reader::Open(mut l) = reader {
            let _ = l.unbind().await;
        }
        let mut ldap = self.conn();
        let _ = ldap.unbind().await;
    }
}

#[cfg(feature = "kerberos")]
async fn kerberos_bind(ldap: &mut Ldap, endpoint: &Endpoint, t: Duration) -> Result<()> {
    // The SPN is ldap/<host>: the host as typed, which must be a name the DC is known by.
    let host = endpoint.host.clone();
    let map = |e| DirectoryError::from_ldap(e, &host, t);
    let res = ldap
        .with_timeout(t)
        .sasl_gssapi_bind(&endpoint.host)
        .await
        .map_err(|e| match map(e) {
            DirectoryError::Connection(detail) => DirectoryError::Kerberos { detail },
            other => other,
        })?;
    if res.rc != 0 {
        return Err(match DirectoryError::from_result(&res, None) {
            DirectoryError::WrongPassword => DirectoryError::Kerberos {
                detail: res.text.trim_end_matches('\0').to_string(),
            },
            other => other,
        });
    }
    Ok(())
}

#[cfg(not(feature = "kerberos"))]
async fn kerberos_bind(_: &mut Ldap, _: &Endpoint, _: Duration) -> Result<()> {
    Err(DirectoryError::KerberosUnavailable)
}

pub(super) fn first(e: &SearchEntry, attr: &str) -> Option<String> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
}

/// A binary attribute's first value, wherever ldap3 put it (it keeps values that happen to be
/// valid UTF-8 in `attrs`).
pub(super) fn binary(e: &SearchEntry, attr: &str) -> Option<Vec<u8>> {
    e.bin_attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
        .or_else(|| first(e, attr).map(String::into_bytes))
}

/// objectGUID's 16 bytes in the text form AD shows (first three groups little-endian).
pub fn format_guid(b: &[u8]) -> Option<String> {
    let b: &[u8; 16] = b.try_into().ok()?;
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    ))
}

/// Entra Connect's source anchor where it is not the objectGUID (binary, 16 bytes): read with
/// every user so that [`crate::cloud`] finds them in Entra ID, kept in the GUID text form.
pub const CONSISTENCY_GUID: &str = "mS-DS-ConsistencyGuid";

fn user_from_entry(e: SearchEntry, photo_attr: &str) -> User {
    let consistency = binary(&e, CONSISTENCY_GUID).and_then(|b| format_guid(&b));
    let mut u = User {
        dn: e.dn.clone(),
        object_guid: binary(&e, "objectGUID").and_then(|b| format_guid(&b)),
        photo_bytes: binary(&e, photo_attr).map(|b| b.len()).filter(|&n| n > 0),
        ..Default::default()
    };
    for (k, v) in e.attrs {
        if k.eq_ignore_ascii_case("objectClass") {
            if v.iter().any(|c| c.eq_ignore_ascii_case("contact")) {
                u.kind = Kind::Contact;
            }
            continue;
        }
        if k.eq_ignore_ascii_case("objectGUID")
            || k.eq_ignore_ascii_case(photo_attr)
            || k.eq_ignore_ascii_case(CONSISTENCY_GUID)
        {
            continue;
        }
        if let Some(v) = v.into_iter().next() {
            u.set_attr(&k, v);
        }
    }
    if let Some(g) = consistency {
        u.set_attr(CONSISTENCY_GUID, g);
    }
    u
}

fn container_from_entry(e: &SearchEntry) -> Container {
    let classes: Vec<String> = e
        .attrs
        .get("objectClass")
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let kind = if classes.iter().any(|c| c == "organizationalunit") {
        ContainerKind::OrganizationalUnit
    } else if classes.iter().any(|c| c == "domaindns" || c == "domain") {
        ContainerKind::Domain
    } else {
        ContainerKind::Container
    };
    Container {
        name: first(e, "name").unwrap_or_else(|| super::rdn_value(&e.dn)),
        dn: e.dn.clone(),
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_text_form_matches_ad() {
        // Bytes as AD stores {01234567-89ab-cdef-0011-223344556677}.
        let raw = [
            0x67, 0x45, 0x23, 0x01, 0xab, 0x89, 0xef, 0xcd, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
            0x66, 0x77,
        ];
        assert_eq!(
            format_guid(&raw).unwrap(),
            "01234567-89ab-cdef-0011-223344556677"
        );
        assert!(format_guid(&[1, 2, 3]).is_none());
    }
}
