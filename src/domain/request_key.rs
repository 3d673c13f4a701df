//! The key of a model request: which source saw it and the ids that make it unique. The key
//! owns its text grammar (`cc:msg_1:req_1`, `ccreq:req_1`, …), the dedupe policy that follows
//! from its kind, and the provider request id a transcript copy and a telemetry copy share.
//!
//! Keys are unique per owner (the request's developer), never globally: two developers may
//! hold the same key, and no rule ever compares rows of different owners.

use super::Agent;
use super::records::DedupePolicy;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What the key says about the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Claude Code transcript: `cc:{message.id}` or `cc:{message.id}:{requestId}`.
    ClaudeMessage {
        message: String,
        request: Option<String>,
    },
    /// Claude Code transcript line without a message id: `cc:uuid:{uuid}`.
    ClaudeLine { uuid: String },
    /// Claude Code transcript line with neither: `cc:{session}:{ts}:{offset}`.
    ClaudePosition {
        session: String,
        ts: i64,
        offset: u64,
    },
    /// Claude Code telemetry `api_request` with a request id: `ccreq:{request_id}`.
    ClaudeTelemetry { request: String },
    /// Claude Code telemetry without a request id: `ccseq:{session}:{sequence or time}`.
    ClaudeTelemetrySequence { session: String, sequence: String },
    /// Codex rollout `token_count`: `cx:{session}:{ts}:{position}`.
    CodexRollout {
        session: String,
        ts: i64,
        position: String,
    },
    /// Codex telemetry `response.completed`: `cxotel:{session}:{time}`.
    CodexTelemetry { session: String, at: String },
    /// Gemini CLI chat message: `gm:{session}:{message id}`.
    GeminiMessage { session: String, message: String },
    /// Gemini CLI telemetry `api_response`: `gmotel:{session}:{prompt_id}:{time}`.
    GeminiTelemetry {
        session: String,
        prompt: String,
        at: String,
    },
    /// Cursor's usage-events API: `cursor:{digest of the event}`.
    CursorUsage { digest: String },
    /// GitHub Copilot CLI usage event: `cpcli:{session}:{event id}:{model}`.
    CopilotCli {
        session: String,
        event: String,
        model: String,
    },
    /// GitHub Copilot CLI credit-only row (keyed on the amount, its event ids differ):
    /// `cpcli-credit:{session}:{model}:{nano AIU}`.
    CopilotCliCredit {
        session: String,
        model: String,
        nano_aiu: i64,
    },
    /// The demo organisation: `demo:{agent tag}:{session}:{n}`.
    Demo {
        agent: Agent,
        session: String,
        n: i64,
    },
}

