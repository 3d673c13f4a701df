//! From config to runnable sources: each `[sources.*]` API section becomes an
//! [`ApiSpec`] with its key read from the named environment variable or file (never from
//! the config itself, never printed), and every configured source is declared in source
//! health so `agentdeck sources` and the console list it before its first run.

use super::config::refuse_if_world_readable;
use super::config::{ApiSourceConfig, CopilotConfig};
use super::context::Context;
use crate::collect::http::Secret;
use crate::collect::pollers::{ApiKind, ApiSpec};
use crate::store::ops::Op;
use crate::store::{Store, WriteBatch};
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(3_600);
const DEFAULT_BACKFILL_DAYS: u32 = 30;
/// The longest first read back (`backfill_days`) a section may ask for.
const MAX_BACKFILL_DAYS: u32 = 365;

/// The parts every API section shares.
struct Section<'a> {
    kind: ApiKind,
    api_key_env: Option<&'a str>,
    api_key_file: Option<&'a Path>,
    interval: Option<&'a str>,
    base_url: Option<&'a str>,
    backfill_days: Option<u32>,
    org: Option<&'a str>,
}

/// Every configured API source, resolved (a spec with `problem` set cannot run).
pub fn api_specs(ctx: &Context) -> Vec<ApiSpec> {
    let s = &ctx.config.sources;
    let mut out = Vec::new();
    if let Some(c) = &s.anthropic_admin {
        out.push(resolve(ctx, section(ApiKind::AnthropicAdmin, c)));
    }
    if let Some(c) = &s.cursor {
        out.push(resolve(ctx, section(ApiKind::Cursor, c)));
    }
    if let Some(c) = &s.copilot {
        let mut spec = resolve(ctx, copilot(c));
        if spec.org.is_none() && spec.problem.is_none() {
            spec.problem = Some("[sources.copilot] needs `org` (the GitHub organisation)".into());
        }
        out.push(spec);
    }
    if let Some(c) = &s.openai_admin {
        out.push(resolve(ctx, section(ApiKind::OpenAiAdmin, c)));
    }
    out
}

fn section(kind: ApiKind, c: &ApiSourceConfig) -> Section<'_> {
    Section {
        kind,
        api_key_env: c.api_key_env.as_deref(),
        api_key_file: c.api_key_file.as_deref(),
        interval: c.interval.as_deref(),
        base_url: c.base_url.as_deref(),
        backfill_days: c.backfill_days,
        org: None,
    }
}

fn copilot(c: &CopilotConfig) -> Section<'_> {
    Section {
        kind: ApiKind::Copilot,
        api_key_env: c.api_key_env.as_deref(),
        api_key_file: c.api_key_file.as_deref(),
        interval: c.interval.as_deref(),
        base_url: c.base_url.as_deref(),
        backfill_days: c.backfill_days,
        org: c.org.as_deref(),
    }
}

