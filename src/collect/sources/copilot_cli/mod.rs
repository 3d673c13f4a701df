//! GitHub Copilot CLI sessions (`~/.copilot/session-state/<session>/events.jsonl`): where
//! they live and how each `session.shutdown` event's per-model metrics become requests
//! (docs/copilot-cli.md "Copilot CLI").

mod parser;
pub mod paths;
#[cfg(test)]
mod tests;

pub use parser::{CopilotCliParser, SOURCE};
