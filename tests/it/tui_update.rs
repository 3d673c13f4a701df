//! `update` in isolation: messages in, state and effects out — no terminal, no store.

use agentdeck::tui::clock::FixedClock;
use agentdeck::tui::keymap::Keymap;
use agentdeck::tui::msg::{Effect, Msg};
use agentdeck::tui::state::{Overlay, Period, ScreenKind, State, ViewId};
use agentdeck::tui::update::{start, update};
use agentdeck::tui::views::Model;
use agentdeck::tui::views::sources::SourcesModel;
use chrono::TimeZone;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn clock() -> FixedClock {
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2026, 1, 15, 14, 30, 0)
            .unwrap(),
    )
}

fn state(read_only: bool) -> State {
    State::new(
        Keymap::default_map(read_only),
        read_only,
        vec!["default".into(), "mono".into()],
        0,
    )
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(k: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

fn queries(effects: &[Effect]) -> Vec<&ScreenKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Query { request, .. } => Some(&request.screen),
            _ => None,
        })
        .collect()
}

#[test]
fn start_loads_overview_and_status() {
    let mut s = state(false);
    let effects = start(&mut s, &clock());
    assert_eq!(queries(&effects), vec![&ScreenKind::Overview]);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::QueryStatus { .. }))
    );
    assert!(s.loading);
}

#[test]
fn digits_jump_to_views_and_query_them() {
    let mut s = state(false);
    for view in ViewId::ALL {
        let effects = update(
            &mut s,
            key(char::from(b'0' + view.number() as u8)),
            &clock(),
        );
        assert_eq!(s.view(), view);
        assert_eq!(queries(&effects), vec![&ScreenKind::root(view)]);
        assert_eq!(s.stack.len(), 1);
    }
}

#[test]
fn older_query_results_are_dropped() {
    let mut s = state(false);
    update(&mut s, key('8'), &clock());
    let first = s.generation;
    update(&mut s, key('r'), &clock());
    let model = Model::Sources(SourcesModel::default());
    update(
        &mut s,
        Msg::Loaded {
            generation: first,
            result: Ok(Box::new(model.clone())),
        },
        &clock(),
    );
    assert!(s.model.is_none(), "a superseded answer must not be shown");
    let latest = s.generation;
    update(
        &mut s,
        Msg::Loaded {
            generation: latest,
            result: Ok(Box::new(model)),
        },
        &clock(),
    );
    assert!(s.model.is_some());
    assert!(!s.loading);
}

#[test]
fn command_mode_opens_costs_with_arguments_and_breadcrumbs() {
    let mut s = state(false);
    update(&mut s, key(':'), &clock());
    assert!(matches!(s.overlay, Some(Overlay::Command(_))));
    for c in "costs team=platform since=7d".chars() {
        update(&mut s, key(c), &clock());
    }
    let effects = update(&mut s, code(KeyCode::Enter), &clock());
    assert!(s.overlay.is_none());
    assert_eq!(s.period, Period::Days7);
    assert_eq!(
        s.stack.iter().map(|x| x.label.as_str()).collect::<Vec<_>>(),
        vec!["Costs", "platform"]
    );
    assert_eq!(queries(&effects).len(), 1);
    // Esc goes back one level.
    update(&mut s, code(KeyCode::Esc), &clock());
    assert_eq!(s.stack.len(), 1);
}

#[test]
fn bad_commands_say_why() {
    let mut s = state(false);
    update(&mut s, key(':'), &clock());
    for c in "costs since=forever".chars() {
        update(&mut s, key(c), &clock());
    }
    update(&mut s, code(KeyCode::Enter), &clock());
    let (text, _) = s.flash.clone().unwrap();
    assert!(text.contains("today, 7d, 30d or month"), "{text}");
}

#[test]
fn filter_edits_the_focused_table_and_esc_clears_it() {
    let mut s = state(false);
    update(&mut s, key('2'), &clock());
    update(&mut s, key('/'), &clock());
    for c in "ana".chars() {
        update(&mut s, key(c), &clock());
    }
    assert_eq!(s.top().filter, "ana");
    update(&mut s, code(KeyCode::Enter), &clock());
    assert!(s.overlay.is_none());
    assert_eq!(s.top().filter, "ana");
    update(&mut s, code(KeyCode::Esc), &clock());
    assert_eq!(s.top().filter, "");
}

