//! The working-day calendar (R-CHG3): Monday to Friday in a configured time zone, minus
//! configured public holidays. Windows are UTC instants; working days are counted on the
//! calendar's local dates.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::DomainError;

/// Public holidays of England and Wales for 2026 and 2027, the default calendar.
pub const DEFAULT_HOLIDAYS: &str = include_str!("holidays-england-wales.txt");

/// Working days: Mon–Fri in `zone`, except `holidays`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    zone: Tz,
    holidays: BTreeSet<NaiveDate>,
}

impl Default for WorkingCalendar {
    fn default() -> Self {
        Self::new("Europe/London", DEFAULT_HOLIDAYS).unwrap_or_else(|_| Self {
            zone: Tz::UTC,
            holidays: BTreeSet::new(),
        })
    }
}

impl WorkingCalendar {
    /// A calendar for an IANA `zone` (e.g. `Europe/London`) and a holiday list: one
    /// `YYYY-MM-DD` per line or comma-separated, `#` starts a comment.
    pub fn new(zone: &str, holidays: &str) -> Result<Self, DomainError> {
        let zone: Tz = zone.trim().parse().map_err(|_| {
            DomainError::invalid("time_zone", format!("unknown time zone '{zone}'"))
        })?;
        let holidays = holidays
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default())
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    DomainError::invalid("holidays", format!("'{d}' is not a YYYY-MM-DD date"))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { zone, holidays })
    }

    pub fn zone(&self) -> &str {
        self.zone.name()
    }

    pub fn holidays(&self) -> impl Iterator<Item = &NaiveDate> {
        self.holidays.iter()
    }

    /// The last holiday the calendar knows: after it, working days are counted as if there were
    /// no public holidays (a calendar to renew before then).
    pub fn known_until(&self) -> Option<NaiveDate> {
        self.holidays.iter().next_back().copied()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The local date `days` working days after `date` (days after it, not counting it).
    pub fn add_working_days(&self, date: NaiveDate, days: u32) -> NaiveDate {
        let mut d = date;
        let mut counted = 0;
        while counted < days {
            d += Duration::days(1);
            if self.is_working_day(d) {
                counted += 1;
            }
        }
        d
    }

    /// `instant` plus `days` working days: the local date moves on by that many working days,
    /// the local time of day stays. A time that does not exist that day (a DST gap) moves to the
    /// first instant after the gap.
    pub fn working_days_after(&self, instant: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let local = instant.with_timezone(&self.zone);
        let date = self.add_working_days(local.date_naive(), days);
        let naive = date.and_time(local.time());
        match self.zone.from_local_datetime(&naive) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(early, _) => early.with_timezone(&Utc),
            LocalResult::None => {
                let later = naive + Duration::hours(1);
                self.zone
                    .from_local_datetime(&later)
                    .earliest()
                    .map_or(instant, |t| t.with_timezone(&Utc))
            }
        }
    }
}

/// A calendar month, in the working calendar's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }
}

