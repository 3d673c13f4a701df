//! Codex CLI rollouts (`~/.codex/sessions/**.jsonl`, `archived_sessions/`): where they live
//! and how `token_count` events become requests (docs/formats.md#codex-cli-rollouts, docs/accounting.md#codex). Tests run the recorded
//! fixtures in `tests/fixtures/codex` and `tests/fixtures/peer/codex`.

mod line;
mod parser;
pub mod paths;
#[cfg(test)]
mod tests;

pub use parser::{CodexParser, FALLBACK_MODEL, SOURCE};
