//! The console's defects of issue 11 as the user met them, driven through the real update,
//! loaders and store (a seeded store, a fixed clock, keys in, frames and rows out): any
//! period, honest empty states, unpriced spend, one running rule, budgets of the row's own
//! scope, the detail pane, the back stack, sorting, export, alert actions.

use crate::tui_support;

use agentdeck::domain::alerts::AlertState;
use agentdeck::tui::harness::Harness;
use agentdeck::tui::state::{Period, ScreenKind, ViewId};
use agentdeck::tui::views::Model;
use tui_support::{now, now_ms, seeded_store};

const DAY: i64 = 86_400_000;

fn harness(store: &agentdeck::store::Store) -> Harness {
    Harness::new(store, now(), chrono_tz::UTC, false).unwrap()
}

fn command(h: &mut Harness, text: &str) {
    h.press(":");
    h.type_text(text);
    h.press("enter");
}

/// A store whose only activity is two months old.
fn old_store() -> (tempfile::TempDir, agentdeck::store::Store) {
    let (dir, store) = tui_support::empty_store();
    tui_support::seed_at(&store, now_ms() - 60 * DAY);
    (dir, store)
}

fn costs_total(h: &Harness) -> i64 {
    match h.state.model.as_ref() {
        Some(Model::Costs(m)) => m.total.micro_usd(),
        other => panic!("not on Costs: {other:?}"),
    }
}

#[test]
fn costs_overview_and_replay_look_back_90_days_and_further() {
    let (_d, store) = old_store();
    let mut h = harness(&store);
    h.press("3");
    let frame = h.render(120, 40);
    assert!(
        frame.contains("No spend in this period (this month)"),
        "{frame}"
    );
    assert!(!frame.contains("agentdeck ingest"), "data exists: {frame}");
    command(&mut h, "since 90d");
    assert_eq!(h.state.period, Period::LastDays(90));
    let frame = h.render(120, 40);
    assert!(frame.contains("Spend by team"), "{frame}");
    assert!(frame.contains("platform"), "{frame}");
    let total_90d = costs_total(&h);
    assert!(total_90d > 0);
    // A date works as well as a span, and a range that holds all of it agrees to the cent.
    command(&mut h, "since 2025-10-01");
    assert_eq!(costs_total(&h), total_90d);
    command(&mut h, "range 2025-10-01..2025-12-31");
    assert_eq!(costs_total(&h), total_90d);
    // Stepping back from this month reaches the data two months ago.
    command(&mut h, "period this-month");
    h.press("[");
    assert_eq!(h.state.period, Period::LastMonth);
    h.press("[");
    assert_eq!(h.state.period.to_string(), "2025-11");
    assert_eq!(costs_total(&h), total_90d);
    h.press("]");
    assert_eq!(h.state.period, Period::LastMonth);
    // Overview and Replay read the same period.
    command(&mut h, "since 90d");
    h.press("1");
    let frame = h.render(120, 40);
    assert!(frame.contains("Top spend, 90d"), "{frame}");
    assert!(!frame.contains("no spend in this period"), "{frame}");
    h.press("6");
    let frame = h.render(120, 40);
    assert!(frame.contains("Work sessions, 90d"), "{frame}");
    assert!(frame.contains("ana@acme.dev"), "{frame}");
}

