//! The demo company "acme": five teams with budgets, ~40 developers with habits (power users,
//! normal users, low adopters, and a security team blocked from most agents) and twelve
//! repositories. Pure function of the seed; history and the simulator both start from it.

use super::rng::Rng;
use crate::domain::{Agent, Money, ProjectRecord};
use crate::store::{DeveloperRow, TeamRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    /// Several long sessions most days, weekends too.
    Power,
    Normal,
    /// Uses an agent on fewer than 30% of workdays.
    Low,
    /// Policy allows only Copilot completions; almost no agent sessions.
    Blocked,
}

#[derive(Debug, Clone)]
pub struct Team {
    pub name: &'static str,
    pub budget: Money,
    /// Relative use of each agent, in `Agent::ALL` order.
    pub agent_mix: [f64; 5],
    pub projects: &'static [&'static str],
    pub size: usize,
}

#[derive(Debug, Clone)]
pub struct Developer {
    pub id: String,
    pub name: String,
    pub team: usize,
    pub habit: Habit,
    pub agent_mix: [f64; 5],
    /// Share of Claude Code requests on Opus (power users like it).
    pub opus_share: f64,
    /// Cursor/Copilot suggestion acceptance (0..1).
    pub acceptance: f64,
    pub lead: bool,
}

#[derive(Debug, Clone)]
pub struct Org {
    pub teams: Vec<Team>,
    pub developers: Vec<Developer>,
    /// `github.com/acme/<name>`, with the owning team's index.
    pub projects: Vec<(String, usize)>,
}

const ORG: &str = "github.com/acme";

fn teams() -> Vec<Team> {
    // Agent mix order: claude_code, codex, gemini, cursor, copilot.
    vec![
        Team {
            name: "platform",
            budget: Money::from_usd(1_200.0),
            agent_mix: [0.50, 0.25, 0.05, 0.10, 0.10],
            projects: &["api-gateway", "infra-terraform", "k8s-operators"],
            size: 10,
        },
        Team {
            name: "payments",
            budget: Money::from_usd(900.0),
            agent_mix: [0.45, 0.10, 0.05, 0.30, 0.10],
            projects: &["payments-service", "ledger", "checkout-web"],
            size: 8,
        },
        Team {
            name: "mobile",
            budget: Money::from_usd(750.0),
            agent_mix: [0.15, 0.05, 0.05, 0.45, 0.30],
            projects: &["ios-app", "android-app"],
            size: 8,
        },
        Team {
            name: "data",
            budget: Money::from_usd(1_000.0),
            agent_mix: [0.30, 0.35, 0.25, 0.05, 0.05],
            projects: &["data-pipeline", "ml-features"],
            size: 8,
        },
        Team {
            name: "security",
            budget: Money::from_usd(150.0),
            agent_mix: [0.05, 0.0, 0.0, 0.0, 0.95],
            projects: &["auth-service", "secrets-scanner"],
            size: 6,
        },
    ]
}

const FIRST: &[&str] = &[
    "ana", "ben", "chloe", "diego", "elif", "farah", "gus", "hana", "ivan", "jade", "kofi", "lena",
    "mateo", "nadia", "omar", "priya", "quinn", "rosa", "sami", "tara", "umar", "vera", "wen",
    "xavi", "yara", "zoe", "arjun", "bea", "carlos", "dana", "emeka", "fiona", "goran", "hugo",
    "ines", "jonas", "kira", "liam", "mei", "noah",
];
const LAST: &[&str] = &[
    "silva",
    "okafor",
    "nguyen",
    "muller",
    "kowalski",
    "haddad",
    "tanaka",
    "rossi",
    "petrov",
    "garcia",
    "jensen",
    "adeyemi",
    "dubois",
    "lindqvist",
    "moreau",
    "novak",
    "park",
    "costa",
    "schmidt",
    "weber",
    "yilmaz",
    "zhang",
];

