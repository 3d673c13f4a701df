//! Which copy of a request wins when the same request is seen twice (docs/accounting.md#dedupe).
//! Rows are compared only with rows of the same owner; the policy follows from the key's kind.

use super::records::{DedupePolicy, RequestRecord};

/// What the store should do with `incoming` given the copy it already keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Keep,
    Replace,
}

/// Same dedupe key: decide by the incoming row's policy.
pub fn resolve_same_key(kept: &RequestRecord, incoming: &RequestRecord) -> Resolution {
    match incoming.policy() {
        DedupePolicy::FirstWins => Resolution::Keep,
        DedupePolicy::LastWins => {
            if kept == incoming {
                Resolution::Keep
            } else {
                Resolution::Replace
            }
        }
        DedupePolicy::LargestCopy => largest_copy(kept, incoming),
    }
}

/// Claude Code: the same `message.id` under a different request id, where one side is a
/// sidechain, is a `/btw` replay. The parent (non-sidechain) copy wins; between equals the
/// larger copy wins.
pub fn resolve_replay(kept: &RequestRecord, incoming: &RequestRecord) -> Resolution {
    if !(kept.sidechain || incoming.sidechain) {
        // Not a replay: two distinct requests that happen to share a message id.
        return Resolution::Keep;
    }
    largest_copy(kept, incoming)
}

fn largest_copy(kept: &RequestRecord, incoming: &RequestRecord) -> Resolution {
    if kept.sidechain && !incoming.sidechain {
        return Resolution::Replace;
    }
    if !kept.sidechain && incoming.sidechain {
        return Resolution::Keep;
    }
    let (k, n) = (kept.usage.total(), incoming.usage.total());
    if n > k || (n == k && incoming.fast && !kept.fast) {
        Resolution::Replace
    } else {
        Resolution::Keep
    }
}

/// True when an incoming row is a replay candidate for the kept row (same message id,
/// different key). Only Claude Code rows carry message ids.
pub fn is_replay_pair(kept: &RequestRecord, incoming: &RequestRecord) -> bool {
    kept.developer == incoming.developer
        && kept.dedupe_key != incoming.dedupe_key
        && kept.message_id.is_some()
        && kept.message_id == incoming.message_id
        && (kept.sidechain || incoming.sidechain)
}
