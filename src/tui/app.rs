//! The console's runtime: owns the terminal and the state, turns terminal events, store
//! change notifications, timers and signals into messages, runs `update`, executes its
//! effects (queries in `spawn_blocking`, latest wins; writes through the store writer), and
//! redraws only after something changed.

use super::clock::SystemClock;
use super::keymap::Keymap;
use super::msg::{Effect, Msg};
use super::state::State;
use super::theme::Theme;
use super::{load, terminal, update, views};
use crate::store::ops::Op;
use crate::store::{Reader, Store, WriteBatch};
use chrono_tz::Tz;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// Everything the console needs, resolved by the CLI.
pub struct ConsoleConfig {
    pub store: Store,
    pub tz: Tz,
    pub read_only: bool,
    pub themes: Vec<Theme>,
    pub theme_index: usize,
    pub keymap: Keymap,
    /// Recorded as `acked_by`.
    pub who: String,
    /// Shown once at start (theme or keymap problems).
    pub warnings: Vec<String>,
    /// Shown at start when there is no warning (where the demo store lives).
    pub notice: Option<String>,
    /// How often ages are refreshed when nothing is written.
    pub tick: Duration,
}

const FRAME: Duration = Duration::from_millis(16);

/// One query slot: at most one query running, the newest waiting one replaces older ones.
struct Slot {
    reader: Arc<Mutex<Option<Reader>>>,
    busy: bool,
    pending: Option<Effect>,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            reader: Arc::new(Mutex::new(None)),
            busy: false,
            pending: None,
        }
    }
}

struct Runner {
    store: Store,
    tz: Tz,
    who: String,
    tx: UnboundedSender<Msg>,
    main: Slot,
    status: Slot,
}

fn with_reader<T>(
    store: &Store,
    slot: &Mutex<Option<Reader>>,
    f: impl FnOnce(&Reader) -> crate::store::Result<T>,
) -> Result<T, String> {
    let mut guard = slot
        .lock()
        .map_err(|_| "reader lock poisoned".to_string())?;
    if guard.is_none() {
        *guard = Some(store.reader().map_err(|e| e.to_string())?);
    }
    match guard.as_ref() {
        Some(r) => f(r).map_err(|e| e.to_string()),
        None => Err("no reader".into()),
    }
}

impl Runner {
    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Query { .. } => {
                if self.main.busy {
                    self.main.pending = Some(effect);
                } else {
                    self.main.busy = true;
                    self.spawn_query(effect);
                }
            }
            Effect::QueryStatus { .. } => {
                if self.status.busy {
                    self.status.pending = Some(effect);
                } else {
                    self.status.busy = true;
                    self.spawn_status(effect);
                }
            }
            Effect::AckAlert { id, note, at_ms } => {
                let by = self.who.clone();
                let op = Op::AckAlert {
                    id,
                    by: by.clone(),
                    note,
                    at: at_ms,
                };
                self.write(op, format!("alert #{id} acknowledged by {by}"));
            }
            Effect::SnoozeAlert { id, until_ms, span } => {
                let op = Op::SnoozeAlert {
                    id,
                    until: until_ms,
                    by: self.who.clone(),
                };
                self.write(op, format!("alert #{id} snoozed for {span}"));
            }
            Effect::ResolveAlert { id, at_ms } => {
                let op = Op::ResolveAlert {
                    id,
                    at: at_ms,
                    by: Some(self.who.clone()),
                    note: None,
                };
                self.write(op, format!("alert #{id} resolved"));
            }
            Effect::Export {
                path,
                replace,
                table,
            } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let done = super::export::write(&path, replace, &table)
                        .map(|n| format!("exported {n} rows to {}", path.display()))
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::WriteDone(done));
                });
            }
            Effect::Quit => {}
        }
    }

    fn spawn_query(&self, effect: Effect) {
        let Effect::Query {
            generation,
            request,
        } = effect
        else {
            return;
        };
        let (store, slot, tx, tz) = (
            self.store.clone(),
            self.main.reader.clone(),
            self.tx.clone(),
            self.tz,
        );
        tokio::task::spawn_blocking(move || {
            let result = with_reader(&store, &slot, |r| load::load(r, &request, tz)).map(Box::new);
            let _ = tx.send(Msg::Loaded { generation, result });
        });
    }

    fn spawn_status(&self, effect: Effect) {
        let Effect::QueryStatus { now_ms } = effect else {
            return;
        };
        let (store, slot, tx) = (
            self.store.clone(),
            self.status.reader.clone(),
            self.tx.clone(),
        );
        tokio::task::spawn_blocking(move || {
            match with_reader(&store, &slot, |r| views::status::load(r, now_ms)) {
                Ok(s) => {
                    let _ = tx.send(Msg::StatusLoaded(s));
                }
                Err(e) => tracing::warn!("status query failed: {e}"),
            }
        });
    }

    fn write(&self, op: Op, done: String) {
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let result = store
                .writer()
                .apply(WriteBatch {
                    ops: vec![op],
                    ..Default::default()
                })
                .await;
            let _ = tx.send(Msg::WriteDone(
                result.map(|_| done).map_err(|e| e.to_string()),
            ));
        });
    }

    /// Called when a result arrives: starts the query that waited, if any.
    fn finished(&mut self, msg: &Msg) {
        match msg {
            Msg::Loaded { .. } => {
                self.main.busy = false;
                if let Some(next) = self.main.pending.take() {
                    self.main.busy = true;
                    self.spawn_query(next);
                }
            }
            Msg::StatusLoaded(_) => {
                self.status.busy = false;
                if let Some(next) = self.status.pending.take() {
                    self.status.busy = true;
                    self.spawn_status(next);
                }
            }
            _ => {}
        }
    }
}

