//! Who owns a written row: decided here, on the server, from the caller's token, never from
//! what the client says. A member's or manager's rows are the token's developer's; a
//! collector manager may write the rows of its team's developers (per the directory); an
//! admin writes the identity each record names. A developer's team comes from the directory
//! (or, for a token's own developer, the token's team), never from telemetry attributes.

use super::auth::{Principal, Writes};
use super::backend::Backend;
use crate::store::DeveloperRow;
use std::collections::HashSet;

/// The owner decision for one request (one export or push).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerRule {
    /// Every row is this developer's, whatever it names.
    Pinned { developer: String },
    /// Rows are the developer they name, which must be one of these (a collector's team).
    Among { allowed: HashSet<String> },
    /// Rows are the developer they name.
    Named,
}

/// Why a row's named developer was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("developer `{0}` is outside what this token may write")]
pub struct Foreign(pub String);

impl OwnerRule {
    /// The rule for a caller; a collector's team is read from the directory.
    pub async fn for_caller(
        principal: Option<&Principal>,
        backend: &Backend,
    ) -> Result<OwnerRule, super::backend::BackendError> {
        let Some(p) = principal else {
            return Ok(OwnerRule::Named);
        };
        Ok(match p.writes() {
            Writes::Own(developer) => OwnerRule::Pinned { developer },
            Writes::Anyone => OwnerRule::Named,
            Writes::Team { team, developer } => {
                let mut allowed = backend.team_members(&team).await?;
                allowed.insert(developer);
                OwnerRule::Among { allowed }
            }
        })
    }

    /// Telemetry: the owner of a record that names `named` (its identity).
    pub fn telemetry_owner(&self, named: &str) -> Result<String, Foreign> {
        match self {
            OwnerRule::Pinned { developer } => Ok(developer.clone()),
            OwnerRule::Named => Ok(named.to_string()),
            OwnerRule::Among { allowed } if allowed.contains(named) => Ok(named.to_string()),
            OwnerRule::Among { .. } => Err(Foreign(named.to_string())),
        }
    }

    /// Pushes: rows carry their developer; one this token may not write is refused (the
    /// whole push is answered 403, naming the row), never re-owned.
    pub fn check_pushed(&self, named: &str) -> Result<(), Foreign> {
        match self {
            OwnerRule::Pinned { developer } if developer == named => Ok(()),
            OwnerRule::Pinned { .. } => Err(Foreign(named.to_string())),
            OwnerRule::Named => Ok(()),
            OwnerRule::Among { allowed } if allowed.contains(named) => Ok(()),
            OwnerRule::Among { .. } => Err(Foreign(named.to_string())),
        }
    }
}

/// The directory row for a developer first seen in a write: the token's team for the
/// token's own developer, else `unassigned` (an admin moves them with `serve members`).
pub fn sighting(developer: &str, principal: Option<&Principal>) -> DeveloperRow {
    let team = principal
        .filter(|p| p.developer == developer)
        .and_then(|p| p.team.clone())
        .unwrap_or_else(|| "unassigned".into());
    DeveloperRow {
        id: developer.to_string(),
        email: developer.contains('@').then(|| developer.to_string()),
        handle: None,
        display_name: None,
        team,
        role: None,
        started_on: None,
    }
}
