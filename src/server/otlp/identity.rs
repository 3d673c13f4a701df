//! Who a telemetry record names: `user.email`, else `user.account_uuid`, else the install id.
//! This is only a claim: the owner of the stored rows is decided by `server::owners` from
//! the caller's token. Teams never come from here (not from `team` or `department`).

use super::attrs::Attrs;
use crate::domain::bounds::{self, OutOfBounds};

/// Records with no identity at all are kept under this developer (visible, never dropped).
pub const UNKNOWN_DEVELOPER: &str = "unknown";

/// The developer a record names (its email in the one compared form, `domain::identity`,
/// when it has one), within the id bounds.
pub fn named_developer(attrs: &Attrs<'_>) -> Result<String, OutOfBounds> {
    if let Some(email) = attrs.str("user.email") {
        bounds::id("user.email", &email)?;
        return Ok(crate::domain::identity::normalise_email(&email));
    }
    for key in [
        "user.account_uuid",
        "user.account_id",
        "user.id",
        "installation.id",
    ] {
        if let Some(id) = attrs.str(key) {
            bounds::id(key, &id)?;
            return Ok(id);
        }
    }
    Ok(UNKNOWN_DEVELOPER.to_string())
}
