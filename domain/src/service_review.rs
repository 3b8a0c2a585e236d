//! Service reviews (issue 23): the arithmetic of the SLA report that SQL cannot do simply, over
//! the few figures and intervals a query returns. Every time is passed in.
//!
//! - Availability per month: a service's outages (its service-down tickets and the major
//!   incidents covering it, overlaps counted once, customer pauses excused) clipped to each local
//!   month of the working calendar, so an outage across a month's end counts in both, each its
//!   own part; planned-works windows are not downtime and are reported apart.
//! - Service credits: a table of availability bands (`SLA_CREDIT_TABLE`, e.g.
//!   `99.95:0,99.9:5,99.5:10,0:25`) gives the percent of the monthly charge credited.
//! - Durations (time to acknowledge, time to restore net of pauses): mean and nearest-rank
//!   percentiles.

use chrono::{DateTime, Duration, Utc};

use crate::calendar::{Month, WorkingCalendar};
use crate::service_state::{availability, minus, union, Availability, Outage, Span};
use crate::DomainError;

/// A service's availability over one stretch (a month, or the report's period).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodAvailability {
    pub availability: Availability,
    /// Time inside announced planned-works windows, apart from (and not counted in) the
    /// downtime.
    pub planned_works: Duration,
    /// The service's commitment, if it has one, and whether it was met.
    pub target: Option<f64>,
    pub met: Option<bool>,
    /// Whether the stretch is a whole month of the calendar ([`monthly_availability`]).
    pub whole_month: bool,
    /// The credit the table gives for a whole month's availability (none without a table).
    pub credit_percent: Option<f64>,
}

/// Availability of a service over `window`, with its planned-works time and its target.
pub fn period_availability(
    outages: &[Outage],
    works: &[Span],
    window: Span,
    target: Option<f64>,
) -> PeriodAvailability {
    let availability = availability(outages, works, window);
    let planned_works = union(works, window)
        .iter()
        .fold(Duration::zero(), |sum, s| sum + (s.to - s.from));
    PeriodAvailability {
        met: target.map(|t| availability.percent >= t),
        availability,
        planned_works,
        target,
        whole_month: false,
        credit_percent: None,
    }
}

/// Availability of a service in each local month that `period` touches, each month clipped to
/// the period; with the credit `credits` gives for each whole month.
pub fn monthly_availability(
    calendar: &WorkingCalendar,
    outages: &[Outage],
    works: &[Span],
    period: Span,
    target: Option<f64>,
    credits: Option<&CreditTable>,
) -> Vec<(Month, PeriodAvailability)> {
    let mut out = Vec::new();
    if period.from >= period.to {
        return out;
    }
    let mut month = calendar.month_of(period.from);
    loop {
        let (start, end) = calendar.month_span(month);
        if start >= period.to {
            break;
        }
        let window = Span::new(start.max(period.from), end.min(period.to));
        let mut figures = period_availability(outages, works, window, target);
        figures.whole_month = window == Span::new(start, end);
        // A credit is for a whole month of service.
        if figures.whole_month {
            figures.credit_percent = credits.map(|c| c.credit_for(figures.availability.percent));
        }
        out.push((month, figures));
        month = month.next();
    }
    out
}

/// The month whose service report is owed at `now`: last month, from the start of this
/// month's first working day (local time) on; `None` before it. Sending once per company and
/// month is the sender's concern; this only says which month is due.
pub fn monthly_report_due(calendar: &WorkingCalendar, now: DateTime<Utc>) -> Option<Month> {
    let this = calendar.month_of(now);
    let from = calendar.start_of_day(calendar.first_working_day(this));
    (now >= from).then(|| this.previous())
}

/// `100 × met / (met + breached)`, two decimals: the share of decided tickets that met a
/// target; `None` when none is decided.
pub fn met_percent(met: i64, breached: i64) -> Option<f64> {
    let decided = met + breached;
    (decided > 0).then(|| (10_000.0 * met as f64 / decided as f64).round() / 100.0)
}

/// How long something took, net of the stretches that do not count (customer pauses).
pub fn net_duration(span: Span, excluded: &[Span]) -> Duration {
    minus(&[span], &union(excluded, span))
        .iter()
        .fold(Duration::zero(), |sum, s| sum + (s.to - s.from))
}

/// Mean and nearest-rank percentiles of some durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DurationStats {
    pub count: usize,
    pub mean: Option<f64>,
    pub p50: Option<i64>,
    pub p90: Option<i64>,
}

