//! OTLP log records → store rows. Claude Code, Codex and Gemini CLI events (docs/formats.md)
//! become requests (token usage, cost) and metadata-only timeline events; other events are
//! accepted and ignored; records we cannot key are rejected (partial success).

use super::Mapped;
use super::attrs::{Attrs, drop_content};
use super::identity::{Identity, identify};
use crate::domain::{
    Agent, Cost, DedupePolicy, EventKind, EventRecord, Money, RequestRecord, SessionRecord,
    TokenUsage,
};
use crate::pricing::PriceTable;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;

/// Maps a whole export; `pinned` is the developer of a member token, if any.
pub fn map_logs(
    mut request: ExportLogsServiceRequest,
    prices: &PriceTable,
    pinned: Option<&Identity>,
) -> Mapped {
    let mut out = Mapped::default();
    for rl in &mut request.resource_logs {
        let mut resource = rl.resource.take().map(|r| r.attributes).unwrap_or_default();
        drop_content(&mut resource);
        for sl in &mut rl.scope_logs {
            let scope = sl.scope.as_ref().map(|s| s.name.as_str()).unwrap_or("");
            for record in &mut sl.log_records {
                out.received += 1;
                super::commit_id::lift(&mut record.attributes);
                drop_content(&mut record.attributes);
                map_record(record, &resource, scope, prices, pinned, &mut out);
            }
        }
    }
    out
}

/// The agent and the bare event name (`api_request`), from the record's event name, its
/// `event.name` attribute or its body, else from `service.name` / the scope.
fn classify(record: &LogRecord, attrs: &Attrs<'_>, scope: &str) -> Option<(Agent, String)> {
    let body = match record.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(Value::StringValue(s)) if s.len() < 128 => Some(s.clone()),
        _ => None,
    };
    let candidates: Vec<String> = [
        Some(record.event_name.clone()),
        attrs.str("event.name"),
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
    nanos: String,
    who: Identity,
}

fn map_record(
    record: &LogRecord,
    resource: &[KeyValue],
    scope: &str,
    prices: &PriceTable,
    pinned: Option<&Identity>,
    out: &mut Mapped,
) {
    let attrs = Attrs {
        own: &record.attributes,
        resource,
    };
    let Some((agent, name)) = classify(record, &attrs, scope) else {
        out.ignored += 1;
        return;
    };
    let Some(ts) = timestamp_ms(record, &attrs) else {
        out.reject("log records had no timestamp");
        return;
    };
    let session = attrs.first_str(&["session.id", "conversation.id", "conversation_id"]);
    let Some(session) = session else {
        out.reject("log records had no session.id (or conversation.id)");
        return;
    };
    let nanos = if record.time_unix_nano > 0 {
        record.time_unix_nano.to_string()
    } else {
        ts.to_string()
    };
    let who = identify(&attrs, pinned);
    let cx = Ctx {
        agent,
        name,
        attrs,
        session,
        ts,
        nanos,
        who,
    };
    let kept = match (agent, cx.name.as_str()) {
        (Agent::ClaudeCode, "api_request") => claude_request(&cx, prices, out),
        (Agent::Codex, "sse_event" | "websocket_event") => codex_request(&cx, prices, out),
        (Agent::Gemini, "api_response") => gemini_request(&cx, prices, out),
        _ => event(&cx, out),
    };
    if kept {
        out.sessions.push(SessionRecord {
            agent,
            session_key: cx.session.clone(),
            source: "otlp".into(),
            developer: cx.who.developer.clone(),
            project_id: None,
            branch: None,
            started_at: ts,
            last_activity_at: ts,
            title: None,
        });
        out.identities.push(cx.who);
    } else {
        out.ignored += 1;
    }
}

fn request(
    cx: &Ctx<'_>,
    dedupe_key: String,
    usage: TokenUsage,
    cost: Option<Cost>,
    fast: bool,
    prices: &PriceTable,
) -> RequestRecord {
    let model = cx.attrs.str("model");
    let cost = cost.unwrap_or_else(|| prices.cost(model.as_deref(), &usage, fast));
    RequestRecord {
        dedupe_key,
        policy: DedupePolicy::FirstWins,
        agent: cx.agent,
        session_key: cx.session.clone(),
        ts: cx.ts,
        model,
        usage,
        cost,
        developer: cx.who.developer.clone(),
        project_id: None,
        sidechain: false,
        message_id: None,
        fast,
        ord: 0,
    }
}

fn count(cx: &Ctx<'_>, key: &str) -> i64 {
    cx.attrs.int(key).unwrap_or(0).max(0)
}

