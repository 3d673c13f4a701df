//! GitLab's shapes for the code-host pass: merge requests (newest updated first), reviewer
//! notes (the first note or approval by someone other than the author is the first review;
//! a note saying "requested changes" ends a round), an MR's commits, deployments with their
//! status; `x-next-page` paging; `PRIVATE-TOKEN`. Self-managed GitLab through `api_url`.

use super::code_host::{CodeHost, CommitFacts, DeployFacts, PullFacts, ReviewFacts, host_of, ms};
use serde_json::Value;

pub struct GitLab {
    /// `https://gitlab.com/api/v4` or a self-managed instance's `/api/v4`.
    pub api_url: String,
}

impl GitLab {
    pub fn new(api_url: Option<&str>) -> GitLab {
        GitLab {
            api_url: api_url
                .unwrap_or("https://gitlab.com/api/v4")
                .trim_end_matches('/')
                .to_string(),
        }
    }

    fn project(repo: &str) -> String {
        repo.trim_matches('/').replace('/', "%2F")
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl CodeHost for GitLab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn repo_id(&self, repo: &str) -> String {
        format!("{}/{}", host_of(&self.api_url), repo.trim_matches('/'))
    }

    fn auth_header(&self, token: &str) -> (&'static str, String) {
        ("PRIVATE-TOKEN", token.to_string())
    }

    fn pulls_url(&self, repo: &str) -> String {
        format!(
            "{}/projects/{}/merge_requests?state=all&order_by=updated_at&sort=desc&per_page=100",
            self.api_url,
            Self::project(repo)
        )
    }

    fn parse_pulls(&self, body: &Value) -> Result<Vec<PullFacts>, String> {
        let list = body.as_array().ok_or("a list of merge requests expected")?;
        Ok(list
            .iter()
            .filter_map(|p| {
                Some(PullFacts {
                    number: p.get("iid")?.as_i64()?,
                    author: p
                        .get("author")
                        .map(|u| s(u, "username"))
                        .unwrap_or_default(),
                    title: s(p, "title"),
                    body: s(p, "description"),
                    branch: Some(s(p, "source_branch")).filter(|b| !b.is_empty()),
                    opened_at: ms(p.get("created_at")?)?,
                    updated_at: p
                        .get("updated_at")
                        .and_then(ms)
                        .or_else(|| ms(p.get("created_at")?))?,
                    merged_at: p.get("merged_at").and_then(ms),
                    closed_at: p
                        .get("closed_at")
                        .and_then(ms)
                        .or_else(|| p.get("merged_at").and_then(ms)),
                    head_sha: p.get("sha").and_then(Value::as_str).map(str::to_string),
                    merge_sha: p
                        .get("merge_commit_sha")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            })
            .collect())
    }

    fn reviews_url(&self, repo: &str, number: i64) -> String {
        format!(
            "{}/projects/{}/merge_requests/{number}/notes?sort=asc&per_page=100",
            self.api_url,
            Self::project(repo)
        )
    }

    fn parse_reviews(&self, body: &Value, author: &str) -> Vec<ReviewFacts> {
        body.as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| {
                let reviewer = n
                    .get("author")
                    .map(|u| s(u, "username"))
                    .unwrap_or_default();
                let system = n.get("system").and_then(Value::as_bool).unwrap_or(false);
                let text = s(n, "body").to_ascii_lowercase();
                let changes = text.contains("requested changes");
                // An approval is a system note too ("approved this merge request").
                let approval = system && text.starts_with("approved this merge request");
                ((reviewer != author && (!system || approval)) || (system && changes))
                    .then_some(())?;
                Some(ReviewFacts {
                    at: ms(n.get("created_at")?)?,
                    reviewer,
                    changes_requested: changes,
                })
            })
            .collect()
    }

    fn commits_url(&self, repo: &str, number: i64) -> String {
        format!(
            "{}/projects/{}/merge_requests/{number}/commits?per_page=100",
            self.api_url,
            Self::project(repo)
        )
    }

    fn parse_commits(&self, body: &Value) -> Vec<CommitFacts> {
        body.as_array()
            .into_iter()
            .flatten()
            .map(|c| CommitFacts {
                author_name: s(c, "author_name"),
                author_email: s(c, "author_email"),
                committer_name: s(c, "committer_name"),
                committer_email: s(c, "committer_email"),
                message: s(c, "message"),
            })
            .collect()
    }

    fn deployments_url(&self, repo: &str) -> String {
        format!(
            "{}/projects/{}/deployments?order_by=created_at&sort=desc&per_page=30",
            self.api_url,
            Self::project(repo)
        )
    }

    fn parse_deployments(&self, body: &Value) -> Vec<DeployFacts> {
        body.as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let status = match d.get("status").and_then(Value::as_str)? {
                    "success" => "success",
                    "failed" => "failed",
                    "canceled" => "rolled_back",
                    other => other,
                }
                .to_string();
                Some(DeployFacts {
                    id: d.get("id")?.as_i64()?.to_string(),
                    at: ms(d.get("created_at")?)?,
                    sha: d.get("sha").and_then(Value::as_str).map(str::to_string),
                    status,
                    environment: d
                        .get("environment")
                        .map(|e| s(e, "name"))
                        .filter(|e| !e.is_empty()),
                    statuses_url: None,
                })
            })
            .collect()
    }

    fn next_page(&self, headers: &reqwest::header::HeaderMap, current: &str) -> Option<String> {
        let next = headers.get("x-next-page")?.to_str().ok()?.trim();
        if next.is_empty() {
            return None;
        }
        let base = current.split("&page=").next().unwrap_or(current);
        Some(format!("{base}&page={next}"))
    }
}
