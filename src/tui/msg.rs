//! What flows into `update` (messages: keys, mouse, store changes, query results) and out of
//! it (effects: run a query, write an acknowledgement, quit). Plain data, no IO.

use super::state::{CostGroup, Period, ScreenKind};
use super::views::Model;
use super::views::status::StatusModel;
use crate::store::ChangeCounters;
use crossterm::event::{KeyEvent, MouseEvent};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The store committed a batch; the latest counters.
    StoreChanged(ChangeCounters),
    /// A view query finished.
    Loaded {
        generation: u64,
        result: Result<Box<Model>, String>,
    },
    StatusLoaded(StatusModel),
    /// A write (acknowledge, snooze) finished: a message for the user.
    WriteDone(Result<String, String>),
    /// Slow timer (ages and data age move even when nothing is written).
    Tick,
    /// SIGTERM / SIGHUP / SIGINT.
    Terminate,
}

/// Which rows a view query reads, with everything that shapes the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRequest {
    pub screen: ScreenKind,
    pub period: Period,
    pub group: CostGroup,
    /// Costs shows billed amounts (`b`).
    pub billed: bool,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Query {
        generation: u64,
        request: QueryRequest,
    },
    QueryStatus {
        now_ms: i64,
    },
    AckAlert {
        id: i64,
        note: String,
        at_ms: i64,
    },
    SnoozeAlert {
        id: i64,
        until_ms: i64,
        /// How long, as the user gave it (`1h`, `4h`), for the confirmation.
        span: String,
    },
    ResolveAlert {
        id: i64,
        at_ms: i64,
    },
    /// Write the current table to a file (CSV, or JSON for `*.json`).
    Export {
        path: std::path::PathBuf,
        /// Replace an existing file (`:export! FILE`).
        replace: bool,
        table: super::export::ExportTable,
    },
    Quit,
}
