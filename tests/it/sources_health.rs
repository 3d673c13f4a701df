//! Source health written by real runs and read back through `agentdeck sources --json`:
//! file collectors record files read, rows added and the skipped lines with file:line,
//! which stay listed (by `sources` and by the next `ingest`) until the file is rewritten.

use crate::common::*;
use serde_json::Value;
use std::io::Write;

fn source<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == name)
        .unwrap_or_else(|| panic!("no source {name} in {doc:#}"))
}

#[test]
fn ingest_records_health_and_skipped_lines_stay_listed_until_the_file_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("s.db");
    let db = db.to_str().unwrap();
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-home-dev-api");
    let path = proj.join("s1.jsonl");
    let good =
        |msg: &str, req: &str, ts: &str| assistant_line("s1", msg, Some(req), ts, 10, 1, 100);
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "{}", good("m1", "r1", "2026-01-09T10:00:00.000Z")).unwrap(); // 1
    writeln!(f, "{{\"type\":\"assistant\", broken").unwrap(); // 2
    // 3: a negative token count, refused with the field named
    let mut negative: serde_json::Value =
        serde_json::from_str(&good("m3", "r3", "2026-01-09T10:02:00.000Z")).unwrap();
    negative["message"]["usage"]["input_tokens"] = serde_json::json!(-5);
    writeln!(f, "{negative}").unwrap();
    writeln!(f, "{}", good("m2", "r2", "2026-01-09T10:01:00.000Z")).unwrap(); // 4
    drop(f);
    let copilot = tmp.path().join("copilot");
    let session = copilot.join("session-state/abc");
    std::fs::create_dir_all(&session).unwrap();
    std::fs::write(
        session.join("events.jsonl"),
        "{\"type\":\"session.shutdown\",\"id\":\"e1\",\"timestamp\":\"2026-01-09T11:00:00.000Z\",\"data\":{\"modelMetrics\":{\"gpt-5\":{\"requests\":{\"count\":1},\"usage\":{\"inputTokens\":100,\"outputTokens\":10}}}}}\n",
    )
    .unwrap();
    let dirs = [
        "--claude-dir",
        root.to_str().unwrap(),
        "--copilot-dir",
        copilot.to_str().unwrap(),
    ];
    let ingest = |extra: &[&str]| {
        let mut args = vec!["--db", db, "ingest"];
        args.extend_from_slice(&dirs);
        args.extend_from_slice(extra);
        run_ok(&args)
    };
    ingest(&[]);
    let doc = json_of(&run_ok(&["--db", db, "sources", "--json"]));
    let claude = source(&doc, "claude_code_files");
    assert_eq!(claude["state"], "ok");
    assert_eq!(claude["kind"], "files");
    assert_eq!(claude["last_run_read"]["count"], 1);
    assert_eq!(claude["last_run_rows_added"], 2);
    assert_eq!(claude["skipped_total"], 2);
    assert_eq!(claude["skipped_by_reason"]["malformed_json"], 1);
    assert_eq!(claude["skipped_by_reason"]["negative_value"], 1);
    let first: Vec<(String, u64)> = claude["skipped_first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let p = path.display().to_string();
    assert_eq!(first, vec![(p.clone(), 2), (p.clone(), 3)]);
    assert!(claude["last_run"].is_string() && claude["last_success"].is_string());
    assert!(
        claude["settings"]["roots"][0]
            .as_str()
            .unwrap()
            .ends_with("claude")
    );
    let cp = source(&doc, "copilot_cli_files");
    assert_eq!(cp["last_run_rows_added"], 1, "{cp:#}");

    // The next pass reads nothing new, yet still lists the lines skipped before.
    let text = String::from_utf8(ingest(&[]).stdout).unwrap();
    assert!(text.contains("skipped: none"), "{text}");
    assert!(
        text.contains("skipped by earlier passes")
            && text.contains(&format!("{p}:2: malformed JSON (column 22)")),
        "{text}"
    );
    let table = String::from_utf8(run_ok(&["--db", db, "sources"]).stdout).unwrap();
    assert!(
        table.contains(&format!("{p}:3: `message.usage.input_tokens` is negative")),
        "{table}"
    );

    // Rewritten without the bad lines: read again from the start, nothing on record.
    std::fs::write(
        &path,
        format!("{}\n", good("m1", "r1", "2026-01-09T10:00:00.000Z")),
    )
    .unwrap();
    ingest(&[]);
    let doc = json_of(&run_ok(&["--db", db, "sources", "--json"]));
    assert_eq!(source(&doc, "claude_code_files")["skipped_total"], 0);
}

