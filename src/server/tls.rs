//! Optional TLS for `agentdeck serve` (`--tls-cert FILE --tls-key FILE`, PEM): rustls with
//! the `ring` provider. The certificate chain and key are read once at start; a file that
//! cannot be read or holds no usable PEM is a clear error naming the file. The accept loop
//! wraps each TCP connection in a TLS handshake before hyper sees it.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// The PEM files named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the TLS certificate file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----): {reason}", path.display())]
    NoCertificate { path: PathBuf, reason: String },
    #[error("the TLS key file {} holds no PEM private key (PKCS#8, PKCS#1 or SEC1): {reason}", path.display())]
    NoKey { path: PathBuf, reason: String },
    #[error("the TLS certificate {} and key {} cannot be used together: {source}", cert.display(), key.display())]
    Config {
        cert: PathBuf,
        key: PathBuf,
        source: rustls::Error,
    },
}

/// A TLS acceptor for the certificate and key in `files`.
pub fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    let certs = read_certs(&files.cert)?;
    let key = read_key(&files.key)?;
    let config_error = |source| TlsError::Config {
        cert: files.cert.clone(),
        key: files.key.clone(),
        source,
    };
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(config_error)?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(config_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path, "certificate file")?;
    let no_cert = |reason: String| TlsError::NoCertificate {
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| no_cert(e.to_string()))?;
    if certs.is_empty() {
        return Err(no_cert("none found".into()));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path, "key file")?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::NoKey {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(files: &TlsFiles) -> String {
        match acceptor(files) {
            Ok(_) => panic!("expected an error for {files:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unreadable_or_invalid_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TlsFiles {
            cert: dir.path().join("none.pem"),
            key: dir.path().join("none.key"),
        };
        let err = error_of(&missing);
        assert!(
            err.contains("cannot read the TLS certificate file") && err.contains("none.pem"),
            "{err}"
        );

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate\n").unwrap();
        let err = error_of(&TlsFiles {
            cert: garbage.clone(),
            key: garbage.clone(),
        });
        assert!(err.contains("holds no PEM certificate"), "{err}");

        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert_file = dir.path().join("cert.pem");
        std::fs::write(&cert_file, cert.cert.pem()).unwrap();
        let err = error_of(&TlsFiles {
            cert: cert_file.clone(),
            key: garbage,
        });
        assert!(err.contains("holds no PEM private key"), "{err}");

        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let other_key = dir.path().join("other.key");
        std::fs::write(&other_key, other.signing_key.serialize_pem()).unwrap();
        let err = error_of(&TlsFiles {
            cert: cert_file.clone(),
            key: other_key,
        });
        assert!(err.contains("cannot be used together"), "{err}");

        let key_file = dir.path().join("cert.key");
        std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
        assert!(
            acceptor(&TlsFiles {
                cert: cert_file,
                key: key_file
            })
            .is_ok()
        );
    }
}
