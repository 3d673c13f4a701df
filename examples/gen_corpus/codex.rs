//! Codex CLI rollouts (docs/formats.md#codex-cli-rollouts): `sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl` with
//! session_meta, turn_context (the model), response_items (reasoning, function_call with
//! JSON-string arguments, function_call_output) and token_count events carrying both the
//! last request's usage and the session's running total.

use super::corpus::{Expected, PROJECTS, Produced};
use super::text::{Rng, TextPool, iso_ms, push_json_str, utc_day};
use chrono::{DateTime, Utc};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub struct CodexJob {
    pub index: u64,
    pub session_id: String,
    pub project: usize,
    pub start_ms: i64,
    pub target_bytes: u64,
}

#[derive(Default, Clone, Copy)]
struct Usage {
    input: u64,
    cached: u64,
    output: u64,
    reasoning: u64,
}

impl Usage {
    fn json(&self, out: &mut String) {
        let _ = write!(
            out,
            "{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{},\"total_tokens\":{}}}",
            self.input,
            self.cached,
            self.output,
            self.reasoning,
            self.input + self.output
        );
    }
}

struct Rollout<'a> {
    rng: Rng,
    pool: &'a TextPool,
    file: BufWriter<File>,
    line: String,
    bytes: u64,
    lines: u64,
    ts: i64,
    context: u64,
    total: Usage,
    expected: Expected,
}

impl Rollout<'_> {
    fn begin(&mut self, kind: &str) {
        let _ = write!(
            self.line,
            "{{\"timestamp\":\"{}\",\"type\":\"{kind}\",\"payload\":",
            iso_ms(self.ts)
        );
    }

    fn end(&mut self) -> io::Result<()> {
        self.line.push_str("}\n");
        self.file.write_all(self.line.as_bytes())?;
        self.bytes += self.line.len() as u64;
        self.lines += 1;
        self.line.clear();
        self.ts += self.rng.range(50, 3_000) as i64;
        Ok(())
    }

    fn rate_limits(&mut self) {
        let resets = self.ts / 1000 + 3_600;
        let _ = write!(
            self.line,
            "\"rate_limits\":{{\"primary\":{{\"used_percent\":{}.0,\"window_minutes\":300,\"resets_at\":{resets}}},\"secondary\":{{\"used_percent\":{}.0,\"window_minutes\":10080,\"resets_at\":{}}},\"plan_type\":\"plus\"}}",
            self.rng.below(90),
            self.rng.below(60),
            resets + 400_000
        );
    }

    fn token_count(&mut self) -> io::Result<()> {
        let input = if self.context == 0 {
            self.rng.range(8_000, 14_000)
        } else {
            self.context + self.rng.range(200, 6_000)
        };
        let cached = if self.context == 0 {
            0
        } else {
            self.context / 256 * 256
        };
        let output = self.rng.log_range(40, 3_000);
        let last = Usage {
            input,
            cached,
            output,
            reasoning: output / 2,
        };
        self.total = Usage {
            input: self.total.input + last.input,
            cached: self.total.cached + last.cached,
            output: self.total.output + last.output,
            reasoning: self.total.reasoning + last.reasoning,
        };
        self.context = if input > 200_000 {
            self.rng.range(15_000, 30_000)
        } else {
            input + output
        };
        let t = self.expected.codex.entry(utc_day(self.ts)).or_default();
        t.requests += 1;
        t.input += input - cached;
        t.cache_read += cached;
        t.output += output;

        self.begin("event_msg");
        self.line
            .push_str("{\"type\":\"token_count\",\"info\":{\"total_token_usage\":");
        let total = self.total;
        total.json(&mut self.line);
        self.line.push_str(",\"last_token_usage\":");
        last.json(&mut self.line);
        self.line.push_str(",\"model_context_window\":272000},");
        self.rate_limits();
        self.line.push('}');
        self.end()
    }

    fn item(&mut self, body: &str) -> io::Result<()> {
        self.begin("response_item");
        self.line.push_str(body);
        self.end()
    }

    fn step(&mut self, cwd: &str) -> io::Result<()> {
        let mut body = String::from(
            "{\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":",
        );
        let len = self.rng.log_range(40, 600) as usize;
        push_json_str(&mut body, self.pool.slice(&mut self.rng, len));
        body.push_str("}],\"content\":null,\"encrypted_content\":");
        let len = self.rng.range(800, 4_000) as usize;
        push_json_str(&mut body, self.pool.base64(&mut self.rng, len));
        body.push('}');
        self.item(&body)?;

        let call_id = self.rng.base62("call_", 24);
        let mut args = String::from("{\"command\":[\"bash\",\"-lc\",");
        let len = self.rng.range(20, 300) as usize;
        push_json_str(&mut args, self.pool.slice(&mut self.rng, len));
        args.push_str("],\"workdir\":");
        push_json_str(&mut args, cwd);
        args.push_str(",\"timeout_ms\":120000}");
        let mut body =
            String::from("{\"type\":\"function_call\",\"name\":\"shell\",\"arguments\":");
        push_json_str(&mut body, &args);
        let _ = write!(body, ",\"call_id\":\"{call_id}\"}}");
        self.item(&body)?;
        self.token_count()?;

        let size = match self.rng.below(100) {
            0..=69 => self.rng.range(100, 3_000),
            70..=96 => self.rng.range(3_000, 20_000),
            _ => self.rng.range(20_000, 60_000),
        } as usize;
        let mut output = String::from("{\"output\":");
        push_json_str(&mut output, self.pool.slice(&mut self.rng, size));
        let _ = write!(
            output,
            ",\"metadata\":{{\"exit_code\":{},\"duration_seconds\":{}.{}}}}}",
            self.rng.below(2),
            self.rng.below(30),
            self.rng.below(10)
        );
        let mut body =
            format!("{{\"type\":\"function_call_output\",\"call_id\":\"{call_id}\",\"output\":");
        push_json_str(&mut body, &output);
        body.push('}');
        self.item(&body)?;
        self.context += (size / 4) as u64;
        Ok(())
    }
}

