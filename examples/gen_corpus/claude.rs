//! Claude Code session files (docs/formats.md#claude-code-transcripts): prompts, API responses split into one line per
//! content block (shared `message.id`/`requestId`, usage repeated, early copies sometimes with
//! a placeholder `output_tokens`), tool results with `toolUseResult`, summaries, compaction
//! boundaries, file-history snapshots, and subagent files under `<session>/subagents/`.

use super::corpus::Expected;
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

pub(super) const VERSIONS: &[&str] = &["2.0.76", "2.1.12", "2.1.40", "2.1.234"];
pub(super) const BRANCHES: &[&str] = &[
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

pub(super) struct Out {
    pub(super) file: BufWriter<File>,
    pub(super) line: String,
    pub(super) bytes: u64,
    pub(super) lines: u64,
}

impl Out {
    pub(super) fn create(path: &Path) -> io::Result<Out> {
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

    pub(super) fn flush_line(&mut self) -> io::Result<()> {
        self.line.push('\n');
        self.file.write_all(self.line.as_bytes())?;
        self.bytes += self.line.len() as u64;
        self.lines += 1;
        self.line.clear();
        Ok(())
    }
}

/// One conversation thread (the main session or one subagent) being written.
pub(super) struct Conv<'a> {
    pub(super) rng: Rng,
    pub(super) pool: &'a TextPool,
    pub(super) out: Out,
    pub(super) session_id: &'a str,
    pub(super) cwd: &'a str,
    pub(super) branch: &'a str,
    pub(super) version: &'a str,
    pub(super) agent_id: Option<String>,
    pub(super) model: &'static str,
    pub(super) parent: Option<String>,
    pub(super) ts: i64,
    pub(super) context_tokens: u64,
    pub(super) one_hour_cache: bool,
    pub(super) cache_object: bool,
    pub(super) fast: bool,
    pub(super) expected: Expected,
    /// (message id, model, usage JSON) of the last response, for subagent replays.
    pub(super) last_response: Option<(String, &'static str, String)>,
}

impl Conv<'_> {
    pub(super) fn begin(&mut self, kind: &str) {
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

    pub(super) fn end(&mut self) -> io::Result<()> {
        let uuid = self.rng.uuid();
        let _ = write!(
            self.out.line,
            ",\"uuid\":\"{uuid}\",\"timestamp\":\"{}\"}}",
            iso_ms(self.ts)
        );
        self.parent = Some(uuid);
        self.out.flush_line()
    }

    pub(super) fn advance(&mut self, lo_ms: u64, hi_ms: u64) {
        self.ts += self.rng.range(lo_ms, hi_ms) as i64;
    }

    pub(super) fn summary(&mut self) -> io::Result<()> {
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

    /// One user prompt and the agentic loop that answers it.
    pub(super) fn turn(
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
