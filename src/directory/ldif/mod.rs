//! The offline directory: an LDIF export (`ldifde -f`, `ldapsearch -LLL`) read into memory,
//! with photo changes written as an LDIF change file that an administrator applies later
//! (`ldifde -i -f FILE` or `ldapmodify -f FILE`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::{DirectoryError, Result};
use super::{
    Container, ContainerKind, Depth, Kind, User, Which, dn_eq, dn_key, parent_dn, rdn_value,
};

mod format;

pub use format::*;

/// A directory held in memory, read from an LDIF export.
#[derive(Debug, Clone)]
pub struct LdifDirectory {
    entries: Vec<Entry>,
    /// Entry by [`dn_key`]: batches look up thousands of DNs.
    index: HashMap<String, usize>,
    base_dn: String,
    changes: PathBuf,
}

impl LdifDirectory {
    /// Reads `source` and replays the change file `changes` (if it exists) on top, so a
    /// second session sees the photos the first one set.
    pub fn open(source: &Path, changes: PathBuf) -> Result<Self> {
        let text = std::fs::read_to_string(source)
            .map_err(|e| DirectoryError::Ldif(format!("{}: {e}", source.display())))?;
        let mut dir = Self::from_text(&text, changes)?;
        if dir.changes.exists() {
            let text = std::fs::read_to_string(&dir.changes)
                .map_err(|e| DirectoryError::Ldif(format!("{}: {e}", dir.changes.display())))?;
            for c in parse_changes(&text)? {
                dir.apply(&c);
            }
        }
        Ok(dir)
    }

    /// Reads an LDIF export's text; changes are written to `changes` as LDIF for an administrator.
    pub fn from_text(text: &str, changes: PathBuf) -> Result<Self> {
        let entries = parse_entries(text)?;
        if entries.is_empty() {
            return Err(DirectoryError::Ldif("it holds no entries".into()));
        }
        let base_dn = entries
            .iter()
            .filter(|e| e.container_kind() == Some(ContainerKind::Domain))
            .map(|e| e.dn.clone())
            .min_by_key(String::len)
            .unwrap_or_else(|| domain_suffix(&entries));
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (dn_key(&e.dn), i))
            .collect();
        Ok(Self {
            entries,
            index,
            base_dn,
            changes,
        })
    }

    /// The base DN: the export's domain entry, or the suffix its DNs share.
    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    /// The LDIF change file this directory's writes go to.
    pub fn changes_path(&self) -> &Path {
        &self.changes
    }

    fn entry(&self, dn: &str) -> Option<&Entry> {
        self.entries.get(*self.index.get(&dn_key(dn))?)
    }

    fn entry_mut(&mut self, dn: &str) -> Option<&mut Entry> {
        self.entries.get_mut(*self.index.get(&dn_key(dn))?)
    }

    /// The user at exactly this DN.
    pub fn user_at(&self, dn: &str) -> Result<User> {
        self.entry(dn)
            .filter(|e| e.is_user())
            .map(|e| user_from_entry(e, ""))
            .ok_or_else(|| DirectoryError::NoSuchObject(dn.to_string()))
    }

    /// Containers directly below `dn`, including ones only implied by the DNs of their users
    /// (an export of users alone still gives a tree).
    pub fn children(&self, dn: &str) -> Vec<Container> {
        let mut out: Vec<Container> = Vec::new();
        let mut push = |c: Container| {
            if !out.iter().any(|o| dn_eq(&o.dn, &c.dn)) {
                out.push(c);
            }
        };
        for e in &self.entries {
            if let Some(kind) = e.container_kind()
                && parent_dn(&e.dn).is_some_and(|p| dn_eq(p, dn))
            {
                push(Container {
                    dn: e.dn.clone(),
                    name: e
                        .text("name")
                        .or_else(|| e.text("ou"))
                        .unwrap_or_else(|| rdn_value(&e.dn)),
                    kind,
                });
            }
        }
        for e in self.entries.iter().filter(|e| e.is_user()) {
            // Walk up from the user to `dn`; the ancestor just below `dn` is a child.
            let mut cur = parent_dn(&e.dn);
            while let Some(p) = cur {
                match parent_dn(p) {
                    Some(pp) if dn_eq(pp, dn) => {
                        let kind = if p.get(..3).is_some_and(|s| s.eq_ignore_ascii_case("ou=")) {
                            ContainerKind::OrganizationalUnit
                        } else {
                            ContainerKind::Container
                        };
                        push(Container {
                            dn: p.to_string(),
                            name: rdn_value(p),
                            kind,
                        });
                        break;
                    }
                    next => cur = next,
                }
            }
        }
        out.sort_by_key(|c| c.name.to_lowercase());
        out
    }

    /// The users (and contacts, as `which` says) under `base`.
    pub fn users(&self, base: &str, depth: Depth, photo_attr: &str, which: Which) -> Vec<User> {
        let mut users: Vec<User> = self
            .entries
            .iter()
            .filter(|e| match which {
                Which::Users => e.is_user(),
                Which::Contacts => e.is_contact(),
                Which::Both => e.is_user() || e.is_contact(),
            })
            .filter(|e| match depth {
                Depth::OneLevel => parent_dn(&e.dn).is_some_and(|p| dn_eq(p, base)),
                Depth::Subtree => super::dn_is_under(&e.dn, base),
            })
            .map(|e| user_from_entry(e, photo_attr))
            .collect();
        users.sort_by_key(|u| u.label().to_lowercase());
        users
    }

    /// The one user a sAMAccountName, UPN or DN names; an error when none or several.
    pub fn find_user(&self, who: &str, photo_attr: &str) -> Result<User> {
        let who_t = who.trim();
        let name = who_t.rsplit_once('\\').map_or(who_t, |(_, u)| u);
        let hits: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.is_user() || (e.is_contact() && dn_eq(&e.dn, who_t)))
            .filter(|e| {
                dn_eq(&e.dn, who_t)
                    || ["sAMAccountName", "userPrincipalName"].iter().any(|a| {
                        e.text(a)
                            .is_some_and(|v| v.to_lowercase() == name.to_lowercase())
                    })
            })
            .collect();
        match hits.as_slice() {
            [] => Err(DirectoryError::UserNotFound(who.to_string())),
            [one] => Ok(user_from_entry(one, photo_attr)),
            many => Err(DirectoryError::UserAmbiguous {
                who: who.to_string(),
                count: many.len(),
            }),
        }
    }

    /// The photo of `dn` as it stands, with the changes made so far.
    pub fn read_photo(&self, dn: &str, attr: &str) -> Result<Option<Vec<u8>>> {
        let e = self
            .entry(dn)
            .ok_or_else(|| DirectoryError::NoSuchObject(dn.to_string()))?;
        Ok(e.values(attr).first().cloned().filter(|v| !v.is_empty()))
    }

    /// Records the change in the change file first, then in memory: a failure to write the
    /// file leaves the directory as it was.
    pub fn record(&mut self, change: Change) -> Result<()> {
        let dn = match &change {
            Change::Replace { dn, .. } | Change::Delete { dn, .. } => dn,
        };
        if self.entry(dn).is_none() {
            return Err(DirectoryError::NoSuchObject(dn.clone()));
        }
        write_change(&self.changes, &change)?;
        self.apply(&change);
        Ok(())
    }

    fn apply(&mut self, change: &Change) {
        match change {
            Change::Replace { dn, attr, value } => {
                if let Some(e) = self.entry_mut(dn) {
                    e.set(attr, vec![value.clone()]);
                }
            }
            Change::Delete { dn, attr } => {
                if let Some(e) = self.entry_mut(dn) {
                    e.set(attr, Vec::new());
                }
            }
        }
    }
}

