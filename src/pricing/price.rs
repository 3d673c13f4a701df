//! One model's prices (USD per token) and the cost of one request: base rates with derived
//! cache prices when the table has none, long-context tiers chosen by the request's whole
//! prompt (long_context.rs), the fast multiplier on the whole request. Computed in f64,
//! rounded once by the caller. Rules: docs/accounting.md#prices-and-tiers.

use super::PricingError;
use super::long_context::{LongContext, Rates, tier_for};
use super::matching::strip_date_suffix;
use crate::domain::usage::TokenUsage;
use serde::{Deserialize, Serialize};

/// The threshold of the `*_above_200k` fields of price tables written before tiers had
/// their own threshold (agentdeck 0.1 files and configs).
const LEGACY_TIER_THRESHOLD_TOKENS: i64 = 200_000;

/// Fast-mode multipliers used when the price itself carries none (the values ccusage
/// embeds; docs/accounting.md#prices-and-tiers). Anything else is ×1.
pub(super) const FAST_MULTIPLIER_OVERRIDES: &[(&str, f64)] = &[
    ("claude-opus-4-6", 6.0),
    ("claude-opus-4-7", 6.0),
    ("claude-opus-4-8", 2.0),
    ("gpt-5.5", 2.5),
    ("gpt-5.4", 2.0),
    ("gpt-5.3-codex", 2.0),
];

/// Prices in USD per token. `None` means "not published": cache prices are then derived
/// from the input price (see [`ModelPrice::base_rates`]). `long_context` lists the tiers a
/// long prompt moves the whole request into; empty for models billed flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredPrice")]
pub struct ModelPrice {
    pub input: f64,
    pub output: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_5m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub long_context: Vec<LongContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_multiplier: Option<f64>,
}

/// What a stored price may look like: the current shape, or the older flat
/// `*_above_200k` fields (read as one tier above 200k tokens).
#[derive(Deserialize)]
struct StoredPrice {
    input: f64,
    output: f64,
    #[serde(default)]
    cache_write_5m: Option<f64>,
    #[serde(default)]
    cache_write_1h: Option<f64>,
    #[serde(default)]
    cache_read: Option<f64>,
    #[serde(default)]
    long_context: Vec<LongContext>,
    #[serde(default)]
    fast_multiplier: Option<f64>,
    #[serde(default)]
    input_above_200k: Option<f64>,
    #[serde(default)]
    output_above_200k: Option<f64>,
    #[serde(default)]
    cache_write_5m_above_200k: Option<f64>,
    #[serde(default)]
    cache_write_1h_above_200k: Option<f64>,
    #[serde(default)]
    cache_read_above_200k: Option<f64>,
}

impl From<StoredPrice> for ModelPrice {
    fn from(s: StoredPrice) -> ModelPrice {
        let mut long_context = s.long_context;
        let legacy = LongContext {
            above_tokens: LEGACY_TIER_THRESHOLD_TOKENS,
            input: s.input_above_200k,
            output: s.output_above_200k,
            cache_write_5m: s.cache_write_5m_above_200k,
            cache_write_1h: s.cache_write_1h_above_200k,
            cache_read: s.cache_read_above_200k,
        };
        if !legacy.is_empty()
            && !long_context
                .iter()
                .any(|t| t.above_tokens == legacy.above_tokens)
        {
            long_context.push(legacy);
        }
        long_context.sort_by_key(|t| t.above_tokens);
        ModelPrice {
            input: s.input,
            output: s.output,
            cache_write_5m: s.cache_write_5m,
            cache_write_1h: s.cache_write_1h,
            cache_read: s.cache_read,
            long_context,
            fast_multiplier: s.fast_multiplier,
        }
    }
}

/// The field names a tier's rates are reported under.
const TIER_FIELDS: [&str; 5] = [
    "long_context.input",
    "long_context.output",
    "long_context.cache_write_5m",
    "long_context.cache_write_1h",
    "long_context.cache_read",
];

