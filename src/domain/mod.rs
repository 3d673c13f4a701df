//! Pure types and rules: ids, money, token usage, records, accounting rules. No IO, no
//! async, no UI and no SQL live here, so everything is testable with plain values.

pub mod agent;
pub mod alert_observations;
pub mod alert_rules;
pub mod alerts;
pub mod attribution;
pub mod blocks;
pub mod bounds;
pub mod budget;
pub mod cost;
pub mod counter;
pub mod coverage;
pub mod dedupe;
pub mod forecast;
pub mod identity;
pub mod money;
pub mod outcome_event;
pub mod period;
pub mod reconcile;
pub mod records;
pub mod request_key;
pub mod session_state;
pub mod span;
pub mod tokens;
pub mod usage;
pub mod vendor_day;

pub use agent::Agent;
pub use cost::{Cost, CostSource};
pub use money::Money;
pub use records::{
    CounterRecord, DedupePolicy, EventKind, EventRecord, ProjectRecord, RequestRecord,
    SessionRecord, UnixMillis,
};
pub use request_key::{KeyKind, RequestKey};
pub use usage::TokenUsage;
