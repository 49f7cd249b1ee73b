//! SSRF guard: refuses outbound requests to loopback, private and other internal addresses
//! unless the destination is allow-listed. Every resolved address is checked, and the HTTP
//! client resolves through the same guard so a DNS answer cannot change between check and use.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use url::Host;

use crate::outcome::{DeliveryOutcome, RejectCode};

/// Why an address is internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternalRange {
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    Unspecified,
    Multicast,
    /// Carrier-grade NAT (100.64/10), broadcast and reserved (240/4): not the public internet.
    Reserved,
}

/// A destination the guard refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationRefusal {
    #[error("{ip} is an internal address ({range:?}) and is not allow-listed")]
    Internal { ip: IpAddr, range: InternalRange },
    #[error("host {host} did not resolve to any address")]
    NoAddresses { host: String },
}

/// An allow-list entry that is neither a CIDR, an IP address, nor a host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allow-list entry {entry:?} is not a CIDR, IP address or host name")]
pub struct AllowListError {
    pub entry: String,
}

/// The allow-list: CIDRs (or single IPs) and exact host names (case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationGuard {
    networks: Vec<IpNet>,
    hosts: Vec<String>,
}

impl DestinationGuard {
    /// Parses allow-list entries such as `127.0.0.0/8`, `::1`, or `crm.internal.example`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, AllowListError> {
        let mut guard = Self::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if let Ok(net) = entry.parse::<IpNet>() {
                guard.networks.push(net);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                guard.networks.push(IpNet::from(ip));
            } else if is_host_name(entry) {
                guard.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(AllowListError { entry: entry.to_owned() });
            }
        }
        Ok(guard)
    }

    /// True when the host name itself is allow-listed (its addresses are then not checked).
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.hosts.contains(&host)
    }

    /// Refuses an internal address unless an allow-listed network contains it.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), DestinationRefusal> {
        match internal_range(ip) {
            Some(range) if !self.networks.iter().any(|net| net.contains(&ip)) => {
                Err(DestinationRefusal::Internal { ip, range })
            }
            _ => Ok(()),
        }
    }

    /// Checks every resolved address of `host`: one internal address refuses the host,
    /// because the client could connect to any of them.
    pub fn check_resolved(&self, host: &str, addrs: &[SocketAddr]) -> Result<(), DestinationRefusal> {
        if addrs.is_empty() {
            return Err(DestinationRefusal::NoAddresses { host: host.to_owned() });
        }
        if self.allows_host(host) {
            return Ok(());
        }
        addrs.iter().try_for_each(|addr| self.check_ip(addr.ip()))
    }
}

/// The internal range an address belongs to, if any.
pub fn internal_range(ip: IpAddr) -> Option<InternalRange> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        // An IPv4-mapped address (::ffff:10.0.0.1) reaches the IPv4 host: judge that.
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or_else(|| internal_v6(v6), internal_v4),
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<InternalRange> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some(InternalRange::Loopback)
    } else if ip.is_private() {
        Some(InternalRange::Private)
    } else if ip.is_link_local() {
        Some(InternalRange::LinkLocal)
    } else if a == 0 {
        Some(InternalRange::Unspecified)
    } else if ip.is_multicast() {
        Some(InternalRange::Multicast)
    } else if ip.is_broadcast() || a >= 240 || (a == 100 && (64..128).contains(&b)) {
        Some(InternalRange::Reserved)
    } else {
        None
    }
}

fn internal_v6(ip: Ipv6Addr) -> Option<InternalRange> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some(InternalRange::Loopback)
    } else if ip.is_unspecified() {
        Some(InternalRange::Unspecified)
    } else if ip.is_multicast() {
        Some(InternalRange::Multicast)
    } else if first & 0xfe00 == 0xfc00 {
        Some(InternalRange::UniqueLocal)
    } else if first & 0xffc0 == 0xfe80 {
        Some(InternalRange::LinkLocal)
    } else {
        None
    }
}

fn is_host_name(entry: &str) -> bool {
    !entry.is_empty()
        && entry.len() <= 253
        && entry.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Resolves `host:port` and checks every address; IO at the edge of this module.
pub async fn resolve_checked(
    guard: &DestinationGuard,
    host: &str,
    port: u16,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|source| ResolveError::Lookup { host: host.to_owned(), source })?
            .collect(),
    };
    guard.check_resolved(host, &addrs)?;
    Ok(addrs)
}

/// Resolution failed (transient) or the destination was refused (permanent).
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("could not resolve {host}")]
    Lookup { host: String, source: std::io::Error },
    #[error(transparent)]
    Refused(#[from] DestinationRefusal),
}

