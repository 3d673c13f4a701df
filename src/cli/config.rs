//! The config file (TOML): identity, source folders and polled APIs, price overrides, teams,
//! the directory and the team server to sync from. A missing file means defaults; a broken
//! one, one with keys nothing reads, or one whose teams and budgets the store cannot hold
//! (a team twice, a developer in two teams, a negative budget) is an error naming line (and
//! the nearest valid key);
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

impl PriceOverride {
    /// The override as prices per token. A rate that is not a price is refused in the
    /// file's own unit (USD per million tokens, as written); the tiers' thresholds are
    /// checked as every price table's are.
    pub fn model_price(&self, model: &str) -> anyhow::Result<crate::pricing::ModelPrice> {
        let section = format!("[pricing.overrides.\"{model}\"]");
        let base = [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("cache_read", self.cache_read),
        ];
        let tiers = self.long_context.iter().flat_map(|t| {
            [
                ("long_context.input", t.input),
                ("long_context.output", t.output),
                ("long_context.cache_write_5m", t.cache_write_5m),
                ("long_context.cache_write_1h", t.cache_write_1h),
                ("long_context.cache_read", t.cache_read),
            ]
        });
        for (field, rate) in base.into_iter().chain(tiers) {
            if let Some(v) = rate.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                anyhow::bail!(
                    "{section}: {field} = {v:?} is not a price (USD per million tokens, a finite number >= 0)"
                );
            }
        }
        let per_token = |usd_per_million: f64| usd_per_million / 1_000_000.0;
        let mut price =
            crate::pricing::ModelPrice::new(per_token(self.input), per_token(self.output));
        price.cache_write_5m = self.cache_write_5m.map(per_token);
        price.cache_write_1h = self.cache_write_1h.map(per_token);
        price.cache_read = self.cache_read.map(per_token);
        for t in &self.long_context {
            let tier = crate::pricing::LongContext {
                above_tokens: t.above_tokens,
                input: t.input.map(per_token),
                output: t.output.map(per_token),
                cache_write_5m: t.cache_write_5m.map(per_token),
                cache_write_1h: t.cache_write_1h.map(per_token),
                cache_read: t.cache_read.map(per_token),
            };
            anyhow::ensure!(
                !tier.is_empty(),
                "{section}: the long_context tier above {} tokens states no rate",
                t.above_tokens
            );
            price.long_context.push(tier);
        }
        price
            .validate(model)
            .map_err(|e| anyhow::anyhow!("{section}: {e}"))?;
        Ok(price)
    }
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
    /// Teams (with budgets) and their members, and the project budgets, as store rows.
    /// Always written, even when empty, so removing a team, a member or a budget from the
    /// config removes it from the store (`store/ops/org.rs`, `set_config_teams`).
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
        let teams = self
            .teams
            .iter()
            .map(|t| {
                let budget = t.budget_usd_month.map(crate::domain::Money::from_usd);
                (t.name.trim().to_string(), budget.map(|m| m.micro_usd()))
            })
            .collect();
        let members = self
            .teams
            .iter()
            .flat_map(|t| t.members.iter().map(move |m| (m, t.name.trim())))
            .map(|(member, team)| {
                let id = crate::domain::identity::developer_id(member);
                let email = id.contains('@').then(|| id.clone());
                (id, email, team.to_string())
            })
            .collect();
        batch
            .ops
            .push(crate::store::ops::Op::SetConfigTeams { teams, members });
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

