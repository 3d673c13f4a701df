//! Sources that turn agents' files (and later APIs) into write batches: per-agent parsers
//! under `sources/`, the incremental file pipeline, and project identity.

pub mod files;
mod guard;
pub mod http;
pub mod ingest;
pub mod parse;
pub mod project;
mod sink;
pub mod skim;
pub mod sources;
pub mod summary;
