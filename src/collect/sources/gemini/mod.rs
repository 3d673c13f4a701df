//! Gemini CLI chats (`~/.gemini/tmp/<hash>/chats/`): JSONL sessions where the last record
//! for a message id wins and nothing answered is ever removed (checkpoints upsert,
//! rewinds only mark), plus legacy `.json` documents and their migrated `.jsonl` copies
//! (docs/accounting.md#gemini-cli). Tests run the fixtures in `tests/fixtures/gemini`.

mod document;
mod parser;
pub mod paths;
mod record;
#[cfg(test)]
mod tests;

pub use document::parse_legacy_document;
pub use parser::{GeminiParser, SOURCE};
