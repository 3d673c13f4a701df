//! When `agentdeck push --watch` tries again: a refused connection, a timeout or a 5xx is
//! retried with exponential backoff and full jitter (1 s doubling to 5 min, each wait drawn
//! from its upper half so many machines restarted together spread out); a 429 waits for the
//! server's `Retry-After`; anything else (401, 403, 400) waits for the next interval.

use std::time::Duration;

/// Why a push failed, and so when to try again.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PushFailure {
    pub retry: Retry,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Transient (connection, timeout, 5xx): back off and try again.
    Backoff,
    /// The server asked for this pause (429 `Retry-After`).
    After(Duration),
    /// The request itself is wrong (auth, a 4xx): the next regular interval.
    NextInterval,
}

pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The longest `Retry-After` honoured (a bigger one is capped: the daemon keeps going).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The retry class of an HTTP status that is not a success.
pub fn for_status(status: u16, retry_after: Option<&str>) -> Retry {
    match status {
        429 => Retry::After(
            retry_after
                .and_then(parse_retry_after)
                .unwrap_or(FIRST_BACKOFF * 5)
                .min(MAX_RETRY_AFTER),
        ),
        500..=599 => Retry::Backoff,
        _ => Retry::NextInterval,
    }
}

/// `Retry-After` as delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait_ms = when.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(wait_ms.max(0) as u64))
}

/// The wait before attempt `failures + 1` (`failures` ≥ 1 consecutive transient failures).
pub fn backoff(failures: u32) -> Duration {
    let ceiling = FIRST_BACKOFF
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let mut byte = [0u8; 1];
    let unit = match getrandom::fill(&mut byte) {
        Ok(()) => f64::from(byte[0]) / 255.0,
        Err(_) => 0.5,
    };
    ceiling.mul_f64(0.5 + unit / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_right_pause() {
        assert_eq!(for_status(503, None), Retry::Backoff);
        assert_eq!(for_status(500, None), Retry::Backoff);
        assert_eq!(
            for_status(429, Some("7")),
            Retry::After(Duration::from_secs(7))
        );
        assert_eq!(
            for_status(429, Some("99999")),
            Retry::After(MAX_RETRY_AFTER)
        );
        assert_eq!(for_status(401, None), Retry::NextInterval);
        assert!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").is_some());
        assert!(parse_retry_after("soon").is_none());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for failures in 1..40 {
            let ceiling = FIRST_BACKOFF
                .saturating_mul(1 << (failures - 1).min(16))
                .min(MAX_BACKOFF);
            let wait = backoff(failures);
            assert!(
                wait <= ceiling && wait >= ceiling / 2,
                "{failures}: {wait:?}"
            );
        }
    }
}
