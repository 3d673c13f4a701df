//! Everything the console knows between two messages: the screen stack (with per-screen
//! selection, scroll and filter), the current view model, overlays, and view options.
//! Only `update` changes it; drawing reads it.

use super::input::LineInput;
use super::keymap::Keymap;
use super::views::Model;
use super::widgets::table::Sort;
pub use crate::domain::span::Period;
use crate::store::ChangeCounters;
use crate::store::queries::view_costs::CostDim;
use chrono::NaiveDate;
use chrono_tz::Tz;

/// The eight top-level views, numbered as on the tab bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViewId {
    Overview,
    Live,
    Costs,
    Adoption,
    Quality,
    Replay,
    Alerts,
    Sources,
}

impl ViewId {
    pub const ALL: [ViewId; 8] = [
        ViewId::Overview,
        ViewId::Live,
        ViewId::Costs,
        ViewId::Adoption,
        ViewId::Quality,
        ViewId::Replay,
        ViewId::Alerts,
        ViewId::Sources,
    ];

    pub fn number(self) -> usize {
        ViewId::ALL.iter().position(|v| *v == self).unwrap_or(0) + 1
    }

    pub fn name(self) -> &'static str {
        match self {
            ViewId::Overview => "overview",
            ViewId::Live => "live",
            ViewId::Costs => "costs",
            ViewId::Adoption => "adoption",
            ViewId::Quality => "quality",
            ViewId::Replay => "replay",
            ViewId::Alerts => "alerts",
            ViewId::Sources => "sources",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ViewId::Overview => "Overview",
            ViewId::Live => "Live",
            ViewId::Costs => "Costs",
            ViewId::Adoption => "Adoption",
            ViewId::Quality => "Quality",
            ViewId::Replay => "Replay",
            ViewId::Alerts => "Alerts",
            ViewId::Sources => "Sources",
        }
    }

    pub fn parse(s: &str) -> Option<ViewId> {
        let s = s.to_ascii_lowercase();
        ViewId::ALL
            .into_iter()
            .find(|v| v.name() == s || (s.len() >= 2 && v.name().starts_with(&s)))
    }
}

/// What one entry of the screen stack shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenKind {
    Overview,
    Live,
    /// One session's timeline (drilled from Live).
    Session {
        id: i64,
    },
    /// A level of the cost tree: the path of (dimension, value) drilled so far.
    Costs {
        path: Vec<(CostDim, String)>,
    },
    Adoption,
    Quality,
    Replay,
    /// One work session (several agent sessions) on a timeline.
    WorkSession {
        ids: Vec<i64>,
    },
    Alerts,
    Sources,
    /// The detail pane of one row of another screen (`parent`), found by its row key.
    Detail {
        parent: Box<ScreenKind>,
        key: String,
    },
}

impl ScreenKind {
    pub fn root(view: ViewId) -> ScreenKind {
        match view {
            ViewId::Overview => ScreenKind::Overview,
            ViewId::Live => ScreenKind::Live,
            ViewId::Costs => ScreenKind::Costs { path: Vec::new() },
            ViewId::Adoption => ScreenKind::Adoption,
            ViewId::Quality => ScreenKind::Quality,
            ViewId::Replay => ScreenKind::Replay,
            ViewId::Alerts => ScreenKind::Alerts,
            ViewId::Sources => ScreenKind::Sources,
        }
    }

    pub fn view(&self) -> ViewId {
        match self {
            ScreenKind::Overview => ViewId::Overview,
            ScreenKind::Live | ScreenKind::Session { .. } => ViewId::Live,
            ScreenKind::Costs { .. } => ViewId::Costs,
            ScreenKind::Adoption => ViewId::Adoption,
            ScreenKind::Quality => ViewId::Quality,
            ScreenKind::Replay | ScreenKind::WorkSession { .. } => ViewId::Replay,
            ScreenKind::Alerts => ViewId::Alerts,
            ScreenKind::Sources => ViewId::Sources,
            ScreenKind::Detail { parent, .. } => parent.view(),
        }
    }

    /// Whether the screen's numbers depend on the period (`p`, `[`, `]`, `:since`).
    pub fn uses_period(&self) -> bool {
        match self {
            ScreenKind::Overview
            | ScreenKind::Costs { .. }
            | ScreenKind::Adoption
            | ScreenKind::Quality
            | ScreenKind::Replay => true,
            ScreenKind::Detail { parent, .. } => parent.uses_period(),
            _ => false,
        }
    }
}

/// One entry of the navigation stack, remembering where the user was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub kind: ScreenKind,
    /// Breadcrumb label.
    pub label: String,
    /// Index into the filtered rows.
    pub selected: usize,
    /// First filtered row drawn.
    pub offset: usize,
    pub filter: String,
    /// The column the table is sorted by (`o` cycles, `O` reverses); `None` keeps the
    /// view's own order.
    pub sort: Option<Sort>,
}

