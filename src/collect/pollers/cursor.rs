//! Cursor Admin API (docs/vendor-apis.md "Cursor"): team members (directory and seats),
//! daily usage per developer (long ranges cut into 30-day chunks) for acceptance and lines,
//! spend per developer for the billing cycle (the bill), and filtered usage events — one
//! request each, with tokens and charged cents (billed) — paged by page number.

use super::stream::{PageGuard, Stream, StreamState, settled_through};
use super::{
    ApiSpec, PollError, PollReport, anthropic::bad_body, anthropic::today, cents_to_micro, count,
    decimal, write_page,
};
use crate::collect::http::{ApiClient, Auth, Secret};
use crate::domain::{
    Agent, Cost, KeyKind, Money, RequestKey, RequestRecord, SessionRecord, TokenUsage, UnixMillis,
};
use crate::store::Store;
use crate::store::directory::MemberRow;
use crate::store::ops::{DailyUsageRow, Op};
use crate::store::vendor::{SeatRow, VendorUsageRow};
use chrono::{DateTime, Duration, NaiveDate};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const SOURCE: &str = "cursor";
/// `vendor_usage.model` of the per-developer spend of a billing cycle.
pub const CYCLE_SPEND: &str = "(billing cycle)";
const MEMBERS: &str = "/teams/members";
const DAILY: &str = "/teams/daily-usage-data";
const SPEND: &str = "/teams/spend";
const EVENTS: &str = "/teams/filtered-usage-events";
/// The longest range one daily-usage call may ask for.
const CHUNK_DAYS: i64 = 30;
const PAGE_SIZE: i64 = 500;

pub async fn poll(
    spec: &ApiSpec,
    key: Secret,
    store: &Store,
    now: UnixMillis,
) -> Result<PollReport, PollError> {
    let mut api = ApiClient::new(&spec.base_url, Auth::BasicUser(key), vec![])?;
    api.retry = spec.retry;
    let today = today(now);
    let mut report = PollReport::default();
    members(&api, store, now, &mut report).await?;
    daily(&api, spec, store, today, now, &mut report).await?;
    spend(&api, store, now, &mut report).await?;
    events(&api, spec, store, today, now, &mut report).await?;
    Ok(report)
}

fn ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default()
}

fn email(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(crate::domain::identity::normalise_email)
        .filter(|e| e.contains('@'))
}

async fn members(
    api: &ApiClient,
    store: &Store,
    now: UnixMillis,
    report: &mut PollReport,
) -> Result<(), PollError> {
    let body = api.get(MEMBERS, &[]).await?;
    let list = body
        .get("teamMembers")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_body(MEMBERS, "no `teamMembers` array"))?;
    let mut ops = Vec::new();
    for m in list {
        let Some(email) = email(m, "email") else {
            report.problems.add("missing_field", || {
                format!("{MEMBERS}: a member without an email")
            });
            continue;
        };
        if m.get("isRemoved").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        ops.push(Op::UpsertMember(MemberRow {
            id: email.clone(),
            email: Some(email.clone()),
            display_name: m.get("name").and_then(Value::as_str).map(str::to_string),
            ..MemberRow::default()
        }));
        ops.push(Op::UpsertSeat(SeatRow {
            source: SOURCE.into(),
            developer: email,
            plan: m.get("role").and_then(Value::as_str).map(str::to_string),
            seen_at: now,
            ..SeatRow::default()
        }));
    }
    // A removed member's seat is no longer paid for.
    ops.push(Op::RetireSeats {
        source: SOURCE.into(),
        seen_before: now,
    });
    let stream = Stream::load(store, SOURCE, "teams/members")?;
    report.rows_added += write_page(
        store,
        ops,
        vec![],
        vec![],
        stream.cursor(&StreamState::default(), now),
    )
    .await?;
    report.pages += 1;
    Ok(())
}