fn spawn_event_sources(tx: &UnboundedSender<Msg>, store: &Store, tick: Duration) {
    super::events::spawn_input(tx.clone());
    let mut changes = store.changes();
    let t = tx.clone();
    tokio::spawn(async move {
        while changes.changed().await.is_ok() {
            let counters = changes.borrow_and_update().clone();
            if t.send(Msg::StoreChanged(counters)).is_err() {
                break;
            }
        }
    });
    let t = tx.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(tick);
        every.tick().await;
        loop {
            every.tick().await;
            if t.send(Msg::Tick).is_err() {
                break;
            }
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let t = tx.clone();
        if let Ok(mut winch) = signal(SignalKind::window_change()) {
            tokio::spawn(async move {
                while winch.recv().await.is_some() {
                    if let Ok((w, h)) = crossterm::terminal::size()
                        && t.send(Msg::Resize(w, h)).is_err()
                    {
                        break;
                    }
                }
            });
        }
        for kind in [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
        ] {
            let t = tx.clone();
            if let Ok(mut s) = signal(kind) {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = t.send(Msg::Terminate);
                    }
                });
            }
        }
    }
}

fn draw(term: &mut terminal::Term, state: &State, themes: &[Theme]) -> std::io::Result<()> {
    let fallback = Theme::mono();
    let theme = themes.get(state.theme_index).unwrap_or(&fallback);
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::BeginSynchronizedUpdate
    )?;
    term.draw(|f| views::draw(f, state, theme, &state.keymap))?;
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EndSynchronizedUpdate
    )?;
    Ok(())
}

/// Runs the console until the user quits or a signal arrives; the terminal is restored on
/// every path out of here.
pub async fn run(cfg: ConsoleConfig) -> anyhow::Result<()> {
    let mut guard = terminal::enter()?;
    let (tx, mut rx) = unbounded_channel::<Msg>();
    spawn_event_sources(&tx, &cfg.store, cfg.tick);
    let clock = SystemClock;
    let names = cfg.themes.iter().map(|t| t.name.clone()).collect();
    let mut state = State::new(cfg.keymap.clone(), cfg.read_only, names, cfg.theme_index);
    state.tz = cfg.tz;
    if let Ok(size) = guard.terminal.size() {
        state.size = (size.width, size.height);
    }
    if let Some(w) = cfg.warnings.first() {
        state.flash = Some((w.clone(), super::state::FlashLevel::Error));
    } else if let Some(n) = &cfg.notice {
        state.flash = Some((n.clone(), super::state::FlashLevel::Info));
    }
    let mut runner = Runner {
        store: cfg.store.clone(),
        tz: cfg.tz,
        who: cfg.who.clone(),
        tx: tx.clone(),
        main: Slot::new(),
        status: Slot::new(),
    };
    for e in update::start(&mut state, &clock) {
        runner.run(e);
    }
    if let Err(e) = draw(&mut guard.terminal, &state, &cfg.themes) {
        // The terminal went away (closed pty, dropped SSH): nothing left to show or report to.
        tracing::warn!("terminal unavailable, closing the console: {e}");
        return Ok(());
    }
    let mut last_frame = Instant::now();
    while let Some(first) = rx.recv().await {
        let mut msg = Some(first);
        // Drain everything queued before drawing once.
        while let Some(m) = msg {
            runner.finished(&m);
            for e in update::update(&mut state, m, &clock) {
                runner.run(e);
            }
            msg = rx.try_recv().ok();
        }
        if state.quit {
            break;
        }
        let since = last_frame.elapsed();
        if since < FRAME {
            tokio::time::sleep(FRAME - since).await;
        }
        if let Err(e) = draw(&mut guard.terminal, &state, &cfg.themes) {
            tracing::warn!("terminal unavailable, closing the console: {e}");
            break;
        }
        last_frame = Instant::now();
    }
    drop(guard);
    Ok(())
}
