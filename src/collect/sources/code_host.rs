//! Pull/merge requests and deployments from a code host: one trait (`CodeHost`, the URLs
//! and response shapes of GitHub or GitLab) and one pass shared by both — token auth,
//! pagination, conditional requests (ETag / If-None-Match: within a pass answered from the
//! cache; across passes the listings' ETags are kept in the store, so an unchanged
//! repository costs 304s), the rate-limit headers honoured, and a cursor per repository.

use crate::domain::attribution::{self, Person};
use crate::store::ops::{DeployRow, Op, PullRequestRow};
use crate::store::{FileCursor, SourceHealthRow, Store, StoreError, WriteBatch};
use std::collections::HashMap;
use std::time::Duration;

/// A pull or merge request as a provider reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullFacts {
    pub number: i64,
    pub author: String,
    pub title: String,
    pub body: String,
    pub branch: Option<String>,
    pub opened_at: i64,
    pub updated_at: i64,
    pub merged_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub head_sha: Option<String>,
    pub merge_sha: Option<String>,
}

/// One review (GitHub) or reviewer note (GitLab).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFacts {
    pub at: i64,
    pub reviewer: String,
    pub changes_requested: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommitFacts {
    pub author_name: String,
    pub author_email: String,
    pub committer_name: String,
    pub committer_email: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeployFacts {
    pub id: String,
    pub at: i64,
    pub sha: Option<String>,
    /// `success`, `failed`, `rolled_back`, or the provider's word for in-between states.
    pub status: String,
    pub environment: Option<String>,
    /// When the status needs a second request (GitHub deployment statuses).
    pub statuses_url: Option<String>,
}

/// What differs between GitHub and GitLab: URLs, auth header and response shapes.
pub trait CodeHost: Send + Sync {
    /// `github` or `gitlab` (source name in cursors and health).
    fn name(&self) -> &'static str;
    /// The repository's identity in the store (`github.com/acme/api`).
    fn repo_id(&self, repo: &str) -> String;
    fn auth_header(&self, token: &str) -> (&'static str, String);
    fn pulls_url(&self, repo: &str) -> String;
    fn parse_pulls(&self, body: &serde_json::Value) -> Result<Vec<PullFacts>, String>;
    fn reviews_url(&self, repo: &str, number: i64) -> String;
    fn parse_reviews(&self, body: &serde_json::Value, author: &str) -> Vec<ReviewFacts>;
    fn commits_url(&self, repo: &str, number: i64) -> String;
    fn parse_commits(&self, body: &serde_json::Value) -> Vec<CommitFacts>;
    fn deployments_url(&self, repo: &str) -> String;
    fn parse_deployments(&self, body: &serde_json::Value) -> Vec<DeployFacts>;
    /// The latest status of a deployment from its statuses list (GitHub only).
    fn parse_deploy_status(&self, _body: &serde_json::Value) -> Option<String> {
        None
    }
    /// The next page's URL from the response headers, if any.
    fn next_page(&self, headers: &reqwest::header::HeaderMap, current: &str) -> Option<String>;
}

/// The lower-cased host (and port) of an API base URL: `https://api.github.com/x` →
/// `api.github.com`.
pub fn host_of(api_url: &str) -> String {
    api_url
        .split_once("://")
        .map_or(api_url, |(_, r)| r)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// RFC 3339 → unix ms.
pub fn ms(v: &serde_json::Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|d| d.timestamp_millis())
}

#[derive(Debug, thiserror::Error)]
pub enum CodeHostError {
    #[error("{url_path} could not be fetched: {reason}")]
    Fetch {
        host: &'static str,
        url_path: String,
        reason: String,
    },
    #[error("rate limit reached; it resets in {reset_secs} s (the pass stops and resumes later)")]
    RateLimited { host: &'static str, reset_secs: i64 },
    #[error("{url_path} answered {status}: {message}")]
    Status {
        host: &'static str,
        url_path: String,
        status: u16,
        message: String,
    },
    #[error("{url_path}: unexpected response shape: {reason}")]
    Shape {
        host: &'static str,
        url_path: String,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// HTTP with the token, the ETag cache and the rate-limit guard.
pub struct Fetcher {
    client: reqwest::Client,
    auth: Option<(&'static str, String)>,
    /// URL → (ETag, body) of the last 200 answer in this process.
    cache: HashMap<String, (String, serde_json::Value)>,
    /// URL → ETag of listings from earlier passes (the store's `http_etags`; no bodies).
    stored: HashMap<String, String>,
    /// Listing ETags learned by the repository being read, saved with its batch.
    learned: Vec<(String, String)>,
    /// Requests answered 304 from the cache (for tests and health).
    pub not_modified: usize,
    pub requests: usize,
    /// Below this many remaining requests a pass stops.
    pub reserve: i64,
}

/// Pages per listing at most (a guard against a pagination loop).
const MAX_PAGES: usize = 50;

impl Fetcher {
    pub fn new(host: &dyn CodeHost, token: Option<&str>) -> Result<Fetcher, String> {
        let client = crate::collect::http::client_builder(Duration::from_secs(30))
            .user_agent(concat!("agentdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Fetcher {
            client,
            auth: token.map(|t| host.auth_header(t)),
            cache: HashMap::new(),
            stored: HashMap::new(),
            learned: Vec::new(),
            not_modified: 0,
            requests: 0,
            reserve: 1,
        })
    }

    /// GETs `url` as JSON: a 304 returns the cached body; the rate-limit headers stop the
    /// pass before the host starts refusing.
    pub async fn get(
        &mut self,
        host: &dyn CodeHost,
        url: &str,
    ) -> Result<(serde_json::Value, Option<String>), CodeHostError> {
        let etag = self.cache.get(url).map(|(e, _)| e.clone());
        match self.fetch(host, url, etag).await? {
            Answer::Fresh(body, next) => Ok((body, next)),
            Answer::NotModified(next) => match self.cache.get(url) {
                Some((_, body)) => Ok((body.clone(), next)),
                None => Err(CodeHostError::Status {
                    host: host.name(),
                    url_path: url.to_string(),
                    status: 304,
                    message: "not modified, but no cached answer to reuse".into(),
                }),
            },
        }
    }

    /// GETs a listing page conditionally on the ETag an earlier pass stored for it:
    /// `None` when the host answers 304 (the page is what that pass already read).
    pub async fn get_listing(
        &mut self,
        host: &dyn CodeHost,
        url: &str,
    ) -> Result<Option<(serde_json::Value, Option<String>)>, CodeHostError> {
        if self.cache.contains_key(url) {
            return self.get(host, url).await.map(Some);
        }
        let etag = self.stored.get(url).cloned();
        match self.fetch(host, url, etag).await? {
            Answer::NotModified(_) => Ok(None),
            Answer::Fresh(body, next) => {
                if let Some((etag, _)) = self.cache.get(url) {
                    self.learned.push((url.to_string(), etag.clone()));
                }
                Ok(Some((body, next)))
            }
        }
    }

    async fn fetch(
        &mut self,
        host: &dyn CodeHost,
        url: &str,
        etag: Option<String>,
    ) -> Result<Answer, CodeHostError> {
        let path = path_of(url);
        let mut req = self.client.get(url).header("Accept", "application/json");
        if let Some((name, value)) = &self.auth {
            req = req.header(*name, value);
        }
        if let Some(etag) = &etag {
            req = req.header("If-None-Match", etag);
        }
        self.requests += 1;
        let resp = req.send().await.map_err(|e| CodeHostError::Fetch {
            host: host.name(),
            url_path: path.clone(),
            reason: e.without_url().to_string(),
        })?;
        let headers = resp.headers().clone();
        let header_i64 = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| headers.get(*n)?.to_str().ok()?.trim().parse::<i64>().ok())
        };
        let remaining = header_i64(&["x-ratelimit-remaining", "ratelimit-remaining"]);
        let reset = header_i64(&["x-ratelimit-reset", "ratelimit-reset"]);
        // Seconds to wait (GitHub's secondary limits, GitLab's 429s).
        let retry_after = header_i64(&["retry-after"]);
        let status = resp.status();
        let next = host.next_page(&headers, url);
        if status == reqwest::StatusCode::NOT_MODIFIED && etag.is_some() {
            self.not_modified += 1;
            return Ok(Answer::NotModified(next));
        }
        let rate_limited = status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || (status == reqwest::StatusCode::FORBIDDEN
                && (remaining == Some(0) || retry_after.is_some()));
        if rate_limited {
            let now = chrono::Utc::now().timestamp();
            return Err(CodeHostError::RateLimited {
                host: host.name(),
                reset_secs: retry_after
                    .or(reset.map(|r| r - now))
                    .map_or(60, |s| s.max(0)),
            });
        }
        let text = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("message")?.as_str().map(str::to_string))
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(CodeHostError::Status {
                host: host.name(),
                url_path: path,
                status: status.as_u16(),
                message,
            });
        }
        let body: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CodeHostError::Shape {
                host: host.name(),
                url_path: path.clone(),
                reason: e.to_string(),
            })?;
        if let Some(etag) = headers.get("etag").and_then(|v| v.to_str().ok()) {
            self.cache
                .insert(url.to_string(), (etag.to_string(), body.clone()));
        }
        if remaining.is_some_and(|r| r < self.reserve) {
            let now = chrono::Utc::now().timestamp();
            return Err(CodeHostError::RateLimited {
                host: host.name(),
                reset_secs: reset.map_or(60, |r| (r - now).max(0)),
            });
        }
        Ok(Answer::Fresh(body, next))
    }

    /// Every page of a listing that changed since the stored ETags, concatenated; a page
    /// answered 304 ends the listing (it and everything older were read before).
    async fn all(
        &mut self,
        host: &dyn CodeHost,
        first: &str,
        stop: impl Fn(&serde_json::Value) -> bool,
    ) -> Result<Vec<serde_json::Value>, CodeHostError> {
        let mut out = Vec::new();
        let mut url = Some(first.to_string());
        for _ in 0..MAX_PAGES {
            let Some(u) = url.take() else { break };
            let Some((body, next)) = self.get_listing(host, &u).await? else {
                break;
            };
            let done = stop(&body);
            out.push(body);
            if done {
                break;
            }
            url = next.filter(|n| n != &u);
            // The token goes only to the host the config names, whatever a `Link` says.
            if let Some(n) = url.as_deref()
                && !crate::collect::http::same_origin(&u, n)
            {
                return Err(CodeHostError::Shape {
                    host: host.name(),
                    url_path: path_of(&u),
                    reason: "its next-page link leaves the configured host (not followed with the token)".into(),
                });
            }
        }
        Ok(out)
    }
}

/// A URL without its scheme and host, as errors name it (`repos/acme/api/pulls?…`).
fn path_of(url: &str) -> String {
    url.split_once("://")
        .map_or(url, |(_, r)| r.split_once('/').map_or(r, |(_, p)| p))
        .to_string()
}

/// A conditional GET's answer.
enum Answer {
    NotModified(Option<String>),
    Fresh(serde_json::Value, Option<String>),
}

/// What one pass over a host's repositories did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPassSummary {
    pub repositories: usize,
    pub pull_requests: usize,
    pub ai_pull_requests: usize,
    pub deploys: usize,
    pub problems: Vec<String>,
}

