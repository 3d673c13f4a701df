//! Plans a corpus (how many files, how big, when, which project) and writes it in parallel.
//! Every file has its own RNG forked from the seed, so the output is identical per seed no
//! matter how the work is scheduled. Also keeps the exact per-day token totals it wrote.

use super::claude::ClaudeJob;
use super::claude_session;
use super::codex::{self, CodexJob};
use super::text::{Rng, TextPool};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

pub const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone)]
pub struct CorpusSpec {
    /// Target bytes on disk (decimal: 1GB = 10^9); the result lands within a few percent.
    pub size_bytes: u64,
    /// Number of files; default one per ~666 kB (≈1,500 for 1 GB).
    pub files: Option<usize>,
    pub seed: u64,
    /// Activity spreads over this many days before `end_ms`.
    pub days: i64,
    pub end_ms: i64,
}

impl CorpusSpec {
    pub fn new(size_bytes: u64, seed: u64) -> CorpusSpec {
        // 2026-11-20T00:00:00Z: fixed so a seed always gives the same files.
        CorpusSpec {
            size_bytes,
            files: None,
            seed,
            days: 45,
            end_ms: 1_795_132_800_000,
        }
    }
}

/// Token totals for one UTC day, as ccusage reports them: Claude after de-duplication (the
/// first copy with the largest total wins), Codex with `input` = uncached input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    pub requests: u64,
    pub input: u64,
    pub output: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
}

impl DayTotals {
    fn absorb(&mut self, o: &DayTotals) {
        self.requests += o.requests;
        self.input += o.input;
        self.output += o.output;
        self.cache_creation += o.cache_creation;
        self.cache_read += o.cache_read;
    }
}

#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub claude: BTreeMap<String, DayTotals>,
    pub codex: BTreeMap<String, DayTotals>,
}

impl Expected {
    fn absorb(&mut self, o: Expected) {
        for (day, t) in o.claude {
            self.claude.entry(day).or_default().absorb(&t);
        }
        for (day, t) in o.codex {
            self.codex.entry(day).or_default().absorb(&t);
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        let days = |m: &BTreeMap<String, DayTotals>| -> serde_json::Value {
            m.iter()
                .map(|(d, t)| {
                    serde_json::json!({
                        "date": d, "requests": t.requests, "inputTokens": t.input, "outputTokens": t.output,
                        "cacheCreationTokens": t.cache_creation, "cacheReadTokens": t.cache_read,
                    })
                })
                .collect()
        };
        serde_json::json!({ "claude": days(&self.claude), "codex": days(&self.codex) })
    }
}

/// What one file (or one session with its subagent files) produced.
#[derive(Debug, Default)]
pub struct Produced {
    pub bytes: u64,
    pub files: u64,
    pub lines: u64,
    pub claude_files: u64,
    pub codex_files: u64,
    pub expected: Expected,
}

impl Produced {
    fn absorb(&mut self, o: Produced) {
        self.bytes += o.bytes;
        self.files += o.files;
        self.lines += o.lines;
        self.claude_files += o.claude_files;
        self.codex_files += o.codex_files;
        self.expected.absorb(o.expected);
    }

