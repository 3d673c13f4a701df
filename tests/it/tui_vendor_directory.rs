//! The console reads what the sources work added: the directory's role and tenure in
//! Adoption; Copilot CLI sessions, Cursor usage events and the vendors' IDE day rows in
//! Overview, Adoption and Replay; Gemini replies a `$rewindTo` went back over shown as
//! rewound in Replay's timeline while still counted. Real stores: one ingested from the
//! agents' files by the binary, one built by the demo, one written by the store API.

use crate::tui_support;

use agentdeck::store::directory::parse_members_csv;
use agentdeck::store::ops::Op;
use agentdeck::store::{Store, WriteBatch};
use agentdeck::tui::harness::Harness;
use agentdeck::tui::views::Model;
use chrono::{DateTime, TimeZone, Utc};
use std::path::Path;

fn command(h: &mut Harness, text: &str) {
    h.press(":");
    h.type_text(text);
    h.press("enter");
}

fn adoption(h: &Harness) -> agentdeck::tui::views::adoption::AdoptionModel {
    match h.state.model.as_ref() {
        Some(Model::Adoption(m)) => m.clone(),
        other => panic!("not on Adoption: {other:?}"),
    }
}

#[test]
fn adoption_lists_every_developer_with_role_and_tenure_from_the_directory_csv() {
    let (_d, store) = tui_support::seeded_store();
    // The CSV as `[directory] csv` names it; the same reader the config path uses.
    let (members, problems) = parse_members_csv(
        "email,team,role,started_on\n\
         ana@acme.dev,platform,Staff engineer,2024-10-01\n\
         gus@acme.dev,security,SRE,2025-12-01\n",
    )
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    store
        .writer()
        .apply_blocking(WriteBatch {
            ops: members.into_iter().map(Op::UpsertMember).collect(),
            ..WriteBatch::default()
        })
        .unwrap();
    let mut h = Harness::new(&store, tui_support::now(), chrono_tz::UTC, false).unwrap();
    h.press("4");
    let m = adoption(&h);
    assert_eq!(m.developers.len(), 7, "every developer of the directory");
    let ana = m
        .developers
        .iter()
        .find(|d| d.id == "ana@acme.dev")
        .unwrap();
    assert_eq!(ana.role.as_deref(), Some("Staff engineer"));
    // 2024-10-01 to 2026-01-15 (the fixed clock): 471 days.
    assert_eq!(ana.tenure_days, Some(471));
    // Low adopters come first.
    let first_normal = m.developers.iter().position(|d| !d.low).unwrap();
    assert!(m.developers[first_normal..].iter().all(|d| !d.low));
    let frame = h.render(120, 40);
    assert!(frame.contains("Staff engineer"), "{frame}");
    assert!(frame.contains("1y 3mo"), "{frame}");
    assert!(frame.contains("SRE"), "{frame}");
    assert!(frame.contains("45d"), "Gus started 45 days ago: {frame}");
    assert!(frame.contains("tenure"), "{frame}");
    // The row's detail spells out the start date.
    let row = m
        .developers
        .iter()
        .position(|d| d.id == "ana@acme.dev")
        .unwrap();
    for _ in 0..row {
        h.press("down");
    }
    h.press("enter");
    let frame = h.render(120, 40);
    assert!(frame.contains("started 2024-10-01"), "{frame}");
    assert!(frame.contains("Staff engineer"), "{frame}");
}

/// Ingests one agent's fixtures (`tests/fixtures/<fixture>`, read with `--<agent>-dir`) with
/// the binary, next to empty folders for the other agents.
fn ingested(agent: &str, fixture: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let mut args = vec![
        "--db".to_string(),
        db.display().to_string(),
        "ingest".into(),
    ];
    for a in ["claude", "codex", "gemini", "copilot"] {
        args.push(format!("--{a}-dir"));
        args.push(if a == agent {
            fixtures.display().to_string()
        } else {
            empty.display().to_string()
        });
    }
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    crate::common::run_ok(&args);
    (dir, db)
}

