//! One model's prices (USD per token) and the cost formula of docs/accounting.md#prices-and-tiers: each token
//! type tiered separately at 200k, derived cache prices when the table has none, the fast
//! multiplier on the whole line. Computed in f64, rounded once by the caller.

use super::PricingError;
use super::matching::strip_date_suffix;
use crate::domain::usage::TokenUsage;
use serde::{Deserialize, Serialize};

/// Tokens of one type priced at the base rate before the `_above_200k` rate applies.
pub const TIER_THRESHOLD_TOKENS: i64 = 200_000;

/// Fast-mode multipliers used when the price itself carries none
/// (ccusage `fast-multiplier-overrides.json`, docs/accounting.md#prices-and-tiers). Anything else is ×1.
const FAST_MULTIPLIER_OVERRIDES: &[(&str, f64)] = &[
    ("claude-opus-4-6", 6.0),
    ("claude-opus-4-7", 6.0),
    ("claude-opus-4-8", 2.0),
    ("gpt-5.5", 2.5),
    ("gpt-5.4", 2.0),
    ("gpt-5.3-codex", 2.0),
];

/// Prices in USD per token. `None` means "not published": cache prices are then derived
/// from the input price (see [`ModelPrice::cost_usd`]), tiers fall back to the base price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    pub input: f64,
    pub output: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_5m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_above_200k: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_above_200k: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_5m_above_200k: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h_above_200k: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_above_200k: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_multiplier: Option<f64>,
}

impl ModelPrice {
    /// A price with only input and output set (USD per token).
    pub fn new(input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            input,
            output,
            cache_write_5m: None,
            cache_write_1h: None,
            cache_read: None,
            input_above_200k: None,
            output_above_200k: None,
            cache_write_5m_above_200k: None,
            cache_write_1h_above_200k: None,
            cache_read_above_200k: None,
            fast_multiplier: None,
        }
    }

    /// Every field by name, for validation and error messages.
    pub(crate) fn fields(&self) -> [(&'static str, Option<f64>); 11] {
        [
            ("input", Some(self.input)),
            ("output", Some(self.output)),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("cache_read", self.cache_read),
            ("input_above_200k", self.input_above_200k),
            ("output_above_200k", self.output_above_200k),
            ("cache_write_5m_above_200k", self.cache_write_5m_above_200k),
            ("cache_write_1h_above_200k", self.cache_write_1h_above_200k),
            ("cache_read_above_200k", self.cache_read_above_200k),
            ("fast_multiplier", self.fast_multiplier),
        ]
    }

    /// Every price must be a finite number ≥ 0 and a fast multiplier > 0 (config overrides should call this; the
    /// table's own loaders already do). `key` only names the model in the error.
    pub fn validate(&self, key: &str) -> Result<(), PricingError> {
        for (field, value) in self.fields() {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(PricingError::InvalidPrice {
                    key: key.to_string(),
                    field,
                    reason: format!("{v}, not a finite number >= 0"),
                });
            }
        }
        match self.fast_multiplier {
            Some(m) if m <= 0.0 => Err(PricingError::InvalidPrice {
                key: key.to_string(),
                field: "fast_multiplier",
                reason: format!("{m}, not a multiplier > 0"),
            }),
            _ => Ok(()),
        }
    }

    /// Cost of one request in USD, before rounding. `model_key` is the matched table key:
    /// it decides the cache-read fallback and the fast-multiplier override.
    ///
    /// Derived prices when the table has none (ccusage's defaults, docs/accounting.md#prices-and-tiers):
    /// - 5-minute cache write: 1.25 × input;
    /// - 1-hour cache write: 2 × input;
    /// - cache read: 0.1 × input for Claude models; the full input price for every other
    ///   model (ccusage's Codex rule), so a missing price never under-charges.
    ///
    /// A derived base price gets a derived `_above_200k` price from `input_above_200k`;
    /// an explicit base price is only tiered when its own `_above_200k` price is known.
    /// Reasoning tokens are inside `output` and are not priced again.
    pub fn cost_usd(&self, model_key: &str, usage: &TokenUsage, fast: bool) -> f64 {
        let read_factor = if is_claude(model_key) { 0.1 } else { 1.0 };
        let (write_5m, write_5m_above) =
            self.derived(self.cache_write_5m, self.cache_write_5m_above_200k, 1.25);
        let (write_1h, write_1h_above) =
            self.derived(self.cache_write_1h, self.cache_write_1h_above_200k, 2.0);
        let (read, read_above) =
            self.derived(self.cache_read, self.cache_read_above_200k, read_factor);
        let total = tiered(usage.input, self.input, self.input_above_200k)
            + tiered(usage.output, self.output, self.output_above_200k)
            + tiered(usage.cache_write_5m, write_5m, write_5m_above)
            + tiered(usage.cache_write_1h, write_1h, write_1h_above)
            + tiered(usage.cache_read, read, read_above);
        if fast {
            total * self.effective_fast_multiplier(model_key)
        } else {
            total
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

    /// `(base, above_200k)` for a cache price: explicit when known, else `factor × input`
    /// (and `factor × input_above_200k` for the upper tier).
    fn derived(&self, base: Option<f64>, above: Option<f64>, factor: f64) -> (f64, Option<f64>) {
        match base {
            Some(price) => (price, above),
            None => (
                factor * self.input,
                above.or(self.input_above_200k.map(|a| factor * a)),
            ),
        }
    }
}

/// `n × base`, or the first 200k tokens at `base` and the rest at `above` when known.
fn tiered(tokens: i64, base: f64, above: Option<f64>) -> f64 {
    match above {
        Some(above) if tokens > TIER_THRESHOLD_TOKENS => {
            TIER_THRESHOLD_TOKENS as f64 * base + (tokens - TIER_THRESHOLD_TOKENS) as f64 * above
        }
        _ => tokens as f64 * base,
    }
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
    fn tiers_each_token_type_separately() {
        let p = ModelPrice {
            input_above_200k: Some(2.0),
            output_above_200k: Some(20.0),
            ..ModelPrice::new(1.0, 10.0)
        };
        let cases: &[(TokenUsage, f64)] = &[
            (usage(200_000, 0, 0, 0, 0), 200_000.0),
            (usage(200_001, 0, 0, 0, 0), 200_002.0),
            (usage(150_000, 150_000, 0, 0, 0), 150_000.0 + 1_500_000.0),
            (usage(0, 250_000, 0, 0, 0), 2_000_000.0 + 1_000_000.0),
            // Derived cache prices are tiered from input_above_200k (claude: read 0.1×).
            (usage(0, 0, 300_000, 0, 0), 250_000.0 + 250_000.0),
            (usage(0, 0, 0, 300_000, 0), 400_000.0 + 400_000.0),
            (usage(0, 0, 0, 0, 300_000), 20_000.0 + 20_000.0),
        ];
        for (u, want) in cases {
            let got = p.cost_usd("claude-x", u, false);
            assert!((got - want).abs() < 1e-6, "{u:?}: {got} != {want}");
        }
        // An explicit cache price without its own upper tier is not tiered.
        let explicit = ModelPrice {
            cache_read: Some(0.5),
            ..p.clone()
        };
        let got = explicit.cost_usd("claude-x", &usage(0, 0, 0, 0, 300_000), false);
        assert!((got - 150_000.0).abs() < 1e-6, "{got}");
    }

    #[test]
    fn cache_fallbacks_depend_on_family() {
        let p = ModelPrice::new(2.0 * M, 8.0 * M);
        let read = usage(0, 0, 0, 0, 1_000_000);
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
    }
}
