//! Alerts: every alert in every state (firing, acknowledged, snoozed, resolved) with rule,
//! subject, age and value against threshold; `a` acknowledges with a note, `s` snoozes,
//! ⏎ opens the subject's view. The selected alert's details sit below the table.
//!
//! ```text
//! ┌ Alerts — 2 firing · 1 acked · 1 snoozed · 5 resolved ──────────────────┐
//! │  state               rule            subject          fired   value    │
//! │▶ ▲ CRIT firing       budget_breach   team:platform    2h ago  112%/100%│
//! │  △ WARN ✓ acked      low_acceptance  developer:bob    1d ago  12%/20%  │
//! └────────────────────────────────────────────────────────────────────────┘
//!  message · acked by ana 10m ago: "on it, rate-limited the batch job"
//! ```

use super::DrawCtx;
use super::overview::severity_tag;
use crate::domain::alert_rules::Unit;
use crate::domain::alerts::AlertState;
use crate::store::queries::alerts_admin::StoredAlert;
use crate::store::{Reader, Result};
use crate::tui::format;
use crate::tui::state::Screen;
use crate::tui::widgets::columns::Column;
use crate::tui::widgets::table::{self, Cell, Role, TableData, Value};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

#[derive(Debug, Clone, PartialEq)]
pub struct AlertItem {
    pub alert: StoredAlert,
    pub fired: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertsModel {
    pub items: Vec<AlertItem>,
    /// Counts per state: firing, acked, snoozed, resolved.
    pub counts: [usize; 4],
    pub table: TableData,
}

/// A note on one line: its first line, with `⏎…` when it has more.
pub fn note_line(note: Option<&str>) -> String {
    let note = note.unwrap_or("").trim();
    match note.split_once('\n') {
        Some((first, _)) => format!("{} ⏎…", first.trim_end()),
        None => note.to_string(),
    }
}

fn table(items: &[AlertItem]) -> TableData {
    let columns = vec![
        Column::whole("state", 0),
        Column::number("id", 3),
        Column::text("rule", 1, 8),
        Column::text("subject", 0, 10),
        Column::number("fired", 2),
        Column::number("value / threshold", 2),
        Column::text("note", 4, 8),
    ];
    let rows = items
        .iter()
        .map(|it| {
            let r = &it.alert.row;
            let role = match (r.state, r.severity.as_str()) {
                (AlertState::Firing, "critical") => Role::Critical,
                (AlertState::Firing, _) => Role::Warning,
                (AlertState::Resolved, _) => Role::Muted,
                _ => Role::Text,
            };
            vec![
                Cell::styled(severity_tag(r.severity.as_str(), r.state), role)
                    .with(Value::Rank(i64::from(state_rank(r.state)))),
                Cell::new(format!("#{}", it.alert.id)).with(Value::Int(it.alert.id)),
                Cell::new(r.rule.clone()),
                Cell::new(r.subject.clone()),
                Cell::styled(it.fired.clone(), Role::Muted).with(Value::Rank(-r.fired_at)),
                Cell::new(value_vs(r.value, r.threshold, r.unit)).with(match r.value {
                    Some(v) => Value::Float(v),
                    None => Value::None,
                }),
                Cell::styled(note_line(r.note.as_deref()), Role::Muted),
            ]
        })
        .collect();
    TableData::new(columns, rows)
}

impl AlertsModel {
    pub fn row_texts(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|i| {
                let r = &i.alert.row;
                format!(
                    "{} {} {} {} {}",
                    r.severity.as_str(),
                    r.state.as_str(),
                    r.rule,
                    r.subject,
                    r.message
                )
            })
            .collect()
    }
}

fn state_rank(s: AlertState) -> u8 {
    match s {
        AlertState::Firing => 0,
        AlertState::Acked => 1,
        AlertState::Snoozed => 2,
        AlertState::Resolved => 3,
    }
}

/// Value against threshold in the alert's unit: `$1,317 / $1,200`, `12% / 20%`.
fn value_vs(v: Option<f64>, th: Option<f64>, unit: Option<Unit>) -> String {
    let unit = unit.unwrap_or(Unit::Count);
    let f = |x: f64| unit.format(x);
    match (v, th) {
        (Some(v), Some(t)) => format!("{} / {}", f(v), f(t)),
        (Some(v), None) => f(v),
        _ => "–".into(),
    }
}

