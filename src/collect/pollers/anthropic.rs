//! Anthropic Admin API (docs/vendor-apis.md "Anthropic"): the messages usage report (tokens
//! per day and model, priced by us as an estimate), the cost report (the bill: amounts in
//! cents as decimal strings) and Claude Code analytics (one day per call; per developer:
//! sessions, lines, commits, PRs, tool decisions, tokens and the vendor's estimated cost).

use super::buckets::{BucketQuery, bucketed};
use super::stream::{PageGuard, Stream, settled_through};
use super::{
    ApiSpec, Pass, PollError, PollReport, cents_to_micro, count, day_of, decimal, write_page,
};
use crate::collect::http::{ApiClient, Auth, Secret};
use crate::domain::{TokenUsage, UnixMillis};
use crate::store::Store;
use crate::store::ops::{DailyUsageRow, Op};
use crate::store::vendor::{VendorActivity, VendorTokens, VendorUsageRow};
use chrono::{DateTime, Duration, NaiveDate};
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::HashMap;

pub const SOURCE: &str = "anthropic_admin";
/// `vendor_usage.source` of Claude Code analytics rows (per developer).
pub const CLAUDE_CODE_SOURCE: &str = "anthropic_claude_code";
/// `daily_usage.source` of Claude Code acceptance rows: the agent they measure, so the
/// Adoption view counts them with the same agent's local sessions.
pub const CLAUDE_CODE_DAILY: &str = "claude_code";

const USAGE: &str = "/v1/organizations/usage_report/messages";
const COST: &str = "/v1/organizations/cost_report";
const CLAUDE_CODE: &str = "/v1/organizations/usage_report/claude_code";

pub fn client(spec: &ApiSpec, key: Secret) -> Result<ApiClient, PollError> {
    Ok(ApiClient::new(
        &spec.base_url,
        Auth::Header("x-api-key", key),
        vec![("anthropic-version", "2023-06-01")],
    )?)
}

pub async fn poll(
    spec: &ApiSpec,
    key: Secret,
    store: &Store,
    now: UnixMillis,
) -> Result<PollReport, PollError> {
    let mut api = client(spec, key)?;
    api.retry = spec.retry;
    let pass = Pass {
        api: &api,
        spec,
        store,
        today: today(now),
        now,
    };
    let mut report = PollReport::default();
    let prices = crate::pricing::PriceTable::builtin();
    usage(&pass, &prices, &mut report).await?;
    cost(&pass, &mut report).await?;
    claude_code(&pass, &mut report).await?;
    Ok(report)
}

pub(super) fn today(now: UnixMillis) -> NaiveDate {
    DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .date_naive()
}

