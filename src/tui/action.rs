//! Every thing a user can ask the console to do, as one documented enum. The keymap, the
//! help overlay and the hint bar are all generated from this table.

use super::state::ViewId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    CommandMode,
    Filter,
    GoTo(ViewId),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Drill,
    Details,
    OpenSubject,
    Back,
    Acknowledge,
    Snooze,
    Resolve,
    Follow,
    Period,
    PeriodBack,
    PeriodForward,
    SortNext,
    SortPrev,
    SortInvert,
    GroupBy,
    Theme,
    Refresh,
    ToggleWeeks,
    ToggleBilled,
}

impl Action {
    /// Every action, in help order.
    pub fn all() -> Vec<Action> {
        let mut v = vec![
            Action::Quit,
            Action::Help,
            Action::CommandMode,
            Action::Filter,
        ];
        v.extend(ViewId::ALL.into_iter().map(Action::GoTo));
        v.extend([
            Action::Up,
            Action::Down,
            Action::PageUp,
            Action::PageDown,
            Action::Top,
            Action::Bottom,
            Action::Drill,
            Action::Details,
            Action::OpenSubject,
            Action::Back,
            Action::Acknowledge,
            Action::Snooze,
            Action::Resolve,
            Action::Follow,
            Action::Period,
            Action::PeriodBack,
            Action::PeriodForward,
            Action::SortNext,
            Action::SortPrev,
            Action::SortInvert,
            Action::GroupBy,
            Action::ToggleWeeks,
            Action::ToggleBilled,
            Action::Theme,
            Action::Refresh,
        ]);
        v
    }

    /// The stable name used in keymap.toml and `:` commands.
    pub fn name(self) -> String {
        match self {
            Action::Quit => "quit".into(),
            Action::Help => "help".into(),
            Action::CommandMode => "command".into(),
            Action::Filter => "filter".into(),
            Action::GoTo(v) => format!("view_{}", v.name()),
            Action::Up => "up".into(),
            Action::Down => "down".into(),
            Action::PageUp => "page_up".into(),
            Action::PageDown => "page_down".into(),
            Action::Top => "top".into(),
            Action::Bottom => "bottom".into(),
            Action::Drill => "drill".into(),
            Action::Details => "details".into(),
            Action::OpenSubject => "open_subject".into(),
            Action::Back => "back".into(),
            Action::Acknowledge => "acknowledge".into(),
            Action::Snooze => "snooze".into(),
            Action::Resolve => "resolve".into(),
            Action::Follow => "follow".into(),
            Action::Period => "period".into(),
            Action::PeriodBack => "period_back".into(),
            Action::PeriodForward => "period_forward".into(),
            Action::SortNext => "sort_next".into(),
            Action::SortPrev => "sort_prev".into(),
            Action::SortInvert => "sort_invert".into(),
            Action::GroupBy => "group_by".into(),
            Action::Theme => "theme".into(),
            Action::Refresh => "refresh".into(),
            Action::ToggleWeeks => "weeks".into(),
            Action::ToggleBilled => "billed".into(),
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::all().into_iter().find(|a| a.name() == name)
    }

    pub fn description(self) -> String {
        match self {
            Action::Quit => "quit (restores the terminal)".into(),
            Action::Help => "this help".into(),
            Action::CommandMode => "command line, e.g. :costs team=platform since=7d".into(),
            Action::Filter => "filter the focused table".into(),
            Action::GoTo(v) => format!("go to {}", v.title()),
            Action::Up => "select previous row".into(),
            Action::Down => "select next row".into(),
            Action::PageUp => "one page up".into(),
            Action::PageDown => "one page down".into(),
            Action::Top => "first row".into(),
            Action::Bottom => "last row".into(),
            Action::Drill => "open: drill down, or the row's details".into(),
            Action::Details => "details of the selected row".into(),
            Action::OpenSubject => "open the alert's subject (team, project, source…)".into(),
            Action::Back => "back along the stack (or clear the filter)".into(),
            Action::Acknowledge => "acknowledge alert with a note".into(),
            Action::Snooze => "snooze alert for 1 hour (:snooze 4h for longer)".into(),
            Action::Resolve => "resolve alert".into(),
            Action::Follow => "follow: keep the newest line in view".into(),
            Action::Period => {
                "period: today / 7d / 30d / this month / last month / 90d (:since, :range)".into()
            }
            Action::PeriodBack => "period: step back (the same length earlier)".into(),
            Action::PeriodForward => "period: step forward (up to today)".into(),
            Action::SortNext => "sort by the next column (header shows ▲/▼)".into(),
            Action::SortPrev => "sort by the previous column".into(),
            Action::SortInvert => "reverse the sort".into(),
            Action::GroupBy => "group by team / agent / model".into(),
            Action::ToggleWeeks => "adoption: weekdays / weeks".into(),
            Action::ToggleBilled => "costs: estimated / billed spend".into(),
            Action::Theme => "next theme".into(),
            Action::Refresh => "re-run the view's query".into(),
        }
    }

    /// Actions that write to the store; `--read-only` unbinds them.
    pub fn writes(self) -> bool {
        matches!(self, Action::Acknowledge | Action::Snooze | Action::Resolve)
    }
}
