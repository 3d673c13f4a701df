//! Counters the server keeps about itself, served as Prometheus text on `/metrics`:
//! records received and rejected per signal, throttled requests, queue depth, and the lag
//! between accepting an export and committing it.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct SignalCounters {
    pub received: AtomicU64,
    pub rejected: AtomicU64,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub logs: SignalCounters,
    pub metrics: SignalCounters,
    pub traces: SignalCounters,
    pub push: SignalCounters,
    pub bad_requests: AtomicU64,
    pub throttled: AtomicU64,
    pub store_errors: AtomicU64,
}

impl Stats {
    pub fn record_received(&self, source: &str, received: u64, rejected: u64) {
        let c = match source {
            "logs" => &self.logs,
            "metrics" => &self.metrics,
            "traces" => &self.traces,
            _ => &self.push,
        };
        c.received.fetch_add(received, Ordering::Relaxed);
        c.rejected.fetch_add(rejected, Ordering::Relaxed);
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self, queue_depth: usize, lag_seconds: f64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP agentdeck_records_received_total Records received, by source."
        );
        let _ = writeln!(out, "# TYPE agentdeck_records_received_total counter");
        for (name, c) in self.sources() {
            let _ = writeln!(
                out,
                "agentdeck_records_received_total{{source=\"{name}\"}} {}",
                c.received.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP agentdeck_records_rejected_total Records rejected (partial success), by source."
        );
        let _ = writeln!(out, "# TYPE agentdeck_records_rejected_total counter");
        for (name, c) in self.sources() {
            let _ = writeln!(
                out,
                "agentdeck_records_rejected_total{{source=\"{name}\"}} {}",
                c.rejected.load(Ordering::Relaxed)
            );
        }
        for (name, help, value) in [
            (
                "agentdeck_bad_requests_total",
                "Requests answered 400/413/415.",
                &self.bad_requests,
            ),
            (
                "agentdeck_throttled_total",
                "Requests answered 429 because the queue was full.",
                &self.throttled,
            ),
            (
                "agentdeck_store_errors_total",
                "Batches the store failed to commit.",
                &self.store_errors,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP agentdeck_queue_depth Jobs waiting for the store writer."
        );
        let _ = writeln!(
            out,
            "# TYPE agentdeck_queue_depth gauge\nagentdeck_queue_depth {queue_depth}"
        );
        let _ = writeln!(
            out,
            "# HELP agentdeck_ingest_lag_seconds Time the last committed export waited between acceptance and commit.\n# TYPE agentdeck_ingest_lag_seconds gauge\nagentdeck_ingest_lag_seconds {lag_seconds:.3}"
        );
        out
    }

    fn sources(&self) -> [(&'static str, &SignalCounters); 4] {
        [
            ("logs", &self.logs),
            ("metrics", &self.metrics),
            ("traces", &self.traces),
            ("push", &self.push),
        ]
    }
}
