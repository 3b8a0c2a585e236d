//! Who hears about what (R-CON1, R-CON4): contacts subscribe to categories of events; partner
//! webhooks subscribe to event types; webhook targets must be public http(s) URLs.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::{CustomerNumber, DomainError, EventType};

/// The notice categories a contact can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    IncidentUpdates,
    MajorIncidents,
    PlannedWorks,
    Escalations,
    /// Last month's service report, on the first working day of each month.
    ServiceReports,
}

/// The category of an event, if contacts receive such events by email.
pub fn category_of(event_type: EventType) -> Option<Category> {
    use EventType::*;
    match event_type {
        IncidentCreated | IncidentUpdated | IncidentAttachmentAdded => {
            Some(Category::IncidentUpdates)
        }
        IncidentEscalated => Some(Category::Escalations),
        // One notice per company per step of a major incident (its broadcast) carries the
        // mail; the copies of an update on each linked ticket are for streams and webhooks.
        MajorIncidentNotice => Some(Category::MajorIncidents),
        t if t.is_change_management() => Some(Category::PlannedWorks),
        _ => None,
    }
}

/// A person at a customer who receives notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    pub customer_number: CustomerNumber,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub incident_updates: bool,
    pub major_incidents: bool,
    pub planned_works: bool,
    pub escalations: bool,
    pub service_reports: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// When someone at the address confirmed it; mail goes only to confirmed addresses.
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Contact {
    /// Whether notices of `category` are mailed to this contact: subscribed, and the address
    /// confirmed (no mail from the provider's address to an address nobody there agreed to).
    pub fn receives(&self, category: Category) -> bool {
        self.confirmed_at.is_some() && self.subscribed_to(category)
    }

    /// Whether the contact asked for notices of `category`.
    pub fn subscribed_to(&self, category: Category) -> bool {
        match category {
            Category::IncidentUpdates => self.incident_updates,
            Category::MajorIncidents => self.major_incidents,
            Category::PlannedWorks => self.planned_works,
            Category::Escalations => self.escalations,
            Category::ServiceReports => self.service_reports,
        }
    }
}

