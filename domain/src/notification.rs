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
}

/// The category of an event, if contacts receive such events by email.
pub fn category_of(event_type: EventType) -> Option<Category> {
    use EventType::*;
    match event_type {
        IncidentCreated | IncidentUpdated => Some(Category::IncidentUpdates),
        IncidentEscalated => Some(Category::Escalations),
        MajorIncidentUpdated => Some(Category::MajorIncidents),
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Contact {
    pub fn receives(&self, category: Category) -> bool {
        match category {
            Category::IncidentUpdates => self.incident_updates,
            Category::MajorIncidents => self.major_incidents,
            Category::PlannedWorks => self.planned_works,
            Category::Escalations => self.escalations,
        }
    }
}

/// Does a subscription to `patterns` (exact types or `prefix.*`) cover `event_type`?
pub fn matches_event(patterns: &[String], event_type: EventType) -> bool {
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
            let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(DomainError::invalid(
                "event_types",
                format!("'{p}' matches no event type; known: {}", names.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Is this address somewhere a webhook must never be sent (loopback, private, link-local,
/// unique-local, unspecified, multicast, documentation or shared ranges)?
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
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT 100.64/10
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private_address(IpAddr::V4(v4)))
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
            category_of(EventType::MajorIncidentUpdated),
            Some(Category::MajorIncidents)
        );
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
        ] {
            assert!(is_private_address(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "203.0.114.1", "2a00:1450::1", "100.128.0.1"] {
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
