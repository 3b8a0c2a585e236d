//! The client's address as the per-address limits see it (sign-in and registration throttling,
//! the anonymous rate-limit bucket). It is the connection's peer, unless that peer is a proxy
//! listed in `TRUSTED_PROXIES`: then it is the address the proxies say they forwarded for
//! (`Forwarded: for=`, else `X-Forwarded-For`), read from the right past every trusted hop, so a
//! client cannot choose its own address by sending the header itself. IPv6 clients are counted
//! per /64, the prefix one subscriber usually holds.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of CIDRs or single addresses (`10.0.0.0/8, 192.0.2.7, fd00::/8`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("TRUSTED_PROXIES: {s:?} is not an address or a CIDR"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer` as far as trusted proxies vouch for it.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = canonical(peer?);
        if self.0.is_empty() || !self.trusts(client) {
            return Some(client);
        }
        let forwarded = forwarded_for(headers);
        for hop in forwarded.iter().rev() {
            match hop {
                Some(ip) => client = canonical(*ip),
                // `unknown`, an obfuscated name or garbage: nothing further left can be believed.
                None => break,
            }
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// IPv4-mapped IPv6 addresses are the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The key a per-address limit counts under: the IPv4 address, or the IPv6 /64.
pub fn limit_key(ip: Option<IpAddr>) -> String {
    match ip.map(canonical) {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let net = ipnet::Ipv6Net::new(v6, 64).map_or(v6, |n| n.network());
            format!("{net}/64")
        }
    }
}

/// The limit key of the client of `req`, under the deployment's `TRUSTED_PROXIES`.
pub fn of(req: &actix_web::HttpRequest) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let client = match req.app_data::<actix_web::web::Data<crate::state::AppState>>() {
        Some(state) => state
            .settings
            .trusted_proxies
            .client_ip(peer, req.headers()),
        None => peer,
    };
    limit_key(client)
}

/// The forwarded-for chain, nearest hop last: from `Forwarded` if any request carries it, else
/// from `X-Forwarded-For`. `None` marks an entry that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: &str| -> Option<String> {
        let values: Vec<&str> = headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(forwarded) = joined("forwarded") {
        return forwarded
            .split(',')
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| node_address(value.trim().trim_matches('"')))
            })
            .collect();
    }
    joined("x-forwarded-for")
        .map(|xff| xff.split(',').map(|s| node_address(s.trim())).collect())
        .unwrap_or_default()
}

/// An address from a node (`192.0.2.1`, `192.0.2.1:443`, `[2001:db8::1]:443`, `2001:db8::1`).
fn node_address(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse().ok().or_else(|| {
        let (host, port) = node.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_count_only_through_trusted_proxies() {
        let none = TrustedProxies::default();
        let lb = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        let spoofed = headers(&[("x-forwarded-for", "198.51.100.9")]);
        // Without trusted proxies, or from an untrusted peer, the header is ignored.
        assert_eq!(
            none.client_ip(Some(ip("10.1.1.1")), &spoofed),
            Some(ip("10.1.1.1"))
        );
        assert_eq!(
            lb.client_ip(Some(ip("203.0.113.5")), &spoofed),
            Some(ip("203.0.113.5"))
        );
        // Through the balancer: the address it saw.
        assert_eq!(
            lb.client_ip(Some(ip("10.1.1.1")), &spoofed),
            Some(ip("198.51.100.9"))
        );
        // A client prepending its own entry does not choose its address: read from the right.
        let chained = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9, 192.0.2.7")]);
        assert_eq!(
            lb.client_ip(Some(ip("10.1.1.1")), &chained),
            Some(ip("198.51.100.9"))
        );
        // Forwarded (RFC 7239) wins over X-Forwarded-For, with ports, quotes and IPv6.
        let rfc = headers(&[
            ("x-forwarded-for", "203.0.113.99"),
            (
                "forwarded",
                r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https"#,
            ),
        ]);
        assert_eq!(
            lb.client_ip(Some(ip("10.1.1.1")), &rfc),
            Some(ip("2001:db8:cafe::17"))
        );
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            lb.client_ip(Some(ip("10.1.1.1")), &unknown),
            Some(ip("10.1.1.1"))
        );
        assert_eq!(
            lb.client_ip(Some(ip("::ffff:10.1.1.1")), &spoofed),
            Some(ip("198.51.100.9"))
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        assert_eq!(
            limit_key(Some(ip("2001:db8:1:2:aaaa::1"))),
            limit_key(Some(ip("2001:db8:1:2:bbbb::2")))
        );
        assert_ne!(
            limit_key(Some(ip("2001:db8:1:2::1"))),
            limit_key(Some(ip("2001:db8:1:3::1")))
        );
        assert_eq!(limit_key(Some(ip("::ffff:192.0.2.1"))), "192.0.2.1");
        assert_eq!(limit_key(Some(ip("2001:db8:1:2::9"))), "2001:db8:1:2::/64");
    }
}
