//! Config sections for outcomes and alerts: `[git]` repositories, `[github]` and `[gitlab]`
//! code hosts, `[policy]` approved agents and models, `[[alert]]` rules and `[[webhook]]`
//! targets. Secrets are named by environment variable or file, never written here.

use serde::Deserialize;
use std::path::PathBuf;

/// `[git]`: local repositories to read commits from (paths or globs, `~` allowed).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GitSection {
    pub repos: Vec<String>,
    /// A first scan reads at most this many of a repository's newest commits.
    pub max_commits: Option<usize>,
}

/// `[github]` or `[gitlab]`: repositories (`owner/name`, GitLab `group/project`) whose pull
/// or merge requests and deployments are read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeHostSection {
    pub repos: Vec<String>,
    /// API base URL (GitHub Enterprise, self-managed GitLab); default the public service.
    pub api_url: Option<String>,
    /// The environment variable holding the token (default GITHUB_TOKEN / GITLAB_TOKEN).
    pub token_env: Option<String>,
    /// A file holding the token (must not be readable by others).
    pub token_file: Option<PathBuf>,
    /// Pull requests opened in the last this-many days are read on the first pass.
    pub since_days: Option<u32>,
}

/// `[policy]`: what is approved; anything else in use fires `unapproved_agent`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySection {
    /// Agent ids (`claude_code`, `codex`, …); empty = every agent is approved.
    pub approved_agents: Vec<String>,
    /// Model names or prefixes ending in `*` (`claude-sonnet-*`); empty = every model.
    pub approved_models: Vec<String>,
}

/// `[[alert]]`: a rule, or an override of a built-in one with the same `name`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRuleConfig {
    pub name: String,
    pub metric: Option<String>,
    pub scope: Option<String>,
    /// `above` or `below`.
    pub comparison: Option<String>,
    /// `1h`, `1d`, `7d`, …
    pub window: Option<String>,
    pub threshold: Option<f64>,
    /// Fire when the value is this many times its trailing baseline (e.g. 1.5 = 50 % above).
    pub anomaly_factor: Option<f64>,
    /// The trailing baseline's length (`7d`).
    pub baseline: Option<String>,
    /// Ignore subjects whose value (or volume, for rates) is below this.
    pub min_volume: Option<f64>,
    pub severity: Option<String>,
    pub cooldown: Option<String>,
    pub enabled: Option<bool>,
}

/// `[[webhook]]`: where notifications go.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    /// The environment variable holding the URL (webhook URLs are secrets).
    pub url_env: Option<String>,
    /// The URL itself (the config file must then not be readable by others).
    pub url: Option<String>,
    /// `slack` (Slack-compatible `{"text": …}`) or `json` (the alert as a document).
    pub format: Option<String>,
    /// `info`, `warning` or `critical`: notify from this severity up (default warning).
    pub min_severity: Option<String>,
}
