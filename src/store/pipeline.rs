//! The one write pipeline for sessions, requests, events, counters and metric points, run by
//! both backends: this driver decides (owners, sessions, the request plan, counter
//! increments) and a [`RowBackend`] only executes statements inside the batch's transaction.
//! SQLite's writer thread and PostgreSQL's connections implement it.

use super::batch::{DeveloperRow, WriteBatch, WriteOutcome};
use super::plan::{Probe, RequestPlan, StoredRequest, plan_requests};
use super::row::RowError;
use crate::domain::counter::SeriesState;
use crate::domain::{Agent, CounterRecord, EventRecord, SessionRecord};
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;
use std::future::Future;

/// Topics whose change counters a batch bumps.
pub type Topics = BTreeSet<&'static str>;

/// (developer, agent, session id): a session's identity.
pub type SessionId<'a> = (&'a str, Agent, &'a str);

/// What a backend executes inside one transaction. No rule lives here: which rows win,
/// which owner a row has and which deltas follow are decided by [`apply_rows`].
#[allow(async_fn_in_trait)] // called with concrete backends only
pub trait RowBackend {
    type Error: From<RowError>;
    /// Holds these owner locks until the transaction ends (several writers); a single
    /// writer needs none.
    async fn lock(&mut self, keys: &[i64]) -> Result<(), Self::Error>;
    /// Upserts distinct sessions (earliest start, latest activity, first project/branch,
    /// latest title); returns their ids in order.
    async fn upsert_sessions(
        &mut self,
        sessions: &[SessionRecord],
    ) -> Result<Vec<i64>, Self::Error>;
    /// Every stored request matching one of the probe's owner-scoped identities.
    async fn stored_requests(&mut self, probe: &Probe) -> Result<Vec<StoredRequest>, Self::Error>;
    /// Deletes, inserts, and adds the rollup and session-total deltas.
    async fn apply_plan(&mut self, plan: &RequestPlan<'_>) -> Result<(), Self::Error>;
    /// Inserts events (a key already in the session is kept); returns how many were new.
    async fn insert_events(&mut self, events: &[(i64, &EventRecord)]) -> Result<u64, Self::Error>;
    async fn series(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<std::collections::HashMap<(String, String), SeriesState>, Self::Error>;
    async fn store_series(
        &mut self,
        rows: &[((String, String), SeriesState)],
    ) -> Result<(), Self::Error>;
    /// Inserts counter increments (a key already stored for the owner is kept).
    async fn insert_counters(&mut self, counters: &[CounterRecord]) -> Result<u64, Self::Error>;
    /// Inserts developers not yet known; known ones are left exactly as they are.
    async fn insert_seen_developers(&mut self, rows: &[DeveloperRow]) -> Result<(), Self::Error>;
}

/// The owner of each (agent, session id) the batch's session records name, when exactly one
/// owner does: what ownerless rows (file parsers' events, rewinds) belong to.
fn owners_of(sessions: &[SessionRecord]) -> HashMap<(Agent, &str), Option<&str>> {
    let mut owners: HashMap<(Agent, &str), Option<&str>> = HashMap::new();
    for s in sessions {
        owners
            .entry((s.agent, s.session_key.as_str()))
            .and_modify(|o| {
                if *o != Some(s.developer.as_str()) {
                    *o = None;
                }
            })
            .or_insert(Some(s.developer.as_str()));
    }
    owners
}

/// A stable 64-bit hash (FNV-1a) of an identity, for lock keys shared by every writer.
pub fn lock_key(parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h as i64
}

/// The sessions a batch upserts: its own records (coalesced), then a minimal one (source
/// `unknown`) for each session its requests, events and metric points name without a
/// record, spanning their times. Sorted by identity (one lock order for every writer).
fn sessions_of<'a>(
    batch: &'a WriteBatch,
    events: &[(&'a str, &'a EventRecord)],
) -> Vec<SessionRecord> {
    let mut sessions = SessionRecord::coalesce(&batch.sessions);
    let explicit: HashSet<SessionId<'_>> = batch
        .sessions
        .iter()
        .map(|s| (s.developer.as_str(), s.agent, s.session_key.as_str()))
        .collect();
    type Span<'a> = (i64, i64, Option<&'a str>);
    fn imply<'a>(
        implied: &mut HashMap<SessionId<'a>, Span<'a>>,
        explicit: &HashSet<SessionId<'a>>,
        id: SessionId<'a>,
        ts: i64,
        project: Option<&'a str>,
    ) {
        if explicit.contains(&id) {
            return;
        }
        let e = implied.entry(id).or_insert((ts, ts, None));
        e.0 = e.0.min(ts);
        e.1 = e.1.max(ts);
        if e.2.is_none() {
            e.2 = project;
        }
    }
    let mut implied: HashMap<SessionId<'_>, Span<'_>> = HashMap::new();
    for r in &batch.requests {
        let id = (r.developer.as_str(), r.agent, r.session_key.as_str());
        imply(&mut implied, &explicit, id, r.ts, r.project_id.as_deref());
    }
    for (owner, e) in events {
        let id = (*owner, e.agent, e.session_key.as_str());
        imply(&mut implied, &explicit, id, e.ts, None);
    }
    for p in &batch.metric_points {
        let id = (p.developer.as_str(), p.agent, p.session_key.as_str());
        imply(&mut implied, &explicit, id, p.ts, None);
    }
    sessions.extend(implied.into_iter().map(
        |((developer, agent, key), (start, last, project))| SessionRecord {
            agent,
            session_key: key.to_string(),
            source: "unknown".into(),
            developer: developer.to_string(),
            project_id: project.map(str::to_string),
            branch: None,
            started_at: start,
            last_activity_at: last,
            title: None,
        },
    ));
    sessions.sort_by(|a, c| {
        (&a.developer, a.agent, &a.session_key).cmp(&(&c.developer, c.agent, &c.session_key))
    });
    sessions
}

