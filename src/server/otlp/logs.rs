//! OTLP log records → store rows. Claude Code, Codex and Gemini CLI events (docs/formats.md)
//! become requests (token usage through the agent's one normalisation, cost) and
//! metadata-only timeline events; other events are accepted and ignored. A record that
//! cannot be keyed, or whose numbers, times or ids fall outside the bounds, is refused and
//! named (partial success).

use super::Mapped;
use super::attrs::{Attrs, drop_content};
use super::identity::named_developer;
use crate::domain::bounds::{self, MAX_ATTRIBUTES_PER_RECORD};
use crate::domain::tokens::{
    ClaudeTokens, CodexTokens, GeminiTokens, claude_usage, codex_usage, gemini_usage,
};
use crate::domain::{
    Agent, Cost, EventKind, EventRecord, KeyKind, Money, RequestKey, RequestRecord, SessionRecord,
    TokenUsage, UnixMillis,
};
use crate::pricing::PriceTable;
use crate::server::owners::OwnerRule;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;

/// Maps a whole export; `owners` decides whose rows they are, `now` bounds timestamps.
pub fn map_logs(
    mut request: ExportLogsServiceRequest,
    prices: &PriceTable,
    owners: &OwnerRule,
    now: UnixMillis,
) -> Mapped {
    let mut out = Mapped::default();
    for (ri, rl) in request.resource_logs.iter_mut().enumerate() {
        let mut resource = rl.resource.take().map(|r| r.attributes).unwrap_or_default();
        drop_content(&mut resource);
        for (si, sl) in rl.scope_logs.iter_mut().enumerate() {
            let scope = sl.scope.as_ref().map(|s| s.name.as_str()).unwrap_or("");
            for (li, record) in sl.log_records.iter_mut().enumerate() {
                out.received += 1;
                super::commit_id::lift(&mut record.attributes);
                drop_content(&mut record.attributes);
                let at = || format!("resourceLogs[{ri}].scopeLogs[{si}].logRecords[{li}]");
                if record.attributes.len() + resource.len() > MAX_ATTRIBUTES_PER_RECORD {
                    out.reject(
                        at(),
                        format!("more than {MAX_ATTRIBUTES_PER_RECORD} attributes"),
                    );
                    continue;
                }
                let env = Env {
                    resource: &resource,
                    scope,
                    prices,
                    owners,
                    now,
                };
                match map_record(record, &env, &mut out) {
                    Ok(true) => {}
                    Ok(false) => out.ignored += 1,
                    Err(reason) => out.reject(at(), reason),
                }
            }
        }
    }
    out
}

struct Env<'a> {
    resource: &'a [KeyValue],
    scope: &'a str,
    prices: &'a PriceTable,
    owners: &'a OwnerRule,
    now: UnixMillis,
}

/// The agent and the bare event name (`api_request`), from the record's event name, its
/// `event.name` attribute or its body, else from `service.name` / the scope.
fn classify(record: &LogRecord, attrs: &Attrs<'_>, scope: &str) -> Option<(Agent, String)> {
    let body = match record.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(Value::StringValue(s)) if s.len() < 128 => Some(s.clone()),
        _ => None,
    };
    let candidates: Vec<String> = [
        Some(record.event_name.clone()).filter(|n| n.len() < 128),
        attrs.str("event.name").filter(|n| n.len() < 128),
        body,
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    for c in &candidates {
        for (prefix, agent) in [
            ("claude_code.", Agent::ClaudeCode),
            ("codex.", Agent::Codex),
            ("gemini_cli.", Agent::Gemini),
        ] {
            if let Some(rest) = c.strip_prefix(prefix) {
                return Some((agent, rest.to_string()));
            }
        }
    }
    let bare = candidates.first()?.clone();
    let service = attrs
        .str("service.name")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let agent = if service.contains("claude") || scope.contains("claude_code") {
        Agent::ClaudeCode
    } else if service.contains("codex") {
        Agent::Codex
    } else if service.contains("gemini") {
        Agent::Gemini
    } else {
        return None;
    };
    Some((agent, bare))
}

