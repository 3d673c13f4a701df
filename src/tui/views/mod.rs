//! The screens: one module per view, each holding its view model (built once per data
//! change, off the UI task) and its pure drawing function. `chrome` draws the frame
//! around them: tabs, breadcrumbs, status bar, hints and overlays.

pub mod adoption;
pub mod alerts;
pub mod chrome;
pub mod costs;
pub mod live;
pub mod overview;
pub mod quality;
pub mod replay;
pub mod sources;
pub mod status;
pub mod timeline;

use super::keymap::Keymap;
use super::state::{Screen, ScreenKind, State};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;

/// The view model of whichever screen is on top.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    Overview(overview::OverviewModel),
    Live(live::LiveModel),
    Timeline(timeline::TimelineModel),
    Costs(costs::CostsModel),
    Adoption(adoption::AdoptionModel),
    Quality(quality::QualityModel),
    Replay(replay::ReplayModel),
    Alerts(alerts::AlertsModel),
    Sources(sources::SourcesModel),
}

impl Model {
    /// Searchable text of each selectable row.
    pub fn row_texts(&self) -> Vec<String> {
        match self {
            Model::Overview(m) => m.row_texts(),
            Model::Live(m) => m.row_texts(),
            Model::Timeline(m) => m.row_texts(),
            Model::Costs(m) => m.row_texts(),
            Model::Adoption(m) => m.row_texts(),
            Model::Quality(m) => m.row_texts(),
            Model::Replay(m) => m.row_texts(),
            Model::Alerts(m) => m.row_texts(),
            Model::Sources(m) => m.row_texts(),
        }
    }

    /// Number of selectable rows.
    pub fn row_count(&self) -> usize {
        match self {
            Model::Overview(m) => m.alerts.len(),
            Model::Live(m) => m.rows.len(),
            Model::Timeline(m) => m.lines.len(),
            Model::Costs(m) => m.rows.len(),
            Model::Adoption(m) => m.low.len(),
            Model::Quality(m) => m.facts.by_agent.len(),
            Model::Replay(m) => m.sessions.len(),
            Model::Alerts(m) => m.items.len(),
            Model::Sources(m) => m.lines.len(),
        }
    }

    /// A stable identity for row `i` (session id, alert id, group key…), so a selection
    /// survives a refresh that reorders rows. Keys of different screens never match.
    pub fn row_key(&self, i: usize) -> Option<String> {
        match self {
            Model::Overview(m) => m.alerts.get(i).map(|a| format!("overview:{}", a.id)),
            Model::Live(m) => m.rows.get(i).map(|r| format!("live:{}", r.session.id)),
            Model::Timeline(m) => m
                .lines
                .get(i)
                .map(|l| format!("line:{}:{}:{}", l.row.session_id, l.row.ts, l.row.kind)),
            Model::Costs(m) => m.rows.get(i).map(|r| format!("costs:{}", r.key)),
            Model::Adoption(m) => m.low.get(i).map(|l| format!("low:{}", l.developer)),
            Model::Quality(m) => m.facts.by_agent.get(i).map(|a| format!("agent:{}", a.0)),
            Model::Replay(m) => m
                .sessions
                .get(i)
                .and_then(|w| w.ids.first())
                .map(|id| format!("work:{id}")),
            Model::Alerts(m) => m.items.get(i).map(|a| format!("alert:{}", a.alert.id)),
            Model::Sources(m) => m
                .lines
                .get(i)
                .map(|l| format!("source:{}", l.status.source)),
        }
    }

    /// Indices of rows matching `filter` (case-insensitive; every word must match).
    pub fn visible(&self, filter: &str) -> Vec<usize> {
        if filter.trim().is_empty() {
            return (0..self.row_count()).collect();
        }
        let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
        self.row_texts()
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                let t = t.to_lowercase();
                words.iter().all(|w| t.contains(w.as_str()))
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// What drawing needs besides the model.
pub struct DrawCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub state: &'a State,
}

/// Draws the whole frame.
pub fn draw(f: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let ctx = DrawCtx {
        theme,
        keymap,
        state,
    };
    let body = chrome::draw_frame(f, &ctx);
    draw_body(f, body, &ctx);
    chrome::draw_overlay(f, &ctx);
}

fn draw_body(f: &mut Frame, area: Rect, ctx: &DrawCtx) {
    let screen = ctx.state.top();
    let Some(model) = &ctx.state.model else {
        let text = if let Some(e) = &ctx.state.error {
            format!("query failed: {e}")
        } else {
            "loading…".to_string()
        };
        f.render_widget(
            ratatui::widgets::Paragraph::new(text).style(ctx.theme.muted),
            area,
        );
        return;
    };
    let visible = model.visible(&screen.filter);
    match model {
        Model::Overview(m) => overview::draw(f, area, m, screen, &visible, ctx),
        Model::Live(m) => live::draw(f, area, m, screen, &visible, ctx),
        Model::Timeline(m) => timeline::draw(f, area, m, screen, &visible, ctx),
        Model::Costs(m) => costs::draw(f, area, m, screen, &visible, ctx),
        Model::Adoption(m) => adoption::draw(f, area, m, screen, &visible, ctx),
        Model::Quality(m) => quality::draw(f, area, m, screen, &visible, ctx),
        Model::Replay(m) => replay::draw(f, area, m, screen, &visible, ctx),
        Model::Alerts(m) => alerts::draw(f, area, m, screen, &visible, ctx),
        Model::Sources(m) => sources::draw(f, area, m, screen, &visible, ctx),
    }
}

/// Where the focused table of a screen sits inside the body (for paging and mouse clicks).
pub fn table_area(kind: &ScreenKind, body: Rect) -> Rect {
    match kind {
        ScreenKind::Overview => overview::table_area(body),
        ScreenKind::Live => live::table_area(body),
        ScreenKind::Session { .. } | ScreenKind::WorkSession { .. } => timeline::table_area(body),
        ScreenKind::Costs { .. } => costs::table_area(body),
        ScreenKind::Adoption => adoption::table_area(body),
        ScreenKind::Quality => quality::table_area(body),
        ScreenKind::Replay => replay::table_area(body),
        ScreenKind::Alerts => alerts::table_area(body),
        ScreenKind::Sources | ScreenKind::SourceDetail { .. } => sources::table_area(body),
    }
}

/// Selected row (filtered index) and offset to draw, for a table drawn with `visible`.
pub fn selection(screen: &Screen, visible: &[usize]) -> Option<usize> {
    (!visible.is_empty()).then(|| screen.selected.min(visible.len() - 1))
}
