//! The Sources view on real health rows: a source's line says how many lines were
//! skipped, and Enter opens its detail with the last error in full, the skipped lines with
//! file:line and the settings in effect; Esc goes back to the list.

use crate::tui_support::{now, now_ms, seeded_store};
use agentdeck::store::WriteBatch;
use agentdeck::store::ops::Op;
use agentdeck::store::source_health::{RunProblems, SkippedLine, SourceRun};
use agentdeck::tui::harness::Harness;

#[test]
fn enter_on_a_source_shows_its_error_skipped_lines_and_settings() {
    let (_dir, store) = seeded_store();
    let long_error = format!(
        "/v1/organizations/cost_report refused the key (401): invalid x-api-key {}",
        "(organisation key revoked by an admin on Monday; create a new Admin API key)"
    );
    store
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![
                Op::RecordRun(SourceRun {
                    source: "anthropic_admin".into(),
                    kind: "vendor_api".into(),
                    finished_at: now_ms() - 60_000,
                    error: Some(long_error.clone()),
                    item_unit: "pages".into(),
                    next_run: Some(now_ms() + 30 * 60_000),
                    settings: Some(r#"{"base_url":"https://api.anthropic.com","key":"env ANTHROPIC_ADMIN_KEY (set)","interval":"1h"}"#.into()),
                    problems: RunProblems::default(),
                    ..SourceRun::default()
                }),
                Op::RecordRun(SourceRun {
                    source: "gemini_files".into(),
                    kind: "files".into(),
                    finished_at: now_ms() - 5_000,
                    items_read: 2,
                    item_unit: "files".into(),
                    ..SourceRun::default()
                }),
                Op::SkippedLines {
                    source: "gemini_files".into(),
                    path: "/home/dev/.gemini/tmp/abc/chats/session-1.jsonl".into(),
                    restart: true,
                    lines: vec![SkippedLine {
                        path: "/home/dev/.gemini/tmp/abc/chats/session-1.jsonl".into(),
                        line: 17,
                        reason: "malformed_json".into(),
                        detail: Some("malformed JSON (column 40)".into()),
                    }],
                    at: now_ms(),
                },
            ],
            ..WriteBatch::default()
        })
        .unwrap();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, false).unwrap();
    h.press("8");
    let list = h.render(160, 40);
    assert!(
        list.contains("1 skipped line(s) — Enter lists them"),
        "{list}"
    );
    assert!(
        list.contains("copilot_cli_files") || list.contains("Copilot CLI sessions"),
        "{list}"
    );
    h.press("/");
    for c in "anthropic".chars() {
        h.press(&c.to_string());
    }
    h.press("enter");
    h.press("enter");
    let detail = h.render(160, 40);
    assert!(
        detail.contains("organisation key revoked by an admin on Monday"),
        "{detail}"
    );
    assert!(detail.contains("env ANTHROPIC_ADMIN_KEY (set)"), "{detail}");
    assert!(
        detail.contains("next run") && detail.contains("(in 30m"),
        "{detail}"
    );
    h.press("esc");
    h.press("esc");
    h.press("/");
    for c in "gemini".chars() {
        h.press(&c.to_string());
    }
    h.press("enter");
    h.press("enter");
    let detail = h.render(160, 40);
    assert!(
        detail.contains(
            "/home/dev/.gemini/tmp/abc/chats/session-1.jsonl:17: malformed JSON (column 40)"
        ),
        "{detail}"
    );
    h.press("esc");
    assert!(h.render(160, 40).contains("What to configure next"));
}

#[test]
fn costs_switch_between_estimated_and_billed_and_show_both() {
    use agentdeck::store::vendor::VendorUsageRow;
    let (_dir, store) = seeded_store();
    let today = chrono::DateTime::from_timestamp_millis(now_ms())
        .unwrap()
        .date_naive()
        .to_string();
    store
        .writer()
        .apply_blocking(WriteBatch {
            ops: vec![Op::UpsertVendorUsage(VendorUsageRow {
                source: "anthropic_admin".into(),
                day: today,
                model: "claude-sonnet-4-5".into(),
                billed_micro_usd: Some(123_450_000),
                ..VendorUsageRow::default()
            })],
            ..WriteBatch::default()
        })
        .unwrap();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, false).unwrap();
    h.press("3");
    let estimated = h.render(160, 40);
    assert!(
        estimated.contains("computed · $123.45 billed (b)"),
        "{estimated}"
    );
    assert!(estimated.contains("spend"), "{estimated}");
    h.press("b");
    let billed = h.render(160, 40);
    assert!(billed.contains("$123.45 billed (b) · "), "{billed}");
    assert!(
        billed
            .lines()
            .any(|l| l.contains("team") && l.contains(" billed share")),
        "the spend column is the billed one: {billed}"
    );
    assert!(
        billed.contains("costs: billed"),
        "the switch is announced: {billed}"
    );
    h.press("b");
    assert!(h.render(160, 40).contains("computed · $123.45 billed (b)"));
}
