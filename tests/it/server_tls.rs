//! `serve` with TLS on loopback: a self-signed certificate generated here, a client that
//! trusts it gets 200 from /healthz over HTTPS, plain HTTP to the same port gets nothing,
//! and the binary refuses a missing key file with a message naming it.

use agentdeck::pricing::PriceTable;
use agentdeck::server::state::Limits;
use agentdeck::server::tls::TlsFiles;
use agentdeck::server::{ServerConfig, start};
use std::time::Duration;

#[tokio::test]
async fn https_healthz_answers_and_plain_http_to_the_tls_port_fails() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert_file = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: agentdeck::server::backend::Database::Sqlite(dir.path().join("team.db")),
        limits: Limits::default(),
        tls: Some(TlsFiles {
            cert: cert_file,
            key: key_file,
        }),
        org_totals: Default::default(),
    };
    let server = start(config, PriceTable::builtin(), std::future::pending())
        .await
        .unwrap();
    let port = server.addr.port();

    let trusted = reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap();
    let client = agentdeck::collect::http::client_builder(Duration::from_secs(10))
        .tls_certs_only([trusted])
        .build()
        .unwrap();
    let response = client
        .get(format!("https://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok\n");

    let plain = agentdeck::collect::http::client_builder(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(
        plain.as_ref().map_or(true, |r| r.status() != 200),
        "plain HTTP must not be served on the TLS port: {plain:?}"
    );

    // A client that does not trust the certificate is refused by its own verifier.
    let untrusting = agentdeck::collect::http::client_builder(Duration::from_secs(10))
        .tls_certs_only([])
        .build()
        .unwrap()
        .get(format!("https://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(untrusting.is_err());
    server.shutdown().await.unwrap();
}

#[test]
fn serve_names_an_unreadable_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert_file = dir.path().join("cert.pem");
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentdeck"))
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env_remove("AGENTDECK_DATABASE")
        .arg("--db")
        .arg(dir.path().join("team.db"))
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(dir.path().join("missing.key"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read the TLS key file") && stderr.contains("missing.key"),
        "{stderr}"
    );
}
