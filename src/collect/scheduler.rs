//! When a background source runs next: its interval with jitter after a success; after a
//! failure, the server's Retry-After or a doubling backoff (capped) — never a tight retry
//! loop. `run_until_stopped` drives one source until its stop signal flips.

use crate::collect::http::jittered;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// The first pause after a failure without Retry-After; it doubles per failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Backoff {
    pub interval: Duration,
    /// Longest pause after failures.
    pub max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(interval: Duration) -> Backoff {
        Backoff {
            interval,
            max: (interval * 4).max(Duration::from_secs(3_600)),
            failures: 0,
        }
    }

    /// The pause after a run: `Ok(())` for a success, `Err(retry_after)` for a failure.
    pub fn next_delay(&self, outcome: Result<(), Option<Duration>>) -> Duration {
        match outcome {
            Ok(()) => jittered(self.interval),
            Err(Some(retry_after)) => retry_after.max(Duration::from_secs(1)),
            Err(None) => {
                let doubled = FIRST_BACKOFF.saturating_mul(2u32.saturating_pow(self.failures));
                jittered(doubled.min(self.max))
            }
        }
    }

    /// Counts failures in a row (the backoff grows) or resets on success.
    pub fn record(&mut self, ok: bool) {
        self.failures = if ok {
            0
        } else {
            self.failures.saturating_add(1)
        };
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// Calls `run` (which returns the pause before its next run) until `stop` is true or its
/// sender is gone; a pause is cut short by a stop.
pub async fn run_until_stopped<F, Fut>(mut stop: watch::Receiver<bool>, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Duration>,
{
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = run().await;
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_honours_retry_after_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(3_600));
        let ok = b.next_delay(Ok(()));
        assert!(ok >= Duration::from_secs(2_880) && ok <= Duration::from_secs(4_320));
        assert_eq!(
            b.next_delay(Err(Some(Duration::from_secs(30)))),
            Duration::from_secs(30)
        );
        let first = b.next_delay(Err(None));
        b.record(false);
        b.record(false);
        b.record(false);
        let fourth = b.next_delay(Err(None));
        assert!(fourth > first * 4, "{first:?} then {fourth:?}");
        for _ in 0..40 {
            b.record(false);
        }
        assert!(b.next_delay(Err(None)) <= b.max.mul_f64(1.21), "capped");
        b.record(true);
        assert_eq!(b.failures(), 0);
    }

    #[tokio::test]
    async fn a_stop_ends_the_loop_even_mid_pause() {
        let (tx, rx) = watch::channel(false);
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = runs.clone();
        let task = tokio::spawn(run_until_stopped(rx, move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Duration::from_secs(3_600) }
        }));
        while runs.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("stopped promptly")
            .unwrap();
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
