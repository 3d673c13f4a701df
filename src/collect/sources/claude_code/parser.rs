//! Claude Code transcript lines → requests, metadata-only events and sessions
//! (docs/formats.md#claude-code-transcripts, docs/accounting.md#claude-code). One parser per file; the little it remembers between lines
//! (session, cwd, branch, title, last timestamp) rides in the file's cursor as JSON.

use super::line::{Line, Message, READ, Usage};
use super::paths::session_from_path;
use crate::collect::parse::{LineLoc, LineParser, ParseEnv, ParsedRows};
use crate::collect::sources::fields::{Ts, require_ts};
use crate::collect::sources::json::{label, parse_reduced, trim_line};
use crate::collect::sources::rows::{With, event, ord, remember};
use crate::domain::bounds::OutOfBounds;
use crate::domain::tokens::{ClaudeTokens, claude_usage};
use crate::domain::{
    Agent, Cost, EventKind, EventRecord, KeyKind, Money, ProjectRecord, RequestKey, RequestRecord,
    SessionRecord, UnixMillis,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

pub const SOURCE: &str = "claude_code_files";
const SYNTHETIC_MODEL: &str = "<synthetic>";
const MAX_TITLE_CHARS: usize = 120;
/// Claude Code's permission mode with every prompt skipped (`--dangerously-skip-permissions`).
const BYPASS_PERMISSIONS: &str = "bypassPermissions";

/// What the parser carries from one line to the next (and across runs, in the cursor).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct ClaudeState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_ts: Option<UnixMillis>,
}

/// Session, project and branch for the rows of one line.
struct Ctx {
    session: String,
    project_id: Option<String>,
    branch: Option<String>,
}

pub struct ClaudeParser {
    state: ClaudeState,
    path_session: String,
    /// Last resolved cwd and its project, so a resolver is asked once per cwd change.
    project: Option<(String, ProjectRecord)>,
    emitted_projects: HashSet<String>,
    /// The reduced line being read, kept between lines to save an allocation each.
    scratch: Vec<u8>,
}

