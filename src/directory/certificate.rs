//! What a server's certificate says about itself, for a person deciding whether to trust it.
//!
//! rustls only says *that* a certificate was refused; a helpdesk user (and the administrator they
//! call) needs to see *which* one: who it names, who issued it, when it is valid and its
//! fingerprint. Parsed with x509-parser (already in the tree through ldap3).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The parts of a certificate shown before trusting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertSummary {
    /// "CN=dc1, O=Example" as openssl prints it.
    pub subject: String,
    /// Who signed it, in the same form.
    pub issuer: String,
    /// UTC, "2026-12-01 13:37".
    pub not_before: String,
    /// UTC, the last day it is valid.
    pub not_after: String,
    /// The DNS names and IP addresses in subjectAltName; empty when it has none.
    pub names: Vec<String>,
    /// Subject and issuer are the same: nobody but the server vouches for it.
    pub self_signed: bool,
    /// SHA-256 of the DER, colon-separated upper-case hex ([`super::fingerprint`]).
    pub sha256: String,
}

impl CertSummary {
    /// Reads a DER certificate. A certificate x509-parser cannot read still has a fingerprint,
    /// so the person can pin it after checking it out of band.
    pub fn from_der(der: &[u8]) -> CertSummary {
        let sha256 = super::connect::fingerprint(der);
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return CertSummary {
                subject: "(unreadable certificate)".into(),
                issuer: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                names: Vec::new(),
                self_signed: false,
                sha256,
            };
        };
        let names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| {
                    use x509_parser::extensions::GeneralName::*;
                    match n {
                        DNSName(d) => Some(d.to_string()),
                        IPAddress(b) => ip_text(b),
                        _ => None,
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        let when = |t: &x509_parser::time::ASN1Time| {
            let d = t.to_datetime();
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute()
            )
        };
        CertSummary {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: when(&cert.validity().not_before),
            not_after: when(&cert.validity().not_after),
            names,
            self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
            sha256,
        }
    }

    /// "localhost, dc1.example.test" or "none (no subjectAltName)".
    pub fn names_text(&self) -> String {
        if self.names.is_empty() {
            "none (no subjectAltName)".into()
        } else {
            self.names.join(", ")
        }
    }

    /// Indented lines for the command line and logs, as the window's table shows them.
    pub fn describe(&self) -> String {
        format!(
            "  Issued to:    {}\n  Issued by:    {}\n  Valid:        {} to {}\n  Server names: {}\n  SHA-256:      {}",
            self.subject,
            if self.self_signed {
                "itself (self-signed)"
            } else {
                self.issuer.as_str()
            },
            self.not_before,
            self.not_after,
            self.names_text(),
            self.sha256
        )
    }

    /// Why the name check failed, from what the certificate names: "issued for another name"
    /// and "names no server at all" call for different fixes on the server.
    pub fn name_mismatch_cause(&self, host: &str) -> String {
        if self.names.is_empty() {
            format!(
                "it names no server (no subjectAltName; {}). Modern clients only look at \
                 subjectAltName: the server's certificate must be reissued with \"{host}\" in it",
                self.subject
            )
        } else {
            format!(
                "it is issued for another name ({}), not for \"{host}\": connect with one of \
                 those names",
                self.names_text()
            )
        }
    }
}

fn ip_text(b: &[u8]) -> Option<String> {
    let ip = match b.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(b).ok()?),
        16 => IpAddr::from(<[u8; 16]>::try_from(b).ok()?),
        _ => return None,
    };
    Some(ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_still_named_by_its_fingerprint() {
        let s = CertSummary::from_der(b"not a certificate");
        assert!(s.subject.contains("unreadable"));
        assert_eq!(s.sha256.len(), 95);
        assert!(s.describe().contains(&s.sha256));
    }

    #[test]
    fn causes_differ_for_no_san_and_another_name() {
        let mut s = CertSummary::from_der(b"x");
        s.subject = "CN=dc1".into();
        assert!(s.name_mismatch_cause("dc1").contains("no subjectAltName"));
        s.names = vec!["dc2.example.com".into()];
        let c = s.name_mismatch_cause("dc1");
        assert!(c.contains("another name (dc2.example.com)"), "{c}");
    }

    #[test]
    fn ip_addresses_print_as_people_type_them() {
        assert_eq!(ip_text(&[127, 0, 0, 1]).as_deref(), Some("127.0.0.1"));
        let mut v6 = [0u8; 16];
        v6[15] = 1;
        assert_eq!(ip_text(&v6).as_deref(), Some("::1"));
        assert_eq!(ip_text(&[1, 2, 3]), None);
    }
}
