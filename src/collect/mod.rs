//! Sources that turn agents' files (and later APIs) into write batches: per-agent parsers
//! under `sources/`, the incremental file pipeline, the live tail that feeds it changed
//! files (`watch`), and project identity.

pub mod directory;
pub mod files;
mod guard;
pub mod health;
pub mod http;
pub mod ingest;
mod netfs;
pub mod parse;
pub mod pollers;
pub mod project;
pub mod scheduler;
mod sink;
pub mod skim;
pub mod sources;
pub mod summary;
pub mod watch;
