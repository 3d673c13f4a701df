//! Gemini chat records → requests (last record per message id wins), prompt/tool/error
//! events, rewind markers and sessions. Nothing answered is ever removed: `$set.messages`
//! checkpoints upsert the messages they list and `$rewindTo` only marks what follows
//! (docs/accounting.md#gemini-cli). `Chat` holds what one session file has taught us; the
//! JSONL parser saves it in the cursor, the legacy document reader uses it once.

use super::paths::project_hash_from_path;
use super::record::Record;
use crate::collect::parse::{LineLoc, LineParser, ParseEnv, ParsedRows, SkipReason};
use crate::collect::sources::fields::Ts;
use crate::collect::sources::json::{parse_record, trim_line};
use crate::collect::sources::rows::{With, event, ord, remember};
use crate::domain::tokens::{GeminiTokens, gemini_usage};
use crate::domain::{
    Agent, EventKind, KeyKind, ProjectRecord, RequestKey, RequestRecord, SessionRecord,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SOURCE: &str = "gemini_files";
const MAX_TITLE_CHARS: usize = 120;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct ChatState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project: Option<ProjectRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_ts: Option<i64>,
    /// Ordinal of each live message id: the byte offset where it first appeared.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    ords: BTreeMap<String, i64>,
}

pub(super) struct Chat {
    pub(super) state: ChatState,
    path_session: String,
    path_hash: Option<String>,
    project_emitted: bool,
}

impl Chat {
    pub(super) fn new(path: &Path, state: ChatState) -> Chat {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unknown");
        Chat {
            state,
            path_session: stem.to_owned(),
            path_hash: project_hash_from_path(path),
            project_emitted: false,
        }
    }

    pub(super) fn session(&self) -> &str {
        self.state
            .session_id
            .as_deref()
            .unwrap_or(&self.path_session)
    }

    /// Session id, project and title from a metadata record (or a `$set`).
    pub(super) fn metadata(&mut self, rec: &Record<'_>, env: &ParseEnv<'_>) {
        if self.state.session_id.is_none() {
            remember(&mut self.state.session_id, rec.session_id.get());
        }
        let from_hash = self
            .state
            .project
            .as_ref()
            .is_none_or(|p| p.id.starts_with("gemini:"));
        let directory = rec.directories.0.iter().find_map(|d| d.get());
        let project = match (
            directory,
            rec.project_hash.get().or(self.path_hash.as_deref()),
        ) {
            (Some(dir), _) if from_hash => Some(env.projects.resolve(dir)),
            (None, Some(hash)) if self.state.project.is_none() => Some(ProjectRecord {
                id: format!("gemini:{hash}"),
                display_name: format!("gemini:{}", hash.chars().take(8).collect::<String>()),
            }),
            _ => None,
        };
        if project.is_some() && project != self.state.project {
            self.state.project = project;
            self.project_emitted = false;
        }
        if let Some(title) = rec.summary.get().map(str::trim).filter(|t| !t.is_empty()) {
            self.state.title = Some(title.chars().take(MAX_TITLE_CHARS).collect());
        }
    }

    /// Without metadata (a file read from the middle, a bare legacy document) the project
    /// hash in the path still names the project.
    fn ensure_project(&mut self, env: &ParseEnv<'_>) {
        if self.state.project.is_none() {
            self.metadata(&Record::default(), env);
        }
    }

    pub(super) fn session_record(&mut self, ts: i64, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        self.ensure_project(env);
        if !self.project_emitted
            && let Some(project) = &self.state.project
        {
            out.projects.push(project.clone());
            self.project_emitted = true;
        }
        self.state.last_ts = Some(self.state.last_ts.map_or(ts, |t| t.max(ts)));
        out.sessions.push(SessionRecord {
            agent: Agent::Gemini,
            session_key: self.session().to_owned(),
            source: SOURCE.to_owned(),
            developer: env.developer.to_owned(),
            project_id: self.state.project.as_ref().map(|p| p.id.clone()),
            branch: None,
            started_at: ts,
            last_activity_at: ts,
            title: self.state.title.clone(),
        });
    }