/// Reads every repository's pull requests updated since its cursor (with reviews and
/// commits), and its deployments; one batch per repository with its cursor.
pub async fn pass(
    host: &dyn CodeHost,
    fetcher: &mut Fetcher,
    store: &Store,
    repos: &[String],
    since_ms: i64,
) -> Result<HostPassSummary, CodeHostError> {
    let cursors = store.reader()?.file_cursors(host.name())?;
    fetcher.stored = store.reader()?.http_etags(host.name())?;
    let mut summary = HostPassSummary::default();
    for repo in repos {
        let id = host.repo_id(repo);
        let last = cursors.get(&id).map_or(since_ms, |c| c.offset as i64);
        fetcher.learned.clear();
        match repo_pass(host, fetcher, repo, &id, last).await {
            Ok((mut ops, newest, prs, ai, deploys)) => {
                // The ETags are kept only with the rows they vouch for.
                let now = chrono::Utc::now().timestamp_millis();
                ops.extend(
                    fetcher
                        .learned
                        .drain(..)
                        .map(|(url, etag)| Op::RememberEtag {
                            source: host.name().into(),
                            url,
                            etag,
                            at: now,
                        }),
                );
                summary.repositories += 1;
                summary.pull_requests += prs;
                summary.ai_pull_requests += ai;
                summary.deploys += deploys;
                store
                    .writer()
                    .apply(WriteBatch {
                        ops,
                        cursors: vec![FileCursor {
                            source: host.name().into(),
                            path: id,
                            offset: newest.max(last).max(0) as u64,
                            ..FileCursor::default()
                        }],
                        ..WriteBatch::default()
                    })
                    .await?;
            }
            Err(e @ CodeHostError::RateLimited { .. }) => {
                summary.problems.push(e.to_string());
                break;
            }
            Err(e) => summary.problems.push(e.to_string()),
        }
    }
    let now = chrono::Utc::now().timestamp_millis();
    store
        .writer()
        .apply(WriteBatch {
            source_health: vec![SourceHealthRow {
                source: host.name().into(),
                kind: "code_host".into(),
                success_at: (summary.repositories > 0).then_some(now),
                error: (!summary.problems.is_empty()).then(|| (now, summary.problems.join("; "))),
                rows_added: summary.pull_requests as i64,
            }],
            ..WriteBatch::default()
        })
        .await?;
    Ok(summary)
}

