//! The detail pane (Enter or `d` on a row of any view): every field of that row — a
//! session's metadata, an alert's history with its note's line breaks, a source's error in
//! full — wrapped to the width. Enter opens what the row points at; Esc goes back.
//!
//! ```text
//! ┌ alert #12 · budget_breach · team:platform ──────────────────────────┐
//! │▶ state      ▲ CRIT firing                                            │
//! │  note       rolled back the batch job                                │
//! │             (second line of the note)                                │
//! └ ⏎ open team:platform · esc back ────────────────────────────────────┘
//! ```

use super::DrawCtx;
use super::sources::SourceLine;
use crate::domain::alert_rules::Unit;
use crate::domain::alerts::AlertState;
use crate::store::queries::alerts_admin::StoredAlert;
use crate::tui::format;
use crate::tui::state::{Screen, ScreenKind};
use crate::tui::widgets::columns::{self, Column};
use crate::tui::widgets::table::{Cell, TableData};
use crate::tui::widgets::wrap;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// What Enter opens from a detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Open {
    /// An alert subject (`team:platform`, `source:cursor`, …).
    Subject(String),
    Screen(ScreenKind, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailModel {
    pub title: String,
    /// (label, value); a value may hold line breaks.
    pub fields: Vec<(String, String)>,
    pub open: Option<Open>,
    /// The alert shown, so acknowledge, snooze and resolve work from here.
    pub alert: Option<(i64, String, AlertState)>,
    /// The fields as a two-column table (selection, filter and export).
    pub table: TableData,
}

impl DetailModel {
    pub fn new(title: String, fields: Vec<(String, String)>) -> DetailModel {
        let rows = fields
            .iter()
            .map(|(k, v)| vec![Cell::new(k.clone()), Cell::new(v.clone())])
            .collect();
        DetailModel {
            title,
            table: TableData::new(
                vec![Column::text("field", 0, 8), Column::text("value", 0, 10)],
                rows,
            ),
            fields,
            open: None,
            alert: None,
        }
    }

    pub fn opening(mut self, open: Open) -> DetailModel {
        self.open = Some(open);
        self
    }

    /// The pane shown when the row it described is gone (resolved and purged, filtered out
    /// by a new period, …).
    pub fn gone(key: &str) -> DetailModel {
        DetailModel::new(
            "no longer here".into(),
            vec![(
                "row".into(),
                format!("`{key}` is no longer in this view (its data changed); esc goes back"),
            )],
        )
    }
}

/// Clock and zone for absolute times in details.
#[derive(Debug, Clone, Copy)]
pub struct When {
    pub now_ms: i64,
    pub tz: Tz,
}

impl When {
    /// `2026-01-15 14:05 (2h 05m ago)`.
    pub fn at(&self, ts_ms: i64) -> String {
        let local = chrono::DateTime::from_timestamp_millis(ts_ms)
            .map(|t| {
                t.with_timezone(&self.tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        format!("{local} ({})", format::ago(ts_ms, self.now_ms))
    }
}

fn value_text(v: Option<f64>, unit: Option<Unit>) -> String {
    let unit = unit.unwrap_or(Unit::Count);
    v.map(|x| unit.format(x)).unwrap_or_else(|| "–".into())
}

/// An alert with its history: this instance's lifecycle and the earlier firings of the same
/// rule on the same subject.
pub fn alert(a: &StoredAlert, earlier: &[&StoredAlert], when: When) -> DetailModel {
    let r = &a.row;
    let mut history = vec![format!("fired {}", when.at(r.fired_at))];
    if let Some(t) = r.acked_at {
        history.push(format!(
            "acknowledged {} by {}",
            when.at(t),
            r.acked_by.as_deref().unwrap_or("someone")
        ));
    }
    if let Some(t) = r.snoozed_until {
        history.push(format!("snoozed until {}", when.at(t)));
    }
    if let Some(t) = r.resolved_at {
        history.push(format!("resolved {}", when.at(t)));
    }
    let mut fields = vec![
        (
            "state".to_string(),
            super::overview::severity_tag(r.severity.as_str(), r.state),
        ),
        ("rule".into(), r.rule.clone()),
        ("subject".into(), r.subject.clone()),
        ("message".into(), r.message.clone()),
        ("value".into(), value_text(r.value, r.unit)),
        ("threshold".into(), value_text(r.threshold, r.unit)),
        ("history".into(), history.join("\n")),
        (
            "note".into(),
            r.note
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "–".into()),
        ),
    ];
    if !earlier.is_empty() {
        let lines: Vec<String> = earlier
            .iter()
            .take(10)
            .map(|e| {
                format!(
                    "#{} fired {} · {}",
                    e.id,
                    when.at(e.row.fired_at),
                    e.row.state.as_str()
                )
            })
            .collect();
        fields.push(("earlier firings".into(), lines.join("\n")));
    }
    let mut d = DetailModel::new(
        format!("alert #{} · {} · {}", a.id, r.rule, r.subject),
        fields,
    )
    .opening(Open::Subject(r.subject.clone()));
    d.alert = Some((a.id, r.subject.clone(), r.state));
    d
}

/// A source with its error in full and what to do about it.
pub fn source(l: &SourceLine) -> DetailModel {
    let s = &l.status;
    DetailModel::new(
        format!("source {}", s.source),
        vec![
            ("state".into(), l.state.to_string()),
            ("source".into(), s.source.clone()),
            ("kind".into(), s.kind.clone()),
            ("last success".into(), l.last_success.clone()),
            ("rows".into(), s.rows.to_string()),
            (
                "last error".into(),
                s.last_error.clone().unwrap_or_else(|| "–".into()),
            ),
            ("error seen".into(), l.last_error.clone()),
            ("health".into(), l.full.join("\n")),
        ],
    )
}

pub fn table_area(body: Rect) -> Rect {
    body
}

/// Lines of field `i` at `width` cells for values, the first carrying the label.
fn field_lines(label: &str, value: &str, label_w: usize, width: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (n, part) in value.split('\n').enumerate() {
        for (m, piece) in wrap(part, width).into_iter().enumerate() {
            let l = if n == 0 && m == 0 {
                columns::pad(label, label_w, columns::Align::Left)
            } else {
                " ".repeat(label_w)
            };
            out.push((l, piece));
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, m: &DetailModel, screen: &Screen, ctx: &DrawCtx) {
    let t = ctx.theme;
    let mut hints = Vec::new();
    if let Some(open) = &m.open {
        hints.push(match open {
            Open::Subject(s) => format!("⏎ open {s}"),
            Open::Screen(_, label) => format!("⏎ open {label}"),
        });
    }
    if m.alert.is_some() && !ctx.state.read_only {
        hints.push("a ack · s snooze · R resolve".into());
    }
    hints.push("esc back".into());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focused)
        .title(Span::styled(format!(" {} ", m.title), t.title))
        .title_bottom(Line::from(Span::styled(
            format!(" {} ", hints.join(" · ")),
            t.muted,
        )));
    let inner = block.inner(area);
    let label_w = m
        .fields
        .iter()
        .map(|(k, _)| columns::width(k))
        .max()
        .unwrap_or(0)
        .min(18);
    let value_w = (inner.width as usize).saturating_sub(label_w + 3).max(8);
    let selected = screen.selected.min(m.fields.len().saturating_sub(1));
    let mut lines = Vec::new();
    for (i, (k, v)) in m.fields.iter().enumerate().skip(screen.offset) {
        for (j, (label, value)) in field_lines(k, v, label_w, value_w).into_iter().enumerate() {
            let marker = if i == selected && j == 0 {
                "▶ "
            } else {
                "  "
            };
            let style = if i == selected { t.selection } else { t.text };
            lines.push(Line::from(vec![
                Span::styled(marker, style),
                Span::styled(format!("{label} "), t.muted),
                Span::styled(value, style),
            ]));
        }
        if lines.len() >= inner.height as usize {
            break;
        }
    }
    f.render_widget(Paragraph::new(lines).block(block), area);
}