impl ClaudeParser {
    pub fn new(path: &Path, saved_state: Option<&str>) -> ClaudeParser {
        let state = super::super::restore_state(path, saved_state);
        let path_session = session_from_path(path)
            .or_else(|| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        ClaudeParser {
            state,
            path_session,
            project: None,
            emitted_projects: HashSet::new(),
            scratch: Vec::new(),
        }
    }

    fn context(&mut self, line: &Line<'_>, env: &ParseEnv<'_>, out: &mut ParsedRows) -> Ctx {
        remember(&mut self.state.session, line.session_id.get());
        remember(&mut self.state.cwd, line.cwd.get());
        if let Some(branch) = line.git_branch.0.as_deref() {
            // `""` means "not in a repository" at that moment.
            let branch = (!branch.is_empty()).then_some(branch);
            if self.state.branch.as_deref() != branch {
                self.state.branch = branch.map(str::to_owned);
            }
        }
        let session = self
            .state
            .session
            .clone()
            .unwrap_or_else(|| self.path_session.clone());
        Ctx {
            session,
            project_id: self.project_id(env, out),
            branch: self.state.branch.clone(),
        }
    }

    fn project_id(&mut self, env: &ParseEnv<'_>, out: &mut ParsedRows) -> Option<String> {
        let cwd = self.state.cwd.as_deref()?;
        if let Some((known, project)) = &self.project
            && known == cwd
        {
            return Some(project.id.clone());
        }
        let project = env.projects.resolve(cwd);
        if self.emitted_projects.insert(project.id.clone()) {
            out.projects.push(project.clone());
        }
        let id = project.id.clone();
        self.project = Some((cwd.to_owned(), project));
        Some(id)
    }

    fn stamp(&mut self, line: &Line<'_>, loc: LineLoc, out: &mut ParsedRows) -> Option<i64> {
        match require_ts(line.timestamp) {
            Ok(ts) => {
                self.state.last_ts = Some(self.state.last_ts.map_or(ts, |t| t.max(ts)));
                Some(ts)
            }
            Err(reason) => {
                out.skip(loc, reason, None);
                None
            }
        }
    }

    fn session_record(&self, ctx: &Ctx, ts: i64, env: &ParseEnv<'_>) -> SessionRecord {
        SessionRecord {
            agent: Agent::ClaudeCode,
            session_key: ctx.session.clone(),
            source: SOURCE.to_owned(),
            developer: env.developer.to_owned(),
            project_id: ctx.project_id.clone(),
            branch: ctx.branch.clone(),
            started_at: ts,
            last_activity_at: ts,
            title: self.state.title.clone(),
        }
    }

    fn assistant(
        &mut self,
        line: &Line<'_>,
        loc: LineLoc,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        let Some(msg) = line.message.0.as_ref() else {
            return;
        };
        let model = msg.model.get();
        let is_error = line.is_api_error.0 || model == Some(SYNTHETIC_MODEL);
        let usage = msg.usage.0.as_ref();
        let tools = msg.content.as_ref().map_or(&[][..], |c| &c.tool_uses[..]);
        if !is_error && usage.is_none() && tools.is_empty() {
            return;
        }
        let Some(ts) = self.stamp(line, loc, out) else {
            return;
        };
        let ctx = self.context(line, env, out);
        if is_error {
            let usage_limit = msg.content.as_ref().is_some_and(|c| c.text.usage_limit);
            let detail = if usage_limit {
                "usage_limit".to_owned()
            } else if let Some(code) = &line.error.label {
                code.clone()
            } else if model == Some(SYNTHETIC_MODEL) {
                "synthetic".to_owned()
            } else {
                "api_error".to_owned()
            };
            let status = line.api_error_status.as_i64().or(line.error.status);
            out.events.push(
                cc_event(
                    &ctx,
                    line_key("ev", line, &ctx, ts, loc),
                    ts,
                    EventKind::ApiError,
                    loc,
                )
                .with(|e| {
                    e.status_code = status;
                    e.detail = Some(detail);
                }),
            );
        } else if let Some(u) = usage {
            match self.request(line, msg, u, &ctx, ts, loc, env) {
                Ok(request) => out.requests.push(request),
                Err(why) => out.refuse(loc, why),
            }
        }
        for (i, tool) in tools.iter().enumerate() {
            let key = match tool.id.get() {
                Some(id) => format!("cc:tool:{id}"),
                None => format!("{}:{i}", line_key("tool", line, &ctx, ts, loc)),
            };
            let name = tool.name.get().map(str::to_owned);
            out.events.push(
                cc_event(&ctx, key, ts, EventKind::ToolUse, loc).with(|e| e.tool_name = name),
            );
        }
        out.sessions.push(self.session_record(&ctx, ts, env));
    }

    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        line: &Line<'_>,
        msg: &Message<'_>,
        u: &Usage<'_>,
        ctx: &Ctx,
        ts: i64,
        loc: LineLoc,
        env: &ParseEnv<'_>,
    ) -> Result<RequestRecord, OutOfBounds> {
        let (write_5m, write_1h) = match &u.cache_creation.0 {
            Some(cc) => (
                cc.ephemeral_5m_input_tokens
                    .checked("message.usage.cache_creation.ephemeral_5m_input_tokens")?,
                cc.ephemeral_1h_input_tokens
                    .checked("message.usage.cache_creation.ephemeral_1h_input_tokens")?,
            ),
            None => (
                u.cache_creation_input_tokens
                    .checked("message.usage.cache_creation_input_tokens")?,
                0,
            ),
        };
        let usage = claude_usage(ClaudeTokens {
            input: u.input_tokens.checked("message.usage.input_tokens")?,
            output: u.output_tokens.checked("message.usage.output_tokens")?,
            cache_read: u
                .cache_read_input_tokens
                .checked("message.usage.cache_read_input_tokens")?,
            cache_write_5m: write_5m,
            cache_write_1h: write_1h,
        });
        let model = msg.model.get();
        let fast = u.speed.get() == Some("fast");
        let cost = match line.cost_usd.checked("costUSD").transpose()? {
            Some(usd) => Cost::reported(Money::from_usd(usd)),
            None => env.prices.cost(model, &usage, fast),
        };
        let message_id = msg.id.get();
        let dedupe_key = match (message_id, line.request_id.get(), line.uuid.get()) {
            (Some(m), request, _) => RequestKey::claude_message(m, request),
            (None, _, Some(uuid)) => RequestKey::new(KeyKind::ClaudeLine {
                uuid: uuid.to_owned(),
            }),
            (None, _, None) => RequestKey::new(KeyKind::ClaudePosition {
                session: ctx.session.clone(),
                ts,
                offset: loc.offset,
            }),
        };
        Ok(RequestRecord {
            dedupe_key,
            agent: Agent::ClaudeCode,
            session_key: ctx.session.clone(),
            ts,
            model: model.map(str::to_owned),
            usage,
            cost,
            developer: env.developer.to_owned(),
            project_id: ctx.project_id.clone(),
            sidechain: line.is_sidechain.0,
            message_id: message_id.map(str::to_owned),
            fast,
            ord: ord(loc),
        })
    }

    fn user(&mut self, line: &Line<'_>, loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        // Meta lines (slash-command bodies, skills), compaction summaries and subagent task
        // prompts are not a person typing; tool results travel as user lines too.
        if line.is_meta.0 || line.is_compact_summary.0 || line.is_sidechain.0 {
            return;
        }
        let Some(content) = line.message.0.as_ref().and_then(|m| m.content.as_ref()) else {
            return;
        };
        if content.has_tool_result || !content.text.is_text {
            return;
        }
        let Some(ts) = self.stamp(line, loc, out) else {
            return;
        };
        let ctx = self.context(line, env, out);
        let detail = format!("chars={}", content.text.chars);
        let key = line_key("ev", line, &ctx, ts, loc);
        out.events.push(
            cc_event(&ctx, key, ts, EventKind::Prompt, loc).with(|e| e.detail = Some(detail)),
        );
        out.sessions.push(self.session_record(&ctx, ts, env));
    }

