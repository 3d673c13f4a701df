//! The config file (TOML): identity, source folders and polled APIs, price overrides, teams,
//! the directory and the team server to sync from. A missing file means defaults; a broken
//! one, or one with keys nothing reads, is an error naming line (and the nearest valid key);
//! a world-readable file holding a token is refused.

pub use super::config_sources::{ApiSourceConfig, CopilotConfig, DirectoryConfig};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub identity: Identity,
    pub sources: SourcesConfig,
    pub pricing: PricingConfig,
    #[serde(rename = "team")]
    pub teams: Vec<TeamConfig>,
    #[serde(rename = "project")]
    pub projects: Vec<ProjectConfig>,
    pub server: ServerSection,
    // Outcomes and alerts (config_outcomes.rs).
    pub git: super::config_outcomes::GitSection,
    pub github: super::config_outcomes::CodeHostSection,
    pub gitlab: super::config_outcomes::CodeHostSection,
    pub policy: super::config_outcomes::PolicySection,
    pub alerting: super::config_outcomes::AlertingSection,
    #[serde(rename = "alert")]
    pub alerts: Vec<super::config_outcomes::AlertRuleConfig>,
    #[serde(rename = "webhook")]
    pub webhooks: Vec<super::config_outcomes::WebhookConfig>,
    pub directory: DirectoryConfig,
}

/// `[server]`: the team server consoles and `report` sync from.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ServerSection {
    /// e.g. `https://agentdeck.internal:4318`
    pub url: Option<String>,
    /// A file holding the bearer token (must not be readable by others).
    pub token_file: Option<PathBuf>,
    /// The token itself (the config file must then not be readable by others).
    pub token: Option<String>,
}

impl std::fmt::Debug for ServerSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSection")
            .field("url", &self.url)
            .field("token_file", &self.token_file)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Identity {
    /// Who local agent files belong to (default: git user.email, else $USER@host).
    pub developer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SourcesConfig {
    pub claude_dirs: Vec<PathBuf>,
    pub codex_dirs: Vec<PathBuf>,
    pub gemini_dirs: Vec<PathBuf>,
    pub copilot_dirs: Vec<PathBuf>,
    pub anthropic_admin: Option<ApiSourceConfig>,
    pub cursor: Option<ApiSourceConfig>,
    pub copilot: Option<CopilotConfig>,
    pub openai_admin: Option<ApiSourceConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PricingConfig {
    /// Per-model prices in USD per million tokens; they win over the built-in table.
    pub overrides: BTreeMap<String, PriceOverride>,
}

/// One model's prices in USD per million tokens, in the built-in table's shape. An
/// override replaces the model's whole price: tiers not restated here do not apply.
#[derive(Debug, Clone, Deserialize)]
pub struct PriceOverride {
    pub input: f64,
    pub output: f64,
    pub cache_write_5m: Option<f64>,
    pub cache_write_1h: Option<f64>,
    pub cache_read: Option<f64>,
    /// Long-context tiers (`[[pricing.overrides."<model>".long_context]]`): above
    /// `above_tokens` prompt tokens, every token of the request is billed at these rates
    /// (docs/accounting.md#prices-and-tiers).
    #[serde(default)]
    pub long_context: Vec<LongContextOverride>,
}

/// A long-context tier of a price override, USD per million tokens. A rate left out
/// falls back as the built-in tiers do (input and output keep the base rate, cache rates
/// scale like input).
#[derive(Debug, Clone, Deserialize)]
pub struct LongContextOverride {
    pub above_tokens: i64,
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_write_5m: Option<f64>,
    pub cache_write_1h: Option<f64>,
    pub cache_read: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]

pub struct TeamConfig {
    pub name: String,
    pub budget_usd_month: Option<f64>,
    #[serde(default)]
    pub members: Vec<String>,
}

/// `[[project]]`: a project's monthly budget (`id` as `report project` shows it).
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectConfig {
    pub id: String,
    pub budget_usd_month: f64,
}

impl Config {
    /// Teams (with budgets) and their members, and the project budgets, as store rows
    /// (project budgets always, so removing them from the config removes them).
    pub fn identity_batch(&self) -> Option<crate::store::WriteBatch> {
        let mut batch = crate::store::WriteBatch::default();
        batch.ops.push(crate::store::ops::Op::SetProjectBudgets(
            self.projects
                .iter()
                .map(|p| {
                    let usd = crate::domain::Money::from_usd(p.budget_usd_month);
                    (p.id.trim().to_string(), usd.micro_usd())
                })
                .collect(),
        ));
        for team in &self.teams {
            batch.teams.push(crate::store::TeamRow {
                name: team.name.clone(),
                budget_micro_usd_month: team
                    .budget_usd_month
                    .map(|usd| crate::domain::Money::from_usd(usd).micro_usd()),
            });
            for member in &team.members {
                let member = crate::domain::identity::developer_id(member);
                batch.developers.push(crate::store::DeveloperRow {
                    id: member.clone(),
                    email: member.contains('@').then(|| member.clone()),
                    handle: None,
                    display_name: None,
                    team: team.name.clone(),
                    role: None,
                    started_on: None,
                });
            }
        }
        Some(batch)
    }

    /// Reads `path`; a missing file is the default config unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Config::default());
            }
            Err(e) => anyhow::bail!("cannot read config {}: {e}", path.display()),
        };
        let config = Config::parse(path, &text)?;
        if config.server.token.is_some() || config.webhooks.iter().any(|w| w.url.is_some()) {
            refuse_if_world_readable(path, "a config file holding a token")?;
        }
        Ok(config)
    }
}

