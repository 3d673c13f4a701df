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
    let model = Model::Sources(SourcesModel::new(vec![], vec![]));
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
    assert_eq!(s.period, Period::LastDays(7));
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
    assert!(text.contains("forever") && text.contains("90d"), "{text}");
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
    assert_eq!(s.period, Period::LastMonth);
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
        full: Vec::new(),
    };
    let model = |names: &[&str]| {
        Box::new(Model::Sources(SourcesModel::new(
            names.iter().map(|n| line(n)).collect(),
            vec![],
        )))
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

fn command(s: &mut State, text: &str) -> Vec<Effect> {
    update(s, key(':'), &clock());
    for c in text.chars() {
        update(s, key(c), &clock());
    }
    update(s, code(KeyCode::Enter), &clock())
}

fn flash(s: &State) -> String {
    s.flash.clone().map(|f| f.0).unwrap_or_default()
}

#[test]
fn brackets_step_the_period_and_requery_views_that_show_it() {
    let mut s = state(false);
    update(&mut s, key('3'), &clock());
    let effects = update(&mut s, key('['), &clock());
    assert_eq!(s.period, Period::LastMonth);
    assert_eq!(queries(&effects).len(), 1);
    assert!(
        flash(&s).contains("2025-12-01 – 2025-12-31"),
        "{}",
        flash(&s)
    );
    update(&mut s, key('['), &clock());
    assert_eq!(s.period.to_string(), "2025-11");
    update(&mut s, key(']'), &clock());
    update(&mut s, key(']'), &clock());
    assert_eq!(s.period, Period::ThisMonth);
    // Nothing after today.
    let effects = update(&mut s, key(']'), &clock());
    assert!(queries(&effects).is_empty());
    assert!(flash(&s).contains("already reaches today"), "{}", flash(&s));
    // Live does not depend on the period: no query.
    update(&mut s, key('2'), &clock());
    assert!(queries(&update(&mut s, key('['), &clock())).is_empty());
}

#[test]
fn period_commands_cover_spans_dates_ranges_and_last() {
    let mut s = state(false);
    update(&mut s, key('3'), &clock());
    command(&mut s, "since 90d");
    assert_eq!(s.period, Period::LastDays(90));
    command(&mut s, "since 2025-11-01");
    assert_eq!(s.period.to_string(), "since 2025-11-01");
    command(&mut s, "until 2025-11-30");
    assert_eq!(s.period.to_string(), "2025-11-01..2025-11-30");
    command(&mut s, "range 2025-12-01..2025-12-31");
    assert_eq!(s.period, Period::LastMonth);
    command(&mut s, "last month");
    assert_eq!(s.period, Period::LastMonth);
    command(&mut s, "period 30d");
    assert_eq!(s.period, Period::LastDays(30));
    let effects = command(&mut s, "since forever");
    assert!(queries(&effects).is_empty());
    assert!(flash(&s).contains("`forever`"), "{}", flash(&s));
    assert_eq!(
        s.period,
        Period::LastDays(30),
        "a bad period changes nothing"
    );
    command(&mut s, "since 2026-09-01");
    assert!(flash(&s).contains("future"), "{}", flash(&s));
    command(&mut s, "costs since=90d");
    assert_eq!(s.period, Period::LastDays(90));
}

#[test]
fn the_command_line_has_history_and_tab_completion() {
    let mut s = state(false);
    command(&mut s, "since 7d");
    command(&mut s, "alerts");
    update(&mut s, key(':'), &clock());
    update(&mut s, key('x'), &clock());
    let line = |s: &State| match &s.overlay {
        Some(Overlay::Command(l)) => l.input.text.clone(),
        other => panic!("{other:?}"),
    };
    update(&mut s, code(KeyCode::Up), &clock());
    assert_eq!(line(&s), "alerts");
    update(&mut s, code(KeyCode::Up), &clock());
    assert_eq!(line(&s), "since 7d");
    update(&mut s, code(KeyCode::Up), &clock());
    assert_eq!(line(&s), "since 7d", "the oldest stays");
    update(&mut s, code(KeyCode::Down), &clock());
    assert_eq!(line(&s), "alerts");
    update(&mut s, code(KeyCode::Down), &clock());
    assert_eq!(line(&s), "x", "back to what was typed");
    update(&mut s, code(KeyCode::Backspace), &clock());
    for c in "la".chars() {
        update(&mut s, key(c), &clock());
    }
    update(&mut s, code(KeyCode::Tab), &clock());
    assert_eq!(line(&s), "last ");
    for c in "mo".chars() {
        update(&mut s, key(c), &clock());
    }
    update(&mut s, code(KeyCode::Tab), &clock());
    assert_eq!(line(&s), "last month ");
    update(&mut s, code(KeyCode::Enter), &clock());
    assert_eq!(s.period, Period::LastMonth);
    assert_eq!(s.history.last().map(String::as_str), Some("last month"));
}

#[test]
fn read_only_write_keys_flash_instead_of_doing_nothing() {
    let mut s = state(true);
    update(&mut s, key('7'), &clock());
    let effects = update(&mut s, key('a'), &clock());
    assert!(effects.is_empty());
    assert!(
        flash(&s).contains("read-only: acknowledging is disabled"),
        "{}",
        flash(&s)
    );
    update(&mut s, key('R'), &clock());
    assert!(flash(&s).contains("resolving"), "{}", flash(&s));
    // A key bound to nothing stays silent.
    update(&mut s, key('Z'), &clock());
    assert!(s.flash.is_none());
}

#[test]
fn sort_keys_cycle_columns_and_reverse() {
    use agentdeck::store::queries::source_status::SourceStatus;
    use agentdeck::tui::views::sources::SourceLine;
    use agentdeck::tui::widgets::table::{Dir, Sort};
    let line = |name: &str, rows: i64| SourceLine {
        status: SourceStatus {
            source: name.into(),
            kind: "files".into(),
            last_success: None,
            last_error_at: None,
            last_error: None,
            rows,
        },
        state: "✓ ok",
        last_success: String::new(),
        last_error: String::new(),
        full: Vec::new(),
    };
    let mut s = state(false);
    update(&mut s, key('8'), &clock());
    let g = s.generation;
    update(
        &mut s,
        Msg::Loaded {
            generation: g,
            result: Ok(Box::new(Model::Sources(SourcesModel::new(
                vec![line("b", 5), line("a", 50), line("c", 1)],
                vec![],
            )))),
        },
        &clock(),
    );
    update(&mut s, key('>'), &clock());
    assert_eq!(
        s.top().sort,
        Some(Sort {
            column: 0,
            dir: Dir::Asc
        })
    );
    update(&mut s, key('>'), &clock());
    assert_eq!(
        s.top().sort,
        Some(Sort {
            column: 1,
            dir: Dir::Asc
        })
    );
    let m = s.model.clone().unwrap();
    assert_eq!(m.visible("", s.top().sort), vec![1, 0, 2]);
    update(&mut s, key('I'), &clock());
    assert_eq!(m.visible("", s.top().sort), vec![2, 0, 1]);
    // The rows column sorts biggest first.
    for _ in 0..3 {
        update(&mut s, key('>'), &clock());
    }
    assert_eq!(
        s.top().sort,
        Some(Sort {
            column: 4,
            dir: Dir::Desc
        })
    );
    assert_eq!(m.visible("", s.top().sort), vec![1, 0, 2]);
    assert!(flash(&s).contains("rows ▼"), "{}", flash(&s));
    update(&mut s, key('<'), &clock());
    assert_eq!(s.top().sort.map(|x| x.column), Some(3));
}