/// A request key: its kind and its canonical text (what is stored and sent).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestKey {
    kind: KeyKind,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{shown}` is not a request key agentdeck knows ({why})")]
pub struct BadKey {
    /// The start of the refused text (never more than 80 characters).
    pub shown: String,
    pub why: &'static str,
}

fn bad(text: &str, why: &'static str) -> BadKey {
    BadKey {
        shown: text.chars().take(80).collect(),
        why,
    }
}

/// Escapes `%` and `:` (and the literal `uuid` as a message id) so components never split.
fn escape(part: &str, out: &mut String) {
    for c in part.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
}

fn unescape(part: &str) -> Option<String> {
    if !part.contains('%') {
        return Some(part.to_string());
    }
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn agent_tag(agent: Agent) -> &'static str {
    match agent {
        Agent::ClaudeCode => "cc",
        Agent::Codex => "cx",
        Agent::Gemini => "gm",
        Agent::Cursor => "cu",
        Agent::Copilot => "co",
    }
}

fn tag_agent(tag: &str) -> Option<Agent> {
    Agent::ALL.into_iter().find(|a| agent_tag(*a) == tag)
}

impl KeyKind {
    fn render(&self) -> String {
        let mut out = String::new();
        let mut parts = |tag: &str, parts: &[&str]| {
            out.push_str(tag);
            for p in parts {
                out.push(':');
                escape(p, &mut out);
            }
        };
        match self {
            KeyKind::ClaudeMessage { message, request } => {
                // A message id that reads `uuid` would look like a line key: escape its `u`.
                let message = if message == "uuid" {
                    "%75uid".to_string()
                } else {
                    let mut m = String::new();
                    escape(message, &mut m);
                    m
                };
                out.push_str("cc:");
                out.push_str(&message);
                if let Some(r) = request {
                    out.push(':');
                    escape(r, &mut out);
                }
            }
            KeyKind::ClaudeLine { uuid } => parts("cc", &["uuid", uuid]),
            KeyKind::ClaudePosition {
                session,
                ts,
                offset,
            } => parts("cc", &[session, &ts.to_string(), &offset.to_string()]),
            KeyKind::ClaudeTelemetry { request } => parts("ccreq", &[request]),
            KeyKind::ClaudeTelemetrySequence { session, sequence } => {
                parts("ccseq", &[session, sequence])
            }
            KeyKind::CodexRollout {
                session,
                ts,
                position,
            } => parts("cx", &[session, &ts.to_string(), position]),
            KeyKind::CodexTelemetry { session, at } => parts("cxotel", &[session, at]),
            KeyKind::GeminiMessage { session, message } => parts("gm", &[session, message]),
            KeyKind::GeminiTelemetry {
                session,
                prompt,
                at,
            } => parts("gmotel", &[session, prompt, at]),
            KeyKind::CursorUsage { digest } => parts("cursor", &[digest]),
            KeyKind::CopilotCli {
                session,
                event,
                model,
            } => parts("cpcli", &[session, event, model]),
            KeyKind::CopilotCliCredit {
                session,
                model,
                nano_aiu,
            } => parts("cpcli-credit", &[session, model, &nano_aiu.to_string()]),
            KeyKind::Demo { agent, session, n } => {
                parts("demo", &[agent_tag(*agent), session, &n.to_string()])
            }
        }
        out
    }
}

impl RequestKey {
    pub fn new(kind: KeyKind) -> RequestKey {
        let text = kind.render();
        RequestKey { kind, text }
    }

    pub fn claude_message(message: &str, request: Option<&str>) -> RequestKey {
        Self::new(KeyKind::ClaudeMessage {
            message: message.to_string(),
            request: request.map(str::to_string),
        })
    }

    pub fn claude_telemetry(request: &str) -> RequestKey {
        Self::new(KeyKind::ClaudeTelemetry {
            request: request.to_string(),
        })
    }

    /// Reads the text form; anything outside the grammar is refused.
    pub fn parse(text: &str) -> Result<RequestKey, BadKey> {
        let (tag, rest) = text.split_once(':').ok_or_else(|| bad(text, "no kind"))?;
        let raw: Vec<&str> = rest.split(':').collect();
        let parts = raw
            .iter()
            .map(|p| unescape(p))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| bad(text, "a bad %-escape"))?;
        if parts.iter().any(String::is_empty) {
            return Err(bad(text, "an empty part"));
        }
        let int = |s: &str| s.parse::<i64>().map_err(|_| bad(text, "a bad number"));
        let kind = match (tag, parts.as_slice()) {
            ("cc", [m]) => KeyKind::ClaudeMessage {
                message: m.clone(),
                request: None,
            },
            // The raw (unescaped) `uuid` marks a line key; an escaped one is a message id.
            ("cc", [_, uuid]) if raw[0] == "uuid" => KeyKind::ClaudeLine { uuid: uuid.clone() },
            ("cc", [m, r]) => KeyKind::ClaudeMessage {
                message: m.clone(),
                request: Some(r.clone()),
            },
            ("cc", [s, ts, offset]) => KeyKind::ClaudePosition {
                session: s.clone(),
                ts: int(ts)?,
                offset: offset.parse().map_err(|_| bad(text, "a bad offset"))?,
            },
            ("ccreq", [r]) => KeyKind::ClaudeTelemetry { request: r.clone() },
            ("ccseq", [s, q]) => KeyKind::ClaudeTelemetrySequence {
                session: s.clone(),
                sequence: q.clone(),
            },
            ("cx", [s, ts, p]) => KeyKind::CodexRollout {
                session: s.clone(),
                ts: int(ts)?,
                position: p.clone(),
            },
            ("cxotel", [s, at]) => KeyKind::CodexTelemetry {
                session: s.clone(),
                at: at.clone(),
            },
            ("gm", [s, m]) => KeyKind::GeminiMessage {
                session: s.clone(),
                message: m.clone(),
            },
            ("gmotel", [s, p, at]) => KeyKind::GeminiTelemetry {
                session: s.clone(),
                prompt: p.clone(),
                at: at.clone(),
            },
            ("cursor", [d]) => KeyKind::CursorUsage { digest: d.clone() },
            ("cpcli", [s, e, m]) => KeyKind::CopilotCli {
                session: s.clone(),
                event: e.clone(),
                model: m.clone(),
            },
            ("cpcli-credit", [s, m, n]) => KeyKind::CopilotCliCredit {
                session: s.clone(),
                model: m.clone(),
                nano_aiu: int(n)?,
            },
            ("demo", [a, s, n]) => KeyKind::Demo {
                agent: tag_agent(a).ok_or_else(|| bad(text, "an unknown agent"))?,
                session: s.clone(),
                n: int(n)?,
            },
            _ => return Err(bad(text, "an unknown kind or number of parts")),
        };
        let key = RequestKey::new(kind);
        if key.text != text {
            // One request, one text: `cc:a%3Ab` and a hand-written `cc:a%3ab` are not both keys.
            return Err(bad(text, "not in canonical form"));
        }
        Ok(key)
    }

    pub fn kind(&self) -> &KeyKind {
        &self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How two copies with this key are resolved: Claude transcripts keep the largest copy,
    /// Gemini chats the last record, everything else the first copy.
    pub fn policy(&self) -> DedupePolicy {
        match self.kind {
            KeyKind::ClaudeMessage { .. }
            | KeyKind::ClaudeLine { .. }
            | KeyKind::ClaudePosition { .. } => DedupePolicy::LargestCopy,
            KeyKind::GeminiMessage { .. } => DedupePolicy::LastWins,
            _ => DedupePolicy::FirstWins,
        }
    }

    /// The agent a key of this kind belongs to.
    pub fn agent(&self) -> Agent {
        match &self.kind {
            KeyKind::ClaudeMessage { .. }
            | KeyKind::ClaudeLine { .. }
            | KeyKind::ClaudePosition { .. }
            | KeyKind::ClaudeTelemetry { .. }
            | KeyKind::ClaudeTelemetrySequence { .. } => Agent::ClaudeCode,
            KeyKind::CodexRollout { .. } | KeyKind::CodexTelemetry { .. } => Agent::Codex,
            KeyKind::GeminiMessage { .. } | KeyKind::GeminiTelemetry { .. } => Agent::Gemini,
            KeyKind::CursorUsage { .. } => Agent::Cursor,
            KeyKind::CopilotCli { .. } | KeyKind::CopilotCliCredit { .. } => Agent::Copilot,
            KeyKind::Demo { agent, .. } => *agent,
        }
    }

    /// The provider request id a transcript copy and a telemetry copy of one Claude request
    /// share (`cc:{message}:{request}` and `ccreq:{request}`), so it counts once.
    pub fn cross_source_id(&self) -> Option<&str> {
        match &self.kind {
            KeyKind::ClaudeMessage {
                request: Some(r), ..
            }
            | KeyKind::ClaudeTelemetry { request: r } => Some(r),
            _ => None,
        }
    }

    /// What a store keeps in its request-id column (and index): the cross-source id of
    /// transcript rows only. A telemetry row is found by its key, which the id determines
    /// ([`RequestKey::telemetry_copy`]), so it needs no second index entry.
    pub fn indexed_request_id(&self) -> Option<&str> {
        if self.is_telemetry() {
            None
        } else {
            self.cross_source_id()
        }
    }

    /// The key a telemetry copy of this transcript request has (`ccreq:{request id}`), so a
    /// store can find that copy by key instead of by request id. None for other keys.
    pub fn telemetry_copy(&self) -> Option<RequestKey> {
        match &self.kind {
            KeyKind::ClaudeMessage {
                request: Some(r), ..
            } => Some(RequestKey::claude_telemetry(r)),
            _ => None,
        }
    }

    /// True for telemetry keys: a transcript copy with the same cross-source id wins over it.
    pub fn is_telemetry(&self) -> bool {
        matches!(
            self.kind,
            KeyKind::ClaudeTelemetry { .. }
                | KeyKind::ClaudeTelemetrySequence { .. }
                | KeyKind::CodexTelemetry { .. }
                | KeyKind::GeminiTelemetry { .. }
        )
    }
}

impl std::ops::Deref for RequestKey {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for RequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for RequestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

impl PartialEq<str> for RequestKey {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for RequestKey {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl PartialEq<String> for RequestKey {
    fn eq(&self, other: &String) -> bool {
        &self.text == other
    }
}

impl std::str::FromStr for RequestKey {
    type Err = BadKey;
    fn from_str(s: &str) -> Result<RequestKey, BadKey> {
        RequestKey::parse(s)
    }
}

impl Serialize for RequestKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for RequestKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RequestKey, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        RequestKey::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_text() {
        let keys = [
            "cc:msg_01:req_01",
            "cc:msg_01",
            "cc:uuid:c3000000-0000-4000-8000-000000000002",
            "cc:s-old:1767952803120:512",
            "ccreq:req_011A",
            "ccseq:sess:17",
            "cx:019a-b:1767952803120:1200",
            "cxotel:conv:2026-01-09T10:00:03.120Z",
            "gm:6f1c:m2",
            "gmotel:s:p:1767952803120000000",
            "demo:cu:dev-7:12",
            "cursor:0123456789abcdef0123456789abcdef",
            "cpcli:s1:ev-9:claude-sonnet-4.5",
            "cpcli-credit:s1:gpt-5:1500000",
        ];
        for text in keys {
            let escaped_time = text.replace("10:00:03", "10%3A00%3A03");
            let text = if text.starts_with("cxotel") {
                escaped_time.as_str()
            } else {
                text
            };
            let key = RequestKey::parse(text).unwrap();
            assert_eq!(key.as_str(), text);
            assert_eq!(RequestKey::new(key.kind().clone()), key);
        }
    }

    #[test]
    fn components_with_colons_and_the_word_uuid_stay_unambiguous() {
        let odd = RequestKey::claude_message("uuid", Some("a:b"));
        assert_eq!(odd.as_str(), "cc:%75uid:a%3Ab");
        let back = RequestKey::parse(odd.as_str()).unwrap();
        assert_eq!(back.kind(), odd.kind());
        assert_eq!(back.cross_source_id(), Some("a:b"));
        assert!(matches!(
            RequestKey::parse("cc:uuid:x").unwrap().kind(),
            KeyKind::ClaudeLine { .. }
        ));
    }

    #[test]
    fn policy_and_cross_source_id_follow_the_kind() {
        let t = RequestKey::parse("cc:msg_1:req_1").unwrap();
        assert_eq!(t.policy(), DedupePolicy::LargestCopy);
        assert_eq!(t.cross_source_id(), Some("req_1"));
        assert!(!t.is_telemetry());
        let o = RequestKey::claude_telemetry("req_1");
        assert_eq!(o.policy(), DedupePolicy::FirstWins);
        assert_eq!(o.cross_source_id(), Some("req_1"));
        assert!(o.is_telemetry());
        assert_eq!(t.telemetry_copy(), Some(o.clone()));
        assert_eq!(o.telemetry_copy(), None);
        let odd = RequestKey::parse("cc:msg_1:a%3Ab").unwrap();
        assert_eq!(
            odd.telemetry_copy()
                .map(|k| k.cross_source_id().map(str::to_string)),
            Some(odd.cross_source_id().map(str::to_string))
        );
        assert_eq!(
            RequestKey::parse("gm:s:m").unwrap().policy(),
            DedupePolicy::LastWins
        );
        assert_eq!(
            RequestKey::parse("cc:msg_1").unwrap().cross_source_id(),
            None
        );
    }

    #[test]
    fn text_outside_the_grammar_is_refused() {
        for text in [
            "",
            "nokind",
            "zz:a",
            "cc:",
            "cc:a:b:c:d",
            "cx:s:notanumber:1",
            "cc:a%zz",
            "cc:a%3ab",
            "demo:vim:s:1",
        ] {
            assert!(RequestKey::parse(text).is_err(), "{text}");
        }
    }
}
