//! Whether an agent session is running, idle or ended: one rule, from the time since its last
//! activity, used by every console view (Overview's count, Live, timelines) and the CLI
//! (`report session`). See docs/console.md#session-state.

/// Activity within this long counts as running.
pub const RUNNING_MS: i64 = 2 * 60_000;
/// Activity within this long (and not running) counts as idle; older is ended.
pub const IDLE_MS: i64 = 30 * 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SessionState {
    Running,
    Idle,
    Ended,
}

impl SessionState {
    /// The state of a session whose last activity was at `last_activity_ms`, seen at `now_ms`.
    /// Activity stamped in the future (clock skew) counts as running.
    pub fn of(last_activity_ms: i64, now_ms: i64) -> SessionState {
        let quiet_ms = now_ms.saturating_sub(last_activity_ms);
        if quiet_ms <= RUNNING_MS {
            SessionState::Running
        } else if quiet_ms <= IDLE_MS {
            SessionState::Idle
        } else {
            SessionState::Ended
        }
    }

    /// The earliest last activity that still counts as running at `now_ms` (for queries that
    /// count running sessions without reading each one).
    pub fn running_since_ms(now_ms: i64) -> i64 {
        now_ms - RUNNING_MS
    }

    /// `running`, `idle`, `ended` (JSON, CSV, filters).
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Running => "running",
            SessionState::Idle => "idle",
            SessionState::Ended => "ended",
        }
    }

    /// The word with a glyph, so the state never depends on colour alone.
    pub fn label(self) -> &'static str {
        match self {
            SessionState::Running => "● running",
            SessionState::Idle => "◐ idle",
            SessionState::Ended => "○ ended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_belong_to_the_livelier_state() {
        let now = 10 * IDLE_MS;
        assert_eq!(SessionState::of(now, now), SessionState::Running);
        assert_eq!(SessionState::of(now + 5_000, now), SessionState::Running);
        assert_eq!(
            SessionState::of(now - RUNNING_MS, now),
            SessionState::Running
        );
        assert_eq!(
            SessionState::of(now - RUNNING_MS - 1, now),
            SessionState::Idle
        );
        assert_eq!(SessionState::of(now - IDLE_MS, now), SessionState::Idle);
        assert_eq!(
            SessionState::of(now - IDLE_MS - 1, now),
            SessionState::Ended
        );
        // The query bound agrees with the rule.
        let since = SessionState::running_since_ms(now);
        assert_eq!(SessionState::of(since, now), SessionState::Running);
        assert_eq!(SessionState::of(since - 1, now), SessionState::Idle);
    }

    #[test]
    fn five_minutes_quiet_is_idle_not_running() {
        // Overview once counted 5-minute-quiet sessions as running while Live said idle.
        let now = 1_000 * IDLE_MS;
        assert_eq!(SessionState::of(now - 5 * 60_000, now), SessionState::Idle);
    }
}