#[test]
fn copilot_cli_sessions_show_in_overview_adoption_and_replay() {
    // Copilot CLI sessions of 2026-05-02 and 05-03.
    let (_d, db) = ingested("copilot", "copilot");
    let store = Store::open(&db).unwrap();
    let now: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 5, 3, 12, 0, 0).unwrap();
    let mut h = Harness::new(&store, now, chrono_tz::UTC, false).unwrap();
    command(&mut h, "since 7d");

    h.press("1");
    let frame = h.render(120, 40);
    // The 05-03 session is today's; it was copilot's.
    let mix = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => m.figures.sessions_by_agent.clone(),
        other => panic!("{other:?}"),
    };
    assert!(mix.iter().any(|(a, n)| a == "copilot" && *n > 0), "{mix:?}");
    assert!(frame.contains("copilot"), "{frame}");
    assert!(!frame.contains("no spend in this period"), "{frame}");

    h.press("4");
    let m = adoption(&h);
    assert!(
        m.agents.iter().any(|(a, n, _)| a == "copilot" && *n == 1),
        "{:?}",
        m.agents
    );
    assert!(
        m.developers
            .iter()
            .any(|d| d.agents.contains(&"copilot".to_string())),
        "{:?}",
        m.developers
    );

    h.press("6");
    let sessions = match h.state.model.as_ref() {
        Some(Model::Replay(m)) => m.sessions.clone(),
        other => panic!("{other:?}"),
    };
    let w = sessions
        .iter()
        .find(|w| w.agents == ["copilot"] && w.branch == "feat/login")
        .unwrap_or_else(|| panic!("{sessions:?}"));
    assert!(w.cost.micro_usd() > 0 && w.tokens > 0, "{w:?}");
    let frame = h.render(160, 40);
    assert!(frame.contains("feat/login"), "{frame}");
}

#[test]
fn vendor_ide_days_and_cursor_events_show_in_overview_adoption_and_replay() {
    let (_d, store) = tui_support::seeded_store();
    let now = tui_support::now_ms();
    // A Cursor usage event as the poller stores it: a request of agent `cursor` in the
    // conversation's session, and Cursor's day row.
    let mut b = WriteBatch::default();
    tui_support::cursor_event(&mut b, "dee@acme.dev", "conv-1", now - 3_600_000);
    tui_support::vendor_day(&mut b, "cursor", "dee@acme.dev", now, 120, 40);
    store.writer().apply_blocking(b).unwrap();
    let mut h = Harness::new(&store, tui_support::now(), chrono_tz::UTC, false).unwrap();

    h.press("1");
    let vendor = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => m.figures.vendor_7d.clone(),
        other => panic!("{other:?}"),
    };
    // Seeded Copilot days (bo, cy; gus had none) and the Cursor day.
    assert!(
        vendor
            .iter()
            .any(|(s, devs, _, _)| s == "copilot" && *devs == 2),
        "{vendor:?}"
    );
    assert!(
        vendor
            .iter()
            .any(|(s, devs, _, _)| s == "cursor" && *devs == 1),
        "{vendor:?}"
    );
    let frame = h.render(120, 40);
    assert!(frame.contains("IDE 7d"), "{frame}");
    assert!(frame.contains("2 dev(s) · 24% accepted"), "{frame}");

    h.press("4");
    let m = adoption(&h);
    for source in ["copilot", "cursor"] {
        assert!(
            m.agents.iter().any(|(a, _, _)| a == source),
            "{source}: {:?}",
            m.agents
        );
    }
    let dee = m
        .developers
        .iter()
        .find(|d| d.id == "dee@acme.dev")
        .unwrap();
    assert!(dee.agents.contains(&"cursor".to_string()), "{dee:?}");

    h.press("6");
    let sessions = match h.state.model.as_ref() {
        Some(Model::Replay(m)) => m.sessions.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        sessions
            .iter()
            .any(|w| w.developer == "dee@acme.dev" && w.agents == ["cursor"]),
        "{sessions:?}"
    );
}

