//! The one fact kept from a content attribute: Claude Code's `tool_result` carries, inside
//! `tool_parameters` (dropped as content), the `git_commit_id` of a commit its Bash tool just
//! made. It is lifted into its own attribute before the content goes, and becomes a `commit`
//! timeline event whose detail is the id — how sessions link to commits without trailers.

use crate::domain::{EventKind, EventRecord};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};

/// The attribute the commit id is kept under.
pub const KEY: &str = "git_commit_id";

/// Copies `git_commit_id` out of `tool_parameters` (a JSON string) into its own attribute,
/// when it is a commit id (7 to 64 hex digits). Call before content is dropped.
pub fn lift(attributes: &mut Vec<KeyValue>) {
    let found = attributes.iter().find_map(|kv| {
        if kv.key != "tool_parameters" {
            return None;
        }
        let Some(Value::StringValue(json)) = kv.value.as_ref()?.value.as_ref() else {
            return None;
        };
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        let id = v.get(KEY)?.as_str()?.trim().to_ascii_lowercase();
        ((7..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
    });
    if let Some(id) = found {
        attributes.push(KeyValue {
            key: KEY.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(id)),
            }),
            ..KeyValue::default()
        });
    }
}

/// The `commit` event that goes with a tool result naming a commit.
pub fn commit_event(tool_result: &EventRecord, commit_id: String) -> EventRecord {
    EventRecord {
        dedupe_key: format!("{}:commit", tool_result.dedupe_key),
        kind: EventKind::Commit,
        detail: Some(commit_id),
        decision: None,
        status_code: None,
        ..tool_result.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &str, v: &str) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(v.into())),
            }),
            ..KeyValue::default()
        }
    }

    #[test]
    fn lifts_only_a_commit_id() {
        let mut a = vec![kv(
            "tool_parameters",
            r#"{"command":"git commit -m x","git_commit_id":"1A2B3C4D5E"}"#,
        )];
        lift(&mut a);
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].key, KEY);
        let mut b = vec![kv(
            "tool_parameters",
            r#"{"git_commit_id":"not a sha; rm -rf"}"#,
        )];
        lift(&mut b);
        assert_eq!(b.len(), 1);
        let mut c = vec![kv("tool_parameters", "garbage")];
        lift(&mut c);
        assert_eq!(c.len(), 1);
    }
}