impl ModelPrice {
    /// A price with only input and output set (USD per token).
    pub fn new(input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            input,
            output,
            cache_write_5m: None,
            cache_write_1h: None,
            cache_read: None,
            long_context: Vec::new(),
            fast_multiplier: None,
        }
    }

    /// Every price must be a finite number ≥ 0, a fast multiplier > 0, and each tier's
    /// threshold > 0 and different from the others' (config overrides should call this;
    /// the table's own loaders already do). `key` only names the model in the error.
    pub fn validate(&self, key: &str) -> Result<(), PricingError> {
        let invalid = |field: &'static str, reason: String| PricingError::InvalidPrice {
            key: key.to_string(),
            field,
            reason,
        };
        let base = [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("cache_read", self.cache_read),
            ("fast_multiplier", self.fast_multiplier),
        ];
        let tiers = self.long_context.iter().flat_map(|t| {
            TIER_FIELDS
                .iter()
                .zip(t.fields())
                .map(|(name, (_, v))| (*name, v))
        });
        for (field, value) in base.into_iter().chain(tiers) {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(invalid(field, format!("{v}, not a finite number >= 0")));
            }
        }
        if let Some(m) = self.fast_multiplier.filter(|m| *m <= 0.0) {
            return Err(invalid(
                "fast_multiplier",
                format!("{m}, not a multiplier > 0"),
            ));
        }
        for (i, tier) in self.long_context.iter().enumerate() {
            if tier.above_tokens <= 0 {
                let reason = format!("{}, not a token count > 0", tier.above_tokens);
                return Err(invalid("long_context.above_tokens", reason));
            }
            if self.long_context[..i]
                .iter()
                .any(|t| t.above_tokens == tier.above_tokens)
            {
                let reason = format!("{} appears twice", tier.above_tokens);
                return Err(invalid("long_context.above_tokens", reason));
            }
        }
        Ok(())
    }

    /// Cost of one request in USD, before rounding. `model_key` is the matched table key:
    /// it decides the cache-read fallback and the fast-multiplier override.
    ///
    /// The rates are chosen once for the whole request: when its prompt (uncached input,
    /// cache writes and cache reads together) is above a long-context threshold, every
    /// token type, output included, is priced at that tier's rates. Reasoning tokens are
    /// inside `output` and are not priced again.
    pub fn cost_usd(&self, model_key: &str, usage: &TokenUsage, fast: bool) -> f64 {
        let r = self.rates_for(model_key, prompt_tokens(usage));
        let total = usage.input as f64 * r.input
            + usage.output as f64 * r.output
            + usage.cache_write_5m as f64 * r.cache_write_5m
            + usage.cache_write_1h as f64 * r.cache_write_1h
            + usage.cache_read as f64 * r.cache_read;
        if fast {
            total * self.effective_fast_multiplier(model_key)
        } else {
            total
        }
    }

    /// The rates one request pays, given its whole prompt size.
    pub fn rates_for(&self, model_key: &str, prompt_tokens: i64) -> Rates {
        let base = self.base_rates(model_key);
        match tier_for(&self.long_context, prompt_tokens) {
            Some(tier) => tier.rates(&base),
            None => base,
        }
    }

    /// Rates below every threshold. Derived when the table has none (ccusage's defaults):
    /// 5-minute cache write 1.25 × input; 1-hour cache write 2 × input; cache read
    /// 0.1 × input for Claude models and the full input price for every other model
    /// (ccusage's Codex rule), so a missing price never under-charges.
    pub fn base_rates(&self, model_key: &str) -> Rates {
        let read_factor = if is_claude(model_key) { 0.1 } else { 1.0 };
        Rates {
            input: self.input,
            output: self.output,
            cache_write_5m: self.cache_write_5m.unwrap_or(1.25 * self.input),
            cache_write_1h: self.cache_write_1h.unwrap_or(2.0 * self.input),
            cache_read: self.cache_read.unwrap_or(read_factor * self.input),
        }
    }

    /// The multiplier a fast-mode request pays: the price's own, else the embedded
    /// override for this model (ignoring a date suffix), else 1.
    pub fn effective_fast_multiplier(&self, model_key: &str) -> f64 {
        if let Some(m) = self.fast_multiplier {
            return m;
        }
        let base = strip_date_suffix(model_key);
        FAST_MULTIPLIER_OVERRIDES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(base))
            .map_or(1.0, |(_, m)| *m)
    }
}

