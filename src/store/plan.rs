//! The one decision of what a batch of requests does to the store, made in memory for both
//! backends: given the incoming rows and the stored copies they can meet, which stored rows
//! are removed, which rows are inserted, and which rollup and session-total deltas follow.
//! Rows meet only rows of the same owner (developer): the same key, the same cross-source
//! id or the same Claude message id under another owner is another request.

use super::batch::WriteOutcome;
use super::rollup::Deltas;
use crate::domain::dedupe::{Resolution, is_replay_pair, resolve_replay, resolve_same_key};
use crate::domain::{RequestKey, RequestRecord};
// foldhash: these maps live for one batch on the writer thread, keyed by ids from the
// batch itself; SipHash was 4-5 % of a cold ingest's writer (docs/perf.md).
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// A stored request, as the plan compares it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    pub id: i64,
    pub session_id: i64,
    pub record: RequestRecord,
}

/// The owner-scoped identities the plan needs the stored copies of: same key, same
/// cross-source request id, same Claude message id. Backends read every stored row that
/// matches one of them (and, with several writers, lock them first).
///
/// `cross_ids` holds every row's cross-source id. A backend may instead split it by side:
/// a transcript row can only meet a telemetry copy, whose key follows from the id
/// (`telemetry_keys`), and a telemetry row can only meet transcript copies
/// (`transcript_cross_ids`); so only transcript rows need to be found by request id.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Probe<'a> {
    pub keys: Vec<(&'a str, &'a str)>,
    pub cross_ids: Vec<(&'a str, &'a str)>,
    pub message_ids: Vec<(&'a str, &'a str)>,
    /// (owner, key of the telemetry copy) for each transcript row with a cross-source id.
    pub telemetry_keys: Vec<(&'a str, RequestKey)>,
    /// (owner, cross-source id) of each telemetry row: where its transcript copies are.
    pub transcript_cross_ids: Vec<(&'a str, &'a str)>,
}

impl<'a> Probe<'a> {
    pub fn of(requests: impl IntoIterator<Item = &'a RequestRecord>) -> Probe<'a> {
        let mut p = Probe::default();
        for r in requests {
            let owner = r.developer.as_str();
            p.keys.push((owner, r.dedupe_key.as_str()));
            if let Some(id) = r.dedupe_key.cross_source_id() {
                p.cross_ids.push((owner, id));
                if r.dedupe_key.is_telemetry() {
                    p.transcript_cross_ids.push((owner, id));
                }
            }
            if let Some(copy) = r.dedupe_key.telemetry_copy() {
                p.telemetry_keys.push((owner, copy));
            }
            if let Some(m) = &r.message_id {
                p.message_ids.push((owner, m.as_str()));
            }
        }
        // Sorted by (owner, value). A batch nearly always holds one owner; then the values
        // alone are compared, which gives the same order without comparing the owner's
        // e-mail again at every step of the sort (5-8 % of a cold pass's writer).
        let one_owner = p.keys.windows(2).all(|w| w[0].0 == w[1].0);
        for list in [
            &mut p.keys,
            &mut p.cross_ids,
            &mut p.message_ids,
            &mut p.transcript_cross_ids,
        ] {
            if one_owner {
                list.sort_unstable_by(|a, b| a.1.cmp(b.1));
            } else {
                list.sort_unstable();
            }
            list.dedup();
        }
        if one_owner {
            p.telemetry_keys
                .sort_unstable_by(|a, b| a.1.as_str().cmp(b.1.as_str()));
        } else {
            p.telemetry_keys
                .sort_unstable_by(|a, b| (a.0, a.1.as_str()).cmp(&(b.0, b.1.as_str())));
        }
        p.telemetry_keys.dedup();
        p
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What the backend must execute.
#[derive(Debug, Default)]
pub struct RequestPlan<'a> {
    /// Stored rows to delete (ids).
    pub remove: Vec<i64>,
    /// Rows to insert, with their session ids.
    pub insert: Vec<(i64, &'a RequestRecord)>,
    pub deltas: Deltas,
    pub outcome: WriteOutcome,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Slot {
    Stored(usize),
    New(usize),
}

type Index<'a> = HashMap<(&'a str, &'a str), Vec<Slot>>;

/// Live rows (stored, or planned by this batch) indexed by owner-scoped identity.
#[derive(Default)]
struct Live<'a> {
    stored: &'a [StoredRequest],
    new: Vec<Option<(i64, &'a RequestRecord)>>,
    removed: Vec<bool>,
    by_key: HashMap<(&'a str, &'a str), Slot>,
    by_cross: Index<'a>,
    by_message: Index<'a>,
}

impl<'a> Live<'a> {
    fn record(&self, slot: Slot) -> Option<&'a RequestRecord> {
        match slot {
            Slot::Stored(i) => (!self.removed[i]).then(|| &self.stored[i].record),
            Slot::New(i) => self.new[i].map(|(_, r)| r),
        }
    }

    fn index(&mut self, slot: Slot, r: &'a RequestRecord) {
        let owner = r.developer.as_str();
        self.by_key.insert((owner, r.dedupe_key.as_str()), slot);
        if let Some(id) = r.dedupe_key.cross_source_id() {
            self.by_cross.entry((owner, id)).or_default().push(slot);
        }
        if let Some(m) = &r.message_id {
            self.by_message.entry((owner, m)).or_default().push(slot);
        }
    }

    fn slots(index: &Index<'a>, owner: &'a str, id: &'a str) -> Vec<Slot> {
        index.get(&(owner, id)).cloned().unwrap_or_default()
    }
}

/// Decides every incoming row in order, against the stored copies and the rows decided
/// before it.
pub fn plan_requests<'a>(
    incoming: &[(i64, &'a RequestRecord)],
    stored: &'a [StoredRequest],
) -> RequestPlan<'a> {
    let mut plan = RequestPlan::default();
    let mut live = Live {
        stored,
        removed: vec![false; stored.len()],
        ..Live::default()
    };
    let mut indexed = HashSet::new();
    for (i, s) in stored.iter().enumerate() {
        if !live.removed[i] && indexed.insert(s.id) {
            live.index(Slot::Stored(i), &s.record);
        }
    }
    for (sid, r) in coalesce(incoming) {
        decide(&mut plan, &mut live, sid, r);
    }
    plan.insert = live.new.into_iter().flatten().collect();
    plan
}

/// Copies of one key inside the batch are resolved first, so each key is decided once.
fn coalesce<'a>(records: &[(i64, &'a RequestRecord)]) -> Vec<(i64, &'a RequestRecord)> {
    let mut kept: Vec<(i64, &RequestRecord)> = Vec::with_capacity(records.len());
    let mut index: HashMap<(&str, &str), usize> = HashMap::with_capacity(records.len());
    for &(sid, r) in records {
        match index.get(&(r.developer.as_str(), r.dedupe_key.as_str())) {
            Some(&i) => {
                if resolve_same_key(kept[i].1, r) == Resolution::Replace {
                    kept[i] = (sid, r);
                }
            }
            None => {
                index.insert((&r.developer, &r.dedupe_key), kept.len());
                kept.push((sid, r));
            }
        }
    }
    kept
}

