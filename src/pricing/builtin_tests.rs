//! Proves the embedded table holds every listed model (and the old Claude ids that
//! transcripts still contain) at the vendors' published prices and long-context tiers,
//! and that real-world names resolve.

use super::{ModelPrice, PriceTable};

/// A long-context tier: `(above tokens, $/M input, output, 5m write, 1h write, cache read)`.
type Tier = (i64, f64, f64, Option<f64>, Option<f64>, f64);

/// `(keys, $/M input, output, 5m write, 1h write, cache read, long-context tier)`
type Row = (
    &'static [&'static str],
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<Tier>,
);

#[rustfmt::skip]
const SOURCES_7: &[Row] = &[
    (&["claude-opus-4-8"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None),
    (&["claude-opus-4-7", "claude-opus-4-7-20260416"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None),
    (&["claude-opus-4-6", "claude-opus-4-6-20260205"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None),
    (&["claude-opus-4-5", "claude-opus-4-5-20251101"], 5.0, 25.0, Some(6.25), Some(10.0), Some(0.50), None),
    (&["claude-opus-4", "claude-opus-4-20250514", "claude-opus-4-1", "claude-opus-4-1-20250805"],
        15.0, 75.0, Some(18.75), None, Some(1.50), None),
    (&["claude-sonnet-4-6"], 3.0, 15.0, Some(3.75), Some(6.0), Some(0.30), None),
    // Anthropic bills a >200k prompt to Sonnet 4/4.5 (1M window) at these rates for every
    // token of the request (the Bedrock/Vertex keys state them); 4.6+ bills the window flat.
    (&["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"], 3.0, 15.0, Some(3.75), Some(6.0), Some(0.30),
        Some((200_000, 6.0, 22.5, Some(7.5), Some(12.0), 0.60))),
    (&["claude-sonnet-4", "claude-sonnet-4-20250514"],
        3.0, 15.0, Some(3.75), None, Some(0.30), Some((200_000, 6.0, 22.5, Some(7.5), None, 0.6))),
    (&["claude-haiku-4-5", "claude-haiku-4-5-20251001"], 1.0, 5.0, Some(1.25), Some(2.0), Some(0.10), None),
    (&["claude-3-5-haiku", "claude-3-5-haiku-20241022"], 0.80, 4.0, Some(1.0), None, Some(0.08), None),
    (&["claude-3-7-sonnet"], 3.0, 15.0, Some(3.75), None, Some(0.30), None),
    (&["gpt-5", "gpt-5-2025-08-07"], 1.25, 10.0, None, None, Some(0.125), None),
    (&["gpt-5-codex"], 1.25, 10.0, None, None, Some(0.125), None),
    (&["gpt-5.1-codex", "gpt-5.1-codex-max"], 1.25, 10.0, None, None, Some(0.125), None),
    (&["gpt-5.1-codex-mini", "gpt-5-mini"], 0.25, 2.0, None, None, Some(0.025), None),
    (&["gpt-5.2-codex", "gpt-5.3-codex", "gpt-5.2"], 1.75, 14.0, None, None, Some(0.175), None),
    // OpenAI: a >272k prompt is billed 2× input and 1.5× output for the whole request.
    (&["gpt-5.4"], 2.50, 15.0, None, None, Some(0.25), Some((272_000, 5.0, 22.5, None, None, 0.50))),
    (&["gpt-5.5"], 5.0, 30.0, None, None, Some(0.50), Some((272_000, 10.0, 45.0, None, None, 1.0))),
    (&["o3", "o3-2025-04-16"], 2.0, 8.0, None, None, Some(0.50), None),
    (&["o4-mini"], 1.10, 4.40, None, None, Some(0.275), None),
    (&["gpt-4.1", "gpt-4.1-2025-04-14"], 2.0, 8.0, None, None, Some(0.50), None),
    (&["gpt-4.1-mini"], 0.40, 1.60, None, None, Some(0.10), None),
    // Google: prompts longer than 200k tokens pay the higher rates for the whole request.
    (&["gemini-2.5-pro"], 1.25, 10.0, None, None, Some(0.125), Some((200_000, 2.50, 15.0, None, None, 0.25))),
    (&["gemini-2.5-flash"], 0.30, 2.50, None, None, Some(0.03), None),
    (&["gemini-2.5-flash-lite"], 0.10, 0.40, None, None, Some(0.01), None),
    (&["gemini-3-pro-preview", "gemini-3.1-pro-preview"], 2.0, 12.0, None, None, Some(0.20),
        Some((200_000, 4.0, 18.0, None, None, 0.40))),
    (&["gemini-3-flash-preview"], 0.50, 3.0, None, None, Some(0.05), None),
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
    let (_, input, output, w5, w1h, read, tier) = *row;
    same_per_million(key, "input", Some(p.input), Some(input));
    same_per_million(key, "output", Some(p.output), Some(output));
    same_per_million(key, "cache_write_5m", p.cache_write_5m, w5);
    same_per_million(key, "cache_write_1h", p.cache_write_1h, w1h);
    same_per_million(key, "cache_read", p.cache_read, read);
    match (p.long_context.as_slice(), tier) {
        ([], None) => {}
        ([t], Some((above, input, output, w5, w1h, read))) => {
            assert_eq!(t.above_tokens, above, "{key}: threshold");
            same_per_million(key, "long.input", t.input, Some(input));
            same_per_million(key, "long.output", t.output, Some(output));
            same_per_million(key, "long.cache_write_5m", t.cache_write_5m, w5);
            same_per_million(key, "long.cache_write_1h", t.cache_write_1h, w1h);
            same_per_million(key, "long.cache_read", t.cache_read, Some(read));
        }
        (got, want) => panic!("{key}: tiers {got:?}, want {want:?}"),
    }
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