impl std::fmt::Display for Month {
    /// `YYYY-MM`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl WorkingCalendar {
    /// The first instant of local `date` (its midnight; where a DST change skips midnight, the
    /// first instant after the gap).
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        match self.zone.from_local_datetime(&midnight) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => (1..=24)
                .find_map(|h| {
                    self.zone
                        .from_local_datetime(&(midnight + Duration::hours(h)))
                        .earliest()
                })
                .map_or_else(
                    || Utc.from_utc_datetime(&midnight),
                    |t| t.with_timezone(&Utc),
                ),
        }
    }

    /// The local month `instant` falls in.
    pub fn month_of(&self, instant: DateTime<Utc>) -> Month {
        let local = instant.with_timezone(&self.zone);
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    /// `[start, end)` of a local month, as UTC instants: from its first local midnight to the
    /// next month's (so a month with a DST change is an hour shorter or longer than its days).
    pub fn month_span(&self, month: Month) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.start_of_day(month.first_day()),
            self.start_of_day(month.next().first_day()),
        )
    }

    /// The first working day of a month.
    pub fn first_working_day(&self, month: Month) -> NaiveDate {
        let mut d = month.first_day();
        while !self.is_working_day(d) {
            d += Duration::days(1);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn months_run_between_local_midnights_across_dst() {
        let london = WorkingCalendar::new("Europe/London", DEFAULT_HOLIDAYS).unwrap();
        // March 2027: from midnight GMT to midnight BST (clocks go forward on the 28th): an hour
        // short of 31 days.
        let march = Month::new(2027, 3).unwrap();
        let (start, end) = london.month_span(march);
        assert_eq!(start, utc("2027-03-01T00:00:00Z"));
        assert_eq!(end, utc("2027-03-31T23:00:00Z"));
        assert_eq!(end - start, Duration::days(31) - Duration::hours(1));
        // October 2027: back to GMT on the 31st, an hour longer.
        let (start, end) = london.month_span(Month::new(2027, 10).unwrap());
        assert_eq!(start, utc("2027-09-30T23:00:00Z"));
        assert_eq!(end - start, Duration::days(31) + Duration::hours(1));
        // 23:30 UTC on 31 March 2027 is already April in London.
        assert_eq!(
            london.month_of(utc("2027-03-31T23:30:00Z")),
            Month::new(2027, 4).unwrap()
        );
        assert_eq!(london.month_of(utc("2027-03-31T22:59:59Z")), march);
        assert_eq!(march.next().to_string(), "2027-04");
        assert_eq!(
            Month::new(2027, 1).unwrap().previous().to_string(),
            "2026-12"
        );
        // A zone whose DST change skips midnight: Santiago's clocks went from 00:00 to 01:00 on
        // 2022-09-11; that day starts at 01:00 local (04:00 UTC).
        let santiago = WorkingCalendar::new("America/Santiago", "").unwrap();
        assert_eq!(
            santiago.start_of_day(d("2022-09-11")),
            utc("2022-09-11T04:00:00Z")
        );
    }

    #[test]
    fn the_first_working_day_skips_weekends_and_holidays() {
        let london = WorkingCalendar::new("Europe/London", DEFAULT_HOLIDAYS).unwrap();
        // 1 January 2028 is a Saturday, and Monday the 3rd the New Year holiday.
        assert_eq!(
            london.first_working_day(Month::new(2028, 1).unwrap()),
            d("2028-01-04")
        );
        assert_eq!(
            london.first_working_day(Month::new(2027, 2).unwrap()),
            d("2027-02-01")
        );
    }

    #[test]
    fn the_calendar_says_how_far_it_knows_holidays() {
        let cal = WorkingCalendar::new("UTC", "2027-12-28\n2026-12-25").unwrap();
        assert_eq!(cal.known_until(), Some(d("2027-12-28")));
        assert_eq!(WorkingCalendar::new("UTC", "").unwrap().known_until(), None);
        // The built-in England & Wales list runs through 2028.
        let builtin = WorkingCalendar::new("Europe/London", DEFAULT_HOLIDAYS).unwrap();
        assert_eq!(builtin.known_until(), Some(d("2028-12-26")));
    }

    #[test]
    fn default_calendar_knows_english_bank_holidays() {
        let c = WorkingCalendar::default();
        assert_eq!(c.zone(), "Europe/London");
        for h in [
            "2026-12-25",
            "2026-12-28",
            "2027-01-01",
            "2027-03-26",
            "2027-03-29",
        ] {
            assert!(!c.is_working_day(d(h)), "{h}");
        }
        assert!(c.is_working_day(d("2026-12-24")));
        assert!(!c.is_working_day(d("2026-12-26")), "Saturday");
    }

    /// (start date, working days to add, expected date) on a UTC calendar with the listed holidays.
    #[test]
    fn working_day_arithmetic_table() {
        let c =
            WorkingCalendar::new("UTC", "2026-12-25, 2026-12-28\n2027-01-01 # new year").unwrap();
        let cases = [
            ("2026-11-02", 1, "2026-11-03"),  // Mon -> Tue
            ("2026-11-06", 1, "2026-11-09"),  // Fri -> Mon over the weekend
            ("2026-11-07", 1, "2026-11-09"),  // Sat -> Mon
            ("2026-11-08", 0, "2026-11-08"),  // zero days: same date, even a Sunday
            ("2026-11-02", 5, "2026-11-09"),  // one full week
            ("2026-11-02", 20, "2026-11-30"), // four weeks
            ("2026-11-27", 2, "2026-12-01"),  // across a month end
            ("2026-12-24", 1, "2026-12-29"),  // over Christmas Day, weekend and the substitute day
            ("2026-12-24", 3, "2026-12-31"),
            ("2026-12-31", 1, "2027-01-04"), // across the year end and New Year's Day
            ("2026-12-01", 20, "2026-12-31"), // two holidays in the way: 20 days reach the 31st
            ("2026-12-10", 20, "2027-01-12"), // and into January past New Year's Day
        ];
        for (from, days, expected) in cases {
            assert_eq!(
                c.add_working_days(d(from), days),
                d(expected),
                "{from} + {days}"
            );
        }
    }

    #[test]
    fn working_days_are_counted_on_the_calendar_time_zone() {
        let london = WorkingCalendar::new("Europe/London", "").unwrap();
        let utc_cal = WorkingCalendar::new("UTC", "").unwrap();
        let tokyo = WorkingCalendar::new("Asia/Tokyo", "").unwrap();
        // Friday 23:30 UTC is already Saturday 08:30 in Tokyo: one working day later is Monday
        // 08:30 there, which is still Sunday in UTC.
        let friday_night = utc("2026-11-06T23:30:00Z");
        assert_eq!(
            utc_cal.working_days_after(friday_night, 1),
            utc("2026-11-09T23:30:00Z")
        );
        assert_eq!(
            tokyo.working_days_after(friday_night, 1),
            utc("2026-11-08T23:30:00Z")
        );
        // Sunday 23:30 UTC is Monday 08:30 in Tokyo: one working day later is Tuesday 08:30 there.
        let sunday_night = utc("2026-11-08T23:30:00Z");
        assert_eq!(
            utc_cal.working_days_after(sunday_night, 1),
            utc("2026-11-09T23:30:00Z")
        );
        assert_eq!(
            tokyo.working_days_after(sunday_night, 1),
            utc("2026-11-09T23:30:00Z")
        );
        // Across the end of British Summer Time the local time of day is kept: 09:00 BST is
        // 08:00 UTC, 09:00 GMT is 09:00 UTC.
        assert_eq!(
            london.working_days_after(utc("2026-10-23T08:00:00Z"), 1),
            utc("2026-10-26T09:00:00Z")
        );
    }

    #[test]
    fn invalid_configuration_is_refused() {
        assert!(WorkingCalendar::new("Mars/Olympus", "").is_err());
        assert!(WorkingCalendar::new("UTC", "2026-13-01").is_err());
        assert!(WorkingCalendar::new("UTC", "25/12/2026").is_err());
    }
}