fn rfc3339(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

async fn usage(
    p: &Pass<'_>,
    prices: &crate::pricing::PriceTable,
    report: &mut PollReport,
) -> Result<(), PollError> {
    let extra = [("bucket_width", "1d"), ("group_by[]", "model")];
    bucketed(
        p,
        bucket_query("usage_report/messages", USAGE, &extra),
        report,
        |day, r, report| {
            let model = r
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let tokens = (|| -> Result<TokenUsage, String> {
                Ok(TokenUsage {
                    input: count(r, "/uncached_input_tokens")?,
                    output: count(r, "/output_tokens")?,
                    cache_write_5m: count(r, "/cache_creation/ephemeral_5m_input_tokens")?,
                    cache_write_1h: count(r, "/cache_creation/ephemeral_1h_input_tokens")?,
                    cache_read: count(r, "/cache_read_input_tokens")?,
                    reasoning: 0,
                })
            })();
            let tokens = match tokens {
                Ok(t) => t,
                Err(e) => {
                    report
                        .problems
                        .add("bad_value", || format!("{USAGE} {day} {model}: {e}"));
                    return vec![];
                }
            };
            vec![super::estimated_usage(
                SOURCE, day, model, &tokens, 0, prices,
            )]
        },
    )
    .await
}

async fn cost(p: &Pass<'_>, report: &mut PollReport) -> Result<(), PollError> {
    let extra = [("group_by[]", "description")];
    // Amounts of one day and model arrive split by token type: sum them per page-day.
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    bucketed(
        p,
        bucket_query("cost_report", COST, &extra),
        report,
        |day, r, report| {
            let Some(cents) = r
                .get("amount")
                .and_then(decimal)
                .filter(|c| cents_to_micro(*c).is_some())
            else {
                report.problems.add("bad_value", || {
                    format!("{COST} {day}: `amount` is not a decimal amount in range")
                });
                return vec![];
            };
            let model = r
                .get("model")
                .and_then(Value::as_str)
                .or_else(|| r.get("cost_type").and_then(Value::as_str))
                .or_else(|| r.get("description").and_then(Value::as_str))
                .unwrap_or("")
                .to_string();
            let total = sums.entry((day.to_string(), model.clone())).or_insert(0.0);
            *total += cents;
            vec![Op::UpsertVendorUsage(VendorUsageRow {
                source: SOURCE.into(),
                day: day.to_string(),
                developer: String::new(),
                model,
                billed_micro_usd: cents_to_micro(*total),
                ..VendorUsageRow::default()
            })]
        },
    )
    .await
}

/// Claude Code analytics: one call (and its pages) per day.
async fn claude_code(p: &Pass<'_>, report: &mut PollReport) -> Result<(), PollError> {
    let (api, store, today, now) = (p.api, p.store, p.today, p.now);
    let stream = Stream::load(store, SOURCE, "usage_report/claude_code")?;
    let (from, to) = stream.range(today, p.spec.backfill_days);
    let mut state = stream.state.clone();
    let mut day = from;
    while day <= to {
        let mut guard = PageGuard::new(CLAUDE_CODE);
        let mut page: Option<String> = None;
        // A day is written whole, once its last page is read: one developer may come in
        // several records (one per terminal, say), which add up.
        let mut day_ops = Vec::new();
        loop {
            let mut query = vec![
                ("starting_at".to_string(), day.to_string()),
                ("limit".to_string(), "1000".to_string()),
            ];
            if let Some(p) = &page {
                query.push(("page".into(), p.clone()));
            }
            let body = api.get(CLAUDE_CODE, &query).await?;
            let records = body
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| bad_body(CLAUDE_CODE, "no `data` array"))?;
            for r in records {
                day_ops.extend(claude_code_record(r, day, report));
            }
            let more = super::buckets::has_more(&body, CLAUDE_CODE)?;
            let next = guard.next(
                more.then(|| body.get("next_page").and_then(Value::as_str))
                    .flatten(),
            )?;
            if more && next.is_none() {
                return Err(bad_body(
                    CLAUDE_CODE,
                    "`has_more` is true but `next_page` is missing",
                ));
            }
            report.pages += 1;
            match next {
                Some(p) => page = Some(p),
                None => break,
            }
        }
        if day <= settled_through(today) {
            state.complete_through = Some(day).max(state.complete_through);
        }
        let ops = add_up_actor_days(day_ops);
        report.rows_added +=
            write_page(store, ops, vec![], vec![], stream.cursor(&state, now)).await?;
        day += Duration::days(1);
    }
    Ok(())
}

/// The rows of one day's records with those of the same developer (and model) added up;
/// each row is an upsert that replaces what is stored, so two records of one developer
/// (one per terminal) would otherwise leave only the last. Order of first appearance.
fn add_up_actor_days(ops: Vec<Op>) -> Vec<Op> {
    fn add(a: Option<i64>, b: Option<i64>) -> Option<i64> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        }
    }
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    let mut at: HashMap<(u8, String, String, String), usize> = HashMap::new();
    for op in ops {
        let key = match &op {
            Op::UpsertMember(m) => (0, String::new(), m.id.clone(), String::new()),
            Op::UpsertVendorUsage(v) => (1, v.day.clone(), v.developer.clone(), v.model.clone()),
            Op::UpsertDailyUsage(d) => (2, d.day.clone(), d.developer.clone(), d.team.clone()),
            _ => {
                out.push(op);
                continue;
            }
        };
        let Some(&i) = at.get(&key) else {
            at.insert(key, out.len());
            out.push(op);
            continue;
        };
        match (&mut out[i], op) {
            (Op::UpsertVendorUsage(a), Op::UpsertVendorUsage(b)) => {
                if let Some(t) = b.tokens {
                    *a.tokens.get_or_insert_default() += t;
                }
                if let Some(x) = b.activity {
                    *a.activity.get_or_insert_default() += x;
                }
                a.billed_micro_usd = add(a.billed_micro_usd, b.billed_micro_usd);
                a.estimated_micro_usd = add(a.estimated_micro_usd, b.estimated_micro_usd);
            }
            (Op::UpsertDailyUsage(a), Op::UpsertDailyUsage(b)) => {
                a.suggestions = a.suggestions.saturating_add(b.suggestions);
                a.acceptances = a.acceptances.saturating_add(b.acceptances);
                a.lines_suggested = a.lines_suggested.saturating_add(b.lines_suggested);
                a.lines_accepted = a.lines_accepted.saturating_add(b.lines_accepted);
                a.requests = a.requests.saturating_add(b.requests);
                a.spend_micro_usd = a.spend_micro_usd.saturating_add(b.spend_micro_usd);
            }
            // A member named again adds nothing.
            _ => {}
        }
    }
    out
}