/// Daily usage over the stream's range, one call per 30-day chunk.
async fn daily(
    api: &ApiClient,
    spec: &ApiSpec,
    store: &Store,
    today: NaiveDate,
    now: UnixMillis,
    report: &mut PollReport,
) -> Result<(), PollError> {
    let stream = Stream::load(store, SOURCE, "teams/daily-usage-data")?;
    let (from, to) = stream.range(today, spec.backfill_days);
    let mut state = stream.state.clone();
    let mut start = from;
    while start <= to {
        let end = (start + Duration::days(CHUNK_DAYS - 1)).min(to);
        let body = api
            .post(
                DAILY,
                &json!({ "startDate": ms(start), "endDate": ms(end + Duration::days(1)) - 1 }),
            )
            .await?;
        let rows = body
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_body(DAILY, "no `data` array"))?;
        let mut ops = Vec::new();
        for r in rows {
            match daily_row(r) {
                Ok(Some(row)) => ops.push(Op::UpsertDailyUsage(row)),
                Ok(None) => {}
                Err(e) => report.problems.add("bad_value", || format!("{DAILY}: {e}")),
            }
        }
        if end <= settled_through(today) {
            state.complete_through = Some(end).max(state.complete_through);
        } else if start <= settled_through(today) {
            state.complete_through = Some(settled_through(today)).max(state.complete_through);
        }
        report.rows_added +=
            write_page(store, ops, vec![], vec![], stream.cursor(&state, now)).await?;
        report.pages += 1;
        start = end + Duration::days(1);
    }
    Ok(())
}

fn daily_row(r: &Value) -> Result<Option<DailyUsageRow>, String> {
    let Some(developer) = email(r, "email") else {
        return Ok(None);
    };
    let day = match r.get("day").and_then(super::day_of) {
        Some(d) => d,
        None => r
            .get("date")
            .and_then(Value::as_i64)
            .and_then(DateTime::from_timestamp_millis)
            .map(|d| d.date_naive().to_string())
            .ok_or_else(|| format!("{developer}: no usable `date`"))?,
    };
    let requests = [
        "/composerRequests",
        "/chatRequests",
        "/agentRequests",
        "/cmdkUsages",
    ]
    .iter()
    .map(|k| count(r, k))
    .sum::<Result<i64, String>>()?;
    Ok(Some(DailyUsageRow {
        source: SOURCE.into(),
        day,
        developer,
        team: String::new(),
        suggestions: count(r, "/totalTabsShown")? + count(r, "/totalApplies")?,
        acceptances: count(r, "/totalTabsAccepted")? + count(r, "/totalAccepts")?,
        lines_suggested: count(r, "/totalLinesAdded")?,
        lines_accepted: count(r, "/acceptedLinesAdded")?,
        requests,
        spend_micro_usd: 0,
    }))
}

/// Spend per member for the current billing cycle, paged by page number.
async fn spend(
    api: &ApiClient,
    store: &Store,
    now: UnixMillis,
    report: &mut PollReport,
) -> Result<(), PollError> {
    let stream = Stream::load(store, SOURCE, "teams/spend")?;
    let mut guard = PageGuard::new(SPEND);
    let mut page = 1i64;
    loop {
        let body = api
            .post(SPEND, &json!({ "page": page, "pageSize": 100 }))
            .await?;
        let list = body
            .get("teamMemberSpend")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_body(SPEND, "no `teamMemberSpend` array"))?;
        let cycle = body
            .get("subscriptionCycleStart")
            .and_then(Value::as_i64)
            .and_then(DateTime::from_timestamp_millis)
            .map(|d| d.date_naive().to_string())
            .ok_or_else(|| bad_body(SPEND, "no `subscriptionCycleStart`"))?;
        let mut ops = Vec::new();
        for m in list {
            let (Some(developer), Some(micro)) = (
                email(m, "email"),
                m.get("spendCents")
                    .and_then(decimal)
                    .and_then(cents_to_micro),
            ) else {
                report.problems.add("bad_value", || {
                    format!("{SPEND}: a member without email or a spendCents in range")
                });
                continue;
            };
            ops.push(Op::UpsertVendorUsage(VendorUsageRow {
                source: SOURCE.into(),
                day: cycle.clone(),
                developer,
                model: CYCLE_SPEND.into(),
                billed_micro_usd: Some(micro),
                ..VendorUsageRow::default()
            }));
        }
        let pages =
            paging(&body, "/totalPages", SPEND, Value::as_i64, "a whole number")?.unwrap_or(1);
        let next = (page < pages && !list.is_empty()).then(|| (page + 1).to_string());
        let next = guard.next(next.as_deref())?;
        report.rows_added += write_page(
            store,
            ops,
            vec![],
            vec![],
            stream.cursor(&StreamState::default(), now),
        )
        .await?;
        report.pages += 1;
        match next.and_then(|n| n.parse().ok()) {
            Some(n) => page = n,
            None => return Ok(()),
        }
    }
}