    pub fn requests(&self) -> (u64, u64) {
        let sum = |m: &BTreeMap<String, DayTotals>| m.values().map(|t| t.requests).sum();
        (sum(&self.expected.claude), sum(&self.expected.codex))
    }
}

/// Working directories the sessions run in (some with `.`, `_` and spaces, which the
/// project-folder encoding turns into `-`).
pub const PROJECTS: &[(&str, &str)] = &[
    ("/home/dev/work/api", "git@github.com:acme/api.git"),
    (
        "/home/dev/work/web.app_v2",
        "git@github.com:acme/web-app.git",
    ),
    (
        "/home/dev/work/agentdeck",
        "https://github.com/acme/agentdeck.git",
    ),
    (
        "/home/dev/work/infra-terraform",
        "git@github.com:acme/infra.git",
    ),
    (
        "/home/dev/work/ml/training pipeline",
        "git@github.com:acme/training.git",
    ),
    ("/home/dev/work/mobile", "git@github.com:acme/mobile.git"),
    (
        "/home/dev/work/payments-service",
        "git@github.com:acme/payments.git",
    ),
    ("/home/dev/scratch", ""),
    ("/Users/sam/src/docs-site", "git@github.com:acme/docs.git"),
    (
        "/home/dev/work/data_pipelines/etl",
        "git@github.com:acme/etl.git",
    ),
    ("/home/dev/work/auth", "git@github.com:acme/auth.git"),
    (
        "/home/dev/work/search-indexer",
        "git@github.com:acme/search.git",
    ),
];

/// A session start inside the window: weekdays and working hours are busier.
fn start_time(rng: &mut Rng, spec: &CorpusSpec) -> i64 {
    let first_day = spec.end_ms - spec.days * DAY_MS;
    loop {
        let day = rng.below(spec.days as u64) as i64;
        let weekday = (first_day / DAY_MS + day + 3) % 7; // 0 = Monday
        if weekday >= 5 && !rng.chance(0.3) {
            continue;
        }
        let hour = if rng.chance(0.85) {
            rng.range(7, 19)
        } else {
            rng.below(24)
        } as i64;
        return first_day + day * DAY_MS + hour * 3_600_000 + rng.below(3_600_000) as i64;
    }
}

enum Job {
    Claude(ClaudeJob),
    Codex(CodexJob),
}

fn plan(spec: &CorpusSpec) -> Vec<Job> {
    let mut rng = Rng::fork(spec.seed, 0);
    let files = spec
        .files
        .unwrap_or((spec.size_bytes / 666_000) as usize)
        .max(4);
    let codex_files = ((files as f64 * 0.1).round() as usize).max(1);
    let sessions = (((files - codex_files) as f64 / 1.2).round() as usize).max(1);
    let mut subagent_files = files - codex_files - sessions;

    let mut claude_jobs: Vec<(ClaudeJob, f64)> = Vec::with_capacity(sessions);
    for i in 0..sessions {
        let project = rng.below(PROJECTS.len() as u64) as usize;
        let weight = rng.log_normal(1.0);
        let job = ClaudeJob {
            index: i as u64,
            session_id: rng.uuid(),
            project,
            start_ms: start_time(&mut rng, spec),
            target_bytes: 0,
            subagent_bytes: Vec::new(),
        };
        claude_jobs.push((job, weight));
    }
    // Hand the subagent files to ~10% of sessions, 1–3 each.
    while subagent_files > 0 {
        let (job, _) = &mut claude_jobs[rng.below(sessions as u64) as usize];
        if job.subagent_bytes.is_empty() {
            let n = (rng.range(1, 3) as usize).min(subagent_files);
            job.subagent_bytes = vec![0; n];
            subagent_files -= n;
        }
    }
    // Sessions overshoot their target by finishing the current turn; aim a little low.
    let claude_budget = spec.size_bytes as f64 * 0.9 * 0.91;
    let total_weight: f64 = claude_jobs
        .iter()
        .map(|(j, w)| w * (1.0 + 0.15 * j.subagent_bytes.len() as f64))
        .sum();
    let mut jobs = Vec::with_capacity(files);
    for (mut job, weight) in claude_jobs {
        let unit = claude_budget * weight / total_weight;
        job.target_bytes = unit as u64;
        for b in &mut job.subagent_bytes {
            *b = (unit * 0.15) as u64;
        }
        jobs.push(Job::Claude(job));
    }

    let codex_budget = spec.size_bytes as f64 * 0.1 * 0.93;
    let weights: Vec<f64> = (0..codex_files).map(|_| rng.log_normal(0.8)).collect();
    let total: f64 = weights.iter().sum();
    for (i, w) in weights.into_iter().enumerate() {
        let project = rng.below(PROJECTS.len() as u64) as usize;
        jobs.push(Job::Codex(CodexJob {
            index: i as u64,
            session_id: rng.uuid(),
            project,
            start_ms: start_time(&mut rng, spec),
            target_bytes: (codex_budget * w / total) as u64,
        }));
    }
    jobs
}

/// Writes the corpus under `out` (`out/claude/projects/…`, `out/codex/sessions/…`).
pub fn generate(out: &Path, spec: &CorpusSpec) -> io::Result<Produced> {
    let pool = TextPool::new(spec.seed, 4 << 20);
    let jobs = plan(spec);
    let results: Vec<io::Result<Produced>> = jobs
        .par_iter()
        .map(|job| match job {
            Job::Claude(j) => claude_session::write_session(out, j, spec.seed, &pool),
            Job::Codex(j) => codex::write_rollout(out, j, spec.seed, &pool),
        })
        .collect();
    let mut total = Produced::default();
    for r in results {
        total.absorb(r?);
    }
    Ok(total)
}

/// `1GB`, `100MB`, `512kB`, `2000000` (decimal units).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        _ => return None,
    };
    Some((n * mult) as u64)
}
