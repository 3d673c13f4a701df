//! Where each polled stream stands, stored in `cursors` (source = the API, path = the
//! stream) and written in the same batch as the rows it covers: the last complete day, and
//! the page token of an unfinished pass over a range. Also the day ranges a pass reads and
//! the guard that stops a pagination whose cursor never advances.

use crate::collect::http::FetchError;
use crate::store::{FileCursor, Store, StoreError};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Days this close to today are re-read every pass: vendors restate recent days.
pub const UNSETTLED_DAYS: i64 = 2;
/// A pass reads at most this many pages of one endpoint.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamState {
    /// Every day up to and including this one is stored and final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_through: Option<NaiveDate>,
    /// An unfinished pass: its range start and the next page to ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub from: NaiveDate,
    pub page: String,
}

/// One stream of one source (`anthropic_admin` / `usage_report/messages`).
#[derive(Debug, Clone)]
pub struct Stream {
    pub source: &'static str,
    pub name: &'static str,
    pub state: StreamState,
}

impl Stream {
    pub fn load(
        store: &Store,
        source: &'static str,
        name: &'static str,
    ) -> Result<Stream, StoreError> {
        let state = store
            .reader()?
            .file_cursors(source)?
            .remove(name)
            .and_then(|c| c.state)
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        Ok(Stream {
            source,
            name,
            state,
        })
    }

    /// The days to read this pass: from the day after the last complete one (or
    /// `backfill_days` ago) through today, never starting later than the unsettled days.
    pub fn range(&self, today: NaiveDate, backfill_days: u32) -> (NaiveDate, NaiveDate) {
        let earliest = today - Duration::days(i64::from(backfill_days.max(1)));
        let unsettled = today - Duration::days(UNSETTLED_DAYS);
        let from = match self.state.complete_through {
            Some(d) => (d + Duration::days(1)).min(unsettled).max(earliest),
            None => earliest,
        };
        (from, today)
    }

    /// The cursor row that records `state` (written with the rows it covers).
    pub fn cursor(&self, state: &StreamState, now_ms: i64) -> FileCursor {
        FileCursor {
            source: self.source.to_string(),
            path: self.name.to_string(),
            mtime_ns: now_ms,
            state: serde_json::to_string(state).ok(),
            ..FileCursor::default()
        }
    }
}

/// The last day that is final once a pass through `today` is done.
pub fn settled_through(today: NaiveDate) -> NaiveDate {
    today - Duration::days(UNSETTLED_DAYS)
}

/// Follows page tokens; fails when a token comes back a second time (a server that
/// never advances) or after too many pages.
#[derive(Debug)]
pub struct PageGuard {
    endpoint: String,
    seen: HashSet<String>,
    pages: usize,
}

impl PageGuard {
    pub fn new(endpoint: &str) -> PageGuard {
        PageGuard {
            endpoint: endpoint.to_string(),
            seen: HashSet::new(),
            pages: 0,
        }
    }

    /// Accepts the next token (or stops at `None`); errors on a repeat or at the page cap.
    pub fn next(&mut self, token: Option<&str>) -> Result<Option<String>, FetchError> {
        self.pages += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if !self.seen.insert(token.to_string()) {
            return Err(FetchError::CursorLoop {
                endpoint: self.endpoint.clone(),
                cursor: token.chars().take(64).collect(),
            });
        }
        if self.pages >= MAX_PAGES {
            return Err(FetchError::PageCap {
                endpoint: self.endpoint.clone(),
                pages: self.pages,
            });
        }
        Ok(Some(token.to_string()))
    }

    pub fn pages(&self) -> i64 {
        self.pages as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_start_after_the_last_complete_day_but_reread_unsettled_days() {
        let mut s = Stream {
            source: "x",
            name: "y",
            state: StreamState::default(),
        };
        let today = day("2026-03-10");
        assert_eq!(s.range(today, 30), (day("2026-02-08"), today));
        s.state.complete_through = Some(day("2026-03-01"));
        assert_eq!(s.range(today, 30), (day("2026-03-02"), today));
        s.state.complete_through = Some(day("2026-03-09"));
        assert_eq!(s.range(today, 30).0, day("2026-03-08"));
    }

    #[test]
    fn a_repeated_page_token_stops_the_pass() {
        let mut g = PageGuard::new("/v1/x");
        assert_eq!(g.next(Some("a")).unwrap().as_deref(), Some("a"));
        assert_eq!(g.next(Some("b")).unwrap().as_deref(), Some("b"));
        let err = g.next(Some("a")).unwrap_err();
        assert!(err.to_string().contains("came back again"), "{err}");
        assert_eq!(g.next(None).unwrap(), None);
    }

    /// A listing that never ends stops at the cap with an error saying so, not one about a
    /// cursor coming back (every token here is new).
    #[test]
    fn the_page_cap_is_named_as_such() {
        let mut g = PageGuard::new("/v1/x");
        for i in 1..MAX_PAGES {
            assert!(g.next(Some(&format!("t{i}"))).is_ok(), "page {i}");
        }
        let err = g.next(Some("one-more")).unwrap_err().to_string();
        assert_eq!(
            err,
            "/v1/x: reached the cap of 10000 pages per pass with more to come; the pages before are kept"
        );
        assert!(!err.contains("came back"), "{err}");
    }
}
