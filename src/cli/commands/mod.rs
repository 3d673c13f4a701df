//! One module per subcommand.

pub mod alerts;
pub mod console;
pub mod ingest;
pub mod pricing;
pub mod report;
pub mod sources;
pub mod themes;
mod report_render;
