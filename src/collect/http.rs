//! The shared HTTP client setup: HTTPS through rustls with the `ring` provider (installed
//! as the process default on first use, since reqwest is built without its own provider).

use std::time::Duration;

/// A client builder that can reach `https://` servers, with the given overall timeout.
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
}

/// Installs rustls's `ring` provider as the process default; harmless when one is set.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