/// Without a domain entry, the base is the DC= tail shared by the entries.
fn domain_suffix(entries: &[Entry]) -> String {
    let dn = &entries[0].dn;
    let parts: Vec<&str> = super::split_dn(dn);
    let start = parts
        .iter()
        .position(|p| {
            p.trim()
                .get(..3)
                .is_some_and(|s| s.eq_ignore_ascii_case("dc="))
        })
        .unwrap_or(parts.len().saturating_sub(1));
    parts[start..].join(",")
}

fn user_from_entry(e: &Entry, photo_attr: &str) -> User {
    let mut u = User {
        dn: e.dn.clone(),
        object_guid: e.values("objectGUID").first().and_then(|b| {
            super::ldap::format_guid(b).or_else(|| String::from_utf8(b.clone()).ok())
        }),
        photo_bytes: e
            .values(photo_attr)
            .first()
            .map(Vec::len)
            .filter(|&n| n > 0),
        kind: if e.is_contact() {
            Kind::Contact
        } else {
            Kind::User
        },
        ..Default::default()
    };
    for (name, values) in &e.attrs {
        if name.eq_ignore_ascii_case("objectGUID")
            || name.eq_ignore_ascii_case(photo_attr)
            || name.eq_ignore_ascii_case("objectClass")
            || name.eq_ignore_ascii_case("dn")
        {
            continue;
        }
        if let Some(Ok(v)) = values.first().map(|v| String::from_utf8(v.clone())) {
            u.set_attr(name, v);
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "version: 1\n\
# a comment\n\
dn: DC=example,DC=test\n\
objectClass: top\n\
objectClass: domainDNS\n\
\n\
dn: OU=Sales,DC=example,DC=test\n\
objectClass: organizationalUnit\n\
ou: Sales\n\
\n\
dn:: Q049Sm9zw6kgR2FyY8OtYSxPVT1TYWxlcyxEQz1leGFtcGxlLERDPXRlc3Q=\n\
objectClass: user\n\
sAMAccountName: jgarcia\n\
givenName:: Sm9zw6k=\n\
sn: Garc\n \u{ed}a\n\
thumbnailPhoto:: /9j/AA==\n\
\n\
dn: CN=PC1,OU=Sales,DC=example,DC=test\n\
objectClass: user\n\
objectClass: computer\n\
\n\
dn: CN=Ext,OU=Sales,DC=example,DC=test\n\
objectClass: contact\n\
\n\
dn: CN=Ann Lee,OU=EMEA,OU=Sales,DC=example,DC=test\n\
objectClass: user\n\
sAMAccountName: alee\n";

    fn dir(changes: PathBuf) -> LdifDirectory {
        LdifDirectory::from_text(SAMPLE, changes).unwrap()
    }

    #[test]
    fn reads_folded_base64_and_skips_non_users() {
        let d = dir(PathBuf::from("/nonexistent"));
        assert_eq!(d.base_dn(), "DC=example,DC=test");
        let users = d.users(
            "OU=Sales,DC=example,DC=test",
            Depth::OneLevel,
            "thumbnailPhoto",
            Which::Users,
        );
        assert_eq!(users.len(), 1, "{users:?}");
        let u = &users[0];
        assert_eq!(u.dn, "CN=José García,OU=Sales,DC=example,DC=test");
        assert_eq!(u.given_name.as_deref(), Some("José"));
        assert_eq!(u.sn.as_deref(), Some("García"));
        assert_eq!(u.photo_bytes, Some(4));
        let all = d.users(
            "DC=example,DC=test",
            Depth::Subtree,
            "thumbnailPhoto",
            Which::Users,
        );
        assert_eq!(all.len(), 2);
        // The contact is listed when asked for, and marked as one.
        let contacts = d.users(
            "DC=example,DC=test",
            Depth::Subtree,
            "thumbnailPhoto",
            Which::Contacts,
        );
        assert_eq!(contacts.len(), 1, "{contacts:?}");
        assert_eq!(contacts[0].kind, crate::directory::Kind::Contact);
        let both = d.users(
            "DC=example,DC=test",
            Depth::Subtree,
            "thumbnailPhoto",
            Which::Both,
        );
        assert_eq!(both.len(), 3);
    }

    #[test]
    fn tree_includes_implied_containers() {
        let d = dir(PathBuf::from("/nonexistent"));
        let top = d.children("DC=example,DC=test");
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].name, "Sales");
        let sales = d.children("OU=Sales,DC=example,DC=test");
        assert_eq!(sales.len(), 1, "{sales:?}");
        assert_eq!(sales[0].dn, "OU=EMEA,OU=Sales,DC=example,DC=test");
    }

    #[test]
    fn changes_are_written_and_replayed() {
        let tmp = tempfile::tempdir().unwrap();
        let changes = tmp.path().join("c.ldif");
        let mut d = dir(changes.clone());
        let dn = "cn=ann lee,ou=emea,ou=sales,dc=example,dc=test";
        let photo = vec![0xFF, 0xD8, 0xFF, 0xE0, b' ', 0, 1, 2];
        d.record(Change::Replace {
            dn: dn.into(),
            attr: "thumbnailPhoto".into(),
            value: photo.clone(),
        })
        .unwrap();
        assert_eq!(
            d.read_photo(dn, "thumbnailPhoto").unwrap(),
            Some(photo.clone())
        );
        let text = std::fs::read_to_string(&changes).unwrap();
        assert!(text.contains("changetype: modify\nreplace: thumbnailPhoto\nthumbnailPhoto:: "));
        let parsed = parse_changes(&text).unwrap();
        assert_eq!(parsed.len(), 1);
        d.record(Change::Delete {
            dn: "CN=José García,OU=Sales,DC=example,DC=test".into(),
            attr: "thumbnailPhoto".into(),
        })
        .unwrap();
        let mut again = dir(changes.clone());
        for c in parse_changes(&std::fs::read_to_string(&changes).unwrap()).unwrap() {
            again.apply(&c);
        }
        assert_eq!(again.read_photo(dn, "thumbnailPhoto").unwrap(), Some(photo));
        assert_eq!(
            again
                .read_photo(
                    "CN=José García,OU=Sales,DC=example,DC=test",
                    "thumbnailPhoto"
                )
                .unwrap(),
            None
        );
        assert!(
            d.record(Change::Delete {
                dn: "CN=nobody".into(),
                attr: "x".into()
            })
            .is_err()
        );
    }

    #[test]
    fn long_values_fold_and_parse_back() {
        let value: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let text = change_text(&Change::Replace {
            dn: "CN=Zoë,DC=x".into(),
            attr: "thumbnailPhoto".into(),
            value: value.clone(),
        });
        assert!(text.lines().all(|l| l.len() <= 76), "lines are folded");
        let c = parse_changes(&text).unwrap();
        assert_eq!(
            c,
            vec![Change::Replace {
                dn: "CN=Zoë,DC=x".into(),
                attr: "thumbnailPhoto".into(),
                value
            }]
        );
    }

    #[test]
    fn malformed_ldif_is_a_clear_error() {
        for bad in [
            "objectClass: user\n",
            "dn: x\nnocolon\n",
            "dn: x\nphoto:: !!!\n",
            " cont\n",
        ] {
            let e = LdifDirectory::from_text(bad, PathBuf::new()).unwrap_err();
            assert!(e.to_string().contains("line"), "{e}");
        }
        assert!(LdifDirectory::from_text("", PathBuf::new()).is_err());
    }
}
