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
