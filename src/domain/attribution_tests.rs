//! Table-driven tests of `attribution.rs`: every agent's trailers and identities, in the
//! spellings seen in the wild, and the revert, fix and ticket-key readers.

use super::*;

const HUMAN: Person<'static> = Person {
    name: "Ana Lima",
    email: "ana@example.com",
};

fn who(message: &str) -> Option<(AiTool, DetectedBy)> {
    attribute(HUMAN, HUMAN, message).map(|a| (a.tool, a.detected_by))
}

#[test]
fn trailers_of_every_agent() {
    let t = DetectedBy::Trailer;
    let cases = [
        (
            "Co-Authored-By: Claude <noreply@anthropic.com>",
            AiTool::ClaudeCode,
        ),
        (
            "Co-authored-by: Claude Sonnet 4.5 <noreply@anthropic.com>",
            AiTool::ClaudeCode,
        ),
        (
            "co-authored-by: claude opus 4.1 <NOREPLY@ANTHROPIC.COM>",
            AiTool::ClaudeCode,
        ),
        (
            "Claude-Session: https://claude.ai/code/session_1",
            AiTool::ClaudeCode,
        ),
        ("Co-authored-by: Codex <noreply@openai.com>", AiTool::Codex),
        ("Co-authored-by: codex <codex@openai.com>", AiTool::Codex),
        (
            "Co-authored-by: OpenAI Codex <codex@users.noreply.github.com>",
            AiTool::Codex,
        ),
        (
            "Co-authored-by: Cursor <cursoragent@cursor.com>",
            AiTool::Cursor,
        ),
        (
            "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
            AiTool::Copilot,
        ),
        (
            "Co-authored-by: GitHub Copilot <copilot@github.com>",
            AiTool::Copilot,
        ),
        (
            "Co-authored-by: aider (gpt-4o) <aider@aider.chat>",
            AiTool::Aider,
        ),
        (
            "Co-authored-by: aider (sonnet) <noreply@aider.dev>",
            AiTool::Aider,
        ),
        ("Co-authored-by: Gemini <gemini@google.com>", AiTool::Gemini),
        (
            "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
            AiTool::Gemini,
        ),
        (
            "Assisted-by: Claude <someone@else.example>",
            AiTool::ClaudeCode,
        ),
        // the e-mail decides even when the name is unusual
        (
            "Co-authored-by: Some Bot <NoReply@Anthropic.com>",
            AiTool::ClaudeCode,
        ),
    ];
    for (trailer, tool) in cases {
        let message =
            format!("Add login\n\nBody text.\n\n{trailer}\nSigned-off-by: Ana <ana@example.com>");
        assert_eq!(who(&message), Some((tool, t)), "{trailer}");
    }
}

#[test]
fn identities_and_markers() {
    let cursor = Person {
        name: "Cursor Agent",
        email: "cursoragent@cursor.com",
    };
    let copilot = Person {
        name: "copilot-swe-agent[bot]",
        email: "198982749+Copilot@users.noreply.github.com",
    };
    let aider = Person {
        name: "Ana Lima (aider)",
        email: "ana@example.com",
    };
    let claude_host = Person {
        name: "Claude",
        email: "noreply@anthropic.com",
    };
    let cases = [
        (
            cursor,
            HUMAN,
            "Fix",
            Some((AiTool::Cursor, DetectedBy::Author)),
        ),
        (
            copilot,
            HUMAN,
            "Fix",
            Some((AiTool::Copilot, DetectedBy::Author)),
        ),
        (
            aider,
            aider,
            "feat: x",
            Some((AiTool::Aider, DetectedBy::Author)),
        ),
        (
            HUMAN,
            aider,
            "feat: x",
            Some((AiTool::Aider, DetectedBy::Committer)),
        ),
        (
            claude_host,
            claude_host,
            "x",
            Some((AiTool::ClaudeCode, DetectedBy::Author)),
        ),
        (
            HUMAN,
            HUMAN,
            "aider: add tests",
            Some((AiTool::Aider, DetectedBy::Message)),
        ),
        (
            HUMAN,
            HUMAN,
            "Add x\n\n🤖 Generated with [Claude Code](https://claude.ai/code)",
            Some((AiTool::ClaudeCode, DetectedBy::Message)),
        ),
        // a person named Claude is not an agent, and neither is a plain human commit
        (
            Person {
                name: "Claude Martin",
                email: "claude.martin@example.com",
            },
            HUMAN,
            "Fix",
            None,
        ),
        (
            HUMAN,
            HUMAN,
            "Fix the Cursor position bug\n\nCursor moved.",
            None,
        ),
        (
            HUMAN,
            HUMAN,
            "Add x\n\nCo-authored-by: Li <li@example.com>",
            None,
        ),
    ];
    for (author, committer, message, want) in cases {
        let got = attribute(author, committer, message).map(|a| (a.tool, a.detected_by));
        assert_eq!(got, want, "{author:?} {committer:?} {message:?}");
    }
}