#[test]
fn the_console_and_report_agree_on_a_90_day_period() {
    let (dir, store) = old_store();
    // `report` reads the same words; the fixed clock is 2026-01-15, so give the dates.
    // It runs first: it reprices the seeded rows to the current price table, which the
    // console then reads.
    let out = crate::common::bin()
        .args([
            "--db",
            store.path().to_str().unwrap(),
            "report",
            "daily",
            "--json",
            "--no-refresh",
            "--tz",
            "UTC",
            "--since",
            "2025-10-18",
            "--until",
            "2026-01-15",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = (json["totals"]["cost_usd"].as_f64().unwrap() * 1e6).round() as i64;
    let mut h = harness(&store);
    h.press("3");
    command(&mut h, "since 90d");
    let console = costs_total(&h);
    assert!(console > 0);
    assert_eq!(report, console, "report and console differ");
    drop(dir);
}

#[test]
fn a_filter_that_matches_nothing_says_so() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("2");
    h.press("/");
    h.type_text("zzz");
    let frame = h.render(120, 40);
    assert!(frame.contains("No match for filter /zzz"), "{frame}");
    assert!(frame.contains("esc clears"), "{frame}");
    assert!(!frame.contains("agentdeck ingest"), "{frame}");
    assert!(!frame.contains("No sessions yet"), "{frame}");
}

#[test]
fn no_data_at_all_says_how_to_get_some() {
    let (_d, store) = tui_support::empty_store();
    let mut h = harness(&store);
    h.press("3");
    let frame = h.render(120, 40);
    assert!(frame.contains("No data at all yet"), "{frame}");
    assert!(frame.contains("agentdeck ingest"), "{frame}");
}

#[test]
fn unpriced_spend_is_never_shown_as_zero_dollars() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    command(&mut h, "costs since=30d by=model");
    let frame = h.render(120, 40);
    let row = frame
        .lines()
        .find(|l| l.contains("mystery-model"))
        .unwrap_or_else(|| panic!("{frame}"));
    assert!(!row.contains("$0.00"), "{row}");
    assert!(row.contains("unpriced"), "{row}");
    h.press("6");
    let frame = h.render(200, 60);
    let row = frame
        .lines()
        .find(|l| l.contains("dee@acme.dev") && l.contains("gemini"));
    if let Some(row) = row {
        assert!(!row.contains("$0.00"), "{row}");
    }
}

#[test]
fn overview_and_live_count_running_sessions_the_same_way() {
    let (_d, store) = seeded_store();
    // Quiet for four minutes: idle by the one rule (Overview once said running up to 5).
    tui_support::spend_at(
        &store,
        "gus@acme.dev",
        "github.com/acme/web",
        1_000,
        now_ms() - 4 * 60_000,
    );
    let mut h = harness(&store);
    // cy's Gemini session is the only one active in the last two minutes.
    let overview = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => m.figures.running_sessions as usize,
        other => panic!("{other:?}"),
    };
    h.press("2");
    let live = match h.state.model.as_ref() {
        Some(Model::Live(m)) => m.running,
        other => panic!("{other:?}"),
    };
    assert_eq!(overview, live);
    assert_eq!(live, 1);
}

#[test]
fn a_team_over_budget_is_flagged_over_and_a_project_is_not_held_to_the_team_budget() {
    let (_d, store) = seeded_store();
    // platform's budget is $50.00; spend $60 more today.
    tui_support::spend(&store, "ana@acme.dev", "github.com/acme/api", 60_000_000);
    let mut h = harness(&store);
    command(&mut h, "costs since=30d");
    let frame = h.render(200, 60);
    let row = frame
        .lines()
        .find(|l| l.contains("platform"))
        .unwrap_or_else(|| panic!("{frame}"));
    assert!(row.contains("⚠ over budget"), "{row}");
    assert!(row.contains("of $50.00"), "{row}");
    assert!(
        !row.contains("forecast"),
        "spent over is not only a forecast: {row}"
    );
    // One level down: projects under platform carry no budget flag of their own.
    h.press("enter");
    let frame = h.render(200, 60);
    assert!(frame.contains("Spend by project"), "{frame}");
    assert!(frame.contains("team platform: ⚠ over budget"), "{frame}");
    h.press("enter");
    let frame = h.render(200, 60);
    assert!(frame.contains("Spend by developer"), "{frame}");
    assert!(!frame.contains("budget $50.00"), "{frame}");
    assert!(!frame.contains("of $50.00"), "{frame}");
}

#[test]
fn money_is_never_cut_at_small_sizes() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    let amounts: Vec<String> = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => m
            .top_spenders
            .iter()
            .map(|(_, c, u)| agentdeck::tui::format::spend(*c, *u))
            .collect(),
        other => panic!("{other:?}"),
    };
    assert!(amounts.len() >= 5);
    let frame = h.render(80, 24);
    for a in &amounts {
        assert!(frame.contains(a.as_str()), "top spend {a} cut:\n{frame}");
    }
    // Costs at every size: each spend on screen is whole.
    command(&mut h, "costs since=30d");
    for (w, hh) in [(40, 12), (80, 24), (120, 40), (200, 60)] {
        let frame = h.render(w, hh);
        for team in ["platform", "web", "security"] {
            let row = frame
                .lines()
                .find(|l| l.contains(team))
                .unwrap_or_else(|| panic!("{frame}"));
            let spend = match h.state.model.as_ref() {
                Some(Model::Costs(m)) => m.rows.iter().find(|r| r.key == team).unwrap().cost,
                _ => unreachable!(),
            };
            let text = agentdeck::tui::format::money(spend);
            assert!(row.contains(&text), "{text} cut at {w}x{hh}: {row}");
        }
    }
}

