//! The price table: model key → price, from the embedded file, a persisted import or config
//! overrides; lookup by model name and the cost of a usage. Overrides sit on top of the
//! base price so a re-import never loses them and persisting never freezes them.

use super::matching::{find_key, normalize_model_name, strip_date_suffix};
use super::{ModelPrice, PricingError};
use crate::domain::cost::Cost;
use crate::domain::money::Money;
use crate::domain::usage::TokenUsage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const BUILTIN_PRICES_JSON: &str = include_str!("builtin_prices.json");
const TABLE_FORMAT: &str = "agentdeck-prices";
const TABLE_VERSION: u32 = 1;

/// A model's base price (embedded or imported) and its config override, if any.
/// At least one of the two is always set.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) base: Option<ModelPrice>,
    /// The LiteLLM key the base price was imported from; `None` for our own facts.
    pub(super) base_source: Option<String>,
    pub(super) override_price: Option<ModelPrice>,
}

impl Entry {
    fn effective(&self) -> Option<&ModelPrice> {
        self.override_price.as_ref().or(self.base.as_ref())
    }
}

/// Prices keyed by normalized model name (lowercase, no provider prefix; see matching.rs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable {
    pub(super) entries: BTreeMap<String, Entry>,
}

/// The persisted form written by [`PriceTable::to_json`].
#[derive(Serialize, Deserialize)]
struct StoredTable {
    format: String,
    version: u32,
    models: BTreeMap<String, StoredPrice>,
}

#[derive(Serialize, Deserialize)]
struct StoredPrice {
    #[serde(flatten)]
    price: ModelPrice,
    /// The LiteLLM key it was imported from (decides what a later import may replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    litellm_key: Option<String>,
}

impl PriceTable {
    /// The table embedded at build time (`src/pricing/builtin_prices.json`, facts listed in
    /// docs/accounting.md#prices-and-tiers). A unit test guarantees it parses; should it
    /// ever not, the table is empty (everything unpriced) rather than a crash.
    pub fn builtin() -> PriceTable {
        PriceTable::from_json(BUILTIN_PRICES_JSON).unwrap_or_else(|err| {
            tracing::error!(%err, "embedded price table is invalid; every model is unpriced");
            PriceTable::empty()
        })
    }

    pub fn empty() -> PriceTable {
        PriceTable::default()
    }

    /// Sets a per-model price from config. The name is normalized like a table key
    /// (`anthropic/claude-sonnet-4.5` overrides `claude-sonnet-4-5`).
    pub fn try_set_override(&mut self, model: &str, price: ModelPrice) -> Result<(), PricingError> {
        let key = normalize_model_name(model).ok_or_else(|| PricingError::InvalidModelName {
            key: model.to_string(),
        })?;
        price.validate(model)?;
        self.entries
            .entry(key)
            .and_modify(|e| e.override_price = Some(price.clone()))
            .or_insert(Entry {
                base: None,
                base_source: None,
                override_price: Some(price),
            });
        Ok(())
    }

    /// Like [`PriceTable::try_set_override`], but an unusable name or price is logged and
    /// ignored (call `try_set_override` or [`ModelPrice::validate`] to report it).
    pub fn set_override(&mut self, model: &str, price: ModelPrice) {
        if let Err(err) = self.try_set_override(model, price) {
            tracing::warn!(%err, "price override ignored");
        }
    }

    /// The LiteLLM key `key`'s base price was imported from; `None` for built-in prices.
    pub fn litellm_source(&self, key: &str) -> Option<&str> {
        self.entries.get(key).and_then(|e| e.base_source.as_deref())
    }

    /// Whether `key`'s effective price comes from a config override.
    pub fn is_override(&self, key: &str) -> bool {
        self.entries
            .get(key)
            .is_some_and(|e| e.override_price.is_some())
    }

    /// The key and price for a model name (rules in matching.rs); `None` when unknown,
    /// empty or `<synthetic>`.
    /// An override of an undated key also covers its dated aliases: overriding
    /// `claude-sonnet-4-5` prices `claude-sonnet-4-5-20250929` even though that key exists.
    pub fn lookup(&self, model: &str) -> Option<(&str, &ModelPrice)> {
        let key = find_key(&self.entries, model)?;
        let undated = strip_date_suffix(key);
        if undated != key
            && let Some((alias, entry)) = self.entries.get_key_value(undated)
            && let Some(price) = &entry.override_price
        {
            return Some((alias.as_str(), price));
        }
        let price = self.entries.get(key)?.effective()?;
        Some((key, price))
    }

