//! The serde shape of a Codex rollout line (`{timestamp, type, payload}`) and Codex's own
//! token counting (`input` includes `cached`, `output` includes `reasoning`).

use crate::collect::sources::fields::{TextProbe, Ts};
use crate::collect::sources::json::{Count, Loose, LooseStr};
use crate::collect::sources::reduce::{Level, Nested};
use crate::domain::bounds::OutOfBounds;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What the parser reads of a line (`reduce.rs`): the fields of [`Line`] and of its
/// [`Payload`]. Everything else (message content, tool arguments and output, reasoning,
/// instructions) is skipped without being read.
pub(super) static READ: LazyLock<Level> = LazyLock::new(|| {
    Level::of::<Line<'static>>().with("payload", Nested::Object(Level::of::<Payload<'static>>()))
});

#[derive(Deserialize)]
pub(super) struct Line<'a> {
    #[serde(default)]
    pub(super) timestamp: Option<Ts>,
    #[serde(rename = "type", borrow, default)]
    pub(super) kind: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) payload: Loose<Payload<'a>>,
}

#[derive(Deserialize)]
pub(super) struct Payload<'a> {
    #[serde(rename = "type", borrow, default)]
    pub(super) kind: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) id: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) cwd: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) originator: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) model: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) name: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) call_id: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) git: Loose<Git<'a>>,
    #[serde(borrow, default)]
    pub(super) info: Loose<Info<'a>>,
    #[serde(default)]
    pub(super) message: Option<TextProbe>,
    /// `turn_context`: when Codex asks before running a command, and how it is sandboxed.
    #[serde(borrow, default)]
    pub(super) approval_policy: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) sandbox_policy: Option<Sandbox<'a>>,
}

/// `sandbox_policy` is `{"mode": "workspace-write", …}` in rollouts; a bare mode string is
/// read too. Anything else reads as no mode.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Sandbox<'a> {
    Object {
        #[serde(borrow, default)]
        mode: LooseStr<'a>,
    },
    Mode(#[serde(borrow)] LooseStr<'a>),
}

impl Sandbox<'_> {
    pub(super) fn mode(&self) -> Option<&str> {
        match self {
            Sandbox::Object { mode } | Sandbox::Mode(mode) => mode.get(),
        }
    }
}

#[derive(Deserialize)]
pub(super) struct Git<'a> {
    #[serde(borrow, default)]
    pub(super) repository_url: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) branch: LooseStr<'a>,
}

#[derive(Deserialize)]
pub(super) struct Info<'a> {
    #[serde(default)]
    pub(super) total_token_usage: Loose<RawUsage>,
    #[serde(default)]
    pub(super) last_token_usage: Loose<RawUsage>,
    #[serde(borrow, default)]
    pub(super) model: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) model_name: LooseStr<'a>,
    #[serde(borrow, default)]
    pub(super) metadata: Loose<ModelMeta<'a>>,
}

#[derive(Deserialize)]
pub(super) struct ModelMeta<'a> {
    #[serde(borrow, default)]
    pub(super) model: LooseStr<'a>,
}

#[derive(Deserialize)]
pub(super) struct RawUsage {
    #[serde(default)]
    pub(super) input_tokens: Count,
    #[serde(default)]
    pub(super) cached_input_tokens: Option<Count>,
    /// Legacy name of `cached_input_tokens`.
    #[serde(default)]
    pub(super) cache_read_input_tokens: Option<Count>,
    #[serde(default)]
    pub(super) output_tokens: Count,
    #[serde(default)]
    pub(super) reasoning_output_tokens: Count,
    #[serde(default)]
    pub(super) total_tokens: Count,
}

/// Codex's own token counting: `input` includes `cached`, `output` includes `reasoning`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Totals {
    pub(super) input: i64,
    pub(super) cached: i64,
    pub(super) output: i64,
    pub(super) reasoning: i64,
    pub(super) total: i64,
}

/// The field names of one usage object, for refusals (`OutOfBounds` names a static field).
pub(super) struct UsageFields {
    input: &'static str,
    cached: &'static str,
    legacy_cached: &'static str,
    output: &'static str,
    reasoning: &'static str,
    total: &'static str,
}

macro_rules! usage_fields {
    ($prefix:literal) => {
        UsageFields {
            input: concat!($prefix, ".input_tokens"),
            cached: concat!($prefix, ".cached_input_tokens"),
            legacy_cached: concat!($prefix, ".cache_read_input_tokens"),
            output: concat!($prefix, ".output_tokens"),
            reasoning: concat!($prefix, ".reasoning_output_tokens"),
            total: concat!($prefix, ".total_tokens"),
        }
    };
}

pub(super) const LAST_USAGE: UsageFields = usage_fields!("payload.info.last_token_usage");
pub(super) const TOTAL_USAGE: UsageFields = usage_fields!("payload.info.total_token_usage");

impl Totals {
    /// Codex's counts, each checked against the bounds (a refused field names itself).
    pub(super) fn from_raw(raw: &RawUsage, f: &UsageFields) -> Result<Totals, OutOfBounds> {
        let cached = match (raw.cached_input_tokens, raw.cache_read_input_tokens) {
            (Some(c), _) => c.checked(f.cached)?,
            (None, Some(c)) => c.checked(f.legacy_cached)?,
            (None, None) => 0,
        };
        let input = raw.input_tokens.checked(f.input)?;
        let output = raw.output_tokens.checked(f.output)?;
        let stated_total = raw.total_tokens.checked(f.total)?;
        let total = if stated_total > 0 {
            stated_total
        } else {
            input.saturating_add(output)
        };
        Ok(Totals {
            input,
            cached,
            output,
            reasoning: raw.reasoning_output_tokens.checked(f.reasoning)?,
            total,
        })
    }

    /// `self − previous`, each field clamped at 0.
    pub(super) fn minus(self, prev: Option<Totals>) -> Totals {
        let p = prev.unwrap_or_default();
        let d = |a: i64, b: i64| a.saturating_sub(b).max(0);
        Totals {
            input: d(self.input, p.input),
            cached: d(self.cached, p.cached),
            output: d(self.output, p.output),
            reasoning: d(self.reasoning, p.reasoning),
            total: d(self.total, p.total),
        }
    }

    pub(super) fn is_zero(self) -> bool {
        self.input == 0 && self.cached == 0 && self.output == 0 && self.reasoning == 0
    }
}
