//! All integration tests in one binary (one link of the crate instead of one per file).
//! Shared helpers live in `common`, `server_support` and `tui_support`.

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod server_support;
mod tui_support;

mod accounting;
mod architecture;
mod demo_build;
mod demo_cli;
mod demo_live;
mod demo_ops;
mod discovery_cli;
mod ingest_robustness;
mod peer_fixtures;
mod pricing_cli;
mod rollup_tiers;
mod server_auth;
mod server_cli;
mod server_crash;
mod server_dedupe;
mod server_hostile;
mod server_mapping;
mod server_otlp;
mod server_parity;
mod server_postgres;
mod server_push;
mod server_sync;
mod server_tenancy_edge;
mod server_tenancy_props;
mod server_tenancy_reads;
mod server_tenancy_writes;
mod server_tls;
mod store_writer;
mod tui_app;
mod tui_snapshots;
mod tui_themes;
mod tui_tmux;
mod tui_update;
