//! Small helpers every agent parser uses to build rows: event skeletons, ordinals from
//! byte offsets, and remembering strings without allocating on every line.

use crate::collect::parse::LineLoc;
use crate::domain::{Agent, EventKind, EventRecord};

/// A metadata-only event with everything optional left empty.
pub fn event(
    agent: Agent,
    session: &str,
    key: String,
    ts: i64,
    kind: EventKind,
    ord: i64,
) -> EventRecord {
    EventRecord {
        dedupe_key: key,
        agent,
        session_key: session.to_owned(),
        // The owner is the developer of the batch's record for this session (see store::pipeline).
        developer: String::new(),
        ts,
        kind,
        tool_name: None,
        decision: None,
        status_code: None,
        duration_ms: None,
        detail: None,
        ord,
    }
}

/// A line's byte offset as the row ordinal (Gemini rewinds compare these).
pub fn ord(loc: LineLoc) -> i64 {
    i64::try_from(loc.offset).unwrap_or(i64::MAX)
}

/// Updates a remembered string only when it changed (no allocation per line otherwise).
pub fn remember(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(v) = value
        && slot.as_deref() != Some(v)
    {
        *slot = Some(v.to_owned());
    }
}

/// Builder helper so optional fields are set right where a row is made.
pub trait With: Sized {
    fn with(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

impl With for EventRecord {}
