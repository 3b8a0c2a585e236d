//! How a service is doing (issue 16): its current state, derived from what is known about it
//! (its open tickets, an active major incident, planned works under way), and its availability
//! over a window, computed from its outages. Pure arithmetic: every time is passed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{Impact, Severity};

/// A service's state right now, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// Down: a critical or major network incident, or a ticket reporting it down.
    Outage,
    /// Planned works are under way on it.
    Maintenance,
    /// Working with faults: a minor network incident, or a ticket reporting degradation or
    /// intermittent faults.
    Degraded,
    Operational,
}

impl ServiceState {
    pub const ALL: &'static [ServiceState] = &[
        ServiceState::Operational,
        ServiceState::Degraded,
        ServiceState::Outage,
        ServiceState::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Operational => "operational",
            ServiceState::Degraded => "degraded",
            ServiceState::Outage => "outage",
            ServiceState::Maintenance => "maintenance",
        }
    }
}

/// What is known about a service now, for [`derive_state`].
#[derive(Debug, Clone, Default)]
pub struct Signals<'a> {
    /// The impacts reported by its open (not resolved, closed or cancelled) tickets.
    pub open_ticket_impacts: &'a [Impact],
    /// The severity of the active major incident affecting it, if any.
    pub major_incident: Option<Severity>,
    /// Whether planned works on it are under way now.
    pub works_under_way: bool,
}

/// The state the signals add up to. A service down is `outage` whatever else holds; planned
/// works under way explain lesser faults (`maintenance`); a fault without works is `degraded`.
pub fn derive_state(s: &Signals<'_>) -> ServiceState {
    let down = matches!(s.major_incident, Some(Severity::Critical | Severity::Major))
        || s.open_ticket_impacts.contains(&Impact::ServiceDown);
    let faulty = s.major_incident.is_some()
        || s.open_ticket_impacts
            .iter()
            .any(|i| matches!(i, Impact::Degraded | Impact::Intermittent));
    if down {
        ServiceState::Outage
    } else if s.works_under_way {
        ServiceState::Maintenance
    } else if faulty {
        ServiceState::Degraded
    } else {
        ServiceState::Operational
    }
}

/// A half-open stretch of time `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Span {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self { from, to }
    }

    fn clip(self, window: Span) -> Option<Span> {
        let (from, to) = (self.from.max(window.from), self.to.min(window.to));
        (from < to).then_some(Span { from, to })
    }
}

/// The spans, clipped to `window`, sorted and merged where they overlap or touch.
pub(crate) fn union(spans: &[Span], window: Span) -> Vec<Span> {
    let mut clipped: Vec<Span> = spans.iter().filter_map(|s| s.clip(window)).collect();
    clipped.sort_by_key(|s| s.from);
    let mut merged: Vec<Span> = Vec::with_capacity(clipped.len());
    for s in clipped {
        match merged.last_mut() {
            Some(last) if s.from <= last.to => last.to = last.to.max(s.to),
            _ => merged.push(s),
        }
    }
    merged
}

/// `a` without `b` (both merged and sorted).
pub(crate) fn minus(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for s in a {
        let mut from = s.from;
        // `b` is merged and sorted, so its ends rise too: skip to the first cut ending after
        // `s` begins.
        let first = b.partition_point(|c| c.to <= s.from);
        for cut in b[first..].iter().take_while(|c| c.from < s.to) {
            if cut.from > from {
                out.push(Span::new(from, cut.from));
            }
            from = from.max(cut.to);
        }
        if from < s.to {
            out.push(Span::new(from, s.to));
        }
    }
    out
}

/// One outage of a service: from when it began to when it was restored (`None`: not yet), and
/// the stretches inside it when the clock waited for the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
    pub customer_pauses: Vec<Span>,
}

impl Outage {
    /// A service-down ticket's outage: from logging to resolution (`None`: still open), with
    /// the ticket's customer pauses excused — a pause still open runs to the resolution, or to
    /// `until` while the ticket is open.
    pub fn of_ticket(
        logged_at: DateTime<Utc>,
        resolved_at: Option<DateTime<Utc>>,
        pauses: &[crate::SlaPause],
        until: DateTime<Utc>,
    ) -> Self {
        let end = resolved_at.unwrap_or(until);
        Self {
            from: logged_at,
            to: resolved_at,
            customer_pauses: pauses
                .iter()
                .map(|p| Span::new(p.started_at, p.ended_at.unwrap_or(end)))
                .collect(),
        }
    }

    /// A major incident's outage of the services it covers: from its start to its resolution
    /// (`None`: still active).
    pub fn of_major(major: &crate::MajorIncident) -> Self {
        Self {
            from: major.started_at,
            to: major.resolved_at,
            customer_pauses: Vec::new(),
        }
    }
}

/// Availability of a service over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Availability {
    pub window: Span,
    /// Time down that counts: outages, net of customer pauses and of planned works windows.
    pub downtime: Duration,
    /// 100 × (1 − downtime / window), to four decimals (a 30-day window has 43 200 minutes).
    pub percent: f64,
}