/// Milliseconds of the record: its time, else observed time, else `event.timestamp`.
fn timestamp_ms(record: &LogRecord, attrs: &Attrs<'_>) -> Option<i64> {
    let nanos = if record.time_unix_nano > 0 {
        record.time_unix_nano
    } else {
        record.observed_time_unix_nano
    };
    if nanos > 0 {
        return i64::try_from(nanos / 1_000_000).ok();
    }
    let text = attrs.str("event.timestamp")?;
    chrono::DateTime::parse_from_rfc3339(&text)
        .ok()
        .map(|t| t.timestamp_millis())
}

struct Ctx<'a> {
    agent: Agent,
    name: String,
    attrs: Attrs<'a>,
    session: String,
    ts: i64,
    /// The record's time as text (nanoseconds), for keys.
    nanos: String,
    owner: String,
}

/// `Ok(true)`: rows were made; `Ok(false)`: a kind we do not keep; `Err`: refused.
fn map_record(record: &LogRecord, env: &Env<'_>, out: &mut Mapped) -> Result<bool, String> {
    let attrs = Attrs {
        own: &record.attributes,
        resource: env.resource,
    };
    let Some((agent, name)) = classify(record, &attrs, env.scope) else {
        return Ok(false);
    };
    let ts = timestamp_ms(record, &attrs).ok_or("no timestamp")?;
    let ts = bounds::timestamp("time_unix_nano", ts, env.now).map_err(|e| e.to_string())?;
    let session = attrs
        .first_id(&["session.id", "conversation.id", "conversation_id"])
        .map_err(|e| e.to_string())?
        .ok_or("no session.id (or conversation.id)")?;
    let named = named_developer(&attrs).map_err(|e| e.to_string())?;
    let owner = env
        .owners
        .telemetry_owner(&named)
        .map_err(|e| e.to_string())?;
    let nanos = if record.time_unix_nano > 0 {
        record.time_unix_nano.to_string()
    } else {
        ts.to_string()
    };
    let cx = Ctx {
        agent,
        name,
        attrs,
        session,
        ts,
        nanos,
        owner,
    };
    let kept = match (agent, cx.name.as_str()) {
        (Agent::ClaudeCode, "api_request") => claude_request(&cx, env.prices, out)?,
        (Agent::Codex, "sse_event" | "websocket_event") => codex_request(&cx, env.prices, out)?,
        (Agent::Gemini, "api_response") => gemini_request(&cx, env.prices, out)?,
        _ => event(&cx, out)?,
    };
    if kept {
        out.sessions.push(SessionRecord {
            agent,
            session_key: cx.session.clone(),
            source: "otlp".into(),
            developer: cx.owner.clone(),
            project_id: None,
            branch: None,
            started_at: ts,
            last_activity_at: ts,
            title: None,
        });
        out.owners.push(cx.owner);
    }
    Ok(kept)
}

