//! agentdeck: a terminal operations console for teams that use AI coding agents.
//!
//! The module tree is the architecture; dependencies point inward (docs/architecture.md):
//!
//! - [`domain`]: pure types and rules (money, usage, records, dedupe). No IO.
//! - [`protocol`]: the team server's push and sync wire types, shared by the server and its
//!   clients. Depends on domain.
//! - [`pricing`]: the price table and the cost of a usage. Depends on domain.
//! - [`store`]: the only code that speaks SQL: migrations, the single writer, readers,
//!   one query module per question. Depends on domain (and protocol for sync pages).
//! - [`collect`]: sources that read agent files (and later APIs) into write batches.
//!   Depends on domain, pricing and the store's writer handle.
//! - [`alerting`]: the alert engine (rules from config over the built-ins, evaluation on data
//!   change, webhooks, alert sync with a team server). Depends on domain, store and collect.
//! - [`demo`]: the demo organisation and its live simulator; writes through the store.
//! - [`tui`]: the console: keymap, update, views, themes. Depends on domain and store.
//! - [`server`]: `agentdeck serve`: OTLP/HTTP receiver, push/sync API, tokens and roles,
//!   events and alert state. Depends on domain, pricing, store and alerting (wire types).
//!   Only with the `server` feature (on by default).
//! - [`cli`]: argument parsing, config, paths, commands, logging. Depends on everything.

pub mod alerting;
pub mod cli;
pub mod collect;
pub mod demo;
pub mod domain;
pub mod pricing;
pub mod protocol;
#[cfg(feature = "server")]
pub mod server;
pub mod store;
pub mod tui;
