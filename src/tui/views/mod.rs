//! The screens: one module per view, each holding its view model (built once per data
//! change, off the UI task, with its focused table already formatted) and its pure drawing
//! function. `chrome` draws the frame around them: tabs, breadcrumbs, status bar, hints and
//! overlays; `detail` is the pane Enter / `d` opens on any row; `empty` says why a table is
//! empty.

pub mod adoption;
pub mod alerts;
pub mod chrome;
pub mod costs;
pub mod detail;
pub mod empty;
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
use super::widgets::table::{Sort, TableData};
use detail::{DetailModel, When};
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
    Detail(DetailModel),
}

impl Model {
    /// The focused table: its rows are the selectable rows.
    pub fn table(&self) -> &TableData {
        match self {
            Model::Overview(m) => &m.table,
            Model::Live(m) => &m.table,
            Model::Timeline(m) => &m.table,
            Model::Costs(m) => &m.table,
            Model::Adoption(m) => &m.table,
            Model::Quality(m) => &m.table,
            Model::Replay(m) => &m.table,
            Model::Alerts(m) => &m.table,
            Model::Sources(m) => &m.table,
            Model::Detail(m) => &m.table,
        }
    }

    /// Searchable text of each selectable row: every cell, plus what a view adds.
    pub fn row_texts(&self) -> Vec<String> {
        let extra = match self {
            Model::Alerts(m) => m.row_texts(),
            Model::Sources(m) => m.row_texts(),
            Model::Replay(m) => m.row_texts(),
            _ => Vec::new(),
        };
        self.table()
            .rows
            .iter()
            .enumerate()
            .map(|(i, cells)| {
                let mut t: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
                if let Some(e) = extra.get(i) {
                    t.push(e);
                }
                t.join(" ")
            })
            .collect()
    }

    /// Number of selectable rows.
    pub fn row_count(&self) -> usize {
        self.table().len()
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
            Model::Adoption(m) => m.developers.get(i).map(|d| format!("dev:{}", d.id)),
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
            Model::Detail(m) => m.fields.get(i).map(|(k, _)| format!("field:{k}")),
        }
    }

    /// The row whose key is `key`.
    pub fn find(&self, key: &str) -> Option<usize> {
        (0..self.row_count()).find(|&i| self.row_key(i).as_deref() == Some(key))
    }

    /// The detail pane of row `i`.
    pub fn detail(&self, i: usize, when: When) -> Option<DetailModel> {
        match self {
            Model::Overview(m) => m.alerts.get(i).map(overview::detail),
            Model::Live(m) => m.rows.get(i).map(|r| live::detail(r, when)),
            Model::Timeline(m) => m.lines.get(i).map(|l| timeline::detail(l, when)),
            Model::Costs(m) => m.rows.get(i).map(|r| costs::detail(m, r)),
            Model::Adoption(m) => m.developers.get(i).map(adoption::detail),
            Model::Quality(m) => quality_detail(m, i),
            Model::Replay(m) => m.sessions.get(i).map(|w| replay::detail(w, when)),
            Model::Alerts(m) => alerts_detail(m, i, when),
            Model::Sources(m) => m.lines.get(i).map(detail::source),
            Model::Detail(_) => None,
        }
    }

    /// Indices of rows matching `filter` (case-insensitive; every word must match), in the
    /// order of `sort` (else the view's own order).
    pub fn visible(&self, filter: &str, sort: Option<Sort>) -> Vec<usize> {
        let mut rows: Vec<usize> = if filter.trim().is_empty() {
            (0..self.row_count()).collect()
        } else {
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
        };
        if let Some(sort) = sort {
            self.table().sort(&mut rows, sort);
        }
        rows
    }
}

// The detail panes of the views other helpers own live here, so their files stay theirs.
fn quality_detail(m: &quality::QualityModel, i: usize) -> Option<DetailModel> {
    let (agent, prs, merged, reverted) = m.facts.by_agent.get(i)?;
    Some(DetailModel::new(
        format!("agent {agent}"),
        vec![
            ("agent".into(), agent.clone()),
            ("AI-assisted PRs".into(), prs.to_string()),
            ("merged".into(), merged.to_string()),
            ("reverted".into(), reverted.to_string()),
            ("merge rate".into(), super::format::percent(*merged, *prs)),
        ],
    ))
}

fn alerts_detail(m: &alerts::AlertsModel, i: usize, when: When) -> Option<DetailModel> {
    let it = m.items.get(i)?;
    let row = &it.alert.row;
    let earlier: Vec<&crate::store::queries::alerts_admin::StoredAlert> = m
        .items
        .iter()
        .map(|x| &x.alert)
        .filter(|a| {
            a.id != it.alert.id
                && a.row.rule == row.rule
                && a.row.subject == row.subject
                && a.row.fired_at <= row.fired_at
        })
        .collect();
    Some(detail::alert(&it.alert, &earlier, when))
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
    let visible = model.visible(&screen.filter, screen.sort);
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
        Model::Detail(m) => detail::draw(f, area, m, screen, ctx),
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
        ScreenKind::Sources => sources::table_area(body),
        ScreenKind::Detail { .. } => detail::table_area(body),
    }
}

/// Selected row (filtered index) and offset to draw, for a table drawn with `visible`.
pub fn selection(screen: &Screen, visible: &[usize]) -> Option<usize> {
    (!visible.is_empty()).then(|| screen.selected.min(visible.len() - 1))
}
