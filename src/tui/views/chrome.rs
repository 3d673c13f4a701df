//! The frame around every view and the overlays above it.
//!
//! ```text
//!  agentdeck  1 Overview  2 Live  3 Costs  …  8 Sources           (tabs)
//!  Costs › platform › api      filter: /ana                       (breadcrumbs)
//!  ┌ body ───────────────────────────────────────────────────────┐
//!  └─────────────────────────────────────────────────────────────┘
//!  ✓ claude_code_files 4s · ✗ cursor 3h │ data 4s old │ ▲ 2 firing  (status)
//!  ? help  : command  / filter  ⏎ open  esc back  q quit          (hints / input line)
//! ```

use super::DrawCtx;
use crate::tui::action::Action;
use crate::tui::state::{FlashLevel, Overlay, ScreenKind, ViewId};
use crate::tui::widgets::columns::{fit, width};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

const BRAND: &str = " agentdeck ";

/// The body rectangle inside a terminal of `size`.
pub fn body_area(size: Rect) -> Rect {
    let rows = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .split(size);
    rows[1]
}

/// Below this width the brand is left out and tabs are packed tighter.
const WIDE: u16 = 96;

/// Tab label and its x range on the first row, for a terminal `width` wide.
pub fn tabs(term_width: u16) -> Vec<(ViewId, String, u16, u16)> {
    let wide = term_width >= WIDE;
    let mut x = if wide { width(BRAND) as u16 + 1 } else { 0 };
    ViewId::ALL
        .into_iter()
        .map(|v| {
            let label = if wide {
                format!(" {} {} ", v.number(), v.title())
            } else {
                format!(" {} {}", v.number(), v.title())
            };
            let w = width(&label) as u16;
            let out = (v, label, x, x + w);
            x += w;
            out
        })
        .collect()
}

/// Draws tabs, breadcrumbs, status and hints; returns the body area.
pub fn draw_frame(f: &mut Frame, ctx: &DrawCtx) -> Rect {
    let t = ctx.theme;
    let st = ctx.state;
    let area = f.area();
    let rows = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .split(area);

    let mut tab_spans = if area.width >= WIDE {
        vec![Span::styled(BRAND, t.title), Span::raw(" ")]
    } else {
        vec![]
    };
    for (v, label, _, _) in tabs(area.width) {
        let style = if v == st.view() {
            t.tab_active
        } else {
            t.tab_inactive
        };
        tab_spans.push(Span::styled(label, style));
    }
    f.render_widget(Paragraph::new(Line::from(tab_spans)), rows[0]);

    let mut crumbs: Vec<Span> = vec![Span::raw(" ")];
    for (i, s) in st.stack.iter().enumerate() {
        if i > 0 {
            crumbs.push(Span::styled(" › ", t.muted));
        }
        let style = if i + 1 == st.stack.len() {
            t.title
        } else {
            t.muted
        };
        crumbs.push(Span::styled(s.label.clone(), style));
    }
    if !st.top().filter.is_empty() {
        crumbs.push(Span::styled(
            format!("   filter /{}", st.top().filter),
            t.accent,
        ));
    }
    if let (Some(e), Some(_)) = (&st.error, &st.model) {
        crumbs.push(Span::styled(
            format!("   ✗ query failed: {e} (showing the last data)"),
            t.critical,
        ));
    }
    if st.loading && st.model.is_none() {
        crumbs.push(Span::styled("   loading…", t.muted));
    }
    if st.top().kind.uses_period() {
        // The period on the right, so every view that depends on it says which it shows.
        let period = format!("period {} ([ ] p) ", st.period);
        let used: usize = crumbs.iter().map(|s| width(&s.content)).sum();
        let gap = (area.width as usize).saturating_sub(used + width(&period));
        if gap >= 2 {
            crumbs.push(Span::raw(" ".repeat(gap)));
            crumbs.push(Span::styled(period, t.accent));
        }
    }
    f.render_widget(Paragraph::new(Line::from(crumbs)), rows[1]);

    draw_status(f, rows[3], ctx);
    draw_hints(f, rows[4], ctx);
    rows[2]
}

