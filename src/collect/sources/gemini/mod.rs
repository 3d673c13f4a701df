//! Gemini CLI chats (`~/.gemini/tmp/<hash>/chats/`): JSONL sessions where the last record
//! for a message id wins and `$rewindTo` drops what follows, plus legacy `.json`
//! documents (docs/formats.md#gemini-cli-chats). Tests run the fixtures in `tests/fixtures/gemini`.

mod document;
mod parser;
pub mod paths;
mod record;
#[cfg(test)]
mod tests;

pub use document::parse_legacy_document;
pub use parser::{GeminiParser, SOURCE};
