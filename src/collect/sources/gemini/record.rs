//! The serde shape of a Gemini chat record: session metadata, a message, a `$set`
//! update or a `$rewindTo`. Content is never kept, only its size.

use crate::collect::sources::fields::{Content, Ts};
use crate::collect::sources::json::{Count, Loose, LooseStr, LooseVec};
use crate::domain::bounds::OutOfBounds;
use serde::Deserialize;

/// Any Gemini record (JSONL line, `$set.messages` item, or a legacy document / message).
#[derive(Deserialize, Default)]
pub struct Record<'a> {
    #[serde(rename = "sessionId", borrow, default)]
    pub session_id: LooseStr<'a>,
    #[serde(rename = "projectHash", borrow, default)]
    pub project_hash: LooseStr<'a>,
    #[serde(rename = "startTime", default)]
    pub start_time: Option<Ts>,
    #[serde(rename = "lastUpdated", default)]
    pub last_updated: Option<Ts>,
    #[serde(borrow, default)]
    pub directories: LooseVec<LooseStr<'a>>,
    #[serde(borrow, default)]
    pub summary: LooseStr<'a>,
    #[serde(borrow, default)]
    pub id: LooseStr<'a>,
    #[serde(default)]
    pub timestamp: Option<Ts>,
    #[serde(rename = "type", borrow, default)]
    pub msg_type: LooseStr<'a>,
    #[serde(borrow, default)]
    pub model: LooseStr<'a>,
    #[serde(default)]
    pub tokens: Loose<Tokens>,
    #[serde(borrow, default)]
    pub content: Option<Content<'a>>,
    #[serde(rename = "toolCalls", borrow, default)]
    pub tool_calls: LooseVec<Loose<ToolCall<'a>>>,
    #[serde(rename = "$set", borrow, default)]
    pub set: Loose<Box<Record<'a>>>,
    #[serde(rename = "$rewindTo", borrow, default)]
    pub rewind_to: LooseStr<'a>,
    #[serde(borrow, default)]
    pub messages: Option<LooseVec<Loose<Record<'a>>>>,
}

#[derive(Deserialize)]
pub struct ToolCall<'a> {
    #[serde(borrow, default)]
    pub id: LooseStr<'a>,
    #[serde(borrow, default)]
    pub name: LooseStr<'a>,
}

/// `TokensSummary` and the tolerant alternative names ccusage accepts.
#[derive(Deserialize, Default)]
pub struct Tokens {
    #[serde(default)]
    input: Option<Count>,
    #[serde(default)]
    prompt: Option<Count>,
    #[serde(default)]
    input_tokens: Option<Count>,
    #[serde(default)]
    prompt_tokens: Option<Count>,
    #[serde(default)]
    output: Option<Count>,
    #[serde(default)]
    candidates: Option<Count>,
    #[serde(default)]
    output_tokens: Option<Count>,
    #[serde(default)]
    candidates_tokens: Option<Count>,
    #[serde(default)]
    cached: Option<Count>,
    #[serde(default)]
    cached_tokens: Option<Count>,
    #[serde(default)]
    thoughts: Option<Count>,
    #[serde(default)]
    reasoning: Option<Count>,
    #[serde(default)]
    thoughts_tokens: Option<Count>,
    #[serde(default)]
    reasoning_tokens: Option<Count>,
    #[serde(default)]
    tool: Option<Count>,
    #[serde(default)]
    tool_tokens: Option<Count>,
}

/// The first of several alternative names that is present, checked against the bounds.
fn first(options: &[(Option<Count>, &'static str)]) -> Result<i64, OutOfBounds> {
    match options.iter().find_map(|(c, name)| c.map(|c| (c, *name))) {
        Some((count, name)) => count.checked(name),
        None => Ok(0),
    }
}

impl Tokens {
    pub fn input(&self) -> Result<i64, OutOfBounds> {
        first(&[
            (self.input, "tokens.input"),
            (self.prompt, "tokens.prompt"),
            (self.input_tokens, "tokens.input_tokens"),
            (self.prompt_tokens, "tokens.prompt_tokens"),
        ])
    }
    pub fn output(&self) -> Result<i64, OutOfBounds> {
        first(&[
            (self.output, "tokens.output"),
            (self.candidates, "tokens.candidates"),
            (self.output_tokens, "tokens.output_tokens"),
            (self.candidates_tokens, "tokens.candidates_tokens"),
        ])
    }
    pub fn cached(&self) -> Result<i64, OutOfBounds> {
        first(&[
            (self.cached, "tokens.cached"),
            (self.cached_tokens, "tokens.cached_tokens"),
        ])
    }
    pub fn thoughts(&self) -> Result<i64, OutOfBounds> {
        first(&[
            (self.thoughts, "tokens.thoughts"),
            (self.reasoning, "tokens.reasoning"),
            (self.thoughts_tokens, "tokens.thoughts_tokens"),
            (self.reasoning_tokens, "tokens.reasoning_tokens"),
        ])
    }
    pub fn tool(&self) -> Result<i64, OutOfBounds> {
        first(&[
            (self.tool, "tokens.tool"),
            (self.tool_tokens, "tokens.tool_tokens"),
        ])
    }

    /// (input, cached, output, thoughts, tool), or the first field refused by the bounds.
    pub fn counts(&self) -> Result<(i64, i64, i64, i64, i64), OutOfBounds> {
        Ok((
            self.input()?,
            self.cached()?,
            self.output()?,
            self.thoughts()?,
            self.tool()?,
        ))
    }
}
