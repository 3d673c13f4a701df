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
use crate::tui::state::{FlashLevel, Overlay, ViewId};
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
pub fn tabs(width: u16) -> Vec<(ViewId, String, u16, u16)> {
    let wide = width >= WIDE;
    let mut x = if wide {
        BRAND.chars().count() as u16 + 1
    } else {
        0
    };
    ViewId::ALL
        .into_iter()
        .map(|v| {
            let label = if wide {
                format!(" {} {} ", v.number(), v.title())
            } else {
                format!(" {} {}", v.number(), v.title())
            };
            let w = label.chars().count() as u16;
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
    f.render_widget(Paragraph::new(Line::from(crumbs)), rows[1]);

    draw_status(f, rows[3], ctx);
    draw_hints(f, rows[4], ctx);
    rows[2]
}

fn draw_status(f: &mut Frame, area: Rect, ctx: &DrawCtx) {
    let t = ctx.theme;
    let s = &ctx.state.status;
    let mut spans = vec![Span::raw(" ")];
    if s.sources.is_empty() {
        spans.push(Span::styled("no sources yet", t.muted));
    }
    let full: usize = s
        .sources
        .iter()
        .map(|x| x.name.chars().count() + x.age.chars().count() + 5)
        .sum();
    if full + 40 <= area.width as usize {
        for (i, src) in s.sources.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", t.muted));
            }
            let (glyph, style) = if src.failing {
                ("✗", t.critical)
            } else {
                ("✓", t.ok)
            };
            spans.push(Span::styled(format!("{glyph} {}", src.name), style));
            spans.push(Span::styled(format!(" {}", src.age), t.status_bar));
        }
    } else if !s.sources.is_empty() {
        let failing: Vec<&str> = s
            .sources
            .iter()
            .filter(|x| x.failing)
            .map(|x| x.name.as_str())
            .collect();
        let ok = s.sources.len() - failing.len();
        spans.push(Span::styled(format!("✓ {ok} sources ok"), t.ok));
        if !failing.is_empty() {
            spans.push(Span::styled(
                format!(" · ✗ {} failing: {}", failing.len(), failing.join(", ")),
                t.critical,
            ));
        }
    }
    spans.push(Span::styled(" │ ", t.muted));
    spans.push(Span::styled(format!("data {}", s.data_age), t.status_bar));
    if s.firing > 0 {
        spans.push(Span::styled(" │ ", t.muted));
        spans.push(Span::styled(format!("▲ {} firing", s.firing), t.critical));
    }
    if ctx.state.read_only {
        spans.push(Span::styled(" │ ", t.muted));
        spans.push(Span::styled("read-only", t.warning));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_hints(f: &mut Frame, area: Rect, ctx: &DrawCtx) {
    let t = ctx.theme;
    match &ctx.state.overlay {
        Some(Overlay::Command(input)) => {
            return draw_input(f, area, ':', &input.text, input.cursor, ctx);
        }
        Some(Overlay::Filter(input)) => {
            return draw_input(f, area, '/', &input.text, input.cursor, ctx);
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
        f.render_widget(
            Paragraph::new(Span::styled(format!(" {glyph}{text}"), style)),
            area,
        );
        return;
    }
    let mut actions = vec![
        Action::Help,
        Action::CommandMode,
        Action::Filter,
        Action::Drill,
        Action::Back,
    ];
    actions.extend(match ctx.state.view() {
        ViewId::Live => vec![Action::Follow],
        ViewId::Costs => vec![Action::Period, Action::GroupBy, Action::ToggleBilled],
        ViewId::Adoption => vec![Action::ToggleWeeks],
        ViewId::Alerts | ViewId::Overview => vec![Action::Acknowledge, Action::Snooze],
        _ => vec![],
    });
    actions.push(Action::Quit);
    let mut spans = vec![Span::raw(" ")];
    for a in actions {
        if let Some(k) = ctx.keymap.hint(a) {
            spans.push(Span::styled(k, t.key_hint));
            spans.push(Span::styled(format!(" {}  ", short(a)), t.muted));
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
        Action::Back => "back",
        Action::Follow => "follow",
        Action::Period => "period",
        Action::GroupBy => "group",
        Action::ToggleWeeks => "weeks",
        Action::ToggleBilled => "billed",
        Action::Acknowledge => "ack",
        Action::Snooze => "snooze 1h",
        Action::Quit => "quit",
        _ => "",
    }
}

fn draw_input(f: &mut Frame, area: Rect, prompt: char, text: &str, cursor: usize, ctx: &DrawCtx) {
    let hint = match (prompt, text.split_whitespace().next()) {
        (':', None) => {
            "   overview live costs adoption quality replay alerts sources · theme NAME · q"
        }
        (':', Some(w)) if w.starts_with("co") => {
            "   team=… project=… developer=… agent=… model=… since=today|7d|30d|month by=team|agent|model"
        }
        (':', _) => "   ⏎ run · esc cancel · words after a view filter it",
        _ => "   ⏎ keep · esc clear · every word must match",
    };
    let line = Line::from(vec![
        Span::styled(format!("{prompt}"), ctx.theme.key_hint),
        Span::styled(text.to_string(), ctx.theme.text),
        Span::styled(hint, ctx.theme.muted),
    ]);
    f.render_widget(Paragraph::new(line), area);
    f.set_cursor_position((area.x + 1 + cursor as u16, area.y));
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
            for (keys, desc, writes) in ctx.keymap.help_lines() {
                let mut spans = vec![
                    Span::styled(format!("{keys:>16}  "), t.key_hint),
                    Span::styled(desc, t.text),
                ];
                if writes {
                    spans.push(Span::styled("  (writes)", t.warning));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::from(""));
            for text in [
                "Commands: :overview :live :costs team=T project=P developer=D since=7d by=agent",
                "          :alerts firing  :live ana  :theme NAME  :q   (words after a view filter it)",
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
            let area = centered(f.area(), 64, 9);
            f.render_widget(Clear, area);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border_focused)
                .title(Span::styled(
                    format!(" Acknowledge alert #{alert_id} — {subject} "),
                    t.title,
                ))
                .title_bottom(Line::from(Span::styled(" ⏎ save  esc cancel ", t.muted)));
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
