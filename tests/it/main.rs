//! All integration tests in one binary (one link of the crate instead of one per file).
//! Shared helpers live in `common`, `server_support` and `tui_support`.

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[cfg(feature = "server")]
mod server_support;
mod tui_support;

mod accounting;
// The suite's longest test (1.9 M rows at the token bounds). libtest starts tests in name
// order, so its name sorts it among the first to start (docs/perf.md#test-suite).
mod accounting_totals;
mod architecture;
mod collect_live;
mod demo_build;
mod demo_cli;
mod demo_live;
mod demo_ops;
mod discovery_cli;
mod ingest_cli;
mod ingest_hostile;
mod ingest_push_watch;
mod ingest_robustness;
mod ingest_store;
#[cfg(feature = "server")]
mod outcomes_alert_sync;
mod outcomes_alerts;
mod outcomes_budgets;
mod outcomes_coverage;
mod outcomes_etags;
#[cfg(feature = "server")]
mod outcomes_events;
#[cfg(feature = "server")]
mod outcomes_git;
mod outcomes_hosts;
mod outcomes_permission;
mod outcomes_quality;
mod peer_fixtures;
mod pricing_cli;
mod pricing_gemini;
mod pricing_gemini_tree;
mod pricing_override_tiers;
mod pricing_reprice;
#[cfg(feature = "server")]
mod pricing_tiers;
mod rollup_tiers;
#[cfg(feature = "server")]
mod server_alert_delivery;
#[cfg(feature = "server")]
mod server_alerts;
#[cfg(feature = "server")]
mod server_auth;
#[cfg(feature = "server")]
mod server_cli;
#[cfg(feature = "server")]
mod server_crash;
#[cfg(feature = "server")]
mod server_dedupe;
#[cfg(feature = "server")]
mod server_hostile;
#[cfg(feature = "server")]
mod server_mapping;
#[cfg(feature = "server")]
mod server_otlp;
#[cfg(feature = "server")]
mod server_parity;
#[cfg(feature = "server")]
mod server_permission;
#[cfg(feature = "server")]
mod server_postgres;
#[cfg(feature = "server")]
mod server_postgres_commit;
#[cfg(feature = "server")]
mod server_postgres_plans;
#[cfg(feature = "server")]
mod server_push;
#[cfg(feature = "server")]
mod server_reprice;
#[cfg(feature = "server")]
mod server_sync;
#[cfg(feature = "server")]
mod server_tenancy_edge;
#[cfg(feature = "server")]
mod server_tenancy_props;
#[cfg(feature = "server")]
mod server_tenancy_reads;
#[cfg(feature = "server")]
mod server_tenancy_writes;
#[cfg(feature = "server")]
mod server_tls;
#[cfg(feature = "server")]
mod server_vendor_usage;
mod sources_anthropic;
mod sources_console;
mod sources_copilot;
mod sources_cursor;
mod sources_health;
mod sources_identity;
mod sources_openai;
mod sources_reconcile;
mod sources_support;
mod store_first_load;
mod store_session_tail;
mod store_size;
mod store_write_cache;
mod store_write_pages;
mod store_writer;
mod tui_app;
mod tui_flows;
mod tui_snapshots;
mod tui_themes;
mod tui_tmux;
mod tui_tmux_flows;
mod tui_update;
mod tui_vendor_directory;
