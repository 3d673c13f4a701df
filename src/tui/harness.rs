//! A headless console for tests and benches: the real `update` and view loaders on a
//! store, a fixed clock, effects executed synchronously, frames drawn to a `TestBackend`.

use super::clock::{Clock, FixedClock};
use super::keymap::{KeyChord, Keymap};
use super::msg::{Effect, Msg};
use super::state::State;
use super::theme::Theme;
use super::{load, update, views};
use crate::store::ops::Op;
use crate::store::{Reader, Store, WriteBatch};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub struct Harness {
    pub state: State,
    pub clock: FixedClock,
    pub theme: Theme,
    /// Effects other than queries, in order (writes are also applied to the store).
    pub effects: Vec<Effect>,
    store: Store,
    reader: Reader,
    tz: Tz,
}

impl Harness {
    pub fn new(
        store: &Store,
        now: DateTime<Utc>,
        tz: Tz,
        read_only: bool,
    ) -> crate::store::Result<Harness> {
        let mut state = State::new(
            Keymap::default_map(read_only),
            read_only,
            vec!["mono".into()],
            0,
        );
        state.tz = tz;
        let mut h = Harness {
            state,
            clock: FixedClock(now),
            theme: Theme::mono(),
            effects: Vec::new(),
            store: store.clone(),
            reader: store.reader()?,
            tz,
        };
        let effects = update::start(&mut h.state, &h.clock);
        h.run(effects);
        Ok(h)
    }

    pub fn send(&mut self, msg: Msg) {
        let effects = update::update(&mut self.state, msg, &self.clock);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Query {
                    generation,
                    request,
                } => {
                    let result = load::load(&self.reader, &request, self.tz)
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    self.send(Msg::Loaded { generation, result });
                }
                Effect::QueryStatus { now_ms } => {
                    if let Ok(s) = views::status::load(&self.reader, now_ms) {
                        self.send(Msg::StatusLoaded(s));
                    }
                }
                Effect::AckAlert {
                    id,
                    ref note,
                    at_ms,
                } => {
                    let op = Op::AckAlert {
                        id,
                        by: "tester".into(),
                        note: note.clone(),
                        at: at_ms,
                    };
                    self.write(op, format!("alert #{id} acknowledged by tester"));
                    self.effects.push(e);
                }
                Effect::SnoozeAlert {
                    id,
                    until_ms,
                    ref span,
                } => {
                    self.write(
                        Op::SnoozeAlert {
                            id,
                            until: until_ms,
                            by: "tester".into(),
                        },
                        format!("alert #{id} snoozed for {span}"),
                    );
                    self.effects.push(e);
                }
                Effect::ResolveAlert { id, at_ms } => {
                    self.write(
                        Op::ResolveAlert {
                            id,
                            at: at_ms,
                            by: Some("tester".into()),
                            note: None,
                        },
                        format!("alert #{id} resolved"),
                    );
                    self.effects.push(e);
                }
                Effect::Export {
                    ref path,
                    replace,
                    ref table,
                } => {
                    let done = super::export::write(path, replace, table)
                        .map(|n| format!("exported {n} rows to {}", path.display()))
                        .map_err(|e| e.to_string());
                    self.send(Msg::WriteDone(done));
                    self.effects.push(e);
                }
                Effect::Quit => self.effects.push(e),
            }
        }
    }

    fn write(&mut self, op: Op, done: String) {
        let result = self.store.writer().apply_blocking(WriteBatch {
            ops: vec![op],
            ..Default::default()
        });
        self.send(Msg::WriteDone(
            result.map(|_| done).map_err(|e| e.to_string()),
        ));
        let counters = self.reader.change_counters().unwrap_or_default();
        self.send(Msg::StoreChanged(counters));
    }

    /// Presses one key given as in keymap.toml (`q`, `enter`, `esc`, `ctrl-c`, `:`).
    pub fn press(&mut self, key: &str) {
        let Some(chord) = KeyChord::parse(key) else {
            return;
        };
        let mut mods = KeyModifiers::NONE;
        if chord.ctrl {
            mods |= KeyModifiers::CONTROL;
        }
        if chord.alt {
            mods |= KeyModifiers::ALT;
        }
        self.send(Msg::Key(KeyEvent::new(chord.code, mods)));
    }

    /// Types text character by character.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(Msg::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.send(Msg::Resize(w, h));
    }

    /// The current frame at `w`×`h` as text, one line per row.
    pub fn render(&mut self, w: u16, h: u16) -> String {
        self.resize(w, h);
        let backend = TestBackend::new(w, h);
        let Ok(mut term) = Terminal::new(backend);
        let _ = term.draw(|f| views::draw(f, &self.state, &self.theme, &self.state.keymap));
        let buf = term.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let mut line = String::new();
            let mut x = 0;
            while x < w {
                // A wide character fills two cells; the second holds nothing of its own.
                let sym = buf[(x, y)].symbol();
                line.push_str(sym);
                x += super::widgets::columns::width(sym).max(1) as u16;
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
