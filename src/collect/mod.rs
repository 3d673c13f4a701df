//! Sources that turn agents' files (and later APIs) into write batches: per-agent parsers
//! under `sources/`, the incremental file pipeline, the live tail that feeds it changed
//! files (`watch`), and project identity.

pub mod files;
mod guard;
#[cfg(feature = "sync")]
pub mod http;
pub mod ingest;
mod netfs;
pub mod parse;
pub mod project;
mod sink;
pub mod skim;
pub mod sources;
pub mod summary;
pub mod watch;
