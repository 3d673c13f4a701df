//! GitHub's shapes for the code-host pass: pulls (`state=all`, newest updated first),
//! reviews, a pull's commits, deployments and their statuses; `Link: rel="next"` paging;
//! `Authorization: Bearer`. GitHub Enterprise works through `api_url`.

use super::code_host::{CodeHost, CommitFacts, DeployFacts, PullFacts, ReviewFacts, host_of, ms};
use serde_json::Value;

pub struct GitHub {
    /// `https://api.github.com` or `https://ghe.example.com/api/v3`.
    pub api_url: String,
}

impl GitHub {
    pub fn new(api_url: Option<&str>) -> GitHub {
        GitHub {
            api_url: api_url
                .unwrap_or("https://api.github.com")
                .trim_end_matches('/')
                .to_string(),
        }
    }

    fn web_host(&self) -> String {
        let host = host_of(&self.api_url);
        match host.strip_prefix("api.") {
            Some(h) if h == "github.com" => h.to_string(),
            _ => host,
        }
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl CodeHost for GitHub {
    fn name(&self) -> &'static str {
        "github"
    }

    fn repo_id(&self, repo: &str) -> String {
        format!("{}/{}", self.web_host(), repo.trim_matches('/'))
    }

    fn auth_header(&self, token: &str) -> (&'static str, String) {
        ("Authorization", format!("Bearer {token}"))
    }

    fn pulls_url(&self, repo: &str) -> String {
        format!(
            "{}/repos/{repo}/pulls?state=all&sort=updated&direction=desc&per_page=100",
            self.api_url
        )
    }

    fn parse_pulls(&self, body: &Value) -> Result<Vec<PullFacts>, String> {
        let list = body.as_array().ok_or("a list of pull requests expected")?;
        Ok(list
            .iter()
            .filter_map(|p| {
                Some(PullFacts {
                    number: p.get("number")?.as_i64()?,
                    author: p.get("user").map(|u| s(u, "login")).unwrap_or_default(),
                    title: s(p, "title"),
                    body: s(p, "body"),
                    branch: p.get("head").map(|h| s(h, "ref")).filter(|b| !b.is_empty()),
                    opened_at: ms(p.get("created_at")?)?,
                    updated_at: p
                        .get("updated_at")
                        .and_then(ms)
                        .or_else(|| ms(p.get("created_at")?))?,
                    merged_at: p.get("merged_at").and_then(ms),
                    closed_at: p.get("closed_at").and_then(ms),
                    head_sha: p.get("head").map(|h| s(h, "sha")).filter(|x| !x.is_empty()),
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
            "{}/repos/{repo}/pulls/{number}/reviews?per_page=100",
            self.api_url
        )
    }

    fn parse_reviews(&self, body: &Value, author: &str) -> Vec<ReviewFacts> {
        body.as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let reviewer = r.get("user").map(|u| s(u, "login")).unwrap_or_default();
                (reviewer != author).then_some(())?;
                Some(ReviewFacts {
                    at: ms(r.get("submitted_at")?)?,
                    reviewer,
                    changes_requested: s(r, "state") == "CHANGES_REQUESTED",
                })
            })
            .collect()
    }

    fn commits_url(&self, repo: &str, number: i64) -> String {
        format!(
            "{}/repos/{repo}/pulls/{number}/commits?per_page=100",
            self.api_url
        )
    }

    fn parse_commits(&self, body: &Value) -> Vec<CommitFacts> {
        body.as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let commit = c.get("commit")?;
                let (a, m) = (commit.get("author")?, commit.get("committer")?);
                Some(CommitFacts {
                    author_name: s(a, "name"),
                    author_email: s(a, "email"),
                    committer_name: s(m, "name"),
                    committer_email: s(m, "email"),
                    message: s(commit, "message"),
                })
            })
            .collect()
    }

    fn deployments_url(&self, repo: &str) -> String {
        format!("{}/repos/{repo}/deployments?per_page=30", self.api_url)
    }

    fn parse_deployments(&self, body: &Value) -> Vec<DeployFacts> {
        body.as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                Some(DeployFacts {
                    id: d.get("id")?.as_i64()?.to_string(),
                    at: ms(d.get("created_at")?)?,
                    sha: d.get("sha").and_then(Value::as_str).map(str::to_string),
                    status: "pending".into(),
                    environment: d
                        .get("environment")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    statuses_url: d
                        .get("statuses_url")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            })
            .collect()
    }

    fn parse_deploy_status(&self, body: &Value) -> Option<String> {
        // Newest first; GitHub's states mapped onto ours.
        let state = body.as_array()?.first()?.get("state")?.as_str()?;
        Some(
            match state {
                "success" => "success",
                "failure" | "error" => "failed",
                "inactive" => "rolled_back",
                other => other,
            }
            .to_string(),
        )
    }

    fn next_page(&self, headers: &reqwest::header::HeaderMap, _current: &str) -> Option<String> {
        let link = headers.get("link")?.to_str().ok()?;
        link.split(',').find_map(|part| {
            let (url, rel) = part.split_once(';')?;
            rel.contains("rel=\"next\"").then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
    }
}
