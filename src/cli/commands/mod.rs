//! One module per subcommand.

pub mod alerts;
mod alerts_check;
pub mod console;
pub mod doctor;
pub mod ingest;
pub mod pricing;
#[cfg(all(feature = "sync", feature = "server"))]
pub mod push;
#[cfg(all(feature = "sync", feature = "server"))]
mod push_retry;
pub mod report;
mod report_render;
mod report_table;
#[cfg(feature = "server")]
pub mod serve;
pub mod sources;
#[cfg(feature = "sync")]
pub mod sync;
pub mod themes;
