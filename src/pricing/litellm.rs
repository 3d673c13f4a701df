//! Import of LiteLLM's `model_prices_and_context_window.json`
//! (docs/accounting.md#prices-and-tiers): one entry per model key, prices in USD per token.
//! Bad entries are skipped with a reason; only a file that is not JSON (or not an object)
//! fails the import.

use super::matching::{import_rank, normalize_model_name};
use super::table::{Entry, PriceTable, message_without_location};
use super::{ImportSummary, LongContext, ModelPrice, PricingError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry as Slot;

/// LiteLLM's documentation entry, not a model.
const SAMPLE_SPEC_KEY: &str = "sample_spec";

/// The entry chosen so far for one normalized key.
struct Candidate {
    rank: u32,
    raw_key: String,
    price: ModelPrice,
}

impl PriceTable {
    /// Merges a LiteLLM price file into the table. Keys are stored without provider prefix;
    /// when several LiteLLM keys name the same model, the direct key wins over a first-party
    /// prefix (`gemini/…`), which wins over resellers, Bedrock and regional copies. Imported
    /// prices replace base prices of the same key, except that a reseller's copy never
    /// replaces a built-in or first-party price; config overrides stay on top.
    ///
    /// Read fields: `input_cost_per_token`, `output_cost_per_token` (both required),
    /// `cache_creation_input_token_cost` (5m write), `cache_creation_input_token_cost_above_1hr`
    /// (1h write), `cache_read_input_token_cost`, their long-context variants
    /// (`_above_200k_tokens`, `_above_272k_tokens`, any `_above_<N>k_tokens`: one tier per
    /// threshold) and `provider_specific_entry.fast`. Batch, priority, flex and
    /// per-character prices are ignored. An entry that states no tier keeps the tier of
    /// the price it replaces (the vendor's published schedule in the built-in table).
    pub fn merge_litellm(&mut self, json: &[u8]) -> Result<ImportSummary, PricingError> {
        let root: Value =
            serde_json::from_slice(json).map_err(|e| PricingError::LiteLlmSyntax {
                line: e.line(),
                column: e.column(),
                message: message_without_location(&e),
            })?;
        let Value::Object(models) = root else {
            return Err(PricingError::LiteLlmNotObject { found: kind(&root) });
        };
        let mut summary = ImportSummary::default();
        let mut chosen: BTreeMap<String, Candidate> = BTreeMap::new();
        for (raw_key, value) in &models {
            if raw_key == SAMPLE_SPEC_KEY {
                summary
                    .skipped
                    .push((raw_key.clone(), "documentation entry, not a model".into()));
                continue;
            }
            let Some(key) = normalize_model_name(raw_key) else {
                summary
                    .skipped
                    .push((raw_key.clone(), "model name cannot carry a price".into()));
                continue;
            };
            let price = match parse_entry(value) {
                Ok(price) => price,
                Err(reason) => {
                    summary.skipped.push((raw_key.clone(), reason));
                    continue;
                }
            };
            let candidate = Candidate {
                rank: import_rank(raw_key, &key),
                raw_key: raw_key.clone(),
                price,
            };
            match chosen.entry(key) {
                Slot::Vacant(slot) => {
                    slot.insert(candidate);
                }
                Slot::Occupied(mut slot) => {
                    let current = slot.get();
                    let (loser, winner) = if (candidate.rank, &candidate.raw_key)
                        < (current.rank, &current.raw_key)
                    {
                        let loser = slot.insert(candidate).raw_key;
                        (loser, slot.get().raw_key.clone())
                    } else {
                        (candidate.raw_key, current.raw_key.clone())
                    };
                    summary.skipped.push((
                        loser,
                        format!("same model as {winner:?}, whose price is preferred"),
                    ));
                }
            }
        }
        for (key, candidate) in chosen {
            self.merge_base(key, candidate, &mut summary);
        }
        summary.skipped.sort();
        Ok(summary)
    }

    /// Stores one chosen candidate. A reseller copy (rank > 1) never replaces a price from
    /// a better source: our built-in facts or a direct/first-party LiteLLM key.
    fn merge_base(&mut self, key: String, candidate: Candidate, summary: &mut ImportSummary) {
        let Candidate {
            rank,
            raw_key,
            mut price,
        } = candidate;
        let Some(entry) = self.entries.get_mut(&key) else {
            let entry = Entry {
                base: Some(price),
                base_source: Some(raw_key),
                override_price: None,
            };
            self.entries.insert(key, entry);
            summary.models_added += 1;
            return;
        };
        let existing_rank = entry
            .base_source
            .as_deref()
            .map_or(0, |k| import_rank(k, &key));
        if entry.base.is_some() && rank > 1 && rank > existing_rank {
            let source = entry.base_source.as_deref().unwrap_or("the built-in table");
            let reason =
                format!("{key:?} keeps its price from {source}; this is a reseller's copy");
            summary.skipped.push((raw_key, reason));
            return;
        }
        if price.long_context.is_empty()
            && let Some(base) = &entry.base
        {
            price.long_context = base.long_context.clone();
        }
        match &entry.base {
            Some(base) if *base == price => {}
            Some(_) => summary.models_updated += 1,
            None => summary.models_added += 1,
        }
        entry.base = Some(price);
        entry.base_source = Some(raw_key);
    }
}

/// One LiteLLM entry → price, or the reason it cannot be used.
fn parse_entry(value: &Value) -> Result<ModelPrice, String> {
    let Value::Object(fields) = value else {
        return Err(format!("entry is {}, not an object", kind(value)));
    };
    let required = |name: &str| -> Result<f64, String> {
        number(fields, name)?.ok_or_else(|| format!("no {name}"))
    };
    let optional = |name: &str| number(fields, name);
    let fast = match fields.get("provider_specific_entry") {
        Some(Value::Object(specific)) => match number(specific, "fast")
            .map_err(|reason| format!("provider_specific_entry.{reason}"))?
        {
            Some(m) if m <= 0.0 => {
                return Err(format!(
                    "provider_specific_entry.fast: {m} is not a multiplier > 0"
                ));
            }
            m => m,
        },
        _ => None,
    };
    Ok(ModelPrice {
        input: required("input_cost_per_token")?,
        output: required("output_cost_per_token")?,
        cache_write_5m: optional("cache_creation_input_token_cost")?,
        cache_write_1h: optional("cache_creation_input_token_cost_above_1hr")?,
        cache_read: optional("cache_read_input_token_cost")?,
        long_context: tiers(fields)?,
        fast_multiplier: fast,
    })
}

/// The long-context tiers an entry states: every `<rate>_above_<N>k_tokens` key whose
/// rate is one we price, grouped by N (thresholds in tokens, sorted).
fn tiers(fields: &Map<String, Value>) -> Result<Vec<LongContext>, String> {
    let mut by_threshold: BTreeMap<i64, LongContext> = BTreeMap::new();
    for name in fields.keys() {
        let Some((rate, thousands)) = name
            .strip_suffix("k_tokens")
            .and_then(|rest| rest.rsplit_once("_above_"))
        else {
            continue;
        };
        let kind = match rate {
            "input_cost_per_token" => 0,
            "output_cost_per_token" => 1,
            "cache_creation_input_token_cost" => 2,
            "cache_creation_input_token_cost_above_1hr" => 3,
            "cache_read_input_token_cost" => 4,
            _ => continue,
        };
        let (Ok(thousands), Some(value)) = (thousands.parse::<i64>(), number(fields, name)?) else {
            continue;
        };
        let tier = by_threshold
            .entry(thousands.saturating_mul(1_000))
            .or_insert_with_key(|above| LongContext::at(*above));
        let slot = match kind {
            0 => &mut tier.input,
            1 => &mut tier.output,
            2 => &mut tier.cache_write_5m,
            3 => &mut tier.cache_write_1h,
            _ => &mut tier.cache_read,
        };
        *slot = Some(value);
    }
    Ok(by_threshold
        .into_values()
        .filter(|t| !t.is_empty() && t.above_tokens > 0)
        .collect())
}

/// A price field: absent or null → `None`; a number or numeric string → finite, ≥ 0.
fn number(fields: &Map<String, Value>, name: &str) -> Result<Option<f64>, String> {
    let parsed = match fields.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(other) => return Err(format!("{name}: expected a number, found {}", kind(other))),
    };
    match parsed {
        Some(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(format!(
            "{name}: {} is not a price (a finite number >= 0)",
            fields.get(name).map_or_else(String::new, Value::to_string)
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cost::Cost;
    use crate::domain::money::Money;
    use crate::domain::usage::TokenUsage;

    const LITELLM: &str = r#"{
  "sample_spec": {"input_cost_per_token": 0, "output_cost_per_token": 0, "litellm_provider": "one of https://docs.litellm.ai/docs/providers"},
  "anthropic.claude-sonnet-4-5-20250929-v1:0": {"input_cost_per_token": 3.3e-06, "output_cost_per_token": 1.65e-05,
      "input_cost_per_token_above_200k_tokens": 6.6e-06, "litellm_provider": "bedrock_converse"},
  "claude-sonnet-4-5-20250929": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
      "cache_creation_input_token_cost": 3.75e-06, "cache_creation_input_token_cost_above_1hr": 6e-06,
      "cache_read_input_token_cost": 3e-07, "litellm_provider": "anthropic", "mode": "chat"},
  "us.anthropic.claude-sonnet-4-5-20250929-v1:0": {"input_cost_per_token": 3.3e-06, "output_cost_per_token": 1.65e-05},
  "claude-opus-4-8": {"input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05,
      "provider_specific_entry": {"us": 1.1, "fast": 3}},
  "gemini/gemini-2.5-pro": {"input_cost_per_token": "1.25e-06", "output_cost_per_token": 1e-05,
      "input_cost_per_token_above_200k_tokens": 2.5e-06, "cache_read_input_token_cost": null},
  "ollama/llama3": {"input_cost_per_token": 0, "output_cost_per_token": 0},
  "replicate/anthropic/claude-3.5-haiku": {"input_cost_per_token": 1e-06, "output_cost_per_token": 5e-06},
  "broken-model": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-06},
  "odd-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": [1]},
  "negative-model": {"input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06},
  "dall-e-3": {"output_cost_per_pixel": 0.0, "mode": "image_generation"},
  "not-an-entry": [1, 2]
}"#;

    fn reason<'a>(s: &'a ImportSummary, key: &str) -> &'a str {
        s.skipped
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, r)| r.as_str())
    }

    #[test]
    fn imports_a_litellm_shaped_file() {
        let mut t = PriceTable::empty();
        let s = t.merge_litellm(LITELLM.as_bytes()).expect("valid file");
        assert_eq!((s.models_added, s.models_updated), (5, 0));
        let keys: Vec<&str> = t.entries().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "claude-3-5-haiku",
                "claude-opus-4-8",
                "claude-sonnet-4-5-20250929",
                "gemini-2.5-pro",
                "llama3"
            ]
        );

        let cases = [
            ("sample_spec", "documentation entry"),
            (
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "same model as \"claude-sonnet-4-5-20250929\"",
            ),
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "same model as \"claude-sonnet-4-5-20250929\"",
            ),
            (
                "broken-model",
                "input_cost_per_token: \"cheap\" is not a price",
            ),
            (
                "odd-model",
                "output_cost_per_token: expected a number, found an array",
            ),
            (
                "negative-model",
                "input_cost_per_token: -1e-6 is not a price",
            ),
            ("dall-e-3", "no input_cost_per_token"),
            ("not-an-entry", "entry is an array, not an object"),
        ];
        for (key, want) in cases {
            assert!(
                reason(&s, key).contains(want),
                "{key}: {:?}",
                reason(&s, key)
            );
        }
        assert_eq!(s.skipped.len(), cases.len());

        // The direct key's prices won over the Bedrock copies.
        let (_, sonnet) = t.lookup("claude-sonnet-4-5-20250929").expect("sonnet");
        assert_eq!(sonnet.input, 3e-6);
        assert_eq!(sonnet.cache_write_1h, Some(6e-6));
        assert!(sonnet.long_context.is_empty());
        // String price accepted; null means absent.
        let (_, gemini) = t.lookup("gemini/gemini-2.5-pro").expect("gemini");
        assert_eq!((gemini.input, gemini.cache_read), (1.25e-6, None));
        // provider_specific_entry.fast beats the embedded override (2.0 for opus-4-8).
        let u = TokenUsage {
            output: 1_000,
            ..TokenUsage::default()
        };
        assert_eq!(
            t.cost(Some("claude-opus-4-8"), &u, true),
            Cost::computed(Money(75_000))
        );
        // A gemini model without a cache-read price reads at the input price.
        let u = TokenUsage {
            cache_read: 100_000,
            ..TokenUsage::default()
        };
        assert_eq!(
            t.cost(Some("gemini-2.5-pro"), &u, false),
            Cost::computed(Money(125_000))
        );
    }

    #[test]
    fn merge_into_builtin_counts_updates_and_keeps_overrides() {
        let mut t = PriceTable::builtin();
        let before = t.len();
        t.set_override("claude-opus-4-8", ModelPrice::new(1e-6, 1e-6));
        let s = t.merge_litellm(LITELLM.as_bytes()).expect("valid file");
        // claude-opus-4-8 and gemini-2.5-pro differ from the built-in rows (no cache prices
        // and a fast multiplier; no cache-read price and only an input tier). The dated
        // Sonnet key states no tier, so it keeps the built-in one and is unchanged.
        assert_eq!(s.models_added, 1, "{s:?}"); // llama3
        assert_eq!(s.models_updated, 2, "{s:?}");
        let (_, sonnet) = t.lookup("claude-sonnet-4-5-20250929").expect("sonnet");
        assert_eq!(sonnet.long_context[0].above_tokens, 200_000);
        assert_eq!(t.len(), before + 1);
        assert_eq!(
            t.lookup("claude-opus-4-8").map(|(_, p)| p.input),
            Some(1e-6)
        );
        // A reseller's copy does not replace the built-in (first-party) 3.5 Haiku price.
        assert!(
            reason(&s, "replicate/anthropic/claude-3.5-haiku")
                .contains("keeps its price from the built-in table"),
            "{s:?}"
        );
        assert_eq!(
            t.lookup("claude-3-5-haiku").map(|(_, p)| p.input),
            Some(8e-7)
        );
        assert_eq!(t.litellm_source("claude-3-5-haiku"), None);
        assert_eq!(t.litellm_source("llama3"), Some("ollama/llama3"));

        // Re-importing, also into the persisted table, changes nothing.
        let again = t.merge_litellm(LITELLM.as_bytes()).expect("valid file");
        assert_eq!((again.models_added, again.models_updated), (0, 0));
        let mut persisted = PriceTable::from_json(&t.to_json()).expect("round trip");
        assert_eq!(persisted.litellm_source("llama3"), Some("ollama/llama3"));
        let again = persisted
            .merge_litellm(LITELLM.as_bytes())
            .expect("valid file");
        assert_eq!((again.models_added, again.models_updated), (0, 0));
    }

    #[test]
    fn long_context_keys_become_one_tier_per_threshold() {
        let entry = serde_json::json!({
            "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 2.5e-07,
            "input_cost_per_token_above_272k_tokens": 5e-06,
            "output_cost_per_token_above_272k_tokens": 2.25e-05,
            "cache_read_input_token_cost_above_272k_tokens": 5e-07,
            "input_cost_per_token_above_272k_tokens_priority": 1e-05,
            "input_cost_per_audio_token_above_200k_tokens": 9.0,
            "cache_creation_input_token_cost_above_1hr_above_32k_tokens": 4e-06,
            "output_cost_per_token_above_32k_tokens": 3e-05,
            "input_cost_per_token_above_lots_tokens": 1.0
        });
        let price = parse_entry(&entry).expect("valid entry");
        assert_eq!(
            price.long_context,
            vec![
                LongContext {
                    cache_write_1h: Some(4e-6),
                    output: Some(3e-5),
                    ..LongContext::at(32_000)
                },
                LongContext {
                    input: Some(5e-6),
                    output: Some(2.25e-5),
                    cache_read: Some(5e-7),
                    ..LongContext::at(272_000)
                },
            ]
        );
        let bad = serde_json::json!({
            "input_cost_per_token": 1, "output_cost_per_token": 1,
            "output_cost_per_token_above_200k_tokens": "lots"
        });
        let err = parse_entry(&bad).expect_err("garbage tier rate");
        assert!(
            err.starts_with("output_cost_per_token_above_200k_tokens"),
            "{err}"
        );
    }

    #[test]
    fn price_fields_accept_numbers_and_numeric_strings_only() {
        let cases: &[(&str, Result<Option<f64>, &str>)] = &[
            ("0", Ok(Some(0.0))),
            ("3", Ok(Some(3.0))),
            ("3e-06", Ok(Some(3e-6))),
            ("\" 1.5e-06 \"", Ok(Some(1.5e-6))),
            ("null", Ok(None)),
            ("\"\"", Err("p: \"\" is not a price")),
            ("\"NaN\"", Err("p: \"NaN\" is not a price")),
            ("\"inf\"", Err("p: \"inf\" is not a price")),
            ("-1", Err("p: -1 is not a price")),
            ("true", Err("p: expected a number, found a boolean")),
            ("{}", Err("p: expected a number, found an object")),
        ];
        for (json, want) in cases {
            let fields: Map<String, Value> =
                serde_json::from_str(&format!("{{\"p\": {json}}}")).expect("test json");
            let got = number(&fields, "p");
            match want {
                Ok(v) => assert_eq!(got, Ok(*v), "{json}"),
                Err(prefix) => {
                    let err = got.expect_err(json);
                    assert!(err.starts_with(prefix), "{json}: {err}");
                }
            }
        }
        assert_eq!(number(&Map::new(), "p"), Ok(None));
        let bad_fast = serde_json::json!({
            "input_cost_per_token": 1, "output_cost_per_token": 1,
            "provider_specific_entry": {"fast": "quick"}
        });
        let err = parse_entry(&bad_fast).expect_err("garbage fast");
        assert!(err.starts_with("provider_specific_entry.fast:"), "{err}");
    }

    #[test]
    fn whole_file_errors_name_the_place() {
        let mut t = PriceTable::builtin();
        let err = t
            .merge_litellm(b"{\n  \"gpt-5\": {\"input_cost_per_token\": 1e-06,}\n}")
            .unwrap_err();
        assert!(
            matches!(err, PricingError::LiteLlmSyntax { line: 2, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 2, column"), "{err}");
        let err = t.merge_litellm(b"[1, 2]").unwrap_err();
        assert_eq!(err, PricingError::LiteLlmNotObject { found: "an array" });
        assert!(t.merge_litellm(b"").is_err());
        assert!(t.merge_litellm(&[0xff, 0xfe, 0x00]).is_err());
        assert_eq!(t, PriceTable::builtin(), "a failed import changes nothing");
    }
}
