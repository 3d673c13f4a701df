//! One mapping per agent from the vendor's token fields to ours (docs/accounting.md), used
//! by the file parsers and the telemetry mapping alike, so a request counts the same
//! whichever way it arrives. Ours: `input` uncached input, `cache_read` cached input,
//! `cache_write_*` cache writes, `output` including reasoning, `reasoning` its subset.

use super::TokenUsage;

/// Claude Code (transcript `usage`, telemetry `api_request`): input is already uncached;
/// cache writes are split 5m/1h where the source says so, else all 5m.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaudeTokens {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
}

pub fn claude_usage(t: ClaudeTokens) -> TokenUsage {
    TokenUsage {
        input: t.input,
        output: t.output,
        cache_write_5m: t.cache_write_5m,
        cache_write_1h: t.cache_write_1h,
        cache_read: t.cache_read,
        reasoning: 0,
    }
}

/// Codex CLI (rollout `token_count`, telemetry `response.completed`): input includes the
/// cached part; output includes reasoning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodexTokens {
    pub input: i64,
    pub cached: i64,
    pub output: i64,
    pub reasoning: i64,
}

pub fn codex_usage(t: CodexTokens) -> TokenUsage {
    let cached = t.cached.clamp(0, t.input.max(0));
    TokenUsage {
        input: t.input.saturating_sub(cached),
        output: t.output,
        cache_write_5m: 0,
        cache_write_1h: 0,
        cache_read: cached,
        reasoning: t.reasoning,
    }
}

/// Gemini CLI (chat `tokens`, telemetry `api_response`): input includes the cached part;
/// tool-use prompt tokens are billed as input; thoughts are billed as output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeminiTokens {
    pub input: i64,
    pub cached: i64,
    pub output: i64,
    pub thoughts: i64,
    pub tool: i64,
}

pub fn gemini_usage(t: GeminiTokens) -> TokenUsage {
    let cached = t.cached.clamp(0, t.input.max(0));
    TokenUsage {
        input: t.input.saturating_sub(cached).saturating_add(t.tool),
        output: t.output.saturating_add(t.thoughts),
        cache_write_5m: 0,
        cache_write_1h: 0,
        cache_read: cached,
        reasoning: t.thoughts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_takes_cached_out_of_input_once() {
        let u = codex_usage(CodexTokens {
            input: 1_000,
            cached: 800,
            output: 50,
            reasoning: 20,
        });
        assert_eq!(
            (u.input, u.cache_read, u.output, u.reasoning),
            (200, 800, 50, 20)
        );
        let odd = codex_usage(CodexTokens {
            input: 10,
            cached: 30,
            ..CodexTokens::default()
        });
        assert_eq!(
            (odd.input, odd.cache_read),
            (0, 10),
            "cached never exceeds input"
        );
    }

    #[test]
    fn gemini_bills_tool_tokens_as_input_and_thoughts_as_output() {
        let u = gemini_usage(GeminiTokens {
            input: 12_840,
            cached: 9_000,
            output: 210,
            thoughts: 512,
            tool: 7,
        });
        assert_eq!(u.input, 3_847);
        assert_eq!(u.cache_read, 9_000);
        assert_eq!(u.output, 722);
        assert_eq!(u.reasoning, 512);
        assert_eq!(u.total(), 12_840 + 7 + 210 + 512);
    }
}
