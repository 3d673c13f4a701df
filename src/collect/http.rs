//! The shared HTTP client for vendor APIs: HTTPS through rustls (`ring` provider), secrets
//! that never print, and one request path with the retry rules every poller follows —
//! 401/403 fail at once with a clear message (no retry storm), 429 waits for Retry-After
//! (or backs off with jitter), 5xx and transport errors retry a few times, and a body that
//! is not JSON is an error naming the endpoint.

use serde_json::Value;
use std::time::Duration;

/// A client builder that can reach `https://` servers, with the given overall timeout.
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
}

/// Installs rustls's `ring` provider as the process default; harmless when one is set.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An API key or token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How a vendor wants its key.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `name: <key>` (Anthropic `x-api-key`).
    Header(&'static str, Secret),
    /// `Authorization: Bearer <key>` (OpenAI, GitHub).
    Bearer(Secret),
    /// HTTP Basic with the key as user name and no password (Cursor).
    BasicUser(Secret),
    /// No credentials (signed download links).
    None,
}

/// Why a request failed, as the health entry shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{endpoint} refused the key ({status}): {message}")]
    Unauthorized {
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("{endpoint} is rate limited (429){}", retry_after.map(|d| format!("; retry after {}s", d.as_secs())).unwrap_or_default())]
    Throttled {
        endpoint: String,
        retry_after: Option<Duration>,
    },
    #[error("{endpoint} answered {status}: {message}")]
    Server {
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("{endpoint} cannot be reached: {reason}")]
    Transport { endpoint: String, reason: String },
    #[error("{endpoint} sent a body that is not the expected JSON: {reason}")]
    BadBody { endpoint: String, reason: String },
    #[error(
        "{endpoint}: the page cursor `{cursor}` came back again; stopping so the poll cannot loop"
    )]
    CursorLoop { endpoint: String, cursor: String },
    #[error(
        "{endpoint}: reached the cap of {pages} pages per pass with more to come; the pages before are kept"
    )]
    PageCap { endpoint: String, pages: usize },
    /// An answer agentdeck will not act on: a next-page link to another host, a body past
    /// [`MAX_BODY_BYTES`].
    #[error("{endpoint}: {reason}")]
    Refused { endpoint: String, reason: String },
}

/// The largest answer read, in bytes: far above any page or daily report seen, and a bound
/// on what a broken or hostile server can make the console hold.
pub const MAX_BODY_BYTES: usize = 128 << 20;

/// The body of `resp`, refused once it passes `limit` bytes (by its stated length, or as
/// it arrives).
async fn capped_body(
    endpoint: &str,
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::Refused {
        endpoint: endpoint.to_string(),
        reason: format!("the answer is larger than {limit} bytes; not read"),
    };
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err(FetchError::Transport {
                    endpoint: endpoint.to_string(),
                    reason: e.to_string(),
                });
            }
        }
    }
}

impl FetchError {
    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Retry rules inside one run. Tests shorten the delays.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    /// A Retry-After longer than this is not waited out within the run: the run fails
    /// and the scheduler comes back after it.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_secs(2),
            max_wait: Duration::from_secs(120),
        }
    }
}

/// A vendor API: base URL, credentials and retry rules.
#[derive(Debug, Clone)]
pub struct ApiClient {
    client: reqwest::Client,
    base_url: String,
    auth: Auth,
    headers: Vec<(&'static str, &'static str)>,
    pub retry: RetryPolicy,
    /// The largest answer read ([`MAX_BODY_BYTES`]; tests lower it).
    pub max_body: usize,
}

