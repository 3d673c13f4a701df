//! A fingerprint of everything that decides a computed cost: the effective price of every
//! model (built-in, imported, overridden), which keys are overrides, the fast-multiplier
//! fallbacks and the version of the cost rules. The store keeps the fingerprint its costs
//! were computed with; a different one means stored costs are stale (docs/accounting.md#reprice).

use super::PriceTable;
use super::price::FAST_MULTIPLIER_OVERRIDES;
use sha2::{Digest, Sha256};

/// Bumped whenever the cost formula changes, so upgrading reprices stored rows.
/// 2: long-context tiers apply per request to every token of it.
pub const COST_RULES_VERSION: u32 = 2;

impl PriceTable {
    /// `v<rules>:<sha256 hex>` over the effective table. Equal tables give equal
    /// fingerprints whatever order overrides were set in.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(format!("rules {COST_RULES_VERSION}\n"));
        for (name, multiplier) in FAST_MULTIPLIER_OVERRIDES {
            hash.update(format!("fast {name} {multiplier}\n"));
        }
        for (key, price) in self.entries() {
            let json = serde_json::to_string(price).unwrap_or_default();
            let kind = if self.is_override(key) {
                "override"
            } else {
                "base"
            };
            hash.update(format!("{kind} {key} {json}\n"));
        }
        format!("v{COST_RULES_VERSION}:{}", hex::encode(hash.finalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::ModelPrice;

    #[test]
    fn any_price_change_changes_the_fingerprint_and_nothing_else_does() {
        let builtin = PriceTable::builtin();
        let fp = builtin.fingerprint();
        assert!(fp.starts_with("v2:") && fp.len() == 3 + 64, "{fp}");
        assert_eq!(PriceTable::builtin().fingerprint(), fp, "stable");

        let mut overridden = PriceTable::builtin();
        overridden.set_override("gpt-5", ModelPrice::new(1e-6, 1e-6));
        assert_ne!(overridden.fingerprint(), fp);

        // The same price as an override is still a different table (it survives imports).
        let mut same = PriceTable::builtin();
        let (_, gpt5) = builtin.lookup("gpt-5").expect("gpt-5");
        same.set_override("gpt-5", gpt5.clone());
        assert_ne!(same.fingerprint(), fp);

        // Order of overrides does not matter.
        let mut a = PriceTable::builtin();
        a.set_override("x-model", ModelPrice::new(1e-6, 2e-6));
        a.set_override("y-model", ModelPrice::new(3e-6, 4e-6));
        let mut b = PriceTable::builtin();
        b.set_override("y-model", ModelPrice::new(3e-6, 4e-6));
        b.set_override("x-model", ModelPrice::new(1e-6, 2e-6));
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(PriceTable::empty().fingerprint(), fp);
    }
}
