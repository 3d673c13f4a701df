//! Claude Code session files (sources.md §1): prompts, API responses split into one line per
//! content block (shared `message.id`/`requestId`, usage repeated, early copies sometimes with
//! a placeholder `output_tokens`), tool results with `toolUseResult`, summaries, compaction
//! boundaries, file-history snapshots, and subagent files under `<session>/subagents/`.

use super::corpus::{DayTotals, Expected, PROJECTS, Produced};
use super::text::{Rng, TextPool, iso_ms, push_json_str, utc_day};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub struct ClaudeJob {
    pub index: u64,
    pub session_id: String,
    pub project: usize,
    pub start_ms: i64,
    pub target_bytes: u64,
    /// One entry per subagent file this session spawns (target bytes each).
    pub subagent_bytes: Vec<u64>,
}

const VERSIONS: &[&str] = &["2.0.76", "2.1.12", "2.1.40", "2.1.234"];
const BRANCHES: &[&str] = &["main", "feat/retry-backoff", "fix/flaky-test", "chore/deps", "feat/daily-report"];
const TOOLS: &[&str] = &["Bash", "Read", "Read", "Edit", "Grep", "Bash", "Write", "Glob", "TodoWrite", "Read"];

/// `/home/dev/api` → `-home-dev-api` (every non-alphanumeric character becomes `-`).
pub fn encode_project(cwd: &str) -> String {
    cwd.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

struct Out {
    file: BufWriter<File>,
    line: String,
    bytes: u64,
    lines: u64,
}

impl Out {
    fn create(path: &Path) -> io::Result<Out> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(Out { file: BufWriter::with_capacity(1 << 18, File::create(path)?), line: String::with_capacity(1 << 16), bytes: 0, lines: 0 })
    }

    fn flush_line(&mut self) -> io::Result<()> {
        self.line.push('\n');
        self.file.write_all(self.line.as_bytes())?;
        self.bytes += self.line.len() as u64;
        self.lines += 1;
        self.line.clear();
        Ok(())
    }
}

/// One conversation thread (the main session or one subagent) being written.
struct Conv<'a> {
    rng: Rng,
    pool: &'a TextPool,
    out: Out,
    session_id: &'a str,
    cwd: &'a str,
    branch: &'a str,
    version: &'a str,
    agent_id: Option<String>,
    model: &'static str,
    parent: Option<String>,
    ts: i64,
    context_tokens: u64,
    one_hour_cache: bool,
    cache_object: bool,
    fast: bool,
    expected: Expected,
    /// (message id, model, usage JSON) of the last response, for subagent replays.
    last_response: Option<(String, &'static str, String)>,
}

impl Conv<'_> {
    fn begin(&mut self, kind: &str) {
        let sidechain = self.agent_id.is_some();
        let l = &mut self.out.line;
        l.push_str("{\"parentUuid\":");
        match &self.parent {
            Some(p) => push_json_str(l, p),
            None => l.push_str("null"),
        }
        let _ = write!(l, ",\"isSidechain\":{sidechain},\"userType\":\"external\",\"cwd\":");
        push_json_str(l, self.cwd);
        let _ = write!(l, ",\"sessionId\":\"{}\",\"version\":\"{}\",\"gitBranch\":", self.session_id, self.version);
        push_json_str(l, self.branch);
        if let Some(a) = &self.agent_id {
            let _ = write!(l, ",\"agentId\":\"{a}\"");
        }
        let _ = write!(l, ",\"type\":\"{kind}\"");
    }

    fn end(&mut self) -> io::Result<()> {
        let uuid = self.rng.uuid();
        let _ = write!(self.out.line, ",\"uuid\":\"{uuid}\",\"timestamp\":\"{}\"}}", iso_ms(self.ts));
        self.parent = Some(uuid);
        self.out.flush_line()
    }

    fn advance(&mut self, lo_ms: u64, hi_ms: u64) {
        self.ts += self.rng.range(lo_ms, hi_ms) as i64;
    }

    fn summary(&mut self) -> io::Result<()> {
        let l = &mut self.out.line;
        l.push_str("{\"type\":\"summary\",\"summary\":");
        let title = self.pool.slice(&mut self.rng, 40).lines().next().unwrap_or("Refactor").to_string();
        push_json_str(l, &title);
        let leaf = self.rng.uuid();
        let _ = write!(self.out.line, ",\"leafUuid\":\"{leaf}\"}}");
        self.out.flush_line()
    }

    fn snapshot(&mut self) -> io::Result<()> {
        let id = self.rng.uuid();
        let ts = iso_ms(self.ts);
        let l = &mut self.out.line;
        let _ = write!(l, "{{\"type\":\"file-history-snapshot\",\"messageId\":\"{id}\",\"snapshot\":{{\"messageId\":\"{id}\",\"trackedFileBackups\":{{");
        for i in 0..self.rng.below(4) {
            let _ = write!(
                l,
                "{}\"src/module_{i}.rs\":{{\"backupFileName\":\"{}@v{}\",\"version\":{},\"backupTime\":\"{ts}\"}}",
                if i > 0 { "," } else { "" },
                &id[..16],
                i + 1,
                i + 1
            );
        }
        let _ = write!(l, "}},\"timestamp\":\"{ts}\"}},\"isSnapshotUpdate\":false}}");
        self.out.flush_line()
    }

    fn prompt(&mut self, text_len: usize) -> io::Result<()> {
        self.begin("user");
        let text = self.pool.slice(&mut self.rng, text_len);
        self.out.line.push_str(",\"message\":{\"role\":\"user\",\"content\":");
        push_json_str(&mut self.out.line, text);
        self.out.line.push('}');
        self.end()
    }

    fn compact(&mut self) -> io::Result<()> {
        self.begin("system");
        let _ = write!(
            self.out.line,
            ",\"subtype\":\"compact_boundary\",\"content\":\"Conversation compacted\",\"level\":\"info\",\"isMeta\":false,\"compactMetadata\":{{\"trigger\":\"auto\",\"preTokens\":{}}}",
            self.context_tokens
        );
        self.end()?;
        self.context_tokens = self.rng.range(12_000, 30_000);
        Ok(())
    }

    fn api_error(&mut self) -> io::Result<()> {
        self.begin("assistant");
        let id = self.rng.uuid();
        let _ = write!(
            self.out.line,
            ",\"isApiErrorMessage\":true,\"message\":{{\"id\":\"{id}\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"<synthetic>\",\"content\":[{{\"type\":\"text\",\"text\":\"API Error: 529 {{\\\"type\\\":\\\"error\\\",\\\"error\\\":{{\\\"type\\\":\\\"overloaded_error\\\",\\\"message\\\":\\\"Overloaded\\\"}}}}\"}}],\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\",\"usage\":{{\"input_tokens\":0,\"output_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}}}"
        );
        self.end()
    }

    fn usage_json(&self, input: u64, output: u64, write: u64, read: u64) -> String {
        let mut u = format!("{{\"input_tokens\":{input},\"cache_creation_input_tokens\":{write},\"cache_read_input_tokens\":{read}");
        if self.cache_object {
            let (m5, h1) = if self.one_hour_cache { (0, write) } else { (write, 0) };
            let _ = write!(u, ",\"cache_creation\":{{\"ephemeral_5m_input_tokens\":{m5},\"ephemeral_1h_input_tokens\":{h1}}}");
        }
        let _ = write!(u, ",\"output_tokens\":{output},\"service_tier\":\"standard\"");
        if self.fast {
            u.push_str(",\"speed\":\"fast\"");
        }
        u.push('}');
        u
    }