#[test]
fn enter_opens_a_detail_pane_in_every_view() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    for (view, expect) in [
        (ViewId::Alerts, "history"),
        (ViewId::Sources, "last success"),
        (ViewId::Adoption, "working days"),
        (ViewId::Quality, "merge rate"),
    ] {
        h.press(&view.number().to_string());
        h.press("enter");
        assert!(
            matches!(h.state.top().kind, ScreenKind::Detail { .. }),
            "{view:?}"
        );
        let frame = h.render(120, 40);
        assert!(frame.contains(expect), "{view:?}: {frame}");
        h.press("esc");
        assert_eq!(h.state.view(), view);
    }
    // `d` gives the row's fields where Enter drills: a Live session's metadata.
    h.press("2");
    h.press("d");
    let frame = h.render(120, 40);
    assert!(frame.contains("session s03"), "{frame}");
    assert!(frame.contains("last activity"), "{frame}");
    // Enter on the detail opens its timeline.
    h.press("enter");
    assert!(matches!(h.state.top().kind, ScreenKind::Session { .. }));
    // The bottom of the cost tree: Enter gives the row's figures.
    command(&mut h, "costs team=platform project=infra since=30d");
    h.press("enter");
    h.press("enter");
    h.press("enter");
    let frame = h.render(120, 40);
    assert!(frame.contains("requests"), "{frame}");
}

#[test]
fn a_failing_source_shows_its_error_in_full() {
    let (_d, store) = seeded_store();
    let long = "HTTP 429 rate limited: retry after 120 seconds; the organisation's Copilot \
                metrics API allows 5,000 requests per hour and this token used all of them";
    tui_support::fail_source(&store, "copilot", long);
    let mut h = harness(&store);
    h.press("8");
    h.press("/");
    h.type_text("copilot");
    h.press("enter");
    h.press("enter");
    let frame = h.render(80, 24);
    let joined: String = frame.split_whitespace().collect::<Vec<_>>().join(" ");
    let inner: String = joined
        .replace("│", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(inner.contains("this token used all of them"), "{frame}");
}

#[test]
fn overview_enter_opens_the_selected_alert_not_its_neighbour() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("down");
    let second = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => m.alerts[1].id,
        other => panic!("{other:?}"),
    };
    h.press("enter");
    let frame = h.render(120, 40);
    assert!(frame.contains(&format!("alert #{second} ·")), "{frame}");
    assert!(frame.contains("rate_limit_storm"), "{frame}");
    h.press("esc");
    assert_eq!(h.state.view(), ViewId::Overview);
    assert_eq!(h.state.top().selected, 1);
}

#[test]
fn the_back_stack_crosses_views_and_keeps_the_selection() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("7");
    h.press("down"); // the acknowledged rate-limit alert on ana
    h.press("o");
    assert_eq!(h.state.view(), ViewId::Live);
    assert_eq!(h.state.top().filter, "ana@acme.dev");
    h.press("esc"); // clears the filter first
    h.press("esc");
    assert_eq!(h.state.view(), ViewId::Alerts);
    assert_eq!(h.state.top().selected, 1);
    // Alerts → detail → subject → back twice.
    h.press("up");
    h.press("enter");
    h.press("enter");
    assert_eq!(h.state.view(), ViewId::Costs);
    let frame = h.render(120, 40);
    assert!(frame.contains("Alerts › details › platform"), "{frame}");
    h.press("esc");
    h.press("esc");
    assert_eq!(h.state.view(), ViewId::Alerts);
    assert_eq!(h.state.top().selected, 0);
}

#[test]
fn sorting_by_column_shows_the_arrow_and_keeps_the_row() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("2");
    h.press("down");
    let before = h.state.model.as_ref().unwrap().row_key(1);
    // > moves the sort along the columns: state, developer, …
    h.press(">");
    h.press(">");
    let frame = h.render(200, 60);
    assert!(frame.contains("developer ▲"), "{frame}");
    let m = h.state.model.as_ref().unwrap();
    let order = m.visible("", h.state.top().sort);
    assert_eq!(m.row_key(order[h.state.top().selected]), before);
    h.press("I");
    assert!(h.render(200, 60).contains("developer ▼"));
    command(&mut h, "sort cost");
    let frame = h.render(200, 60);
    assert!(frame.contains("cost ▼"), "{frame}");
    let first = frame
        .lines()
        .find(|l| l.contains('▶') || l.contains("○ ended"))
        .unwrap();
    let _ = first;
    let m = h.state.model.as_ref().unwrap();
    let order = m.visible("", h.state.top().sort);
    let costs: Vec<String> = order
        .iter()
        .map(|&i| m.table().rows[i][9].text.clone())
        .collect();
    assert_eq!(costs[0], "$2.23", "{costs:?}");
    assert_eq!(costs.last().unwrap(), "unpriced", "{costs:?}");
}