fn request(
    cx: &Ctx<'_>,
    key: KeyKind,
    usage: TokenUsage,
    cost: Option<Cost>,
    fast: bool,
    prices: &PriceTable,
) -> Result<RequestRecord, String> {
    let model = cx.attrs.id("model").map_err(|e| e.to_string())?;
    let cost = cost.unwrap_or_else(|| prices.cost(model.as_deref(), &usage, fast));
    Ok(RequestRecord {
        dedupe_key: RequestKey::new(key),
        agent: cx.agent,
        session_key: cx.session.clone(),
        ts: cx.ts,
        model,
        usage,
        cost,
        developer: cx.owner.clone(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast,
        ord: 0,
    })
}

fn tokens(cx: &Ctx<'_>, key: &'static str) -> Result<i64, String> {
    cx.attrs.tokens(key).map_err(|e| e.to_string())
}

fn claude_request(cx: &Ctx<'_>, prices: &PriceTable, out: &mut Mapped) -> Result<bool, String> {
    let a = &cx.attrs;
    let key = match (
        a.id("request_id").map_err(|e| e.to_string())?,
        a.int("event.sequence"),
    ) {
        (Some(request), _) => KeyKind::ClaudeTelemetry { request },
        (None, Some(seq)) => KeyKind::ClaudeTelemetrySequence {
            session: cx.session.clone(),
            sequence: seq.to_string(),
        },
        (None, None) => KeyKind::ClaudeTelemetrySequence {
            session: cx.session.clone(),
            sequence: cx.nanos.clone(),
        },
    };
    let usage = claude_usage(ClaudeTokens {
        input: tokens(cx, "input_tokens")?,
        output: tokens(cx, "output_tokens")?,
        cache_read: tokens(cx, "cache_read_tokens")?,
        cache_write_5m: tokens(cx, "cache_creation_tokens")?,
        cache_write_1h: 0,
    });
    let reported = match a.cost_usd("cost_usd").map_err(|e| e.to_string())? {
        Some(usd) => Some(Money::from_usd(usd)),
        None => match a.int("cost_usd_micros") {
            Some(micros) => Some(Money::from_micro_usd(
                bounds::cost_micro_usd("cost_usd_micros", micros).map_err(|e| e.to_string())?,
            )),
            None => None,
        },
    }
    .map(Cost::reported);
    let fast = a.str("speed").is_some_and(|s| s == "fast");
    out.requests
        .push(request(cx, key, usage, reported, fast, prices)?);
    Ok(true)
}

fn codex_request(cx: &Ctx<'_>, prices: &PriceTable, out: &mut Mapped) -> Result<bool, String> {
    let kind = cx
        .attrs
        .first_str(&["event.kind", "event_kind"])
        .unwrap_or_default();
    if kind != "response.completed" {
        return Ok(false);
    }
    let usage = codex_usage(CodexTokens {
        input: tokens(cx, "input_token_count")?,
        cached: tokens(cx, "cached_token_count")?,
        output: tokens(cx, "output_token_count")?,
        reasoning: tokens(cx, "reasoning_token_count")?,
    });
    // Codex emits each event twice (docs/formats.md, Codex CLI telemetry): both copies
    // share this key.
    let at = match cx.attrs.id("event.timestamp").map_err(|e| e.to_string())? {
        Some(t) => t,
        None => cx.nanos.clone(),
    };
    let key = KeyKind::CodexTelemetry {
        session: cx.session.clone(),
        at,
    };
    out.requests
        .push(request(cx, key, usage, None, false, prices)?);
    Ok(true)
}

fn gemini_request(cx: &Ctx<'_>, prices: &PriceTable, out: &mut Mapped) -> Result<bool, String> {
    let usage = gemini_usage(GeminiTokens {
        input: tokens(cx, "input_token_count")?,
        cached: tokens(cx, "cached_content_token_count")?,
        output: tokens(cx, "output_token_count")?,
        thoughts: tokens(cx, "thoughts_token_count")?,
        tool: tokens(cx, "tool_token_count")?,
    });
    let prompt = cx
        .attrs
        .id("prompt_id")
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| "-".into());
    let key = KeyKind::GeminiTelemetry {
        session: cx.session.clone(),
        prompt,
        at: cx.nanos.clone(),
    };
    out.requests
        .push(request(cx, key, usage, None, false, prices)?);
    if let Some(status) = cx.attrs.int("status_code").filter(|s| *s >= 400) {
        push_event(cx, out, EventKind::ApiError, |e| {
            e.status_code = Some(status)
        })?;
    }
    Ok(true)
}

