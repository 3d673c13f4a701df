//! Bearer tokens and roles. Tokens are random, shown once at creation and stored only as
//! a SHA-256 hash; `admin` reads everything, `manager` their team (per the directory),
//! `member` their own rows. Who may *write* whose rows is [`Writes`]: a member and a manager
//! only their own, a manager with the collector capability their team's, an admin anyone's.
//! Tokens are never logged.

use super::backend::Backend;
use crate::store::queries::server_db::TokenRow;
use crate::store::queries::sync::RowFilter;
use axum::http::{HeaderMap, StatusCode, header};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Admin,
    Manager,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: i64,
    pub role: Role,
    pub developer: String,
    pub team: Option<String>,
    /// A manager token that may forward its team's telemetry (an OpenTelemetry Collector).
    pub collector: bool,
}

/// Whose rows a caller may write. The server decides every row's owner from this: rows of
/// an `Own` caller are the token's developer's, whatever the record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writes {
    /// Member and manager tokens: the token's developer only.
    Own(String),
    /// Manager tokens with the collector capability: developers whose directory team is
    /// this team, and the token's developer.
    Team { team: String, developer: String },
    /// Admin tokens (and loopback without tokens): the identity each record names.
    Anyone,
}

impl Principal {
    pub fn writes(&self) -> Writes {
        match (self.role, self.collector, &self.team) {
            (Role::Admin, _, _) => Writes::Anyone,
            (Role::Manager, true, Some(team)) => Writes::Team {
                team: team.clone(),
                developer: self.developer.clone(),
            },
            _ => Writes::Own(self.developer.clone()),
        }
    }

    pub fn row_filter(&self) -> RowFilter {
        match self.role {
            Role::Admin => RowFilter::All,
            Role::Manager => RowFilter::Teams {
                teams: self.team.iter().cloned().collect(),
                developer: self.developer.clone(),
            },
            Role::Member => RowFilter::Developer(self.developer.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("a bearer token is required (Authorization: Bearer <token>)")]
    Missing,
    #[error("the bearer token is unknown or revoked")]
    Invalid,
    #[error("the token store is unavailable")]
    Store,
}

impl AuthError {
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Missing | AuthError::Invalid => StatusCode::UNAUTHORIZED,
            AuthError::Store => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A new token: `adk_` and 64 hex digits from the OS random source.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("adk_{}", hex::encode(bytes)))
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// How long a token list is trusted before it is re-read (revocations apply within this).
const REFRESH: Duration = Duration::from_secs(2);

type TokenMap = Arc<HashMap<String, Principal>>;

pub struct Auth {
    backend: Backend,
    /// Set when the server listens beyond loopback: no request goes without a token.
    always_required: bool,
    cache: Mutex<Option<(Instant, TokenMap)>>,
}

impl Auth {
    pub fn new(backend: Backend, always_required: bool) -> Auth {
        Auth {
            backend,
            always_required,
            cache: Mutex::new(None),
        }
    }

    async fn tokens(&self) -> Result<TokenMap, AuthError> {
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, map)) = cache.as_ref()
                && at.elapsed() < REFRESH
            {
                return Ok(map.clone());
            }
        }
        let rows = self.backend.tokens(false).await.map_err(|e| {
            tracing::error!("cannot read tokens: {e}");
            AuthError::Store
        })?;
        let map: TokenMap = Arc::new(rows.into_iter().filter_map(principal_of).collect());
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), map.clone()));
        Ok(map)
    }

    /// From the headers alone. `Ok(None)`: no token needed (loopback and no token exists)
    /// and none given.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Principal>, AuthError> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.trim()
                    .strip_prefix("Bearer ")
                    .or_else(|| v.trim().strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let tokens = self.tokens().await?;
        match given {
            Some(token) => tokens
                .get(&hash_token(token))
                .cloned()
                .map(Some)
                .ok_or(AuthError::Invalid),
            None if self.always_required || !tokens.is_empty() => Err(AuthError::Missing),
            None => Ok(None),
        }
    }
}

fn principal_of(row: TokenRow) -> Option<(String, Principal)> {
    let role = Role::parse(&row.role)?;
    Some((
        row.token_hash,
        Principal {
            token_id: row.id,
            role,
            developer: row.developer,
            team: row.team,
            collector: row.collector,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (generate_token().unwrap(), generate_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with("adk_") && a.len() == 68);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn only_admins_and_collector_managers_write_other_developers_rows() {
        let p = |role, collector| Principal {
            token_id: 1,
            role,
            developer: "me@x".into(),
            team: Some("t".into()),
            collector,
        };
        assert_eq!(p(Role::Member, true).writes(), Writes::Own("me@x".into()));
        assert_eq!(p(Role::Manager, false).writes(), Writes::Own("me@x".into()));
        assert!(matches!(
            p(Role::Manager, true).writes(),
            Writes::Team { .. }
        ));
        assert_eq!(p(Role::Admin, false).writes(), Writes::Anyone);
    }
}
