//! Codex rollout lines → requests (one per `token_count` with usage), metadata-only events
//! and sessions (docs/formats.md#codex-cli-rollouts, docs/accounting.md#codex). Per-file state (session, model, previous cumulative
//! totals, project, sub-agent replay phase) rides in the cursor as JSON.

use super::line::{Info, LAST_USAGE, Line, Payload, READ, TOTAL_USAGE, Totals};
use super::paths::session_from_path;
use crate::collect::parse::{LineLoc, LineParser, ParseEnv, ParsedRows};
use crate::collect::sources::fields::{Ts, require_ts};
use crate::collect::sources::json::{label, parse_reduced, trim_line};
use crate::collect::sources::rows::{With, event, ord, remember};
use crate::domain::bounds::OutOfBounds;
use crate::domain::tokens::{CodexTokens, codex_usage};
use crate::domain::{
    Agent, EventKind, EventRecord, KeyKind, ProjectRecord, RequestKey, RequestRecord, SessionRecord,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SOURCE: &str = "codex_files";
/// The model assumed when a rollout never names one (ccusage does the same).
pub const FALLBACK_MODEL: &str = "gpt-5";
/// How the ingest summary tells the user about it.
const FALLBACK_NOTE: &str = "Codex request with no model named in its rollout: priced as gpt-5";
/// Two compaction signals this close together (`compacted` item + `context_compacted`
/// event) are one compaction.
const COMPACTION_WINDOW_MS: i64 = 5_000;

/// Sub-agent files can open with `token_count` events replayed from the parent, all in
/// the same second (docs/formats.md#codex-cli-rollouts). The first event is held back until the next
/// line shows whether a second one shares its second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum Replay {
    #[default]
    Watching,
    Pending {
        second: i64,
        request: Option<Box<RequestRecord>>,
    },
    Replaying {
        second: i64,
    },
    Done,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct CodexState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prev_total: Option<Totals>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<ProjectRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    originator: Option<String>,
    #[serde(default)]
    subagent: bool,
    #[serde(default)]
    replay: Replay,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_compaction_ts: Option<i64>,
}

pub struct CodexParser {
    state: CodexState,
    path_session: String,
    project_emitted: bool,
    permission_skip_seen: bool,
    /// The reduced line being read, kept between lines to save an allocation each.
    scratch: Vec<u8>,
}

impl CodexParser {
    pub fn new(path: &Path, saved_state: Option<&str>) -> CodexParser {
        CodexParser {
            state: super::super::restore_state(path, saved_state),
            path_session: session_from_path(path),
            project_emitted: false,
            permission_skip_seen: false,
            scratch: Vec::new(),
        }
    }

    fn session(&self) -> &str {
        self.state
            .session_id
            .as_deref()
            .unwrap_or(&self.path_session)
    }

    fn session_record(
        &mut self,
        ts: i64,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) -> SessionRecord {
        if !self.project_emitted
            && let Some(project) = &self.state.project
        {
            out.projects.push(project.clone());
            self.project_emitted = true;
        }
        SessionRecord {
            agent: Agent::Codex,
            session_key: self.session().to_owned(),
            source: SOURCE.to_owned(),
            developer: env.developer.to_owned(),
            project_id: self.state.project.as_ref().map(|p| p.id.clone()),
            branch: self.state.branch.clone(),
            started_at: ts,
            last_activity_at: ts,
            title: None,
        }
    }