impl ApiClient {
    pub fn new(
        base_url: &str,
        auth: Auth,
        headers: Vec<(&'static str, &'static str)>,
    ) -> Result<ApiClient, FetchError> {
        let client = client_builder(Duration::from_secs(60))
            .user_agent(concat!("agentdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Transport {
                endpoint: base_url.to_string(),
                reason: e.to_string(),
            })?;
        Ok(ApiClient {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            auth,
            headers,
            retry: RetryPolicy::default(),
            max_body: MAX_BODY_BYTES,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET base + path` with `query` pairs, as JSON.
    pub async fn get(&self, path: &str, query: &[(String, String)]) -> Result<Value, FetchError> {
        let url = format!("{}{path}", self.base_url);
        self.send(path, || self.authed(self.client.get(&url).query(query)))
            .await
            .map(|(v, _)| v)
    }

    /// `GET` returning the `Link: rel="next"` URL too (GitHub pagination).
    pub async fn get_linked(
        &self,
        path_or_url: &str,
        query: &[(String, String)],
    ) -> Result<(Value, Option<String>), FetchError> {
        let endpoint = path_or_url.split('?').next().unwrap_or(path_or_url);
        let url = if path_or_url.starts_with("http") {
            // A next-page link comes from the answer: the key goes only where it was meant to.
            if !same_origin(&self.base_url, path_or_url) {
                return Err(FetchError::Refused {
                    endpoint: endpoint.to_string(),
                    reason: format!(
                        "its next-page link leaves {} (not followed with the key)",
                        self.base_url
                    ),
                });
            }
            path_or_url.to_string()
        } else {
            format!("{}{path_or_url}", self.base_url)
        };
        self.send(endpoint, || self.authed(self.client.get(&url).query(query)))
            .await
    }

    /// `POST base + path` with a JSON body, as JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, FetchError> {
        let url = format!("{}{path}", self.base_url);
        self.send(path, || self.authed(self.client.post(&url).json(body)))
            .await
            .map(|(v, _)| v)
    }

    /// `GET` an absolute URL WITHOUT credentials (signed download links), as text.
    pub async fn download(&self, url: &str) -> Result<String, FetchError> {
        let endpoint = "a report download link".to_string();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.client.get(url).send().await;
            // No key is sent: a 401/403 is the signed link refused (expired), not our key.
            let result = classify(&endpoint, result).await.map_err(|e| match e {
                FetchError::Unauthorized {
                    endpoint,
                    status,
                    message,
                } => FetchError::Server {
                    endpoint,
                    status,
                    message: format!("the signed link was refused (expired?): {message}"),
                },
                e => self.redact(e),
            });
            match result {
                Ok(resp) => {
                    // As `text()` decodes: invalid UTF-8 becomes U+FFFD (the NDJSON parser
                    // then names the line).
                    let bytes = capped_body(&endpoint, resp, self.max_body).await?;
                    return Ok(String::from_utf8_lossy(&bytes).into_owned());
                }
                Err(e) => self.pause_or_fail(e, attempt).await?,
            }
        }
    }

    fn authed(&self, mut rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        for (k, v) in &self.headers {
            rb = rb.header(*k, *v);
        }
        match &self.auth {
            Auth::Header(name, key) => rb.header(*name, key.expose()),
            Auth::Bearer(key) => rb.bearer_auth(key.expose()),
            Auth::BasicUser(key) => rb.basic_auth(key.expose(), Some("")),
            Auth::None => rb,
        }
    }

    async fn send(
        &self,
        endpoint: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(Value, Option<String>), FetchError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = classify(endpoint, build().send().await).await;
            match result.map_err(|e| self.redact(e)) {
                Ok(resp) => {
                    let next = next_link(resp.headers());
                    let bytes = capped_body(endpoint, resp, self.max_body).await?;
                    let value =
                        serde_json::from_slice(&bytes).map_err(|e| FetchError::BadBody {
                            endpoint: endpoint.to_string(),
                            reason: e.to_string(),
                        })?;
                    return Ok((value, next));
                }
                Err(e) => self.pause_or_fail(e, attempt).await?,
            }
        }
    }

    /// `e` without this client's key in any form it was sent in: a vendor that quotes the
    /// request back in its error message must not put the key into health, logs or stdout.
    fn redact(&self, e: FetchError) -> FetchError {
        let forms = match &self.auth {
            Auth::Header(_, key) | Auth::Bearer(key) => vec![key.expose().to_string()],
            Auth::BasicUser(key) => vec![
                key.expose().to_string(),
                base64(format!("{}:", key.expose()).as_bytes()),
            ],
            Auth::None => vec![],
        };
        let clean = |text: String| {
            forms
                .iter()
                .filter(|f| !f.is_empty())
                .fold(text, |t, f| t.replace(f.as_str(), "<redacted>"))
        };
        match e {
            FetchError::Unauthorized {
                endpoint,
                status,
                message,
            } => FetchError::Unauthorized {
                endpoint,
                status,
                message: clean(message),
            },
            FetchError::Server {
                endpoint,
                status,
                message,
            } => FetchError::Server {
                endpoint,
                status,
                message: clean(message),
            },
            other => other,
        }
    }

    /// Waits before the next attempt when the error is worth retrying; else returns it.
    async fn pause_or_fail(&self, e: FetchError, attempt: u32) -> Result<(), FetchError> {
        // A 4xx other than 429 will not change by asking again.
        let retryable = match &e {
            FetchError::Throttled { .. } | FetchError::Transport { .. } => true,
            FetchError::Server { status, .. } => *status >= 500,
            _ => false,
        };
        if !retryable || attempt >= self.retry.attempts {
            return Err(e);
        }
        let wait = match e.retry_after() {
            Some(d) if d > self.retry.max_wait => return Err(e),
            Some(d) => d,
            None => jittered(self.retry.base_delay * 2u32.saturating_pow(attempt - 1)),
        };
        tracing::info!("{e}; retrying in {} ms", wait.as_millis());
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// Sorts a response into success or a [`FetchError`].
async fn classify(
    endpoint: &str,
    result: reqwest::Result<reqwest::Response>,
) -> Result<reqwest::Response, FetchError> {
    let resp = result.map_err(|e| FetchError::Transport {
        endpoint: endpoint.to_string(),
        reason: e.without_url().to_string(),
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after_secs)
        .map(Duration::from_secs);
    let exhausted = resp
        .headers()
        .get("x-ratelimit-remaining")
        .is_some_and(|v| v.as_bytes() == b"0");
    let message = short_message(&resp.text().await.unwrap_or_default());
    let endpoint = endpoint.to_string();
    Err(match status.as_u16() {
        429 => FetchError::Throttled {
            endpoint,
            retry_after,
        },
        // GitHub's secondary rate limits answer 403 with Retry-After or no quota left.
        403 if retry_after.is_some() || exhausted => FetchError::Throttled {
            endpoint,
            retry_after,
        },
        s @ (401 | 403) => FetchError::Unauthorized {
            endpoint,
            status: s,
            message,
        },
        s if s >= 500 => FetchError::Server {
            endpoint,
            status: s,
            message,
        },
        s => FetchError::Server {
            endpoint,
            status: s,
            message,
        },
    })
}

/// `Retry-After` as seconds, or as an HTTP date (seconds from now; 0 when it has passed).
fn retry_after_secs(value: &str) -> Option<u64> {
    let value = value.trim();
    value.parse::<u64>().ok().or_else(|| {
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        Some((at.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64)
    })
}

/// The vendor's error message (`error.message`, `message`), bounded; never the request.
fn short_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let text = parsed
        .as_ref()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("message"))
                .or_else(|| v.get("error"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.trim().to_string());
    let text: String = text.chars().take(300).collect();
    if text.is_empty() {
        "no message".into()
    } else {
        text
    }
}

/// Standard base64 with padding (how HTTP Basic credentials travel), for redaction.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Whether `url` has the scheme, host and port of `base` (an API base URL).
pub fn same_origin(base: &str, url: &str) -> bool {
    match (reqwest::Url::parse(base), reqwest::Url::parse(url)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rest) = part.split_once(';')?;
        rest.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// `d` ± 20 %, so many clients do not retry in step.
pub fn jittered(d: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let spread = if getrandom::fill(&mut byte).is_ok() {
        f64::from(byte[0]) / 255.0 * 0.4 - 0.2
    } else {
        0.0
    };
    d.mul_f64(1.0 + spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers more than the client reads is refused with the endpoint
    /// named, whether it says how long its answer is or streams it.
    #[tokio::test]
    async fn an_answer_past_the_size_bound_is_refused_not_read() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};
        let server = MockServer::start().await;
        let big = serde_json::json!({"data": "x".repeat(5_000)});
        Mock::given(path("/big"))
            .respond_with(ResponseTemplate::new(200).set_body_json(&big))
            .mount(&server)
            .await;
        let mut api = ApiClient::new(&server.uri(), Auth::None, vec![]).unwrap();
        assert_eq!(api.get("/big", &[]).await.unwrap(), big, "under the bound");
        api.max_body = 1_000;
        let err = api.get("/big", &[]).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::Refused { endpoint, .. } if endpoint == "/big"),
            "{err:?}"
        );
        assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");
        let err = api
            .download(&format!("{}/big", server.uri()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");
    }

    #[test]
    fn secrets_never_print_and_links_parse() {
        assert_eq!(format!("{:?}", Secret::new("sk-ant-admin-1")), "<redacted>");
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "link",
            "<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        assert!(same_origin(
            "https://api.github.com",
            "https://api.github.com/orgs/a/teams?page=2"
        ));
        assert!(same_origin(
            "http://127.0.0.1:8080/api/v4",
            "http://127.0.0.1:8080/x"
        ));
        for elsewhere in [
            "https://evil.example/orgs/a/teams?page=2",
            "http://api.github.com/x",
            "https://api.github.com:444/x",
            "https://api.github.com.evil.example/x",
            "not a url",
        ] {
            assert!(
                !same_origin("https://api.github.com", elsewhere),
                "{elsewhere}"
            );
        }
        assert_eq!(base64(b"key:"), "a2V5Og==");
        assert_eq!(base64(b"sk-cursor-1:"), "c2stY3Vyc29yLTE6");
        let j = jittered(Duration::from_secs(10));
        assert!(j >= Duration::from_secs(8) && j <= Duration::from_secs(12));
        assert_eq!(
            short_message("{\"error\":{\"message\":\"bad key\"}}"),
            "bad key"
        );
    }
}
