//! The command-line contract (design.md §2), as clap types. Each subcommand's behaviour
//! lives in `commands/<name>.rs`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "agentdeck",
    version,
    about = "One terminal console over every AI coding agent your team runs"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The local store (SQLite). Default: $XDG_DATA_HOME/agentdeck/agentdeck.db
    #[arg(long, global = true, env = "AGENTDECK_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Config file. Default: $XDG_CONFIG_HOME/agentdeck/config.toml
    #[arg(long, global = true, env = "AGENTDECK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Console theme: a built-in name or a TOML file
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// When to use colour (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Unbind every action that writes (acknowledge, snooze, …)
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Never touch the network (vendor APIs, team server)
    #[arg(long, global = true)]
    pub offline: bool,
    /// Time zone for days, weeks and months (IANA name). Default: the local zone
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Open the console on a generated demo organisation with a live simulator
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One incremental pass over local agent files
    Ingest(IngestArgs),
    /// Usage and cost reports (table, JSON or CSV)
    Report(ReportArgs),
    /// Console themes: list, show one, check a file
    Themes {
        #[command(subcommand)]
        action: Option<ThemesCommand>,
    },
    /// The model price table
    Pricing {
        #[command(subcommand)]
        action: Option<PricingCommand>,
    },
    /// Alerts: list them, acknowledge, snooze, resolve, show the rules
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsCommand>,
        /// JSON document on stdout (when no subcommand is given: the list)
        #[arg(long)]
        json: bool,
    },
    /// Every source: kind, last success, last error, lag, rows
    Sources {
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Team server: OTLP/HTTP receiver, push and sync API, /metrics, /healthz
    Serve(ServeArgs),
    /// Send this machine's collected rows (metadata only) to a team server
    Push(PushArgs),
    /// One pass of pulling rows from the team server ([server] in config) into the local store
    Sync(SyncArgs),
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The team server (default: [server] url in the config file)
    #[arg(long, env = "AGENTDECK_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but loopback requires tokens
    #[arg(long, default_value = crate::server::DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Database: a SQLite path or sqlite:PATH (default: the local store, --db)
    #[arg(long, env = "AGENTDECK_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// Serve HTTPS: the certificate chain (PEM, leaf first); needs --tls-key
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The private key for --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Requests per second one token may make (bursts of twice that; 0: no limit)
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub rate_limit: u32,
    /// Send members and managers an org-wide daily total only when at least N developers
    /// outside their own scope contributed to it
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub org_totals_min_developers: usize,
    #[command(subcommand)]
    pub action: Option<ServeCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Bearer tokens for the server (stored hashed; shown once at creation)
    Tokens {
        #[command(subcommand)]
        action: TokensCommand,
    },
    /// The server's developer directory: who is in which team (the only source of teams)
    Members {
        #[command(subcommand)]
        action: MembersCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Load a CSV with the columns email,team,role,started_on (header row first)
    Import { file: std::path::PathBuf },
    /// Put one developer in a team
    Set {
        /// The developer's email (their id)
        email: String,
        #[arg(long, value_name = "TEAM")]
        team: String,
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
    },
    /// The directory
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token and print it once
    Create {
        #[arg(long, value_enum)]
        role: crate::server::auth::Role,
        /// The developer (email) the token belongs to
        #[arg(long, value_name = "EMAIL")]
        developer: String,
        /// The team a manager sees (and a member belongs to)
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        /// A manager token that may also send its team's telemetry (an OpenTelemetry
        /// Collector): records are kept under the developer they name, if the directory
        /// puts them in the token's team (admin tokens always may)
        #[arg(long)]
        collector: bool,
    },
    /// Every live token (never the token itself)
    List {
        /// Include revoked tokens
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id
    Revoke { id: i64 },
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The team server, e.g. http://agentdeck.internal:4318
    #[arg(long, env = "AGENTDECK_SERVER", value_name = "URL")]
    pub server: String,
    /// Bearer token (prefer the environment variable over the command line)
    #[arg(
        long,
        env = "AGENTDECK_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Keep going: push new rows every --interval
    #[arg(long)]
    pub watch: bool,
    /// Pause between pushes with --watch
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub interval: humantime::Duration,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Alerts, newest first (default: every state)
    List {
        /// Only this state: firing, acked, snoozed, resolved, or open (all but resolved)
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alert (recorded with your identity and the time)
    Ack {
        id: i64,
        /// Why, for whoever looks next
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Silence an alert for a while (2h, 30m, 1day)
    Snooze { id: i64, duration: String },
    /// Mark an alert resolved
    Resolve { id: i64 },
    /// Evaluate the rules over the store now and fire alerts for new findings
    Check {
        #[arg(long)]
        json: bool,
    },
    /// The rules and when they fire
    Rules {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Default, Args)]
pub struct SourceDirs {
    /// Claude Code config root or its projects/ folder (repeatable)
    #[arg(long = "claude-dir", value_name = "DIR")]
    pub claude: Vec<PathBuf>,
    /// Codex home or its sessions/ folder (repeatable)
    #[arg(long = "codex-dir", value_name = "DIR")]
    pub codex: Vec<PathBuf>,
    /// Gemini CLI home (~/.gemini) or its tmp/ folder (repeatable)
    #[arg(long = "gemini-dir", value_name = "DIR")]
    pub gemini: Vec<PathBuf>,
}

impl SourceDirs {
    pub fn is_empty(&self) -> bool {
        self.claude.is_empty() && self.codex.is_empty() && self.gemini.is_empty()
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub dirs: SourceDirs,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
    /// List every skipped line, not only the first few per reason
    #[arg(long)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    Daily,
    Weekly,
    Monthly,
    Session,
    Blocks,
    Team,
    Project,
    Developer,
    Model,
    Agent,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(value_enum)]
    pub kind: ReportKind,
    /// First day included (YYYY-MM-DD, YYYYMMDD, or a span back from today: 7d, 2w, 3m)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Last day included (YYYY-MM-DD or YYYYMMDD)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// JSON document on stdout
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV on stdout
    #[arg(long)]
    pub csv: bool,
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    #[arg(long, value_name = "DEVELOPER")]
    pub developer: Option<String>,
    /// Do not refresh local sources first
    #[arg(long)]
    pub no_refresh: bool,
    /// Sources to refresh first (default: the standard locations)
    #[command(flatten)]
    pub dirs: SourceDirs,
}

#[derive(Debug, Subcommand)]
pub enum PricingCommand {
    /// Every model with its prices ($ per million tokens)
    List {
        #[arg(long)]
        json: bool,
    },
    /// How one model name resolves and what it costs
    Show { model: String },
    /// Replace the table with a LiteLLM model_prices_and_context_window.json
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ThemesCommand {
    /// Built-in and user themes
    List,
    /// Print a theme's TOML
    Show { name: String },
    /// Validate a theme file (errors name line and column)
    Check { file: PathBuf },
}
