//! Long-context tiers in config price overrides (docs/accounting.md#prices-and-tiers): the
//! same shape as the built-in table, applied per request (the whole prompt against the
//! threshold, every token of the request at the tier's rates), stored rows repriced when
//! a tier changes, and typos and unusable tiers reported.

use crate::common::*;
use serde_json::json;
use std::path::Path;

const SONNET: &str = "claude-sonnet-4-5-20250929";

fn line(msg: &str, minute: u32, usage: serde_json::Value) -> String {
    json!({"type": "assistant", "sessionId": "s1",
        "timestamp": format!("2026-01-09T10:{minute:02}:00.000Z"),
        "requestId": format!("r-{msg}"), "cwd": "/nonexistent/acme",
        "message": {"id": msg, "model": SONNET, "usage": usage}})
    .to_string()
}

/// Base $3 / $15 (cache write $3.75, cache read $0.30) and `tier` appended verbatim.
fn config(path: &Path, tier: &str) {
    std::fs::write(
        path,
        format!(
            "[pricing.overrides.\"{SONNET}\"]\ninput = 3.0\noutput = 15.0\n\
             cache_write_5m = 3.75\ncache_read = 0.3\n{tier}"
        ),
    )
    .unwrap();
}

fn cli(db: &Path, cfg: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--db",
        db.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    bin().args(all).output().unwrap()
}

fn total_cost(db: &Path, cfg: &Path) -> f64 {
    let out = cli(
        db,
        cfg,
        &["report", "daily", "--json", "--no-refresh", "--tz", "UTC"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out)["totals"]["cost_usd"].as_f64().unwrap()
}

#[test]
fn an_override_tier_prices_whole_requests_and_changing_it_reprices_stored_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let dir = claude_project(&root, "-acme");
    let lines = [
        // Prompt 150,000 (not above 200k): $0.45 + 1,000 output × $15/M = $0.465.
        line(
            "m1",
            0,
            json!({"input_tokens": 150_000, "output_tokens": 1_000}),
        ),
        // Prompt 2k + 8k cache writes + 195k cache reads = 205k: the whole request at the
        // tier: 2k × $6 + 8k × $7.50 + 195k × $0.60 + 10k output × $22.50 = $0.414.
        line(
            "m2",
            1,
            json!({"input_tokens": 2_000, "cache_creation_input_tokens": 8_000,
                   "cache_read_input_tokens": 195_000, "output_tokens": 10_000}),
        ),
    ];
    std::fs::write(dir.join("s1.jsonl"), lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("a.db");
    let cfg = tmp.path().join("config.toml");
    let tier = "[[pricing.overrides.\"claude-sonnet-4-5-20250929\".long_context]]\n\
                above_tokens = 200000\ninput = 6.0\noutput = 22.5\n";
    config(&cfg, tier);
    let out = cli(
        &db,
        &cfg,
        &["ingest", "--claude-dir", root.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tiered = total_cost(&db, &cfg);
    assert!((tiered - 0.879).abs() < 1e-9, "with the tier: {tiered}");

    // Only the tier changes (base rates equal): stored rows are repriced flat.
    // m2 flat: 2k × $3 + 8k × $3.75 + 195k × $0.30 + 10k × $15 = $0.2445.
    config(&cfg, "");
    let flat = total_cost(&db, &cfg);
    assert!((flat - 0.7095).abs() < 1e-9, "tier removed: {flat}");
    // A higher threshold leaves m2 below it; a lower one takes m1 in too.
    config(&cfg, &tier.replace("200000", "210000"));
    assert!((total_cost(&db, &cfg) - 0.7095).abs() < 1e-9);
    config(&cfg, &tier.replace("200000", "100000"));
    // m1 at the tier: 150k × $6 + 1k × $22.50 = $0.9225.
    let both = total_cost(&db, &cfg);
    assert!((both - (0.9225 + 0.414)).abs() < 1e-9, "{both}");
}

#[test]
fn override_tiers_are_validated_with_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("a.db");
    let cfg = tmp.path().join("config.toml");
    let section = "[[pricing.overrides.\"claude-sonnet-4-5-20250929\".long_context]]";
    // A typo is an unknown key, with the line and the nearest valid key.
    config(
        &cfg,
        &format!("{section}\nabove_tokens = 200000\ninptu = 6.0\n"),
    );
    let out = cli(&db, &cfg, &["config", "check", cfg.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "unknown key `pricing.overrides.claude-sonnet-4-5-20250929.long_context.0.inptu`"
        ) && text.contains("did you mean `input`?"),
        "{text}"
    );
    // A threshold that is not a token count > 0, a negative rate, a tier without rates:
    // each refused naming the model and the field.
    for (tier, expect) in [
        ("above_tokens = 0\ninput = 6.0\n", "above_tokens"),
        (
            "above_tokens = 200000\noutput = -1.0\n",
            "long_context.output",
        ),
        ("above_tokens = 200000\n", "states no rate"),
    ] {
        config(&cfg, &format!("{section}\n{tier}"));
        let out = cli(&db, &cfg, &["pricing", "list"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tier}: {err}");
        assert!(
            err.contains(SONNET) && err.contains(expect),
            "{tier}: {err}"
        );
    }
}
