//! The command-line contract (README "Reports", "Exit status"), as clap types. Each
//! subcommand's behaviour lives in `commands/<name>.rs`; values are checked by
//! `values.rs` as they are parsed, so bad usage exits 2.

use super::values;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `--version`: the crate version, the commit and the build date (set by build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("AGENTDECK_COMMIT"),
    ", built ",
    env!("AGENTDECK_BUILD_DATE"),
    ")"
);

const EXAMPLES: &str = "\
Examples:
  agentdeck                                 the console on the local store
  agentdeck --demo                          the console on a generated demo organisation
  agentdeck --demo report team              a report on the demo organisation
  agentdeck ingest                          read new lines of the local agents' files
  agentdeck report daily --since 7d         tokens and cost per day, last 7 days
  agentdeck report session --json | jq .    per-session totals as JSON
  agentdeck report model --csv > models.csv
  agentdeck doctor                          check the store; --rebuild repairs it
  agentdeck push --server host:4318 --watch keep a team server current
  agentdeck completions bash > ~/.local/share/bash-completion/completions/agentdeck

Exit status:
  0  success
  1  an error (a message on stderr says what and what to do)
  2  bad usage: an unknown flag or a value that does not parse";

#[derive(Debug, Parser)]
#[command(
    name = "agentdeck",
    version = VERSION,
    about = "One terminal console over every AI coding agent your team runs",
    after_help = EXAMPLES
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
    /// Console theme: a built-in name or a TOML file (console only)
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// When the console uses colour (NO_COLOR is honoured)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Never write: the console unbinds acknowledge/snooze; reports open the store read-only
    /// (works on read-only media) and imply --no-refresh
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Never touch the network (vendor APIs, team server)
    #[arg(long, global = true)]
    pub offline: bool,
    /// Time zone for days, weeks and months (IANA name). Default: the local zone
    #[arg(long, global = true, value_name = "ZONE", value_parser = values::time_zone)]
    pub tz: Option<String>,
    /// Open the console on a generated demo organisation with a live simulator; with a
    /// command that looks at a store (report, alerts, sources, doctor), run it on the demo
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset
    Auto,
    /// Always colour
    Always,
    /// Never colour (the `mono` theme)
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
    /// Every source: state, last run and success, what it read and added, skipped lines,
    /// last error, next run, settings in effect (secrets only as set or missing)
    Sources {
        #[command(subcommand)]
        action: Option<SourcesCommand>,
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// The config file: check it without running anything
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
    /// Check the store's integrity and bounds; --rebuild repairs a damaged one
    Doctor(DoctorArgs),
    /// Shell completions on stdout: bash, zsh, fish, elvish or powershell
    #[command(
        after_help = "Examples:\n  agentdeck completions bash > ~/.local/share/bash-completion/completions/agentdeck\n  agentdeck completions zsh > ~/.zfunc/_agentdeck\n  agentdeck completions fish > ~/.config/fish/completions/agentdeck.fish"
    )]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on stdout
    #[command(after_help = "Example:\n  agentdeck man > ~/.local/share/man/man1/agentdeck.1")]
    Man,
    /// Team server: OTLP/HTTP receiver, push and sync API, /metrics, /healthz
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// Send this machine's collected rows (metadata only) to a team server
    #[cfg(feature = "server")]
    Push(PushArgs),
    /// One pass of pulling rows from the team server ([server] in config) into the local store
    Sync(SyncArgs),
    /// Record a deploy or an incident (from CI/CD or a paging tool)
    Event {
        #[command(subcommand)]
        action: EventCommand,
        /// Send it to this team server instead of the local store (default: [server] url)
        #[arg(long, global = true, env = "AGENTDECK_SERVER", value_name = "URL")]
        server: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// A deploy of a commit to an environment
    Deploy {
        /// The deploy's id in your CI/CD tool
        #[arg(long)]
        id: String,
        /// Repository identity, e.g. github.com/acme/api
        #[arg(long)]
        repo: String,
        /// The commit deployed
        #[arg(long)]
        sha: Option<String>,
        /// success, failed or rolled_back
        #[arg(long, default_value = "success")]
        status: String,
        /// Where it went (production, staging, …)
        #[arg(long)]
        environment: Option<String>,
        /// When (RFC 3339; default now)
        #[arg(long)]
        at: Option<String>,
    },
    /// A pull request's test-coverage change, from CI coverage reports (LCOV or Cobertura)
    Coverage {
        /// Repository identity, e.g. github.com/acme/api
        #[arg(long)]
        repo: String,
        /// The pull/merge request number
        #[arg(long)]
        pr: i64,
        /// The PR head's coverage report (lcov.info or cobertura.xml)
        #[arg(long, value_name = "FILE")]
        report: std::path::PathBuf,
        /// The base branch's report the change is measured against
        #[arg(long, value_name = "FILE")]
        base_report: std::path::PathBuf,
    },
    /// An incident, linked to the commit that caused it when known
    Incident {
        /// The incident's id in your paging tool
        #[arg(long)]
        id: String,
        /// Repository identity, e.g. github.com/acme/api
        #[arg(long)]
        repo: Option<String>,
        /// sev1, sev2, sev3 or sev4 (a new incident: sev3; a repeat keeps the stored one)
        #[arg(long)]
        severity: Option<String>,
        /// The commit that caused it (links AI-attributed commits to the incident)
        #[arg(long, value_name = "SHA")]
        caused_by: Option<String>,
        /// A short label (at most 200 characters)
        #[arg(long)]
        title: Option<String>,
        /// When it opened (RFC 3339; a new incident: default now; a repeat keeps the stored time)
        #[arg(long)]
        at: Option<String>,
        /// When it was resolved (RFC 3339)
        #[arg(long, value_name = "TIME")]
        resolved_at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Poll the configured vendor APIs (and the GitHub directory) once now, and record it
    Poll {
        /// Only this source (anthropic_admin, cursor, copilot, openai_admin, directory)
        name: Option<String>,
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a config file (default: the one in use): syntax, unknown keys with the
    /// nearest valid one, keys and files it names. Runs nothing.
    Check {
        /// The file to check (default: --config, else the standard location)
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The team server, URL or HOST:PORT (default: [server] url in the config file)
    #[arg(long, env = "AGENTDECK_SERVER", value_name = "URL", value_parser = values::server_url)]
    pub server: Option<String>,
    /// JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

#[cfg(feature = "server")]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (IP:PORT or HOST:PORT, e.g. localhost:4318); anything but
    /// loopback requires tokens
    #[arg(long, default_value = crate::server::DEFAULT_LISTEN, value_name = "ADDR", value_parser = values::listen_addr)]
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

#[cfg(feature = "server")]
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
    Import {
        /// The CSV file (email,team,role,started_on)
        file: std::path::PathBuf,
    },
    /// Put one developer in a team
    Set {
        /// The developer's email (their id)
        email: String,
        /// The team the developer belongs to (what managers of that team see)
        #[arg(long, value_name = "TEAM")]
        team: String,
        /// The developer's role in the organisation (a label, e.g. `engineer`)
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
    },
    /// The directory
    List {
        /// One JSON document instead of a table
        #[arg(long)]
        json: bool,
    },
}

#[cfg(feature = "server")]
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token and print it once
    Create {
        /// What the token may see and do
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
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id
    Revoke {
        /// The token's id (from `tokens list`)
        id: i64,
    },
}

#[cfg(feature = "server")]
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  agentdeck push --server https://agentdeck.internal:4318\n  AGENTDECK_TOKEN=adk_… agentdeck push --server host:4318 --watch --interval 1m"
)]
pub struct PushArgs {
    /// The team server: a URL, or HOST:PORT for http://HOST:PORT
    #[arg(long, env = "AGENTDECK_SERVER", value_name = "URL", value_parser = values::server_url)]
    pub server: String,
    /// Bearer token (prefer the environment variable over the command line)
    #[arg(
        long,
        env = "AGENTDECK_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Keep going: read new transcript lines and push every --interval, retrying
    /// failures with backoff; state shows in `agentdeck sources`
    #[arg(long)]
    pub watch: bool,
    /// Pause between pushes with --watch
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub interval: humantime::Duration,
    /// Sources to read before each push with --watch (default: the standard locations)
    #[command(flatten)]
    pub dirs: SourceDirs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  agentdeck doctor\n  agentdeck doctor --rebuild")]
pub struct DoctorArgs {
    /// Repair a damaged store: move it aside, copy what can be read into a fresh one
    /// (alerts, notes, synced and pushed rows included), then re-read the agents' files
    #[arg(long)]
    pub rebuild: bool,
    /// Sources to re-read with --rebuild (default: the standard locations)
    #[command(flatten)]
    pub dirs: SourceDirs,
    /// JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Alerts, newest first (default: every state)
    List {
        /// Only this state: firing, acked, snoozed, resolved, or open (all but resolved)
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alert (recorded with your identity and the time)
    Ack {
        /// The alert's id (from `alerts list`)
        id: i64,
        /// Why, for whoever looks next
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Silence an alert for a while (2h, 30m, 1day)
    Snooze {
        /// The alert's id (from `alerts list`)
        id: i64,
        /// How long: 2h, 30m, 1day
        duration: String,
    },
    /// Mark an alert resolved (recorded with your identity)
    Resolve {
        /// The alert's id (from `alerts list`)
        id: i64,
        /// Why, for whoever looks next
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Webhook notifications: pending, delivered, or dead (gave up after every retry)
    Deliveries {
        /// pending, delivered or dead
        #[arg(long, default_value = "dead", value_name = "STATE")]
        state: String,
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Evaluate the rules now (fire, resolve, notify); exit 0 none firing, 3 firing, 4 critical
    Check {
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// The rules and when they fire
    Rules {
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Default, Args)]
pub struct SourceDirs {
    /// Claude Code config root or its projects/ folder (repeatable; must exist)
    #[arg(long = "claude-dir", value_name = "DIR", value_parser = values::existing_dir)]
    pub claude: Vec<PathBuf>,
    /// Codex home or its sessions/ folder (repeatable; must exist)
    #[arg(long = "codex-dir", value_name = "DIR", value_parser = values::existing_dir)]
    pub codex: Vec<PathBuf>,
    /// Gemini CLI home (~/.gemini) or its tmp/ folder (repeatable; must exist)
    #[arg(long = "gemini-dir", value_name = "DIR", value_parser = values::existing_dir)]
    pub gemini: Vec<PathBuf>,
    /// GitHub Copilot CLI home (~/.copilot) or its session-state/ folder (repeatable; must exist)
    #[arg(long = "copilot-dir", value_name = "DIR", value_parser = values::existing_dir)]
    pub copilot: Vec<PathBuf>,
}

impl SourceDirs {
    pub fn is_empty(&self) -> bool {
        self.claude.is_empty()
            && self.codex.is_empty()
            && self.gemini.is_empty()
            && self.copilot.is_empty()
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  agentdeck ingest\n  agentdeck ingest --claude-dir /mnt/old-laptop/.claude --json"
)]
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
    /// One row per day (in --tz)
    Daily,
    /// One row per week, Monday first
    Weekly,
    /// One row per month
    Monthly,
    /// One row per agent session
    Session,
    /// Five-hour billing blocks
    Blocks,
    /// One row per team
    Team,
    /// One row per project (repository)
    Project,
    /// One row per developer
    Developer,
    /// One row per model
    Model,
    /// One row per agent
    Agent,
    /// AI-assisted vs human outcomes (PRs, commits, incidents) with denominators
    Quality,
    /// Commits, pull requests, sessions and cost per ticket key
    Ticket,
    /// Billed spend per day and vendor against spend computed from local data, with gaps
    Reconcile,
    /// Month-to-date spend and month-end forecast against each team's and project's budget
    Budget,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  agentdeck report daily\n  agentdeck report weekly --since 2026-01-01 --until 2026-03-31\n  agentdeck report session --agent codex --json\n  agentdeck report model --csv --no-refresh"
)]
pub struct ReportArgs {
    /// What one row is
    #[arg(value_enum)]
    pub kind: ReportKind,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Do not refresh local sources first
    #[arg(long)]
    pub no_refresh: bool,
    /// Sources to refresh first (default: the standard locations)
    #[command(flatten)]
    pub dirs: SourceDirs,
}

/// Which days a report covers.
#[derive(Debug, Clone, Default, Args)]
pub struct PeriodArgs {
    /// First day included: a date (YYYY-MM-DD, YYYYMMDD) or a console period (90d = the last
    /// 90 days with today, 7d, this-month, last-month, 2026-09)
    #[arg(long, value_name = "DATE|PERIOD", value_parser = values::day_spec)]
    pub since: Option<String>,
    /// Last day included: a date or a period (last-month ends on its last day)
    #[arg(long, value_name = "DATE|PERIOD", value_parser = values::day_spec)]
    pub until: Option<String>,
    /// The previous calendar month or week, or the last N days: month, week, 90d
    #[arg(
        long,
        value_name = "PERIOD",
        value_parser = values::last_spec,
        conflicts_with_all = ["since", "until"]
    )]
    pub last: Option<String>,
}

/// Which rows a report counts.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only this agent: claude_code, codex, gemini, cursor, copilot
    #[arg(long, value_name = "AGENT", value_parser = values::agent)]
    pub agent: Option<String>,
    /// Only developers of this team (config [[team]] or the directory)
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    /// Only this project: its id (github.com/acme/api) or display name
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Only this developer: id, email or handle
    #[arg(long, value_name = "DEVELOPER")]
    pub developer: Option<String>,
}

/// How a report is printed (default: a table fitted to the terminal).
#[derive(Debug, Clone, Default, Args)]
pub struct OutputArgs {
    /// JSON document on stdout
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV on stdout (the same header with or without rows)
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Subcommand)]
pub enum PricingCommand {
    /// Every model with its prices ($ per million tokens)
    List {
        /// JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// How one model name resolves and what it costs
    Show {
        /// A model name as the agents log it
        model: String,
    },
    /// Take model prices from a LiteLLM model_prices_and_context_window.json, over the
    /// built-in table (replacing any earlier import)
    Import {
        /// The LiteLLM JSON file
        file: PathBuf,
    },
    /// Recompute every stored cost from its tokens and the current table (overrides
    /// included); agentdeck also does this by itself whenever the table changes
    Reprice {
        /// JSON document on stdout (requests changed, total cost before and after)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ThemesCommand {
    /// Built-in and user themes
    List,
    /// Print a theme's TOML
    Show {
        /// A built-in or user theme name
        name: String,
    },
    /// Validate a theme file (errors name line and column)
    Check {
        /// The theme's TOML file
        file: PathBuf,
    },
}