    /// The cost of one request: computed from the table, or unpriced when there is no
    /// model or no price (never a computed $0 for an unknown model). Summed in f64 per
    /// token, rounded once to micro-USD.
    pub fn cost(&self, model: Option<&str>, usage: &TokenUsage, fast: bool) -> Cost {
        let Some((key, price)) = model.and_then(|m| self.lookup(m)) else {
            return Cost::unpriced();
        };
        let usd = price.cost_usd(key, usage, fast);
        if usd.is_finite() {
            Cost::computed(Money::from_usd(usd))
        } else {
            Cost::unpriced()
        }
    }

    /// Effective prices (overrides applied), sorted by key.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.entries
            .iter()
            .filter_map(|(k, e)| e.effective().map(|p| (k.as_str(), p)))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The base prices (not config overrides) in agentdeck's own format, for persisting
    /// an imported table: `{"format":"agentdeck-prices","version":1,"models":{…}}`,
    /// USD per token, keys sorted.
    pub fn to_json(&self) -> String {
        let stored = StoredTable {
            format: TABLE_FORMAT.to_string(),
            version: TABLE_VERSION,
            models: self
                .entries
                .iter()
                .filter_map(|(k, e)| {
                    let price = e.base.clone()?;
                    Some((
                        k.clone(),
                        StoredPrice {
                            price,
                            litellm_key: e.base_source.clone(),
                        },
                    ))
                })
                .collect(),
        };
        // Serializing string-keyed maps of validated numbers cannot fail.
        serde_json::to_string_pretty(&stored).unwrap_or_default()
    }

    /// Reads [`PriceTable::to_json`]'s format. Errors name the line and column, or the
    /// model key and field.
    pub fn from_json(s: &str) -> Result<PriceTable, PricingError> {
        let stored: StoredTable = serde_json::from_str(s).map_err(|e| {
            let (line, column) = (e.line(), e.column());
            PricingError::TableSyntax {
                line,
                column,
                message: message_without_location(&e),
            }
        })?;
        if stored.format != TABLE_FORMAT || stored.version != TABLE_VERSION {
            return Err(PricingError::TableFormat {
                found: stored.format,
                version: stored.version,
                expected: TABLE_FORMAT,
            });
        }
        let mut table = PriceTable::empty();
        for (raw_key, StoredPrice { price, litellm_key }) in stored.models {
            let key =
                normalize_model_name(&raw_key).ok_or_else(|| PricingError::InvalidModelName {
                    key: raw_key.clone(),
                })?;
            price.validate(&raw_key)?;
            table.entries.insert(
                key,
                Entry {
                    base: Some(price),
                    base_source: litellm_key,
                    override_price: None,
                },
            );
        }
        Ok(table)
    }
}

