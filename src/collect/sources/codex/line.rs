//! The serde shape of a Codex rollout line (`{timestamp, type, payload}`) and Codex's own
//! token counting (`input` includes `cached`, `output` includes `reasoning`).

use crate::collect::sources::fields::{TextProbe, Ts};
use crate::collect::sources::json::{Count, Loose, LooseStr};
use serde::{Deserialize, Serialize};

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

impl Totals {
    pub(super) fn from_raw(raw: &RawUsage) -> Totals {
        let cached = raw
            .cached_input_tokens
            .or(raw.cache_read_input_tokens)
            .map_or(0, |c| c.0);
        let (input, output) = (raw.input_tokens.0, raw.output_tokens.0);
        let total = if raw.total_tokens.0 > 0 {
            raw.total_tokens.0
        } else {
            input.saturating_add(output)
        };
        Totals {
            input,
            cached,
            output,
            reasoning: raw.reasoning_output_tokens.0,
            total,
        }
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
