//! Copilot CLI `events.jsonl` lines → requests. Only two event types matter: `session.start`
//! (working directory and branch, for the project) and `session.shutdown`, whose
//! `data.modelMetrics` holds one usage snapshot per model for the process that just ended.
//! Snapshots are per process, not cumulative: a resumed session writes another shutdown
//! with its own event id, and each counts once (key: session, event id, model).

use super::paths::session_from_path;
use crate::collect::parse::{LineLoc, LineParser, ParseEnv, ParsedRows, SkipReason};
use crate::collect::sources::fields::parse_iso_millis;
use crate::collect::sources::json::{parse_record, trim_line};
use crate::collect::sources::rows::ord;
use crate::domain::{
    Agent, Cost, KeyKind, Money, ProjectRecord, RequestKey, RequestRecord, SessionRecord,
    TokenUsage, bounds,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

pub const SOURCE: &str = "copilot_cli_files";
/// USD per AI credit (1 AIU = 1 credit = $0.01); `totalNanoAiu` counts billionths of one.
const USD_PER_NANO_AIU: f64 = 0.01 / 1e9;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct CopilotState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<ProjectRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
}

/// The fields every line has; `data` is parsed further only for the two types we read.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    data: Option<Value>,
}

pub struct CopilotCliParser {
    state: CopilotState,
    path_session: String,
    project_emitted: bool,
}

impl CopilotCliParser {
    pub fn new(path: &Path, saved_state: Option<&str>) -> CopilotCliParser {
        CopilotCliParser {
            state: super::super::restore_state(path, saved_state),
            path_session: session_from_path(path),
            project_emitted: false,
        }
    }

    fn session(&self) -> &str {
        self.state
            .session_id
            .as_deref()
            .unwrap_or(&self.path_session)
    }

    fn session_record(&mut self, ts: i64, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        if !self.project_emitted
            && let Some(p) = &self.state.project
        {
            out.projects.push(p.clone());
            self.project_emitted = true;
        }
        out.sessions.push(SessionRecord {
            agent: Agent::Copilot,
            session_key: self.session().to_owned(),
            source: SOURCE.to_owned(),
            developer: env.developer.to_owned(),
            project_id: self.state.project.as_ref().map(|p| p.id.clone()),
            branch: self.state.branch.clone(),
            started_at: ts,
            last_activity_at: ts,
            title: None,
        });
    }

    fn start(&mut self, data: &Value, ts: i64, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let context = data.get("context").unwrap_or(data);
        if let Some(id) = str_at(data, "sessionId").filter(|s| bounds::id("sessionId", s).is_ok()) {
            self.state.session_id = Some(id.to_owned());
        }
        if let Some(cwd) = str_at(context, "cwd").or_else(|| str_at(data, "cwd")) {
            self.state.project = Some(env.projects.resolve(cwd));
            self.project_emitted = false;
        }
        if let Some(branch) = str_at(context, "branch").filter(|b| bounds::id("branch", b).is_ok())
        {
            self.state.branch = Some(branch.to_owned());
        }
        self.session_record(ts, env, out);
    }

    fn shutdown(
        &mut self,
        event_id: Option<&str>,
        data: &Value,
        ts: i64,
        loc: LineLoc,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        let Some(metrics) = data.get("modelMetrics").and_then(Value::as_object) else {
            return;
        };
        let event = event_id.map_or_else(|| format!("offset{}", loc.offset), str::to_owned);
        let mut any = false;
        for (model, m) in metrics {
            match model_request(self.session(), &event, model, m, ts, env) {
                Ok(Some(mut r)) => {
                    r.ord = ord(loc);
                    r.project_id = self.state.project.as_ref().map(|p| p.id.clone());
                    out.requests.push(r);
                    any = true;
                }
                Ok(None) => {}
                Err(field) => out.skip(
                    loc,
                    SkipReason::BadValue(field),
                    Some(format!("model {}", short(model))),
                ),
            }
        }
        if any {
            self.session_record(ts, env, out);
        }
    }
}

impl LineParser for CopilotCliParser {
    fn parse_line(&mut self, line: &[u8], loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let Some(bytes) = trim_line(line) else {
            return;
        };
        let head: Head = match parse_record(bytes) {
            Ok(h) => h,
            Err((reason, detail)) => return out.skip(loc, reason, detail),
        };
        let kind = head.kind.as_deref();
        if !matches!(kind, Some("session.start" | "session.shutdown")) {
            return;
        }
        let ts = match head
            .timestamp
            .as_ref()
            .and_then(Value::as_str)
            .map(parse_iso_millis)
        {
            Some(Some(ms)) if ms >= bounds::EARLIEST_TS => ms,
            Some(_) => return out.skip(loc, SkipReason::BadValue("timestamp"), None),
            None => return out.skip(loc, SkipReason::MissingField("timestamp"), None),
        };
        let data = head.data.unwrap_or(Value::Null);
        match kind {
            Some("session.start") => self.start(&data, ts, env, out),
            _ => self.shutdown(head.id.as_deref(), &data, ts, loc, env, out),
        }
    }

