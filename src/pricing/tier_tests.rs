//! Long-context tiers per request, table-driven over the built-in table: for each model
//! family, requests whose whole prompt is one token below, at and above 200k (and the
//! model's own threshold) cost what the vendor's published schedule says. Expected costs
//! are computed here from the $/M rates written out below, not from the code under test.

use super::PriceTable;
use crate::domain::{Cost, CostSource, Money, TokenUsage};

/// $/M rates: (input, output, 5m cache write, 1h cache write, cache read).
type Rates = (f64, f64, f64, f64, f64);

struct Family {
    model: &'static str,
    base: Rates,
    /// (threshold, rates above it); `None` for models billed flat over the whole window.
    long: Option<(i64, Rates)>,
    /// Claude prompts carry cache writes; the others only input and cache reads.
    writes: bool,
}

const FAMILIES: &[Family] = &[
    Family {
        model: "claude-sonnet-4-5-20250929",
        base: (3.0, 15.0, 3.75, 6.0, 0.30),
        long: Some((200_000, (6.0, 22.5, 7.5, 12.0, 0.60))),
        writes: true,
    },
    Family {
        model: "claude-sonnet-4-20250514",
        base: (3.0, 15.0, 3.75, 6.0, 0.30),
        long: Some((200_000, (6.0, 22.5, 7.5, 12.0, 0.60))),
        writes: true,
    },
    // Claude 4.6+ bills the full 1M window at one rate.
    Family {
        model: "claude-sonnet-4-6",
        base: (3.0, 15.0, 3.75, 6.0, 0.30),
        long: None,
        writes: true,
    },
    Family {
        model: "claude-opus-4-6",
        base: (5.0, 25.0, 6.25, 10.0, 0.50),
        long: None,
        writes: true,
    },
    Family {
        model: "gemini-2.5-pro",
        base: (1.25, 10.0, 1.5625, 2.5, 0.125),
        long: Some((200_000, (2.5, 15.0, 3.125, 5.0, 0.25))),
        writes: false,
    },
    Family {
        model: "gemini-3-pro-preview",
        base: (2.0, 12.0, 2.5, 4.0, 0.20),
        long: Some((200_000, (4.0, 18.0, 5.0, 8.0, 0.40))),
        writes: false,
    },
    Family {
        model: "gemini-2.5-flash",
        base: (0.30, 2.50, 0.375, 0.6, 0.03),
        long: None,
        writes: false,
    },
    Family {
        model: "gpt-5.4",
        base: (2.5, 15.0, 3.125, 5.0, 0.25),
        long: Some((272_000, (5.0, 22.5, 6.25, 10.0, 0.50))),
        writes: false,
    },
    Family {
        model: "gpt-5.5",
        base: (5.0, 30.0, 6.25, 10.0, 0.50),
        long: Some((272_000, (10.0, 45.0, 12.5, 20.0, 1.0))),
        writes: false,
    },
    Family {
        model: "gpt-5.3-codex",
        base: (1.75, 14.0, 2.1875, 3.5, 0.175),
        long: None,
        writes: false,
    },
];

const OUTPUT_TOKENS: i64 = 3_000;

/// A request whose whole prompt is `prompt` tokens, most of them cache reads.
fn request(prompt: i64, writes: bool) -> TokenUsage {
    let (input, w5, w1h) = if writes {
        (2_000, 6_000, 2_000)
    } else {
        (10_000, 0, 0)
    };
    TokenUsage {
        input,
        output: OUTPUT_TOKENS,
        cache_write_5m: w5,
        cache_write_1h: w1h,
        cache_read: prompt - input - w5 - w1h,
        reasoning: 0,
    }
}

fn expected_usd(u: &TokenUsage, r: Rates) -> f64 {
    (u.input as f64 * r.0
        + u.output as f64 * r.1
        + u.cache_write_5m as f64 * r.2
        + u.cache_write_1h as f64 * r.3
        + u.cache_read as f64 * r.4)
        / 1e6
}

/// The same cost to the micro-dollar (the sums differ in the last float bits only).
fn assert_costs(got: Cost, want_usd: f64, what: &str) {
    assert_eq!(got.source, CostSource::Computed, "{what}");
    let want = Money::from_usd(want_usd).micro_usd();
    assert!(
        (got.amount.micro_usd() - want).abs() <= 1,
        "{what}: {} micro-USD, want {want}",
        got.amount.micro_usd()
    );
}

#[test]
fn every_family_at_199_999_200_000_200_001_and_its_own_threshold() {
    let table = PriceTable::builtin();
    for f in FAMILIES {
        let mut prompts = vec![199_999, 200_000, 200_001];
        if let Some((above, _)) = f.long {
            prompts.extend([above - 1, above, above + 1]);
        }
        for prompt in prompts {
            let u = request(prompt, f.writes);
            let rates = match f.long {
                Some((above, long)) if prompt > above => long,
                _ => f.base,
            };
            let got = table.cost(Some(f.model), &u, false);
            assert_costs(
                got,
                expected_usd(&u, rates),
                &format!("{} at {prompt}", f.model),
            );
        }
    }
}

#[test]
fn cache_reads_alone_can_carry_a_prompt_over_the_threshold() {
    let table = PriceTable::builtin();
    // The worked example: Sonnet 4.5, 2k input + 8k cache writes + 195k cache reads is a
    // 205k prompt, so every token (output too) is billed at $6 / $22.50 per million.
    let u = TokenUsage {
        input: 2_000,
        output: 1_000,
        cache_write_5m: 8_000,
        cache_write_1h: 0,
        cache_read: 195_000,
        reasoning: 0,
    };
    let usd = (2_000.0 * 6.0 + 1_000.0 * 22.5 + 8_000.0 * 7.5 + 195_000.0 * 0.6) / 1e6;
    let got = table.cost(Some("claude-sonnet-4-5"), &u, false);
    assert_costs(got, usd, "sonnet 4.5 worked example");
    // The per-type rule would have billed it all at base rates ($0.1035 instead of $0.2115).
    assert_eq!(got.amount, Money(211_500));
    // Uncached input alone far below the threshold; cache reads take it over.
    let gemini = TokenUsage {
        input: 1_500,
        output: 800,
        cache_read: 198_501,
        ..TokenUsage::default()
    };
    let usd = (1_500.0 * 2.5 + 800.0 * 15.0 + 198_501.0 * 0.25) / 1e6;
    assert_costs(
        table.cost(Some("gemini-2.5-pro"), &gemini, false),
        usd,
        "gemini",
    );
}

#[test]
fn output_never_counts_toward_the_prompt() {
    let table = PriceTable::builtin();
    let u = TokenUsage {
        input: 150_000,
        output: 100_000,
        ..TokenUsage::default()
    };
    let usd = (150_000.0 * 1.25 + 100_000.0 * 10.0) / 1e6;
    assert_costs(
        table.cost(Some("gemini-2.5-pro"), &u, false),
        usd,
        "output only",
    );
}
