//! OTLP metrics → metric points. Commit, pull-request and lines-of-code counters become one
//! point each (a number, never one row per unit); the store turns a point into at most one
//! counter increment and one timeline mark, cumulative points against the last point of
//! their series kept in the database (domain::counter).

use super::Mapped;
use super::attrs::{Attrs, drop_content, series_key};
use super::identity::named_developer;
use crate::domain::bounds::{self, MAX_ATTRIBUTES_PER_RECORD};
use crate::domain::counter::MetricPoint;
use crate::domain::{Agent, EventKind, SessionRecord, UnixMillis};
use crate::server::owners::OwnerRule;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{
    NumberDataPoint, metric::Data, number_data_point::Value,
};
use sha2::{Digest, Sha256};

const CUMULATIVE: i32 = 2;

/// The counter a metric moves, and whether a point also marks the timeline.
fn target(name: &str) -> Option<(Agent, &'static str, Option<EventKind>)> {
    Some(match name {
        "claude_code.commit.count" => (Agent::ClaudeCode, "commits", Some(EventKind::Commit)),
        "claude_code.pull_request.count" => (
            Agent::ClaudeCode,
            "pull_requests",
            Some(EventKind::PullRequest),
        ),
        "claude_code.lines_of_code.count" => (Agent::ClaudeCode, "lines_of_code", None),
        "gemini_cli.lines.changed" => (Agent::Gemini, "lines_of_code", None),
        _ => return None,
    })
}

fn point_value(p: &NumberDataPoint) -> Result<i64, String> {
    let value = match p.value {
        Some(Value::AsDouble(d)) => d,
        Some(Value::AsInt(i)) => i as f64,
        None => return Err("no value".into()),
    };
    bounds::counter_f64("value", value).map_err(|e| e.to_string())
}

pub fn map_metrics(
    mut request: ExportMetricsServiceRequest,
    owners: &OwnerRule,
    now: UnixMillis,
) -> Mapped {
    let mut out = Mapped::default();
    for (ri, rm) in request.resource_metrics.iter_mut().enumerate() {
        let mut resource = rm.resource.take().map(|r| r.attributes).unwrap_or_default();
        drop_content(&mut resource);
        for (si, sm) in rm.scope_metrics.iter_mut().enumerate() {
            for (mi, metric) in sm.metrics.iter_mut().enumerate() {
                let (points, temporality) = match metric.data.as_mut() {
                    Some(Data::Sum(s)) => (&mut s.data_points, s.aggregation_temporality),
                    Some(Data::Gauge(g)) => {
                        out.received += g.data_points.len();
                        out.ignored += g.data_points.len();
                        continue;
                    }
                    _ => continue,
                };
                out.received += points.len();
                let Some((agent, counter, event)) = target(&metric.name) else {
                    out.ignored += points.len();
                    continue;
                };
                for (pi, p) in points.iter_mut().enumerate() {
                    drop_content(&mut p.attributes);
                    let at = || {
                        format!(
                            "resourceMetrics[{ri}].scopeMetrics[{si}].metrics[{mi}].dataPoints[{pi}]"
                        )
                    };
                    let point = Point {
                        name: &metric.name,
                        agent,
                        counter,
                        event,
                        cumulative: temporality == CUMULATIVE,
                    };
                    match map_point(&point, p, &resource, owners, now, &mut out) {
                        Ok(()) => {}
                        Err(reason) => out.reject(at(), reason),
                    }
                }
            }
        }
    }
    out
}

struct Point<'a> {
    name: &'a str,
    agent: Agent,
    counter: &'static str,
    event: Option<EventKind>,
    cumulative: bool,
}

fn map_point(
    point: &Point<'_>,
    p: &NumberDataPoint,
    resource: &[opentelemetry_proto::tonic::common::v1::KeyValue],
    owners: &OwnerRule,
    now: UnixMillis,
    out: &mut Mapped,
) -> Result<(), String> {
    if p.attributes.len() + resource.len() > MAX_ATTRIBUTES_PER_RECORD {
        return Err(format!("more than {MAX_ATTRIBUTES_PER_RECORD} attributes"));
    }
    let value = point_value(p)?;
    let attrs = Attrs {
        own: &p.attributes,
        resource,
    };
    let ts = i64::try_from(p.time_unix_nano / 1_000_000).unwrap_or(i64::MAX);
    let ts = bounds::timestamp("time_unix_nano", ts, now).map_err(|e| e.to_string())?;
    let named = named_developer(&attrs).map_err(|e| e.to_string())?;
    let owner = owners.telemetry_owner(&named).map_err(|e| e.to_string())?;
    let session = attrs
        .id("session.id")
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| "otel-metrics".into());
    let kind = match attrs.id("type").map_err(|e| e.to_string())? {
        Some(kind) if point.counter == "lines_of_code" => format!("lines_of_code.{kind}"),
        _ if point.counter == "lines_of_code" => "lines_of_code.total".to_string(),
        _ => point.counter.to_string(),
    };
    // The series: metric and attributes, hashed to a bounded id (per owner in the store).
    let identity = format!("{}|{}", point.name, series_key(&[resource, &p.attributes]));
    let series = hex::encode(Sha256::digest(identity.as_bytes()));
    out.metric_points.push(MetricPoint {
        developer: owner.clone(),
        agent: point.agent,
        session_key: session.clone(),
        metric: kind,
        series,
        start_nanos: p.start_time_unix_nano,
        time_nanos: p.time_unix_nano,
        ts,
        value,
        cumulative: point.cumulative,
        event: point.event,
    });
    out.sessions.push(SessionRecord {
        agent: point.agent,
        session_key: session,
        source: "otlp".into(),
        developer: owner.clone(),
        project_id: None,
        branch: None,
        started_at: ts,
        last_activity_at: ts,
        title: None,
    });
    out.owners.push(owner);
    Ok(())
}