impl Config {
    /// Parses `text` (read from `path`), refusing keys that no section reads.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Config> {
        let (config, unknown) = super::config_check::parse_collecting::<Config>(text)
            .map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?;
        if !unknown.is_empty() {
            let lines: Vec<String> = unknown.iter().map(|u| u.describe(path)).collect();
            anyhow::bail!(
                "config {} has {} key(s) that nothing reads:\n  {}\n(`agentdeck config check` validates a file; README \"Configuration\" lists every key)",
                path.display(),
                unknown.len(),
                lines.join("\n  ")
            );
        }
        Ok(config)
    }
}

/// Errors when `path` can be read by users other than its owner and group (mode `o+r`).
pub fn refuse_if_world_readable(path: &Path, what: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        if meta.permissions().mode() & 0o004 != 0 {
            anyhow::bail!(
                "{} is {what} and is readable by every user; run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_teams_and_names_bad_lines() {
        let c: Config = toml::from_str(
            "[identity]\ndeveloper = \"a@b.c\"\n[pricing.overrides.\"my-model\"]\ninput = 1.0\noutput = 2.0\n[[team]]\nname = \"platform\"\nbudget_usd_month = 500\nmembers = [\"a@b.c\"]\n",
        )
        .unwrap();
        assert_eq!(c.identity.developer.as_deref(), Some("a@b.c"));
        assert_eq!(c.pricing.overrides["my-model"].output, 2.0);
        assert_eq!(c.teams[0].members, vec!["a@b.c"]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[identity]\ndeveloper = \n").unwrap();
        let err = Config::load(&p, true).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(Config::load(&dir.path().join("none.toml"), false).is_ok());
        assert!(Config::load(&dir.path().join("none.toml"), true).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_config_holding_a_token_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[server]\nurl = \"http://h:1\"\ntoken = \"adk_x\"\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Config::load(&p, true).unwrap_err().to_string();
        assert!(err.contains("chmod 600") && !err.contains("adk_x"), "{err}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = Config::load(&p, true).unwrap();
        assert!(
            !format!("{c:?}").contains("adk_x"),
            "Debug never shows the token"
        );
        std::fs::write(&p, "[server]\nurl = \"http://h:1\"\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            Config::load(&p, true).is_ok(),
            "no token, no secret to protect"
        );
    }
}
