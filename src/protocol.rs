//! The wire types of the team server's own API, shared by the server and its clients
//! (`agentdeck push`, `agentdeck sync`, the console's sync): push batches and their answer,
//! sync queries and pages, error bodies. docs/server.md describes them.

use crate::domain::vendor_day::VendorDayRecord;
use crate::domain::{CounterRecord, EventRecord, RequestRecord, SessionRecord};
use serde::{Deserialize, Serialize};

/// At most this many rows in one push.
pub const MAX_PUSH_ROWS: usize = 20_000;
/// Rows of each kind a sync page holds unless the query asks for fewer.
pub const DEFAULT_SYNC_LIMIT: usize = 1_000;
/// The most rows of each kind one sync page holds.
pub const MAX_SYNC_LIMIT: usize = 10_000;

/// `POST /api/v1/push`: locally collected rows (metadata only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PushBatch {
    #[serde(default)]
    pub sessions: Vec<SessionRecord>,
    #[serde(default)]
    pub requests: Vec<RequestRecord>,
    #[serde(default)]
    pub events: Vec<EventRecord>,
    /// Vendor daily usage (organisation data from admin APIs: admin or collector tokens
    /// only; a day pushed again replaces the stored one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_usage: Vec<VendorDayRecord>,
}

impl PushBatch {
    pub fn rows(&self) -> usize {
        self.sessions.len() + self.requests.len() + self.events.len() + self.daily_usage.len()
    }
}

/// A pushed or exported row the server refused, and why (the rest were stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// `session`, `request`, `event` or `daily_usage`.
    pub kind: String,
    /// Its position in the push's list of that kind.
    pub index: usize,
    /// Its key, when it had a readable one (at most 80 characters).
    pub key: Option<String>,
    pub reason: String,
}

/// The answer to a push: rows accepted per kind, and the refused rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAnswer {
    pub sessions: usize,
    pub requests: usize,
    pub events: usize,
    /// Vendor days stored (each replacing the day of the same key).
    #[serde(default)]
    pub daily_usage: usize,
    #[serde(default)]
    pub rejected: Vec<Rejected>,
}

/// The body of every non-OTLP error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// `GET /api/v1/sync?cursor=&event_cursor=&counter_cursor=&limit=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncQuery {
    #[serde(default)]
    pub cursor: i64,
    #[serde(default)]
    pub event_cursor: i64,
    #[serde(default)]
    pub counter_cursor: i64,
    pub limit: Option<usize>,
}

/// Rows after the query's cursors, only those the caller's token may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncPage {
    pub sessions: Vec<SessionRecord>,
    pub requests: Vec<RequestRecord>,
    pub events: Vec<EventRecord>,
    #[serde(default)]
    pub counters: Vec<CounterRecord>,
    pub next_cursor: i64,
    pub next_event_cursor: i64,
    #[serde(default)]
    pub next_counter_cursor: i64,
    /// Org-wide daily totals per agent, only for days and agents to which enough
    /// developers outside the caller's own scope contributed (docs/server.md, "Security
    /// model").
    pub org_daily: Vec<OrgDay>,
    /// The team (and display name) of each developer of the page's rows, within scope.
    #[serde(default)]
    pub developers: Vec<SyncDeveloper>,
}

/// A developer as the team server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDeveloper {
    pub id: String,
    pub display_name: Option<String>,
    pub team: String,
}

impl SyncPage {
    /// The distinct developers of the page's rows, sorted.
    pub fn row_developers(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .sessions
            .iter()
            .map(|s| s.developer.clone())
            .chain(self.requests.iter().map(|r| r.developer.clone()))
            .chain(self.counters.iter().map(|c| c.developer.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.events.is_empty() && self.counters.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDay {
    pub day_start_ms: i64,
    pub agent: String,
    pub requests: i64,
    pub total_tokens: i64,
    pub cost_micro_usd: i64,
}

/// A push body read row by row: a row that does not decode (a bad key, a field of the
/// wrong type) is refused on its own, named by kind and position.
#[derive(Debug, Default, Deserialize)]
struct LoosePush {
    #[serde(default)]
    sessions: Vec<serde_json::Value>,
    #[serde(default)]
    requests: Vec<serde_json::Value>,
    #[serde(default)]
    events: Vec<serde_json::Value>,
    #[serde(default)]
    daily_usage: Vec<serde_json::Value>,
}

/// A push body decoded row by row: each row with its position in its list.
#[derive(Debug, Default)]
pub struct DecodedPush {
    pub sessions: Vec<(usize, SessionRecord)>,
    pub requests: Vec<(usize, RequestRecord)>,
    pub events: Vec<(usize, EventRecord)>,
    pub daily_usage: Vec<(usize, VendorDayRecord)>,
    /// Rows that did not decode.
    pub rejected: Vec<Rejected>,
}

impl DecodedPush {
    /// Every row the body held, decoded or not.
    pub fn rows(&self) -> usize {
        self.sessions.len()
            + self.requests.len()
            + self.events.len()
            + self.daily_usage.len()
            + self.rejected.len()
    }
}

fn decode_rows<T: serde::de::DeserializeOwned>(
    kind: &str,
    values: Vec<serde_json::Value>,
    key_field: &str,
    rejected: &mut Vec<Rejected>,
) -> Vec<(usize, T)> {
    let mut out = Vec::with_capacity(values.len());
    for (index, value) in values.into_iter().enumerate() {
        let key = value
            .get(key_field)
            .and_then(|k| k.as_str())
            .map(|k| k.chars().take(80).collect());
        match serde_json::from_value(value) {
            Ok(row) => out.push((index, row)),
            Err(e) => rejected.push(Rejected {
                kind: kind.into(),
                index,
                key,
                reason: e.to_string(),
            }),
        }
    }
    out
}

/// Decodes a push body; a body that is not a JSON object of row lists is an error.
pub fn decode_push(body: &[u8]) -> Result<DecodedPush, serde_json::Error> {
    let loose: LoosePush = serde_json::from_slice(body)?;
    let mut rejected = Vec::new();
    let sessions = decode_rows("session", loose.sessions, "session_key", &mut rejected);
    let requests = decode_rows("request", loose.requests, "dedupe_key", &mut rejected);
    let events = decode_rows("event", loose.events, "dedupe_key", &mut rejected);
    let daily_usage = decode_rows("daily_usage", loose.daily_usage, "day", &mut rejected);
    Ok(DecodedPush {
        sessions,
        requests,
        events,
        daily_usage,
        rejected,
    })
}
