//! Reconciliation: per day and vendor, what the vendor billed against what agentdeck
//! computed from local files and telemetry, and the likely reasons for a gap — developers
//! the vendor saw but no machine reported, unpriced models, paid seats nobody used.

use serde::Serialize;

/// A gap smaller than this share of the bill (and of one dollar) is noise, not a finding.
const GAP_SHARE: f64 = 0.05;
const GAP_FLOOR_MICRO: i64 = 1_000_000;

/// What is known about one vendor on one day (money in micro-USD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayFacts {
    pub day: String,
    pub vendor: String,
    /// The vendor's bill; `None` when the vendor reported no bill for the day.
    pub billed: Option<i64>,
    /// The vendor's own estimate or ours from its usage report.
    pub vendor_estimated: Option<i64>,
    /// Computed by agentdeck from local files and telemetry for this vendor's agent.
    pub local_computed: i64,
    pub local_unpriced_tokens: i64,
    /// Developers the vendor reported activity for that day.
    pub vendor_developers: Vec<String>,
    /// Developers with local requests for this vendor's agent that day.
    pub local_developers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    pub day: String,
    pub vendor: String,
    pub billed_micro_usd: Option<i64>,
    pub vendor_estimated_micro_usd: Option<i64>,
    pub local_computed_micro_usd: i64,
    /// billed − local (positive: the bill is larger than what agentdeck saw).
    pub gap_micro_usd: Option<i64>,
    pub gaps: Vec<String>,
}

/// Names the gap of one vendor-day.
pub fn reconcile(f: &DayFacts) -> Reconciled {
    let gap = f.billed.map(|b| b.saturating_sub(f.local_computed));
    let mut gaps = Vec::new();
    let notable =
        |g: i64, base: i64| g.abs() > GAP_FLOOR_MICRO.max((base as f64 * GAP_SHARE) as i64);
    if let Some(g) = gap.filter(|g| notable(*g, f.billed.unwrap_or(0))) {
        let missing: Vec<&String> = f
            .vendor_developers
            .iter()
            .filter(|d| !f.local_developers.contains(d))
            .collect();
        if !missing.is_empty() {
            gaps.push(format!(
                "missing machines: {} developer(s) active at the vendor with no local data ({})",
                missing.len(),
                missing
                    .iter()
                    .take(3)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else if g > 0 && f.local_computed == 0 {
            gaps.push("missing machines: no local data for this vendor's agent that day".into());
        } else if g > 0 {
            gaps.push(format!(
                "local data covers {:.0}% of the bill: machines not reporting, or usage outside the agents",
                f.local_computed as f64 * 100.0 / f.billed.unwrap_or(1).max(1) as f64
            ));
        } else {
            gaps.push(
                "local estimate above the bill: discounts, credits or price table differences"
                    .into(),
            );
        }
    }
    if f.local_unpriced_tokens > 0 {
        gaps.push(format!(
            "unpriced models: {} local token(s) have no price (agentdeck pricing show MODEL)",
            f.local_unpriced_tokens
        ));
    }
    Reconciled {
        day: f.day.clone(),
        vendor: f.vendor.clone(),
        billed_micro_usd: f.billed,
        vendor_estimated_micro_usd: f.vendor_estimated,
        local_computed_micro_usd: f.local_computed,
        gap_micro_usd: gap,
        gaps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(billed: Option<i64>, local: i64) -> DayFacts {
        DayFacts {
            day: "2026-03-08".into(),
            vendor: "anthropic".into(),
            billed,
            local_computed: local,
            ..DayFacts::default()
        }
    }

    #[test]
    fn gaps_are_named_only_when_they_matter() {
        assert!(
            reconcile(&facts(Some(10_000_000), 9_800_000))
                .gaps
                .is_empty()
        );
        let r = reconcile(&facts(Some(10_000_000), 0));
        assert_eq!(r.gap_micro_usd, Some(10_000_000));
        assert_eq!(
            r.gaps,
            vec!["missing machines: no local data for this vendor's agent that day"]
        );
        let mut f = facts(Some(10_000_000), 4_000_000);
        f.vendor_developers = vec!["a@x".into(), "b@x".into()];
        f.local_developers = vec!["a@x".into()];
        f.local_unpriced_tokens = 42;
        let r = reconcile(&f);
        assert!(
            r.gaps[0].starts_with("missing machines: 1 developer(s)") && r.gaps[0].contains("b@x")
        );
        assert!(r.gaps[1].starts_with("unpriced models: 42"));
        assert_eq!(reconcile(&facts(None, 5)).gap_micro_usd, None);
    }
}
