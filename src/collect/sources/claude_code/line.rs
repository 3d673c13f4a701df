//! The serde shape of a Claude Code transcript line: only the fields the parser reads,
//! each tolerant of surprising types, borrowing from the line where it can. Content is
//! measured (see `fields::Content`), never kept.

use crate::collect::sources::fields::{Content, Ts, content_block_keys};
use crate::collect::sources::json::{
    Count, Flag, Loose, LooseNum, LooseStr, StatedCost, label, skip,
};
use crate::collect::sources::reduce::{Level, Nested};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::sync::LazyLock;

/// What the parser reads of a line (`reduce.rs`): the fields of [`Line`], of its
/// [`Message`] and of the message's content blocks. Everything else (`toolUseResult`, tool
/// input and output, thinking) is skipped without being read.
pub(super) static READ: LazyLock<Level> = LazyLock::new(|| {
    let blocks = Level::keys(content_block_keys());
    let message = Level::of::<Message<'static>>().with("content", Nested::ArrayOfObjects(blocks));
    Level::of::<Line<'static>>().with("message", Nested::Object(message))
});

#[derive(Deserialize)]
pub(super) struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(super) kind: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) subtype: LooseStr<'a>,
    #[serde(rename = "sessionId", borrow, default)]
    pub(super) session_id: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) uuid: LooseStr<'a>,
    #[serde(default)]
    pub(super) timestamp: Option<Ts>,
    #[serde(borrow, default)]
    pub(super) cwd: LooseStr<'a>,
    #[serde(rename = "gitBranch", borrow, default)]
    pub(super) git_branch: LooseStr<'a>,
    #[serde(rename = "requestId", borrow, default)]
    pub(super) request_id: LooseStr<'a>,
    #[serde(rename = "isSidechain", default)]
    pub(super) is_sidechain: Flag,
    #[serde(rename = "isMeta", default)]
    pub(super) is_meta: Flag,
    #[serde(rename = "isCompactSummary", default)]
    pub(super) is_compact_summary: Flag,
    #[serde(rename = "isApiErrorMessage", default)]
    pub(super) is_api_error: Flag,
    #[serde(rename = "apiErrorStatus", default)]
    pub(super) api_error_status: LooseNum,
    #[serde(rename = "costUSD", default)]
    pub(super) cost_usd: StatedCost,
    #[serde(default)]
    pub(super) error: ErrorField,
    #[serde(borrow, default)]
    pub(super) summary: LooseStr<'a>,
    #[serde(rename = "aiTitle", borrow, default)]
    pub(super) ai_title: LooseStr<'a>,
    #[serde(rename = "compactMetadata", borrow, default)]
    pub(super) compact: Loose<CompactMeta<'a>>,
    #[serde(rename = "retryAttempt", default)]
    pub(super) retry_attempt: LooseNum,
    #[serde(borrow, default)]
    pub(super) level: LooseStr<'a>,
    /// `default`, `acceptEdits`, `plan`, `bypassPermissions` (user and `permission-mode`
    /// lines).
    #[serde(rename = "permissionMode", borrow, default)]
    pub(super) permission_mode: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) message: Loose<Message<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Message<'a> {
    #[serde(borrow, default)]
    pub(super) id: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) model: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) usage: Loose<Usage<'a>>,
    #[serde(borrow, default)]
    pub(super) content: Option<Content<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Usage<'a> {
    #[serde(default)]
    pub(super) input_tokens: Count,
    #[serde(default)]
    pub(super) output_tokens: Count,
    #[serde(default)]
    pub(super) cache_creation_input_tokens: Count,
    #[serde(default)]
    pub(super) cache_read_input_tokens: Count,
    #[serde(default)]
    pub(super) cache_creation: Loose<CacheCreation>,
    #[serde(borrow, default)]
    pub(super) speed: LooseStr<'a>,
}

#[derive(Deserialize)]
pub(super) struct CacheCreation {
    #[serde(default)]
    pub(super) ephemeral_5m_input_tokens: Count,
    #[serde(default)]
    pub(super) ephemeral_1h_input_tokens: Count,
}

#[derive(Deserialize)]
pub(super) struct CompactMeta<'a> {
    #[serde(borrow, default)]
    pub(super) trigger: LooseStr<'a>,
}

/// `error`: a short code string on assistant error lines (`"rate_limit"`), an object with
/// `status` on system retry lines. Only the label and the status are kept.
#[derive(Default)]
pub(super) struct ErrorField {
    pub(super) label: Option<String>,
    pub(super) status: Option<i64>,
}

impl<'de> Deserialize<'de> for ErrorField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an error code or object")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ErrorField, E> {
                Ok(ErrorField {
                    label: label(Some(v)),
                    status: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorField, A::Error> {
                let mut status = None;
                while let Some(key) = map.next_key::<LooseStr<'_>>()? {
                    if key.get() == Some("status") {
                        status = map.next_value::<LooseNum>()?.as_i64();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(ErrorField {
                    label: None,
                    status,
                })
            }
            skip!(bool ErrorField::default());
            skip!(null ErrorField::default());
            skip!(num ErrorField::default());
            skip!(seq ErrorField::default());
        }
        d.deserialize_any(V)
    }
}
