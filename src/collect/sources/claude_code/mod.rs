//! Claude Code transcripts (`~/.claude/projects/**.jsonl`): where they live and how a line
//! becomes requests, events and sessions. Tests run recorded fixtures from
//! `tests/fixtures/claude` and `tests/fixtures/peer/claude`.

#[cfg(test)]
mod edge_tests;
mod line;
mod parser;
pub mod paths;
#[cfg(test)]
mod tests;

pub use parser::{ClaudeParser, SOURCE};

/// What the parser reads of a line, for the reduced-read tests.
#[cfg(test)]
pub(crate) fn read_level() -> &'static super::reduce::Level {
    &line::READ
}
