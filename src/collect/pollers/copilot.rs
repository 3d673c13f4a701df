//! GitHub Copilot (docs/vendor-apis.md "GitHub Copilot"): the usage-metrics reports — per
//! day, `users-1-day` answers with signed download links to NDJSON (one record per user),
//! fetched WITHOUT the GitHub token — and the billing seats (last activity, editor), paged
//! by `Link`. The legacy `/copilot/metrics` endpoint is closed and not used.

use super::stream::{Stream, settled_through};
use super::{
    ApiSpec, PollError, PollReport, anthropic::bad_body, anthropic::today, count, write_page,
};
use crate::collect::directory::{all_pages_in, github_client};
use crate::collect::http::{FetchError, Secret};
use crate::domain::UnixMillis;
use crate::store::Store;
use crate::store::ops::{DailyUsageRow, Op};
use crate::store::vendor::SeatRow;
use chrono::{Duration, NaiveDate};
use serde_json::Value;
use std::collections::HashMap;

pub const SOURCE: &str = "copilot";

pub async fn poll(
    spec: &ApiSpec,
    key: Secret,
    store: &Store,
    now: UnixMillis,
) -> Result<PollReport, PollError> {
    let org = spec
        .org
        .clone()
        .ok_or_else(|| PollError::Config("[sources.copilot] needs `org`".into()))?;
    let mut api = github_client(&spec.base_url, key)?;
    api.retry = spec.retry;
    let by_handle = store.reader()?.developer_ids_by_handle()?;
    let developer = |login: &str| {
        let login = login.to_ascii_lowercase();
        by_handle.get(&login).cloned().unwrap_or(login)
    };
    let mut report = PollReport::default();
    seats(&api, &org, store, now, &developer, &mut report).await?;
    reports(&api, spec, &org, store, now, &developer, &mut report).await?;
    Ok(report)
}

async fn seats(
    api: &crate::collect::http::ApiClient,
    org: &str,
    store: &Store,
    now: UnixMillis,
    developer: &(dyn Fn(&str) -> String + Sync),
    report: &mut PollReport,
) -> Result<(), PollError> {
    let path = format!("/orgs/{org}/copilot/billing/seats");
    let mut pages = 0;
    let seats = all_pages_in(api, &path, "seats", &mut pages).await?;
    report.pages += pages;
    let ts = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|d| d.timestamp_millis())
    };
    let mut ops = Vec::new();
    for s in &seats {
        let Some(login) = s.pointer("/assignee/login").and_then(Value::as_str) else {
            report.problems.add("missing_field", || {
                format!("{path}: a seat without `assignee.login`")
            });
            continue;
        };
        // Known by login at least, so Adoption lists the seat holder.
        ops.push(Op::UpsertMember(crate::store::directory::MemberRow {
            id: developer(login),
            handle: Some(login.to_ascii_lowercase()),
            ..Default::default()
        }));
        ops.push(Op::UpsertSeat(SeatRow {
            source: SOURCE.into(),
            developer: developer(login),
            plan: s
                .get("plan_type")
                .and_then(Value::as_str)
                .map(str::to_string),
            last_activity_at: ts(s.get("last_activity_at")),
            last_activity_editor: s
                .get("last_activity_editor")
                .and_then(Value::as_str)
                .map(str::to_string),
            created_at: ts(s.get("created_at")),
            pending_cancellation: s
                .get("pending_cancellation_date")
                .and_then(Value::as_str)
                .map(str::to_string),
            seen_at: now,
        }));
    }
    // The list is complete: a seat no longer in it was unassigned.
    ops.push(Op::RetireSeats {
        source: SOURCE.into(),
        seen_before: now,
    });
    let stream = Stream::load(store, SOURCE, "copilot/billing/seats")?;
    report.rows_added += write_page(
        store,
        ops,
        vec![],
        vec![],
        stream.cursor(&Default::default(), now),
    )
    .await?;
    Ok(())
}