    fn system(&mut self, line: &Line<'_>, loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let subtype = line.subtype.get();
        let (kind, detail, status) = if subtype == Some("compact_boundary") {
            let trigger = line.compact.0.as_ref().and_then(|c| label(c.trigger.get()));
            (EventKind::Compaction, trigger, None)
        } else if subtype == Some("api_error")
            || (line.level.get() == Some("error") && line.retry_attempt.0.is_some())
        {
            let detail = match line.retry_attempt.as_i64() {
                Some(n) => format!("retry={n}"),
                None => "api_error".to_owned(),
            };
            (EventKind::ApiError, Some(detail), line.error.status)
        } else {
            return;
        };
        let Some(ts) = self.stamp(line, loc, out) else {
            return;
        };
        let ctx = self.context(line, env, out);
        let key = line_key("ev", line, &ctx, ts, loc);
        out.events
            .push(cc_event(&ctx, key, ts, kind, loc).with(|e| {
                e.detail = detail;
                e.status_code = status;
            }));
        out.sessions.push(self.session_record(&ctx, ts, env));
    }

    /// `summary` / `ai-title` lines: remember the title; restate the session when we
    /// already know when it was active (these lines carry no timestamp of their own).
    /// A session running without permission prompts: one `permission_skip` event per
    /// session (at the first line that shows it), for the alert rule of that name.
    fn permission_skip(&mut self, line: &Line<'_>, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let ts = match line.timestamp {
            Some(Ts::Millis(ts)) => Some(ts),
            _ => self.state.last_ts,
        };
        let Some(ts) = ts else { return };
        let ctx = self.context(line, env, out);
        // The owner is the session record's developer (see store::pipeline).
        out.events.push(EventRecord::permission_skip(
            Agent::ClaudeCode,
            &ctx.session,
            "",
            ts,
            BYPASS_PERMISSIONS,
        ));
        out.sessions.push(self.session_record(&ctx, ts, env));
    }

    fn title(
        &mut self,
        line: &Line<'_>,
        title: Option<&str>,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        let Some(title) = title.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        self.state.title = Some(title.chars().take(MAX_TITLE_CHARS).collect());
        let ts = match line.timestamp {
            Some(Ts::Millis(ts)) => Some(ts),
            _ => self.state.last_ts,
        };
        if let Some(ts) = ts {
            let ctx = self.context(line, env, out);
            out.sessions.push(self.session_record(&ctx, ts, env));
        }
    }
}

impl LineParser for ClaudeParser {
    fn parse_line(&mut self, raw: &[u8], loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let Some(bytes) = trim_line(raw) else { return };
        let mut scratch = std::mem::take(&mut self.scratch);
        match parse_reduced::<Line<'_>>(bytes, &READ, &mut scratch) {
            Ok(line) => self.read(&line, loc, env, out),
            Err((reason, detail)) => out.skip(loc, reason, detail),
        }
        self.scratch = scratch;
    }

    fn save_state(&self) -> Option<String> {
        super::super::save_state(&self.state)
    }
}

impl ClaudeParser {
    fn read(&mut self, line: &Line<'_>, loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        if line.permission_mode.get() == Some(BYPASS_PERMISSIONS)
            && matches!(line.kind.get(), Some("user" | "permission-mode"))
        {
            self.permission_skip(line, env, out);
        }
        match line.kind.get() {
            // Old transcripts (and ccusage's fixtures) may omit `type` on usage lines.
            Some("assistant") | None => self.assistant(line, loc, env, out),
            Some("user") => self.user(line, loc, env, out),
            Some("system") => self.system(line, loc, env, out),
            Some("summary") => self.title(line, line.summary.get(), env, out),
            Some("ai-title") => self.title(line, line.ai_title.get(), env, out),
            _ => {}
        }
    }
}

/// A key for a row that belongs to one line: the line's uuid, else session, time and offset.
fn line_key(prefix: &str, line: &Line<'_>, ctx: &Ctx, ts: i64, loc: LineLoc) -> String {
    match line.uuid.get() {
        Some(uuid) => format!("cc:{prefix}:{uuid}"),
        None => format!("cc:{prefix}:{}:{ts}:{}", ctx.session, loc.offset),
    }
}

fn cc_event(ctx: &Ctx, key: String, ts: i64, kind: EventKind, loc: LineLoc) -> EventRecord {
    event(Agent::ClaudeCode, &ctx.session, key, ts, kind, ord(loc))
}
