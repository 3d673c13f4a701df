//! One module per subcommand.

pub mod alerts;
mod alerts_check;
pub mod config;
pub mod console;
pub mod doctor;
pub mod ingest;
pub mod pricing;
pub mod push;
mod push_retry;
pub mod reconcile;
pub mod report;
mod report_render;
mod report_table;
pub mod serve;
pub mod sources;
pub mod sources_poll;
pub mod sync;
pub mod themes;