#[test]
fn unknown_config_keys_are_refused_with_line_and_suggestion_and_config_check_runs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[identity]\ndeveloper = \"a@b.c\"\n\n[sources.cursor]\napi_kye_env = \"CURSOR_KEY\"\n",
    )
    .unwrap();
    let db = tmp.path().join("x.db");
    let out = bin()
        .args([
            "--db",
            db.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "sources",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:5: unknown key `sources.cursor.api_kye_env` (did you mean `api_key_env`?)",
            cfg.display()
        )),
        "{err}"
    );
    let check = bin()
        .args(["config", "check", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("did you mean `api_key_env`"));
    assert!(!db.exists(), "config check opened no store");

    std::fs::write(
        &cfg,
        "[sources.cursor]\napi_key_env = \"AGENTDECK_TEST_CURSOR_KEY\"\n",
    )
    .unwrap();
    let check = bin()
        .env("AGENTDECK_TEST_CURSOR_KEY", "key_secret_value")
        .args(["config", "check", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        stdout.contains("env AGENTDECK_TEST_CURSOR_KEY (set)")
            && !stdout.contains("key_secret_value"),
        "{stdout}"
    );
    let unset = bin()
        .args(["config", "check", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unset.stderr).contains("AGENTDECK_TEST_CURSOR_KEY"));
}

/// A `backfill_days` outside 1..=365 is a problem `config check` names, and the source's
/// settings carry it (it does not run), like a too-short `interval`: it used to be clamped
/// to the range without a word.
#[test]
fn a_backfill_days_out_of_range_is_named_not_clamped_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    let db = tmp.path().join("x.db");
    for (days, ok) in [("0", false), ("366", false), ("1000", false), ("365", true)] {
        std::fs::write(
            &cfg,
            format!(
                "[sources.cursor]\napi_key_env = \"AGENTDECK_TEST_CURSOR_KEY\"\nbackfill_days = {days}\n"
            ),
        )
        .unwrap();
        let check = bin()
            .env("AGENTDECK_TEST_CURSOR_KEY", "key_secret_value")
            .args(["config", "check", cfg.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&check.stderr);
        let why = format!("[sources.cursor] backfill_days must be from 1 to 365 (got {days})");
        assert_eq!(check.status.success(), ok, "{days}: {err}");
        assert_eq!(err.contains(&why), !ok, "{days}: {err}");
        let doc = json_of(
            &bin()
                .env("AGENTDECK_TEST_CURSOR_KEY", "key_secret_value")
                .args([
                    "--db",
                    db.to_str().unwrap(),
                    "--config",
                    cfg.to_str().unwrap(),
                ])
                .args(["sources", "--json"])
                .output()
                .unwrap(),
        );
        let settings = &source(&doc, "cursor")["settings"];
        if ok {
            assert_eq!(settings["backfill_days"], 365, "{settings}");
        } else {
            assert_eq!(
                settings["problem"].as_str(),
                Some(why.as_str()),
                "{settings}"
            );
        }
    }
}

/// `config check` names a source's section once per problem, not `[sources.cursor]:
/// [sources.cursor] interval …` (most problems start with their section already).
#[test]
fn config_check_names_a_section_once_per_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[sources.cursor]\napi_key_env = \"AGENTDECK_TEST_CURSOR_KEY\"\ninterval = \"5s\"\n\n\
         [sources.openai_admin]\napi_key_env = \"AGENTDECK_TEST_UNSET_OPENAI\"\n",
    )
    .unwrap();
    let check = bin()
        .env("AGENTDECK_TEST_CURSOR_KEY", "key_secret_value")
        .args(["config", "check", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(
        err.contains("\n  [sources.cursor] interval must be a duration of at least 1m"),
        "{err}"
    );
    // A problem that does not start with its section still gets it in front.
    assert!(
        err.contains(
            "\n  [sources.openai_admin]: the environment variable AGENTDECK_TEST_UNSET_OPENAI"
        ),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn key_files_readable_by_others_are_refused_and_sources_never_show_keys() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("cursor.key");
    std::fs::write(&key, "key_topsecret\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(&cfg, "[sources.cursor]\napi_key_file = \"cursor.key\"\n").unwrap();
    let db = tmp.path().join("x.db");
    let (db, cfg) = (db.to_str().unwrap(), cfg.to_str().unwrap());
    let doc = json_of(&run_ok(&["--db", db, "--config", cfg, "sources", "--json"]));
    let cursor = source(&doc, "cursor");
    let problem = cursor["settings"]["problem"].as_str().unwrap();
    assert!(problem.contains("chmod 600"), "{problem}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run_ok(&["--db", db, "--config", cfg, "sources", "--json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("topsecret"), "{text}");
    assert!(text.contains("(readable)"), "{text}");
}

/// A key that is more than one token (a key file with a second line, a variable holding a
/// line break) is named as the problem before any request, not sent to fail as an opaque
/// "builder error" after retries; the key itself is never shown.
#[test]
fn a_key_with_a_line_break_inside_is_refused_with_a_clear_problem() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("cursor.key");
    std::fs::write(&key, "key_topsecret\n# rotated in March\n").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[sources.cursor]\napi_key_file = \"cursor.key\"\nbase_url = \"http://127.0.0.1:9\"\n\n[sources.openai_admin]\napi_key_env = \"AGENTDECK_TEST_TWO_LINES\"\nbase_url = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let db = tmp.path().join("x.db");
    let (db, cfg) = (db.to_str().unwrap(), cfg.to_str().unwrap());
    let out = bin()
        .env("AGENTDECK_TEST_TWO_LINES", "sk-admin-topsecret\nsecond")
        .args(["--db", db, "--config", cfg, "sources", "poll"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "cursor: failed: [sources.cursor] api_key_file: {} holds more than the key (a space, line break or control character inside it)",
            key.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("openai_admin: failed: the environment variable AGENTDECK_TEST_TWO_LINES named by [sources.openai_admin] api_key_env holds more than the key"),
        "{text}"
    );
    assert!(!text.contains("topsecret"), "{text}");
}

/// A `base_url` without its scheme (`api.example.com`) is named as the problem by
/// `config check` and by the poll at once, not retried for seconds and reported as
/// "cannot be reached: builder error".
#[test]
fn a_base_url_without_a_scheme_is_named_before_any_request() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[sources.anthropic_admin]\napi_key_env = \"AGENTDECK_TEST_ANTHROPIC\"\nbase_url = \"127.0.0.1:9\"\n",
    )
    .unwrap();
    let db = tmp.path().join("x.db");
    let (db, cfg) = (db.to_str().unwrap(), cfg.to_str().unwrap());
    let expected = "[sources.anthropic_admin] base_url must be an http(s) URL such as https://api.anthropic.com (got `127.0.0.1:9`)";
    let run = |args: &[&str]| {
        bin()
            .env("AGENTDECK_TEST_ANTHROPIC", "sk-ant-admin-test")
            .args(["--db", db, "--config", cfg])
            .args(args)
            .output()
            .unwrap()
    };
    let started = std::time::Instant::now();
    let poll = run(&["sources", "poll"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "no retries"
    );
    let text = String::from_utf8_lossy(&poll.stdout);
    assert!(
        text.contains(&format!("anthropic_admin: failed: {expected}")),
        "{text}"
    );
    let check = run(&["config", "check"]);
    assert!(!check.status.success());
    let text = String::from_utf8_lossy(&check.stderr);
    assert!(text.contains(expected), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_poll_records_each_api_and_sources_shows_state_next_run_and_settings() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let empty = serde_json::json!({"data": [], "has_more": false, "next_page": null});
    for p in [
        "/v1/organizations/usage_report/messages",
        "/v1/organizations/cost_report",
        "/v1/organizations/usage_report/claude_code",
    ] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(empty.clone()))
            .mount(&server)
            .await;
    }
    Mock::given(path("/v1/organization/usage/completions"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"error": {"message": "Incorrect API key provided"}}),
            ),
        )
        .mount(&server)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sources.anthropic_admin]\napi_key_env = \"AGENTDECK_TEST_ANTHROPIC\"\nbase_url = \"{0}\"\nbackfill_days = 2\n\n[sources.openai_admin]\napi_key_env = \"AGENTDECK_TEST_OPENAI\"\nbase_url = \"{0}\"\n\n[sources.cursor]\napi_key_env = \"AGENTDECK_TEST_UNSET_CURSOR\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let db = tmp.path().join("s.db");
    let (db, cfg) = (
        db.to_str().unwrap().to_string(),
        cfg.to_str().unwrap().to_string(),
    );
    let out = tokio::task::spawn_blocking(move || {
        let poll = bin()
            .env("AGENTDECK_TEST_ANTHROPIC", "sk-ant-admin-test")
            .env("AGENTDECK_TEST_OPENAI", "sk-admin-test")
            .args(["--db", &db, "--config", &cfg, "sources", "poll"])
            .output()
            .unwrap();
        let sources = bin()
            .env("AGENTDECK_TEST_ANTHROPIC", "sk-ant-admin-test")
            .args(["--db", &db, "--config", &cfg, "sources", "--json"])
            .output()
            .unwrap();
        (poll, sources)
    })
    .await
    .unwrap();
    let (poll, sources) = out;
    let text = String::from_utf8_lossy(&poll.stdout);
    assert_eq!(poll.status.code(), Some(1), "one source failed: {text}");
    assert!(text.contains("anthropic_admin: ok, 5 page(s)"), "{text}");
    assert!(text.contains("openai_admin: failed: /v1/organization/usage/completions refused the key (401): Incorrect API key provided"), "{text}");
    assert!(
        text.contains("cursor: failed: the environment variable AGENTDECK_TEST_UNSET_CURSOR"),
        "{text}"
    );
    let doc = json_of(&sources);
    let all = doc.to_string();
    assert!(
        !all.contains("sk-ant-admin-test") && !all.contains("sk-admin-test"),
        "keys never shown"
    );
    let a = source(&doc, "anthropic_admin");
    assert_eq!(a["state"], "ok");
    assert_eq!(
        a["last_run_read"],
        serde_json::json!({"count": 5, "unit": "pages"})
    );
    assert!(a["next_run"].is_string());
    assert_eq!(a["settings"]["key"], "env AGENTDECK_TEST_ANTHROPIC (set)");
    let o = source(&doc, "openai_admin");
    assert_eq!(o["state"], "never");
    assert!(
        o["last_error"]
            .as_str()
            .unwrap()
            .contains("Incorrect API key provided")
    );
    let c = source(&doc, "cursor");
    assert_eq!(
        c["settings"]["key"],
        "env AGENTDECK_TEST_UNSET_CURSOR (not set)"
    );
}