/// Usage events over the stream's range: one request per event.
async fn events(
    api: &ApiClient,
    spec: &ApiSpec,
    store: &Store,
    today: NaiveDate,
    now: UnixMillis,
    report: &mut PollReport,
) -> Result<(), PollError> {
    let stream = Stream::load(store, SOURCE, "teams/filtered-usage-events")?;
    let (from, to) = stream.range(today, spec.backfill_days);
    let mut guard = PageGuard::new(EVENTS);
    let mut page = 1i64;
    let prices = crate::pricing::PriceTable::builtin();
    loop {
        let body = api
            .post(
                EVENTS,
                &json!({ "startDate": ms(from), "endDate": ms(to + Duration::days(1)) - 1, "page": page, "pageSize": PAGE_SIZE }),
            )
            .await?;
        let list = body
            .get("usageEvents")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_body(EVENTS, "no `usageEvents` array"))?;
        let (mut requests, mut sessions) = (Vec::new(), Vec::new());
        for e in list {
            match event_request(e, &prices, now) {
                Ok((r, s)) => {
                    requests.push(r);
                    sessions.push(s);
                }
                Err(why) => report
                    .problems
                    .add("bad_value", || format!("{EVENTS} page {page}: {why}")),
            }
        }
        if let Some(current) = body
            .pointer("/pagination/currentPage")
            .and_then(Value::as_i64)
            && current != page
        {
            return Err(crate::collect::http::FetchError::CursorLoop {
                endpoint: EVENTS.into(),
                cursor: format!("page {page} answered as page {current}"),
            }
            .into());
        }
        let has_next = paging(
            &body,
            "/pagination/hasNextPage",
            EVENTS,
            Value::as_bool,
            "true or false",
        )?
        .unwrap_or(false);
        let next = guard.next(
            (has_next && !list.is_empty())
                .then(|| (page + 1).to_string())
                .as_deref(),
        )?;
        let state = StreamState {
            complete_through: match next {
                Some(_) => stream.state.complete_through,
                None => Some(settled_through(today)).max(stream.state.complete_through),
            },
            resume: None,
        };
        report.rows_added += write_page(
            store,
            vec![],
            requests,
            sessions,
            stream.cursor(&state, now),
        )
        .await?;
        report.pages += 1;
        match next.and_then(|n| n.parse().ok()) {
            Some(n) => page = n,
            None => return Ok(()),
        }
    }
}

/// A page's paging field (`totalPages`, `hasNextPage`): absent is `None`; present but of
/// another type (a string, `null`) is an error naming the endpoint, so a page the server
/// meant to continue is never taken for the last one (as `has_more` elsewhere).
fn paging<T>(
    body: &Value,
    pointer: &str,
    endpoint: &str,
    read: fn(&Value) -> Option<T>,
    expected: &str,
) -> Result<Option<T>, PollError> {
    match body.pointer(pointer) {
        None => Ok(None),
        Some(v) => read(v).map(Some).ok_or_else(|| {
            let name = pointer.rsplit('/').next().unwrap_or(pointer);
            bad_body(endpoint, &format!("`{name}` is not {expected}"))
        }),
    }
}