/// serde_json's message without its trailing " at line L column C" (reported separately).
pub(super) fn message_without_location(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix)
        .map(str::to_string)
        .unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cost::CostSource;

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

    #[test]
    fn worked_examples_from_sources() {
        let t = PriceTable::builtin();
        let cases: &[(&str, TokenUsage, bool, i64)] = &[
            // ccusage worked example, Sonnet 4.5, 0.003 + 0.0075 + 0.0075 + 0.003 = $0.0210.
            (
                "claude-sonnet-4-5-20250929",
                usage(1_000, 500, 2_000, 0, 10_000),
                false,
                21_000,
            ),
            // ccusage Codex oracle: 90×1.25e-6 + 10×0.125e-6 + 50×10e-6 = $0.00061375;
            // f64 gives 613.7499…, rounded once → 614 micro-USD.
            ("gpt-5", usage(90, 50, 0, 0, 10), false, 614),
            // gemini-2.5-pro, a 300k prompt: every token at the long rate, 300k × 2.50/M.
            ("gemini-2.5-pro", usage(300_000, 0, 0, 0, 0), false, 750_000),
            // Exactly 200k stays in the base tier.
            ("gemini-2.5-pro", usage(200_000, 0, 0, 0, 0), false, 250_000),
            // Sonnet 4 has an explicit 5m-write long rate (7.50/M): 250k × 7.5.
            (
                "claude-sonnet-4-20250514",
                usage(0, 0, 250_000, 0, 0),
                false,
                1_875_000,
            ),
            // Fast: Opus 4.6, 1,000 output × 25/M × 6 = $0.15.
            ("claude-opus-4-6", usage(0, 1_000, 0, 0, 0), true, 150_000),
            ("claude-opus-4-6", usage(0, 1_000, 0, 0, 0), false, 25_000),
            ("claude-opus-4-8", usage(0, 1_000, 0, 0, 0), true, 50_000),
            ("gpt-5.5", usage(1_000, 0, 0, 0, 0), true, 12_500),
            ("claude-sonnet-4-5", usage(0, 1_000, 0, 0, 0), true, 15_000),
            // 1h writes use the explicit 1h price (Opus 4.5: 10/M).
            (
                "claude-opus-4-5",
                usage(0, 0, 0, 1_000_000, 0),
                false,
                10_000_000,
            ),
            // A known model with no usage costs a computed $0.
            ("claude-haiku-4-5", TokenUsage::default(), false, 0),
        ];
        for (model, u, fast, micro) in cases {
            let c = t.cost(Some(model), u, *fast);
            assert_eq!(
                c,
                Cost::computed(Money(*micro)),
                "{model} {u:?} fast={fast}"
            );
        }
    }

    #[test]
    fn unknown_models_are_unpriced_never_zero() {
        let t = PriceTable::builtin();
        let u = usage(10, 10, 0, 0, 0);
        for model in [
            None,
            Some(""),
            Some("  "),
            Some("<synthetic>"),
            Some("mystery-7b"),
            Some("gpt-6"),
        ] {
            let c = t.cost(model, &u, false);
            assert_eq!(c.source, CostSource::Unpriced, "{model:?}");
            assert_eq!(c.amount, Money::ZERO);
        }
        assert_eq!(
            PriceTable::empty().cost(Some("gpt-5"), &u, false),
            Cost::unpriced()
        );
    }

    #[test]
    fn overrides_win_and_are_not_persisted() {
        let mut t = PriceTable::builtin();
        let before = t.len();
        t.set_override("anthropic/claude-sonnet-4.5", ModelPrice::new(1e-6, 2e-6));
        t.set_override("my-local-model", ModelPrice::new(0.0, 0.0));
        t.set_override("<synthetic>", ModelPrice::new(1.0, 1.0));
        t.set_override("bad", ModelPrice::new(-1.0, 1.0));
        assert_eq!(t.len(), before + 1);
        assert!(t.is_override("claude-sonnet-4-5"));
        assert_eq!(
            t.lookup("claude-sonnet-4-5-20250929").map(|(k, _)| k),
            Some("claude-sonnet-4-5")
        );
        let c = t.cost(
            Some("claude-sonnet-4-5-20250929"),
            &usage(1_000_000, 0, 0, 0, 0),
            false,
        );
        assert_eq!(c, Cost::computed(Money(1_000_000)));
        assert_eq!(
            t.cost(Some("my-local-model"), &usage(5, 5, 0, 0, 0), false),
            Cost::computed(Money::ZERO)
        );
        let err = t
            .try_set_override("", ModelPrice::new(1.0, 1.0))
            .unwrap_err();
        assert!(matches!(err, PricingError::InvalidModelName { .. }));

        let reloaded = PriceTable::from_json(&t.to_json()).expect("round trip");
        assert_eq!(reloaded, PriceTable::builtin());
        assert!(reloaded.lookup("my-local-model").is_none());
    }

    #[test]
    fn entries_sorted_and_json_round_trip() {
        let t = PriceTable::builtin();
        let keys: Vec<&str> = t.entries().map(|(k, _)| k).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert_eq!(keys.len(), t.len());
        assert_eq!(PriceTable::from_json(&t.to_json()).expect("round trip"), t);
        assert!(PriceTable::empty().is_empty());
        assert_eq!(
            PriceTable::from_json(&PriceTable::empty().to_json()),
            Ok(PriceTable::empty())
        );
    }

    #[test]
    fn from_json_errors_say_where() {
        let err =
            PriceTable::from_json("{\n  \"format\": \"agentdeck-prices\",\n  oops\n}").unwrap_err();
        assert!(
            matches!(
                err,
                PricingError::TableSyntax {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        let err =
            PriceTable::from_json(r#"{"format":"other","version":1,"models":{}}"#).unwrap_err();
        assert!(err.to_string().contains("\"other\""), "{err}");
        let neg = r#"{"format":"agentdeck-prices","version":1,"models":{"m":{"input":1e-6,"output":-2}}}"#;
        let err = PriceTable::from_json(neg).unwrap_err();
        assert_eq!(
            err,
            PricingError::InvalidPrice {
                key: "m".into(),
                field: "output",
                reason: "-2, not a finite number >= 0".into()
            }
        );
        let missing = r#"{"format":"agentdeck-prices","version":1,"models":{"m":{"input":1e-6}}}"#;
        let err = PriceTable::from_json(missing).unwrap_err().to_string();
        assert!(err.contains("output") && err.contains("line 1"), "{err}");
    }
}