    fn session_meta(
        &mut self,
        raw: &[u8],
        line: &Line<'_>,
        p: &Payload<'_>,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        if self.state.session_id.is_none() {
            remember(&mut self.state.session_id, p.id.get());
        }
        remember(&mut self.state.cwd, p.cwd.get());
        remember(&mut self.state.originator, p.originator.get());
        let git = p.git.0.as_ref();
        remember(&mut self.state.branch, git.and_then(|g| g.branch.get()));
        let cwd = self.state.cwd.as_deref().unwrap_or("");
        let project = match git.and_then(|g| g.repository_url.get()) {
            Some(url) => Some(env.projects.resolve_remote(url, cwd)),
            None => (!cwd.is_empty()).then(|| env.projects.resolve(cwd)),
        };
        if project.is_some() && project != self.state.project {
            self.state.project = project;
            self.project_emitted = false;
        }
        if memchr::memmem::find(raw, b"thread_spawn").is_some() {
            self.state.subagent = true;
        }
        if let Some(Ts::Millis(ts)) = line.timestamp {
            let record = self.session_record(ts, env, out);
            out.sessions.push(record);
        }
    }

    fn turn_context(
        &mut self,
        line: &Line<'_>,
        p: &Payload<'_>,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        let approval = p.approval_policy.get().unwrap_or("");
        let sandbox = p
            .sandbox_policy
            .as_ref()
            .and_then(|s| s.mode())
            .unwrap_or("");
        if !self.permission_skip_seen
            && EventRecord::codex_skips_permissions(approval, sandbox)
            && let Some(Ts::Millis(ts)) = line.timestamp
        {
            // One per session and pass; a later pass's copy has the same key (a duplicate).
            self.permission_skip_seen = true;
            let detail = format!("approval_policy={approval}, sandbox={sandbox}");
            out.events.push(EventRecord::permission_skip(
                Agent::Codex,
                self.session(),
                "",
                ts,
                &detail,
            ));
            let record = self.session_record(ts, env, out);
            out.sessions.push(record);
        }
        remember(&mut self.state.model, p.model.get());
        remember(&mut self.state.cwd, p.cwd.get());
        if self.state.project.is_none()
            && let Some(cwd) = p.cwd.get()
        {
            self.state.project = Some(env.projects.resolve(cwd));
            self.project_emitted = false;
        }
    }

    /// Emits a held-back first event once a line from a later second shows it was real.
    fn settle_replay(&mut self, ts: Option<i64>, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let Some(ts) = ts else { return };
        if let Replay::Pending { second, .. } = &self.state.replay
            && ts.div_euclid(1000) != *second
            && let Replay::Pending { request, .. } =
                std::mem::replace(&mut self.state.replay, Replay::Done)
            && let Some(request) = request
        {
            let record = self.session_record(request.ts, env, out);
            out.requests.push(*request);
            out.sessions.push(record);
        }
    }

    fn token_count(
        &mut self,
        line: &Line<'_>,
        p: &Payload<'_>,
        loc: LineLoc,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        let Some(info) = p.info.0.as_ref() else {
            return;
        };
        let ts = match require_ts(line.timestamp) {
            Ok(ts) => ts,
            Err(reason) => {
                // Still advance the cumulative totals so later deltas stay right.
                if let Some(Ok(total)) = info
                    .total_token_usage
                    .0
                    .as_ref()
                    .map(|t| Totals::from_raw(t, &TOTAL_USAGE))
                {
                    self.state.prev_total = Some(total);
                }
                out.skip(loc, reason, None);
                return;
            }
        };
        let second = ts.div_euclid(1000);
        let request = match self.request(info, p, ts, loc, env) {
            Ok(request) => request,
            Err(why) => return out.refuse(loc, why),
        };
        if self.state.subagent {
            match &self.state.replay {
                Replay::Watching => {
                    self.state.replay = Replay::Pending {
                        second,
                        request: request.map(Box::new),
                    };
                    return;
                }
                Replay::Pending { second: first, .. } | Replay::Replaying { second: first }
                    if *first == second =>
                {
                    self.state.replay = Replay::Replaying { second };
                    return;
                }
                Replay::Replaying { .. } => self.state.replay = Replay::Done,
                _ => {}
            }
        }
        if let Some(request) = request {
            if self.state.model.is_none() {
                out.assume(loc, FALLBACK_NOTE);
            }
            let record = self.session_record(ts, env, out);
            out.requests.push(request);
            out.sessions.push(record);
        }
    }

    fn request(
        &mut self,
        info: &Info<'_>,
        p: &Payload<'_>,
        ts: i64,
        loc: LineLoc,
        env: &ParseEnv<'_>,
    ) -> Result<Option<RequestRecord>, OutOfBounds> {
        let total = info
            .total_token_usage
            .0
            .as_ref()
            .map(|t| Totals::from_raw(t, &TOTAL_USAGE))
            .transpose()?;
        let delta = match info.last_token_usage.0.as_ref() {
            Some(last) => Some(Totals::from_raw(last, &LAST_USAGE)?),
            None => total.map(|t| t.minus(self.state.prev_total)),
        };
        // The same cumulative total again is a re-sent event, not a new request.
        let repeat = total.is_some() && total == self.state.prev_total;
        if let Some(total) = total {
            self.state.prev_total = Some(total);
        }
        let Some(delta) = delta.filter(|d| !repeat && !d.is_zero()) else {
            return Ok(None);
        };
        let named = info
            .model
            .get()
            .or(info.model_name.get())
            .or(info.metadata.0.as_ref().and_then(|m| m.model.get()))
            .or(p.model.get());
        remember(&mut self.state.model, named);
        let model = match self.state.model.as_deref() {
            Some(model) => model.to_owned(),
            None => {
                tracing::debug!(
                    session = self.session(),
                    "Codex rollout names no model; assuming {FALLBACK_MODEL}"
                );
                FALLBACK_MODEL.to_owned()
            }
        };
        let usage = codex_usage(CodexTokens {
            input: delta.input,
            cached: delta.cached,
            output: delta.output,
            reasoning: delta.reasoning,
        });
        let position = match total {
            Some(t) => t.total.to_string(),
            None => loc.offset.to_string(),
        };
        Ok(Some(RequestRecord {
            dedupe_key: RequestKey::new(KeyKind::CodexRollout {
                session: self.session().to_owned(),
                ts,
                position,
            }),
            agent: Agent::Codex,
            session_key: self.session().to_owned(),
            ts,
            cost: env.prices.cost(Some(&model), &usage, false),
            model: Some(model),
            usage,
            developer: env.developer.to_owned(),
            project_id: self.state.project.as_ref().map(|p| p.id.clone()),
            sidechain: false,
            message_id: None,
            fast: false,
            ord: ord(loc),
        }))
    }

    /// A metadata-only event for this line (prompt, tool call, error, compaction); `key`
    /// builds the dedupe key from the line's timestamp.
    #[allow(clippy::too_many_arguments)]
    fn line_event(
        &mut self,
        line: &Line<'_>,
        kind: EventKind,
        loc: LineLoc,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
        key: impl FnOnce(i64) -> String,
        fill: impl FnOnce(&mut EventRecord),
    ) {
        let ts = match require_ts(line.timestamp) {
            Ok(ts) => ts,
            Err(reason) => return out.skip(loc, reason, None),
        };
        if kind == EventKind::Compaction {
            if self
                .state
                .last_compaction_ts
                .is_some_and(|last| ts.abs_diff(last) <= COMPACTION_WINDOW_MS.unsigned_abs())
            {
                return;
            }
            self.state.last_compaction_ts = Some(ts);
        }
        let ev = event(Agent::Codex, self.session(), key(ts), ts, kind, ord(loc)).with(fill);
        out.events.push(ev);
        let record = self.session_record(ts, env, out);
        out.sessions.push(record);
    }
}

