//! Gemini CLI spend is never removed (docs/accounting.md#gemini-cli), end to end: a
//! realistic `~/.gemini/tmp` tree (`pricing_gemini_tree`: JSONL chats with `$set` updates,
//! a subagent chat, legacy `.json` documents) goes through the real `agentdeck ingest` and
//! `report daily`; then a checkpoint that drops replies, a cancelled turn rolled back, a
//! rewind, the compression of an earlier day's session and a legacy migration arrive in
//! later passes. Per-day totals equal the hand-computed oracle after every step.

use crate::pricing_gemini_tree::*;
use serde_json::json;

#[test]
fn spend_is_never_removed_and_past_days_never_change() {
    let t = build();
    // Day 2: input 10,000 + 5,000 + 10,000; read 30,000 + 40,000 + 10,000; output 600 +
    // 800 + 300; cost 22,250 + 19,250 + 16,750.
    let mut day2 = day("2026-03-03", 25_000, 80_000, 1_700, 58_250);
    assert_eq!(t.days(), vec![day1(), day2.clone()], "first pass");

    // (a) Compression checkpoint in S2: the list keeps a summary and g4; g3 was billed.
    append_lines(
        &t.s2(),
        &[set(
            json!({"messages": [summary("c1", "2026-03-03T10:20:00.000Z"), g4()],
                     "lastUpdated": "2026-03-03T10:20:00.000Z"}),
        )],
    );
    assert_eq!(t.days(), vec![day1(), day2.clone()], "after a checkpoint");

    // (b) A turn answered, then cancelled and rolled back by a checkpoint without it.
    // g5: in 5,000, read 45,000, out 120 → 6,250 + 5,625 + 1,200 = 13,075.
    let g5 = reply(
        "g5",
        "2026-03-03T10:31:00.000Z",
        PRO,
        Some([50_000, 45_000, 120, 0, 0]),
    );
    append_lines(
        &t.s2(),
        &[
            user("u5", "2026-03-03T10:30:00.000Z", "refactor everything"),
            g5,
        ],
    );
    day2 = day("2026-03-03", 30_000, 125_000, 1_820, 71_325);
    assert_eq!(t.days(), vec![day1(), day2.clone()], "a reply answered");
    append_lines(
        &t.s2(),
        &[set(
            json!({"messages": [summary("c1", "2026-03-03T10:20:00.000Z"), g4()]}),
        )],
    );
    assert_eq!(t.days(), vec![day1(), day2.clone()], "after a rollback");

    // (c) A rewind to g4, then a new reply g6: in 6,000, read 40,000, out 90 →
    // 7,500 + 5,000 + 900 = 13,400. g4 and g5 stay counted.
    append_lines(
        &t.s2(),
        &[
            json!({"$rewindTo": "g4"}),
            user("u6", "2026-03-03T10:40:00.000Z", "retry, smaller"),
            reply(
                "g6",
                "2026-03-03T10:40:30.000Z",
                PRO,
                Some([46_000, 40_000, 90, 0, 0]),
            ),
        ],
    );
    day2 = day("2026-03-03", 36_000, 165_000, 1_910, 84_725);
    assert_eq!(t.days(), vec![day1(), day2.clone()], "after a rewind");

    // (d) Day 3: the day-1 session S1 is resumed and compressed, then answers g7:
    // in 10,000, read 50,000, out 400 → 12,500 + 6,250 + 4,000 = 22,750. Day 1 stays.
    append_lines(
        &t.s1(),
        &[
            set(
                json!({"messages": [summary("c2", "2026-03-04T08:00:00.000Z"), g2b()],
                         "lastUpdated": "2026-03-04T08:00:00.000Z"}),
            ),
            user("u7", "2026-03-04T08:01:00.000Z", "continue"),
            reply(
                "g7",
                "2026-03-04T08:01:30.000Z",
                PRO,
                Some([60_000, 50_000, 400, 0, 0]),
            ),
        ],
    );
    let day3 = day("2026-03-04", 10_000, 50_000, 400, 22_750);
    assert_eq!(
        t.days(),
        vec![day1(), day2.clone(), day3.clone()],
        "after compressing an earlier day's session"
    );

    // (e) Legacy: L2 is migrated to JSONL on resume (same session and message ids), and
    // L1's document is rewritten shorter by an old CLI compressing it. Nothing moves.
    write_lines(
        &t.l2().with_extension("jsonl"),
        &[
            meta(L2, "2026-03-03T16:30:00.000Z", "main"),
            user("lu2", "2026-03-03T16:30:05.000Z", "what changed?"),
            l2a(),
            set(json!({"sessionId": L2})),
        ],
    );
    legacy(
        &t.l1(),
        L1,
        "2026-03-02T14:00:00.000Z",
        &[summary("lc", "2026-03-05T09:00:00.000Z"), l1b()],
    );
    assert_eq!(
        t.days(),
        vec![day1(), day2, day3],
        "after a legacy migration and a legacy compression"
    );
    // Stable across a pass that reads nothing new.
    let again = t.days();
    assert_eq!(again.len(), 3);
}

#[test]
fn replay_gets_a_rewind_marker_and_the_rewound_replies_stay() {
    let t = build();
    append_lines(
        &t.s2(),
        &[
            json!({"$rewindTo": "u4"}),
            user("u8", "2026-03-03T11:00:00.000Z", "no, do it differently"),
        ],
    );
    t.days();
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    let (kind, detail): (String, String) = conn
        .query_row(
            "SELECT kind, detail FROM events WHERE kind = 'rewind'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "rewind");
    let from: i64 = detail
        .strip_prefix("rewound_from_ord=")
        .unwrap()
        .parse()
        .unwrap();
    // g4 sits after u4: it is inside the rewound range and still stored.
    let g4_ord: i64 = conn
        .query_row(
            "SELECT ord FROM requests WHERE dedupe_key LIKE '%:g4'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(g4_ord >= from, "{g4_ord} >= {from}");
}

#[test]
fn a_store_from_before_gets_back_the_replies_older_rules_removed() {
    let t = build();
    let day2 = day("2026-03-03", 25_000, 80_000, 1_700, 58_250);
    assert_eq!(t.days(), vec![day1(), day2.clone()]);
    // What an older agentdeck left after a checkpoint dropped g3 (schema version 5).
    let conn = rusqlite::Connection::open(&t.db).unwrap();
    conn.execute("DELETE FROM requests WHERE dedupe_key LIKE '%:g3'", [])
        .unwrap();
    drop(conn);
    let store = agentdeck::store::Store::open(&t.db).unwrap();
    store
        .writer()
        .maintain_blocking(agentdeck::store::Maintenance::RebuildAggregates)
        .unwrap();
    drop(store);
    crate::common::downgrade::to_version(&t.db, 6);
    // Upgrading reads the Gemini chats again from the start: g3 is back, nothing doubles.
    assert_eq!(t.days(), vec![day1(), day2]);
}
