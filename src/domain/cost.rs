//! The cost of one request and where the number came from.

use super::money::Money;
use serde::{Deserialize, Serialize};

/// Provenance of a cost (docs/architecture.md#the-data-model): reported by the agent (`costUSD` in old Claude Code
/// lines, `cost_usd` in telemetry), computed by us from the price table, or unpriced because
/// the model has no known price. Unpriced is never shown as $0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    Reported,
    Computed,
    Unpriced,
}

impl CostSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CostSource::Reported => "reported",
            CostSource::Computed => "computed",
            CostSource::Unpriced => "unpriced",
        }
    }

    pub fn parse(s: &str) -> Option<CostSource> {
        match s {
            "reported" => Some(CostSource::Reported),
            "computed" => Some(CostSource::Computed),
            "unpriced" => Some(CostSource::Unpriced),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cost {
    pub amount: Money,
    pub source: CostSource,
}

impl Cost {
    pub fn reported(amount: Money) -> Cost {
        Cost {
            amount,
            source: CostSource::Reported,
        }
    }

    pub fn computed(amount: Money) -> Cost {
        Cost {
            amount,
            source: CostSource::Computed,
        }
    }

    pub fn unpriced() -> Cost {
        Cost {
            amount: Money::ZERO,
            source: CostSource::Unpriced,
        }
    }

    pub fn is_priced(&self) -> bool {
        self.source != CostSource::Unpriced
    }
}
