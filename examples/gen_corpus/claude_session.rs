//! One Claude Code session on disk: the main transcript, then the subagent files its `Task`
//! calls spawned (same `sessionId`, `isSidechain: true`, their own `agentId`), some of which
//! begin by replaying the parent's last response.

use super::claude::{BRANCHES, ClaudeJob, Conv, Out, VERSIONS, encode_project};
use super::corpus::{Expected, PROJECTS, Produced};
use super::text::{Rng, TextPool};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

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
        // requestId): ccusage drops it because the parent copy exists (docs/accounting.md#dedupe).
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
