//! What every handler shares: the ingest queue, auth and the per-token rate, price table,
//! limits, the org-totals rule, counters, and the developers already known.

use super::auth::Auth;
use super::backend::Backend;
use super::gate::TokenRate;
use super::queue::IngestQueue;
use super::stats::Stats;
use crate::pricing::PriceTable;
use crate::store::queries::sync::OrgTotalsRule;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Request limits against large, slow and noisy clients.
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
    /// Requests per second one token may make (bursts of twice that); 0: no limit.
    pub requests_per_second_per_token: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 16 * 1024 * 1024,
            max_decompressed_bytes: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            queue_capacity: 256,
            requests_per_second_per_token: 100,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub queue: IngestQueue,
    pub auth: Arc<Auth>,
    pub rate: Arc<TokenRate>,
    pub backend: Backend,
    pub prices: Arc<PriceTable>,
    pub limits: Limits,
    pub org_totals: OrgTotalsRule,
    pub stats: Arc<Stats>,
    pub known_developers: Arc<Mutex<HashSet<String>>>,
}

impl AppState {
    /// True the first time a developer id is seen (it then gets a `developers` row if the
    /// directory does not have one yet).
    pub fn first_sighting(&self, developer: &str) -> bool {
        let mut known = self
            .known_developers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        known.insert(developer.to_string())
    }
}
