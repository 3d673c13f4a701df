//! One module per subcommand.

pub mod alerts;
mod alerts_check;
pub mod console;
pub mod ingest;
pub mod pricing;
pub mod push;
pub mod report;
pub mod serve;
mod report_render;
pub mod sources;
pub mod themes;