impl DurationStats {
    /// The figures of `seconds` (any order).
    pub fn of(mut seconds: Vec<i64>) -> Self {
        if seconds.is_empty() {
            return Self::default();
        }
        seconds.sort_unstable();
        let sum: i128 = seconds.iter().map(|s| i128::from(*s)).sum();
        let n = seconds.len();
        Self::from_ranked(
            n as i64,
            sum as f64,
            seconds[Self::rank(n as i64, 50) as usize - 1],
            seconds[Self::rank(n as i64, 90) as usize - 1],
        )
    }

    /// The 1-based nearest rank of the `p`th percentile among `count` sorted values: the smallest
    /// rank with at least `p` % of the values at or below it, `ceil(count × p / 100)`, at least 1.
    /// A query that ranks rows itself (SQL's `ROW_NUMBER()`) picks the same row with
    /// `(count × p + 99) / 100` in integers.
    pub fn rank(count: i64, p: i64) -> i64 {
        (count * p + 99).div_euclid(100).clamp(1, count.max(1))
    }

    /// The figures from what a query returns: how many, their sum, and the values at the ranks
    /// [`Self::rank`] gives for 50 and 90. The mean is rounded to a tenth of a second.
    pub fn from_ranked(count: i64, total_seconds: f64, p50: i64, p90: i64) -> Self {
        if count <= 0 {
            return Self::default();
        }
        let mean = total_seconds / count as f64;
        Self {
            count: count as usize,
            mean: Some((mean * 10.0).round() / 10.0),
            p50: Some(p50),
            p90: Some(p90),
        }
    }
}

/// Availability bands and their credit: at or above `threshold` %, `credit` % of the monthly
/// charge; the bands are read from the highest threshold down.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditTable {
    bands: Vec<(f64, f64)>,
}

