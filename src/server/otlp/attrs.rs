//! Reading OTLP attributes the tolerant way (docs/formats.md, OpenTelemetry: numbers arrive as intValue,
//! doubleValue or even stringValue) and dropping content attributes (prompts, tool inputs,
//! responses, raw API bodies) before anything else looks at a record.

use crate::domain::bounds::{self, OutOfBounds, Violation};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};

/// Attributes that may carry prompt text, model output, tool inputs/outputs or code. They
/// are removed on arrival and never stored (docs/architecture.md: no content is ever stored).
pub const CONTENT_KEYS: &[&str] = &[
    "prompt",
    "tool_parameters",
    "tool_input",
    "tool_output",
    "response",
    "api_request_body",
    "api_response_body",
    "body",
    "body_ref",
    "function_args",
    "arguments",
    "output",
    "error",
    "message",
    "content",
    "workspace.host_paths",
];

/// Removes content attributes in place; returns how many were dropped.
pub fn drop_content(attributes: &mut Vec<KeyValue>) -> usize {
    let before = attributes.len();
    attributes.retain(|kv| !is_content_key(&kv.key));
    before - attributes.len()
}

fn is_content_key(key: &str) -> bool {
    CONTENT_KEYS.contains(&key)
        || key.starts_with("gen_ai.prompt")
        || key.starts_with("gen_ai.completion")
}

/// A view over a record's attributes with its resource's as fallback.
#[derive(Clone, Copy)]
pub struct Attrs<'a> {
    pub own: &'a [KeyValue],
    pub resource: &'a [KeyValue],
}

impl<'a> Attrs<'a> {
    pub fn get(&self, key: &str) -> Option<&'a AnyValue> {
        let find = |list: &'a [KeyValue]| {
            list.iter()
                .find(|kv| kv.key == key)
                .and_then(|kv| kv.value.as_ref())
        };
        find(self.own).or_else(|| find(self.resource))
    }

    /// A non-empty string (numbers and bools are rendered).
    pub fn str(&self, key: &str) -> Option<String> {
        any_to_string(self.get(key)?).filter(|s| !s.is_empty())
    }

    /// An integer from intValue, doubleValue (rounded) or a numeric stringValue.
    pub fn int(&self, key: &str) -> Option<i64> {
        any_to_i64(self.get(key)?)
    }

    pub fn float(&self, key: &str) -> Option<f64> {
        any_to_f64(self.get(key)?)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)?.value.as_ref()? {
            Value::BoolValue(b) => Some(*b),
            Value::StringValue(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => None,
            },
            Value::IntValue(i) => Some(*i != 0),
            _ => None,
        }
    }

    /// First of several keys that is present as a string.
    pub fn first_str(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.str(k))
    }

    /// An identifier within the id bounds (absent is `None`; too long is refused).
    pub fn id(&self, key: &'static str) -> Result<Option<String>, OutOfBounds> {
        match self.str(key) {
            Some(v) => {
                bounds::id(key, &v)?;
                Ok(Some(v))
            }
            None => Ok(None),
        }
    }

    /// The first of several identifier keys that is present, within the id bounds.
    pub fn first_id(&self, keys: &[&'static str]) -> Result<Option<String>, OutOfBounds> {
        for key in keys {
            if let Some(v) = self.id(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// A token count: absent is 0; present must be a whole number within the bounds, in
    /// whichever shape it arrived (int, double, numeric string).
    pub fn tokens(&self, key: &'static str) -> Result<i64, OutOfBounds> {
        let Some(value) = self.get(key).and_then(|v| v.value.as_ref()) else {
            return Ok(0);
        };
        match value {
            Value::IntValue(i) => bounds::tokens(key, *i),
            Value::DoubleValue(d) => bounds::tokens_f64(key, *d),
            Value::StringValue(s) => {
                let s = s.trim();
                match s.parse::<i64>() {
                    Ok(i) => bounds::tokens(key, i),
                    Err(_) => match s.parse::<f64>() {
                        Ok(d) => bounds::tokens_f64(key, d),
                        Err(_) => Err(OutOfBounds {
                            field: key,
                            why: Violation::NotANumber,
                        }),
                    },
                }
            }
            _ => Err(OutOfBounds {
                field: key,
                why: Violation::NotANumber,
            }),
        }
    }

    /// A stated cost in USD, if present: finite, non-negative, within the bounds.
    pub fn cost_usd(&self, key: &'static str) -> Result<Option<f64>, OutOfBounds> {
        let Some(value) = self.get(key).and_then(|v| v.value.as_ref()) else {
            return Ok(None);
        };
        let usd = match value {
            Value::IntValue(i) => *i as f64,
            Value::DoubleValue(d) => *d,
            Value::StringValue(s) => s.trim().parse::<f64>().map_err(|_| OutOfBounds {
                field: key,
                why: Violation::NotANumber,
            })?,
            _ => {
                return Err(OutOfBounds {
                    field: key,
                    why: Violation::NotANumber,
                });
            }
        };
        bounds::cost_usd(key, usd).map(Some)
    }
}

pub fn any_to_string(v: &AnyValue) -> Option<String> {
    match v.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::DoubleValue(d) => Some(d.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn any_to_i64(v: &AnyValue) -> Option<i64> {
    match v.value.as_ref()? {
        Value::IntValue(i) => Some(*i),
        Value::DoubleValue(d) if d.is_finite() => Some(d.round() as i64),
        Value::StringValue(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|d| d.is_finite())
                    .map(|d| d.round() as i64)
            })
        }
        _ => None,
    }
}

pub fn any_to_f64(v: &AnyValue) -> Option<f64> {
    match v.value.as_ref()? {
        Value::IntValue(i) => Some(*i as f64),
        Value::DoubleValue(d) => Some(*d),
        Value::StringValue(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|d| d.is_finite())
}

/// A stable text form of a key/value list, for series identities.
pub fn series_key(lists: &[&[KeyValue]]) -> String {
    let mut pairs: Vec<(String, String)> = lists
        .iter()
        .flat_map(|l| l.iter())
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value
                    .as_ref()
                    .and_then(any_to_string)
                    .unwrap_or_default(),
            )
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    #[test]
    fn numbers_arrive_in_three_shapes() {
        let own = vec![
            kv("a", Value::IntValue(7)),
            kv("b", Value::DoubleValue(7.4)),
            kv("c", Value::StringValue("7".into())),
            kv("d", Value::StringValue("x".into())),
        ];
        let attrs = Attrs {
            own: &own,
            resource: &[],
        };
        assert_eq!(
            [attrs.int("a"), attrs.int("b"), attrs.int("c")],
            [Some(7); 3]
        );
        assert_eq!(attrs.int("d"), None);
        assert_eq!(attrs.float("c"), Some(7.0));
    }

    #[test]
    fn content_attributes_are_dropped() {
        let mut list = vec![
            kv("prompt", Value::StringValue("secret".into())),
            kv("tool_parameters", Value::StringValue("{}".into())),
            kv("model", Value::StringValue("m".into())),
        ];
        assert_eq!(drop_content(&mut list), 2);
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn record_attributes_win_over_resource_ones() {
        let own = vec![kv("team", Value::StringValue("a".into()))];
        let res = vec![
            kv("team", Value::StringValue("b".into())),
            kv("x", Value::BoolValue(true)),
        ];
        let attrs = Attrs {
            own: &own,
            resource: &res,
        };
        assert_eq!(attrs.str("team").as_deref(), Some("a"));
        assert_eq!(attrs.bool("x"), Some(true));
    }
}
