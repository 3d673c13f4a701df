//! One module per subcommand.

pub mod ingest;
pub mod pricing;
pub mod push;
pub mod report;
pub mod serve;
mod report_render;