/// Timeline events shared by the three agents; unknown names are ignored.
fn event(cx: &Ctx<'_>, out: &mut Mapped) -> Result<bool, String> {
    let a = &cx.attrs;
    match cx.name.as_str() {
        "user_prompt" => push_event(cx, out, EventKind::Prompt, |e| {
            e.detail = a.int("prompt_length").map(|n| n.to_string())
        })?,
        "api_error" => push_event(cx, out, EventKind::ApiError, |e| {
            e.status_code = a.int("status_code");
            e.duration_ms = a.int("duration_ms");
        })?,
        "api_request" if a.bool("success") == Some(false) => {
            push_event(cx, out, EventKind::ApiError, |e| {
                e.status_code = a.int("http.response.status_code");
                e.duration_ms = a.int("duration_ms");
            })?
        }
        "tool_decision" => push_event(cx, out, EventKind::ToolDecision, |e| {
            e.tool_name = a.str("tool_name");
            e.decision = a.str("decision");
            e.detail = a.first_str(&["source", "decision_source"]);
        })?,
        "tool_result" | "tool_call" => {
            push_event(cx, out, EventKind::ToolUse, |e| {
                e.tool_name = a.first_str(&["tool_name", "function_name"]);
                e.decision = a.first_str(&["decision", "decision_type"]);
                e.duration_ms = a.int("duration_ms");
                e.detail = a
                    .bool("success")
                    .map(|ok| if ok { "ok" } else { "failed" }.to_string());
            })?;
            if let (Some(id), Some(tool)) = (a.str(super::commit_id::KEY), out.events.last()) {
                let commit = super::commit_id::commit_event(tool, id);
                out.events.push(commit);
            }
        }
        "compaction" | "chat_compression" => push_event(cx, out, EventKind::Compaction, |e| {
            e.detail = a.str("trigger")
        })?,
        // Claude Code switched to skipping every permission prompt.
        "permission_mode_changed" if a.str("to_mode").as_deref() == Some("bypassPermissions") => {
            push_permission_skip(cx, out, "bypassPermissions")?
        }
        "permission_mode_changed" => return Ok(false),
        "conversation_starts" => {
            let approval = a.str("approval_policy").unwrap_or_default();
            let sandbox = a.str("sandbox_policy").unwrap_or_default();
            if !EventRecord::codex_skips_permissions(&approval, &sandbox) {
                return Ok(false);
            }
            push_permission_skip(
                cx,
                out,
                &format!("approval_policy={approval}, sandbox={sandbox}"),
            )?
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The session's one `permission_skip` event, keyed as the file parsers key it (a session
/// seen in its transcript and its telemetry stores it once).
fn push_permission_skip(cx: &Ctx<'_>, out: &mut Mapped, detail: &str) -> Result<(), String> {
    let e = EventRecord::permission_skip(cx.agent, &cx.session, &cx.owner, cx.ts, detail);
    e.check_bounds(i64::MAX / 2)
        .map_err(|err| err.to_string())?;
    out.events.push(e);
    Ok(())
}

fn push_event(
    cx: &Ctx<'_>,
    out: &mut Mapped,
    kind: EventKind,
    fill: impl FnOnce(&mut EventRecord),
) -> Result<(), String> {
    let a = &cx.attrs;
    let id = a
        .first_id(&["tool_use_id", "call_id", "prompt.id", "prompt_id"])
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let key = match a.int("event.sequence") {
        Some(seq) if cx.agent == Agent::ClaudeCode => {
            format!("otel:{}:{}:{seq}", cx.agent, cx.session)
        }
        _ => format!(
            "otel:{}:{}:{}:{}:{id}",
            cx.agent,
            cx.session,
            cx.name,
            a.id("event.timestamp")
                .map_err(|e| e.to_string())?
                .unwrap_or_else(|| cx.nanos.clone())
        ),
    };
    let mut e = EventRecord {
        dedupe_key: key,
        agent: cx.agent,
        session_key: cx.session.clone(),
        developer: cx.owner.clone(),
        ts: cx.ts,
        kind,
        tool_name: None,
        decision: None,
        status_code: None,
        duration_ms: None,
        detail: None,
        ord: 0,
    };
    fill(&mut e);
    // The event's own fields (tool names, codes, durations) are bounded like pushed ones;
    // its key is built here from bounded parts.
    let mut probe = e.clone();
    probe.dedupe_key.clear();
    probe
        .check_bounds(i64::MAX / 2)
        .map_err(|err| err.to_string())?;
    out.events.push(e);
    Ok(())
}
