//! Finding a domain controller the way Windows does: the DNS SRV records
//! `_ldap._tcp.dc._msdcs.<domain>` that every AD domain publishes, for the machine's own DNS
//! domain (resolv.conf's `domain`/`search`, the registry on Windows). Through hickory-resolver.
//! Without DNS, the domain this computer is in (`USERDNSDOMAIN`, krb5.conf's default realm).

use std::path::PathBuf;
use std::time::Duration;

use hickory_resolver::config::{ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;

/// A server to suggest, and where it was found (shown beside it, so a person can judge it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainHint {
    /// The server (a DC's host name) or domain to offer.
    pub domain: String,
    /// Where it was found, in words.
    pub source: String,
}

/// Realms that ship as examples in stock krb5.conf files (Debian's krb5-config writes
/// ATHENA.MIT.EDU when nobody answered its questions): never a domain this computer is in.
const STOCK_REALMS: [&str; 4] = ["athena.mit.edu", "example.com", "example.org", "mit.edu"];

/// The domain this computer belongs to, as a server to suggest: `USERDNSDOMAIN` on Windows, the
/// Kerberos default realm (`/etc/krb5.conf`, or `KRB5_CONFIG`) elsewhere — unless it is a stock
/// example. Lower case.
pub fn domain_hint() -> Option<DomainHint> {
    if cfg!(windows) {
        let domain = std::env::var("USERDNSDOMAIN").ok()?.trim().to_lowercase();
        return suggestable(&domain).then(|| DomainHint {
            domain,
            source: "found via USERDNSDOMAIN".into(),
        });
    }
    let path = std::env::var_os("KRB5_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/krb5.conf"));
    let text = std::fs::read_to_string(&path).ok()?;
    let domain = krb5_default_realm(&text)?.to_lowercase();
    suggestable(&domain).then(|| DomainHint {
        domain,
        source: format!("found via {} (default_realm)", path.display()),
    })
}

/// A real-looking domain: not empty, not a stock example realm.
fn suggestable(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    !d.is_empty() && !STOCK_REALMS.contains(&d.as_str())
}

/// `default_realm` from the `[libdefaults]` section of a krb5.conf.
fn krb5_default_realm(text: &str) -> Option<String> {
    let mut in_libdefaults = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            in_libdefaults = line.eq_ignore_ascii_case("[libdefaults]");
            continue;
        }
        if in_libdefaults
            && let Some((k, v)) = line.split_once('=')
            && k.trim().eq_ignore_ascii_case("default_realm")
        {
            let v = v.trim();
            return (!v.is_empty()).then(|| v.to_string());
        }
    }
    None
}

/// A suggestion must never hold up the dialog: one short try.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// A DC for the machine's DNS domain, from the system's resolver configuration.
pub async fn suggest_from_dns() -> Option<DomainHint> {
    let (config, _) = hickory_resolver::system_conf::read_system_conf().ok()?;
    suggest_with(config).await
}

