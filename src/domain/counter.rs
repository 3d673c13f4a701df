//! Telemetry counters: one metric data point becomes one increment of one counter (a number,
//! never one row per unit). Delta points are increments; a cumulative point's increment is
//! its difference from the last point of its series, which is stored, so a restart neither
//! double-counts nor drops.

use super::{Agent, EventKind, UnixMillis};
use serde::{Deserialize, Serialize};

/// One metric data point, owner and series already decided by the receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// The developer the point belongs to; series are per owner.
    pub developer: String,
    pub agent: Agent,
    pub session_key: String,
    /// The counter it moves (`lines_of_code.added`, `commits`, `pull_requests`).
    pub metric: String,
    /// The series identity (metric name and attributes), stable across exports.
    pub series: String,
    pub start_nanos: u64,
    pub time_nanos: u64,
    pub ts: UnixMillis,
    /// Whole, finite, within the bounds (checked by the receiver).
    pub value: i64,
    pub cumulative: bool,
    /// A timeline mark for points that stand for something that happened (commits, PRs).
    pub event: Option<EventKind>,
}

/// The last cumulative point stored for a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesState {
    pub start_nanos: u64,
    pub time_nanos: u64,
    pub value: i64,
}

impl MetricPoint {
    /// The increment this point stands for given the series' last stored point, and the
    /// state to store afterwards. A new series, or a new start time (the exporter restarted),
    /// counts from zero; a value that went down is a reset too; a point not newer than the
    /// stored one (a re-sent or late export) adds nothing and changes nothing.
    pub fn increment(&self, last: Option<SeriesState>) -> (i64, Option<SeriesState>) {
        if !self.cumulative {
            return (self.value, None);
        }
        let now = SeriesState {
            start_nanos: self.start_nanos,
            time_nanos: self.time_nanos,
            value: self.value,
        };
        match last {
            Some(l) if l.start_nanos == self.start_nanos && self.time_nanos <= l.time_nanos => {
                (0, None)
            }
            Some(l) if l.start_nanos == self.start_nanos && self.value >= l.value => {
                (self.value - l.value, Some(now))
            }
            Some(l) if self.start_nanos < l.start_nanos => (0, None),
            _ => (self.value, Some(now)),
        }
    }

    /// The counter row key: one per series and point time (a re-sent delta counts once).
    pub fn counter_key(&self) -> String {
        format!("otelm:{}|{}", self.series, self.time_nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(start: u64, time: u64, value: i64) -> MetricPoint {
        MetricPoint {
            developer: "d".into(),
            agent: Agent::ClaudeCode,
            session_key: "s".into(),
            metric: "lines_of_code.added".into(),
            series: "m".into(),
            start_nanos: start,
            time_nanos: time,
            ts: 0,
            value,
            cumulative: true,
            event: None,
        }
    }

    #[test]
    fn cumulative_points_become_differences_and_reset_on_a_new_start() {
        let (n, s) = point(10, 1, 3).increment(None);
        assert_eq!(n, 3);
        let (n, s) = point(10, 2, 5).increment(s);
        assert_eq!(n, 2);
        let state = s;
        assert_eq!(
            point(10, 2, 5).increment(state),
            (0, None),
            "a re-sent point adds nothing"
        );
        assert_eq!(
            point(10, 1, 3).increment(state).0,
            0,
            "a late point adds nothing"
        );
        let (n, s2) = point(20, 3, 1).increment(state);
        assert_eq!(n, 1, "a new start time is a reset");
        assert_eq!(
            point(10, 4, 9).increment(s2).0,
            0,
            "an older start never counts again"
        );
        assert_eq!(point(20, 5, 0).increment(s2).0, 0, "went down: a reset");
    }

    #[test]
    fn delta_points_are_their_value() {
        let mut p = point(0, 1, 7);
        p.cumulative = false;
        assert_eq!(p.increment(None), (7, None));
    }
}
