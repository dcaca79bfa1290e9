//! LDAP search filters. Every value a person typed goes through [`escape`] (RFC 4515), so a
//! name like `O'Brien (temp)*` can never change what a filter means.

/// Users only: `objectCategory=person` drops computers (whose objectClass includes `user`),
/// `objectClass=user` drops contacts.
pub const USERS: &str = "(&(objectCategory=person)(objectClass=user))";

/// Contacts: address-book entries without an account (Exchange mail contacts).
pub const CONTACTS: &str = "(objectClass=contact)";

/// What the OU tree shows: OUs and plain containers (CN=Users), without AD's system-only ones.
pub const CONTAINERS: &str = "(&(|(objectClass=organizationalUnit)(objectClass=container)(objectClass=builtinDomain))(!(showInAdvancedViewOnly=TRUE)))";

/// RFC 4515 escaping of an assertion value: `\ * ( )` and NUL become `\XX`.
pub fn escape(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// A user by sAMAccountName or userPrincipalName. `DOMAIN\user` is reduced to `user`.
pub fn user_by_name(who: &str) -> String {
    let name = who.rsplit_once('\\').map_or(who, |(_, u)| u);
    let v = escape(name);
    format!("(&{USERS}(|(sAMAccountName={v})(userPrincipalName={v})))")
}

/// Whether a USER argument is a distinguished name rather than a login name.
pub fn looks_like_dn(who: &str) -> bool {
    // A DN starts with an attribute type: letters, digits and hyphens, then `=`.
    let w = who.trim();
    match w.split_once('=') {
        Some((ty, _)) => {
            ty.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(escape("a*b(c)d\\e\0f"), "a\\2ab\\28c\\29d\\5ce\\00f");
        assert_eq!(escape("O'Brien"), "O'Brien");
        assert_eq!(escape("Müller"), "Müller");
    }

    #[test]
    fn injection_stays_a_value() {
        let f = user_by_name("*)(objectClass=*");
        assert!(
            f.contains("sAMAccountName=\\2a\\29\\28objectClass=\\2a)"),
            "{f}"
        );
        assert_eq!(f.matches('(').count(), f.matches(')').count());
    }

    #[test]
    fn domain_prefix_is_dropped_and_dns_recognised() {
        assert!(user_by_name("EXAMPLE\\jdoe").contains("sAMAccountName=jdoe)"));
        assert!(looks_like_dn("CN=John Doe,OU=Sales,DC=example,DC=test"));
        assert!(!looks_like_dn("jdoe"));
        assert!(!looks_like_dn("jdoe@example.test"));
        assert!(!looks_like_dn("*)(sAMAccountName=*"));
    }
}
