//! The config file (TOML): identity, extra source folders, price overrides and teams. A
//! missing file means defaults; a broken one is an error naming line and column.

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
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PricingConfig {
    /// Per-model prices in USD per million tokens; they win over the built-in table.
    pub overrides: BTreeMap<String, PriceOverride>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverride {
    pub input: f64,
    pub output: f64,
    pub cache_write_5m: Option<f64>,
    pub cache_write_1h: Option<f64>,
    pub cache_read: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    pub name: String,
    pub budget_usd_month: Option<f64>,
    #[serde(default)]
    pub members: Vec<String>,
}

impl Config {
    /// Teams (with budgets) and their members as store rows; `None` when none are configured.
    pub fn identity_batch(&self) -> Option<crate::store::WriteBatch> {
        if self.teams.is_empty() {
            return None;
        }
        let mut batch = crate::store::WriteBatch::default();
        for team in &self.teams {
            batch.teams.push(crate::store::TeamRow {
                name: team.name.clone(),
                budget_micro_usd_month: team
                    .budget_usd_month
                    .map(|usd| crate::domain::Money::from_usd(usd).micro_usd()),
            });
            for member in &team.members {
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
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))
    }
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
}
