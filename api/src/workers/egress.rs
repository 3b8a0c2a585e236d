//! Outgoing HTTP for webhooks and hub notifications. The agent resolves each target itself and
//! connects only to the addresses it has just checked against the egress rules — there is no second
//! lookup for a rebinding name to answer differently — keeps the target's own name for `Host` and
//! TLS, ignores proxy variables, follows no redirect, and tells the delivery log only what kind of
//! failure happened, not what the network said.

use std::io;
use std::time::Duration;

use app::webhooks::Egress;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Most addresses kept from one lookup (ureq's own limit).
const MAX_ADDRESSES: usize = 16;

/// The resolver: the egress rules' answer, or a refusal.
#[derive(Debug)]
struct PublicOnly(Egress);

impl Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .ok_or_else(|| ureq::Error::BadUri("no host".into()))?;
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let addrs = self.0.public_addresses(host, port).map_err(|e| {
            let kind = if e.contains(app::webhooks::NOT_PUBLIC) {
                io::ErrorKind::PermissionDenied
            } else {
                io::ErrorKind::NotFound
            };
            ureq::Error::Io(io::Error::new(kind, e))
        })?;
        let mut out = self.empty();
        for addr in addrs.into_iter().take(MAX_ADDRESSES) {
            out.push(addr);
        }
        Ok(out)
    }
}

/// The HTTP agent for partner deliveries under these egress rules.
pub fn agent(egress: &Egress, timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::default(),
        PublicOnly(egress.clone()),
    )
}

/// A failed delivery as the delivery log shows it: a kind of failure, and whether trying again
/// cannot help.
pub fn describe(error: &ureq::Error) -> (&'static str, bool) {
    match error {
        ureq::Error::Io(e) if e.kind() == io::ErrorKind::PermissionDenied => (
            "refused: the target does not resolve to public addresses only",
            true,
        ),
        ureq::Error::Io(e) if e.kind() == io::ErrorKind::NotFound => ("host not found", false),
        ureq::Error::HostNotFound => ("host not found", false),
        ureq::Error::Timeout(_) => ("timed out", false),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => ("TLS handshake failed", false),
        _ => ("connection failed", false),
    }
}