/// Availability over `window`: the outages (overlaps counted once; one still open counts up to
/// the window's end) net of the time the customer held a ticket (pauses) and of planned works
/// windows (announced maintenance is not downtime).
pub fn availability(outages: &[Outage], works: &[Span], window: Span) -> Availability {
    let down: Vec<Span> = outages
        .iter()
        .map(|o| Span::new(o.from, o.to.unwrap_or(window.to)))
        .collect();
    // A pause excuses time only while no other outage runs: excused = pauses of one outage
    // that no other outage covers.
    // Only outages with pauses can excuse anything, and only the other outages overlapping one
    // matter to it (a service with thousands of outages a year stays linear in them).
    let mut excused: Vec<Span> = Vec::new();
    for (i, o) in outages.iter().enumerate() {
        if o.customer_pauses.is_empty() {
            continue;
        }
        let own = down[i];
        let others: Vec<Span> = down
            .iter()
            .enumerate()
            .filter(|(j, s)| *j != i && s.to > own.from && s.from < own.to)
            .map(|(_, s)| *s)
            .collect();
        let others = union(&others, window);
        excused.extend(minus(&union(&o.customer_pauses, window), &others));
    }
    let excused = union(&excused, window);
    let planned = union(works, window);
    let counted = minus(&minus(&union(&down, window), &excused), &planned);
    let downtime = counted
        .iter()
        .fold(Duration::zero(), |sum, s| sum + (s.to - s.from));
    let total = (window.to - window.from).num_milliseconds().max(1) as f64;
    let ratio = 1.0 - downtime.num_milliseconds() as f64 / total;
    Availability {
        window,
        downtime,
        percent: (ratio * 1_000_000.0).round() / 10_000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn outage(from: i64, to: Option<i64>, pauses: &[(i64, i64)]) -> Outage {
        Outage {
            from: t(from),
            to: to.map(t),
            customer_pauses: pauses
                .iter()
                .map(|(a, b)| Span::new(t(*a), t(*b)))
                .collect(),
        }
    }

    #[test]
    fn the_worst_signal_decides_and_works_explain_lesser_faults() {
        use Impact::*;
        let state = |impacts: &[Impact], major, works| {
            derive_state(&Signals {
                open_ticket_impacts: impacts,
                major_incident: major,
                works_under_way: works,
            })
        };
        assert_eq!(state(&[], None, false), ServiceState::Operational);
        assert_eq!(state(&[NoImpact], None, false), ServiceState::Operational);
        assert_eq!(state(&[Intermittent], None, false), ServiceState::Degraded);
        assert_eq!(
            state(&[Degraded, NoImpact], None, false),
            ServiceState::Degraded
        );
        assert_eq!(
            state(&[], Some(Severity::Minor), false),
            ServiceState::Degraded
        );
        assert_eq!(state(&[ServiceDown], None, false), ServiceState::Outage);
        assert_eq!(
            state(&[], Some(Severity::Critical), false),
            ServiceState::Outage
        );
        assert_eq!(
            state(&[], Some(Severity::Major), true),
            ServiceState::Outage
        );
        assert_eq!(state(&[Degraded], None, true), ServiceState::Maintenance);
        assert_eq!(state(&[], None, true), ServiceState::Maintenance);
        assert_eq!(state(&[ServiceDown], None, true), ServiceState::Outage);
    }

    #[test]
    fn availability_counts_overlaps_once() {
        let window = Span::new(t(0), t(100));
        let a = availability(
            &[outage(10, Some(20), &[]), outage(15, Some(25), &[])],
            &[],
            window,
        );
        assert_eq!(a.downtime, Duration::hours(15));
        assert_eq!(a.percent, 85.0);
        let none = availability(&[], &[], window);
        assert_eq!((none.downtime, none.percent), (Duration::zero(), 100.0));
    }

    #[test]
    fn availability_clips_to_the_window_and_counts_an_open_outage_to_its_end() {
        let window = Span::new(t(0), t(100));
        let a = availability(
            &[outage(-10, Some(5), &[]), outage(98, None, &[])],
            &[],
            window,
        );
        assert_eq!(a.downtime, Duration::hours(7));
        // Entirely outside: nothing.
        let a = availability(
            &[outage(-50, Some(-40), &[]), outage(120, None, &[])],
            &[],
            window,
        );
        assert_eq!(a.downtime, Duration::zero());
    }

    #[test]
    fn customer_pauses_excuse_time_only_where_no_other_outage_runs() {
        let window = Span::new(t(0), t(100));
        // 10 h outage, 4 h of it waiting for the customer.
        let a = availability(&[outage(10, Some(20), &[(12, 16)])], &[], window);
        assert_eq!(a.downtime, Duration::hours(6));
        // A major incident covers hours 14-18 at the same time: the pause excuses 12-14 only.
        let a = availability(
            &[outage(10, Some(20), &[(12, 16)]), outage(14, Some(18), &[])],
            &[],
            window,
        );
        assert_eq!(a.downtime, Duration::hours(8));
    }

    #[test]
    fn planned_works_windows_are_not_downtime() {
        let window = Span::new(t(0), t(100));
        let a = availability(
            &[outage(10, Some(20), &[(18, 19)])],
            &[Span::new(t(8), t(12)), Span::new(t(11), t(13))],
            window,
        );
        // 10 h, minus works 10-13 (3 h), minus the pause (1 h).
        assert_eq!(a.downtime, Duration::hours(6));
        assert_eq!(a.percent, 94.0);
    }

    #[test]
    fn percent_keeps_four_decimals() {
        let window = Span::new(t(0), t(24 * 30));
        let minute = Outage {
            from: t(1),
            to: Some(t(1) + Duration::minutes(1)),
            customer_pauses: vec![],
        };
        // 1 minute of 43 200.
        assert_eq!(availability(&[minute], &[], window).percent, 99.9977);
    }
}
