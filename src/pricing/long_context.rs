//! Long-context tiers: a request whose whole prompt (uncached input + cache writes + cache
//! reads) is larger than a tier's threshold pays that tier's rates for every token it
//! carries, output included (docs/accounting.md#prices-and-tiers).

use serde::{Deserialize, Serialize};

/// The rates a model charges once a request's prompt is above `above_tokens` (USD per
/// token). A rate left out falls back as described in [`LongContext::rates`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LongContext {
    /// The tier applies when the prompt has strictly more tokens than this.
    pub above_tokens: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_5m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
}

/// One rate per token type, as applied to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub input: f64,
    pub output: f64,
    pub cache_write_5m: f64,
    pub cache_write_1h: f64,
    pub cache_read: f64,
}

impl LongContext {
    /// A tier with no rates yet (the LiteLLM importer fills them in).
    pub fn at(above_tokens: i64) -> LongContext {
        LongContext {
            above_tokens,
            input: None,
            output: None,
            cache_write_5m: None,
            cache_write_1h: None,
            cache_read: None,
        }
    }

    /// True when no rate is stated (such a tier changes nothing and is dropped).
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_none())
    }

    pub(crate) fn fields(&self) -> [(&'static str, Option<f64>); 5] {
        [
            ("input", self.input),
            ("output", self.output),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("cache_read", self.cache_read),
        ]
    }

    /// The tier's rates over the base rates. A stated rate wins. Otherwise input and
    /// output keep their base rate, and a cache rate is the base cache rate scaled like
    /// input (`base × tier input / base input`): every published schedule (Anthropic,
    /// Google, OpenAI) raises cache prices in the same proportion as input.
    pub fn rates(&self, base: &Rates) -> Rates {
        let input = self.input.unwrap_or(base.input);
        let scale = if base.input > 0.0 {
            input / base.input
        } else {
            1.0
        };
        Rates {
            input,
            output: self.output.unwrap_or(base.output),
            cache_write_5m: self.cache_write_5m.unwrap_or(base.cache_write_5m * scale),
            cache_write_1h: self.cache_write_1h.unwrap_or(base.cache_write_1h * scale),
            cache_read: self.cache_read.unwrap_or(base.cache_read * scale),
        }
    }
}

/// The tier a prompt of `prompt_tokens` falls in: the one with the largest threshold the
/// prompt is above, or none.
pub fn tier_for(tiers: &[LongContext], prompt_tokens: i64) -> Option<&LongContext> {
    tiers
        .iter()
        .filter(|t| prompt_tokens > t.above_tokens)
        .max_by_key(|t| t.above_tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Rates {
        Rates {
            input: 3.0,
            output: 15.0,
            cache_write_5m: 3.75,
            cache_write_1h: 6.0,
            cache_read: 0.3,
        }
    }

    #[test]
    fn missing_tier_rates_scale_cache_like_input_and_keep_output() {
        let tier = LongContext {
            input: Some(6.0),
            ..LongContext::at(200_000)
        };
        let r = tier.rates(&base());
        assert_eq!((r.input, r.output), (6.0, 15.0));
        assert!((r.cache_write_5m - 7.5).abs() < 1e-12);
        assert!((r.cache_write_1h - 12.0).abs() < 1e-12);
        assert!((r.cache_read - 0.6).abs() < 1e-12);
        let stated = LongContext {
            cache_read: Some(0.5),
            output: Some(22.5),
            ..tier
        };
        let r = stated.rates(&base());
        assert_eq!((r.output, r.cache_read), (22.5, 0.5));
        assert!(LongContext::at(1).is_empty());
        assert!(!stated.is_empty());
    }

    #[test]
    fn the_highest_threshold_below_the_prompt_wins() {
        let tiers = [LongContext::at(256_000), LongContext::at(32_000)];
        assert_eq!(tier_for(&tiers, 32_000), None);
        assert_eq!(
            tier_for(&tiers, 32_001).map(|t| t.above_tokens),
            Some(32_000)
        );
        assert_eq!(
            tier_for(&tiers, 256_000).map(|t| t.above_tokens),
            Some(32_000)
        );
        assert_eq!(
            tier_for(&tiers, 256_001).map(|t| t.above_tokens),
            Some(256_000)
        );
        assert_eq!(tier_for(&[], 10_000_000), None);
    }
}
