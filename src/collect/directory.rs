//! Teams from a GitHub organisation: every team (`GET /orgs/{org}/teams`) and its members
//! (`GET /orgs/{org}/teams/{slug}/members`), both paged by `Link: rel="next"`. A member is
//! matched to a known developer by handle (GitHub login), else stored under the login.

use crate::collect::http::{ApiClient, Auth, FetchError, Secret};
use crate::collect::pollers::stream::PageGuard;
use crate::store::directory::MemberRow;
use crate::store::ops::Op;
use crate::store::source_health::SourceRun;
use crate::store::{Store, StoreError, WriteBatch};
use serde_json::Value;

pub const SOURCE: &str = "github_teams";

#[derive(Debug, Clone)]
pub struct GithubTeams {
    pub base_url: String,
    pub org: String,
    pub key: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("writing the directory: {0}")]
    Store(#[from] StoreError),
}

pub fn github_client(base_url: &str, key: Secret) -> Result<ApiClient, FetchError> {
    ApiClient::new(
        base_url,
        Auth::Bearer(key),
        vec![
            ("accept", "application/vnd.github+json"),
            ("x-github-api-version", "2022-11-28"),
        ],
    )
}

/// Every page of a GitHub list endpoint (a JSON array per page, `Link` to the next).
pub async fn all_pages(
    api: &ApiClient,
    path: &str,
    pages: &mut i64,
) -> Result<Vec<Value>, FetchError> {
    all_pages_in(api, path, "", pages).await
}

/// The same where each page is an object holding the list under `key` (`seats`); an
/// empty `key` means the page is the list.
pub async fn all_pages_in(
    api: &ApiClient,
    path: &str,
    key: &str,
    pages: &mut i64,
) -> Result<Vec<Value>, FetchError> {
    let mut out = Vec::new();
    let mut guard = PageGuard::new(path);
    let mut next: Option<String> = None;
    loop {
        let (body, link) = match &next {
            None => {
                api.get_linked(path, &[("per_page".into(), "100".into())])
                    .await?
            }
            Some(url) => api.get_linked(url, &[]).await?,
        };
        *pages += 1;
        let list = if key.is_empty() {
            Some(&body)
        } else {
            body.get(key)
        };
        let items = list
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| FetchError::BadBody {
                endpoint: path.to_string(),
                reason: if key.is_empty() {
                    "expected a JSON array".into()
                } else {
                    format!("no `{key}` array")
                },
            })?;
        let empty = items.is_empty();
        out.extend(items);
        // An empty page ends the list even if a `next` link is (wrongly) still there.
        match guard.next(link.as_deref().filter(|_| !empty))? {
            Some(url) => next = Some(url),
            None => return Ok(out),
        }
    }
}

impl GithubTeams {
    /// Reads every team and member and writes them with a health record.
    pub async fn sync(&self, store: &Store) -> Result<i64, DirectoryError> {
        let result = self.fetch(store).await;
        let now = chrono::Utc::now().timestamp_millis();
        let (rows, pages, error) = match &result {
            Ok((ops, pages)) => (ops.len() as i64, *pages, None),
            Err(e) => (0, 0, Some(e.to_string())),
        };
        let mut ops = result.as_ref().map(|(o, _)| o.clone()).unwrap_or_default();
        ops.push(Op::RecordRun(SourceRun {
            source: SOURCE.into(),
            kind: "directory".into(),
            finished_at: now,
            error,
            items_read: pages,
            item_unit: "pages".into(),
            rows_added: rows,
            settings: Some(
                serde_json::json!({ "org": self.org, "base_url": self.base_url }).to_string(),
            ),
            ..SourceRun::default()
        }));
        store
            .writer()
            .apply(WriteBatch {
                ops,
                ..WriteBatch::default()
            })
            .await?;
        result.map(|(ops, _)| ops.len() as i64)
    }

    async fn fetch(&self, store: &Store) -> Result<(Vec<Op>, i64), DirectoryError> {
        let api = github_client(&self.base_url, self.key.clone())?;
        let by_handle = store.reader()?.developer_ids_by_handle()?;
        let mut pages = 0;
        let teams = all_pages(&api, &format!("/orgs/{}/teams", self.org), &mut pages).await?;
        let mut ops = Vec::new();
        for team in &teams {
            let Some(slug) = team.get("slug").and_then(Value::as_str) else {
                continue;
            };
            let path = format!("/orgs/{}/teams/{slug}/members", self.org);
            for m in all_pages(&api, &path, &mut pages).await? {
                let Some(login) = m.get("login").and_then(Value::as_str) else {
                    continue;
                };
                let id = by_handle
                    .get(&login.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or_else(|| login.to_ascii_lowercase());
                ops.push(Op::UpsertMember(MemberRow {
                    id,
                    handle: Some(login.to_ascii_lowercase()),
                    team: Some(slug.to_string()),
                    ..MemberRow::default()
                }));
            }
        }
        Ok((ops, pages))
    }
}
