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

/// `[alerting]`: whether this process evaluates the rules in the background (the console
/// without a team server, and `serve`). `alerts check` always evaluates.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertingSection {
    pub enabled: bool,
}

impl Default for AlertingSection {
    fn default() -> AlertingSection {
        AlertingSection { enabled: true }
    }
}

pub use crate::alerting::config::{AlertRuleConfig, PolicySection, WebhookConfig};