/// A reqwest resolver that applies the guard, so the connection uses checked addresses only.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: Arc<DestinationGuard>,
}

impl GuardedResolver {
    pub fn new(guard: Arc<DestinationGuard>) -> Self {
        Self { guard }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = Arc::clone(&self.guard);
        Box::pin(async move {
            // Port 0: reqwest replaces it with the URL's port.
            let addrs = resolve_checked(&guard, name.as_str(), 0).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The outbound HTTP client every adapter uses: the crypto provider installed, `timeout` on
/// the whole request, redirects never followed (they could lead past the guard to an internal
/// address), and every resolved address checked by `guard`.
pub fn guarded_client(
    guard: &DestinationGuard,
    timeout: std::time::Duration,
) -> reqwest::Result<reqwest::Client> {
    crate::tls::ensure_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver::new(Arc::new(guard.clone()))))
        .build()
}

/// Refuses internal destinations (permanent) and reports unresolvable ones (transient). The
/// client also resolves through the guard; IP literals never reach a resolver, so they are
/// checked here.
pub async fn check_destination(guard: &DestinationGuard, url: &url::Url) -> Result<(), DeliveryOutcome> {
    let refused = |err: &dyn std::fmt::Display| {
        DeliveryOutcome::rejected(RejectCode::DestinationRefused, err.to_string())
    };
    match url.host() {
        Some(Host::Ipv4(ip)) => guard.check_ip(ip.into()).map_err(|err| refused(&err)),
        Some(Host::Ipv6(ip)) => guard.check_ip(ip.into()).map_err(|err| refused(&err)),
        Some(Host::Domain(host)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            match resolve_checked(guard, host, port).await {
                Ok(_) => Ok(()),
                Err(ResolveError::Refused(err)) => Err(refused(&err)),
                Err(err @ ResolveError::Lookup { .. }) => Err(DeliveryOutcome::retry(err.to_string())),
            }
        }
        None => Err(DeliveryOutcome::rejected(RejectCode::InvalidDestination, "URL has no host")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_by_default() {
        let guard = DestinationGuard::default();
        for (addr, range) in [
            ("127.0.0.1", InternalRange::Loopback),
            ("10.0.0.1", InternalRange::Private),
            ("172.16.5.4", InternalRange::Private),
            ("192.168.1.1", InternalRange::Private),
            ("169.254.169.254", InternalRange::LinkLocal),
            ("0.0.0.0", InternalRange::Unspecified),
            ("224.0.0.1", InternalRange::Multicast),
            ("100.64.0.1", InternalRange::Reserved),
            ("::1", InternalRange::Loopback),
            ("::", InternalRange::Unspecified),
            ("fd00::1", InternalRange::UniqueLocal),
            ("fe80::1", InternalRange::LinkLocal),
            ("::ffff:10.0.0.1", InternalRange::Private),
        ] {
            assert_eq!(
                guard.check_ip(ip(addr)),
                Err(DestinationRefusal::Internal { ip: ip(addr), range }),
                "{addr}"
            );
        }
    }

    #[test]
    fn public_addresses_pass() {
        let guard = DestinationGuard::default();
        for addr in ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"] {
            assert_eq!(guard.check_ip(ip(addr)), Ok(()), "{addr}");
        }
    }

    #[test]
    fn allow_listed_networks_and_hosts_pass() {
        let guard = DestinationGuard::parse(&["127.0.0.0/8", "::1", "crm.internal"]).unwrap();
        assert_eq!(guard.check_ip(ip("127.0.0.1")), Ok(()));
        assert_eq!(guard.check_ip(ip("::1")), Ok(()));
        assert!(guard.check_ip(ip("10.0.0.1")).is_err());
        let private = [SocketAddr::new(ip("10.1.2.3"), 443)];
        assert_eq!(guard.check_resolved("CRM.internal.", &private), Ok(()));
        assert!(guard.check_resolved("other.internal", &private).is_err());
    }

    #[test]
    fn one_internal_address_refuses_the_host() {
        let guard = DestinationGuard::default();
        let mixed = [SocketAddr::new(ip("93.184.216.34"), 443), SocketAddr::new(ip("10.0.0.1"), 443)];
        assert!(guard.check_resolved("rebinding.example", &mixed).is_err());
        assert!(matches!(
            guard.check_resolved("empty.example", &[]),
            Err(DestinationRefusal::NoAddresses { .. })
        ));
    }

    #[test]
    fn bad_allow_list_entries_are_reported() {
        let err = DestinationGuard::parse(&["10.0.0.0/99"]).unwrap_err();
        assert_eq!(err.entry, "10.0.0.0/99");
        assert!(DestinationGuard::parse(&["http://x"]).is_err());
    }
}
