//! Model prices and the cost of one request: the embedded price table
//! (`builtin_prices.json`), LiteLLM import, per-model overrides from config, model-name
//! matching, long-context tiers and the table's fingerprint. Rules:
//! docs/accounting.md#prices-and-tiers; a model without a price is unpriced, never $0.

mod fingerprint;
mod litellm;
mod long_context;
mod matching;
mod price;
mod table;

#[cfg(test)]
mod builtin_tests;
#[cfg(test)]
mod tier_tests;

pub use fingerprint::COST_RULES_VERSION;
pub use long_context::{LongContext, Rates};
pub use price::{ModelPrice, prompt_tokens};
pub use table::PriceTable;

/// What `PriceTable::merge_litellm` did. `models_updated` counts keys that already had a
/// (non-override) price which changed; re-importing the same file adds and updates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub models_added: usize,
    pub models_updated: usize,
    /// `(LiteLLM key, reason)` for every entry that was not imported.
    pub skipped: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PricingError {
    #[error("LiteLLM price file is not valid JSON at line {line}, column {column}: {message}")]
    LiteLlmSyntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "LiteLLM price file must be a JSON object mapping model names to prices, found {found}"
    )]
    LiteLlmNotObject { found: &'static str },
    #[error("price table cannot be read at line {line}, column {column}: {message}")]
    TableSyntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("price table has format {found:?} version {version}; expected {expected:?} version 1")]
    TableFormat {
        found: String,
        version: u32,
        expected: &'static str,
    },
    #[error("price for model {key:?}: field {field} is {reason}")]
    InvalidPrice {
        key: String,
        field: &'static str,
        reason: String,
    },
    #[error("model name {key:?} cannot carry a price (empty or a placeholder like <synthetic>)")]
    InvalidModelName { key: String },
}
