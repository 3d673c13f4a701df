//! OpenAI Admin API (docs/vendor-apis.md "OpenAI"): completions usage per day and model
//! (input includes cached input: stored as uncached + cached; priced by us as an estimate)
//! and costs per day and line item (the bill, in dollars).

use super::buckets::{BucketQuery, bucketed};
use super::{ApiSpec, Pass, PollError, PollReport, anthropic::today, count, decimal, usd_to_micro};
use crate::collect::http::{ApiClient, Auth, Secret};
use crate::domain::{TokenUsage, UnixMillis};
use crate::store::Store;
use crate::store::ops::Op;
use crate::store::vendor::VendorUsageRow;
use chrono::{Duration, NaiveDate};
use serde_json::Value;
use std::collections::BTreeMap;

pub const SOURCE: &str = "openai_admin";
const USAGE: &str = "/v1/organization/usage/completions";
const COSTS: &str = "/v1/organization/costs";

pub async fn poll(
    spec: &ApiSpec,
    key: Secret,
    store: &Store,
    now: UnixMillis,
) -> Result<PollReport, PollError> {
    let mut api = ApiClient::new(&spec.base_url, Auth::Bearer(key), vec![])?;
    api.retry = spec.retry;
    let p = Pass {
        api: &api,
        spec,
        store,
        today: today(now),
        now,
    };
    let prices = crate::pricing::PriceTable::builtin();
    let mut report = PollReport::default();
    bucketed(
        &p,
        query("usage/completions", USAGE, "model"),
        &mut report,
        |day, r, report| usage_row(day, r, &prices, report),
    )
    .await?;
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    bucketed(
        &p,
        query("costs", COSTS, "line_item"),
        &mut report,
        |day, r, report| {
            let Some(usd) = r
                .pointer("/amount/value")
                .and_then(decimal)
                .filter(|u| usd_to_micro(*u).is_some())
            else {
                report.problems.add("bad_value", || {
                    format!("{COSTS} {day}: `amount.value` is not an amount in range")
                });
                return vec![];
            };
            let item = r
                .get("line_item")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            // One line item arrives once per project: sum them.
            let total = sums.entry((day.to_string(), item.clone())).or_insert(0.0);
            *total += usd;
            vec![Op::UpsertVendorUsage(VendorUsageRow {
                source: SOURCE.into(),
                day: day.to_string(),
                developer: String::new(),
                model: item,
                billed_micro_usd: usd_to_micro(*total),
                ..VendorUsageRow::default()
            })]
        },
    )
    .await?;
    Ok(report)
}

fn query(stream: &'static str, endpoint: &'static str, group: &str) -> BucketQuery {
    BucketQuery {
        source: SOURCE,
        stream,
        endpoint,
        params: vec![
            ("bucket_width".into(), "1d".into()),
            ("group_by".into(), group.into()),
            ("limit".into(), "31".into()),
        ],
        range: |from: NaiveDate, to: NaiveDate| {
            let secs = |d: NaiveDate| {
                d.and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc().timestamp())
                    .unwrap_or_default()
                    .to_string()
            };
            vec![
                ("start_time".into(), secs(from)),
                ("end_time".into(), secs(to + Duration::days(1))),
            ]
        },
    }
}

fn usage_row(
    day: &str,
    r: &Value,
    prices: &crate::pricing::PriceTable,
    report: &mut PollReport,
) -> Vec<Op> {
    let model = r
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let parsed = (|| -> Result<(TokenUsage, i64), String> {
        let input = count(r, "/input_tokens")?;
        let cached = count(r, "/input_cached_tokens")?.min(input);
        Ok((
            TokenUsage {
                input: input - cached,
                output: count(r, "/output_tokens")?,
                cache_read: cached,
                ..TokenUsage::default()
            },
            count(r, "/num_model_requests")?,
        ))
    })();
    let (tokens, requests) = match parsed {
        Ok(t) => t,
        Err(e) => {
            report
                .problems
                .add("bad_value", || format!("{USAGE} {day} {model}: {e}"));
            return vec![];
        }
    };
    vec![super::estimated_usage(
        SOURCE, day, model, &tokens, requests, prices,
    )]
}