    fn save_state(&self) -> Option<String> {
        super::super::save_state(&self.state)
    }
}

/// One model's snapshot as a request; `Ok(None)` when it carries nothing at all.
fn model_request(
    session: &str,
    event: &str,
    model: &str,
    m: &Value,
    ts: i64,
    env: &ParseEnv<'_>,
) -> Result<Option<RequestRecord>, &'static str> {
    bounds::id("model", model).map_err(|e| e.field)?;
    let usage = m.get("usage").unwrap_or(&Value::Null);
    let input = count(usage, "inputTokens")?;
    let output = count(usage, "outputTokens")?;
    let cache_read = count(usage, "cacheReadTokens")?;
    let cache_write = count(usage, "cacheWriteTokens")?;
    let reasoning = count(usage, "reasoningTokens")?;
    let requests = count(m.get("requests").unwrap_or(&Value::Null), "count")?;
    let nano_aiu = credits(m)?;
    // Gemini reports thinking apart from output; the others count it inside output.
    let gemini = model.starts_with("gemini");
    let tokens = TokenUsage {
        // `inputTokens` includes the cached reads and the cache writes.
        input: input
            .saturating_sub(cache_read)
            .saturating_sub(cache_write)
            .max(0),
        output: if gemini { output + reasoning } else { output },
        cache_write_5m: cache_write,
        cache_write_1h: 0,
        cache_read,
        reasoning,
    };
    if tokens.is_zero() && requests == 0 && nano_aiu == 0 {
        return Ok(None);
    }
    let (dedupe_key, cost) = if tokens.is_zero() {
        // Credit-only rows come in pairs with different event ids: key on the amount.
        (
            RequestKey::new(KeyKind::CopilotCliCredit {
                session: session.to_owned(),
                model: model.to_owned(),
                nano_aiu,
            }),
            Cost::reported(Money::from_usd(nano_aiu as f64 * USD_PER_NANO_AIU)),
        )
    } else if nano_aiu > 0 {
        (
            RequestKey::new(KeyKind::CopilotCli {
                session: session.to_owned(),
                event: event.to_owned(),
                model: model.to_owned(),
            }),
            Cost::reported(Money::from_usd(nano_aiu as f64 * USD_PER_NANO_AIU)),
        )
    } else {
        (
            RequestKey::new(KeyKind::CopilotCli {
                session: session.to_owned(),
                event: event.to_owned(),
                model: model.to_owned(),
            }),
            env.prices.cost(Some(&price_name(model)), &tokens, false),
        )
    };
    Ok(Some(RequestRecord {
        dedupe_key,
        agent: Agent::Copilot,
        session_key: session.to_owned(),
        ts,
        model: Some(model.to_owned()),
        usage: tokens,
        cost,
        developer: env.developer.to_owned(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast: false,
        ord: 0,
    }))
}

/// The name to look a Copilot model up in the price table: routing suffixes dropped and
/// Claude's dotted versions dashed (`claude-sonnet-4.5` → `claude-sonnet-4-5`).
pub fn price_name(model: &str) -> String {
    let mut name = model;
    for suffix in ["-1m-internal", "-internal", "-xhigh", "-high", "-1m"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped;
        }
    }
    if name.starts_with("claude-") {
        name.replace('.', "-")
    } else {
        name.to_owned()
    }
}

/// A token count: absent or null is 0; anything else must be a whole number in bounds.
fn count(obj: &Value, field: &'static str) -> Result<i64, &'static str> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) => bounds::tokens(field, v).map_err(|e| e.field),
            None => n
                .as_f64()
                .ok_or(field)
                .and_then(|f| bounds::tokens_f64(field, f).map_err(|e| e.field)),
        },
        Some(_) => Err(field),
    }
}

/// `totalNanoAiu`: billionths of a credit, bounded as a charge ([`bounds::MAX_COST_USD_PER_REQUEST`])
/// rather than as a token count (10^12 nano-AIU is only $10, one busy process's worth).
fn credits(m: &Value) -> Result<i64, &'static str> {
    const FIELD: &str = "totalNanoAiu";
    let max = (bounds::MAX_COST_USD_PER_REQUEST / USD_PER_NANO_AIU) as i64;
    match m.get(FIELD) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= max as f64)
                    .map(|f| f as i64)
            })
            .ok_or(FIELD)
            .and_then(|v| bounds::count(FIELD, v, max).map_err(|e| e.field)),
        Some(_) => Err(FIELD),
    }
}

fn str_at<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A model name short enough for a message (names are not content, but keep them bounded).
fn short(model: &str) -> String {
    model.chars().take(64).collect()
}
