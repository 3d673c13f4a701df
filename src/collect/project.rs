//! Project identity (placeholder while the git resolver lands).

use super::parse::ProjectResolver;
use crate::domain::ProjectRecord;

#[derive(Default)]
pub struct GitProjectResolver;

impl ProjectResolver for GitProjectResolver {
    fn resolve(&self, cwd: &str) -> ProjectRecord {
        ProjectRecord { id: cwd.to_string(), display_name: cwd.to_string() }
    }
    fn from_remote(&self, remote_url: &str, _cwd: &str) -> ProjectRecord {
        ProjectRecord { id: remote_url.to_string(), display_name: remote_url.to_string() }
    }
}