#[test]
fn export_writes_the_table_on_screen_as_csv_and_json() {
    let (_d, store) = seeded_store();
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(&store);
    command(&mut h, "costs since=30d");
    let csv = dir.path().join("teams.csv");
    command(&mut h, &format!("export {}", csv.display()));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    // The bars and sparklines drawn for the eye are left out; flags are written as shown
    // (they sort by a rank, which is no figure).
    assert_eq!(
        lines.next(),
        Some("team,spend,share,tokens,devs,per dev,flags")
    );
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.contains("\nweb,") && text.contains(",⚠ 1 low accept\n"),
        "{text}"
    );
    assert!(text.contains(",7 unpriced\n"), "{text}");
    assert!(!text.contains('▁') && !text.contains('█'), "{text}");
    assert!(h.render(120, 40).contains("exported 3 rows"));
    // The filter and sort on screen are what is exported; JSON has numbers.
    h.press("/");
    h.type_text("web");
    h.press("enter");
    let json = dir.path().join("web.json");
    command(&mut h, &format!("export {}", json.display()));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["team"], "web");
    assert!(v[0]["spend"].as_f64().unwrap() > 0.0);
    // An existing file is not replaced without `!`.
    command(&mut h, &format!("export {}", json.display()));
    assert!(h.render(120, 40).contains("export!"));
    // Alerts: the state and the age are written as shown, not as their sort ranks (a
    // negative timestamp).
    h.press("7");
    let alerts = dir.path().join("alerts.json");
    command(&mut h, &format!("export {}", alerts.display()));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&alerts).unwrap()).unwrap();
    let first = &v.as_array().unwrap()[0];
    assert!(first["state"].as_str().unwrap().contains("firing"), "{v:#}");
    assert!(first["fired"].as_str().unwrap().ends_with("ago"), "{v:#}");
}

#[test]
fn snooze_for_a_chosen_time_resolve_and_a_multi_line_note() {
    let (_d, store) = seeded_store();
    let mut h = harness(&store);
    h.press("7");
    command(&mut h, "snooze 4h");
    let a = store.reader().unwrap().alert(1).unwrap().unwrap();
    assert_eq!(a.row.state, AlertState::Snoozed);
    assert_eq!(a.row.snoozed_until, Some(now_ms() + 4 * 3_600_000));
    assert!(h.render(120, 40).contains("snoozed for 4h"));
    // Resolve from the console.
    h.press("R");
    let resolved = store
        .reader()
        .unwrap()
        .alert(h_alert_id(&h))
        .unwrap()
        .unwrap();
    assert_eq!(resolved.row.state, AlertState::Resolved);
    // A note on two lines keeps its line break and is shown with it.
    let (_d2, store2) = seeded_store();
    let mut h = harness(&store2);
    h.press("7");
    h.press("a");
    let frame = h.render(120, 40);
    assert!(frame.contains("new line"), "the modal says how: {frame}");
    h.type_text("rolled back");
    h.press("alt-enter");
    h.type_text("paging the owner");
    h.press("enter");
    let a = store2.reader().unwrap().alert(1).unwrap().unwrap();
    assert_eq!(a.row.note.as_deref(), Some("rolled back\npaging the owner"));
    h.press("enter");
    let frame = h.render(120, 40);
    let note = frame
        .lines()
        .position(|l| l.contains("rolled back"))
        .unwrap();
    assert!(
        frame
            .lines()
            .nth(note + 1)
            .unwrap()
            .contains("paging the owner"),
        "{frame}"
    );
}