#[test]
fn read_only_unbinds_writing_actions() {
    let mut s = state(true);
    update(&mut s, key('7'), &clock());
    let effects = update(&mut s, key('a'), &clock());
    assert!(effects.is_empty());
    assert!(s.overlay.is_none());
    assert!(
        s.keymap
            .keys_for(agentdeck::tui::action::Action::Acknowledge)
            .is_empty()
    );
    assert!(
        s.keymap
            .help_lines()
            .iter()
            .any(|(k, d, _)| k == "(read-only)" && d.contains("acknowledge"))
    );
}

#[test]
fn period_and_group_cycle_and_requery_costs() {
    let mut s = state(false);
    update(&mut s, key('3'), &clock());
    let effects = update(&mut s, key('p'), &clock());
    assert_eq!(s.period, Period::Today);
    assert_eq!(queries(&effects).len(), 1);
    let effects = update(&mut s, key('g'), &clock());
    assert_eq!(queries(&effects).len(), 1);
    assert_eq!(s.group.label(), "agent");
}

#[test]
fn quit_and_signals_end_the_loop() {
    let mut s = state(false);
    assert_eq!(update(&mut s, key('q'), &clock()), vec![Effect::Quit]);
    let mut s = state(false);
    assert_eq!(update(&mut s, Msg::Terminate, &clock()), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn store_changes_requery_only_when_counters_move() {
    let mut s = state(false);
    let mut counters = agentdeck::store::ChangeCounters::new();
    counters.insert("requests".into(), 3);
    assert!(!update(&mut s, Msg::StoreChanged(counters.clone()), &clock()).is_empty());
    assert!(update(&mut s, Msg::StoreChanged(counters), &clock()).is_empty());
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut s = state(false);
    update(&mut s, key('?'), &clock());
    assert!(matches!(s.overlay, Some(Overlay::Help { .. })));
    let lines = s.keymap.help_lines();
    assert!(
        lines
            .iter()
            .any(|(k, d, w)| k.contains('a') && d.contains("acknowledge") && *w)
    );
    update(&mut s, code(KeyCode::Esc), &clock());
    assert!(s.overlay.is_none());
}

#[test]
fn user_keymap_overrides_defaults() {
    let file: agentdeck::tui::keymap::KeymapFile =
        toml::from_str("[bindings]\nquit = [\"x\"]\nnope = \"z\"\n").unwrap();
    let (map, warnings) = Keymap::build(&file, false);
    let mut s = State::new(map, false, vec![], 0);
    assert_eq!(warnings.len(), 1);
    assert!(update(&mut s, key('q'), &clock()).is_empty());
    assert_eq!(update(&mut s, key('x'), &clock()), vec![Effect::Quit]);
}

#[test]
fn selection_follows_its_row_when_a_refresh_reorders_the_table() {
    use agentdeck::store::queries::source_status::SourceStatus;
    use agentdeck::tui::views::sources::SourceLine;
    let line = |name: &str| SourceLine {
        status: SourceStatus {
            source: name.into(),
            kind: "files".into(),
            last_success: None,
            last_error_at: None,
            last_error: None,
            rows: 0,
        },
        state: "✓ ok",
        last_success: String::new(),
        last_error: String::new(),
    };
    let model = |names: &[&str]| {
        Box::new(Model::Sources(SourcesModel {
            lines: names.iter().map(|n| line(n)).collect(),
            next: vec![],
            ..Default::default()
        }))
    };
    let mut s = state(false);
    update(&mut s, key('8'), &clock());
    let g = s.generation;
    update(
        &mut s,
        Msg::Loaded {
            generation: g,
            result: Ok(model(&["a", "b", "c"])),
        },
        &clock(),
    );
    update(&mut s, code(KeyCode::Down), &clock());
    assert_eq!(s.top().selected, 1);
    update(&mut s, key('r'), &clock());
    let g = s.generation;
    update(
        &mut s,
        Msg::Loaded {
            generation: g,
            result: Ok(model(&["new", "a", "c", "b"])),
        },
        &clock(),
    );
    assert_eq!(s.top().selected, 3, "still on `b`");
}
