//! Tool calls and their results in Claude Code transcripts: the `tool_use` block an assistant
//! line carries and the user line with `tool_result` content and a `toolUseResult` object
//! shaped per tool (Bash, Read, Edit/Write, Task with its `agentId` and `usage`, Grep).

use super::claude::Conv;
use super::text::push_json_str;
use std::fmt::Write as _;
use std::io;

impl Conv<'_> {
    pub(super) fn tool_use(&mut self, id: &str, name: &str, task_agent: Option<&str>) -> String {
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
    pub(super) fn tool_result(
        &mut self,
        id: &str,
        name: &str,
        task_agent: Option<&str>,
    ) -> io::Result<()> {
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
}