/// The alert selected on the Alerts screen (by id).
fn h_alert_id(h: &Harness) -> i64 {
    match h.state.model.as_ref() {
        Some(Model::Alerts(m)) => {
            let order = h
                .state
                .model
                .as_ref()
                .unwrap()
                .visible("", h.state.top().sort);
            m.items[order[h.state.top().selected]].alert.id
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn read_only_write_keys_answer_with_a_message() {
    let (_d, store) = seeded_store();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, true).unwrap();
    h.press("7");
    for key in ["a", "s", "R"] {
        h.press(key);
        let frame = h.render(120, 40);
        assert!(frame.contains("read-only:"), "{key}: {frame}");
        assert!(frame.contains("--read-only"), "{key}: {frame}");
    }
    command(&mut h, "snooze 4h");
    assert!(
        h.render(120, 40)
            .contains("read-only: snoozing is disabled")
    );
    assert!(h.effects.is_empty());
}

/// The row with `key` on the Costs screen.
fn costs_row(h: &Harness, key: &str) -> agentdeck::tui::views::costs::CostRow {
    match h.state.model.as_ref() {
        Some(Model::Costs(m)) => m
            .rows
            .iter()
            .find(|r| r.key == key)
            .cloned()
            .unwrap_or_else(|| panic!("no row {key}: {:?}", m.rows)),
        other => panic!("not on Costs: {other:?}"),
    }
}

#[test]
fn a_project_over_its_own_budget_is_flagged_and_agrees_with_report_budget() {
    // `report budget` judges the month at the real clock, so the store and console do too.
    let (dir, store) = tui_support::empty_store();
    let now = chrono::Utc::now();
    tui_support::seed_at(&store, now.timestamp_millis());
    // Spend on the API this month whatever the day (the seed's spend may be last month).
    tui_support::spend_at(
        &store,
        "ana@acme.dev",
        "github.com/acme/api",
        1_000_000,
        now.timestamp_millis() - 1_000,
    );
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[project]]\nid = \"github.com/acme/api\"\nbudget_usd_month = 0.001\n\n\
         [[project]]\nid = \"github.com/acme/web\"\nbudget_usd_month = 1000000\n",
    )
    .unwrap();
    // `report` runs first: it records the config's project budgets and reprices the
    // stored requests, which the console then reads.
    let out = crate::common::bin()
        .args(["--db", store.path().to_str().unwrap(), "--config"])
        .arg(&config)
        .args(["report", "budget", "--json", "--no-refresh", "--tz", "UTC"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = doc["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == "project" && r["name"] == "github.com/acme/api")
        .unwrap_or_else(|| panic!("{doc}"))
        .clone();
    assert_eq!(api["status"], "breached", "{doc}");
    let micros = |v: &serde_json::Value| (v.as_f64().unwrap() * 1e6).round() as i64;

    let mut h = Harness::new(&store, now, chrono_tz::UTC, false).unwrap();
    // Under platform (a team with a $50 budget): the API is held to its own $0.001 budget,
    // infra (no budget of its own) to none — never to the team's.
    command(&mut h, "costs team=platform since=30d");
    let frame = h.render(200, 60);
    assert!(frame.contains("Spend by project"), "{frame}");
    let b = costs_row(&h, "api")
        .budget
        .unwrap_or_else(|| panic!("api not judged against its budget: {frame}"));
    assert_eq!(
        (b.spent.micro_usd(), b.budget.map(|m| m.micro_usd())),
        (micros(&api["spent_usd"]), Some(micros(&api["budget_usd"]))),
        "console and `report budget` differ: {doc}"
    );
    assert_eq!(b.status, agentdeck::domain::budget::BudgetStatus::Breached);
    let line = |name: &str| {
        frame
            .lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("no {name} line: {frame}"))
            .to_string()
    };
    let api_line = line("api");
    assert!(api_line.contains("⚠ over budget"), "{api_line}");
    assert!(!api_line.contains("$50.00"), "{api_line}");
    assert_eq!(costs_row(&h, "infra").budget, None);
    assert!(!line("infra").contains("budget"), "{frame}");
    // Under security (no team budget) the API row is still judged against its own budget;
    // the web project, budgeted and on track, carries no flag under its team.
    command(&mut h, "costs team=security since=30d");
    assert_eq!(
        costs_row(&h, "api").budget.map(|b| b.status),
        Some(b.status)
    );
    command(&mut h, "costs team=web since=30d");
    let web = costs_row(&h, "web").budget.map(|b| b.status);
    assert_eq!(web, Some(agentdeck::domain::budget::BudgetStatus::OnTrack));
    let frame = h.render(200, 60);
    assert!(!frame.contains("⚠ over budget"), "{frame}");
}