pub fn load(reader: &Reader, now_ms: i64) -> Result<AlertsModel> {
    let mut all = reader.alerts(&[])?;
    all.sort_by(|a, b| {
        state_rank(a.row.state)
            .cmp(&state_rank(b.row.state))
            .then_with(|| b.row.fired_at.cmp(&a.row.fired_at))
    });
    let mut counts = [0usize; 4];
    let items: Vec<AlertItem> = all
        .into_iter()
        .map(|a| {
            counts[state_rank(a.row.state) as usize] += 1;
            let r = &a.row;
            let mut detail = r.message.clone();
            match r.state {
                AlertState::Acked => {
                    let by = r.acked_by.clone().unwrap_or_else(|| "someone".into());
                    let when = r
                        .acked_at
                        .map(|t| format::ago(t, now_ms))
                        .unwrap_or_default();
                    detail.push_str(&format!(" · ✓ acked by {by} {when}"));
                    if let Some(n) = r.note.as_ref().filter(|n| !n.is_empty()) {
                        detail.push_str(&format!(": \"{}\"", note_line(Some(n))));
                    }
                }
                AlertState::Snoozed => {
                    if let Some(u) = r.snoozed_until {
                        detail.push_str(&format!(
                            " · ◷ snoozed for {} more",
                            format::duration(u - now_ms)
                        ));
                    }
                }
                AlertState::Resolved => {
                    if let Some(t) = r.resolved_at {
                        detail.push_str(&format!(" · ✔ resolved {}", format::ago(t, now_ms)));
                    }
                    if let Some(by) = &r.resolved_by {
                        detail.push_str(&format!(" by {by}"));
                    }
                    if let Some(n) = r.resolve_note.as_ref().filter(|n| !n.is_empty()) {
                        detail.push_str(&format!(": \"{n}\""));
                    }
                }
                AlertState::Firing => {}
            }
            detail = format!(
                "#{} · {} · value {} · {detail}",
                a.id,
                r.subject,
                value_vs(r.value, r.threshold, r.unit)
            );
            AlertItem {
                fired: format::ago(r.fired_at, now_ms),
                detail,
                alert: a,
            }
        })
        .collect();
    Ok(AlertsModel {
        table: table(&items),
        items,
        counts,
    })
}

fn split(body: Rect) -> (Rect, Rect) {
    let parts = Layout::vertical([Constraint::Min(4), Constraint::Length(4)]).split(body);
    (parts[0], parts[1])
}

pub fn table_area(body: Rect) -> Rect {
    split(body).0
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    m: &AlertsModel,
    screen: &Screen,
    visible: &[usize],
    ctx: &DrawCtx,
) {
    let t = ctx.theme;
    let (top, bottom) = split(area);
    let [firing, acked, snoozed, resolved] = m.counts;
    table::draw(
        f,
        top,
        table::TableView {
            title: format!(
                " Alerts — {firing} firing · {acked} acked · {snoozed} snoozed · {resolved} resolved "
            ),
            data: &m.table,
            visible,
            selected: super::selection(screen, visible),
            offset: screen.offset,
            sort: screen.sort,
            focused: true,
            empty: super::empty::lines(
                ctx,
                screen,
                m.items.len(),
                vec![
                    Line::from(
                        "No alerts. The rules (`agentdeck alerts rules`; [[alert]] in config.toml) run",
                    ),
                    Line::from(
                        "whenever data arrives; budgets come from [[team]] budget_usd_month.",
                    ),
                ],
            ),
        },
        t,
    );
    let detail = super::selection(screen, visible)
        .and_then(|s| visible.get(s))
        .and_then(|&i| m.items.get(i))
        .map(|it| it.detail.clone())
        .unwrap_or_default();
    let keys = if ctx.state.read_only {
        "read-only: acknowledging and snoozing are disabled"
    } else {
        "⏎ details · o open subject · a acknowledge · s snooze 1h (:snooze 4h) · R resolve"
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border)
        .title(Span::styled(
            crate::tui::widgets::title(&format!(" {keys} "), bottom.width + 2),
            t.muted,
        ));
    f.render_widget(
        Paragraph::new(Span::styled(detail, t.text))
            .wrap(Wrap { trim: true })
            .block(block),
        bottom,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view used to show "1317 / 1200" and "0 / 0" for $0.0021 against $0.0010.
    #[test]
    fn values_carry_their_units() {
        let cases = [
            (
                Some(1317.0),
                Some(1200.0),
                Some(Unit::Usd),
                "$1,317 / $1,200",
            ),
            (
                Some(0.0021),
                Some(0.0010),
                Some(Unit::Usd),
                "$0.0021 / $0.0010",
            ),
            (Some(0.12), Some(0.2), Some(Unit::Ratio), "12% / 20%"),
            (
                Some(14.0),
                Some(10.0),
                Some(Unit::PerMinute),
                "14/min / 10/min",
            ),
            (Some(3.0), None, None, "3"),
            (None, None, None, "–"),
        ];
        for (v, t, unit, want) in cases {
            assert_eq!(value_vs(v, t, unit), want);
        }
    }
}
