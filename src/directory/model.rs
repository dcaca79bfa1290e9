//! What the directory hands out: users and containers, the same whether they come from a
//! domain controller or from an LDIF file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The attributes read for every user (besides the photo, whose size only is read in lists).
pub const USER_ATTRIBUTES: &[&str] = &[
    "objectGUID",
    "sAMAccountName",
    "userPrincipalName",
    "givenName",
    "sn",
    "displayName",
    "mail",
    "employeeID",
    "employeeNumber",
    "department",
    "title",
    "cn",
];

/// A directory user, as lists and matching see it.
///
/// Serialises to the CLI's JSON contract: the attribute names as AD spells them, plus
/// `photoBytes` (null when the user has no photo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its DN: where it is now.
    pub dn: String,
    /// The objectGUID in its usual text form (`xxxxxxxx-xxxx-…`), stable across renames and moves.
    #[serde(rename = "objectGUID")]
    pub object_guid: Option<String>,
    /// The logon name (pre-Windows 2000); contacts have none.
    #[serde(rename = "sAMAccountName")]
    pub sam_account_name: Option<String>,
    /// The UPN, `user@domain`.
    #[serde(rename = "userPrincipalName")]
    pub user_principal_name: Option<String>,
    /// First name.
    #[serde(rename = "givenName")]
    pub given_name: Option<String>,
    /// Last name (surname).
    pub sn: Option<String>,
    /// The name people see in address books.
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
    /// E-mail address.
    pub mail: Option<String>,
    /// The HR number, a common key for photo files.
    #[serde(rename = "employeeID")]
    pub employee_id: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Size of the current photo in bytes; `None` when the user has none.
    #[serde(rename = "photoBytes")]
    pub photo_bytes: Option<usize>,
    /// A user account or a contact (an address-book entry, e.g. an Exchange mail contact).
    #[serde(default)]
    pub kind: Kind,
    /// Every other single-valued text attribute the directory returned (`cn`, `employeeNumber`, …),
    /// keyed by the name the server used. Naming patterns may use any of them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub extra: BTreeMap<String, String>,
}

impl User {
    /// The value of an attribute by its LDAP name, case-insensitively (LDAP names are).
    pub fn attr(&self, name: &str) -> Option<&str> {
        let known = match name.to_ascii_lowercase().as_str() {
            "dn" | "distinguishedname" => Some(self.dn.as_str()),
            "objectguid" => self.object_guid.as_deref(),
            "samaccountname" => self.sam_account_name.as_deref(),
            "userprincipalname" => self.user_principal_name.as_deref(),
            "givenname" => self.given_name.as_deref(),
            "sn" => self.sn.as_deref(),
            "displayname" => self.display_name.as_deref(),
            "mail" => self.mail.as_deref(),
            "employeeid" => self.employee_id.as_deref(),
            "department" => self.department.as_deref(),
            "title" => self.title.as_deref(),
            _ => None,
        };
        known.or_else(|| {
            self.extra
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        })
    }

    /// Whether the directory knows this attribute for the user at all (for pattern validation).
    pub fn has_attr(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    /// The best name to show a person: displayName, else "givenName sn", else sAMAccountName, else the DN.
    pub fn label(&self) -> String {
        if let Some(d) = self.display_name.as_deref().filter(|s| !s.is_empty()) {
            return d.to_string();
        }
        match (self.given_name.as_deref(), self.sn.as_deref()) {
            (Some(g), Some(s)) => format!("{g} {s}"),
            // A contact has no account: its common name, as the address book shows it.
            _ => self
                .sam_account_name
                .clone()
                .or_else(|| self.attr("cn").map(str::to_string))
                .unwrap_or_else(|| super::rdn_value(&self.dn)),
        }
    }

    /// The label with the logon name beside it, "Anna Berg (aberg)": two people of the same
    /// name told apart wherever a choice or a result names them.
    pub fn label_with_account(&self) -> String {
        let label = self.label();
        match self.sam_account_name.as_deref() {
            Some(sam) if !sam.is_empty() && sam != label => format!("{label} ({sam})"),
            _ if self.kind == Kind::Contact => format!("{label} (contact)"),
            _ => label,
        }
    }

    /// Sets an attribute read from the directory, by its LDAP name.
    pub fn set_attr(&mut self, name: &str, value: String) {
        let slot = match name.to_ascii_lowercase().as_str() {
            "objectguid" => &mut self.object_guid,
            "samaccountname" => &mut self.sam_account_name,
            "userprincipalname" => &mut self.user_principal_name,
            "givenname" => &mut self.given_name,
            "sn" => &mut self.sn,
            "displayname" => &mut self.display_name,
            "mail" => &mut self.mail,
            "employeeid" => &mut self.employee_id,
            "department" => &mut self.department,
            "title" => &mut self.title,
            _ => {
                self.extra.insert(name.to_string(), value);
                return;
            }
        };
        *slot = Some(value);
    }
}

/// What kind of container a tree node is; users live in OUs and in plain containers (CN=Users).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    /// The domain's root.
    Domain,
    /// An OU, where users are usually kept.
    OrganizationalUnit,
    /// A plain container (CN=Users and the like).
    Container,
}