/// Writes one rollout file under `codex/sessions/YYYY/MM/DD/`.
pub fn write_rollout(
    root: &Path,
    job: &CodexJob,
    seed: u64,
    pool: &TextPool,
) -> io::Result<Produced> {
    let (cwd, remote) = PROJECTS[job.project];
    let start = DateTime::<Utc>::from_timestamp_millis(job.start_ms).unwrap_or_default();
    let dir = root
        .join("codex")
        .join("sessions")
        .join(start.format("%Y/%m/%d").to_string());
    std::fs::create_dir_all(&dir)?;
    let name = format!(
        "rollout-{}-{}.jsonl",
        start.format("%Y-%m-%dT%H-%M-%S"),
        job.session_id
    );
    let mut r = Rollout {
        rng: Rng::fork(seed, 5_000_000 + job.index),
        pool,
        file: BufWriter::with_capacity(1 << 18, File::create(dir.join(name))?),
        line: String::with_capacity(1 << 16),
        bytes: 0,
        lines: 0,
        ts: job.start_ms,
        context: 0,
        total: Usage::default(),
        expected: Expected::default(),
    };
    let mut model = if r.rng.chance(0.6) {
        "gpt-5.3-codex"
    } else {
        "gpt-5.1-codex"
    };

    r.begin("session_meta");
    let _ = write!(
        r.line,
        "{{\"id\":\"{}\",\"timestamp\":\"{}\",\"cwd\":",
        job.session_id,
        iso_ms(job.start_ms)
    );
    push_json_str(&mut r.line, cwd);
    r.line.push_str(",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.128.0\",\"source\":\"cli\",\"model_provider\":\"openai\",\"base_instructions\":{\"text\":");
    let len = r.rng.range(6_000, 14_000) as usize;
    push_json_str(&mut r.line, pool.slice(&mut r.rng, len));
    let _ = write!(
        r.line,
        "}},\"git\":{{\"commit_hash\":\"{}\",\"branch\":\"main\",\"repository_url\":",
        r.rng.hex(40)
    );
    push_json_str(&mut r.line, remote);
    r.line.push_str("}}");
    r.end()?;
    if r.rng.chance(0.3) {
        r.begin("event_msg");
        r.line.push_str("{\"type\":\"token_count\",\"info\":null,");
        r.rate_limits();
        r.line.push('}');
        r.end()?;
    }

    let mut turn = 0;
    while r.bytes < job.target_bytes {
        turn += 1;
        if r.rng.chance(0.05) {
            model = if model == "gpt-5.3-codex" {
                "gpt-5.1-codex"
            } else {
                "gpt-5.3-codex"
            };
        }
        r.begin("event_msg");
        let _ = write!(
            r.line,
            "{{\"type\":\"task_started\",\"turn_id\":\"{turn}\",\"model_context_window\":272000}}"
        );
        r.end()?;
        r.begin("turn_context");
        let _ = write!(r.line, "{{\"turn_id\":\"{turn}\",\"cwd\":");
        push_json_str(&mut r.line, cwd);
        let _ = write!(
            r.line,
            ",\"approval_policy\":\"on-request\",\"sandbox_policy\":{{\"mode\":\"workspace-write\"}},\"model\":\"{model}\",\"effort\":\"medium\",\"summary\":\"auto\",\"timezone\":\"UTC\"}}"
        );
        r.end()?;
        let len = r.rng.log_range(30, 1_500) as usize;
        let prompt = pool.slice(&mut r.rng, len);
        let mut body = String::from(
            "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":",
        );
        push_json_str(&mut body, prompt);
        body.push_str("}]}");
        r.item(&body)?;
        r.begin("event_msg");
        r.line.push_str("{\"type\":\"user_message\",\"message\":");
        push_json_str(&mut r.line, prompt);
        r.line.push_str(",\"images\":[]}");
        r.end()?;

        for _ in 0..r.rng.log_range(1, 20) {
            r.step(cwd)?;
            r.ts += r.rng.range(500, 20_000) as i64;
        }
        let len = r.rng.log_range(40, 1_500) as usize;
        let answer = pool.slice(&mut r.rng, len);
        let mut body = String::from(
            "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":",
        );
        push_json_str(&mut body, answer);
        body.push_str("}]}");
        r.item(&body)?;
        r.begin("event_msg");
        r.line.push_str("{\"type\":\"agent_message\",\"message\":");
        push_json_str(&mut r.line, answer);
        r.line.push('}');
        r.end()?;
        r.token_count()?;
        r.begin("event_msg");
        let _ = write!(
            r.line,
            "{{\"type\":\"task_complete\",\"turn_id\":\"{turn}\",\"last_agent_message\":null}}"
        );
        r.end()?;
        r.ts += r.rng.range(30_000, 1_800_000) as i64;
    }
    r.file.flush()?;
    Ok(Produced {
        bytes: r.bytes,
        files: 1,
        lines: r.lines,
        codex_files: 1,
        expected: r.expected,
        ..Produced::default()
    })
}
