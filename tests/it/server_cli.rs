//! The real `agentdeck` binary: `serve tokens create|list|revoke`, the refusal of a
//! non-loopback listen without tokens, and `serve` stopping cleanly on SIGTERM. Tokens are
//! printed once and never logged.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn agentdeck(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentdeck"));
    cmd.env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AGENTDECK_DB", home.join("team.db"))
        .env("AGENTDECK_LOG", "debug")
        .env_remove("AGENTDECK_CONFIG")
        .env_remove("AGENTDECK_DATABASE");
    cmd
}

fn logs_of(home: &Path) -> String {
    let mut all = String::new();
    if let Ok(dir) = std::fs::read_dir(home.join("state/agentdeck/logs")) {
        for entry in dir.flatten() {
            all += &std::fs::read_to_string(entry.path()).unwrap_or_default();
        }
    }
    all
}

#[test]
fn tokens_are_printed_once_listed_without_secret_and_revocable() {
    let home = tempfile::tempdir().unwrap();
    let out = agentdeck(home.path())
        .args([
            "serve",
            "tokens",
            "create",
            "--role",
            "manager",
            "--developer",
            "boss@x.io",
            "--team",
            "platform",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        token.starts_with("adk_"),
        "stdout holds only the token: {token:?}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&token));

    let list = agentdeck(home.path())
        .args(["serve", "tokens", "list", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8(list.stdout).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["tokens"][0]["role"], "manager");
    assert_eq!(doc["tokens"][0]["team"], "platform");
    assert!(!text.contains(&token) && !text.contains("token_hash"));

    let id = doc["tokens"][0]["id"].to_string();
    assert!(
        agentdeck(home.path())
            .args(["serve", "tokens", "revoke", &id])
            .status()
            .unwrap()
            .success()
    );
    let again = agentdeck(home.path())
        .args(["serve", "tokens", "revoke", &id])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no live token"));
    assert!(
        !logs_of(home.path()).contains(&token),
        "a token reached the log"
    );
}

#[test]
fn non_loopback_listen_without_tokens_is_refused_with_a_hint() {
    let home = tempfile::tempdir().unwrap();
    let out = agentdeck(home.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("without tokens") && err.contains("agentdeck serve tokens create"),
        "{err}"
    );
    let pg = agentdeck(home.path())
        .args([
            "serve",
            "--database",
            "postgres://agent:s3cret@127.0.0.1:1/agentdeck",
        ])
        .output()
        .unwrap();
    assert_eq!(pg.status.code(), Some(1));
    let err = String::from_utf8_lossy(&pg.stderr);
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    assert!(
        !err.contains("s3cret"),
        "a password reached the terminal: {err}"
    );
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = agentdeck(home.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let healthy = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            break r.starts_with("HTTP/1.1 200");
        }
        assert!(Instant::now() < deadline, "serve did not come up");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(healthy);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
}

/// The text listings keep their columns in line when an e-mail is longer than any fixed
/// width would allow (each column is as wide as its widest cell).
#[test]
fn member_and_token_listings_line_up_with_long_emails() {
    let home = tempfile::tempdir().unwrap();
    let long = "maintainers@users.noreply.r-seed-d90c1b25.example";
    for (email, team) in [(long, "platform"), ("ana@x.io", "data")] {
        let run = |args: &[&str]| {
            let out = agentdeck(home.path()).args(args).output().unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
        };
        run(&[
            "serve", "members", "set", email, "--team", team, "--role", "engineer",
        ]);
        run(&[
            "serve",
            "tokens",
            "create",
            "--role",
            "member",
            "--developer",
            email,
            "--team",
            team,
        ]);
    }
    for what in ["members", "tokens"] {
        let out = agentdeck(home.path())
            .args(["serve", what, "list"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let team_at = text.lines().next().unwrap().find("team").unwrap();
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), 2, "{text}");
        for row in rows {
            let chars: Vec<char> = row.chars().collect();
            let rest: String = chars[team_at..].iter().collect();
            assert!(
                rest.starts_with("platform") || rest.starts_with("data"),
                "{what}: the team column moved:\n{text}"
            );
            assert_eq!(chars[team_at - 1], ' ', "{what}:\n{text}");
        }
    }
}
