//! The `:` command line: `costs team=platform since=7d`, `live developer=ana`, `alerts
//! firing`, `since 90d`, `range 2026-09-01..2026-09-30`, `last month`, `export spend.csv`,
//! `snooze 4h`, `resolve`, `sort spend`, `theme mono`, `q`. Parsed into a plain value that
//! `update` applies (periods are resolved there, against today).

use super::state::{CostGroup, ViewId};

/// How a `:` period command sets the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodCmd {
    /// `:period P` (any period word).
    Set,
    /// `:since DATE|SPAN`.
    Since,
    /// `:until DATE` (keeps the start, or the length).
    Until,
    /// `:range A..B`.
    Range,
    /// `:last month|week|90d`.
    Last,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    /// Open a view with `key=value` arguments and free words (used as a filter).
    Go {
        view: ViewId,
        args: Vec<(String, String)>,
        words: Vec<String>,
    },
    Theme(Option<String>),
    Period {
        how: PeriodCmd,
        arg: String,
    },
    /// `:export FILE` (CSV, or JSON for `*.json`); `:export! FILE` replaces a file.
    Export {
        path: String,
        replace: bool,
    },
    /// `:snooze 4h` the selected alert.
    Snooze(String),
    /// `:resolve` the selected alert.
    Resolve,
    /// `:ack NOTE` the selected alert (no note: opens the note editor).
    Ack(Option<String>),
    /// `:sort COLUMN [asc|desc]`; no column: the view's own order.
    Sort {
        column: Option<String>,
        descending: Option<bool>,
    },
}

/// The first words the command line knows, for help and Tab completion.
pub const COMMANDS: [&str; 22] = [
    "overview", "live", "costs", "adoption", "quality", "replay", "alerts", "sources", "since",
    "until", "range", "period", "last", "export", "export!", "snooze", "resolve", "ack", "sort",
    "theme", "help", "quit",
];

/// Arguments understood by the Costs view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostArgs {
    pub team: Option<String>,
    pub project: Option<String>,
    pub developer: Option<String>,
    pub agent: Option<String>,
    pub model: Option<String>,
    /// A period word, resolved by `update` (see `domain::span`).
    pub period: Option<String>,
    pub group: Option<CostGroup>,
}

pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(head) = words.next() else {
        return Err("empty command; try :help".into());
    };
    let rest: Vec<&str> = words.collect();
    let arg = rest.join(" ");
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!(":{head} needs {what}"))
        } else {
            Ok(arg.clone())
        }
    };
    let period = |how, what: &str| -> Result<Command, String> {
        Ok(Command::Period {
            how,
            arg: need(what)?,
        })
    };
    match head.to_ascii_lowercase().as_str() {
        "q" | "quit" | "exit" => return Ok(Command::Quit),
        "help" | "h" | "?" => return Ok(Command::Help),
        "theme" => return Ok(Command::Theme(rest.first().map(|s| s.to_string()))),
        "since" | "from" => return period(PeriodCmd::Since, "a date or a span (2026-09-01, 90d)"),
        "until" | "to" => return period(PeriodCmd::Until, "a date (2026-09-30)"),
        "range" => return period(PeriodCmd::Range, "A..B (2026-09-01..2026-09-30)"),
        "period" | "p" => return period(PeriodCmd::Set, "a period (today, 7d, last-month, …)"),
        "last" => return period(PeriodCmd::Last, "month, week or a span (90d)"),
        "export" | "export!" | "w" | "w!" => {
            return Ok(Command::Export {
                path: need("a file name (spend.csv, alerts.json)")?,
                replace: head.ends_with('!'),
            });
        }
        "snooze" => return Ok(Command::Snooze(need("a duration (30m, 4h, 2days)")?)),
        "resolve" => return Ok(Command::Resolve),
        "ack" | "acknowledge" => {
            return Ok(Command::Ack((!arg.is_empty()).then_some(arg)));
        }
        "sort" => {
            let mut words = rest.clone();
            let descending = match words.last().map(|w| w.to_ascii_lowercase()) {
                Some(w) if w == "asc" => Some(false),
                Some(w) if w == "desc" => Some(true),
                _ => None,
            };
            if descending.is_some() {
                words.pop();
            }
            let column = (!words.is_empty()).then(|| words.join(" "));
            return Ok(Command::Sort { column, descending });
        }
        _ => {}
    }
    let view = head
        .parse::<usize>()
        .ok()
        .and_then(|n| ViewId::ALL.get(n.wrapping_sub(1)).copied())
        .or_else(|| ViewId::parse(head))
        .ok_or_else(|| {
            format!(
                "unknown command `{head}`; try a view (overview live costs …), since, range, \
                 last, export, snooze, resolve, sort, theme or :help"
            )
        })?;
    let mut args = Vec::new();
    let mut free = Vec::new();
    for w in rest {
        match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => args.push((k.to_ascii_lowercase(), v.to_string())),
            _ => free.push(w.to_string()),
        }
    }
    Ok(Command::Go {
        view,
        args,
        words: free,
    })
}