/// One `users-1-day` report per day of the range (data is final up to yesterday).
async fn reports(
    api: &crate::collect::http::ApiClient,
    spec: &ApiSpec,
    org: &str,
    store: &Store,
    now: UnixMillis,
    developer: &(dyn Fn(&str) -> String + Sync),
    report: &mut PollReport,
) -> Result<(), PollError> {
    let path = format!("/orgs/{org}/copilot/metrics/reports/users-1-day");
    let stream = Stream::load(store, SOURCE, "copilot/metrics/reports/users-1-day")?;
    let today = today(now);
    let (from, _) = stream.range(today, spec.backfill_days);
    let mut state = stream.state.clone();
    let mut day = from;
    while day < today {
        let rows = match api.get(&path, &[("day".into(), day.to_string())]).await {
            Ok(body) => day_rows(api, &path, &body, day, developer, report).await?,
            // No report for that day (before the org's data starts): nothing to store.
            Err(FetchError::Server { status: 404, .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        if day <= settled_through(today) {
            state.complete_through = Some(day).max(state.complete_through);
        }
        report.rows_added +=
            write_page(store, rows, vec![], vec![], stream.cursor(&state, now)).await?;
        report.pages += 1;
        day += Duration::days(1);
    }
    Ok(())
}

/// Downloads every link of one day's report (no credentials) and maps its NDJSON records.
async fn day_rows(
    api: &crate::collect::http::ApiClient,
    path: &str,
    body: &Value,
    day: NaiveDate,
    developer: &(dyn Fn(&str) -> String + Sync),
    report: &mut PollReport,
) -> Result<Vec<Op>, PollError> {
    let links = body
        .get("download_links")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_body(path, "no `download_links` array"))?;
    let mut per_dev: HashMap<String, DailyUsageRow> = HashMap::new();
    for (n, link) in links.iter().enumerate() {
        let Some(url) = link.as_str() else { continue };
        let text = api.download(url).await?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let where_ = || format!("{path} {day} link {} line {}", n + 1, i + 1);
            let record: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    report.problems.add("malformed_json", || {
                        format!("{}: column {}", where_(), e.column())
                    });
                    continue;
                }
            };
            match user_row(&record, day, developer) {
                Ok(Some(row)) => {
                    // A user split across files (or repeated) is summed once per file line.
                    let slot =
                        per_dev
                            .entry(row.developer.clone())
                            .or_insert_with(|| DailyUsageRow {
                                suggestions: 0,
                                acceptances: 0,
                                lines_suggested: 0,
                                lines_accepted: 0,
                                requests: 0,
                                ..row.clone()
                            });
                    slot.suggestions += row.suggestions;
                    slot.acceptances += row.acceptances;
                    slot.lines_suggested += row.lines_suggested;
                    slot.lines_accepted += row.lines_accepted;
                    slot.requests += row.requests;
                }
                Ok(None) => {}
                Err(e) => report
                    .problems
                    .add("bad_value", || format!("{}: {e}", where_())),
            }
        }
    }
    let mut rows: Vec<DailyUsageRow> = per_dev.into_values().collect();
    rows.sort_by(|a, b| a.developer.cmp(&b.developer));
    Ok(rows.into_iter().map(Op::UpsertDailyUsage).collect())
}

fn user_row(
    r: &Value,
    day: NaiveDate,
    developer: &(dyn Fn(&str) -> String + Sync),
) -> Result<Option<DailyUsageRow>, String> {
    let Some(login) = r.get("user_login").and_then(Value::as_str) else {
        return Ok(None);
    };
    let day = r
        .get("day")
        .and_then(super::day_of)
        .unwrap_or_else(|| day.to_string());
    Ok(Some(DailyUsageRow {
        source: SOURCE.into(),
        day,
        developer: developer(login),
        team: String::new(),
        suggestions: count(r, "/code_generation_activity_count")?,
        acceptances: count(r, "/code_acceptance_activity_count")?,
        lines_suggested: count(r, "/loc_suggested_to_add_sum")?,
        lines_accepted: count(r, "/loc_added_sum")?,
        requests: count(r, "/user_initiated_interaction_count")?,
        spend_micro_usd: 0,
    }))
}