/// A DC for the first of `config`'s domain and search domains that has one.
pub async fn suggest_with(config: ResolverConfig) -> Option<DomainHint> {
    let mut domains: Vec<String> = config
        .domain()
        .into_iter()
        .chain(config.search())
        .map(|n| n.to_ascii().trim_end_matches('.').to_lowercase())
        .filter(|d| suggestable(d))
        .collect();
    domains.dedup();
    if domains.is_empty() {
        return None;
    }
    let mut opts = ResolverOpts::default();
    opts.timeout = LOOKUP_TIMEOUT;
    opts.attempts = 1;
    let resolver =
        hickory_resolver::Resolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .ok()?;
    for domain in domains {
        let query = format!("_ldap._tcp.dc._msdcs.{domain}.");
        let Ok(found) = resolver.srv_lookup(query.as_str()).await else {
            continue;
        };
        let mut dcs: Vec<(u16, std::cmp::Reverse<u16>, String)> = found
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::SRV(srv) => Some((
                    srv.priority,
                    std::cmp::Reverse(srv.weight),
                    srv.target.to_ascii().trim_end_matches('.').to_lowercase(),
                )),
                _ => None,
            })
            .filter(|(_, _, host)| !host.is_empty())
            .collect();
        dcs.sort();
        if let Some((_, _, host)) = dcs.into_iter().next() {
            return Some(DomainHint {
                domain: host,
                source: format!("found via DNS ({query} SRV)"),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::config::{ConnectionConfig, NameServerConfig};
    use hickory_resolver::proto::op::{Message, MessageType, OpCode};
    use hickory_resolver::proto::rr::rdata::SRV;
    use hickory_resolver::proto::rr::{Name, Record};

    #[test]
    fn stock_example_realms_are_never_suggested() {
        let debian = "[libdefaults]\n\tdefault_realm = ATHENA.MIT.EDU\n";
        let realm = krb5_default_realm(debian).unwrap();
        assert!(!suggestable(&realm));
        assert!(!suggestable("example.com."));
        assert!(!suggestable("  "));
        assert!(suggestable("corp.example.test"));
    }

    #[test]
    fn realm_from_krb5_conf() {
        let conf = "[logging]\n default_realm = NOPE\n[libdefaults]\n  # c\n  dns_lookup_realm = false\n  default_realm = EXAMPLE.TEST\n[realms]\n";
        assert_eq!(krb5_default_realm(conf).as_deref(), Some("EXAMPLE.TEST"));
        assert_eq!(krb5_default_realm("[libdefaults]\n"), None);
    }

    /// A one-question DNS server on loopback answering SRV queries for `zone` with two DCs
    /// (the lower priority must win) and nothing for anything else.
    async fn dns_on_loopback(zone: &'static str) -> std::net::SocketAddr {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = sock.recv_from(&mut buf).await {
                let Ok(q) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut a = Message::new(q.metadata.id, MessageType::Response, OpCode::Query);
                a.metadata.recursion_desired = q.metadata.recursion_desired;
                a.metadata.recursion_available = true;
                for question in &q.queries {
                    a.add_query(question.clone());
                    let name = question.name().to_ascii();
                    if name == format!("_ldap._tcp.dc._msdcs.{zone}.") {
                        for (prio, host) in [(10, "dc2"), (0, "dc1")] {
                            let target = Name::from_ascii(format!("{host}.{zone}.")).unwrap();
                            a.add_answer(Record::from_rdata(
                                question.name().clone(),
                                60,
                                RData::SRV(SRV::new(prio, 100, 389, target)),
                            ));
                        }
                    }
                }
                let _ = sock.send_to(&a.to_vec().unwrap(), from).await;
            }
        });
        addr
    }

    fn config(server: std::net::SocketAddr, search: &[&str]) -> ResolverConfig {
        let mut udp = ConnectionConfig::udp();
        udp.port = server.port();
        let mut c = ResolverConfig::from_name_servers(vec![NameServerConfig::new(
            server.ip(),
            true,
            vec![udp],
        )]);
        for s in search {
            c.add_search(Name::from_ascii(s).unwrap());
        }
        c
    }

    #[tokio::test]
    async fn the_search_domains_dc_is_suggested_by_priority() {
        let dns = dns_on_loopback("corp.test").await;
        // A search domain without DCs first, a stock example one (never asked), then the AD one.
        let hint = suggest_with(config(dns, &["lab.test", "example.com", "corp.test"]))
            .await
            .expect("a DC");
        assert_eq!(hint.domain, "dc1.corp.test");
        assert!(
            hint.source.contains("_ldap._tcp.dc._msdcs.corp.test. SRV"),
            "{}",
            hint.source
        );
    }

    #[tokio::test]
    async fn no_domain_with_dcs_suggests_nothing() {
        let dns = dns_on_loopback("corp.test").await;
        assert!(suggest_with(config(dns, &["other.test"])).await.is_none());
        assert!(suggest_with(config(dns, &[])).await.is_none());
    }
}
