//! AI attribution of a commit or pull request from what the agents write into git: co-author
//! trailers, author and committer identities, and message markers (docs/outcomes.md lists
//! them per agent). Matching is case-insensitive, on e-mail as well as name. Also here: the
//! commit a revert or a fix names, and ticket keys (`ABC-123`) in branch names and messages.

use std::fmt;

/// The AI tools a commit can be attributed to. Most are agents agentdeck also collects
/// usage from; Aider only ever shows up in git.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AiTool {
    ClaudeCode,
    Codex,
    Cursor,
    Copilot,
    Aider,
    Gemini,
}

impl AiTool {
    /// Stored in `commits.ai_agent` / `pull_requests.ai_agent` (the agent ids of `Agent`
    /// where one exists).
    pub fn as_str(self) -> &'static str {
        match self {
            AiTool::ClaudeCode => "claude_code",
            AiTool::Codex => "codex",
            AiTool::Cursor => "cursor",
            AiTool::Copilot => "copilot",
            AiTool::Aider => "aider",
            AiTool::Gemini => "gemini",
        }
    }
}

impl fmt::Display for AiTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the attribution was read from (stored in `ai_detected_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetectedBy {
    Trailer,
    Author,
    Committer,
    Message,
    Telemetry,
}

impl DetectedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DetectedBy::Trailer => "trailer",
            DetectedBy::Author => "author",
            DetectedBy::Committer => "committer",
            DetectedBy::Message => "message",
            DetectedBy::Telemetry => "telemetry",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribution {
    pub tool: AiTool,
    pub detected_by: DetectedBy,
}

/// A name and e-mail as git records them (`Name <email>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// The agent an e-mail address belongs to (bot and no-reply addresses the agents use).
fn tool_of_email(email: &str) -> Option<AiTool> {
    let e = super::identity::normalise_email(email);
    let exact = [
        ("noreply@anthropic.com", AiTool::ClaudeCode),
        ("claude@anthropic.com", AiTool::ClaudeCode),
        ("noreply@openai.com", AiTool::Codex),
        ("codex@openai.com", AiTool::Codex),
        ("codex@users.noreply.github.com", AiTool::Codex),
        ("cursoragent@cursor.com", AiTool::Cursor),
        ("copilot@github.com", AiTool::Copilot),
        ("aider@aider.chat", AiTool::Aider),
        ("noreply@aider.dev", AiTool::Aider),
        ("gemini@google.com", AiTool::Gemini),
    ];
    if let Some((_, t)) = exact.iter().find(|(addr, _)| *addr == e) {
        return Some(*t);
    }
    // GitHub bot addresses: `<id>+Copilot@users.noreply.github.com`,
    // `<id>+copilot-swe-agent[bot]@…`, `<id>+gemini-code-assist[bot]@…`.
    let local = e.strip_suffix("@users.noreply.github.com")?;
    let login = local.split_once('+').map_or(local, |(_, l)| l);
    match login {
        "copilot" | "copilot-swe-agent[bot]" | "copilot-swe-agent" => Some(AiTool::Copilot),
        "gemini-code-assist[bot]" | "gemini-code-assist" => Some(AiTool::Gemini),
        "claude[bot]" | "claude" => Some(AiTool::ClaudeCode),
        "cursor[bot]" | "cursoragent" => Some(AiTool::Cursor),
        "codex[bot]" | "chatgpt-codex-connector[bot]" => Some(AiTool::Codex),
        _ => None,
    }
}

/// The agent a display name belongs to. `loose` (co-author trailers) also accepts a model
/// name after the agent's (`Claude Sonnet 4.5`, `aider (gpt-4o)`); author and committer
/// names must be exact, so a person called Claude Martin is not an agent.
fn tool_of_name(name: &str, loose: bool) -> Option<AiTool> {
    let n = name.trim().to_ascii_lowercase();
    if n.ends_with("(aider)") {
        return Some(AiTool::Aider);
    }
    let exact = [
        ("claude", AiTool::ClaudeCode),
        ("claude code", AiTool::ClaudeCode),
        ("codex", AiTool::Codex),
        ("openai codex", AiTool::Codex),
        ("cursor", AiTool::Cursor),
        ("cursor agent", AiTool::Cursor),
        ("copilot", AiTool::Copilot),
        ("github copilot", AiTool::Copilot),
        ("copilot-swe-agent[bot]", AiTool::Copilot),
        ("copilot-swe-agent", AiTool::Copilot),
        ("aider", AiTool::Aider),
        ("gemini", AiTool::Gemini),
        ("gemini cli", AiTool::Gemini),
        ("gemini code assist", AiTool::Gemini),
        ("gemini-code-assist[bot]", AiTool::Gemini),
    ];
    if let Some((_, t)) = exact.iter().find(|(known, _)| *known == n) {
        return Some(*t);
    }
    if !loose {
        return None;
    }
    let prefixed = [
        ("claude ", AiTool::ClaudeCode),
        ("aider (", AiTool::Aider),
        ("gemini ", AiTool::Gemini),
        ("codex ", AiTool::Codex),
    ];
    prefixed
        .iter()
        .find(|(p, _)| n.starts_with(p))
        .map(|(_, t)| *t)
}

fn tool_of_person(p: Person<'_>, loose: bool) -> Option<AiTool> {
    tool_of_email(p.email).or_else(|| tool_of_name(p.name, loose))
}

/// Splits `Name <email>`; a value without `<…>` is all name.
pub fn parse_person(value: &str) -> Person<'_> {
    match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if close > open => Person {
            name: value[..open].trim(),
            email: value[open + 1..close].trim(),
        },
        _ => Person {
            name: value.trim(),
            email: "",
        },
    }
}

