//! Claude Code session files (sources.md §1): prompts, API responses split into one line per
//! content block (shared `message.id`/`requestId`, usage repeated, early copies sometimes with
//! a placeholder `output_tokens`), tool results with `toolUseResult`, summaries, compaction
//! boundaries, file-history snapshots, and subagent files under `<session>/subagents/`.

use super::corpus::{Expected, PROJECTS, Produced};
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
const BRANCHES: &[&str] = &[
    "main",
    "feat/retry-backoff",
    "fix/flaky-test",
    "chore/deps",
    "feat/daily-report",
];
const TOOLS: &[&str] = &[
    "Bash",
    "Read",
    "Read",
    "Edit",
    "Grep",
    "Bash",
    "Write",
    "Glob",
    "TodoWrite",
    "Read",
];

/// `/home/dev/api` → `-home-dev-api` (every non-alphanumeric character becomes `-`).
pub fn encode_project(cwd: &str) -> String {
    cwd.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
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
        Ok(Out {
            file: BufWriter::with_capacity(1 << 18, File::create(path)?),
            line: String::with_capacity(1 << 16),
            bytes: 0,
            lines: 0,
        })
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
        let _ = write!(
            l,
            ",\"isSidechain\":{sidechain},\"userType\":\"external\",\"cwd\":"
        );
        push_json_str(l, self.cwd);
        let _ = write!(
            l,
            ",\"sessionId\":\"{}\",\"version\":\"{}\",\"gitBranch\":",
            self.session_id, self.version
        );
        push_json_str(l, self.branch);
        if let Some(a) = &self.agent_id {
            let _ = write!(l, ",\"agentId\":\"{a}\"");
        }
        let _ = write!(l, ",\"type\":\"{kind}\"");
    }

    fn end(&mut self) -> io::Result<()> {
        let uuid = self.rng.uuid();
        let _ = write!(
            self.out.line,
            ",\"uuid\":\"{uuid}\",\"timestamp\":\"{}\"}}",
            iso_ms(self.ts)
        );
        self.parent = Some(uuid);
        self.out.flush_line()
    }

    fn advance(&mut self, lo_ms: u64, hi_ms: u64) {
        self.ts += self.rng.range(lo_ms, hi_ms) as i64;
    }

    fn summary(&mut self) -> io::Result<()> {
        let l = &mut self.out.line;
        l.push_str("{\"type\":\"summary\",\"summary\":");
        let title = self
            .pool
            .slice(&mut self.rng, 40)
            .lines()
            .next()
            .unwrap_or("Refactor")
            .to_string();
        push_json_str(l, &title);
        let leaf = self.rng.uuid();
        let _ = write!(self.out.line, ",\"leafUuid\":\"{leaf}\"}}");
        self.out.flush_line()
    }

    fn snapshot(&mut self) -> io::Result<()> {
        let id = self.rng.uuid();
        let ts = iso_ms(self.ts);
        let l = &mut self.out.line;
        let _ = write!(
            l,
            "{{\"type\":\"file-history-snapshot\",\"messageId\":\"{id}\",\"snapshot\":{{\"messageId\":\"{id}\",\"trackedFileBackups\":{{"
        );
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
        let _ = write!(
            l,
            "}},\"timestamp\":\"{ts}\"}},\"isSnapshotUpdate\":false}}"
        );
        self.out.flush_line()
    }

    fn prompt(&mut self, text_len: usize) -> io::Result<()> {
        self.begin("user");
        let text = self.pool.slice(&mut self.rng, text_len);
        self.out
            .line
            .push_str(",\"message\":{\"role\":\"user\",\"content\":");
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

    fn usage_json(&self, model: &str, input: u64, output: u64, write: u64, read: u64) -> String {
        let mut u = format!(
            "{{\"input_tokens\":{input},\"cache_creation_input_tokens\":{write},\"cache_read_input_tokens\":{read}"
        );
        if self.cache_object {
            let (m5, h1) = if self.one_hour_cache {
                (0, write)
            } else {
                (write, 0)
            };
            let _ = write!(
                u,
                ",\"cache_creation\":{{\"ephemeral_5m_input_tokens\":{m5},\"ephemeral_1h_input_tokens\":{h1}}}"
            );
        }
        let _ = write!(
            u,
            ",\"output_tokens\":{output},\"service_tier\":\"standard\""
        );
        // Fast mode is an Opus toggle; the session's Haiku calls stay standard.
        if self.fast && model == self.model {
            u.push_str(",\"speed\":\"fast\"");
        }
        u.push('}');
        u
    }

    /// One API response: 1–4 assistant lines. Returns the tool calls it made.
    fn response(
        &mut self,
        tools: bool,
        task_agent: Option<&str>,
    ) -> io::Result<Vec<(String, &'static str)>> {
        let model = if self.agent_id.is_none() && self.rng.chance(0.08) {
            "claude-haiku-4-5-20251001"
        } else {
            self.model
        };
        let message_id = self.rng.base62("msg_01", 22);
        let request_id = self.rng.base62("req_011C", 20);
        let mut blocks: Vec<String> = Vec::with_capacity(4);
        if self.rng.chance(if tools { 0.55 } else { 0.8 }) {
            let mut b = String::from("{\"type\":\"thinking\",\"thinking\":");
            let len = self.rng.log_range(200, 6_000) as usize;
            push_json_str(&mut b, self.pool.slice(&mut self.rng, len));
            b.push_str(",\"signature\":");
            let sig_len = self.rng.range(300, 1_500) as usize;
            push_json_str(&mut b, self.pool.base64(&mut self.rng, sig_len));
            b.push('}');
            blocks.push(b);
        }
        let thinking = !blocks.is_empty();
        if !tools || self.rng.chance(0.45) {
            let mut b = String::from("{\"type\":\"text\",\"text\":");
            let len = self.rng.log_range(40, 1_500) as usize;
            push_json_str(&mut b, self.pool.slice(&mut self.rng, len));
            b.push('}');
            blocks.push(b);
        }
        let mut calls: Vec<(String, &'static str)> = Vec::new();
        if tools {
            let n = if task_agent.is_none() && self.rng.chance(0.15) {
                2
            } else {
                1
            };
            for _ in 0..n {
                let name = if task_agent.is_some() {
                    "Task"
                } else {
                    self.rng.pick(TOOLS)
                };
                let id = self.rng.base62("toolu_01", 22);
                blocks.push(self.tool_use(&id, name, task_agent));
                calls.push((id, name));
            }
        }

        let fresh = self.context_tokens == 0;
        let read = if fresh {
            self.rng.range(10_000, 14_000)
        } else {
            self.context_tokens
        };
        let write = if fresh {
            self.rng.range(4_000, 20_000)
        } else {
            self.rng.log_range(200, 12_000)
        };
        let input = if self.rng.chance(0.9) {
            self.rng.range(1, 12)
        } else {
            self.rng.range(100, 3_000)
        };
        let output = self.rng.log_range(40, 4_000)
            + if thinking {
                self.rng.range(100, 1_500)
            } else {
                0
            };
        let placeholder = blocks.len() > 1 && self.rng.chance(0.4);
        let final_usage = self.usage_json(model, input, output, write, read);
        let early_output = self.rng.range(1, 30).min(output);
        let early_usage = if placeholder {
            self.usage_json(model, input, early_output, write, read)
        } else {
            final_usage.clone()
        };

        let (mut first_ts, mut last_ts) = (0, 0);
        let n = blocks.len();
        for (i, block) in blocks.iter().enumerate() {
            let last = i + 1 == n;
            self.begin("assistant");
            let stop = if !last {
                "null"
            } else if tools {
                "\"tool_use\""
            } else {
                "\"end_turn\""
            };
            let usage = if last { &final_usage } else { &early_usage };
            let _ = write!(
                self.out.line,
                ",\"requestId\":\"{request_id}\",\"message\":{{\"id\":\"{message_id}\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{block}],\"stop_reason\":{stop},\"stop_sequence\":null,\"usage\":{usage}}}"
            );
            if i == 0 {
                first_ts = self.ts;
            }
            last_ts = self.ts;
            self.end()?;
            self.advance(300, 4_000);
        }
        // ccusage keeps the first copy with the largest total: the last line when early copies
        // carry a placeholder, else the first.
        let kept_ts = if placeholder { last_ts } else { first_ts };
        let t = self.expected.claude.entry(utc_day(kept_ts)).or_default();
        t.requests += 1;
        t.input += input;
        t.output += output;
        t.cache_creation += write;
        t.cache_read += read;
        self.context_tokens = read + write + output;
        self.last_response = Some((message_id, model, final_usage));
        Ok(calls)
    }

    fn tool_use(&mut self, id: &str, name: &str, task_agent: Option<&str>) -> String {
        let mut b =
            format!("{{\"type\":\"tool_use\",\"id\":\"{id}\",\"name\":\"{name}\",\"input\":{{");
        let path = format!("{}/src/module_{}.rs", self.cwd, self.rng.below(40));
        match name {
            "Bash" => {
                b.push_str("\"command\":");
                let len = self.rng.range(20, 200) as usize;
                push_json_str(&mut b, self.pool.slice(&mut self.rng, len));
                b.push_str(",\"description\":\"Run the tests\"");
            }
            "Edit" | "Write" => {
                b.push_str("\"file_path\":");
                push_json_str(&mut b, &path);
                let key = if name == "Edit" { "old_string" } else { "content" };
                let _ = write!(b, ",\"{key}\":");
                let len = self.rng.log_range(100, if name == "Edit" { 2_000 } else { 8_000 }) as usize;
                push_json_str(&mut b, self.pool.slice(&mut self.rng, len));
                if name == "Edit" {
                    b.push_str(",\"new_string\":");
                    let len = self.rng.log_range(100, 2_000) as usize;
                    push_json_str(&mut b, self.pool.slice(&mut self.rng, len));
                }
            }
            "Grep" => b.push_str("\"pattern\":\"fn\\\\s+parse_\\\\w+\",\"path\":\"src\",\"output_mode\":\"content\""),
            "Glob" => b.push_str("\"pattern\":\"**/*.rs\""),
            "TodoWrite" => b.push_str("\"todos\":[{\"content\":\"Fix the retry test\",\"status\":\"in_progress\",\"activeForm\":\"Fixing the retry test\"},{\"content\":\"Run the suite\",\"status\":\"pending\",\"activeForm\":\"Running the suite\"}]"),
            "Task" => {
                let _ = write!(b, "\"description\":\"Survey call sites\",\"subagent_type\":\"general-purpose\",\"prompt\":");
                let len = self.rng.range(200, 1_500) as usize;
                push_json_str(&mut b, self.pool.slice(&mut self.rng, len));
                let _ = task_agent;
            }
            _ => {
                b.push_str("\"file_path\":");
                push_json_str(&mut b, &path);
            }
        }
        b.push_str("}}");
        b
    }

    /// The user line that carries a tool's result back to the model.
    fn tool_result(&mut self, id: &str, name: &str, task_agent: Option<&str>) -> io::Result<()> {
        let size = match self.rng.below(1000) {
            0..=599 => self.rng.range(200, 3_000),
            600..=899 => self.rng.range(3_000, 20_000),
            900..=989 => self.rng.range(20_000, 60_000),
            _ => self.rng.range(200_000, 400_000),
        } as usize;
        let error = self.rng.chance(0.03);
        let text = if error {
            "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>"
        } else {
            self.pool.slice(&mut self.rng, size)
        };
        self.begin("user");
        let l = &mut self.out.line;
        let _ = write!(
            l,
            ",\"message\":{{\"role\":\"user\",\"content\":[{{\"tool_use_id\":\"{id}\",\"type\":\"tool_result\",\"content\":"
        );
        push_json_str(l, text);
        let _ = write!(l, ",\"is_error\":{error}}}]}},\"toolUseResult\":");
        if error {
            push_json_str(
                l,
                "Error: File has not been read yet. Read it first before writing to it.",
            );
        } else {
            match name {
                "Bash" => {
                    l.push_str("{\"stdout\":");
                    push_json_str(l, text);
                    l.push_str(",\"stderr\":\"\",\"interrupted\":false,\"isImage\":false}");
                }
                "Read" => {
                    let lines = text.lines().count();
                    let _ = write!(
                        l,
                        "{{\"type\":\"text\",\"file\":{{\"filePath\":\"{}/src/lib.rs\",\"content\":",
                        self.cwd.replace('"', "")
                    );
                    push_json_str(l, text);
                    let _ = write!(
                        l,
                        ",\"numLines\":{lines},\"startLine\":1,\"totalLines\":{lines}}}}}"
                    );
                }
                "Edit" | "Write" => {
                    l.push_str("{\"filePath\":\"src/lib.rs\",\"oldString\":\"let x = 1;\",\"newString\":\"let x = 2;\",\"originalFile\":");
                    push_json_str(l, text);
                    l.push_str(",\"structuredPatch\":[{\"oldStart\":12,\"oldLines\":7,\"newStart\":12,\"newLines\":9,\"lines\":[\" fn main() {\",\"-    let x = 1;\",\"+    let x = 2;\"]}],\"userModified\":false,\"replaceAll\":false}");
                }
                "Task" => {
                    let agent = task_agent.unwrap_or("0");
                    l.push_str(
                        "{\"status\":\"completed\",\"prompt\":\"Survey call sites\",\"agentId\":",
                    );
                    push_json_str(l, agent);
                    l.push_str(",\"content\":[{\"type\":\"text\",\"text\":");
                    push_json_str(l, text);
                    let _ = write!(
                        l,
                        "}}],\"totalDurationMs\":{},\"totalTokens\":{},\"totalToolUseCount\":{},\"usage\":{{\"input_tokens\":9,\"cache_creation_input_tokens\":3120,\"cache_read_input_tokens\":48211,\"output_tokens\":1733,\"service_tier\":\"standard\"}}}}",
                        self.rng.range(5_000, 200_000),
                        self.rng.range(10_000, 300_000),
                        self.rng.range(1, 40)
                    );
                }
                _ => {
                    l.push_str(
                        "{\"mode\":\"content\",\"numFiles\":3,\"filenames\":[],\"content\":",
                    );
                    push_json_str(l, text);
                    let _ = write!(l, ",\"numLines\":{}}}", text.lines().count());
                }
            }
        }
        self.end()?;
        self.context_tokens += (size / 4) as u64;
        Ok(())
    }

    /// One user prompt and the agentic loop that answers it.
    fn turn(
        &mut self,
        pending_tasks: &mut Vec<String>,
        spawned: &mut Vec<(String, i64)>,
        budget: u64,
    ) -> io::Result<()> {
        if self.agent_id.is_none() {
            self.snapshot()?;
        }
        let len = self.rng.log_range(30, 1_500) as usize;
        self.prompt(len)?;
        self.advance(1_000, 8_000);
        if self.rng.chance(0.003) {
            self.api_error()?;
            return Ok(());
        }
        let steps = self.rng.log_range(1, 30);
        for _ in 0..steps {
            if self.context_tokens > 165_000 {
                self.compact()?;
            }
            let task = if !pending_tasks.is_empty()
                && (self.rng.chance(0.25) || self.out.bytes > budget / 2)
            {
                pending_tasks.pop()
            } else {
                None
            };
            let calls = self.response(true, task.as_deref())?;
            for (id, name) in calls {
                self.advance(200, 30_000);
                if let Some(agent) = task.as_deref().filter(|_| name == "Task") {
                    spawned.push((agent.to_string(), self.ts));
                    self.advance(20_000, 300_000);
                }
                self.tool_result(&id, name, task.as_deref())?;
            }
            self.advance(1_000, 10_000);
            if self.out.bytes >= budget && pending_tasks.is_empty() {
                break;
            }
        }
        self.response(false, None)?;
        Ok(())
    }
}

fn open_conv<'a>(
    path: &Path,
    rng: Rng,
    pool: &'a TextPool,
    session_id: &'a str,
    cwd: &'a str,
    start_ms: i64,
) -> io::Result<Conv<'a>> {
    Ok(Conv {
        rng,
        pool,
        out: Out::create(path)?,
        session_id,
        cwd,
        branch: "main",
        version: VERSIONS[0],
        agent_id: None,
        model: "claude-sonnet-4-5-20250929",
        parent: None,
        ts: start_ms,
        context_tokens: 0,
        one_hour_cache: false,
        cache_object: true,
        fast: false,
        expected: Expected::default(),
        last_response: None,
    })
}

