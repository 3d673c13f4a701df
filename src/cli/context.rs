//! What every command needs, resolved once: paths, config, the store, the price table,
//! the local identity and time zone, and the team server to sync from.

use super::args::{GlobalArgs, SourceDirs};
use super::config::Config;
use super::paths::Paths;
use crate::collect::sources::Roots;
use crate::collect::sources::team_server::TeamServer;
use crate::pricing::PriceTable;
use crate::store::Store;
use anyhow::Context as _;
use chrono_tz::Tz;
use std::path::PathBuf;

pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub db_path: PathBuf,
    /// The config file read (or that would have been read).
    pub config_path: PathBuf,
    pub tz: Tz,
    pub global: GlobalArgs,
}

impl Context {
    pub fn new(global: GlobalArgs) -> anyhow::Result<Context> {
        let paths = Paths::discover();
        let (config_path, explicit) = match &global.config {
            Some(p) => (p.clone(), true),
            None => (paths.default_config(), false),
        };
        let config = Config::load(&config_path, explicit)?;
        let db_path = global.db.clone().unwrap_or_else(|| paths.default_db());
        let tz = resolve_tz(global.tz.as_deref())?;
        if let Some(db) = &global.db
            && db.is_dir()
        {
            return Err(crate::cli::BadUsage(format!(
                "--db {} is a folder; give the path of a database file",
                db.display()
            ))
            .into());
        }
        Ok(Context {
            paths,
            config,
            db_path,
            config_path,
            tz,
            global,
        })
    }

    /// Opens the store and records the config's teams (budgets) and their members. The
    /// default data folder is created; a `--db` whose folder does not exist is an error (a
    /// typo must not silently create a folder chain).
    pub fn open_store(&self) -> anyhow::Result<Store> {
        self.open_store_with(Store::open)
    }

    /// [`Context::open_store`] for a command that starts with a pass over the agents' files
    /// (`ingest`, `report`) and ends it with [`Store::end_first_load`]: a store created now
    /// is loaded without a write-ahead log (`store/first_load.rs`).
    pub fn open_store_for_pass(&self) -> anyhow::Result<Store> {
        self.open_store_with(Store::open_for_pass)
    }

    fn open_store_with(
        &self,
        open: fn(&std::path::Path) -> crate::store::Result<Store>,
    ) -> anyhow::Result<Store> {
        self.ensure_db_folder()?;
        open_notices(&self.db_path);
        let store = open(&self.db_path)
            .with_context(|| format!("opening the store at {}", self.db_path.display()))?;
        // The demo's organisation is its own; a config (even the empty default) would
        // replace its teams.
        if let Some(batch) = self.config.identity_batch().filter(|_| !self.global.demo) {
            store
                .writer()
                .apply_blocking(batch)
                .context("recording the config's teams")?;
        }
        super::directory::apply_csv(self, &store);
        Ok(store)
    }

    fn ensure_db_folder(&self) -> anyhow::Result<()> {
        let Some(dir) = self.db_path.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        if self.db_path == self.paths.default_db() {
            return std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data folder {}", dir.display()));
        }
        if !dir.is_dir() {
            return Err(crate::cli::BadUsage(format!(
                "--db {}: the folder {} does not exist (create it first, or pick another path)",
                self.db_path.display(),
                dir.display()
            ))
            .into());
        }
        Ok(())
    }

    /// A reader on the existing store, opened read-only (no writer, no migration, nothing
    /// created next to it), for `--read-only`.
    pub fn read_only_reader(&self) -> anyhow::Result<crate::store::Reader> {
        crate::store::Reader::open_read_only(&self.db_path)
            .with_context(|| format!("opening the store at {} read-only", self.db_path.display()))
    }