/// The trailers of a message: `Key: value` lines of its last paragraph, when every line of
/// that paragraph is one (git's rule, simplified; continuation lines are kept with their
/// key). Keys are returned as written.
pub fn trailers(message: &str) -> Vec<(&str, &str)> {
    let trimmed = message.trim_end();
    let last = trimmed
        .rfind("\n\n")
        .map_or(trimmed, |at| &trimmed[at + 2..]);
    if last.len() == trimmed.len() && !trimmed.contains('\n') {
        return Vec::new(); // a subject alone has no trailers
    }
    let mut out = Vec::new();
    for line in last.lines() {
        if line.starts_with([' ', '\t']) && !out.is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((key, value))
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                out.push((key, value.trim()))
            }
            _ => return Vec::new(),
        }
    }
    out
}

/// Markers an agent writes into a message body.
fn tool_of_message(message: &str) -> Option<AiTool> {
    let lower = message.to_ascii_lowercase();
    if lower.contains("generated with [claude code]")
        || lower.contains("generated with claude code")
    {
        return Some(AiTool::ClaudeCode);
    }
    if lower.starts_with("aider: ") {
        return Some(AiTool::Aider);
    }
    None
}

/// Whom a commit is attributed to, or `None` for a human commit. Trailers first (the most
/// specific), then the author, the committer, and markers in the message.
pub fn attribute(author: Person<'_>, committer: Person<'_>, message: &str) -> Option<Attribution> {
    let found = |tool, detected_by| Attribution { tool, detected_by };
    for (key, value) in trailers(message) {
        let key = key.to_ascii_lowercase();
        let tool = match key.as_str() {
            "co-authored-by" | "assisted-by" | "generated-by" | "ai-assisted-by" => {
                tool_of_person(parse_person(value), true)
            }
            "claude-session" => Some(AiTool::ClaudeCode),
            _ => None,
        };
        if let Some(t) = tool {
            return Some(found(t, DetectedBy::Trailer));
        }
    }
    if let Some(t) = tool_of_person(author, false) {
        return Some(found(t, DetectedBy::Author));
    }
    if let Some(t) = tool_of_person(committer, false) {
        return Some(found(t, DetectedBy::Committer));
    }
    tool_of_message(message).map(|t| found(t, DetectedBy::Message))
}

/// Markers in a pull/merge request body (`🤖 Generated with [Claude Code]…`) or its author
/// login (`Copilot`, `copilot-swe-agent[bot]`).
pub fn attribute_pull_request(author_login: &str, body: &str) -> Option<Attribution> {
    if let Some(t) = tool_of_name(author_login, false).or_else(|| tool_of_email(author_login)) {
        return Some(Attribution {
            tool: t,
            detected_by: DetectedBy::Author,
        });
    }
    let lower = body.to_ascii_lowercase();
    let markers = [
        ("generated with [claude code]", AiTool::ClaudeCode),
        ("generated with claude code", AiTool::ClaudeCode),
        ("co-authored-by: claude", AiTool::ClaudeCode),
        ("noreply@anthropic.com", AiTool::ClaudeCode),
        ("created by codex", AiTool::Codex),
        ("noreply@openai.com", AiTool::Codex),
        ("cursoragent@cursor.com", AiTool::Cursor),
        ("generated with cursor", AiTool::Cursor),
        ("copilot coding agent", AiTool::Copilot),
        ("generated by aider", AiTool::Aider),
        ("gemini-code-assist", AiTool::Gemini),
    ];
    markers
        .iter()
        .find(|(m, _)| lower.contains(m))
        .map(|(_, t)| Attribution {
            tool: *t,
            detected_by: DetectedBy::Message,
        })
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Hex words of 7 to 40 digits (abbreviated or full commit ids), lower-cased.
fn shas_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            (7..=40).contains(&w.len()) && is_hex(w) && w.bytes().any(|b| b.is_ascii_digit())
        })
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The commit a revert undoes: `This reverts commit <sha>.` (git revert's wording).
pub fn reverted_commit(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("this reverts commit ")?;
    let rest = &message[at + "this reverts commit ".len()..];
    shas_in(rest.split_whitespace().next()?).into_iter().next()
}

/// The pull or merge request a merged revert undoes: GitHub's `Reverts acme/api#42` (the
/// body its Revert button writes; `#42` alone too) or GitLab's `This reverts merge request
/// !42`. `repo` is the configured `owner/name`; a reference to another repository is none.
pub fn reverted_pull_request(body: &str, repo: &str) -> Option<i64> {
    let lower = body.to_ascii_lowercase();
    let number = |s: &str| -> Option<i64> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok()
    };
    if let Some(at) = lower.find("reverts merge request !") {
        return number(&body[at + "reverts merge request !".len()..]);
    }
    lower.match_indices("reverts ").find_map(|(at, w)| {
        let target = body[at + w.len()..].split_whitespace().next()?;
        let (named, n) = target.rsplit_once('#')?;
        (named.is_empty() || named.eq_ignore_ascii_case(repo.trim_matches('/')))
            .then(|| number(n))?
    })
}