/// The Overview's top spenders take the height the panel has: more on a tall terminal, and
/// on a short one a last line counting those left out.
fn top_spend_fills_the_panel(h: &mut Harness) {
    let spenders: Vec<(String, String)> = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => m
            .top_spenders
            .iter()
            .map(|(d, c, u)| (d.clone(), agentdeck::tui::format::spend(*c, *u)))
            .collect(),
        other => panic!("{other:?}"),
    };
    assert!(
        spenders.len() > 12,
        "the demo has many spenders: {spenders:?}"
    );
    let shown = |frame: &str| {
        spenders
            .iter()
            .filter(|(dev, amount)| {
                frame
                    .lines()
                    .any(|l| l.contains(dev.as_str()) && l.contains(amount.as_str()))
            })
            .count()
    };
    let tall = h.render(160, 60);
    let short = h.render(160, 36);
    let (tall_n, short_n) = (shown(&tall), shown(&short));
    assert!(
        tall_n > short_n && tall_n > 8,
        "{tall_n} then {short_n}:\n{tall}"
    );
    if tall_n < spenders.len() {
        let more = format!("{} more: 3 Costs", spenders.len() - tall_n);
        assert!(tall.contains(&more), "{more}:\n{tall}");
    }
    let more = format!("{} more: 3 Costs", spenders.len() - short_n);
    assert!(short.contains(&more), "{more}:\n{short}");
}

#[test]
fn the_demo_org_shows_cursor_and_copilot_in_overview_adoption_and_replay() {
    let (_d, store) = agentdeck::demo::temp_store().unwrap();
    let now: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).unwrap();
    agentdeck::demo::build(&store, now, 42).unwrap();
    let mut h = Harness::new(&store, now, chrono_tz::UTC, false).unwrap();
    h.press("1");
    let (mix, vendor) = match h.state.model.as_ref() {
        Some(Model::Overview(m)) => (
            m.figures.sessions_by_agent.clone(),
            m.figures.vendor_7d.clone(),
        ),
        other => panic!("{other:?}"),
    };
    for agent in ["cursor", "copilot"] {
        assert!(mix.iter().any(|(a, _)| a == agent), "{agent}: {mix:?}");
        assert!(
            vendor.iter().any(|(s, d, _, _)| s == agent && *d > 0),
            "{agent}: {vendor:?}"
        );
    }
    top_spend_fills_the_panel(&mut h);
    // Today's unpriced requests are named in full where there is room, and shortened, not
    // cut, where there is not.
    let today = |frame: &str| {
        frame
            .lines()
            .find(|l| l.contains("today "))
            .unwrap_or_default()
            .to_string()
    };
    let wide = today(&h.render(160, 48));
    assert!(wide.contains(" unpriced requests"), "{wide}");
    let narrow = today(&h.render(80, 24));
    assert!(
        narrow.contains(" unpriced") && !narrow.contains("unpri…"),
        "{narrow}"
    );
    h.press("4");
    let m = adoption(&h);
    for agent in ["cursor", "copilot"] {
        assert!(
            m.agents.iter().any(|(a, n, _)| a == agent && *n > 0),
            "{agent}: {:?}",
            m.agents
        );
    }
    assert!(
        m.developers
            .iter()
            .all(|d| d.role.is_some() && d.tenure_days.is_some()),
        "the demo directory has a role and start date for everyone"
    );
    let frame = h.render(160, 48);
    assert!(frame.contains("engineer"), "{frame}");
    h.press("6");
    let sessions = match h.state.model.as_ref() {
        Some(Model::Replay(m)) => m.sessions.clone(),
        other => panic!("{other:?}"),
    };
    for agent in ["cursor", "copilot"] {
        assert!(
            sessions.iter().any(|w| w.agents.iter().any(|a| a == agent)),
            "{agent} in Replay"
        );
    }
}

