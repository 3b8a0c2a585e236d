//! The SLA clock (R-INC6): response and restore targets per priority, a restore clock that runs
//! from `logged_at`, pauses while the ticket waits for the customer and stops at resolution.
//!
//! Everything is computed from recorded instants and a `now` passed in: no clock reads.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{DomainError, Priority};

/// Response and restore targets for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTargets {
    pub response: Duration,
    pub restore: Duration,
}

/// Targets for every priority and the at-risk threshold. [`SlaPolicy::default`] holds
/// product.md's defaults: P1 15 min / 4 h, P2 30 min / 8 h, P3 2 h / 24 h, P4 8 h / 72 h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    pub p1: SlaTargets,
    pub p2: SlaTargets,
    pub p3: SlaTargets,
    pub p4: SlaTargets,
    /// A running restore clock is "at risk" once this share (percent) of its target remains.
    pub at_risk_percent: i32,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        let t = |response_min: i64, restore_h: i64| SlaTargets {
            response: Duration::minutes(response_min),
            restore: Duration::hours(restore_h),
        };
        Self {
            p1: t(15, 4),
            p2: t(30, 8),
            p3: t(120, 24),
            p4: t(480, 72),
            at_risk_percent: 25,
        }
    }
}

impl SlaPolicy {
    pub fn targets(&self, priority: Priority) -> SlaTargets {
        match priority {
            Priority::P1 => self.p1,
            Priority::P2 => self.p2,
            Priority::P3 => self.p3,
            Priority::P4 => self.p4,
        }
    }

    /// Parses `response_minutes/restore_minutes` pairs for P1..P4, e.g.
    /// `15/240,30/480,120/1440,480/4320` (the `SLA_TARGETS` setting).
    pub fn parse_targets(text: &str) -> Result<Self, DomainError> {
        let err = || {
            DomainError::invalid(
                "SLA_TARGETS",
                "expected four response/restore minute pairs, e.g. 15/240,30/480,120/1440,480/4320",
            )
        };
        let pairs: Vec<SlaTargets> = text
            .split(',')
            .map(|pair| {
                let (r, s) = pair.trim().split_once('/').ok_or_else(err)?;
                let r: i64 = r.trim().parse().map_err(|_| err())?;
                let s: i64 = s.trim().parse().map_err(|_| err())?;
                if r <= 0 || s <= 0 || r > s {
                    return Err(err());
                }
                Ok(SlaTargets {
                    response: Duration::minutes(r),
                    restore: Duration::minutes(s),
                })
            })
            .collect::<Result<_, _>>()?;
        match pairs.as_slice() {
            [p1, p2, p3, p4] => Ok(Self {
                p1: *p1,
                p2: *p2,
                p3: *p3,
                p4: *p4,
                ..Self::default()
            }),
            _ => Err(err()),
        }
    }
}

/// One interval during which the restore clock did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPause {
    pub started_at: DateTime<Utc>,
    /// `None` while the pause lasts.
    pub ended_at: Option<DateTime<Utc>>,
    pub reason: String,
}

impl SlaPause {
    /// Length of the pause, counting an open pause up to `now`.
    pub fn length(&self, now: DateTime<Utc>) -> Duration {
        self.ended_at.unwrap_or(now) - self.started_at
    }
}

/// The recorded facts of a ticket's SLA: when it was logged, first responded to, paused and
/// stopped. Targets are applied on demand, so a priority change recomputes everything while
/// the pause history stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaClock {
    pub logged_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub pauses: Vec<SlaPause>,
    /// Set while the ticket is resolved, closed or cancelled.
    pub stopped_at: Option<DateTime<Utc>>,
}

/// What is stored alongside a ticket so lists can filter by breach and risk in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaProjection {
    pub response_due_at: DateTime<Utc>,
    /// Due time if the clock runs on from now: logged_at + target + finished pauses.
    pub restore_due_at: DateTime<Utc>,
    /// From this instant a running clock is at risk.
    pub at_risk_from: DateTime<Utc>,
    /// When the clock stopped running (open pause or resolution); `None` while it runs.
    pub halted_since: Option<DateTime<Utc>>,
}