/// Commits a fix names: a `Fixes: <sha>` trailer (kernel style), or a subject that says it
/// fixes (`fix:`, `fix(scope):`, `Fix …`, `hotfix`, `bugfix`) and names a commit id.
pub fn fixed_commits(message: &str) -> Vec<String> {
    let mut out: Vec<String> = trailers(message)
        .into_iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("fixes"))
        .flat_map(|(_, v)| shas_in(v.split_whitespace().next().unwrap_or_default()))
        .collect();
    let subject = message.lines().next().unwrap_or_default();
    let lower = subject.to_ascii_lowercase();
    let says_fix = ["fix", "hotfix", "bugfix"]
        .iter()
        .any(|w| lower.starts_with(w) || lower.contains(&format!(" {w}")));
    if says_fix && reverted_commit(message).is_none() {
        for sha in shas_in(message) {
            if !out.contains(&sha) {
                out.push(sha);
            }
        }
    }
    out
}

/// Ticket keys in a commit message or PR title: `ABC-123` (two to ten capital letters or
/// digits starting with a letter, a dash, digits), as Jira and Linear write them, in order of
/// appearance, without repeats.
pub fn ticket_keys(text: &str) -> Vec<String> {
    scan_keys(text, false)
}

/// Ticket keys in a branch name, where tools write them in lower case
/// (`ana/eng-123-fix-login` gives `ENG-123`); words like `release-2` are not keys.
pub fn branch_ticket_keys(branch: &str) -> Vec<String> {
    scan_keys(branch, true)
}

fn scan_keys(text: &str, any_case: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if boundary && bytes[i].is_ascii_alphabetic() {
            let start = i;
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let prefix = &text[start..j];
            if j < bytes.len() && bytes[j] == b'-' && (2..=10).contains(&prefix.len()) {
                let mut k = j + 1;
                while k < bytes.len() && bytes[k].is_ascii_digit() {
                    k += 1;
                }
                let digits = k - (j + 1);
                let ends = k == bytes.len() || !bytes[k].is_ascii_alphanumeric();
                let cased = any_case || !prefix.bytes().any(|b| b.is_ascii_lowercase());
                if (1..=9).contains(&digits) && ends && cased && prefix_ok(prefix, any_case) {
                    let key = format!("{}-{}", prefix.to_ascii_uppercase(), &text[j + 1..k]);
                    if !out.contains(&key) {
                        out.push(key);
                    }
                }
                i = k.max(j + 1);
                continue;
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

/// Words that look like keys but are not (`UTF-8`, `SHA-256`, `ISO-8601`, and in branch
/// names `release-2`, `fix-12`).
fn prefix_ok(prefix: &str, branch: bool) -> bool {
    let upper = prefix.to_ascii_uppercase();
    let standard = matches!(
        upper.as_str(),
        "UTF" | "SHA" | "ISO" | "RFC" | "MD" | "HTTP" | "TLS" | "SSL" | "GPT" | "CVE" | "ES"
    );
    let branch_word = branch
        && matches!(
            upper.as_str(),
            "RELEASE"
                | "HOTFIX"
                | "FIX"
                | "BUGFIX"
                | "FEATURE"
                | "FEAT"
                | "ISSUE"
                | "PR"
                | "V"
                | "VERSION"
                | "WIP"
                | "TEST"
                | "DEPENDABOT"
                | "RENOVATE"
                | "BUMP"
        );
    !standard && !branch_word
}

#[cfg(test)]
#[path = "attribution_tests.rs"]
mod tests;