    /// Where an imported LiteLLM table is kept: next to the store, `<db name>.prices.json`.
    pub fn imported_prices_path(&self) -> PathBuf {
        let stem = self
            .db_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "agentdeck".into());
        self.db_path.with_file_name(format!("{stem}.prices.json"))
    }

    /// Built-in prices, then an imported table, then config overrides.
    pub fn price_table(&self) -> anyhow::Result<PriceTable> {
        let imported = self.imported_prices_path();
        let mut table = match std::fs::read_to_string(&imported) {
            Ok(text) => PriceTable::from_json(&text).with_context(|| {
                format!(
                    "reading imported prices {} (delete it to use the built-in table)",
                    imported.display()
                )
            })?,
            Err(_) => PriceTable::builtin(),
        };
        for (model, o) in &self.config.pricing.overrides {
            let price = o.model_price(model).context("config")?;
            table
                .try_set_override(model, price)
                .with_context(|| format!("config [pricing.overrides.\"{model}\"]"))?;
        }
        Ok(table)
    }

    /// The developer local files belong to, in the compared form
    /// (`domain::identity::developer_id`: an email lower-cased).
    pub fn developer(&self) -> String {
        crate::domain::identity::developer_id(&self.raw_developer())
    }

    fn raw_developer(&self) -> String {
        if let Some(d) = self
            .config
            .identity
            .developer
            .clone()
            .filter(|d| !d.trim().is_empty())
        {
            return d;
        }
        let git_email = std::process::Command::new("git")
            .args(["config", "--get", "user.email"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        git_email.unwrap_or_else(|| {
            let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
            let host = std::fs::read_to_string("/etc/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "localhost".into());
            format!("{user}@{host}")
        })
    }

    /// The team server from `[server] url` (or `url_override`), with its token from
    /// `AGENTDECK_TOKEN`, else `token_file`, else `token`. None when no server is configured
    /// or `--offline` is set (unless a URL is given explicitly).
    pub fn team_server(&self, url_override: Option<&str>) -> anyhow::Result<Option<TeamServer>> {
        let section = &self.config.server;
        let url = match url_override {
            Some(u) => u,
            None if self.global.offline => return Ok(None),
            None => match section.url.as_deref().filter(|u| !u.trim().is_empty()) {
                Some(u) => u,
                None => return Ok(None),
            },
        };
        anyhow::ensure!(
            url.starts_with("http://") || url.starts_with("https://"),
            "team server URL `{url}` must start with http:// or https://"
        );
        let token = match std::env::var("AGENTDECK_TOKEN") {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => match &section.token_file {
                Some(file) => Some(self.read_token_file(file)?),
                None => section.token.clone(),
            },
        };
        Ok(Some(TeamServer::new(url, token)?))
    }

    fn read_token_file(&self, file: &std::path::Path) -> anyhow::Result<String> {
        let path = match self.config_path.parent() {
            Some(dir) if file.is_relative() => dir.join(file),
            _ => file.to_path_buf(),
        };
        super::config::refuse_if_world_readable(&path, "the team server token file")?;
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the token file {}", path.display()))?;
        let token = text.trim();
        anyhow::ensure!(
            !token.is_empty(),
            "the token file {} is empty",
            path.display()
        );
        Ok(token.to_string())
    }

    /// Folders to read: those on the command line, else config, else the defaults.
    pub fn roots(&self, dirs: &SourceDirs) -> Roots {
        if !dirs.is_empty() {
            return Roots {
                claude: dirs.claude.clone(),
                codex: dirs.codex.clone(),
                gemini: dirs.gemini.clone(),
                copilot: dirs.copilot.clone(),
            };
        }
        let s = &self.config.sources;
        let mut roots = Roots::defaults(&|k| std::env::var(k).ok());
        roots.claude.extend(s.claude_dirs.iter().cloned());
        roots.codex.extend(s.codex_dirs.iter().cloned());
        roots.gemini.extend(s.gemini_dirs.iter().cloned());
        roots.copilot.extend(s.copilot_dirs.iter().cloned());
        roots
    }
}

/// `--tz`, else `TZ`, else the system zone, else UTC.
pub fn resolve_tz(flag: Option<&str>) -> anyhow::Result<Tz> {
    if let Some(name) = flag {
        return name.parse::<Tz>().map_err(|_| {
            anyhow::anyhow!(
                "unknown time zone `{name}` (use an IANA name such as Europe/Berlin or UTC)"
            )
        });
    }
    if let Some(tz) = std::env::var("TZ")
        .ok()
        .and_then(|t| t.trim_start_matches(':').parse::<Tz>().ok())
    {
        return Ok(tz);
    }
    let system = std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| {
            p.to_str()
                .and_then(|s| s.split("zoneinfo/").nth(1))
                .map(str::to_string)
        })
        .or_else(|| {
            std::fs::read_to_string("/etc/timezone")
                .ok()
                .map(|s| s.trim().to_string())
        });
    Ok(system
        .and_then(|s| s.parse::<Tz>().ok())
        .unwrap_or(chrono_tz::UTC))
}

/// Says so on stderr when opening the store will wait or take long: another process's first
/// load of a new store is waited for (docs/architecture.md#a-new-stores-first-load), and an
/// upgrade of a large store takes a while (docs/architecture.md, "How the writer finds
/// stored requests").
pub fn open_notices(db: &std::path::Path) {
    if crate::store::first_load_elsewhere(db) {
        eprintln!(
            "note: another agentdeck process is loading the new store at {} for the first \
             time; waiting for it to finish",
            db.display()
        );
    }
    if let Some(from) = crate::store::pending_upgrade(db) {
        eprintln!(
            "note: upgrading the store at {} from schema {from} to {}; a large store takes a \
             while (about 7 s per million requests), once",
            db.display(),
            crate::store::SCHEMA_VERSION
        );
    }
}
