//! Row operations on the outcome, vendor-usage and alert tables (commits, pull requests,
//! deploys, incidents, daily vendor usage, alerts), applied inside a write batch.

use rusqlite::Transaction;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {}

/// Applies `ops` in order; returns the topics they touched.
pub(super) fn apply_ops(
    _tx: &Transaction<'_>,
    ops: &[Op],
) -> rusqlite::Result<BTreeSet<&'static str>> {
    let topics = BTreeSet::new();
    if let Some(op) = ops.first() {
        match *op {}
    }
    Ok(topics)
}