/// Stores the batch's sessions, requests, events, counters and metric points.
pub async fn apply_rows<B: RowBackend>(
    b: &mut B,
    batch: &WriteBatch,
) -> Result<(WriteOutcome, Topics), B::Error> {
    let mut out = WriteOutcome::default();
    let mut topics = Topics::new();
    let owners = owners_of(&batch.sessions);
    let owner_of = |agent: Agent, key: &str| owners.get(&(agent, key)).copied().flatten();

    // Owners of ownerless events; an event no session record vouches for is refused.
    let mut events: Vec<(&str, &EventRecord)> = Vec::with_capacity(batch.events.len());
    for e in &batch.events {
        let owner = if e.developer.is_empty() {
            owner_of(e.agent, &e.session_key)
        } else {
            Some(e.developer.as_str())
        };
        match owner {
            Some(o) => events.push((o, e)),
            None => {
                tracing::warn!(
                    "event {} names session {} without an owner: not stored",
                    e.dedupe_key,
                    e.session_key
                );
                out.rows_refused += 1;
            }
        }
    }

    // Every row this batch reads or writes belongs to one of its owners, and rows of one
    // owner are only ever compared with each other: a lock per owner (taken in one order)
    // isolates concurrent writers completely, and writers of different owners never wait.
    let probe = Probe::of(&batch.requests);
    let series_keys: Vec<(String, String)> = {
        let mut k: Vec<_> = batch
            .metric_points
            .iter()
            .map(|p| (p.developer.clone(), p.series.clone()))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    let mut locks: Vec<i64> = batch
        .owners()
        .into_iter()
        .chain(events.iter().map(|(o, _)| *o))
        .map(|owner| lock_key(&["owner", owner]))
        .collect();
    locks.sort_unstable();
    locks.dedup();
    if !locks.is_empty() {
        b.lock(&locks).await?;
    }

    // Sessions: the batch's records, plus one for every row whose session has none in the
    // batch (spanning that row's time).
    let sessions = sessions_of(batch, &events);
    let mut ids: HashMap<SessionId<'_>, i64> = HashMap::with_capacity(sessions.len());
    if !sessions.is_empty() {
        let got = b.upsert_sessions(&sessions).await?;
        for (s, id) in sessions.iter().zip(got) {
            ids.insert((&s.developer, s.agent, &s.session_key), id);
        }
        out.sessions_touched += sessions.len() as u64;
        topics.insert("sessions");
    }
    let sid = |d: &str, a: Agent, k: &str| ids.get(&(d, a, k)).copied();

    // Requests: the plan decides, the backend executes.
    let incoming: Vec<(i64, &crate::domain::RequestRecord)> = batch
        .requests
        .iter()
        .filter_map(|r| sid(&r.developer, r.agent, &r.session_key).map(|id| (id, r)))
        .collect();
    let stored = if probe.is_empty() {
        Vec::new()
    } else {
        b.stored_requests(&probe).await?
    };
    let plan = plan_requests(&incoming, &stored);
    if !incoming.is_empty() || !plan.remove.is_empty() {
        topics.insert("requests");
    }
    b.apply_plan(&plan).await?;
    out += plan.outcome;

    // Metric points: increments against the stored series, then counters and marks.
    let mut derived_events: Vec<EventRecord> = Vec::new();
    let mut counters: Vec<CounterRecord> = batch.counters.clone();
    if !batch.metric_points.is_empty() {
        let mut state = b.series(&series_keys).await?;
        let mut changed: HashMap<(String, String), SeriesState> = HashMap::new();
        for p in &batch.metric_points {
            let key = (p.developer.clone(), p.series.clone());
            let (increment, now) = p.increment(state.get(&key).copied());
            if let Some(now) = now {
                state.insert(key.clone(), now);
                changed.insert(key, now);
            }
            if increment <= 0 {
                continue;
            }
            counters.push(CounterRecord {
                dedupe_key: p.counter_key(),
                ts: p.ts,
                developer: p.developer.clone(),
                agent: p.agent,
                session_key: p.session_key.clone(),
                metric: p.metric.clone(),
                value: increment,
            });
            if let Some(kind) = p.event {
                derived_events.push(EventRecord {
                    dedupe_key: p.counter_key(),
                    agent: p.agent,
                    session_key: p.session_key.clone(),
                    developer: p.developer.clone(),
                    ts: p.ts,
                    kind,
                    tool_name: None,
                    decision: None,
                    status_code: None,
                    duration_ms: None,
                    detail: Some(increment.to_string()),
                    ord: 0,
                });
            }
        }
        let mut changed: Vec<_> = changed.into_iter().collect();
        changed.sort_by(|a, c| a.0.cmp(&c.0));
        b.store_series(&changed).await?;
    }
    events.extend(derived_events.iter().map(|e| (e.developer.as_str(), e)));

    let mut located: Vec<(i64, &EventRecord)> = events
        .iter()
        .filter_map(|(o, e)| sid(o, e.agent, &e.session_key).map(|id| (id, *e)))
        .collect();
    located.sort_by(|a, c| (a.0, &a.1.dedupe_key).cmp(&(c.0, &c.1.dedupe_key)));
    if !located.is_empty() {
        out.events_added += b.insert_events(&located).await?;
        if out.events_added > 0 {
            topics.insert("events");
        }
    }
    if !counters.is_empty() {
        counters.sort_by(|a, c| (&a.developer, &a.dedupe_key).cmp(&(&c.developer, &c.dedupe_key)));
        out.counters_added += b.insert_counters(&counters).await?;
        topics.insert("counters");
    }
    if !batch.seen_developers.is_empty() {
        let mut seen = batch.seen_developers.clone();
        seen.sort_by(|a, c| a.id.cmp(&c.id));
        seen.dedup_by(|a, c| a.id == c.id);
        b.insert_seen_developers(&seen).await?;
        topics.insert("developers");
    }
    Ok((out, topics))
}

/// Runs a future that never waits (the SQLite backend's, whose statements are synchronous)
/// to completion on the calling thread.
pub fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}