/// One actor-day: activity and acceptance per developer, tokens and estimate per model.
fn claude_code_record(r: &Value, day: NaiveDate, report: &mut PollReport) -> Vec<Op> {
    let day = r
        .get("date")
        .and_then(day_of)
        .unwrap_or_else(|| day.to_string());
    let actor = r.get("actor").unwrap_or(&Value::Null);
    let developer = match (
        actor.get("email_address").and_then(Value::as_str),
        actor.get("api_key_name").and_then(Value::as_str),
    ) {
        (Some(email), _) => crate::domain::identity::normalise_email(email),
        (None, Some(key)) => format!("api-key:{}", key.trim()),
        _ => {
            report.problems.add("missing_field", || {
                format!("{CLAUDE_CODE} {day}: a record without an actor")
            });
            return vec![];
        }
    };
    let activity = (|| -> Result<VendorActivity, String> {
        let tools = [
            "edit_tool",
            "multi_edit_tool",
            "write_tool",
            "notebook_edit_tool",
        ];
        let (mut accepted, mut rejected) = (0, 0);
        for t in tools {
            accepted += count(r, &format!("/tool_actions/{t}/accepted"))?;
            rejected += count(r, &format!("/tool_actions/{t}/rejected"))?;
        }
        Ok(VendorActivity {
            sessions: count(r, "/core_metrics/num_sessions")?,
            lines_added: count(r, "/core_metrics/lines_of_code/added")?,
            lines_removed: count(r, "/core_metrics/lines_of_code/removed")?,
            commits: count(r, "/core_metrics/commits_by_claude_code")?,
            pull_requests: count(r, "/core_metrics/pull_requests_by_claude_code")?,
            tool_accepted: accepted,
            tool_rejected: rejected,
        })
    })();
    let activity = match activity {
        Ok(a) => a,
        Err(e) => {
            report.problems.add("bad_value", || {
                format!("{CLAUDE_CODE} {day} {developer}: {e}")
            });
            return vec![];
        }
    };
    let mut ops = vec![
        Op::UpsertMember(crate::store::directory::MemberRow {
            id: developer.clone(),
            email: developer.contains('@').then(|| developer.clone()),
            ..Default::default()
        }),
        Op::UpsertVendorUsage(VendorUsageRow {
            source: CLAUDE_CODE_SOURCE.into(),
            day: day.clone(),
            developer: developer.clone(),
            model: String::new(),
            activity: Some(activity),
            ..VendorUsageRow::default()
        }),
        Op::UpsertDailyUsage(DailyUsageRow {
            source: CLAUDE_CODE_DAILY.into(),
            day: day.clone(),
            developer: developer.clone(),
            team: String::new(),
            suggestions: activity.tool_accepted + activity.tool_rejected,
            acceptances: activity.tool_accepted,
            lines_suggested: activity.lines_added,
            lines_accepted: activity.lines_added,
            requests: activity.sessions,
            spend_micro_usd: 0,
        }),
    ];
    for m in r
        .get("model_breakdown")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let model = m
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let tokens = (|| -> Result<VendorTokens, String> {
            Ok(VendorTokens {
                input: count(m, "/tokens/input")?,
                output: count(m, "/tokens/output")?,
                cache_write: count(m, "/tokens/cache_creation")?,
                cache_read: count(m, "/tokens/cache_read")?,
                requests: 0,
            })
        })();
        match tokens {
            Ok(t) => ops.push(Op::UpsertVendorUsage(VendorUsageRow {
                source: CLAUDE_CODE_SOURCE.into(),
                day: day.clone(),
                developer: developer.clone(),
                model,
                tokens: Some(t),
                // The vendor's own estimate, in cents: an estimate, not a bill.
                estimated_micro_usd: m
                    .pointer("/estimated_cost/amount")
                    .and_then(decimal)
                    .and_then(cents_to_micro),
                ..VendorUsageRow::default()
            })),
            Err(e) => report.problems.add("bad_value", || {
                format!("{CLAUDE_CODE} {day} {developer} {model}: {e}")
            }),
        }
    }
    ops
}

/// Anthropic's ranges are RFC 3339 instants; its cursor parameter is `page`.
fn bucket_query(
    stream: &'static str,
    endpoint: &'static str,
    extra: &[(&str, &str)],
) -> BucketQuery {
    let mut params: Vec<(String, String)> = vec![("limit".into(), "31".into())];
    params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    BucketQuery {
        source: SOURCE,
        stream,
        endpoint,
        params,
        range: |from, to| {
            vec![
                ("starting_at".into(), rfc3339(from)),
                ("ending_at".into(), rfc3339(to + Duration::days(1))),
            ]
        },
    }
}

pub(super) fn bad_body(endpoint: &str, reason: &str) -> PollError {
    PollError::Fetch(crate::collect::http::FetchError::BadBody {
        endpoint: endpoint.to_string(),
        reason: reason.to_string(),
    })
}
