//! The plan on plain values: which rows win, and that no rule ever reaches another owner.

use super::*;
use crate::domain::{Cost, Money, RequestKey, TokenUsage};

fn req(owner: &str, key: &str, output: i64) -> RequestRecord {
    let dedupe_key = RequestKey::parse(key).unwrap();
    RequestRecord {
        agent: dedupe_key.agent(),
        dedupe_key,
        session_key: "s".into(),
        ts: 1_767_952_803_000,
        model: Some("m".into()),
        usage: TokenUsage {
            output,
            ..TokenUsage::default()
        },
        cost: Cost::computed(Money::from_micro_usd(output)),
        developer: owner.into(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    }
}

fn stored(id: i64, r: RequestRecord) -> StoredRequest {
    StoredRequest {
        id,
        session_id: 1,
        record: r,
    }
}

#[test]
fn a_telemetry_copy_loses_to_the_transcript_copy_of_its_owner_only() {
    let mine = stored(7, req("ana", "ccreq:req_1", 10));
    let transcript = req("ana", "cc:msg_1:req_1", 12);
    let plan = plan_requests(&[(1, &transcript)], std::slice::from_ref(&mine));
    assert_eq!(plan.remove, vec![7]);
    assert_eq!(plan.insert.len(), 1);

    let foreign = req("eve", "cc:msg_1:req_1", 12);
    let plan = plan_requests(&[(2, &foreign)], std::slice::from_ref(&mine));
    assert!(
        plan.remove.is_empty(),
        "eve's transcript never removes ana's row"
    );
    assert_eq!(plan.insert.len(), 1);
}

#[test]
fn a_foreign_last_wins_key_never_replaces_a_row() {
    let ana = stored(3, req("ana", "gm:s:m1", 10));
    let eve = req("eve", "gm:s:m1", 99);
    let plan = plan_requests(&[(2, &eve)], std::slice::from_ref(&ana));
    assert!(plan.remove.is_empty());
    assert_eq!(plan.outcome.requests_added, 1);
    let again = req("ana", "gm:s:m1", 11);
    let plan = plan_requests(&[(1, &again)], std::slice::from_ref(&ana));
    assert_eq!(plan.remove, vec![3], "the owner's own later record wins");
}

#[test]
fn copies_inside_a_batch_and_across_sources_count_once() {
    let t = req("ana", "ccreq:req_2", 5);
    let c = req("ana", "cc:msg_2:req_2", 6);
    let again = req("ana", "ccreq:req_2", 5);
    let plan = plan_requests(&[(1, &t), (1, &c), (1, &again)], &[]);
    assert_eq!(plan.insert.len(), 1);
    assert_eq!(plan.insert[0].1.dedupe_key, "cc:msg_2:req_2");
    let totals: i64 = plan.deltas.quarter().iter().map(|(_, t)| t.requests).sum();
    assert_eq!(
        totals, 1,
        "the cancelled telemetry copy leaves no rollup behind"
    );
}

#[test]
fn a_sidechain_replay_loses_to_its_parent() {
    let mut parent = req("ana", "cc:msg_9:req_a", 10);
    parent.message_id = Some("msg_9".into());
    let mut replay = req("ana", "cc:msg_9:req_b", 50);
    replay.message_id = Some("msg_9".into());
    replay.sidechain = true;
    let kept = [stored(4, parent.clone())];
    let plan = plan_requests(&[(1, &replay)], &kept);
    assert!(plan.insert.is_empty());
    assert_eq!(plan.outcome.requests_duplicate, 1);
    let kept = [stored(5, replay)];
    let plan = plan_requests(&[(1, &parent)], &kept);
    assert_eq!(plan.remove, vec![5]);
    assert_eq!(plan.outcome.requests_replaced, 1);
}

/// A probe lists each identity once, sorted by (owner, value), whether the batch holds one
/// owner (sorted by value alone) or several.
#[test]
fn a_probe_is_sorted_by_owner_then_value_and_deduplicated() {
    fn expect<'a>(mut list: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
        list.sort();
        list.dedup();
        list
    }
    let keys = [
        "ccreq:req_b",
        "ccreq:req_a",
        "ccreq:req_c",
        "ccreq:req_b",
        "cc:msg_2:req_d",
        "cc:msg_9:req_a",
    ];
    let owners_sets: [&[&str]; 2] = [&["dev@x"], &["b@x", "a@x", "c@x"]];
    for owners in owners_sets {
        let rows: Vec<RequestRecord> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut r = req(owners[i % owners.len()], k, 1);
                r.message_id = Some(format!("msg_{}", i % 3));
                r
            })
            .collect();
        let probe = Probe::of(&rows);
        let all_keys = rows
            .iter()
            .map(|r| (r.developer.as_str(), r.dedupe_key.as_str()))
            .collect();
        assert_eq!(probe.keys, expect(all_keys), "{owners:?}");
        let messages = rows
            .iter()
            .map(|r| (r.developer.as_str(), r.message_id.as_deref().unwrap()))
            .collect();
        assert_eq!(probe.message_ids, expect(messages), "{owners:?}");
        let cross = rows
            .iter()
            .filter_map(|r| Some((r.developer.as_str(), r.dedupe_key.cross_source_id()?)))
            .collect::<Vec<_>>();
        assert!(!cross.is_empty());
        assert_eq!(probe.cross_ids, expect(cross), "{owners:?}");
        let copies: Vec<(&str, String)> = probe
            .telemetry_keys
            .iter()
            .map(|(o, k)| (*o, k.as_str().to_owned()))
            .collect();
        let mut sorted = copies.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(copies, sorted, "{owners:?}");
    }
}
