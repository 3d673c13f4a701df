//! One simulated agent session: it starts, then each `step` makes one model request (priced
//! with the real price table) with the timeline events around it (prompt at a turn's start,
//! tool decision and tool use, rate-limit or overload errors, compaction). Used by the
//! history generator and by the live simulator alike.

use super::agents::{self, Context};
use super::org::Developer;
use super::rng::Rng;
use crate::domain::{
    Agent, Cost, EventKind, EventRecord, KeyKind, RequestKey, RequestRecord, SessionRecord,
    TokenUsage, UnixMillis,
};
use crate::pricing::PriceTable;

#[derive(Debug, Clone)]
pub struct SimSession {
    pub agent: Agent,
    pub key: String,
    pub developer: String,
    pub project: String,
    pub branch: String,
    pub ticket: String,
    pub model: &'static str,
    pub started_at: UnixMillis,
    pub last_ts: UnixMillis,
    /// Requests still to make before the session ends.
    pub remaining: i64,
    ctx: Context,
    ord: i64,
    events: i64,
    turn_left: i64,
}

/// What one step produced.
pub struct Step {
    pub request: RequestRecord,
    pub events: Vec<EventRecord>,
    /// Timestamps of 429 errors in this step (for the rate-limit rule).
    pub rate_limited: Vec<UnixMillis>,
    /// True when the next step starts a new turn (a longer pause is natural).
    pub turn_ended: bool,
}

impl SimSession {
    /// A new session of `dev` with `agent` at `ts`; `key` must be unique.
    pub fn start(
        dev: &Developer,
        agent: Agent,
        project: String,
        ticket: String,
        ts: UnixMillis,
        key: String,
        rng: &mut Rng,
    ) -> SimSession {
        let kind = *rng
            .pick(&["feat", "feat", "fix", "chore", "refactor"])
            .unwrap_or(&"feat");
        let branch = if rng.chance(0.08) {
            "main".to_string()
        } else {
            format!("{kind}/{}", ticket.to_ascii_lowercase())
        };
        let habit = dev.habit;
        SimSession {
            agent,
            key,
            developer: dev.id.clone(),
            project,
            branch,
            ticket,
            model: agents::session_model(agent, dev, rng),
            started_at: ts,
            last_ts: ts,
            remaining: agents::session_requests(agent, habit, rng),
            ctx: Context::new(agent, rng),
            ord: 0,
            events: 0,
            turn_left: 0,
        }
    }

    pub fn record(&self) -> SessionRecord {
        SessionRecord {
            agent: self.agent,
            session_key: self.key.clone(),
            source: agents::source_of(self.agent).to_string(),
            developer: self.developer.clone(),
            project_id: Some(self.project.clone()),
            branch: Some(self.branch.clone()),
            started_at: self.started_at,
            last_activity_at: self.last_ts,
            title: None,
        }
    }

    pub fn is_done(&self) -> bool {
        self.remaining <= 0
    }

    fn event(&mut self, ts: UnixMillis, kind: EventKind) -> EventRecord {
        self.events += 1;
        EventRecord {
            dedupe_key: format!("demo:ev:{}:{}", self.key, self.events),
            agent: self.agent,
            session_key: self.key.clone(),
            developer: self.developer.clone(),
            ts,
            kind,
            tool_name: None,
            decision: None,
            status_code: None,
            duration_ms: None,
            detail: None,
            ord: self.events,
        }
    }

    /// A metadata-only event at `ts` with a detail label (commit sha, PR ref, …).
    pub fn marker(&mut self, ts: UnixMillis, kind: EventKind, detail: String) -> EventRecord {
        let mut e = self.event(ts, kind);
        e.detail = Some(detail);
        e
    }