/// One usage event as a request; its key hashes the fields that identify it (the API
/// gives no id), so re-polling the same period adds nothing.
fn event_request(
    e: &Value,
    prices: &crate::pricing::PriceTable,
    now: UnixMillis,
) -> Result<(RequestRecord, SessionRecord), String> {
    let developer = email(e, "userEmail").ok_or("an event without `userEmail`")?;
    let ts = match e.get("timestamp") {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
    .filter(|t| *t >= crate::domain::bounds::EARLIEST_TS)
    .ok_or("`timestamp` is not epoch milliseconds")?;
    let ts = crate::domain::bounds::timestamp("timestamp", ts, now)
        .map_err(|_| format!("`timestamp` {ts} is in the future"))?;
    let model = e
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    crate::domain::bounds::id("model", &model).map_err(|e| e.to_string())?;
    let usage = TokenUsage {
        input: count(e, "/tokenUsage/inputTokens")?,
        output: count(e, "/tokenUsage/outputTokens")?,
        cache_write_5m: count(e, "/tokenUsage/cacheWriteTokens")?,
        cache_write_1h: 0,
        cache_read: count(e, "/tokenUsage/cacheReadTokens")?,
        reasoning: 0,
    };
    let charged = match e.get("chargedCents").and_then(decimal) {
        Some(cents) => Some(
            cents_to_micro(cents)
                .and_then(|m| crate::domain::bounds::cost_micro_usd("chargedCents", m).ok())
                .ok_or("`chargedCents` is above the bound for one request")?,
        ),
        None => None,
    };
    let chargeable = e
        .get("isChargeable")
        .and_then(Value::as_bool)
        .unwrap_or(charged.is_some());
    let cost = match charged {
        // What Cursor charged: the bill.
        Some(micro) if chargeable => Cost::reported(Money::from_micro_usd(micro)),
        // Included in the plan: our estimate from the price table.
        _ => prices.cost(Some(price_name(&model).as_str()), &usage, false),
    };
    let conversation = e
        .get("conversationId")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty());
    let day = DateTime::from_timestamp_millis(ts)
        .map(|d| d.date_naive().to_string())
        .unwrap_or_default();
    let session_key = match conversation {
        Some(c) => format!("cursor:{c}"),
        None => format!("cursor:{developer}:{day}"),
    };
    let mut h = Sha256::new();
    for part in [
        ts.to_string(),
        developer.clone(),
        conversation.unwrap_or("").to_string(),
        model.clone(),
        e.get("chargedCents")
            .map(Value::to_string)
            .unwrap_or_default(),
        e.get("requestsCosts")
            .map(Value::to_string)
            .unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let key = RequestKey::new(KeyKind::CursorUsage {
        digest: hex::encode(&h.finalize()[..16]),
    });
    let session = SessionRecord {
        agent: Agent::Cursor,
        session_key: session_key.clone(),
        source: SOURCE.into(),
        developer: developer.clone(),
        project_id: None,
        branch: None,
        started_at: ts,
        last_activity_at: ts,
        title: None,
    };
    Ok((
        RequestRecord {
            dedupe_key: key,
            agent: Agent::Cursor,
            session_key,
            ts,
            model: Some(model),
            usage,
            cost,
            developer,
            project_id: None,
            sidechain: false,
            message_id: None,
            fast: false,
            ord: 0,
        },
        session,
    ))
}

/// The price-table name of a Cursor model: Cursor writes Claude as `claude-<version>-<family>`
/// (`claude-4.5-sonnet`, `claude-4.5-sonnet-thinking`); the table has `claude-sonnet-4-5`.
pub fn price_name(model: &str) -> String {
    let base = model.trim_end_matches("-thinking").trim_end_matches("-max");
    let parts: Vec<&str> = base.split('-').collect();
    match parts.as_slice() {
        ["claude", version, family]
            if version.chars().next().is_some_and(|c| c.is_ascii_digit()) =>
        {
            format!("claude-{family}-{}", version.replace('.', "-"))
        }
        _ => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursor_claude_names_map_to_table_names() {
        assert_eq!(super::price_name("claude-4.5-sonnet"), "claude-sonnet-4-5");
        assert_eq!(
            super::price_name("claude-4.5-sonnet-thinking"),
            "claude-sonnet-4-5"
        );
        assert_eq!(super::price_name("claude-4-opus"), "claude-opus-4");
        assert_eq!(super::price_name("gpt-5"), "gpt-5");
    }
}