/// Writes `projects/<encoded cwd>/<session>.jsonl` and its subagent files.
pub fn write_session(
    root: &Path,
    job: &ClaudeJob,
    seed: u64,
    pool: &TextPool,
) -> io::Result<Produced> {
    let (cwd, _) = PROJECTS[job.project];
    let dir = root
        .join("claude")
        .join("projects")
        .join(encode_project(cwd));
    let mut rng = Rng::fork(seed, 1_000_000 + job.index);
    let branch = if PROJECTS[job.project].1.is_empty() {
        ""
    } else {
        rng.pick(BRANCHES)
    };
    let mut conv = open_conv(
        &dir.join(format!("{}.jsonl", job.session_id)),
        rng.clone(),
        pool,
        &job.session_id,
        cwd,
        job.start_ms,
    )?;
    conv.rng = Rng::fork(seed, 2_000_000 + job.index);
    conv.branch = branch;
    let old_client = rng.chance(0.05);
    conv.version = if old_client {
        "1.0.65"
    } else {
        rng.pick(VERSIONS)
    };
    conv.cache_object = !old_client;
    conv.one_hour_cache = rng.chance(0.25);
    conv.model = match rng.below(10) {
        0..=5 => "claude-sonnet-4-5-20250929",
        6..=8 => "claude-opus-4-7",
        _ => "claude-haiku-4-5-20251001",
    };
    conv.fast = conv.model == "claude-opus-4-7" && rng.chance(0.05);

    let mut pending: Vec<String> = (0..job.subagent_bytes.len()).map(|_| rng.hex(17)).collect();
    let mut spawned: Vec<(String, i64)> = Vec::new();
    if rng.chance(0.3) {
        conv.summary()?;
    }
    while conv.out.bytes < job.target_bytes || !pending.is_empty() {
        conv.turn(&mut pending, &mut spawned, job.target_bytes)?;
        conv.advance(20_000, 1_200_000);
        if rng.chance(0.03) {
            conv.advance(2 * 3_600_000, 20 * 3_600_000);
        }
    }
    conv.out.file.flush()?;
    let mut produced = Produced {
        bytes: conv.out.bytes,
        files: 1,
        lines: conv.out.lines,
        claude_files: 1,
        ..Produced::default()
    };
    let parent_response = conv.last_response.clone();
    let version = conv.version;
    let mut expected = std::mem::take(&mut conv.expected);
    drop(conv);

    for (i, ((agent, spawned_at), target)) in spawned.iter().zip(&job.subagent_bytes).enumerate() {
        let path = dir
            .join(&job.session_id)
            .join("subagents")
            .join(format!("agent-{agent}.jsonl"));
        let mut sub = open_conv(
            &path,
            Rng::fork(seed, 3_000_000 + job.index * 8 + i as u64),
            pool,
            &job.session_id,
            cwd,
            spawned_at + 500,
        )?;
        sub.branch = branch;
        sub.version = version;
        sub.agent_id = Some(agent.clone());
        sub.model = if sub.rng.chance(0.5) {
            "claude-haiku-4-5-20251001"
        } else {
            "claude-sonnet-4-5-20250929"
        };
        // A side thread that replays the parent's last response (same message.id, new
        // requestId): ccusage drops it because the parent copy exists (sources.md §1.6).
        if let Some((message_id, model, usage)) =
            parent_response.as_ref().filter(|_| sub.rng.chance(0.1))
        {
            sub.begin("assistant");
            let request_id = sub.rng.base62("req_011C", 20);
            let _ = write!(
                sub.out.line,
                ",\"requestId\":\"{request_id}\",\"message\":{{\"id\":\"{message_id}\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"{model}\",\"content\":[{{\"type\":\"text\",\"text\":\"(replayed)\"}}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{usage}}}"
            );
            sub.end()?;
        }
        let mut none = Vec::new();
        let mut ignored = Vec::new();
        while sub.out.bytes < *target {
            sub.turn(&mut none, &mut ignored, *target)?;
        }
        sub.out.file.flush()?;
        produced.bytes += sub.out.bytes;
        produced.lines += sub.out.lines;
        produced.files += 1;
        produced.claude_files += 1;
        let e = std::mem::take(&mut sub.expected);
        for (day, t) in e.claude {
            let d = expected.claude.entry(day).or_default();
            d.requests += t.requests;
            d.input += t.input;
            d.output += t.output;
            d.cache_creation += t.cache_creation;
            d.cache_read += t.cache_read;
        }
    }
    produced.expected = expected;
    Ok(produced)
}