impl SourcesConfig {
    /// The folders `[sources]` names that do not exist (a typo, a drive not mounted), as
    /// `(key, folder)`: nothing is read there until they do.
    pub fn missing_dirs(&self) -> Vec<(&'static str, &Path)> {
        [
            ("claude_dirs", &self.claude_dirs),
            ("codex_dirs", &self.codex_dirs),
            ("gemini_dirs", &self.gemini_dirs),
            ("copilot_dirs", &self.copilot_dirs),
        ]
        .into_iter()
        .flat_map(|(key, dirs)| dirs.iter().map(move |d| (key, d.as_path())))
        .filter(|(_, d)| !d.exists())
        .collect()
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
                "config {} has {} key(s) that nothing reads:\n  {}\n(`agentdeck config check FILE` validates a file; the README shows each section's keys next to what it configures)",
                path.display(),
                unknown.len(),
                lines.join("\n  ")
            );
        }
        let mut problems = config.team_and_budget_problems(text);
        for (model, o) in &config.pricing.overrides {
            if let Err(e) = o.model_price(model) {
                let line =
                    super::config_check::line_of(text, &format!("pricing.overrides.{model}"));
                problems.push((line, format!("{e:#}")));
            }
        }
        // In file order; a problem without a line last.
        problems.sort_by_key(|(line, _)| line.unwrap_or(usize::MAX));
        if !problems.is_empty() {
            let lines: Vec<String> = problems
                .iter()
                .map(|(line, text)| match line {
                    Some(l) => format!("line {l}: {text}"),
                    None => text.clone(),
                })
                .collect();
            anyhow::bail!(
                "config {} has {} problem(s) with teams, budgets and prices:\n  {}",
                path.display(),
                lines.len(),
                lines.join("\n  ")
            );
        }
        Ok(config)
    }

    /// What the store could not hold as written, each with the line of its `[[team]]` or
    /// `[[project]]`: a team or project named twice or not at all, a developer in two teams
    /// (a developer belongs to one team, and the later entry would silently win), and a
    /// budget that is not a number of dollars (negative, NaN or beyond any real budget,
    /// which the store would have dropped or clamped).
    fn team_and_budget_problems(&self, text: &str) -> Vec<(Option<usize>, String)> {
        let mut problems = Vec::new();
        let first = |line: Option<usize>| {
            line.map(|l| format!("line {l} has it first; "))
                .unwrap_or_default()
        };
        let team_lines = table_array_lines(text, "team");
        let mut teams: BTreeMap<&str, Option<usize>> = BTreeMap::new();
        let mut member_of: BTreeMap<String, &str> = BTreeMap::new();
        for (i, team) in self.teams.iter().enumerate() {
            let here = team_lines.get(i).copied();
            let name = team.name.trim();
            if name.is_empty() {
                problems.push((here, "[[team]] has an empty `name`".to_string()));
                continue;
            }
            if let Some(earlier) = teams.insert(name, here) {
                problems.push((
                    here,
                    format!(
                        "team `{name}` is defined again ({}one [[team]] per team)",
                        first(earlier)
                    ),
                ));
            }
            if let Some(usd) = team.budget_usd_month
                && let Some(why) = not_a_budget(usd)
            {
                problems.push((here, format!("team `{name}`: budget_usd_month {why}")));
            }
            for member in &team.members {
                let id = crate::domain::identity::developer_id(member);
                if id.is_empty() {
                    problems.push((here, format!("team `{name}` lists an empty member")));
                } else if let Some(other) = member_of.insert(id.clone(), name)
                    && other != name
                {
                    problems.push((
                        here,
                        format!(
                            "developer `{id}` is a member of team `{other}` and of team `{name}`; a developer belongs to one team"
                        ),
                    ));
                }
            }
        }
        let project_lines = table_array_lines(text, "project");
        let mut projects: BTreeMap<&str, Option<usize>> = BTreeMap::new();
        for (i, project) in self.projects.iter().enumerate() {
            let here = project_lines.get(i).copied();
            let id = project.id.trim();
            if id.is_empty() {
                problems.push((here, "[[project]] has an empty `id`".to_string()));
                continue;
            }
            if let Some(earlier) = projects.insert(id, here) {
                problems.push((
                    here,
                    format!(
                        "project `{id}` is defined again ({}one [[project]] per project)",
                        first(earlier)
                    ),
                ));
            }
            if let Some(why) = not_a_budget(project.budget_usd_month) {
                problems.push((here, format!("project `{id}`: budget_usd_month {why}")));
            }
        }
        problems
    }
}

/// The largest monthly budget taken, in USD: far above any real one, far below what the
/// store's micro-dollar integers hold.
const MAX_BUDGET_USD: f64 = 1e9;

fn not_a_budget(usd: f64) -> Option<String> {
    (!(usd.is_finite() && (0.0..=MAX_BUDGET_USD).contains(&usd)))
        .then(|| format!("is {usd:?}, not a number of dollars from 0 to {MAX_BUDGET_USD:.0}"))
}

/// The 1-based lines of each `[[name]]` header, in order.
fn table_array_lines(text: &str, name: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.trim()
                .strip_prefix("[[")
                .and_then(|l| l.split("]]").next())
                .is_some_and(|h| h.trim() == name)
        })
        .map(|(i, _)| i + 1)
        .collect()
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

    #[test]
    fn teams_and_budgets_the_store_cannot_hold_are_refused_with_their_lines() {
        let path = Path::new("c.toml");
        let text = "[[team]]\nname = \"platform\"\nmembers = [\"Ana@x.dev\", \"bo@x.dev\"]\nbudget_usd_month = -5\n\n\
                    [[team]]\nname = \"mobile\"\nmembers = [\"ana@x.dev\", \"\"]\nbudget_usd_month = nan\n\n\
                    [[team]]\nname = \"platform\"\n\n\
                    [[ project ]]\nid = \"api\"\nbudget_usd_month = 1e300\n\n\
                    [[project]]\nid = \" \"\nbudget_usd_month = 1\n";
        let err = Config::parse(path, text).unwrap_err().to_string();
        for expected in [
            "7 problem(s) with teams, budgets and prices",
            "line 1: team `platform`: budget_usd_month is -5.0, not a number of dollars from 0 to 1000000000",
            "line 6: team `mobile`: budget_usd_month is NaN",
            "line 6: developer `ana@x.dev` is a member of team `platform` and of team `mobile`",
            "line 6: team `mobile` lists an empty member",
            "line 11: team `platform` is defined again (line 1 has it first; one [[team]] per team)",
            "line 14: project `api`: budget_usd_month is 1e300",
            "line 18: [[project]] has an empty `id`",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        // Prices are checked when the file is read (so `config check` sees them), in the
        // unit the file states them in: the message had said -0.000003 for `-3.0`.
        let prices = "[identity]\ndeveloper = \"a@b.c\"\n\n[pricing.overrides.\"gpt-5.1-x\"]\ninput = -3.0\noutput = 1\n\
                      [pricing.overrides.m2]\ninput = 1\noutput = 1\n[[pricing.overrides.m2.long_context]]\nabove_tokens = 0\ninput = 2\n";
        let err = Config::parse(path, prices).unwrap_err().to_string();
        for expected in [
            "line 4: [pricing.overrides.\"gpt-5.1-x\"]: input = -3.0 is not a price (USD per million tokens",
            "line 7: [pricing.overrides.\"m2\"]: ",
            "long_context.above_tokens",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        // The same member listed twice in one team, zero budgets and no budget are fine.
        let ok = "[[team]]\nname = \"a\"\nmembers = [\"x@y.z\", \"X@y.z\"]\nbudget_usd_month = 0\n\
                  [[team]]\nname = \"b\"\n[[project]]\nid = \"p\"\nbudget_usd_month = 1000000000\n";
        assert!(Config::parse(path, ok).is_ok());
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