fn remove(plan: &mut RequestPlan<'_>, live: &mut Live<'_>, slot: Slot) {
    match slot {
        Slot::Stored(i) if !live.removed[i] => {
            live.removed[i] = true;
            let s = &live.stored[i];
            plan.remove.push(s.id);
            plan.deltas.remove(s.session_id, &s.record);
        }
        Slot::New(i) => {
            if let Some((sid, r)) = live.new[i].take() {
                plan.deltas.remove(sid, r);
            }
        }
        Slot::Stored(_) => {}
    }
}

fn insert<'a>(plan: &mut RequestPlan<'a>, live: &mut Live<'a>, sid: i64, r: &'a RequestRecord) {
    let slot = Slot::New(live.new.len());
    live.new.push(Some((sid, r)));
    live.index(slot, r);
    plan.deltas.add(sid, r);
}

fn decide<'a>(plan: &mut RequestPlan<'a>, live: &mut Live<'a>, sid: i64, r: &'a RequestRecord) {
    let owner = r.developer.as_str();
    // 1. The same key: the key's policy decides.
    let same = live.by_key.get(&(owner, r.dedupe_key.as_str())).copied();
    if let Some(slot) = same
        && let Some(kept) = live.record(slot)
    {
        if resolve_same_key(kept, r) == Resolution::Replace {
            remove(plan, live, slot);
            insert(plan, live, sid, r);
            plan.outcome.requests_replaced += 1;
        } else {
            plan.outcome.requests_duplicate += 1;
        }
        return;
    }
    // 2. One request seen by a transcript and by telemetry: the transcript copy wins,
    //    whichever arrives first.
    if let Some(id) = r.dedupe_key.cross_source_id() {
        let copies: Vec<Slot> = Live::slots(&live.by_cross, owner, id)
            .into_iter()
            .filter(|s| {
                live.record(*s)
                    .is_some_and(|k| k.dedupe_key != r.dedupe_key)
            })
            .collect();
        if r.dedupe_key.is_telemetry() {
            if !copies.is_empty() {
                plan.outcome.requests_duplicate += 1;
                return;
            }
        } else {
            for slot in copies {
                if live
                    .record(slot)
                    .is_some_and(|k| k.dedupe_key.is_telemetry())
                {
                    remove(plan, live, slot);
                    plan.outcome.requests_removed += 1;
                }
            }
        }
    }
    // 3. Claude `/btw` replays: the same message id under another key, one side a sidechain.
    if let Some(message) = &r.message_id {
        let pairs: Vec<Slot> = Live::slots(&live.by_message, owner, message)
            .into_iter()
            .filter(|s| live.record(*s).is_some_and(|k| is_replay_pair(k, r)))
            .collect();
        if pairs.iter().any(|s| {
            live.record(*s)
                .is_some_and(|k| resolve_replay(k, r) == Resolution::Keep)
        }) {
            plan.outcome.requests_duplicate += 1;
            return;
        }
        for slot in &pairs {
            remove(plan, live, *slot);
        }
        insert(plan, live, sid, r);
        if pairs.is_empty() {
            plan.outcome.requests_added += 1;
        } else {
            plan.outcome.requests_replaced += 1;
        }
        return;
    }
    insert(plan, live, sid, r);
    plan.outcome.requests_added += 1;
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