    /// `storm` > 0 adds that many 429 errors spread over the 50 s before the request.
    pub fn step(
        &mut self,
        ts: UnixMillis,
        prices: &PriceTable,
        rng: &mut Rng,
        storm: usize,
    ) -> Step {
        let mut events = Vec::new();
        let mut rate_limited = Vec::new();
        if self.turn_left <= 0 {
            self.turn_left = rng.skewed(1, 7, 2);
            let mut e = self.event(ts - 1_500, EventKind::Prompt);
            e.detail = Some(format!("len={}", rng.skewed(20, 2_400, 2)));
            events.push(e);
        } else {
            let tool = agents::pick_tool(self.agent, rng);
            let duration = rng.skewed(40, 45_000, 3);
            if agents::is_edit(tool)
                && matches!(self.agent, Agent::ClaudeCode | Agent::Gemini | Agent::Codex)
            {
                let mut d = self.event(ts - duration - 900, EventKind::ToolDecision);
                d.tool_name = Some(tool.to_string());
                d.decision = Some(if rng.chance(0.06) { "reject" } else { "accept" }.to_string());
                events.push(d);
            }
            let mut e = self.event(ts - 400, EventKind::ToolUse);
            e.tool_name = Some(tool.to_string());
            e.duration_ms = Some(duration);
            events.push(e);
        }
        let api_agent = matches!(self.agent, Agent::ClaudeCode | Agent::Codex | Agent::Gemini);
        let errors = if storm > 0 {
            storm
        } else if api_agent && rng.chance(0.012) {
            1
        } else {
            0
        };
        for i in 0..errors {
            // A burst inside one clock minute (and never after the request itself).
            let base = (ts - 50_000).max(ts.div_euclid(60_000) * 60_000);
            let at = base + ((ts - base) * i as i64) / errors.max(1) as i64;
            let mut e = self.event(at, EventKind::ApiError);
            e.status_code = Some(429);
            e.detail = Some("rate_limit".into());
            e.duration_ms = Some(rng.range(200, 2_000));
            rate_limited.push(at);
            events.push(e);
        }
        if self.agent == Agent::ClaudeCode && rng.chance(0.004) {
            let mut e = self.event(ts - 200, EventKind::ApiError);
            e.status_code = Some(529);
            e.detail = Some("overloaded".into());
            events.push(e);
        }
        let sidechain = self.agent == Agent::ClaudeCode && rng.chance(0.08);
        let (usage, model) = if sidechain {
            let u = TokenUsage {
                input: rng.range(5, 40),
                output: rng.skewed(50, 1_200, 2),
                cache_read: rng.range(4_000, 20_000),
                cache_write_5m: rng.range(200, 3_000),
                ..Default::default()
            };
            (u, "claude-haiku-4-5-20251001")
        } else {
            let (u, compacted) = agents::next_usage(self.agent, &mut self.ctx, rng);
            if compacted {
                let mut e = self.event(ts - 3_000, EventKind::Compaction);
                e.detail = Some(if rng.chance(0.85) { "auto" } else { "manual" }.into());
                events.push(e);
            }
            (u, self.model)
        };
        self.ord += 1;
        self.turn_left -= 1;
        self.remaining -= 1;
        self.last_ts = self.last_ts.max(ts);
        let cost: Cost = prices.cost(Some(model), &usage, false);
        let request = RequestRecord {
            dedupe_key: RequestKey::new(KeyKind::Demo {
                agent: self.agent,
                session: self.key.clone(),
                n: self.ord,
            }),
            agent: self.agent,
            session_key: self.key.clone(),
            ts,
            model: Some(model.to_string()),
            usage,
            cost,
            developer: self.developer.clone(),
            project_id: Some(self.project.clone()),
            sidechain,
            message_id: None,
            fast: false,
            ord: self.ord,
        };
        Step {
            request,
            events,
            rate_limited,
            turn_ended: self.turn_left <= 0,
        }
    }

    /// Pause before the next request, in milliseconds.
    pub fn gap(&self, turn_ended: bool, rng: &mut Rng) -> i64 {
        if turn_ended {
            rng.skewed(30_000, 600_000, 2)
        } else {
            rng.skewed(3_000, 70_000, 2)
        }
    }
}
