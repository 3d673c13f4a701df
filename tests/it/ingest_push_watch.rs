//! `agentdeck push --watch` as a daemon, against a real HTTP server on loopback that
//! misbehaves on purpose: a dropped connection, a 503, a 429 with Retry-After. The daemon
//! keeps going, waits as told, reads lines appended to a transcript before each push,
//! shows its state in `agentdeck sources`, and stops cleanly on SIGTERM.

use crate::common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server saw: arrival time and body of each request it read.
type Seen = Arc<Mutex<Vec<(Instant, String)>>>;

/// Answers request n with `script[n]` (the last entry repeats): `None` drops the
/// connection without answering, `Some(raw)` writes that HTTP response.
async fn serve(listener: tokio::net::TcpListener, script: Vec<Option<&'static str>>, seen: Seen) {
    let mut n = 0usize;
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let mut buf = Vec::new();
        let mut chunk = [0u8; 65536];
        // Read the head, then the body by Content-Length.
        let body = loop {
            let Ok(k) = sock.read(&mut chunk).await else {
                break None;
            };
            if k == 0 {
                break None;
            }
            buf.extend_from_slice(&chunk[..k]);
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break Some(String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned());
            }
        };
        let Some(body) = body else { continue };
        seen.lock().unwrap().push((Instant::now(), body));
        let answer = script[n.min(script.len() - 1)];
        n += 1;
        if let Some(raw) = answer {
            let _ = sock.write_all(raw.as_bytes()).await;
        }
        drop(sock);
    }
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
const UNAVAILABLE: &str =
    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy";
const SLOW_DOWN: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 4\r\nconnection: close\r\n\r\nslow";

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn push_watch_survives_failures_honours_retry_after_and_pushes_new_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("claude");
    let transcript = claude_project(&root, "-p").join("s1.jsonl");
    let first = assistant_line(
        "s1",
        "msg_first",
        Some("r1"),
        "2026-01-09T10:00:00.000Z",
        5,
        1,
        0,
    );
    std::fs::write(&transcript, format!("{first}\n")).unwrap();
    let db = tmp.path().join("a.db");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    // dropped connection, 503, 429 (Retry-After: 2), then success from there on.
    let script = vec![None, Some(UNAVAILABLE), Some(SLOW_DOWN), Some(OK)];
    runtime.spawn(serve(listener, script, seen.clone()));

    let mut daemon = bin()
        .args([
            "--db",
            db.to_str().unwrap(),
            "push",
            "--watch",
            "--interval",
            "1s",
        ])
        .args(["--server", &format!("127.0.0.1:{port}")])
        .args(["--claude-dir", root.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    let count = || seen.lock().unwrap().len();
    wait_for("four attempts", Duration::from_secs(60), || count() >= 4);
    {
        let seen = seen.lock().unwrap();
        assert!(
            seen[0].1.contains("msg_first"),
            "the first push carries the line"
        );
        let after_429 = seen[3].0 - seen[2].0;
        assert!(
            after_429 >= Duration::from_millis(1900),
            "Retry-After: 2 was honoured: waited {after_429:?}"
        );
    }
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "still running after failures"
    );

    // A line appended while the daemon runs is read and pushed.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&transcript)
        .unwrap();
    let second = assistant_line(
        "s1",
        "msg_second",
        Some("r2"),
        "2026-01-09T10:05:00.000Z",
        7,
        1,
        0,
    );
    writeln!(f, "{second}").unwrap();
    drop(f);
    wait_for(
        "the appended line to be pushed",
        Duration::from_secs(60),
        || {
            seen.lock()
                .unwrap()
                .iter()
                .any(|(_, b)| b.contains("msg_second"))
        },
    );

    // Its state is visible to `agentdeck sources`.
    let sources = json_of(&run_ok(&[
        "--db",
        db.to_str().unwrap(),
        "sources",
        "--json",
    ]));
    let push = sources["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "push")
        .unwrap_or_else(|| panic!("no push source: {sources:#}"))
        .clone();
    assert_eq!(push["source"], format!("push http://127.0.0.1:{port}"));
    assert_eq!(push["state"], "ok", "{push:#}");
    assert!(
        push["last_error"].as_str().unwrap().contains("429"),
        "{push:#}"
    );

    // SIGTERM (systemctl stop): a clean exit.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let status = daemon.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut daemon.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("trying again in"), "{err}");
}
