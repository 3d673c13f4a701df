//! All integration tests in one binary (one link of the crate instead of one per file).
//! Shared helpers live in `common`, `server_support` and `tui_support`.

// Setup failures in tests, benchmarks and examples may panic; the library and binary may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_support;
mod tui_support;

mod accounting;
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
mod peer_fixtures;
mod pricing_cli;
mod rollup_tiers;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_auth;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_cli;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_crash;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_dedupe;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_hostile;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_mapping;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_otlp;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_parity;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_postgres;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_push;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_sync;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_tenancy_edge;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_tenancy_props;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_tenancy_reads;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_tenancy_writes;
#[cfg(all(feature = "server", feature = "sync"))]
mod server_tls;
mod store_size;
mod store_writer;
mod tui_app;
mod tui_snapshots;
mod tui_themes;
mod tui_tmux;
mod tui_update;
