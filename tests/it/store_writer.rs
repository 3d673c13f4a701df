//! The single writer commits queued batches together, but a bad batch fails alone: the
//! others in its group still commit, and the bad one gets its own, typed error.

use crate::common::session_batch as session;
use agentdeck::store::ops::{OpError, op_rejection};
use agentdeck::store::{Store, WriteBatch};

#[test]
fn a_bad_batch_in_a_group_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let bad = WriteBatch {
        ops: vec![crate::common::refused_op()],
        ..WriteBatch::default()
    };
    let writer = store.writer();
    let tickets: Vec<_> = (0..20)
        .map(|i| {
            writer
                .submit(if i == 10 {
                    bad.clone()
                } else {
                    session(&format!("s{i}"))
                })
                .unwrap()
        })
        .collect();
    let results: Vec<_> = tickets.into_iter().map(|t| t.wait()).collect();
    for (i, r) in results.iter().enumerate() {
        if i == 10 {
            let err = r.as_ref().unwrap_err();
            assert_eq!(op_rejection(err), Some(&OpError::UnknownAlert(7)));
        } else {
            assert_eq!(r.as_ref().unwrap().sessions_touched, 1, "batch {i}");
        }
    }
    let counters = store.reader().unwrap().change_counters().unwrap();
    assert!(counters["sessions"] >= 1);
}
