//! SLA targets per priority (R-INC6): how soon a ticket must be responded to and restored.
//!
//! The walking skeleton computes due times from `logged_at`; pauses while `pending_customer`
//! and the stop at `resolved` belong to the full SLA clock.

use chrono::{DateTime, Duration, Utc};

use crate::Priority;

/// Response and restore targets for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaTargets {
    pub response: Duration,
    pub restore: Duration,
}

/// Targets for every priority; [`SlaPolicy::default`] holds product.md's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    pub p1: SlaTargets,
    pub p2: SlaTargets,
    pub p3: SlaTargets,
    pub p4: SlaTargets,
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

    /// Response and restore due times for a ticket logged at `logged_at`.
    pub fn due_times(
        &self,
        priority: Priority,
        logged_at: DateTime<Utc>,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let t = self.targets(priority);
        (logged_at + t.response, logged_at + t.restore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn defaults_match_the_product_specification() {
        let p = SlaPolicy::default();
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
        let cases = [
            (Priority::P1, 15, 4 * 60),
            (Priority::P2, 30, 8 * 60),
            (Priority::P3, 120, 24 * 60),
            (Priority::P4, 480, 72 * 60),
        ];
        for (prio, response_min, restore_min) in cases {
            let (response, restore) = p.due_times(prio, at);
            assert_eq!(response - at, Duration::minutes(response_min), "{prio:?}");
            assert_eq!(restore - at, Duration::minutes(restore_min), "{prio:?}");
        }
    }
}