impl LineParser for CodexParser {
    fn parse_line(&mut self, raw: &[u8], loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let Some(bytes) = trim_line(raw) else { return };
        let mut scratch = std::mem::take(&mut self.scratch);
        match parse_reduced::<Line<'_>>(bytes, &READ, &mut scratch) {
            Ok(line) => self.read(bytes, &line, loc, env, out),
            Err((reason, detail)) => out.skip(loc, reason, detail),
        }
        self.scratch = scratch;
    }

    fn save_state(&self) -> Option<String> {
        super::super::save_state(&self.state)
    }
}

impl CodexParser {
    /// One parsed line; `bytes` is the whole line as read (the reduced one lacks content).
    fn read(
        &mut self,
        bytes: &[u8],
        line: &Line<'_>,
        loc: LineLoc,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        if self.state.subagent {
            let ts = match line.timestamp {
                Some(Ts::Millis(ts)) => Some(ts),
                _ => None,
            };
            self.settle_replay(ts, env, out);
        }
        let Some(p) = line.payload.0.as_ref() else {
            return;
        };
        let sid = self.session().to_owned();
        match (line.kind.get(), p.kind.get()) {
            (Some("session_meta"), _) => self.session_meta(bytes, line, p, env, out),
            (Some("turn_context"), _) => self.turn_context(line, p, env, out),
            (Some("event_msg"), Some("token_count")) => self.token_count(line, p, loc, env, out),
            (Some("event_msg"), Some("user_message")) => {
                let chars = p.message.map_or(0, |m| m.chars);
                let key = |ts| format!("cx:{sid}:prompt:{ts}");
                self.line_event(line, EventKind::Prompt, loc, env, out, key, |e| {
                    e.detail = Some(format!("chars={chars}"));
                });
            }
            (Some("event_msg"), Some(kind @ ("error" | "stream_error"))) => {
                let key = |ts| format!("cx:{sid}:{kind}:{ts}");
                let detail = label(Some(kind));
                self.line_event(line, EventKind::ApiError, loc, env, out, key, |e| {
                    e.detail = detail
                });
            }
            (Some("event_msg"), Some("context_compacted")) | (Some("compacted"), _) => {
                let key = |ts| format!("cx:{sid}:compaction:{ts}");
                self.line_event(line, EventKind::Compaction, loc, env, out, key, |_| {});
            }
            (
                Some("response_item"),
                Some(
                    kind @ ("function_call" | "custom_tool_call" | "local_shell_call"
                    | "web_search_call"),
                ),
            ) => {
                let name = match kind {
                    "local_shell_call" => Some("local_shell"),
                    "web_search_call" => Some("web_search"),
                    _ => p.name.get(),
                }
                .map(str::to_owned);
                let call = p.call_id.get().or(p.id.get());
                let key = |ts| match call {
                    Some(call) => format!("cx:{sid}:tool:{call}"),
                    None => format!("cx:{sid}:tool:{ts}:{}", loc.offset),
                };
                self.line_event(line, EventKind::ToolUse, loc, env, out, key, |e| {
                    e.tool_name = name
                });
            }
            _ => {}
        }
    }
}