impl CreditTable {
    /// Parses `threshold:credit` pairs separated by commas, e.g. `99.95:0,99.9:5,99.5:10,0:25`.
    /// Thresholds and credits are percentages (0–100); a lower availability never earns a
    /// smaller credit; the lowest band must start at 0 so that every availability has one.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let invalid = |why: String| DomainError::invalid("sla_credit_table", why);
        let mut bands = Vec::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (threshold, credit) = pair
                .split_once(':')
                .ok_or_else(|| invalid(format!("'{pair}' is not threshold:credit")))?;
            let number = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| (0.0..=100.0).contains(v))
                    .ok_or_else(|| invalid(format!("'{s}' in '{pair}' is not a percentage")))
            };
            bands.push((number(threshold)?, number(credit)?));
        }
        bands.sort_by(|a, b| b.0.total_cmp(&a.0));
        if bands.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(invalid("two bands have the same threshold".into()));
        }
        if bands.windows(2).any(|w| w[1].1 < w[0].1) {
            return Err(invalid(
                "a lower availability must not earn a smaller credit".into(),
            ));
        }
        if bands.last().is_none_or(|b| b.0 != 0.0) {
            return Err(invalid(
                "the lowest band must start at 0 (e.g. 0:25), so every availability has a credit"
                    .into(),
            ));
        }
        Ok(Self { bands })
    }

    /// The credit, in % of the monthly charge, for an availability in %.
    pub fn credit_for(&self, percent: f64) -> f64 {
        self.bands
            .iter()
            .find(|(threshold, _)| percent >= *threshold)
            .or(self.bands.last())
            .map_or(0.0, |(_, credit)| *credit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn span(a: &str, b: &str) -> Span {
        Span::new(utc(a), utc(b))
    }

    fn outage(a: &str, b: Option<&str>, pauses: &[(&str, &str)]) -> Outage {
        Outage {
            from: utc(a),
            to: b.map(utc),
            customer_pauses: pauses.iter().map(|(x, y)| span(x, y)).collect(),
        }
    }

    fn london() -> WorkingCalendar {
        WorkingCalendar::new("Europe/London", "").unwrap()
    }

    #[test]
    fn overlapping_outages_count_once_and_pauses_are_excused() {
        // Two tickets down 10:00-12:00 and 11:00-13:00 (3 h together); the first waited for
        // the customer 10:30-11:30, but the second ran from 11:00: 30 minutes excused.
        let day = span("2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z");
        let figures = period_availability(
            &[
                outage(
                    "2027-02-01T10:00:00Z",
                    Some("2027-02-01T12:00:00Z"),
                    &[("2027-02-01T10:30:00Z", "2027-02-01T11:30:00Z")],
                ),
                outage("2027-02-01T11:00:00Z", Some("2027-02-01T13:00:00Z"), &[]),
            ],
            &[],
            day,
            Some(99.0),
        );
        assert_eq!(figures.availability.downtime, Duration::minutes(150));
        // 150 of 1,440 minutes: 89.5833 %.
        assert_eq!(figures.availability.percent, 89.5833);
        assert_eq!(figures.met, Some(false));
    }

    #[test]
    fn planned_works_are_shown_apart_and_not_counted_down() {
        // Down 02:00-05:00 inside announced works 01:00-04:00 (and 03:00-04:30, overlapping):
        // 2.5 h of the outage fall in works; 30 minutes count. Works time: 01:00-04:30, 3.5 h.
        let day = span("2027-02-01T00:00:00Z", "2027-02-02T00:00:00Z");
        let figures = period_availability(
            &[outage(
                "2027-02-01T02:00:00Z",
                Some("2027-02-01T05:00:00Z"),
                &[],
            )],
            &[
                span("2027-02-01T01:00:00Z", "2027-02-01T04:00:00Z"),
                span("2027-02-01T03:00:00Z", "2027-02-01T04:30:00Z"),
            ],
            day,
            None,
        );
        assert_eq!(figures.availability.downtime, Duration::minutes(30));
        assert_eq!(figures.planned_works, Duration::minutes(210));
        assert_eq!(figures.met, None);
    }

    #[test]
    fn an_outage_across_a_months_end_is_split_between_the_months() {
        // Down from 22:00 UTC on 31 January to 02:00 UTC on 1 February (London is on UTC in
        // winter): 2 h in January, 2 h in February.
        let credits = CreditTable::parse("99.95:0,99.9:5,99.5:10,0:25").unwrap();
        let months = monthly_availability(
            &london(),
            &[outage(
                "2027-01-31T22:00:00Z",
                Some("2027-02-01T02:00:00Z"),
                &[],
            )],
            &[],
            span("2027-01-01T00:00:00Z", "2027-03-01T00:00:00Z"),
            Some(99.95),
            Some(&credits),
        );
        assert_eq!(months.len(), 2);
        let (jan, feb) = (&months[0], &months[1]);
        assert_eq!(jan.0.to_string(), "2027-01");
        assert_eq!(jan.1.availability.downtime, Duration::hours(2));
        // January: 2 h of 744 h = 99.7312 % → the 99.5 band, 10 %.
        assert_eq!(jan.1.availability.percent, 99.7312);
        assert_eq!(jan.1.credit_percent, Some(10.0));
        assert!(jan.1.whole_month && feb.1.whole_month);
        assert_eq!(feb.1.availability.downtime, Duration::hours(2));
        // February 2027: 2 h of 672 h = 99.7024 %.
        assert_eq!(feb.1.availability.percent, 99.7024);
        assert_eq!(feb.1.met, Some(false));
    }

    #[test]
    fn months_follow_the_calendar_across_a_dst_change() {
        // London, March 2027: 1 March 00:00 GMT to 1 April 00:00 BST = 743 h. An outage from
        // 23:00 UTC on 31 March (00:00 BST, 1 April) is April's, not March's.
        let months = monthly_availability(
            &london(),
            &[
                outage("2027-03-31T22:00:00Z", Some("2027-03-31T23:00:00Z"), &[]),
                outage("2027-03-31T23:00:00Z", Some("2027-04-01T01:00:00Z"), &[]),
            ],
            &[],
            span("2027-03-01T00:00:00Z", "2027-04-30T23:00:00Z"),
            None,
            None,
        );
        let (march, april) = (&months[0].1, &months[1].1);
        assert_eq!(
            march.availability.window,
            span("2027-03-01T00:00:00Z", "2027-03-31T23:00:00Z")
        );
        assert_eq!(march.availability.downtime, Duration::hours(1));
        // 1 h of 743 h: 99.8654 %.
        assert_eq!(march.availability.percent, 99.8654);
        assert_eq!(april.availability.downtime, Duration::hours(2));
        // No table, no credit; and a month cut by the period has none either.
        assert_eq!(march.credit_percent, None);
    }

    #[test]
    fn a_month_cut_by_the_period_earns_no_credit() {
        let credits = CreditTable::parse("99.9:0,0:10").unwrap();
        let months = monthly_availability(
            &london(),
            &[],
            &[],
            span("2027-02-15T00:00:00Z", "2027-03-01T00:00:00Z"),
            None,
            Some(&credits),
        );
        assert_eq!(months.len(), 1);
        assert!(!months[0].1.whole_month);
        assert_eq!(months[0].1.credit_percent, None);
        assert_eq!(months[0].1.availability.percent, 100.0);
    }

    #[test]
    fn credit_bands_apply_at_their_edges() {
        let table = CreditTable::parse(" 99.95:0, 99.9:5,99.5:10 ,0:25").unwrap();
        assert_eq!(table.credit_for(100.0), 0.0);
        assert_eq!(table.credit_for(99.95), 0.0);
        assert_eq!(table.credit_for(99.9499), 5.0);
        assert_eq!(table.credit_for(99.9), 5.0);
        assert_eq!(table.credit_for(99.8999), 10.0);
        assert_eq!(table.credit_for(99.5), 10.0);
        assert_eq!(table.credit_for(99.4999), 25.0);
        assert_eq!(table.credit_for(0.0), 25.0);
        // Written in any order.
        assert_eq!(
            CreditTable::parse("0:25,99.95:0,99.5:10,99.9:5").unwrap(),
            table
        );
        for bad in [
            "99.9:5",             // no band from 0
            "99.9:5,0:2",         // less credit for less availability
            "99.9:5,99.9:6,0:10", // the same threshold twice
            "99.9-5,0:10",
            "101:0,0:10",
            "99.9:abc,0:10",
            "",
        ] {
            assert!(CreditTable::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_are_net_of_pauses() {
        // Logged 09:00, restored 13:00, waiting for the customer 10:00-11:00 and 10:30-11:30
        // (overlapping: 1.5 h) and 14:00-15:00 (after the restore: nothing).
        let net = net_duration(
            span("2027-02-01T09:00:00Z", "2027-02-01T13:00:00Z"),
            &[
                span("2027-02-01T10:00:00Z", "2027-02-01T11:00:00Z"),
                span("2027-02-01T10:30:00Z", "2027-02-01T11:30:00Z"),
                span("2027-02-01T14:00:00Z", "2027-02-01T15:00:00Z"),
            ],
        );
        assert_eq!(net, Duration::minutes(150));
    }

    #[test]
    fn mean_and_nearest_rank_percentiles() {
        assert_eq!(DurationStats::of(vec![]), DurationStats::default());
        let one = DurationStats::of(vec![42]);
        assert_eq!(
            (one.mean, one.p50, one.p90),
            (Some(42.0), Some(42), Some(42))
        );
        // 1..=10: mean 5.5; p50 the 5th value, p90 the 9th.
        let ten = DurationStats::of((1..=10).rev().collect());
        assert_eq!(ten.count, 10);
        assert_eq!((ten.mean, ten.p50, ten.p90), (Some(5.5), Some(5), Some(9)));
        // Four values: p50 is the 2nd, p90 the 4th.
        let four = DurationStats::of(vec![300, 60, 120, 3600]);
        assert_eq!((four.p50, four.p90), (Some(120), Some(3600)));
        assert_eq!(four.mean, Some(1020.0));
    }

    #[test]
    fn nearest_rank_in_integers_is_the_ceiling() {
        // ceil(n × p / 100): 1 of 1; 5 of 10; 6 of 11 (5.5 up); 9 of 10; 10 of 11 (9.9 up).
        let cases = [
            (1, 50, 1),
            (1, 90, 1),
            (10, 50, 5),
            (11, 50, 6),
            (10, 90, 9),
            (11, 90, 10),
        ];
        for (n, p, rank) in cases {
            assert_eq!(DurationStats::rank(n, p), rank, "n={n} p={p}");
        }
        assert_eq!(
            DurationStats::from_ranked(3, 100.0, 20, 50),
            DurationStats {
                count: 3,
                mean: Some(33.3),
                p50: Some(20),
                p90: Some(50)
            }
        );
        assert_eq!(
            DurationStats::from_ranked(0, 0.0, 0, 0),
            DurationStats::default()
        );
    }

    #[test]
    fn the_monthly_report_is_due_from_the_first_working_day() {
        let calendar = WorkingCalendar::new("Europe/London", "2027-01-01").unwrap();
        // 1 January 2027 is a holiday (a Friday): January's first working day is Monday the
        // 4th, from 00:00 local (GMT).
        assert_eq!(
            monthly_report_due(&calendar, utc("2027-01-03T23:59:59Z")),
            None
        );
        assert_eq!(
            monthly_report_due(&calendar, utc("2027-01-04T00:00:00Z")),
            Month::new(2026, 12)
        );
        // And for the rest of the month (a node down that day sends it later).
        assert_eq!(
            monthly_report_due(&calendar, utc("2027-01-31T12:00:00Z")),
            Month::new(2026, 12)
        );
        // 1 June 2027 is a Tuesday: due from 00:00 BST, 23:00 UTC the day before.
        assert_eq!(
            monthly_report_due(&calendar, utc("2027-05-31T23:00:00Z")),
            Month::new(2027, 5)
        );
        // A second before, it is still May in London: April's report is the one owed.
        assert_eq!(
            monthly_report_due(&calendar, utc("2027-05-31T22:59:59Z")),
            Month::new(2027, 4)
        );
    }

    #[test]
    fn shares_of_decided_tickets() {
        assert_eq!(met_percent(2, 1), Some(66.67));
        assert_eq!(met_percent(0, 1), Some(0.0));
        assert_eq!(met_percent(3, 0), Some(100.0));
        assert_eq!(met_percent(0, 0), None);
    }
}
