//! Local agent files: which formats exist, where they live (roots and discovery), and the
//! pure parser for each (Claude Code, Codex CLI, Gemini CLI). The file pipeline asks
//! `discover` for files and `FileFormat::new_parser` for a parser per file.

pub mod claude_code;
pub mod code_host;
pub mod codex;
pub mod copilot_cli;
mod discover;
mod fields;
#[cfg(test)]
mod fuzz_tests;
pub mod gemini;
pub mod git;
pub mod github;
pub mod gitlab;
pub(crate) mod json;
mod json_string;
mod reduce;
#[cfg(test)]
mod reduce_tests;
mod rows;
pub mod team_server;
#[cfg(test)]
pub(crate) mod test_support;
pub mod vendor_push;

pub use discover::{DiscoveredFile, DiscoveryProblem, discover};

use crate::collect::parse::{LineLoc, LineParser, ParseEnv, ParsedRows};
use crate::domain::Agent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// One on-disk format. Line formats are tailed; document formats are read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    ClaudeJsonl,
    CodexJsonl,
    GeminiJsonl,
    /// Gemini CLI's legacy one-document-per-session `.json`.
    GeminiJson,
    /// GitHub Copilot CLI's `session-state/<id>/events.jsonl`.
    CopilotJsonl,
}

impl FileFormat {
    pub fn agent(self) -> Agent {
        match self {
            FileFormat::ClaudeJsonl => Agent::ClaudeCode,
            FileFormat::CodexJsonl => Agent::Codex,
            FileFormat::GeminiJsonl | FileFormat::GeminiJson => Agent::Gemini,
            FileFormat::CopilotJsonl => Agent::Copilot,
        }
    }

    /// The collector name stored on sessions (`SessionRecord::source`).
    pub fn source(self) -> &'static str {
        match self {
            FileFormat::ClaudeJsonl => claude_code::SOURCE,
            FileFormat::CodexJsonl => codex::SOURCE,
            FileFormat::GeminiJsonl | FileFormat::GeminiJson => gemini::SOURCE,
            FileFormat::CopilotJsonl => copilot_cli::SOURCE,
        }
    }

    /// True when the file is one JSON document (use `parse_document`, not a line parser).
    pub fn is_document(self) -> bool {
        matches!(self, FileFormat::GeminiJson)
    }

    /// A parser for one file, resuming from the state saved with its cursor. A saved
    /// state that does not parse is dropped with a warning and the parser starts fresh.
    /// Document formats get a parser that ignores lines (use `parse_document`).
    pub fn new_parser(self, path: &Path, saved_state: Option<&str>) -> Box<dyn LineParser> {
        match self {
            FileFormat::ClaudeJsonl => Box::new(claude_code::ClaudeParser::new(path, saved_state)),
            FileFormat::CodexJsonl => Box::new(codex::CodexParser::new(path, saved_state)),
            FileFormat::GeminiJsonl => Box::new(gemini::GeminiParser::new(path, saved_state)),
            FileFormat::GeminiJson => Box::new(DocumentOnly),
            FileFormat::CopilotJsonl => {
                Box::new(copilot_cli::CopilotCliParser::new(path, saved_state))
            }
        }
    }
}

/// Parses a whole-document file. Only Gemini's legacy `.json` is one; for line formats
/// this does nothing.
pub fn parse_document(
    format: FileFormat,
    bytes: &[u8],
    path: &Path,
    env: &ParseEnv<'_>,
    out: &mut ParsedRows,
) {
    if format == FileFormat::GeminiJson {
        gemini::parse_legacy_document(bytes, path, env, out);
    }
}

/// Where to look for each agent's files. Each list may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    pub claude: Vec<PathBuf>,
    pub codex: Vec<PathBuf>,
    pub gemini: Vec<PathBuf>,
    pub copilot: Vec<PathBuf>,
}

impl Roots {
    /// The roots each agent uses by default, read from the environment through `env`
    /// (`HOME`, `CLAUDE_CONFIG_DIR`, `XDG_CONFIG_HOME`, `CODEX_HOME`, `GEMINI_DATA_DIR`).
    pub fn defaults(env: &dyn Fn(&str) -> Option<String>) -> Roots {
        Roots {
            claude: claude_code::paths::default_roots(env),
            codex: codex::paths::default_roots(env),
            gemini: gemini::paths::default_roots(env),
            copilot: copilot_cli::paths::default_roots(env),
        }
    }
}

/// Splits a comma-separated list of directories, trimming blanks and expanding a
/// leading `~` with `home`.
pub(crate) fn split_path_list(list: &str, home: Option<&str>) -> Vec<PathBuf> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| expand_home(s, home))
        .collect()
}

pub(crate) fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(format!("{home}{rest}"))
        }
        _ => PathBuf::from(path),
    }
}

/// Restores a parser's saved state; a state that does not parse is logged and replaced by
/// a fresh one (the parser then behaves as on a first read of the remaining lines).
pub(crate) fn restore_state<T: DeserializeOwned + Default>(path: &Path, saved: Option<&str>) -> T {
    let Some(saved) = saved else {
        return T::default();
    };
    match serde_json::from_str(saved) {
        Ok(state) => state,
        Err(err) => {
            tracing::warn!(
                path = %path.display(),
                error = %err,
                "ignoring unreadable parser state saved with the cursor; starting fresh"
            );
            T::default()
        }
    }
}

/// Serializes a parser state, or `None` when it holds nothing worth saving.
pub(crate) fn save_state<T: Serialize + Default + PartialEq>(state: &T) -> Option<String> {
    if *state == T::default() {
        return None;
    }
    serde_json::to_string(state).ok()
}

/// The "parser" for document formats: lines are never fed to it.
struct DocumentOnly;

impl LineParser for DocumentOnly {
    fn parse_line(&mut self, _: &[u8], _: LineLoc, _: &ParseEnv<'_>, _: &mut ParsedRows) {}

    fn save_state(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_name_their_agent_and_source() {
        assert_eq!(FileFormat::ClaudeJsonl.agent(), Agent::ClaudeCode);
        assert_eq!(FileFormat::CodexJsonl.source(), "codex_files");
        assert_eq!(FileFormat::GeminiJson.source(), "gemini_files");
        assert!(FileFormat::GeminiJson.is_document());
        assert!(!FileFormat::GeminiJsonl.is_document());
    }

    #[test]
    fn defaults_follow_the_environment() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/dev".to_owned()),
            "CODEX_HOME" => Some("/opt/codex".to_owned()),
            _ => None,
        };
        let roots = Roots::defaults(&env);
        assert_eq!(roots.claude[0], PathBuf::from("/home/dev/.claude"));
        assert_eq!(roots.codex, vec![PathBuf::from("/opt/codex")]);
        assert_eq!(roots.gemini, vec![PathBuf::from("/home/dev/.gemini/tmp")]);
        assert_eq!(Roots::defaults(&|_| None), Roots::default());
    }

    #[test]
    fn a_bad_saved_state_starts_fresh() {
        let mut parser = FileFormat::ClaudeJsonl.new_parser(Path::new("/x/s.jsonl"), Some("{nope"));
        assert_eq!(parser.save_state(), None);
        let prices = crate::pricing::PriceTable::builtin();
        let projects = crate::collect::project::FixedProjectResolver::new();
        let env = ParseEnv {
            developer: "dev",
            prices: &prices,
            projects: &projects,
        };
        let mut out = ParsedRows::default();
        parser.parse_line(b"{}", LineLoc { offset: 0, line: 1 }, &env, &mut out);
        assert_eq!(out, ParsedRows::default());
    }
}
