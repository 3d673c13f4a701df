//! What every handler shares: the ingest queue, auth, price table, limits, counters and
//! the small in-memory state (developers already known, cumulative metric series).

use super::auth::Auth;
use super::backend::Backend;
use super::otlp::metrics::CumulativeState;
use super::queue::IngestQueue;
use super::stats::Stats;
use crate::pricing::PriceTable;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Request limits against large and slow clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body accepted on the wire (compressed).
    pub max_body_bytes: usize,
    /// Largest body after gzip is undone (the OTLP spec recommends capping both).
    pub max_decompressed_bytes: usize,
    /// A request that has not been fully read and answered by then gets 408.
    pub request_timeout: Duration,
    /// A connection that has not sent a request's headers by then is closed.
    pub header_read_timeout: Duration,
    /// Jobs that may wait for the store writer before handlers answer 429.
    pub queue_capacity: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 16 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            queue_capacity: 256,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub queue: IngestQueue,
    pub auth: Arc<Auth>,
    pub backend: Backend,
    pub prices: Arc<PriceTable>,
    pub limits: Limits,
    pub stats: Arc<Stats>,
    pub cumulative: Arc<Mutex<CumulativeState>>,
    pub known_developers: Arc<Mutex<HashSet<String>>>,
}

impl AppState {
    /// True the first time a developer id is seen (it then gets a `developers` row).
    pub fn first_sighting(&self, developer: &str) -> bool {
        let mut known = self
            .known_developers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        known.insert(developer.to_string())
    }
}
