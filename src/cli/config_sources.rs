//! Config sections for the polled sources (`[sources.anthropic_admin]`, `[sources.cursor]`,
//! `[sources.copilot]`, `[sources.openai_admin]`) and the team directory (`[directory]`).
//! Keys are never written here: each section names an environment variable or a file.

use serde::Deserialize;
use std::path::PathBuf;

/// `[sources.anthropic_admin]` (usage, cost, Claude Code analytics), `[sources.cursor]`
/// (members, daily usage, spend, usage events) and `[sources.openai_admin]` (completions
/// usage, costs): one shape, one API each.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApiSourceConfig {
    pub api_key_env: Option<String>,
    pub api_key_file: Option<PathBuf>,
    pub interval: Option<String>,
    pub base_url: Option<String>,
    pub backfill_days: Option<u32>,
}

/// `[sources.copilot]`: GitHub Copilot usage-metrics reports and billing seats of `org`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CopilotConfig {
    pub org: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_file: Option<PathBuf>,
    pub interval: Option<String>,
    pub base_url: Option<String>,
    pub backfill_days: Option<u32>,
}

/// `[directory]`: teams and members beyond `[[team]]`: a CSV file
/// (`email,team,role,started_on`) and the teams of a GitHub organisation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DirectoryConfig {
    pub csv: Option<PathBuf>,
    pub github_org: Option<String>,
    pub github_api_key_env: Option<String>,
    pub github_api_key_file: Option<PathBuf>,
    pub github_base_url: Option<String>,
}

/// Valid keys per section, for "did you mean" in config errors (the detection itself does
/// not depend on this list: any key no section reads is reported).
pub const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "identity",
            "sources",
            "pricing",
            "team",
            "server",
            "directory",
        ],
    ),
    ("identity", &["developer"]),
    (
        "sources",
        &[
            "claude_dirs",
            "codex_dirs",
            "gemini_dirs",
            "copilot_dirs",
            "anthropic_admin",
            "cursor",
            "copilot",
            "openai_admin",
        ],
    ),
    ("sources.anthropic_admin", API_KEYS),
    ("sources.cursor", API_KEYS),
    (
        "sources.copilot",
        &[
            "org",
            "api_key_env",
            "api_key_file",
            "interval",
            "base_url",
            "backfill_days",
        ],
    ),
    ("sources.openai_admin", API_KEYS),
    ("pricing", &["overrides"]),
    (
        "pricing.overrides.*",
        &[
            "input",
            "output",
            "cache_write_5m",
            "cache_write_1h",
            "cache_read",
            "long_context",
        ],
    ),
    (
        "pricing.overrides.*.long_context",
        &[
            "above_tokens",
            "input",
            "output",
            "cache_write_5m",
            "cache_write_1h",
            "cache_read",
        ],
    ),
    ("team", &["name", "budget_usd_month", "members"]),
    ("server", &["url", "token_file", "token"]),
    (
        "directory",
        &[
            "csv",
            "github_org",
            "github_api_key_env",
            "github_api_key_file",
            "github_base_url",
        ],
    ),
];

const API_KEYS: &[&str] = &[
    "api_key_env",
    "api_key_file",
    "interval",
    "base_url",
    "backfill_days",
];