/// One node of the OU tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    /// Its DN.
    pub dn: String,
    /// The RDN value, for display ("Sales" for `OU=Sales,DC=example,DC=test`).
    pub name: String,
    /// What kind it is, for its icon.
    pub kind: ContainerKind,
}

/// What a listed entry is. Contacts (objectClass contact) have no account but are in the
/// address book, and can hold a photo too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A user account.
    #[default]
    User,
    /// A contact: an address-book entry with no account.
    Contact,
}

/// Which entries a listing holds: users (the default), contacts, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    /// Users only.
    #[default]
    Users,
    /// Contacts only.
    Contacts,
    /// Users and contacts.
    Both,
}

impl Which {
    /// Whether contacts are listed.
    pub fn has_contacts(self) -> bool {
        self != Which::Users
    }

    /// The LDAP filter for this choice.
    pub fn filter(self) -> String {
        match self {
            Which::Users => super::filter::USERS.to_string(),
            Which::Contacts => super::filter::CONTACTS.to_string(),
            Which::Both => format!("(|{}{})", super::filter::USERS, super::filter::CONTACTS),
        }
    }
}

/// How deep a user search goes below its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// Only the entries right under the base.
    #[default]
    OneLevel,
    /// The base and everything below it.
    Subtree,
}

/// Which photo attribute a write targets. `thumbnailPhoto` is what Outlook, Teams and M365 show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoAttribute(pub String);

impl Default for PhotoAttribute {
    fn default() -> Self {
        Self("thumbnailPhoto".into())
    }
}

impl PhotoAttribute {
    /// The LDAP attribute's name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// AD's schema refuses a thumbnailPhoto over 100 kB; other attributes (jpegPhoto) have no such limit.
    pub fn byte_limit(&self) -> Option<usize> {
        self.0
            .eq_ignore_ascii_case("thumbnailPhoto")
            .then_some(THUMBNAIL_PHOTO_LIMIT)
    }
}

/// AD's rangeUpper for thumbnailPhoto.
pub const THUMBNAIL_PHOTO_LIMIT: usize = 102_400;

#[cfg(test)]
impl User {
    /// A staff member for unit tests: `CN=Given Sn (sam),OU=Staff,DC=example,DC=test`.
    pub(crate) fn sample(sam: &str, given: &str, sn: &str) -> User {
        User {
            dn: format!("CN={given} {sn} ({sam}),OU=Staff,DC=example,DC=test"),
            sam_account_name: Some(sam.into()),
            given_name: Some(given.into()),
            sn: Some(sn.into()),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_lookup_is_case_insensitive_and_reaches_extra() {
        let mut u = User {
            dn: "CN=a,DC=x".into(),
            ..Default::default()
        };
        u.set_attr("sAMAccountName", "jdoe".into());
        u.set_attr("employeeNumber", "42".into());
        assert_eq!(u.attr("samaccountname"), Some("jdoe"));
        assert_eq!(u.attr("EMPLOYEENUMBER"), Some("42"));
        assert_eq!(u.attr("mail"), None);
        assert_eq!(u.label(), "jdoe");
    }

    #[test]
    fn json_uses_ad_names_and_null_photo() {
        let u = User {
            dn: "CN=a,DC=x".into(),
            sam_account_name: Some("a".into()),
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::to_value(&u).unwrap();
        assert_eq!(v["sAMAccountName"], "a");
        assert!(v["photoBytes"].is_null());
        assert!(v.get("extra").is_none());
    }
}
