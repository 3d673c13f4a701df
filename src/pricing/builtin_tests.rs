//! Proves the embedded table holds every row of the price list in docs/accounting.md#prices-and-tiers (and the old Claude ids that
//! transcripts still contain) at the listed prices, and that real-world names resolve.

use super::{ModelPrice, PriceTable};

/// `(keys, $/M input, output, 5m write, 1h write, cache read, >200k (in, out, read), >200k 5m write)`
type Row = (
    &'static [&'static str],
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<(f64, f64, f64)>,
    Option<f64>,
);

#[rustfmt::skip]
const SOURCES_7: &[Row] = &[
    (&["claude-opus-4-8"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None, None),
    (&["claude-opus-4-7", "claude-opus-4-7-20260416"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None, None),
    (&["claude-opus-4-6", "claude-opus-4-6-20260205"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None, None),
    (&["claude-opus-4-5", "claude-opus-4-5-20251101"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None, None),
    (&["claude-opus-4", "claude-opus-4-20250514", "claude-opus-4-1", "claude-opus-4-1-20250805"],
        15.0, 75.0, Some(18.75), None, Some(1.50), None, None),
    (&["claude-sonnet-4-6"], 3.0, 15.0, Some(3.75), Some(6.0), Some(0.30), None, None),
    // Long-context prices as on the Bedrock key (docs/accounting.md#prices-and-tiers); Anthropic bills >200k prompts
    // at these rates, and the peer tools price them too.
    (&["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"], 3.0, 15.0, Some(3.75), Some(6.0), Some(0.30), Some((6.0, 22.5, 0.60)), Some(7.5)),
    (&["claude-sonnet-4", "claude-sonnet-4-20250514"],
        3.0, 15.0, Some(3.75), None, Some(0.30), Some((6.0, 22.5, 0.6)), Some(7.5)),
    (&["claude-haiku-4-5", "claude-haiku-4-5-20251001"], 1.0, 5.0, Some(1.25), Some(2.0), Some(0.10), None, None),
    (&["claude-3-5-haiku", "claude-3-5-haiku-20241022"], 0.80, 4.0, Some(1.0), None, Some(0.08), None, None),
    (&["claude-3-7-sonnet"], 3.0, 15.0, Some(3.75), None, Some(0.30), None, None),
    (&["gpt-5", "gpt-5-2025-08-07"], 1.25, 10.0, None, None, Some(0.125), None, None),
    (&["gpt-5-codex"], 1.25, 10.0, None, None, Some(0.125), None, None),
    (&["gpt-5.1-codex", "gpt-5.1-codex-max"], 1.25, 10.0, None, None, Some(0.125), None, None),
    (&["gpt-5.1-codex-mini", "gpt-5-mini"], 0.25, 2.0, None, None, Some(0.025), None, None),
    (&["gpt-5.2-codex", "gpt-5.3-codex", "gpt-5.2"], 1.75, 14.0, None, None, Some(0.175), None, None),
    (&["gpt-5.4"], 2.50, 15.0, None, None, Some(0.25), None, None),
    (&["gpt-5.5"], 5.0, 30.0, None, None, Some(0.50), None, None),
    (&["o3", "o3-2025-04-16"], 2.0, 8.0, None, None, Some(0.50), None, None),
    (&["o4-mini"], 1.10, 4.40, None, None, Some(0.275), None, None),
    (&["gpt-4.1", "gpt-4.1-2025-04-14"], 2.0, 8.0, None, None, Some(0.50), None, None),
    (&["gpt-4.1-mini"], 0.40, 1.60, None, None, Some(0.10), None, None),
    (&["gemini-2.5-pro"], 1.25, 10.0, None, None, Some(0.125), Some((2.50, 15.0, 0.25)), None),
    (&["gemini-2.5-flash"], 0.30, 2.50, None, None, Some(0.03), None, None),
    (&["gemini-2.5-flash-lite"], 0.10, 0.40, None, None, Some(0.01), None, None),
    (&["gemini-3.1-pro-preview"], 2.0, 12.0, None, None, Some(0.20), Some((4.0, 18.0, 0.40)), None),
];

fn same_per_million(key: &str, field: &str, got: Option<f64>, want_per_million: Option<f64>) {
    match (got, want_per_million) {
        (None, None) => {}
        (Some(g), Some(w)) => {
            let per_million = g * 1e6;
            assert!(
                (per_million - w).abs() <= w * 1e-12,
                "{key}.{field}: {per_million} $/M, want {w}"
            );
        }
        _ => panic!("{key}.{field}: got {got:?} per token, want {want_per_million:?} $/M"),
    }
}

fn check(key: &str, p: &ModelPrice, row: &Row) {
    let (_, input, output, w5, w1h, read, above, w5_above) = *row;
    same_per_million(key, "input", Some(p.input), Some(input));
    same_per_million(key, "output", Some(p.output), Some(output));
    same_per_million(key, "cache_write_5m", p.cache_write_5m, w5);
    same_per_million(key, "cache_write_1h", p.cache_write_1h, w1h);
    same_per_million(key, "cache_read", p.cache_read, read);
    same_per_million(
        key,
        "input_above_200k",
        p.input_above_200k,
        above.map(|a| a.0),
    );
    same_per_million(
        key,
        "output_above_200k",
        p.output_above_200k,
        above.map(|a| a.1),
    );
    same_per_million(
        key,
        "cache_read_above_200k",
        p.cache_read_above_200k,
        above.map(|a| a.2),
    );
    same_per_million(
        key,
        "cache_write_5m_above_200k",
        p.cache_write_5m_above_200k,
        w5_above,
    );
    same_per_million(
        key,
        "cache_write_1h_above_200k",
        p.cache_write_1h_above_200k,
        None,
    );
    assert_eq!(
        p.fast_multiplier, None,
        "{key}: fast multipliers come from the override table"
    );
}

#[test]
fn every_sources_row_is_present_at_its_listed_price() {
    let table = PriceTable::builtin();
    let mut listed = 0;
    for row in SOURCES_7 {
        for name in row.0 {
            let (key, price) = table
                .lookup(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(key, *name, "{name} must be its own key");
            check(key, price, row);
            listed += 1;
        }
    }
    assert_eq!(
        listed,
        table.len(),
        "every built-in key is in the sources table above"
    );
}

#[test]
fn names_seen_in_the_wild_resolve() {
    let table = PriceTable::builtin();
    let cases = [
        (
            "claude-sonnet-4-5-20250929",
            Some("claude-sonnet-4-5-20250929"),
        ),
        ("claude-opus-4-1-20250805", Some("claude-opus-4-1-20250805")),
        ("claude-opus-4-20250514", Some("claude-opus-4-20250514")),
        ("claude-3-7-sonnet-20250219", Some("claude-3-7-sonnet")),
        ("anthropic/claude-sonnet-4.5", Some("claude-sonnet-4-5")),
        (
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            Some("claude-haiku-4-5-20251001"),
        ),
        (
            "vertex_ai/claude-opus-4-6@20260205",
            Some("claude-opus-4-6-20260205"),
        ),
        ("gemini/gemini-2.5-pro", Some("gemini-2.5-pro")),
        ("openai/gpt-5.1-codex", Some("gpt-5.1-codex")),
        ("gpt-5-codex", Some("gpt-5-codex")),
        ("gpt-5.1-codex-mini", Some("gpt-5.1-codex-mini")),
        ("gpt-5.1", None),
        ("gpt-5-nano", None),
        ("claude-opus-4-9", None),
        ("claude-sonnet-4-7-20270101", None),
        ("<synthetic>", None),
    ];
    for (name, want) in cases {
        assert_eq!(table.lookup(name).map(|(k, _)| k), want, "{name}");
    }
}