/// Builds the organisation for `seed`.
pub fn build(seed: u64) -> Org {
    let mut rng = Rng::new(seed).fork(1);
    let teams = teams();
    let mut developers = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (ti, team) in teams.iter().enumerate() {
        for k in 0..team.size {
            let habit = if team.name == "security" {
                if k == 0 { Habit::Low } else { Habit::Blocked }
            } else {
                match rng.weighted(&[0.18, 0.52, 0.30]) {
                    Some(0) => Habit::Power,
                    Some(1) => Habit::Normal,
                    _ => Habit::Low,
                }
            };
            let (first, last) = loop {
                let f = *rng.pick(FIRST).unwrap_or(&"alex");
                let l = *rng.pick(LAST).unwrap_or(&"doe");
                if used.insert((f, l)) {
                    break (f, l);
                }
            };
            let mut mix = team.agent_mix;
            for m in mix.iter_mut().filter(|m| **m > 0.0) {
                *m *= 0.4 + rng.unit() * 1.2;
            }
            developers.push(Developer {
                id: format!("{first}.{last}@acme.dev"),
                name: format!("{} {}", capitalise(first), capitalise(last)),
                team: ti,
                habit,
                agent_mix: mix,
                opus_share: if habit == Habit::Power {
                    0.25 + rng.unit() * 0.35
                } else {
                    rng.unit() * 0.12
                },
                acceptance: 0.27 + rng.unit() * 0.15,
                lead: k == 0,
            });
        }
    }
    // One developer whose suggestions are mostly ignored (trips the low-acceptance rule).
    if let Some(d) = developers.iter_mut().find(|d| d.team == 2 && !d.lead) {
        d.acceptance = 0.11;
        d.habit = Habit::Normal;
    }
    let projects = teams
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| t.projects.iter().map(move |p| (format!("{ORG}/{p}"), ti)))
        .collect();
    Org {
        teams,
        developers,
        projects,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

impl Org {
    pub fn team_rows(&self) -> Vec<TeamRow> {
        self.teams
            .iter()
            .map(|t| TeamRow {
                name: t.name.to_string(),
                budget_micro_usd_month: Some(t.budget.micro_usd()),
            })
            .collect()
    }

    pub fn developer_rows(&self) -> Vec<DeveloperRow> {
        self.developers
            .iter()
            .enumerate()
            .map(|(i, d)| DeveloperRow {
                id: d.id.clone(),
                email: Some(d.id.clone()),
                handle: d.id.split('@').next().map(|h| h.replace('.', "-")),
                display_name: Some(d.name.clone()),
                team: self.teams[d.team].name.to_string(),
                role: Some(if d.lead { "lead" } else { "engineer" }.to_string()),
                started_on: Some(format!("20{:02}-{:02}-01", 19 + i % 7, 1 + i % 12)),
            })
            .collect()
    }

    pub fn project_records(&self) -> Vec<ProjectRecord> {
        self.projects
            .iter()
            .map(|(id, _)| ProjectRecord {
                id: id.clone(),
                display_name: id.rsplit('/').next().unwrap_or(id).to_string(),
            })
            .collect()
    }

    /// A project for one of `dev`'s sessions: mostly their team's, sometimes another's.
    pub fn project_for(&self, dev: &Developer, rng: &mut Rng) -> String {
        let own: Vec<&String> = self
            .projects
            .iter()
            .filter(|(_, t)| *t == dev.team)
            .map(|(p, _)| p)
            .collect();
        let pool: Vec<&String> = if rng.chance(0.12) || own.is_empty() {
            self.projects.iter().map(|(p, _)| p).collect()
        } else {
            own
        };
        rng.pick(&pool).map(|p| (*p).clone()).unwrap_or_default()
    }

    /// The team lead of `team` (who acknowledges that team's alerts).
    pub fn lead_of(&self, team: usize) -> &str {
        self.developers
            .iter()
            .find(|d| d.team == team && d.lead)
            .map(|d| d.id.as_str())
            .unwrap_or("admin@acme.dev")
    }

    pub fn agent_of(dev: &Developer, rng: &mut Rng) -> Agent {
        rng.weighted(&dev.agent_mix)
            .and_then(|i| Agent::ALL.get(i).copied())
            .unwrap_or(Agent::Copilot)
    }
}
