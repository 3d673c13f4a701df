//! Who a telemetry record belongs to: `user.email`, else `user.account_uuid`, else the
//! install id; a member token pins records to its own developer. The team comes from
//! `team` / `department` (OTEL_RESOURCE_ATTRIBUTES), used only for developers we do not know.

use super::attrs::Attrs;

/// The developer and team a record names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub developer: String,
    pub email: Option<String>,
    pub team: Option<String>,
}

/// Records with no identity at all are kept under this developer (visible, never dropped).
pub const UNKNOWN_DEVELOPER: &str = "unknown";

/// `pinned`: the identity of a member token, which wins over what the record says.
pub fn identify(attrs: &Attrs<'_>, pinned: Option<&Identity>) -> Identity {
    let team = attrs.first_str(&["team", "department", "team.name"]);
    if let Some(p) = pinned {
        return Identity {
            team: p.team.clone().or(team),
            ..p.clone()
        };
    }
    let email = attrs
        .str("user.email")
        .map(|e| e.trim().to_ascii_lowercase());
    let developer = email
        .clone()
        .or_else(|| {
            attrs.first_str(&[
                "user.account_uuid",
                "user.account_id",
                "user.id",
                "installation.id",
            ])
        })
        .unwrap_or_else(|| UNKNOWN_DEVELOPER.to_string());
    Identity {
        developer,
        email,
        team,
    }
}
