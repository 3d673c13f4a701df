//! A deploy or an incident reported by any CI/CD or paging tool (`agentdeck event …`,
//! `POST /api/v1/events`): the wire shape, bounded and checked before anything is stored.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Deploy,
    Incident,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeEvent {
    pub kind: OutcomeKind,
    /// The deploy's or incident's id in the reporting tool (`deploy-4812`, `INC-7`).
    pub id: String,
    /// Repository identity (`github.com/acme/api`); required for deploys.
    #[serde(default)]
    pub repo: Option<String>,
    /// When it happened (unix ms); default: when it was received.
    #[serde(default)]
    pub ts_ms: Option<i64>,
    /// Deploy: the commit deployed. Incident: the commit that caused it, when known.
    #[serde(default)]
    pub sha: Option<String>,
    /// Deploy: `success`, `failed` or `rolled_back`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    /// Incident: `sev1` … `sev4`.
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub resolved_at_ms: Option<i64>,
    /// Incident title (a label, not content; at most 200 characters).
    #[serde(default)]
    pub title: Option<String>,
}

pub const MAX_ID_CHARS: usize = 200;
pub const MAX_TITLE_CHARS: usize = 200;
pub const DEPLOY_STATUSES: [&str; 3] = ["success", "failed", "rolled_back"];
pub const SEVERITIES: [&str; 4] = ["sev1", "sev2", "sev3", "sev4"];

impl OutcomeEvent {
    /// Checks every field against `now`; the message names the field and what is expected.
    pub fn validate_at(&self, now: i64) -> Result<(), String> {
        let id = self.id.trim();
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return Err(format!("id: 1 to {MAX_ID_CHARS} characters expected"));
        }
        if let Some(sha) = &self.sha
            && (sha.len() < 7 || sha.len() > 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(format!(
                "sha `{sha}`: a commit id (7 to 64 hex digits) expected"
            ));
        }
        for (name, v) in [
            ("ts_ms", self.ts_ms),
            ("resolved_at_ms", self.resolved_at_ms),
        ] {
            if let Some(t) = v {
                super::bounds::timestamp(name, t, now).map_err(|e| e.to_string())?;
            }
        }
        for (name, v) in [("repo", &self.repo), ("environment", &self.environment)] {
            if let Some(v) = v {
                super::bounds::id(name, v).map_err(|e| e.to_string())?;
            }
        }
        if self
            .title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            return Err(format!("title: at most {MAX_TITLE_CHARS} characters"));
        }
        match self.kind {
            OutcomeKind::Deploy => {
                if self.repo.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err("repo: required for a deploy (e.g. github.com/acme/api)".into());
                }
                let status = self.status.as_deref().unwrap_or("success");
                if !DEPLOY_STATUSES.contains(&status) {
                    return Err(format!(
                        "status `{status}`: expected success, failed or rolled_back"
                    ));
                }
            }
            OutcomeKind::Incident => {
                let sev = self.severity.as_deref().unwrap_or("sev3");
                if !SEVERITIES.contains(&sev) {
                    return Err(format!(
                        "severity `{sev}`: expected sev1, sev2, sev3 or sev4"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let ok: OutcomeEvent = serde_json::from_str(
            r#"{"kind":"deploy","id":"d-1","repo":"github.com/acme/api","sha":"1a2b3c4d","status":"failed"}"#,
        )
        .unwrap();
        let now = 1_790_000_000_000;
        assert_eq!(ok.validate_at(now), Ok(()));
        let bad = [
            (r#"{"kind":"deploy","id":"d-1"}"#, "repo"),
            (
                r#"{"kind":"deploy","id":"d","repo":"r","status":"meh"}"#,
                "status",
            ),
            (
                r#"{"kind":"incident","id":"i","severity":"p1"}"#,
                "severity",
            ),
            (r#"{"kind":"incident","id":"i","sha":"xyz"}"#, "sha"),
            (r#"{"kind":"incident","id":" "}"#, "id"),
            (r#"{"kind":"incident","id":"i","ts_ms":5}"#, "ts_ms"),
        ];
        for (json, field) in bad {
            let e: OutcomeEvent = serde_json::from_str(json).unwrap();
            assert!(e.validate_at(now).unwrap_err().contains(field), "{json}");
        }
        assert!(
            serde_json::from_str::<OutcomeEvent>(r#"{"kind":"deploy","id":"d","x":1}"#).is_err()
        );
    }
}