    /// The ordinal of a message id: where it first appeared (`at` for a new id).
    pub(super) fn ord_of(&mut self, id: &str, at: i64) -> i64 {
        if let Some(known) = self.state.ords.get(id) {
            return *known;
        }
        self.state.ords.insert(id.to_owned(), at);
        at
    }

    /// One message record. `fallback_ts` stands in for a missing timestamp (legacy files).
    pub(super) fn message(
        &mut self,
        rec: &Record<'_>,
        ord: i64,
        loc: LineLoc,
        fallback_ts: Option<i64>,
        env: &ParseEnv<'_>,
        out: &mut ParsedRows,
    ) {
        let Some(id) = rec.id.get() else { return };
        remember(&mut self.state.model, rec.model.get());
        let kind = rec.msg_type.get();
        let tokens = rec.tokens.0.as_ref().filter(|_| kind == Some("gemini"));
        let calls = if kind == Some("gemini") {
            &rec.tool_calls.0[..]
        } else {
            &[]
        };
        let wanted =
            tokens.is_some() || !calls.is_empty() || matches!(kind, Some("user" | "error"));
        if !wanted {
            return;
        }
        let ts = match (rec.timestamp, fallback_ts) {
            (Some(Ts::Millis(ts)), _) | (None, Some(ts)) => ts,
            (Some(Ts::Bad), _) => return out.skip(loc, SkipReason::BadValue("timestamp"), None),
            (None, None) => return out.skip(loc, SkipReason::MissingField("timestamp"), None),
        };
        self.ensure_project(env);
        let sid = self.session().to_owned();
        let mut produced = false;
        let counts = match tokens.map(|t| t.counts()).transpose() {
            Ok(counts) => counts,
            Err(why) => {
                out.refuse(loc, why);
                None
            }
        };
        if let Some((input, cached, output, thoughts, tool)) = counts
            && (input != 0 || cached != 0 || output != 0 || thoughts != 0 || tool != 0)
        {
            {
                let usage = gemini_usage(GeminiTokens {
                    input,
                    cached,
                    output,
                    thoughts,
                    tool,
                });
                let model = self.state.model.clone();
                out.requests.push(RequestRecord {
                    dedupe_key: RequestKey::new(KeyKind::GeminiMessage {
                        session: sid.clone(),
                        message: id.to_owned(),
                    }),
                    agent: Agent::Gemini,
                    session_key: sid.clone(),
                    ts,
                    cost: env.prices.cost(model.as_deref(), &usage, false),
                    model,
                    usage,
                    developer: env.developer.to_owned(),
                    project_id: self.state.project.as_ref().map(|p| p.id.clone()),
                    sidechain: false,
                    message_id: None,
                    fast: false,
                    ord,
                });
                produced = true;
            }
        }
        for (i, call) in calls.iter().enumerate() {
            let name = call
                .0
                .as_ref()
                .and_then(|c| c.name.get())
                .map(str::to_owned);
            let key = match call.0.as_ref().and_then(|c| c.id.get()) {
                Some(call_id) => format!("gm:{sid}:tool:{call_id}"),
                None => format!("gm:{sid}:{id}:tool:{i}"),
            };
            out.events.push(
                event(Agent::Gemini, &sid, key, ts, EventKind::ToolUse, ord)
                    .with(|e| e.tool_name = name),
            );
            produced = true;
        }
        match kind {
            Some("user") => {
                let chars = rec.content.as_ref().map_or(0, |c| c.text.chars);
                let key = format!("gm:{sid}:{id}:prompt");
                let detail = Some(format!("chars={chars}"));
                out.events.push(
                    event(Agent::Gemini, &sid, key, ts, EventKind::Prompt, ord)
                        .with(|e| e.detail = detail),
                );
                produced = true;
            }
            Some("error") => {
                let key = format!("gm:{sid}:{id}:error");
                let detail = Some("error".to_owned());
                out.events.push(
                    event(Agent::Gemini, &sid, key, ts, EventKind::ApiError, ord)
                        .with(|e| e.detail = detail),
                );
                produced = true;
            }
            _ => {}
        }
        if produced {
            self.session_record(ts, env, out);
        }
    }
}

