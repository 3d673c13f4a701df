//! The `:` command line: `costs team=platform since=7d`, `live developer=ana`, `alerts
//! firing`, `theme mono`, `q`. Parsed into a plain value that `update` applies.

use super::state::{CostGroup, Period, ViewId};

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
}

/// Arguments understood by the Costs view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostArgs {
    pub team: Option<String>,
    pub project: Option<String>,
    pub developer: Option<String>,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub period: Option<Period>,
    pub group: Option<CostGroup>,
}

pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(head) = words.next() else {
        return Err("empty command; try :help".into());
    };
    let rest: Vec<&str> = words.collect();
    match head.to_ascii_lowercase().as_str() {
        "q" | "quit" | "exit" => return Ok(Command::Quit),
        "help" | "h" | "?" => return Ok(Command::Help),
        "theme" => return Ok(Command::Theme(rest.first().map(|s| s.to_string()))),
        _ => {}
    }
    let view = head
        .parse::<usize>()
        .ok()
        .and_then(|n| ViewId::ALL.get(n.wrapping_sub(1)).copied())
        .or_else(|| ViewId::parse(head))
        .ok_or_else(|| format!("unknown command `{head}`; views: overview live costs adoption quality replay alerts sources"))?;
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
            "since" | "period" => {
                out.period = Some(
                    Period::parse(v)
                        .ok_or_else(|| format!("since={v}: use today, 7d, 30d or month"))?,
                )
            }
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
        assert_eq!(a.period, Some(Period::Days7));
        assert_eq!(parse("q").unwrap(), Command::Quit);
        assert!(parse("nope").is_err());
        assert!(cost_args(&[("since".into(), "forever".into())]).is_err());
        assert!(matches!(
            parse("3").unwrap(),
            Command::Go {
                view: ViewId::Costs,
                ..
            }
        ));
    }
}