fn resolve(ctx: &Context, s: Section<'_>) -> ApiSpec {
    let name = s.kind.source();
    let mut problem = None;
    let interval = match s.interval.map(humantime::parse_duration) {
        None => DEFAULT_INTERVAL,
        Some(Ok(d)) if d >= Duration::from_secs(60) => d,
        Some(_) => {
            problem = Some(format!(
                "[sources.{name}] interval must be a duration of at least 1m (e.g. \"1h\")"
            ));
            DEFAULT_INTERVAL
        }
    };
    let backfill_days = match s.backfill_days {
        None => DEFAULT_BACKFILL_DAYS,
        Some(d @ 1..=MAX_BACKFILL_DAYS) => d,
        Some(d) => {
            problem.get_or_insert(format!(
                "[sources.{name}] backfill_days must be from 1 to {MAX_BACKFILL_DAYS} (got {d})"
            ));
            DEFAULT_BACKFILL_DAYS
        }
    };
    let (key, key_source) = match (s.api_key_env, s.api_key_file) {
        (Some(var), _) => match std::env::var(var) {
            Ok(v) if !one_token(v.trim()) => {
                problem.get_or_insert(format!("the environment variable {var} named by [sources.{name}] api_key_env holds more than the key (a space, line break or control character inside it)"));
                (None, format!("env {var} (unusable)"))
            }
            Ok(v) if !v.trim().is_empty() => {
                (Some(Secret::new(v.trim())), format!("env {var} (set)"))
            }
            _ => {
                problem.get_or_insert(format!("the environment variable {var} named by [sources.{name}] api_key_env is not set"));
                (None, format!("env {var} (not set)"))
            }
        },
        (None, Some(file)) => {
            let path = relative_to_config(ctx, file);
            match read_key_file(&path) {
                Ok(k) => (Some(k), format!("file {} (readable)", path.display())),
                Err(e) => {
                    problem.get_or_insert(format!("[sources.{name}] api_key_file: {e}"));
                    (None, format!("file {} (unusable)", path.display()))
                }
            }
        }
        (None, None) => {
            problem.get_or_insert(format!(
                "[sources.{name}] has no key: set api_key_env (an environment variable) or api_key_file"
            ));
            (None, "missing".into())
        }
    };
    let base_url = s
        .base_url
        .unwrap_or(s.kind.default_base_url())
        .trim_end_matches('/')
        .to_string();
    let web = reqwest::Url::parse(&base_url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    if !web {
        problem.get_or_insert(format!(
            "[sources.{name}] base_url must be an http(s) URL such as {} (got `{base_url}`)",
            s.kind.default_base_url()
        ));
    }
    ApiSpec {
        kind: s.kind,
        base_url,
        key,
        key_source,
        problem,
        interval,
        backfill_days,
        org: s.org.map(str::to_string),
        retry: Default::default(),
    }
}

fn relative_to_config(ctx: &Context, file: &Path) -> PathBuf {
    match ctx.config_path.parent() {
        Some(dir) if file.is_relative() => dir.join(file),
        _ => file.to_path_buf(),
    }
}

/// A key file: not readable by others, not empty.
pub fn read_key_file(path: &Path) -> anyhow::Result<Secret> {
    refuse_if_world_readable(path, "a key file")?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let key = text.trim();
    anyhow::ensure!(!key.is_empty(), "{} is empty", path.display());
    anyhow::ensure!(
        one_token(key),
        "{} holds more than the key (a space, line break or control character inside it)",
        path.display()
    );
    Ok(Secret::new(key))
}

/// Whether `key` (trimmed) can travel in an HTTP header as one token: no whitespace or
/// control character inside (a second line in a key file, a pasted `Bearer ` prefix).
pub fn one_token(key: &str) -> bool {
    !key.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Declares every configured API source (kind and settings, no secret) in source health.
pub fn declare_configured(ctx: &Context, store: &Store) {
    let ops: Vec<Op> = api_specs(ctx)
        .into_iter()
        .map(|spec| Op::DeclareSource {
            source: spec.kind.source().into(),
            kind: "vendor_api".into(),
            settings: spec.settings_json(),
        })
        .collect();
    if ops.is_empty() {
        return;
    }
    if let Err(e) = store.writer().apply_blocking(WriteBatch {
        ops,
        ..WriteBatch::default()
    }) {
        tracing::warn!("declaring the configured sources failed: {e}");
    }
}

/// Starts every runnable configured API (and the GitHub directory) as a background task on
/// the current runtime, each until `stop` flips. Sources that cannot run are declared with
/// their problem so the Sources view says what to fix.
pub fn spawn_pollers(ctx: &Context, store: &Store, stop: tokio::sync::watch::Receiver<bool>) {
    declare_configured(ctx, store);
    for spec in api_specs(ctx) {
        if spec.problem.is_some() {
            continue;
        }
        tokio::spawn(crate::collect::pollers::run(
            spec,
            store.clone(),
            stop.clone(),
        ));
    }
    match super::directory::github_teams(ctx) {
        Ok(Some(teams)) => {
            let store = store.clone();
            tokio::spawn(crate::collect::scheduler::run_until_stopped(
                stop,
                move || {
                    let (teams, store) = (teams.clone(), store.clone());
                    async move {
                        if let Err(e) = teams.sync(&store).await {
                            tracing::warn!("GitHub teams: {e}");
                        }
                        DIRECTORY_INTERVAL
                    }
                },
            ));
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("GitHub teams are off: {e:#}"),
    }
}

/// How often the GitHub organisation's teams are read again.
const DIRECTORY_INTERVAL: Duration = Duration::from_secs(6 * 3_600);