impl Screen {
    pub fn new(kind: ScreenKind, label: impl Into<String>) -> Screen {
        Screen {
            kind,
            label: label.into(),
            selected: 0,
            offset: 0,
            filter: String::new(),
            sort: None,
        }
    }

    pub fn root(view: ViewId) -> Screen {
        Screen::new(ScreenKind::root(view), view.title())
    }
}

/// The root dimension of the cost tree (`g`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostGroup {
    Team,
    Agent,
    Model,
}

impl CostGroup {
    pub fn next(self) -> CostGroup {
        match self {
            CostGroup::Team => CostGroup::Agent,
            CostGroup::Agent => CostGroup::Model,
            CostGroup::Model => CostGroup::Team,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CostGroup::Team => "team",
            CostGroup::Agent => "agent",
            CostGroup::Model => "model",
        }
    }

    pub fn parse(s: &str) -> Option<CostGroup> {
        match s.to_ascii_lowercase().as_str() {
            "team" | "org" => Some(CostGroup::Team),
            "agent" => Some(CostGroup::Agent),
            "model" => Some(CostGroup::Model),
            _ => None,
        }
    }

    /// The drill order of dimensions for this grouping.
    pub fn hierarchy(self) -> [CostDim; 3] {
        match self {
            CostGroup::Team => [CostDim::Team, CostDim::Project, CostDim::Developer],
            CostGroup::Agent => [CostDim::Agent, CostDim::Model, CostDim::Developer],
            CostGroup::Model => [CostDim::Model, CostDim::Team, CostDim::Developer],
        }
    }
}

/// A modal layer over the screen.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Command(CommandLine),
    Filter(LineInput),
    /// Acknowledging an alert: the note being typed.
    AckNote {
        alert_id: i64,
        subject: String,
        note: Box<ratatui_textarea::TextArea<'static>>,
    },
}

/// The `:` line being edited: the text, where the user is in the history (`↑`/`↓`), and the
/// completions Tab offered last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub input: LineInput,
    /// Index into `State::history` while browsing it.
    pub history_pos: Option<usize>,
    /// The line as typed before browsing the history.
    pub draft: String,
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Error,
}

/// The whole console state.
#[derive(Debug, Clone)]
pub struct State {
    /// Never empty: the bottom is a root view.
    pub stack: Vec<Screen>,
    /// The model of the top screen (possibly from cache while a fresh one loads).
    pub model: Option<Model>,
    /// Models of screens seen recently, so going back never shows an empty frame.
    pub cache: Vec<(ScreenKind, Model)>,
    pub loading: bool,
    pub error: Option<String>,
    /// Generation of the newest query sent; older results are dropped.
    pub generation: u64,
    pub status: super::views::status::StatusModel,
    pub overlay: Option<Overlay>,
    pub flash: Option<(String, FlashLevel)>,
    pub period: Period,
    pub group: CostGroup,
    /// Costs shows billed amounts instead of estimates (`b`).
    pub billed: bool,
    pub follow: bool,
    pub weeks: bool,
    pub read_only: bool,
    pub theme_names: Vec<String>,
    pub theme_index: usize,
    pub size: (u16, u16),
    pub counters: ChangeCounters,
    pub keymap: Keymap,
    pub quit: bool,
    /// The zone days and months are cut in (`--tz`).
    pub tz: Tz,
    /// `:` commands run, oldest first (at most [`HISTORY_LIMIT`]).
    pub history: Vec<String>,
}

/// Commands kept in the `:` history.
pub const HISTORY_LIMIT: usize = 100;

impl State {
    pub fn new(
        keymap: Keymap,
        read_only: bool,
        theme_names: Vec<String>,
        theme_index: usize,
    ) -> State {
        State {
            stack: vec![Screen::root(ViewId::Overview)],
            model: None,
            cache: Vec::new(),
            loading: false,
            error: None,
            generation: 0,
            status: Default::default(),
            overlay: None,
            flash: None,
            period: Period::ThisMonth,
            group: CostGroup::Team,
            billed: false,
            follow: true,
            weeks: false,
            read_only,
            theme_names,
            theme_index,
            size: (80, 24),
            counters: ChangeCounters::new(),
            keymap,
            quit: false,
            tz: chrono_tz::UTC,
            history: Vec::new(),
        }
    }

    pub fn top(&self) -> &Screen {
        &self.stack[self.stack.len() - 1]
    }

    pub fn top_mut(&mut self) -> &mut Screen {
        let n = self.stack.len() - 1;
        &mut self.stack[n]
    }

    pub fn view(&self) -> ViewId {
        self.top().kind.view()
    }

    /// Today's local date at `now_ms`.
    pub fn today(&self, now_ms: i64) -> NaiveDate {
        crate::domain::period::local_date(now_ms, self.tz)
    }

    pub fn theme_name(&self) -> &str {
        self.theme_names
            .get(self.theme_index)
            .map(String::as_str)
            .unwrap_or("default")
    }
}
