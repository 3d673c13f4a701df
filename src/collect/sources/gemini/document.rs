//! Gemini CLI's legacy chat files: one pretty-printed `ConversationRecord` per `.json`
//! (`{sessionId, projectHash, startTime, lastUpdated, messages: [...]}`), rewritten whole
//! on every change. Each message is upserted under the same key as its `.jsonl` copy.

use super::parser::{Chat, ChatState};
use super::record::Record;
use crate::collect::parse::{LineLoc, ParseEnv, ParsedRows, REPAIRED_UTF8, SkipReason};
use crate::collect::sources::fields::Ts;
use std::path::Path;

/// Parses a whole legacy document. Its messages are upserted (last record wins); a message
/// a later rewrite leaves out (a compressed or rolled-back chat) was billed and stays
/// counted. A document that does not parse is one `BadDocument` skip (line 0) with the
/// JSON error's line and column.
/// Invalid UTF-8 is replaced by U+FFFD before parsing (noted with its line), so one bad
/// byte in a message's text never costs the session its usage.
pub fn parse_legacy_document(bytes: &[u8], path: &Path, env: &ParseEnv<'_>, out: &mut ParsedRows) {
    let file = LineLoc { offset: 0, line: 0 };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let repaired: String;
    let bytes = match std::str::from_utf8(bytes) {
        Ok(_) => bytes,
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64;
            let detail = format!("at byte {at}; replaced by U+FFFD, the document's usage kept");
            let loc = LineLoc {
                offset: at as u64,
                line,
            };
            out.repair(loc, REPAIRED_UTF8, Some(detail));
            repaired = String::from_utf8_lossy(bytes).into_owned();
            repaired.as_bytes()
        }
    };
    let starts_as_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let doc: Record<'_> = match serde_json::from_slice(bytes) {
        Ok(doc) if starts_as_object => doc,
        Ok(_) => {
            let detail = "not a JSON object".to_owned();
            return out.skip(file, SkipReason::BadDocument, Some(detail));
        }
        Err(err) => {
            let detail = format!("line {}, column {}", err.line(), err.column());
            return out.skip(file, SkipReason::BadDocument, Some(detail));
        }
    };
    let mut chat = Chat::new(path, ChatState::default());
    chat.metadata(&doc, env);
    let millis = |ts: Option<Ts>| match ts {
        Some(Ts::Millis(ms)) => Some(ms),
        _ => None,
    };
    let start = millis(doc.start_time).or(millis(doc.last_updated));
    if let Some(start) = start {
        chat.session_record(start, env, out);
    }
    let messages = doc.messages.as_ref().map_or(&[][..], |m| &m.0[..]);
    for (index, msg) in messages.iter().enumerate() {
        let Some(msg) = msg.0.as_ref() else { continue };
        let ord = msg
            .id
            .get()
            .map_or(index as i64, |id| chat.ord_of(id, index as i64));
        chat.message(msg, ord, file, start, env, out);
    }
}
