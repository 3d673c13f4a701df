//! Snapshots of what the user sees: every view × {empty, populated} × {40×12, 80×24,
//! 120×40, 200×60}, plus drill-downs, detail panes, periods, sorting and overlays, drawn
//! with the `mono` theme on a TestBackend from a seeded store at a fixed instant.

use crate::tui_support;

use agentdeck::tui::harness::Harness;
use agentdeck::tui::state::ViewId;
use tui_support::{empty_store, now, seeded_store};

const SIZES: [(u16, u16); 4] = [(40, 12), (80, 24), (120, 40), (200, 60)];

fn snapshot_all_views(label: &str, store: &agentdeck::store::Store) {
    let mut h = Harness::new(store, now(), chrono_tz::UTC, false).unwrap();
    for view in ViewId::ALL {
        h.press(&view.number().to_string());
        for (w, hh) in SIZES {
            let frame = h.render(w, hh);
            insta::assert_snapshot!(format!("{}_{label}_{w}x{hh}", view.name()), frame);
        }
    }
}

#[test]
fn every_view_empty() {
    let (_dir, store) = empty_store();
    snapshot_all_views("empty", &store);
}

#[test]
fn every_view_populated() {
    let (_dir, store) = seeded_store();
    snapshot_all_views("populated", &store);
}

#[test]
fn query_errors_are_shown_with_the_last_data() {
    let (_dir, store) = seeded_store();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, false).unwrap();
    h.press("8");
    h.press("r");
    // The refresh's answer fails (as a locked or corrupt store would).
    let generation = h.state.generation;
    h.send(agentdeck::tui::msg::Msg::Loaded {
        generation,
        result: Err("database is locked".into()),
    });
    insta::assert_snapshot!("sources_error_80x24", h.render(80, 24));
    let (_dir2, empty) = empty_store();
    let mut h = Harness::new(&empty, now(), chrono_tz::UTC, false).unwrap();
    h.press("3");
    h.state.model = None;
    let g = h.state.generation;
    h.send(agentdeck::tui::msg::Msg::Loaded {
        generation: g,
        result: Err("no such table: rollups".into()),
    });
    insta::assert_snapshot!("costs_error_no_data_80x24", h.render(80, 24));
}

#[test]
fn drill_downs_and_overlays() {
    let (_dir, store) = seeded_store();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, false).unwrap();
    h.press("2");
    h.press("enter");
    insta::assert_snapshot!("live_session_timeline_120x40", h.render(120, 40));
    h.press("6");
    h.press("j"); // ana's work session: Claude Code, then Codex
    h.press("enter");
    insta::assert_snapshot!("replay_work_session_120x40", h.render(120, 40));
    h.press("3");
    h.press("enter");
    h.press("enter");
    insta::assert_snapshot!("costs_platform_api_120x40", h.render(120, 40));
    h.press("?");
    insta::assert_snapshot!("help_overlay_120x40", h.render(120, 40));
    h.press("esc");
    h.press("7");
    h.press("a");
    h.type_text("on it");
    insta::assert_snapshot!("alerts_ack_note_120x40", h.render(120, 40));
}

#[test]
fn detail_panes_periods_sorting_and_empty_states() {
    let (_dir, store) = seeded_store();
    let mut h = Harness::new(&store, now(), chrono_tz::UTC, false).unwrap();
    h.press("7");
    h.press("enter");
    insta::assert_snapshot!("alerts_detail_80x24", h.render(80, 24));
    insta::assert_snapshot!("alerts_detail_40x12", h.render(40, 12));
    h.press("8");
    h.press("G");
    h.press("enter");
    insta::assert_snapshot!("sources_detail_80x24", h.render(80, 24));
    h.press("2");
    h.press("d");
    insta::assert_snapshot!("live_session_detail_120x40", h.render(120, 40));
    h.press(":");
    h.type_text("costs since=90d by=model");
    h.press("enter");
    h.press(">");
    h.press(">");
    insta::assert_snapshot!("costs_by_model_90d_sorted_120x40", h.render(120, 40));
    h.press("2");
    h.press("/");
    h.type_text("nobody");
    insta::assert_snapshot!("live_filter_no_match_80x24", h.render(80, 24));
}