fn draw_status(f: &mut Frame, area: Rect, ctx: &DrawCtx) {
    let t = ctx.theme;
    let s = &ctx.state.status;
    // What matters most first: firing alerts and read-only never give way to source names.
    let mut chunks: Vec<Vec<Span>> = Vec::new();
    if s.firing > 0 {
        chunks.push(vec![
            Span::raw(" "),
            Span::styled(format!("▲ {} firing", s.firing), t.critical),
            Span::styled(" │", t.muted),
        ]);
    }
    if ctx.state.read_only {
        chunks.push(vec![
            Span::raw(" "),
            Span::styled("read-only", t.warning),
            Span::styled(" │", t.muted),
        ]);
    }
    chunks.push(vec![
        Span::raw(" "),
        Span::styled(format!("data {}", s.data_age), t.status_bar),
        Span::styled(" │", t.muted),
    ]);
    let full: usize = s
        .sources
        .iter()
        .map(|x| width(&x.name) + width(&x.age) + 5)
        .sum();
    let used: usize = chunks.iter().flatten().map(|x| width(&x.content)).sum();
    if s.sources.is_empty() {
        chunks.push(vec![Span::styled(" no sources yet", t.muted)]);
    } else if full + used <= area.width as usize {
        for (i, src) in s.sources.iter().enumerate() {
            let (glyph, style) = if src.failing {
                ("✗", t.critical)
            } else {
                ("✓", t.ok)
            };
            chunks.push(vec![
                Span::styled(if i > 0 { " · " } else { " " }, t.muted),
                Span::styled(format!("{glyph} {}", src.name), style),
                Span::styled(format!(" {}", src.age), t.status_bar),
            ]);
        }
    } else {
        let failing: Vec<&str> = s
            .sources
            .iter()
            .filter(|x| x.failing)
            .map(|x| x.name.as_str())
            .collect();
        let ok = s.sources.len() - failing.len();
        if !failing.is_empty() {
            chunks.push(vec![Span::styled(
                format!(" ✗ {} failing", failing.len()),
                t.critical,
            )]);
            chunks.push(vec![Span::styled(
                format!(": {}", failing.join(", ")),
                t.critical,
            )]);
        }
        chunks.push(vec![Span::styled(format!(" · ✓ {ok} ok"), t.ok)]);
    }
    let lines = crate::tui::widgets::pack(chunks, area.width as usize, 1);
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_hints(f: &mut Frame, area: Rect, ctx: &DrawCtx) {
    let t = ctx.theme;
    match &ctx.state.overlay {
        Some(Overlay::Command(line)) => {
            let i = &line.input;
            return draw_input(f, area, ':', &i.text, i.cursor, &line.candidates, ctx);
        }
        Some(Overlay::Filter(input)) => {
            return draw_input(f, area, '/', &input.text, input.cursor, &[], ctx);
        }
        _ => {}
    }
    if let Some((text, level)) = &ctx.state.flash {
        let style = if *level == FlashLevel::Error {
            t.critical
        } else {
            t.accent
        };
        let glyph = if *level == FlashLevel::Error {
            "✗ "
        } else {
            "✓ "
        };
        // Long messages (an export path, an error) are cut with an ellipsis, never mid-word
        // without a mark.
        let text = fit(&format!(" {glyph}{text}"), area.width as usize);
        f.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    }
    let mut actions = vec![
        Action::Help,
        Action::CommandMode,
        Action::Filter,
        Action::Drill,
        Action::Details,
        Action::Back,
    ];
    let kind = &ctx.state.top().kind;
    if kind.uses_period() {
        actions.extend([Action::Period, Action::PeriodBack]);
    }
    actions.extend(match ctx.state.view() {
        ViewId::Live => vec![Action::Follow],
        ViewId::Costs => vec![Action::GroupBy, Action::ToggleBilled],
        ViewId::Adoption => vec![Action::ToggleWeeks],
        ViewId::Alerts | ViewId::Overview => vec![
            Action::Acknowledge,
            Action::Snooze,
            Action::Resolve,
            Action::OpenSubject,
        ],
        _ => vec![],
    });
    if !matches!(kind, ScreenKind::Detail { .. }) {
        actions.push(Action::SortNext);
    }
    actions.push(Action::Quit);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for a in actions {
        if let Some(k) = ctx.keymap.hint(a) {
            let label = format!(" {}  ", short(a));
            // Whole hints only: the last ones are left out when the line is full.
            let need = width(&k) + width(&label);
            if used + need > area.width as usize {
                break;
            }
            used += need;
            spans.push(Span::styled(k, t.key_hint));
            spans.push(Span::styled(label, t.muted));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn short(a: Action) -> &'static str {
    match a {
        Action::Help => "help",
        Action::CommandMode => "command",
        Action::Filter => "filter",
        Action::Drill => "open",
        Action::Details => "details",
        Action::Back => "back",
        Action::Follow => "follow",
        Action::Period => "period",
        Action::PeriodBack => "step",
        Action::GroupBy => "group",
        Action::ToggleWeeks => "weeks",
        Action::ToggleBilled => "billed",
        Action::Acknowledge => "ack",
        Action::Snooze => "snooze 1h",
        Action::Resolve => "resolve",
        Action::OpenSubject => "subject",
        Action::SortNext => "sort",
        Action::Quit => "quit",
        _ => "",
    }
}

fn draw_input(
    f: &mut Frame,
    area: Rect,
    prompt: char,
    text: &str,
    cursor: usize,
    candidates: &[String],
    ctx: &DrawCtx,
) {
    let listed;
    let hint = match (prompt, text.split_whitespace().next()) {
        (':', _) if !candidates.is_empty() => {
            listed = format!("   {}", candidates.join("  "));
            listed.as_str()
        }
        (':', None) => {
            "   a view · since/until/range/last · export FILE · snooze 4h · sort COL · tab completes · ↑ history"
        }
        (':', Some(w)) if w.starts_with("co") => {
            "   team=… project=… developer=… agent=… model=… since=7d|90d|last-month by=team|agent|model"
        }
        (':', Some("since" | "period")) => {
            "   today 7d 30d 90d 1y this-month last-month 2026-09 2026-09-01"
        }
        (':', _) => "   ⏎ run · esc cancel · tab completes · ↑↓ history",
        _ => "   ⏎ keep · esc clear · every word must match",
    };
    let before: String = text.chars().take(cursor).collect();
    let line = Line::from(vec![
        Span::styled(format!("{prompt}"), ctx.theme.key_hint),
        Span::styled(text.to_string(), ctx.theme.text),
        Span::styled(hint, ctx.theme.muted),
    ]);
    f.render_widget(Paragraph::new(line), area);
    f.set_cursor_position((area.x + 1 + width(&before) as u16, area.y));
}

/// A centred rectangle of at most `w`×`h`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn draw_overlay(f: &mut Frame, ctx: &DrawCtx) {
    let t = ctx.theme;
    match &ctx.state.overlay {
        Some(Overlay::Help { scroll }) => {
            let area = centered(f.area(), 90, f.area().height.saturating_sub(4));
            let mut lines = vec![Line::from(Span::styled(
                "Keys (from the keymap; ~/.config/agentdeck/keymap.toml overrides)",
                t.muted,
            ))];
            // A long description wraps under itself, not under the keys.
            const KEYS: usize = 18;
            let room = usize::from(area.width.saturating_sub(2)).saturating_sub(KEYS);
            for (keys, desc, writes) in ctx.keymap.help_lines() {
                let room = if writes {
                    room.saturating_sub(10)
                } else {
                    room
                };
                let mut parts = crate::tui::widgets::wrap(&desc, room).into_iter();
                let mut spans = vec![
                    Span::styled(format!("{keys:>16}  "), t.key_hint),
                    Span::styled(parts.next().unwrap_or_default(), t.text),
                ];
                let mut rest: Vec<Line> = parts
                    .map(|part| Line::from(Span::styled(format!("{:KEYS$}{part}", ""), t.text)))
                    .collect();
                let writes = writes.then(|| Span::styled("  (writes)", t.warning));
                match (writes, rest.last_mut()) {
                    (Some(w), Some(last)) => last.spans.push(w),
                    (Some(w), None) => spans.push(w),
                    (None, _) => {}
                }
                lines.push(Line::from(spans));
                lines.append(&mut rest);
            }
            lines.push(Line::from(""));
            for text in [
                "Commands: :overview :live :costs team=T project=P developer=D since=7d by=agent",
                "          :alerts firing  :live ana  :theme NAME  :q   (words after a view filter it)",
                "Periods:  :since 90d  :since 2026-09-01  :until 2026-09-30  :range A..B  :last month",
                "          :period 2026-09   ([ and ] step back and forward, p cycles)",
                "Tables:   :sort spend [asc|desc]  :export FILE.csv|FILE.json (:export! replaces)",
                "Alerts:   :snooze 4h  :resolve  :ack NOTE   (tab completes, ↑↓ recall commands)",
                "Mouse: the wheel scrolls, a click selects a row or a tab.",
                "Glyphs: ▲ CRIT △ WARN · INFO  ✓ acked ◷ snoozed ✔ resolved  ● running ◐ idle ○ ended",
            ] {
                lines.push(Line::from(Span::styled(text, t.muted)));
            }
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border_focused)
                .title(Span::styled(" Help — esc closes ", t.title));
            f.render_widget(Clear, area);
            f.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false })
                    .scroll((*scroll, 0)),
                area,
            );
        }
        Some(Overlay::AckNote {
            alert_id,
            subject,
            note,
        }) => {
            let area = centered(f.area(), 64, 10);
            f.render_widget(Clear, area);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border_focused)
                .title(Span::styled(
                    format!(" Acknowledge alert #{alert_id} — {subject} "),
                    t.title,
                ))
                .title_bottom(Line::from(Span::styled(
                    " ⏎ save · alt-⏎ or ctrl-j new line · esc cancel ",
                    t.muted,
                )));
            let inner = block.inner(area);
            f.render_widget(block, area);
            let parts = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).split(inner);
            f.render_widget(
                Paragraph::new(Span::styled("Note (who and when are recorded):", t.muted))
                    .wrap(Wrap { trim: true }),
                parts[0],
            );
            let mut area_widget = (**note).clone();
            area_widget.set_style(t.text);
            area_widget.set_cursor_line_style(Style::new());
            f.render_widget(&area_widget, parts[1]);
        }
        _ => {}
    }
}