/// Does a subscription to `patterns` (exact types or `prefix.*`) cover `event_type`? Internal
/// events (the provider's own bookkeeping) are covered by none, not even `*`.
pub fn matches_event(patterns: &[String], event_type: EventType) -> bool {
    if event_type.is_internal() {
        return false;
    }
    let event_type = event_type.as_str();
    patterns.iter().any(|p| {
        p == "*"
            || p == event_type
            || p.strip_suffix(".*").is_some_and(|prefix| {
                event_type
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
    })
}

/// Validates subscription patterns against the known event types.
pub fn check_event_types(patterns: &[String]) -> Result<(), DomainError> {
    if patterns.is_empty() {
        return Err(DomainError::invalid(
            "event_types",
            "subscribe to at least one event type",
        ));
    }
    for p in patterns {
        let known = p == "*"
            || EventType::ALL
                .iter()
                .any(|t| matches_event(std::slice::from_ref(p), *t));
        if !known {
            let names: Vec<&str> = EventType::ALL
                .iter()
                .filter(|t| !t.is_internal())
                .map(|t| t.as_str())
                .collect();
            return Err(DomainError::invalid(
                "event_types",
                format!("'{p}' matches no event type; known: {}", names.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Is this address somewhere a webhook must never be sent? Everything that is not plainly a
/// public unicast address: loopback, private, link-local, unique-local, unspecified, broadcast,
/// multicast, documentation, shared (100.64/10), benchmarking (198.18/15), IETF protocol
/// assignments (192.0.0/24), reserved (240/4), the 6to4 relay (192.88.99/24), and IPv6 forms that
/// carry an IPv4 address a router may translate (IPv4-mapped and -compatible, NAT64 64:ff9b::/96 and
/// 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32) or documentation (2001:db8::/32).
pub fn is_private_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // shared 100.64/10
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking 198.18/15
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF 192.0.0/24
                || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 6to4 relay 192.88.99/24
                || o[0] >= 240 // reserved 240/4
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // deprecated site local fec0::/10
                || s[..6] == [0; 6] // IPv4-compatible ::/96
                || s[..6] == [0, 0, 0, 0, 0, 0xffff] // IPv4-mapped ::ffff:0:0/96
                || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] // NAT64 64:ff9b::/96
                || s[..3] == [0x64, 0xff9b, 1] // local NAT64 64:ff9b:1::/48
                || s[0] == 0x2002 // 6to4 2002::/16
                || s[..2] == [0x2001, 0] // Teredo 2001::/32
                || s[..2] == [0x2001, 0xdb8] // documentation 2001:db8::/32
        }
    }
}

/// A webhook URL must be http or https with a host; returns (scheme, host, port).
pub fn parse_webhook_url(url: &str) -> Result<(String, String, u16), DomainError> {
    let bad = |m: &str| DomainError::invalid("url", m.to_owned());
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("must be an absolute http(s) URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return Err(bad("must use http or https")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("must not carry credentials"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, tail) = v6.split_once(']').ok_or_else(|| bad("bad IPv6 host"))?;
        let port = tail
            .strip_prefix(':')
            .map(str::parse::<u16>)
            .transpose()
            .map_err(|_| bad("bad port"))?;
        (h.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                Some(p.parse::<u16>().map_err(|_| bad("bad port"))?),
            ),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() {
        return Err(bad("must name a host"));
    }
    Ok((
        scheme,
        host.to_ascii_lowercase(),
        port.unwrap_or(default_port),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_of_event_types() {
        assert_eq!(
            category_of(EventType::IncidentUpdated),
            Some(Category::IncidentUpdates)
        );
        assert_eq!(
            category_of(EventType::IncidentEscalated),
            Some(Category::Escalations)
        );
        assert_eq!(
            category_of(EventType::MajorIncidentNotice),
            Some(Category::MajorIncidents)
        );
        // A company hears of a major incident once per step, not once per linked ticket.
        assert_eq!(category_of(EventType::MajorIncidentUpdated), None);
        assert_eq!(
            category_of(EventType::PlannedWorkCancelled),
            Some(Category::PlannedWorks)
        );
        assert_eq!(
            category_of(EventType::MaintenanceRequestSubmitted),
            Some(Category::PlannedWorks)
        );
    }

    #[test]
    fn event_patterns() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        use EventType::*;
        assert!(matches_event(&p(&["incident.*"]), IncidentUpdated));
        assert!(!matches_event(&p(&["incident.*"]), MajorIncidentUpdated));
        assert!(!matches_event(&p(&["incident"]), IncidentUpdated));
        assert!(matches_event(
            &p(&["major_incident.updated"]),
            MajorIncidentUpdated
        ));
        assert!(matches_event(&p(&["*"]), PlannedWorkStarted));
        assert!(check_event_types(&p(&["incident.*", "planned_work.scheduled"])).is_ok());
        assert!(check_event_types(&p(&["ticket.*"])).is_err());
        assert!(check_event_types(&[]).is_err());
        // The provider's own bookkeeping reaches no subscription and cannot be asked for.
        for internal in EventType::ALL.iter().filter(|t| t.is_internal()) {
            assert!(!matches_event(&p(&["*"]), *internal));
            assert!(!matches_event(&p(&[internal.as_str()]), *internal));
            assert!(check_event_types(&[internal.as_str().to_owned()]).is_err());
        }
        assert!(check_event_types(&p(&["contact.*"])).is_err());
        let refused = check_event_types(&p(&["ticket.*"]))
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("confirmation"), "{refused}");
    }

    #[test]
    fn private_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:8.8.8.8",
            "198.18.0.1",
            "198.19.255.254",
            "240.0.0.1",
            "255.255.255.255",
            "192.0.0.170",
            "192.88.99.1",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
            "2001:db8::1",
            "fec0::1",
        ] {
            assert!(is_private_address(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "203.0.114.1",
            "2a00:1450::1",
            "100.128.0.1",
            "198.20.0.1",
            "192.0.1.1",
            "223.255.255.254",
            "2001:4860::8888",
        ] {
            assert!(!is_private_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn webhook_urls() {
        assert_eq!(
            parse_webhook_url("https://hooks.example.com/x").unwrap(),
            ("https".into(), "hooks.example.com".into(), 443)
        );
        assert_eq!(
            parse_webhook_url("http://[::1]:8080/x").unwrap(),
            ("http".into(), "::1".into(), 8080)
        );
        assert_eq!(
            parse_webhook_url("HTTP://Host:81").unwrap(),
            ("http".into(), "host".into(), 81)
        );
        for bad in [
            "ftp://x",
            "hooks.example.com",
            "https://",
            "https://user:pw@x.example/",
            "https://x:99999/",
        ] {
            assert!(parse_webhook_url(bad).is_err(), "{bad}");
        }
    }
}