/// The JSONL chat parser (current Gemini CLI format).
pub struct GeminiParser {
    chat: Chat,
}

impl GeminiParser {
    pub fn new(path: &Path, saved_state: Option<&str>) -> GeminiParser {
        GeminiParser {
            chat: Chat::new(path, super::super::restore_state(path, saved_state)),
        }
    }

    /// `$rewindTo`: the user went back to `target` and the conversation continues from
    /// there. The replies after it were answered and billed, so they stay counted; a
    /// `rewind` event (detail: the first rewound ordinal) lets Replay show them as rewound.
    fn rewind(&mut self, target: &str, loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let Some(from_ord) = self.chat.state.ords.get(target).copied() else {
            return out.skip(
                loc,
                SkipReason::BadValue("$rewindTo"),
                Some("unknown message id".to_owned()),
            );
        };
        let Some(ts) = self.chat.state.last_ts else {
            return;
        };
        let sid = self.chat.session().to_owned();
        let at = ord(loc);
        let key = format!("gm:{sid}:rewind:{at}");
        let detail = Some(format!("rewound_from_ord={from_ord}"));
        out.events.push(
            event(Agent::Gemini, &sid, key, ts, EventKind::Rewind, at).with(|e| e.detail = detail),
        );
        self.chat.session_record(ts, env, out);
    }

    /// `$set`: metadata, and possibly a `messages` checkpoint (written on chat compression,
    /// when a cancelled turn is rolled back, or when history is masked). The listed
    /// messages are upserted like any message record; the ones it leaves out were
    /// answered and billed, so they are kept.
    fn set(&mut self, set: &Record<'_>, loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let title_before = self.chat.state.title.clone();
        self.chat.metadata(set, env);
        if let Some(messages) = &set.messages {
            for (i, msg) in messages.0.iter().enumerate() {
                let Some(msg) = msg.0.as_ref() else { continue };
                let at = ord(loc).saturating_add(i as i64);
                let ord = msg.id.get().map_or(at, |id| self.chat.ord_of(id, at));
                self.chat.message(msg, ord, loc, None, env, out);
            }
        }
        let ts = match set.last_updated {
            Some(Ts::Millis(ts)) => Some(ts),
            _ => self.chat.state.last_ts,
        };
        if self.chat.state.title != title_before
            && let Some(ts) = ts
        {
            self.chat.session_record(ts, env, out);
        }
    }
}

impl LineParser for GeminiParser {
    fn parse_line(&mut self, raw: &[u8], loc: LineLoc, env: &ParseEnv<'_>, out: &mut ParsedRows) {
        let Some(bytes) = trim_line(raw) else { return };
        let rec: Record<'_> = match parse_record(bytes) {
            Ok(record) => record,
            Err((reason, detail)) => return out.skip(loc, reason, detail),
        };
        if let Some(target) = rec.rewind_to.get() {
            self.rewind(target, loc, env, out);
        } else if let Some(set) = rec.set.0.as_deref() {
            self.set(set, loc, env, out);
        } else if let Some(id) = rec.id.get() {
            let ord = self.chat.ord_of(id, ord(loc));
            self.chat.message(&rec, ord, loc, None, env, out);
        } else if rec.session_id.get().is_some() {
            self.chat.metadata(&rec, env);
            if let Some(Ts::Millis(start)) = rec.start_time {
                self.chat.session_record(start, env, out);
            }
        }
    }

    fn save_state(&self) -> Option<String> {
        super::super::save_state(&self.chat.state)
    }
}
