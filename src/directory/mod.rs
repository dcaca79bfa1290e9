//! Talking to Active Directory (LDAP over ldap3 + tokio) and the offline LDIF directory.

mod model;

pub use model::*;
