//! OTLP metrics → store rows. Commit and pull-request counters become timeline events (one
//! per unit), lines-of-code counters become telemetry counters. Delta points are increments;
//! cumulative points become differences per series, reset when `startTimeUnixNano` changes.

use super::Mapped;
use super::attrs::{Attrs, drop_content, series_key};
use super::identity::{Identity, identify};
use crate::domain::{Agent, EventKind, EventRecord};
use crate::store::queries::sync::TelemetryCounter;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{
    NumberDataPoint, metric::Data, number_data_point::Value,
};
use std::collections::HashMap;

const CUMULATIVE: i32 = 2;
/// More units than this in one point is not a believable commit count; it is capped.
const MAX_EVENTS_PER_POINT: i64 = 1_000;

/// The last cumulative value per series (metric + attributes), kept across exports.
#[derive(Debug, Default)]
pub struct CumulativeState {
    series: HashMap<String, (u64, f64)>,
}

impl CumulativeState {
    /// The increment a point stands for. A new series, or a changed start time (the
    /// exporter restarted), counts from zero; a value that went down is a reset too.
    pub fn increment(&mut self, series: String, start_nanos: u64, value: f64) -> f64 {
        let previous = self.series.insert(series, (start_nanos, value));
        match previous {
            Some((start, last)) if start == start_nanos && value >= last => value - last,
            _ => value,
        }
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

enum Target {
    Event(EventKind),
    Counter(&'static str),
}

fn target(name: &str) -> Option<(Agent, Target)> {
    Some(match name {
        "claude_code.commit.count" => (Agent::ClaudeCode, Target::Event(EventKind::Commit)),
        "claude_code.pull_request.count" => {
            (Agent::ClaudeCode, Target::Event(EventKind::PullRequest))
        }
        "claude_code.lines_of_code.count" => (Agent::ClaudeCode, Target::Counter("lines_of_code")),
        "gemini_cli.lines.changed" => (Agent::Gemini, Target::Counter("lines_of_code")),
        _ => return None,
    })
}

fn point_value(p: &NumberDataPoint) -> Option<f64> {
    match p.value? {
        Value::AsDouble(d) => Some(d),
        Value::AsInt(i) => Some(i as f64),
    }
    .filter(|v| v.is_finite() && *v >= 0.0)
}

pub fn map_metrics(
    mut request: ExportMetricsServiceRequest,
    state: &mut CumulativeState,
    pinned: Option<&Identity>,
) -> Mapped {
    let mut out = Mapped::default();
    for rm in &mut request.resource_metrics {
        let mut resource = rm.resource.take().map(|r| r.attributes).unwrap_or_default();
        drop_content(&mut resource);
        for sm in &mut rm.scope_metrics {
            for metric in &mut sm.metrics {
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
                let Some((agent, target)) = target(&metric.name) else {
                    out.ignored += points.len();
                    continue;
                };
                for p in points.iter_mut() {
                    drop_content(&mut p.attributes);
                    let Some(value) = point_value(p) else {
                        out.reject("data points had no usable value");
                        continue;
                    };
                    let increment = if temporality == CUMULATIVE {
                        let series = format!(
                            "{}|{}",
                            metric.name,
                            series_key(&[&resource, &p.attributes])
                        );
                        state.increment(series, p.start_time_unix_nano, value)
                    } else {
                        value
                    };
                    let attrs = Attrs {
                        own: &p.attributes,
                        resource: &resource,
                    };
                    map_point(
                        &metric.name,
                        agent,
                        &target,
                        &attrs,
                        p,
                        increment,
                        pinned,
                        &mut out,
                    );
                }
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn map_point(
    name: &str,
    agent: Agent,
    target: &Target,
    attrs: &Attrs<'_>,
    p: &NumberDataPoint,
    increment: f64,
    pinned: Option<&Identity>,
    out: &mut Mapped,
) {
    let units = increment.round() as i64;
    if units <= 0 {
        return;
    }
    let who = identify(attrs, pinned);
    let session = attrs
        .str("session.id")
        .unwrap_or_else(|| format!("otel-metrics:{}", who.developer));
    let ts = i64::try_from(p.time_unix_nano / 1_000_000).unwrap_or(0);
    let series = series_key(&[&p.attributes]);
    let point_id = format!("{name}|{}|{series}|{}", who.developer, p.time_unix_nano);
    match target {
        Target::Event(kind) => {
            for i in 0..units.min(MAX_EVENTS_PER_POINT) {
                out.events.push(EventRecord {
                    dedupe_key: format!("otelm:{point_id}:{i}"),
                    agent,
                    session_key: session.clone(),
                    ts,
                    kind: *kind,
                    tool_name: None,
                    decision: None,
                    status_code: None,
                    duration_ms: None,
                    detail: None,
                    ord: 0,
                });
            }
        }
        Target::Counter(metric) => {
            let kind = attrs.str("type").unwrap_or_else(|| "total".into());
            out.counters.push(TelemetryCounter {
                dedupe_key: format!("otelm:{point_id}"),
                ts,
                developer: who.developer.clone(),
                agent: agent.as_str().to_string(),
                session_key: session.clone(),
                metric: format!("{metric}.{kind}"),
                value: units,
            });
        }
    }
    out.sessions.push(crate::domain::SessionRecord {
        agent,
        session_key: session,
        source: "otlp".into(),
        developer: who.developer.clone(),
        project_id: None,
        branch: None,
        started_at: ts,
        last_activity_at: ts,
        title: None,
    });
    out.identities.push(who);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_points_become_differences_and_reset_on_a_new_start() {
        let mut s = CumulativeState::default();
        assert_eq!(s.increment("a".into(), 10, 3.0), 3.0);
        assert_eq!(s.increment("a".into(), 10, 5.0), 2.0);
        assert_eq!(
            s.increment("a".into(), 10, 5.0),
            0.0,
            "a re-sent export adds nothing"
        );
        assert_eq!(
            s.increment("a".into(), 20, 1.0),
            1.0,
            "a new start time is a reset"
        );
        assert_eq!(s.increment("b".into(), 10, 4.0), 4.0);
        assert_eq!(
            s.increment("a".into(), 20, 0.0),
            0.0,
            "a value that went down is a reset"
        );
    }
}