/// The SLA state of a ticket at one instant, as shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaStatus {
    pub response_due_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub response_breached: bool,
    /// Projected restore due time given the pauses so far (moves while paused).
    pub restore_due_at: DateTime<Utc>,
    /// Restore time left; negative once breached.
    pub restore_remaining: Duration,
    pub restore_breached: bool,
    pub at_risk: bool,
    pub paused: bool,
    pub stopped: bool,
}

impl SlaClock {
    pub fn start(logged_at: DateTime<Utc>) -> Self {
        Self {
            logged_at,
            responded_at: None,
            pauses: Vec::new(),
            stopped_at: None,
        }
    }

    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|p| p.ended_at.is_none())
    }

    /// Records the first response; later responses change nothing.
    pub fn respond(&mut self, at: DateTime<Utc>) {
        self.responded_at.get_or_insert(at);
    }

    /// Pauses the restore clock (waiting for the customer).
    pub fn pause(&mut self, at: DateTime<Utc>, reason: &str) -> Result<(), DomainError> {
        if self.is_paused() || self.stopped_at.is_some() {
            return Err(DomainError::refused(
                crate::error::Reason::SlaNotRunning,
                "the SLA clock is not running",
            ));
        }
        self.pauses.push(SlaPause {
            started_at: at,
            ended_at: None,
            reason: reason.to_owned(),
        });
        Ok(())
    }

    /// Ends an open pause; a no-op when not paused.
    pub fn resume(&mut self, at: DateTime<Utc>) {
        if let Some(p) = self.pauses.last_mut().filter(|p| p.ended_at.is_none()) {
            p.ended_at = Some(at.max(p.started_at));
        }
    }

    /// Stops the clock at resolution (or close/cancel), ending any open pause first.
    pub fn stop(&mut self, at: DateTime<Utc>) {
        self.resume(at);
        self.stopped_at.get_or_insert(at);
    }

    /// Restarts a stopped clock when a resolved ticket is reopened. The stopped interval does
    /// not count against the target: it is kept as a pause.
    pub fn restart(&mut self, at: DateTime<Utc>, reason: &str) {
        if let Some(stopped) = self.stopped_at.take() {
            self.pauses.push(SlaPause {
                started_at: stopped,
                ended_at: Some(at.max(stopped)),
                reason: reason.to_owned(),
            });
        }
    }

    fn finished_pauses(&self) -> Duration {
        self.pauses
            .iter()
            .filter_map(|p| p.ended_at.map(|end| end - p.started_at))
            .fold(Duration::zero(), |a, b| a + b)
    }

    fn halted_since(&self) -> Option<DateTime<Utc>> {
        self.stopped_at.or_else(|| {
            self.pauses
                .last()
                .filter(|p| p.ended_at.is_none())
                .map(|p| p.started_at)
        })
    }

    /// Time the restore clock has run up to `now`.
    pub fn restore_elapsed(&self, now: DateTime<Utc>) -> Duration {
        let until = self
            .halted_since()
            .unwrap_or(now)
            .min(now.max(self.logged_at));
        (until - self.logged_at - self.finished_pauses()).max(Duration::zero())
    }

    /// The facts stored with the ticket for filtering.
    pub fn projection(&self, targets: SlaTargets, at_risk_percent: i32) -> SlaProjection {
        let restore_due_at = self.logged_at + targets.restore + self.finished_pauses();
        let margin = targets.restore * at_risk_percent / 100;
        SlaProjection {
            response_due_at: self.logged_at + targets.response,
            restore_due_at,
            at_risk_from: restore_due_at - margin,
            halted_since: self.halted_since(),
        }
    }

    /// The SLA state at `now`.
    pub fn status(&self, policy: &SlaPolicy, targets: SlaTargets, now: DateTime<Utc>) -> SlaStatus {
        let projection = self.projection(targets, policy.at_risk_percent);
        let response_breached = match self.responded_at {
            Some(at) => at > projection.response_due_at,
            None => now > projection.response_due_at,
        };
        let elapsed = self.restore_elapsed(now);
        let remaining = targets.restore - elapsed;
        let restore_breached = remaining < Duration::zero();
        let running = projection.halted_since.is_none();
        let paused_for = match (self.stopped_at, self.is_paused()) {
            (None, true) => self
                .pauses
                .last()
                .map_or(Duration::zero(), |p| p.length(now)),
            _ => Duration::zero(),
        };
        SlaStatus {
            response_due_at: projection.response_due_at,
            responded_at: self.responded_at,
            response_breached,
            restore_due_at: projection.restore_due_at + paused_for,
            restore_remaining: remaining,
            restore_breached,
            at_risk: running
                && !restore_breached
                && remaining <= targets.restore * policy.at_risk_percent / 100,
            paused: self.is_paused(),
            stopped: self.stopped_at.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    fn p1() -> (SlaPolicy, SlaTargets) {
        let policy = SlaPolicy::default();
        let targets = policy.targets(Priority::P1);
        (policy, targets)
    }

    #[test]
    fn defaults_match_the_product_specification() {
        let p = SlaPolicy::default();
        let cases = [
            (Priority::P1, 15, 4 * 60),
            (Priority::P2, 30, 8 * 60),
            (Priority::P3, 120, 24 * 60),
            (Priority::P4, 480, 72 * 60),
        ];
        for (prio, response_min, restore_min) in cases {
            let targets = p.targets(prio);
            assert_eq!(
                targets.response,
                Duration::minutes(response_min),
                "{prio:?}"
            );
            assert_eq!(targets.restore, Duration::minutes(restore_min), "{prio:?}");
        }
    }

    #[test]
    fn targets_are_configurable_and_validated() {
        let p = SlaPolicy::parse_targets("10/60, 20/120,30/180,40/240").unwrap();
        assert_eq!(p.p3.restore, Duration::minutes(180));
        for bad in [
            "",
            "10/60",
            "10/60,20/120,30/180",
            "a/b,1/2,3/4,5/6",
            "60/10,1/2,3/4,5/6",
            "0/1,1/2,3/4,5/6",
        ] {
            assert!(SlaPolicy::parse_targets(bad).is_err(), "{bad}");
        }
    }

    /// (minutes since logging, expected remaining restore minutes, breached, at risk) for a P1
    /// (4 h restore) ticket logged at 08:00, paused 09:00–10:00, resolved at 13:30.
    #[test]
    fn restore_clock_runs_pauses_and_stops_table() {
        let (policy, targets) = p1();
        let mut clock = SlaClock::start(t(8, 0));
        clock.pause(t(9, 0), "waiting for site access").unwrap();
        clock.resume(t(10, 0));
        clock.stop(t(13, 30));
        let cases = [
            (t(8, 0), 240, false, false),
            (t(8, 30), 210, false, false),
            (t(9, 0), 180, false, false),
            (t(9, 30), 180, false, false), // frozen while paused (history replayed)
            (t(10, 0), 180, false, false),
            (t(12, 0), 60, false, true), // 25 % of 240 = 60 min left: at risk
            (t(13, 0), 0, false, true),
            (t(13, 30), -30, true, false), // stopped after the due time
            (t(18, 0), -30, true, false),  // stopped: nothing moves any more
        ];
        for (now, remaining, breached, at_risk) in cases {
            let mut view = clock.clone();
            // Replay only what had happened by `now`.
            if now < t(13, 30) {
                view.stopped_at = None;
            }
            if now < t(10, 0) {
                view.pauses[0].ended_at = None;
            }
            if now < t(9, 0) {
                view.pauses.clear();
            }
            let s = view.status(&policy, targets, now);
            assert_eq!(
                s.restore_remaining,
                Duration::minutes(remaining),
                "at {now}"
            );
            assert_eq!(s.restore_breached, breached, "breached at {now}");
            assert_eq!(s.at_risk, at_risk, "at risk at {now}");
        }
    }

    #[test]
    fn due_time_moves_with_pauses_and_projection_matches_status() {
        let (policy, targets) = p1();
        let mut clock = SlaClock::start(t(8, 0));
        assert_eq!(clock.projection(targets, 25).restore_due_at, t(12, 0));
        clock.pause(t(9, 0), "customer on holiday").unwrap();
        let during = clock.status(&policy, targets, t(9, 45));
        assert!(during.paused && !during.stopped);
        assert_eq!(
            during.restore_due_at,
            t(12, 45),
            "projected as if resumed now"
        );
        let stored = clock.projection(targets, 25);
        assert_eq!(stored.halted_since, Some(t(9, 0)));
        assert_eq!(stored.restore_due_at, t(12, 0));
        clock.resume(t(10, 0));
        let stored = clock.projection(targets, 25);
        assert_eq!(stored.restore_due_at, t(13, 0));
        assert_eq!(stored.at_risk_from, t(12, 0));
        assert_eq!(stored.halted_since, None);
        assert_eq!(clock.pauses[0].length(t(23, 0)), Duration::hours(1));
    }

    #[test]
    fn cannot_pause_twice_or_after_stop() {
        let mut clock = SlaClock::start(t(8, 0));
        clock.pause(t(9, 0), "a").unwrap();
        assert!(clock.pause(t(9, 5), "b").is_err());
        clock.stop(t(10, 0));
        assert_eq!(
            clock.pauses[0].ended_at,
            Some(t(10, 0)),
            "stop ends the pause"
        );
        assert!(clock.pause(t(11, 0), "c").is_err());
    }

    #[test]
    fn reopening_keeps_the_stopped_interval_out_of_the_clock() {
        let (policy, targets) = p1();
        let mut clock = SlaClock::start(t(8, 0));
        clock.stop(t(9, 0));
        clock.restart(t(15, 0), "reopened by customer");
        let s = clock.status(&policy, targets, t(16, 0));
        assert_eq!(s.restore_remaining, Duration::hours(2));
        assert!(!s.restore_breached && !s.stopped);
        assert_eq!(clock.pauses.len(), 1);
        assert_eq!(clock.pauses[0].reason, "reopened by customer");
    }

    #[test]
    fn priority_change_recomputes_targets_and_keeps_pauses() {
        let policy = SlaPolicy::default();
        let mut clock = SlaClock::start(t(8, 0));
        clock.pause(t(8, 30), "waiting").unwrap();
        clock.resume(t(9, 30));
        let p1 = clock.status(&policy, policy.targets(Priority::P1), t(11, 0));
        let p3 = clock.status(&policy, policy.targets(Priority::P3), t(11, 0));
        assert_eq!(p1.restore_remaining, Duration::minutes(240 - 120));
        assert_eq!(p3.restore_remaining, Duration::minutes(24 * 60 - 120));
        assert_eq!(
            clock.pauses.len(),
            1,
            "pause history is independent of priority"
        );
    }

    #[test]
    fn response_breach_is_judged_at_first_response() {
        let (policy, targets) = p1();
        let mut clock = SlaClock::start(t(8, 0));
        assert!(!clock.status(&policy, targets, t(8, 10)).response_breached);
        assert!(clock.status(&policy, targets, t(8, 16)).response_breached);
        clock.respond(t(8, 14));
        clock.respond(t(8, 40));
        assert_eq!(clock.responded_at, Some(t(8, 14)), "first response counts");
        assert!(!clock.status(&policy, targets, t(9, 0)).response_breached);
        let mut late = SlaClock::start(t(8, 0));
        late.respond(t(8, 20));
        assert!(late.status(&policy, targets, t(8, 21)).response_breached);
    }
}