#[test]
fn trailer_parsing_follows_the_last_paragraph() {
    assert_eq!(
        trailers("s\n\nbody\n\nA: 1\nB-c: two words\n"),
        vec![("A", "1"), ("B-c", "two words")]
    );
    assert!(trailers("Subject: only").is_empty());
    assert!(trailers("s\n\nnot a trailer line\nA: 1").is_empty());
    assert_eq!(parse_person("Claude <x@y>").email, "x@y");
    assert_eq!(parse_person("plain").name, "plain");
}

#[test]
fn reverts_fixes_and_tickets() {
    let full = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(
        reverted_commit(&format!("Revert \"Add x\"\n\nThis reverts commit {full}.")),
        Some(full.to_string())
    );
    assert_eq!(reverted_commit("Revert nothing"), None);
    assert_eq!(
        fixed_commits("fix: null check missed in 1a2b3c4d"),
        vec!["1a2b3c4d"]
    );
    assert_eq!(
        fixed_commits("Handle empty input\n\nFixes: 1a2b3c4d5e (\"Add parser\")"),
        vec!["1a2b3c4d5e"]
    );
    assert!(fixed_commits("feat: add 1a2b3c4d support").is_empty());
    assert!(fixed_commits("fix: typo").is_empty());
    assert!(
        fixed_commits("fix: the deadbeef case").is_empty(),
        "no digit: a word"
    );
    assert_eq!(
        ticket_keys("PAY-42: settle ledger (see ENG-7, PAY-42; UTF-8 safe; SHA-256)"),
        vec!["PAY-42", "ENG-7"]
    );
    assert!(ticket_keys("lower abc-123 is not a key in a message").is_empty());
    assert_eq!(branch_ticket_keys("ana/eng-123-fix-login"), vec!["ENG-123"]);
    assert_eq!(branch_ticket_keys("feature/PAY-9"), vec!["PAY-9"]);
    assert!(branch_ticket_keys("release-2024").is_empty());
    assert!(branch_ticket_keys("fix-12-crash").is_empty());
}

#[test]
fn pull_requests_by_login_and_body() {
    let pr = |login, body| attribute_pull_request(login, body).map(|a| a.tool);
    assert_eq!(pr("Copilot", ""), Some(AiTool::Copilot));
    assert_eq!(pr("copilot-swe-agent[bot]", ""), Some(AiTool::Copilot));
    assert_eq!(
        pr(
            "ana",
            "Summary\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"
        ),
        Some(AiTool::ClaudeCode)
    );
    assert_eq!(pr("ana", "Just a change"), None);
}

#[test]
fn reverted_pull_requests_from_github_and_gitlab_wording() {
    assert_eq!(
        reverted_pull_request("Reverts acme/api#42", "acme/api"),
        Some(42)
    );
    assert_eq!(
        reverted_pull_request("Reverts ACME/Api#42\n\nwhy", "acme/api"),
        Some(42)
    );
    assert_eq!(reverted_pull_request("Reverts #7", "acme/api"), Some(7));
    assert_eq!(
        reverted_pull_request("Reverts acme/web#42", "acme/api"),
        None
    );
    assert_eq!(
        reverted_pull_request(
            "Revert \"Add x\"\n\nThis reverts commit 0123456.\n\nThis reverts merge request !15",
            "group/api"
        ),
        Some(15)
    );
    assert_eq!(
        reverted_pull_request("This reverts commit 0123456.", "acme/api"),
        None
    );
    assert_eq!(reverted_pull_request("Fixes #3", "acme/api"), None);
}