/// Reads the Costs arguments; unknown keys and values are errors naming what is accepted.
pub fn cost_args(args: &[(String, String)]) -> Result<CostArgs, String> {
    let mut out = CostArgs::default();
    for (k, v) in args {
        match k.as_str() {
            "team" => out.team = Some(v.clone()),
            "project" | "repo" => out.project = Some(v.clone()),
            "developer" | "dev" => out.developer = Some(v.clone()),
            "agent" => out.agent = Some(v.clone()),
            "model" => out.model = Some(v.clone()),
            "since" | "period" => out.period = Some(v.clone()),
            "by" | "group" => {
                out.group = Some(
                    CostGroup::parse(v)
                        .ok_or_else(|| format!("by={v}: use team, agent or model"))?,
                )
            }
            _ => {
                return Err(format!(
                    "costs: unknown argument `{k}` (team, project, developer, agent, model, since, by)"
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_views_with_arguments() {
        let c = parse("costs team=platform since=7d").unwrap();
        let Command::Go { view, args, .. } = c else {
            panic!()
        };
        assert_eq!(view, ViewId::Costs);
        let a = cost_args(&args).unwrap();
        assert_eq!(a.team.as_deref(), Some("platform"));
        assert_eq!(a.period.as_deref(), Some("7d"));
        assert_eq!(parse("q").unwrap(), Command::Quit);
        assert!(parse("nope").is_err());
        assert!(matches!(
            parse("3").unwrap(),
            Command::Go {
                view: ViewId::Costs,
                ..
            }
        ));
    }

    #[test]
    fn parses_period_export_and_alert_commands() {
        assert_eq!(
            parse("since 90d").unwrap(),
            Command::Period {
                how: PeriodCmd::Since,
                arg: "90d".into()
            }
        );
        assert_eq!(
            parse("range 2026-09-01..2026-09-30").unwrap(),
            Command::Period {
                how: PeriodCmd::Range,
                arg: "2026-09-01..2026-09-30".into()
            }
        );
        assert!(parse("since").unwrap_err().contains("needs"));
        assert_eq!(
            parse("export! ~/spend.json").unwrap(),
            Command::Export {
                path: "~/spend.json".into(),
                replace: true
            }
        );
        assert_eq!(parse("snooze 4h").unwrap(), Command::Snooze("4h".into()));
        assert_eq!(parse("resolve").unwrap(), Command::Resolve);
        assert_eq!(
            parse("ack rolled back").unwrap(),
            Command::Ack(Some("rolled back".into()))
        );
        assert_eq!(
            parse("sort per dev asc").unwrap(),
            Command::Sort {
                column: Some("per dev".into()),
                descending: Some(false)
            }
        );
    }
}