#[test]
fn a_failed_push_is_recorded_in_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("s.db");
    let db = db.to_str().unwrap();
    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let root = tmp.path().join("claude");
    let proj = claude_project(&root, "-home-dev-api");
    std::fs::write(
        proj.join("s.jsonl"),
        format!(
            "{}\n",
            assistant_line("s", "m1", Some("r1"), "2026-01-09T10:00:00.000Z", 1, 1, 1)
        ),
    )
    .unwrap();
    run_ok(&["--db", db, "ingest", "--claude-dir", root.to_str().unwrap()]);
    let out = bin()
        .args(["--db", db, "push", "--server", &server])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&run_ok(&["--db", db, "sources", "--json"]));
    let push = source(&doc, &format!("push {server}"));
    assert_eq!(push["state"], "never");
    assert!(
        push["last_error"].as_str().unwrap().contains(&server),
        "{push:#}"
    );
    assert_eq!(push["settings"]["server"], server.as_str());
}

#[test]
fn the_directory_csv_sets_team_role_and_start_date_and_others_stay_unassigned() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("team.csv"),
        "email,team,role,started_on\nana@acme.dev,platform,staff engineer,2024-03-01\nbad-row,web,,\nbo@acme.dev,web,,2025-12-01\n",
    )
    .unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(&cfg, "[directory]\ncsv = \"team.csv\"\n").unwrap();
    let db = tmp.path().join("s.db");
    let (db, cfg) = (db.to_str().unwrap(), cfg.to_str().unwrap());
    let doc = json_of(&run_ok(&["--db", db, "--config", cfg, "sources", "--json"]));
    let dir = source(&doc, "directory");
    assert_eq!(dir["last_run_rows_added"], 2);
    assert_eq!(dir["last_run_problems"]["by_kind"]["bad_row"], 1);
    assert!(
        dir["last_run_problems"]["first"][0]
            .as_str()
            .unwrap()
            .ends_with("team.csv:3: `email` \"bad-row\" is not an email address"),
        "{dir:#}"
    );
    let store = agentdeck::store::Store::open(std::path::Path::new(db)).unwrap();
    let entries = store.reader().unwrap().directory().unwrap();
    let ana = entries.iter().find(|e| e.id == "ana@acme.dev").unwrap();
    assert_eq!(
        (ana.team.as_str(), ana.role.as_deref()),
        ("platform", Some("staff engineer"))
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    assert_eq!(ana.tenure_days(today), Some(730));
    // Telemetry or files from someone the directory does not know: unassigned, visible.
    store
        .writer()
        .apply_blocking(agentdeck::store::WriteBatch {
            ops: vec![agentdeck::store::ops::Op::UpsertMember(
                agentdeck::store::directory::MemberRow {
                    id: "stranger@acme.dev".into(),
                    ..Default::default()
                },
            )],
            ..Default::default()
        })
        .unwrap();
    let entries = store.reader().unwrap().directory().unwrap();
    assert_eq!(
        entries
            .iter()
            .find(|e| e.id == "stranger@acme.dev")
            .unwrap()
            .team,
        "unassigned"
    );
}

