//! Per-agent file formats: discovery and parsers. (Placeholder while the parsers land.)

use super::parse::{LineParser, ParseEnv, ParsedRows};
use crate::domain::Agent;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    ClaudeJsonl,
    CodexJsonl,
    GeminiJsonl,
    GeminiJson,
}

impl FileFormat {
    pub fn agent(self) -> Agent {
        match self {
            FileFormat::ClaudeJsonl => Agent::ClaudeCode,
            FileFormat::CodexJsonl => Agent::Codex,
            _ => Agent::Gemini,
        }
    }
    pub fn source(self) -> &'static str {
        match self {
            FileFormat::ClaudeJsonl => "claude_code_files",
            FileFormat::CodexJsonl => "codex_files",
            _ => "gemini_files",
        }
    }
    pub fn is_document(self) -> bool {
        self == FileFormat::GeminiJson
    }
    pub fn new_parser(self, _path: &Path, _state: Option<&str>) -> Box<dyn LineParser> {
        Box::new(Nothing)
    }
}

struct Nothing;
impl LineParser for Nothing {
    fn parse_line(&mut self, _: &[u8], _: super::parse::LineLoc, _: &ParseEnv<'_>, _: &mut ParsedRows) {}
    fn save_state(&self) -> Option<String> {
        None
    }
}

pub fn parse_document(_: FileFormat, _: &[u8], _: &Path, _: &ParseEnv<'_>, _: &mut ParsedRows) {}

#[derive(Debug, Clone, Default)]
pub struct Roots {
    pub claude: Vec<PathBuf>,
    pub codex: Vec<PathBuf>,
    pub gemini: Vec<PathBuf>,
}

impl Roots {
    pub fn defaults(_env: &dyn Fn(&str) -> Option<String>) -> Roots {
        Roots::default()
    }
}

pub struct DiscoveredFile {
    pub path: PathBuf,
    pub format: FileFormat,
}

pub struct DiscoveryProblem {
    pub path: PathBuf,
    pub message: String,
}

pub fn discover(_: &Roots) -> (Vec<DiscoveredFile>, Vec<DiscoveryProblem>) {
    (vec![], vec![])
}
