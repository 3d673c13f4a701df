//! `agentdeck pricing list|show|import`, including re-pricing stored requests after an
//! import and per-model overrides from the config file.

use crate::common;

use common::*;
use serde_json::json;

#[test]
fn import_reprices_stored_usage_and_overrides_win() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-p");
    let line = json!({"type": "assistant", "sessionId": "s", "timestamp": "2026-01-09T10:00:00.000Z", "requestId": "r1",
        "message": {"id": "m1", "model": "acme-coder-1", "usage": {"input_tokens": 1_000_000, "output_tokens": 0}}});
    std::fs::write(proj.join("s.jsonl"), format!("{line}\n")).unwrap();
    let db = tmp.path().join("a.db");
    let dbs = db.to_str().unwrap();
    let doc = daily(&db, &root);
    assert_eq!(
        doc["totals"]["cost_usd"],
        serde_json::Value::Null,
        "unknown model starts unpriced"
    );

    let show = bin()
        .args(["--db", dbs, "pricing", "show", "acme-coder-1"])
        .output()
        .unwrap();
    assert_eq!(show.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&show.stdout).contains("no price known"));

    // A LiteLLM-shaped file that knows the model.
    let litellm = tmp.path().join("litellm.json");
    std::fs::write(&litellm, json!({
        "sample_spec": {"input_cost_per_token": 0},
        "acme-coder-1": {"input_cost_per_token": 2e-6, "output_cost_per_token": 8e-6, "litellm_provider": "acme"},
    }).to_string()).unwrap();
    let out = run_ok(&["--db", dbs, "pricing", "import", litellm.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("re-priced 1 stored requests"), "{text}");
    let doc = json_of(&run_ok(&[
        "--db",
        dbs,
        "report",
        "daily",
        "--json",
        "--no-refresh",
    ]));
    assert_eq!(doc["totals"]["cost_usd"], json!(2.0));
    let list = json_of(&run_ok(&["--db", dbs, "pricing", "list", "--json"]));
    assert!(
        list["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["model"] == "acme-coder-1")
    );

    // A config override wins over the imported price.
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        "[pricing.overrides.\"acme-coder-1\"]\ninput = 5.0\noutput = 10.0\n",
    )
    .unwrap();
    let show = run_ok(&[
        "--db",
        dbs,
        "--config",
        config.to_str().unwrap(),
        "pricing",
        "show",
        "acme-coder-1",
    ]);
    assert!(
        String::from_utf8_lossy(&show.stdout).contains("$5.00"),
        "{}",
        String::from_utf8_lossy(&show.stdout)
    );

    // A broken price file is a clear error naming where, and changes nothing.
    std::fs::write(&litellm, "{\"x\": {\"input_cost_per_token\": 1e-6,, }").unwrap();
    let bad = bin()
        .args(["--db", dbs, "pricing", "import", litellm.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("line 1, column"), "{err}");
    // So is a file with no usable price (the wrong JSON file, every entry refused): it
    // had been saved, silently putting the built-in table back in place of the import.
    for junk in [
        "{\"x\": {\"input_cost_per_token\": \"abc\"}}",
        "{\"hello\": \"world\"}",
    ] {
        std::fs::write(&litellm, junk).unwrap();
        let bad = bin()
            .args(["--db", dbs, "pricing", "import", litellm.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(1), "{junk}: {bad:?}");
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(
            err.contains("no model with a usable price") && err.contains("unchanged"),
            "{err}"
        );
    }
    let doc = json_of(&run_ok(&[
        "--db",
        dbs,
        "report",
        "daily",
        "--json",
        "--no-refresh",
    ]));
    assert_eq!(doc["totals"]["cost_usd"], json!(2.0));
    assert!(
        tmp.path().join("a.prices.json").exists(),
        "the imported table lives next to the store"
    );
}

#[test]
fn a_newer_or_corrupt_store_is_a_clear_error_and_exit_code_one() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("junk.db");
    std::fs::write(&db, vec![0x42u8; 4096]).unwrap();
    let out = bin()
        .args([
            "--db",
            db.to_str().unwrap(),
            "report",
            "daily",
            "--no-refresh",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corrupt or not a SQLite file"), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        vec![0x42u8; 4096],
        "never reset silently"
    );
    let usage = bin().args(["report", "hourly"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2), "bad usage exits 2");
}
