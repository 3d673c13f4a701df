//! Sources that turn agents' files (and later APIs) into write batches: per-agent parsers
//! under `sources/`, the incremental file pipeline, the live tail that feeds it changed
//! files (`watch`), and project identity.

#[cfg(feature = "sync")]
pub mod directory;
pub mod files;
mod guard;
pub mod health;
#[cfg(feature = "sync")]
pub mod http;
pub mod ingest;
mod netfs;
pub mod parse;
#[cfg(feature = "sync")]
pub mod pollers;
pub mod project;
#[cfg(feature = "sync")]
pub mod scheduler;
mod sink;
pub mod skim;
pub mod sources;
pub mod summary;
pub mod watch;