/// The request's whole prompt: uncached input + cache writes + cache reads (what the
/// vendors compare with a long-context threshold).
pub fn prompt_tokens(usage: &TokenUsage) -> i64 {
    usage
        .input
        .saturating_add(usage.cache_write_5m)
        .saturating_add(usage.cache_write_1h)
        .saturating_add(usage.cache_read)
}

fn is_claude(model_key: &str) -> bool {
    model_key.to_ascii_lowercase().contains("claude")
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: f64 = 1e-6;

    fn usage(input: i64, output: i64, w5: i64, w1h: i64, read: i64) -> TokenUsage {
        TokenUsage {
            input,
            output,
            cache_write_5m: w5,
            cache_write_1h: w1h,
            cache_read: read,
            reasoning: 0,
        }
    }

    /// ccusage Rust `cost.rs` oracle: input 1, output 10, cache_create 1.25, cache_read 0.1
    /// per token, no 1h price (so 2 × input).
    fn oracle_price() -> ModelPrice {
        ModelPrice {
            cache_write_5m: Some(1.25),
            cache_read: Some(0.1),
            ..ModelPrice::new(1.0, 10.0)
        }
    }

    #[test]
    fn ccusage_unit_oracles() {
        let p = oracle_price();
        let cost = p.cost_usd("claude-test", &usage(0, 0, 10, 20, 30), false);
        assert!((cost - 55.5).abs() < 1e-9, "{cost}");
        let cost = p.cost_usd("claude-test", &usage(0, 0, 10, 0, 0), false);
        assert!((cost - 12.5).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn a_long_prompt_moves_every_token_of_the_request_into_the_tier() {
        let p = ModelPrice {
            long_context: vec![LongContext {
                input: Some(2.0),
                output: Some(20.0),
                ..LongContext::at(200_000)
            }],
            ..ModelPrice::new(1.0, 10.0)
        };
        let cases: &[(TokenUsage, f64)] = &[
            (usage(200_000, 0, 0, 0, 0), 200_000.0),
            (usage(200_001, 0, 0, 0, 0), 400_002.0),
            // Output alone never crosses the threshold: it is not part of the prompt.
            (usage(0, 250_000, 0, 0, 0), 2_500_000.0),
            // 150k input + 60k cache reads: a 210k prompt, so output is tiered too.
            (
                usage(150_000, 1_000, 0, 0, 60_000),
                300_000.0 + 20_000.0 + 60_000.0 * 0.2,
            ),
            // Derived cache prices follow input into the tier (claude: read 0.1×).
            (usage(0, 0, 300_000, 0, 0), 300_000.0 * 2.5),
            (usage(0, 0, 0, 300_000, 0), 300_000.0 * 4.0),
            (usage(0, 0, 0, 0, 300_000), 300_000.0 * 0.2),
        ];
        for (u, want) in cases {
            let got = p.cost_usd("claude-x", u, false);
            assert!((got - want).abs() < 1e-6, "{u:?}: {got} != {want}");
        }
        // An explicit cache price without its own tier rate scales like input (×2).
        let explicit = ModelPrice {
            cache_read: Some(0.5),
            ..p.clone()
        };
        let got = explicit.cost_usd("claude-x", &usage(0, 0, 0, 0, 300_000), false);
        assert!((got - 300_000.0).abs() < 1e-6, "{got}");
        // The fast multiplier applies on top of the tier.
        let got = p.cost_usd("claude-opus-4-6", &usage(200_001, 0, 0, 0, 0), true);
        assert!((got - 6.0 * 400_002.0).abs() < 1e-6, "{got}");
    }

    #[test]
    fn legacy_above_200k_fields_read_as_one_tier_and_are_written_in_the_new_shape() {
        let old = r#"{"input": 3e-6, "output": 1.5e-5, "cache_read": 3e-7,
            "input_above_200k": 6e-6, "output_above_200k": 2.25e-5, "cache_read_above_200k": 6e-7}"#;
        let p: ModelPrice = serde_json::from_str(old).unwrap();
        assert_eq!(
            p.long_context,
            vec![LongContext {
                input: Some(6e-6),
                output: Some(2.25e-5),
                cache_read: Some(6e-7),
                ..LongContext::at(200_000)
            }]
        );
        let written = serde_json::to_string(&p).unwrap();
        assert!(!written.contains("above_200k"), "{written}");
        assert_eq!(serde_json::from_str::<ModelPrice>(&written).unwrap(), p);
        let flat: ModelPrice = serde_json::from_str(r#"{"input": 1, "output": 2}"#).unwrap();
        assert!(flat.long_context.is_empty());
    }

    #[test]
    fn cache_fallbacks_depend_on_family() {
        let p = ModelPrice::new(2.0 * M, 8.0 * M);
        let read = usage(0, 0, 0, 0, 1_000_000);
        // 1M cache reads is a long prompt, but this price has no tier.
        assert!((p.cost_usd("claude-foo", &read, false) - 0.2).abs() < 1e-12);
        assert!((p.cost_usd("gpt-foo", &read, false) - 2.0).abs() < 1e-12);
        assert!((p.cost_usd("gemini-foo", &read, false) - 2.0).abs() < 1e-12);
        let writes = usage(0, 0, 1_000_000, 1_000_000, 0);
        assert!((p.cost_usd("gpt-foo", &writes, false) - (2.5 + 4.0)).abs() < 1e-12);
        let with_1h = ModelPrice {
            cache_write_1h: Some(3.0 * M),
            ..p
        };
        assert!((with_1h.cost_usd("x", &usage(0, 0, 0, 1_000_000, 0), false) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn reasoning_is_not_priced_again() {
        let p = ModelPrice::new(1.0, 10.0);
        let u = TokenUsage {
            output: 5,
            reasoning: 4,
            ..TokenUsage::default()
        };
        assert_eq!(p.cost_usd("gpt-5", &u, false), 50.0);
    }

    #[test]
    fn fast_multiplier_own_then_override_then_one() {
        let plain = ModelPrice::new(1.0, 1.0);
        let cases = [
            ("claude-opus-4-6", 6.0),
            ("claude-opus-4-7-20260416", 6.0),
            ("claude-opus-4-8", 2.0),
            ("gpt-5.5", 2.5),
            ("gpt-5.4", 2.0),
            ("gpt-5.3-codex", 2.0),
            ("claude-sonnet-4-5", 1.0),
            ("gpt-5", 1.0),
        ];
        for (key, want) in cases {
            assert_eq!(plain.effective_fast_multiplier(key), want, "{key}");
            let u = usage(1, 0, 0, 0, 0);
            assert_eq!(plain.cost_usd(key, &u, true), want, "{key}");
            assert_eq!(plain.cost_usd(key, &u, false), 1.0, "{key}");
        }
        let own = ModelPrice {
            fast_multiplier: Some(3.0),
            ..plain
        };
        assert_eq!(own.effective_fast_multiplier("claude-opus-4-6"), 3.0);
    }

    #[test]
    fn validate_names_the_field() {
        assert!(ModelPrice::new(1.0, 2.0).validate("m").is_ok());
        let bad = ModelPrice {
            cache_read: Some(-1.0),
            ..ModelPrice::new(1.0, 2.0)
        };
        let err = bad.validate("m").unwrap_err().to_string();
        assert!(err.contains("\"m\"") && err.contains("cache_read"), "{err}");
        let nan = ModelPrice::new(f64::NAN, 2.0);
        assert!(nan.validate("m").unwrap_err().to_string().contains("input"));
        let tier = |above: i64, output: f64| LongContext {
            output: Some(output),
            ..LongContext::at(above)
        };
        let cases = [
            (vec![tier(200_000, -1.0)], "long_context.output"),
            (vec![tier(0, 1.0)], "long_context.above_tokens"),
            (vec![tier(5, 1.0), tier(5, 2.0)], "appears twice"),
        ];
        for (long_context, want) in cases {
            let p = ModelPrice {
                long_context,
                ..ModelPrice::new(1.0, 2.0)
            };
            let err = p.validate("m").unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }
}
