//! One module per subcommand.

pub mod alerts;
pub mod alerts_check;
pub mod config;
pub mod console;
pub mod doctor;
pub mod event;
mod event_coverage;
pub mod ingest;
pub mod outcomes;
pub mod pricing;
#[cfg(feature = "server")]
pub mod push;
#[cfg(feature = "server")]
mod push_retry;
pub mod reconcile;
pub mod report;
mod report_budget;
mod report_quality;
mod report_render;
mod report_table;
#[cfg(feature = "server")]
pub mod serve;
pub mod sources;
pub mod sources_poll;
pub mod sync;
pub mod themes;