#[test]
fn replay_marks_gemini_replies_a_rewind_went_back_over_and_still_counts_them() {
    let (_d, db) = ingested("gemini", "gemini");
    let store = Store::open(&db).unwrap();
    let now: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let mut h = Harness::new(&store, now, chrono_tz::UTC, false).unwrap();
    h.press("6");
    h.press("enter");
    let m = match h.state.model.as_ref() {
        Some(Model::Timeline(m)) => m.clone(),
        other => panic!("not on a timeline: {other:?}"),
    };
    // `$rewindTo m3` went back over the prompt m3 and the reply m4 (gemini-2.5-flash).
    let marked: Vec<&str> = m
        .lines
        .iter()
        .filter(|l| l.row.rewound)
        .map(|l| l.row.kind.as_str())
        .collect();
    assert_eq!(marked, ["prompt", "request"], "{:#?}", m.lines);
    let rewound: Vec<_> = m
        .lines
        .iter()
        .filter(|l| l.row.rewound && l.row.kind == "request")
        .collect();
    assert_eq!(rewound[0].row.name.as_deref(), Some("gemini-2.5-flash"));
    assert!(rewound[0].row.tokens > 0 && rewound[0].row.cost.micro_usd() > 0);
    // Still counted: the requests on the timeline sum to the session's cost.
    let listed: i64 = m
        .lines
        .iter()
        .filter(|l| l.row.kind == "request")
        .map(|l| l.row.cost.micro_usd())
        .sum();
    assert_eq!(listed, m.cost.micro_usd());
    assert_eq!(m.rewound, 1);
    let frame = h.render(160, 40);
    assert!(frame.contains("↶ rewound (still counted)"), "{frame}");
    assert!(frame.contains("1 rewound (counted)"), "{frame}");
    assert!(frame.contains("↶ went back"), "{frame}");
}

/// A store whose data begins inside the window (agentdeck installed on Monday): the days
/// before count neither as active nor as idle. A developer active every working day since
/// is no low adopter, and the weeks before the first data show no percentage.
#[test]
fn adoption_counts_from_the_first_day_with_data() {
    let (_d, store) = tui_support::empty_store();
    const DAY: i64 = 86_400_000;
    // The clock is Thursday 2026-01-15 14:30 UTC: Monday to Thursday of that week.
    for days_ago in 0..4 {
        let ts = tui_support::now_ms() - days_ago * DAY - 3_600_000;
        tui_support::spend_at(&store, "new@acme.dev", "api", 1_000, ts);
    }
    let mut h = Harness::new(&store, tui_support::now(), chrono_tz::UTC, false).unwrap();
    h.press("4");
    let m = adoption(&h);
    assert_eq!(
        m.counted_from,
        chrono::NaiveDate::from_ymd_opt(2026, 1, 12),
        "counted from Monday"
    );
    let dev = m
        .developers
        .iter()
        .find(|d| d.id == "new@acme.dev")
        .unwrap();
    assert_eq!((dev.active_days, dev.working_days), (4, 4), "{dev:?}");
    assert!(!dev.low, "active every working day since the first data");
    let team = &m.teams[0];
    assert!(
        team.weeks[..7].iter().all(|w| w.is_nan()),
        "{:?}",
        team.weeks
    );
    assert_eq!(team.weeks[7], 1.0);
    // Monday to Thursday: everyone; Friday to Sunday: no such day since the first data.
    assert_eq!(team.weekdays[..4], [1.0; 4]);
    assert!(
        team.weekdays[4..].iter().all(|w| w.is_nan()),
        "{:?}",
        team.weekdays
    );
    let frame = h.render(160, 48);
    assert!(frame.contains("counted from 01-12"), "{frame}");
}
