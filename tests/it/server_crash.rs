//! kill -9 of a real `agentdeck serve` while a client streams exports: every export the
//! server acknowledged is stored, every one it did not is retried by the client after the
//! restart, and nothing is counted twice.

use crate::server_support;

use server_support::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EXPORTS: usize = 120;
const PER_EXPORT: usize = 20;

fn serve(home: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_agentdeck"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AGENTDECK_DB", home.join("team.db"))
        .env_remove("AGENTDECK_CONFIG")
        .env_remove("AGENTDECK_DATABASE")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// One POST; `Some(status)` when a full answer came back, `None` on any connection failure.
fn post(port: u16, body: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let head = format!(
        "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn export(n: usize) -> Vec<u8> {
    let records = (0..PER_EXPORT)
        .map(|k| {
            claude_api_request(
                &format!("s{}", n % 7),
                &format!("req_{n}_{k}"),
                (n * PER_EXPORT + k) as i64,
                "dev@example.com",
            )
        })
        .collect();
    serde_json::to_vec(&logs(claude_resource(), records)).unwrap()
}

#[test]
fn acknowledged_exports_survive_a_kill_and_retries_do_not_double_count() {
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = serve(home.path(), port);
    let mut acked = 0usize;
    let mut killed = false;
    let mut retries = 0usize;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut n = 0;
    while n < EXPORTS {
        assert!(Instant::now() < deadline, "the client did not finish");
        let body = export(n);
        if !killed && n == EXPORTS / 3 {
            // Fire the next export and kill the server while it may be between accept and
            // commit; the client does not know whether it was stored, so it must retry.
            let sender = std::thread::spawn(move || post(port, &body));
            std::thread::sleep(Duration::from_millis(2));
            server.kill().unwrap(); // SIGKILL
            server.wait().unwrap();
            killed = true;
            let _ = sender.join();
            server = serve(home.path(), port);
            continue;
        }
        match post(port, &body) {
            Some(200) => {
                acked += 1;
                n += 1;
            }
            _ => {
                retries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(killed && acked == EXPORTS, "acked {acked}");
    assert!(
        retries > 0,
        "the client should have retried at least while the server restarted"
    );
    let conn = rusqlite::Connection::open(home.path().join("team.db")).unwrap();
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        stored as usize,
        EXPORTS * PER_EXPORT,
        "every acknowledged record once, no doubles"
    );
    let tokens: i64 = conn
        .query_row("SELECT sum(output_tokens) FROM requests", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tokens as usize, EXPORTS * PER_EXPORT * 412);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
