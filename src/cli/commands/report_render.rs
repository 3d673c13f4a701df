//! Turning report rows into a document: a terminal table, JSON (the shape README "Reports"
//! shows: snake case, `totals`), or CSV. Unpriced usage is always shown as such, never as $0.

use crate::cli::args::ReportKind;
use crate::domain::blocks::Block;
use crate::domain::{Money, TokenUsage};
use crate::store::queries::sessions::SessionRow;
use crate::store::queries::usage::UsageRow;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::io::Write;

/// The token and cost figures every report row carries.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub requests: i64,
    pub usage: TokenUsage,
    pub cost: Money,
    pub unpriced_tokens: i64,
    pub models: BTreeSet<String>,
}

impl From<UsageRow> for Line {
    fn from(r: UsageRow) -> Line {
        Line {
            requests: r.requests,
            usage: r.usage,
            cost: r.cost,
            unpriced_tokens: r.unpriced_tokens,
            models: r.models,
        }
    }
}

impl Line {
    fn absorb(&mut self, o: &Line) {
        self.requests = self.requests.saturating_add(o.requests);
        self.usage += o.usage;
        self.cost += o.cost;
        self.unpriced_tokens = self.unpriced_tokens.saturating_add(o.unpriced_tokens);
        self.models.extend(o.models.iter().cloned());
    }

    fn json_fields(&self, m: &mut Map<String, Value>) {
        let u = &self.usage;
        m.insert("input_tokens".into(), json!(u.input));
        m.insert("output_tokens".into(), json!(u.output));
        m.insert("cache_creation_tokens".into(), json!(u.cache_creation()));
        m.insert("cache_read_tokens".into(), json!(u.cache_read));
        m.insert("total_tokens".into(), json!(u.total()));
        m.insert("reasoning_tokens".into(), json!(u.reasoning));
        // Usage with no known price is never shown as $0: a row that is entirely unpriced
        // has no cost (null); otherwise the cost covers the priced part and
        // `unpriced_tokens` says what is missing.
        let all_unpriced = self.unpriced_tokens > 0
            && self.unpriced_tokens == u.total()
            && self.cost == Money::ZERO;
        m.insert(
            "cost_usd".into(),
            if all_unpriced {
                Value::Null
            } else {
                json!(self.cost.as_usd())
            },
        );
        m.insert("unpriced_tokens".into(), json!(self.unpriced_tokens));
        m.insert("requests".into(), json!(self.requests));
        m.insert("models".into(), json!(self.models));
    }

    /// `$1.23`, `$1.23 +unpriced` when some tokens have no price, `unpriced` when none do.
    fn cost_text(&self) -> String {
        match (
            self.unpriced_tokens > 0,
            self.cost == Money::ZERO && self.usage.total() == self.unpriced_tokens,
        ) {
            (true, true) => "unpriced".into(),
            (true, false) => format!("{} +unpriced", self.cost),
            _ => self.cost.to_string(),
        }
    }
}

pub struct Row {
    /// Leading identity fields (date, session id, …), in column order.
    pub fields: Vec<(&'static str, Value)>,
    pub line: Line,
}

pub struct Document {
    /// Top-level key: `daily`, `sessions`, `blocks`, …
    pub name: &'static str,
    /// The leading identity columns, fixed per kind (so a CSV header is the same with and
    /// without rows).
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
    pub totals: Line,
}

impl Document {
    pub fn grouped(kind: ReportKind, rows: Vec<UsageRow>) -> Document {
        let (name, key): (&'static str, &'static str) = match kind {
            ReportKind::Daily => ("daily", "date"),
            ReportKind::Weekly => ("weekly", "week"),
            ReportKind::Monthly => ("monthly", "month"),
            ReportKind::Team => ("teams", "team"),
            ReportKind::Project => ("projects", "project"),
            ReportKind::Developer => ("developers", "developer"),
            ReportKind::Model => ("models", "model"),
            _ => ("agents", "agent"),
        };
        let mut columns = vec![key];
        if kind == ReportKind::Project {
            columns.push("name");
        }
        let rows = rows
            .into_iter()
            .map(|r| {
                let mut fields = vec![(key, json!(r.key))];
                if kind == ReportKind::Project {
                    fields.push(("name", json!(r.label)));
                }
                Row {
                    fields,
                    line: Line::from(r),
                }
            })
            .collect();
        Document::new(name, columns, rows)
    }

