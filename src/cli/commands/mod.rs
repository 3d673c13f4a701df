//! One module per subcommand.

pub mod ingest;
pub mod pricing;
pub mod report;
mod report_render;