type RepoResult = (Vec<Op>, i64, usize, usize, usize);

async fn repo_pass(
    host: &dyn CodeHost,
    f: &mut Fetcher,
    repo: &str,
    id: &str,
    since: i64,
) -> Result<RepoResult, CodeHostError> {
    let shape = |reason: String| CodeHostError::Shape {
        host: host.name(),
        url_path: host.pulls_url(repo),
        reason,
    };
    // Listings are newest-updated first: stop paging once a page reaches the cursor.
    let pages = f
        .all(host, &host.pulls_url(repo), |page| {
            host.parse_pulls(page)
                .map(|p| p.iter().any(|pr| pr.updated_at < since))
                .unwrap_or(true)
        })
        .await?;
    let (mut ops, mut reverts) = (Vec::new(), Vec::new());
    let (mut newest, mut prs, mut ai_prs) = (since, 0, 0);
    for page in &pages {
        for pr in host.parse_pulls(page).map_err(shape)? {
            if pr.updated_at < since {
                continue;
            }
            newest = newest.max(pr.updated_at);
            let (reviews, _) = f.get(host, &host.reviews_url(repo, pr.number)).await?;
            let mut reviews = host.parse_reviews(&reviews, &pr.author);
            reviews.sort_by_key(|r| r.at);
            let (commits, _) = f.get(host, &host.commits_url(repo, pr.number)).await?;
            let commits = host.parse_commits(&commits);
            let by_commit = commits.iter().find_map(|c| {
                attribution::attribute(
                    Person {
                        name: &c.author_name,
                        email: &c.author_email,
                    },
                    Person {
                        name: &c.committer_name,
                        email: &c.committer_email,
                    },
                    &c.message,
                )
            });
            let found = attribution::attribute_pull_request(&pr.author, &pr.body).or(by_commit);
            // A round ends with a review asking for changes; the last round is the one
            // that approved (or is still open).
            let rounds = if reviews.is_empty() {
                0
            } else {
                1 + reviews.iter().filter(|r| r.changes_requested).count() as i64
            };
            let ticket = attribution::ticket_keys(&pr.title)
                .into_iter()
                .next()
                .or_else(|| {
                    pr.branch
                        .as_deref()
                        .and_then(|b| attribution::branch_ticket_keys(b).into_iter().next())
                });
            if pr.merged_at.is_some()
                && let Some(n) = attribution::reverted_pull_request(&pr.body, repo)
                && n != pr.number
            {
                reverts.push(Op::MarkPullRequestReverted {
                    repo: id.to_string(),
                    number: n,
                });
            }
            prs += 1;
            ai_prs += usize::from(found.is_some());
            ops.push(Op::UpsertPullRequest(PullRequestRow {
                repo: id.to_string(),
                number: pr.number,
                author: pr.author.clone(),
                opened_at: pr.opened_at,
                merged_at: pr.merged_at,
                closed_at: pr.closed_at,
                ai_agent: found.map(|a| a.tool.as_str().to_string()),
                ai_detected_by: found.map(|a| a.detected_by.as_str().to_string()),
                review_rounds: rounds,
                first_review_at: reviews.first().map(|r| r.at),
                reverted: false,
                coverage_delta: None,
                ticket_key: ticket,
            }));
        }
    }
    // After the upserts: a revert may undo a pull request read in this same pass.
    ops.extend(reverts);
    // Deployments (and each one's statuses) are listings too: a 304 means the stored
    // rows are current.
    let deploy_body = f.get_listing(host, &host.deployments_url(repo)).await?;
    let mut deploys = 0;
    for d in deploy_body.map_or_else(Vec::new, |(b, _)| host.parse_deployments(&b)) {
        let status = match &d.statuses_url {
            Some(u) => match f.get_listing(host, u).await? {
                Some((s, _)) => host.parse_deploy_status(&s).unwrap_or(d.status.clone()),
                None => continue,
            },
            None => d.status.clone(),
        };
        deploys += 1;
        ops.push(Op::UpsertDeploy(DeployRow {
            repo: id.to_string(),
            id: d.id,
            ts: d.at,
            sha: d.sha,
            status,
        }));
    }
    Ok((ops, newest, prs, ai_prs, deploys))
}