    /// `now_ms` decides each session's state (running, idle, ended: `domain::session_state`,
    /// the console's rule).
    pub fn sessions(rows: Vec<SessionRow>, tz: Tz, now_ms: i64) -> Document {
        let rows = rows
            .into_iter()
            .map(|s| Row {
                fields: vec![
                    ("session_id", json!(s.session_key)),
                    ("agent", json!(s.agent)),
                    ("developer", json!(s.developer)),
                    (
                        "project",
                        json!(s.project_name.clone().or(s.project_id.clone())),
                    ),
                    ("branch", json!(s.branch)),
                    ("started_at", json!(iso(s.started_at))),
                    ("last_activity", json!(local_day(s.last_activity_at, tz))),
                    (
                        "state",
                        json!(
                            crate::domain::session_state::SessionState::of(
                                s.last_activity_at,
                                now_ms
                            )
                            .as_str()
                        ),
                    ),
                ],
                line: Line {
                    requests: s.requests,
                    usage: s.usage,
                    cost: s.cost,
                    unpriced_tokens: s.unpriced_tokens,
                    models: s.models,
                },
            })
            .collect();
        let columns = vec![
            "session_id",
            "agent",
            "developer",
            "project",
            "branch",
            "started_at",
            "last_activity",
            "state",
        ];
        Document::new("sessions", columns, rows)
    }

    pub fn blocks(blocks: Vec<Block>) -> Document {
        let rows = blocks
            .into_iter()
            .map(|b| Row {
                fields: vec![
                    (
                        "id",
                        json!(if b.is_gap {
                            format!("gap-{}", iso(b.start))
                        } else {
                            iso(b.start)
                        }),
                    ),
                    ("start_time", json!(iso(b.start))),
                    ("end_time", json!(iso(b.end))),
                    ("actual_end_time", json!(b.actual_end.map(iso))),
                    ("is_active", json!(b.is_active)),
                    ("is_gap", json!(b.is_gap)),
                    ("entries", json!(b.entries)),
                ],
                line: Line {
                    requests: b.entries as i64,
                    usage: b.usage,
                    cost: b.cost,
                    unpriced_tokens: b.unpriced_tokens,
                    models: b.models,
                },
            })
            .collect();
        let columns = vec![
            "id",
            "start_time",
            "end_time",
            "actual_end_time",
            "is_active",
            "is_gap",
            "entries",
        ];
        Document::new("blocks", columns, rows)
    }

    fn new(name: &'static str, columns: Vec<&'static str>, rows: Vec<Row>) -> Document {
        let mut totals = Line::default();
        for r in &rows {
            debug_assert!(r.fields.iter().map(|f| f.0).eq(columns.iter().copied()));
            totals.absorb(&r.line);
        }
        Document {
            name,
            columns,
            rows,
            totals,
        }
    }

    pub fn write_json(&self, out: &mut impl Write) -> anyhow::Result<()> {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (k, v) in &r.fields {
                    m.insert((*k).to_string(), v.clone());
                }
                r.line.json_fields(&mut m);
                Value::Object(m)
            })
            .collect();
        let mut totals = Map::new();
        self.totals.json_fields(&mut totals);
        let doc = json!({ self.name: rows, "totals": totals });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        Ok(())
    }

    pub fn write_csv(&self, out: &mut impl Write) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = self.columns.clone();
        header.extend(TOKEN_HEADERS);
        w.write_record(&header)?;
        for r in &self.rows {
            let mut rec: Vec<String> = r.fields.iter().map(|(_, v)| plain(v)).collect();
            rec.extend(token_cells(&r.line, false));
            w.write_record(&rec)?;
        }
        w.flush()?;
        Ok(())
    }
}

const TOKEN_HEADERS: [&str; 9] = [
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
    "total_tokens",
    "reasoning_tokens",
    "cost_usd",
    "unpriced_tokens",
    "models",
];

/// Models listed per cell in the terminal table.
const MODELS_IN_TABLE: usize = 3;

pub(super) fn token_cells(l: &Line, human: bool) -> Vec<String> {
    let u = &l.usage;
    let models = if human && l.models.len() > MODELS_IN_TABLE {
        // The terminal shows a few; JSON and CSV list every model.
        let first: Vec<&str> = l
            .models
            .iter()
            .take(MODELS_IN_TABLE)
            .map(String::as_str)
            .collect();
        format!(
            "{} +{} more",
            first.join(", "),
            l.models.len() - MODELS_IN_TABLE
        )
    } else {
        l.models
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(if human { ", " } else { ";" })
    };
    if human {
        vec![
            thousands(u.input),
            thousands(u.output),
            thousands(u.cache_creation()),
            thousands(u.cache_read),
            thousands(u.total()),
            l.cost_text(),
            models,
        ]
    } else {
        vec![
            u.input.to_string(),
            u.output.to_string(),
            u.cache_creation().to_string(),
            u.cache_read.to_string(),
            u.total().to_string(),
            u.reasoning.to_string(),
            if l.cost_text() == "unpriced" {
                String::new()
            } else {
                format!("{:.6}", l.cost.as_usd())
            },
            l.unpriced_tokens.to_string(),
            models,
        ]
    }
}

pub(super) fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn local_day(ms: i64, tz: Tz) -> String {
    crate::domain::period::local_date(ms, tz).to_string()
}