fn claude_request(cx: &Ctx<'_>, prices: &PriceTable, out: &mut Mapped) -> bool {
    let key = match (cx.attrs.str("request_id"), cx.attrs.int("event.sequence")) {
        (Some(id), _) => format!("ccreq:{id}"),
        (None, Some(seq)) => format!("ccseq:{}:{seq}", cx.session),
        (None, None) => format!("ccseq:{}:{}", cx.session, cx.nanos),
    };
    let usage = TokenUsage {
        input: count(cx, "input_tokens"),
        output: count(cx, "output_tokens"),
        cache_write_5m: count(cx, "cache_creation_tokens"),
        cache_write_1h: 0,
        cache_read: count(cx, "cache_read_tokens"),
        reasoning: 0,
    };
    let reported = cx
        .attrs
        .float("cost_usd")
        .map(Money::from_usd)
        .or_else(|| cx.attrs.int("cost_usd_micros").map(Money::from_micro_usd))
        .map(Cost::reported);
    let fast = cx.attrs.str("speed").is_some_and(|s| s == "fast");
    out.requests
        .push(request(cx, key, usage, reported, fast, prices));
    true
}

fn codex_request(cx: &Ctx<'_>, prices: &PriceTable, out: &mut Mapped) -> bool {
    let kind = cx
        .attrs
        .first_str(&["event.kind", "event_kind"])
        .unwrap_or_default();
    if kind != "response.completed" {
        return false;
    }
    let cached = count(cx, "cached_token_count");
    let usage = TokenUsage {
        input: (count(cx, "input_token_count") - cached).max(0),
        output: count(cx, "output_token_count"),
        cache_read: cached,
        reasoning: count(cx, "reasoning_token_count"),
        ..TokenUsage::default()
    };
    // Codex emits each event twice (docs/formats.md, Codex CLI telemetry): both copies share this key.
    let when = cx
        .attrs
        .str("event.timestamp")
        .unwrap_or_else(|| cx.nanos.clone());
    out.requests.push(request(
        cx,
        format!("cxotel:{}:{when}", cx.session),
        usage,
        None,
        false,
        prices,
    ));
    true
}

fn gemini_request(cx: &Ctx<'_>, prices: &PriceTable, out: &mut Mapped) -> bool {
    let cached = count(cx, "cached_content_token_count");
    let thoughts = count(cx, "thoughts_token_count");
    let usage = TokenUsage {
        input: (count(cx, "input_token_count") - cached).max(0),
        output: count(cx, "output_token_count") + thoughts,
        cache_read: cached,
        reasoning: thoughts,
        ..TokenUsage::default()
    };
    let prompt = cx.attrs.str("prompt_id").unwrap_or_default();
    out.requests.push(request(
        cx,
        format!("gmotel:{}:{prompt}:{}", cx.session, cx.nanos),
        usage,
        None,
        false,
        prices,
    ));
    if let Some(status) = cx.attrs.int("status_code").filter(|s| *s >= 400) {
        push_event(cx, out, EventKind::ApiError, |e| {
            e.status_code = Some(status)
        });
    }
    true
}

/// Timeline events shared by the three agents; unknown names are ignored.
fn event(cx: &Ctx<'_>, out: &mut Mapped) -> bool {
    let a = &cx.attrs;
    match cx.name.as_str() {
        "user_prompt" => push_event(cx, out, EventKind::Prompt, |e| {
            e.detail = a.int("prompt_length").map(|n| n.to_string())
        }),
        "api_error" => push_event(cx, out, EventKind::ApiError, |e| {
            e.status_code = a.int("status_code");
            e.duration_ms = a.int("duration_ms");
        }),
        "api_request" if a.bool("success") == Some(false) => {
            push_event(cx, out, EventKind::ApiError, |e| {
                e.status_code = a.int("http.response.status_code");
                e.duration_ms = a.int("duration_ms");
            })
        }
        "tool_decision" => push_event(cx, out, EventKind::ToolDecision, |e| {
            e.tool_name = a.str("tool_name");
            e.decision = a.str("decision");
            e.detail = a.first_str(&["source", "decision_source"]);
        }),
        "tool_result" | "tool_call" => {
            push_event(cx, out, EventKind::ToolUse, |e| {
                e.tool_name = a.first_str(&["tool_name", "function_name"]);
                e.decision = a.first_str(&["decision", "decision_type"]);
                e.duration_ms = a.int("duration_ms");
                e.detail = a
                    .bool("success")
                    .map(|ok| if ok { "ok" } else { "failed" }.to_string());
            });
            if let (Some(id), Some(tool)) = (a.str(super::commit_id::KEY), out.events.last()) {
                let commit = super::commit_id::commit_event(tool, id);
                out.events.push(commit);
            }
        }
        "compaction" | "chat_compression" => push_event(cx, out, EventKind::Compaction, |e| {
            e.detail = a.str("trigger")
        }),
        _ => return false,
    }
    true
}

fn push_event(
    cx: &Ctx<'_>,
    out: &mut Mapped,
    kind: EventKind,
    fill: impl FnOnce(&mut EventRecord),
) {
    let a = &cx.attrs;
    let id = a
        .first_str(&["tool_use_id", "call_id", "prompt.id", "prompt_id"])
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
            a.str("event.timestamp").unwrap_or_else(|| cx.nanos.clone())
        ),
    };
    let mut e = EventRecord {
        dedupe_key: key,
        agent: cx.agent,
        session_key: cx.session.clone(),
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
    out.events.push(e);
}
