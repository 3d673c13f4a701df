//! Reports cut into time buckets and paged by an opaque cursor (Anthropic's usage and cost
//! reports, OpenAI's usage and costs): `{data: [{<start>, results: [...]}], has_more,
//! next_page}`. Each page is written with the stream cursor that covers it; the cursor
//! moves to the last settled day only when the last page is in.

use super::anthropic::bad_body;
use super::stream::{PageGuard, Resume, Stream, StreamState, settled_through};
use super::{Pass, PollError, PollReport, day_of, write_page};
use crate::collect::http::FetchError;
use crate::store::ops::Op;
use chrono::{DateTime, NaiveDate};
use serde_json::Value;

pub struct BucketQuery {
    pub source: &'static str,
    pub stream: &'static str,
    pub endpoint: &'static str,
    /// Fixed parameters (limit, bucket width, grouping).
    pub params: Vec<(String, String)>,
    /// The range parameters for days `from..=to`.
    pub range: fn(NaiveDate, NaiveDate) -> Vec<(String, String)>,
}

/// The day a bucket starts: `starting_at` (RFC 3339) or `start_time` (Unix seconds).
fn bucket_day(bucket: &Value) -> Option<String> {
    if let Some(d) = bucket.get("starting_at").and_then(day_of) {
        return Some(d);
    }
    let secs = bucket.get("start_time")?.as_i64()?;
    DateTime::from_timestamp(secs, 0).map(|d| d.date_naive().to_string())
}

/// Reads every page of `q` over the stream's range; `map` turns one result into ops.
pub async fn bucketed(
    p: &Pass<'_>,
    q: BucketQuery,
    report: &mut PollReport,
    mut map: impl FnMut(&str, &Value, &mut PollReport) -> Vec<Op>,
) -> Result<(), PollError> {
    let stream = Stream::load(p.store, q.source, q.stream)?;
    let (from, to) = stream.range(p.today, p.spec.backfill_days);
    let mut page = stream
        .state
        .resume
        .as_ref()
        .filter(|r| r.from == from)
        .map(|r| r.page.clone());
    let mut resumed = page.is_some();
    let mut guard = PageGuard::new(q.endpoint);
    loop {
        let mut query = q.params.clone();
        query.extend((q.range)(from, to));
        if let Some(token) = &page {
            query.push(("page".into(), token.clone()));
        }
        let body = match p.api.get(q.endpoint, &query).await {
            Ok(body) => body,
            // A stored page token the vendor no longer accepts (expired): read the range
            // again from its start rather than failing every pass on it.
            Err(FetchError::Server { status, .. }) if resumed && (400..500).contains(&status) => {
                resumed = false;
                page = None;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        resumed = false;
        let buckets = body
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_body(q.endpoint, "no `data` array"))?;
        let mut ops = Vec::new();
        for bucket in buckets {
            let Some(day) = bucket_day(bucket) else {
                report.problems.add("bad_value", || {
                    format!("{}: a bucket without a start", q.endpoint)
                });
                continue;
            };
            // Some published specs name the list `result`; accept both.
            let results = bucket.get("results").or_else(|| bucket.get("result"));
            if results.is_some_and(|r| !r.is_array() && !r.is_null()) {
                report.problems.add("bad_value", || {
                    format!("{} {day}: the bucket's results are not a list", q.endpoint)
                });
            }
            for r in results.and_then(Value::as_array).into_iter().flatten() {
                ops.extend(map(&day, r, report));
            }
        }
        let more = has_more(&body, q.endpoint)?;
        let next = guard.next(
            more.then(|| body.get("next_page").and_then(Value::as_str))
                .flatten(),
        )?;
        if more && next.is_none() {
            return Err(bad_body(
                q.endpoint,
                "`has_more` is true but `next_page` is missing",
            ));
        }
        let state = StreamState {
            complete_through: match &next {
                Some(_) => stream.state.complete_through,
                None => Some(settled_through(p.today)).max(stream.state.complete_through),
            },
            resume: next.as_ref().map(|token| Resume {
                from,
                page: token.clone(),
            }),
        };
        report.rows_added +=
            write_page(p.store, ops, vec![], vec![], stream.cursor(&state, p.now)).await?;
        report.pages += 1;
        match next {
            Some(token) => page = Some(token),
            None => return Ok(()),
        }
    }
}

/// A page's `has_more`: absent is false; anything but a boolean is an error, so a page the
/// server meant to continue is never taken for the last one.
pub fn has_more(body: &Value, endpoint: &str) -> Result<bool, PollError> {
    match body.get("has_more") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(more)) => Ok(*more),
        Some(_) => Err(bad_body(endpoint, "`has_more` is not true or false")),
    }
}