/// Records a vendor API refused (bad values) are not hidden behind "ok": `sources poll`
/// counts them and `agentdeck sources` lists them with where they were.
#[tokio::test(flavor = "multi_thread")]
async fn records_a_poll_refused_are_shown_by_sources_poll_and_sources() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let empty = serde_json::json!({"data": [], "has_more": false, "next_page": null});
    Mock::given(path("/v1/organizations/usage_report/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"starting_at": "2026-03-08T00:00:00Z", "results": [
                {"uncached_input_tokens": -5, "output_tokens": 1, "model": "claude-sonnet-4-5"},
                {"uncached_input_tokens": 5, "output_tokens": 1, "model": "claude-haiku-4-5"}
            ]}], "has_more": false, "next_page": null})))
        .mount(&server)
        .await;
    for p in [
        "/v1/organizations/cost_report",
        "/v1/organizations/usage_report/claude_code",
    ] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(empty.clone()))
            .mount(&server)
            .await;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sources.anthropic_admin]\napi_key_env = \"AGENTDECK_TEST_ANTHROPIC\"\nbase_url = \"{}\"\nbackfill_days = 1\n",
            server.uri()
        ),
    )
    .unwrap();
    let db = tmp.path().join("s.db");
    let (db, cfg) = (
        db.to_str().unwrap().to_string(),
        cfg.to_str().unwrap().to_string(),
    );
    let (poll, sources) = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| {
            bin()
                .env("AGENTDECK_TEST_ANTHROPIC", "sk-ant-admin-test")
                .args(["--db", &db, "--config", &cfg])
                .args(args)
                .output()
                .unwrap()
        };
        (run(&["sources", "poll"]), run(&["sources"]))
    })
    .await
    .unwrap();
    let poll = String::from_utf8_lossy(&poll.stdout).into_owned();
    assert!(
        poll.contains(" page(s), 1 row(s), 1 record(s) refused (`agentdeck sources` lists them)"),
        "{poll}"
    );
    let sources = String::from_utf8_lossy(&sources.stdout).into_owned();
    assert!(
        sources.contains(
            "anthropic_admin: problems in the last run (1 bad_value)\n  /v1/organizations/usage_report/messages 2026-03-08 claude-sonnet-4-5: `/uncached_input_tokens` is negative or too large"
        ),
        "{sources}"
    );
}

/// A configured API without a usable key says what to set in the plain `agentdeck sources`
/// listing too, in its state and LAST ERROR; it was only in `--json` (`settings.problem`),
/// the table showing `waiting` and `—`.
#[test]
fn sources_names_the_missing_key_of_a_configured_api() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[sources.anthropic_admin]\napi_key_env = \"AGENTDECK_TEST_UNSET_ADMIN_KEY\"\n",
    )
    .unwrap();
    let db = tmp.path().join("x.db");
    let out = run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "sources",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.starts_with("anthropic_admin"))
        .unwrap_or_else(|| panic!("no anthropic_admin row: {text}"));
    assert!(row.contains("AGENTDECK_TEST_UNSET_ADMIN_KEY"), "{text}");
    assert!(
        row.contains("cannot run") && row.contains("is not set"),
        "{text}"
    );
}
