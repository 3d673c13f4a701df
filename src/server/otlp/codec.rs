//! OTLP/HTTP wire rules (docs/server.md): pick the encoding from `Content-Type`, undo gzip
//! under a decompressed-size cap (gzip bombs stop at the cap), decode protobuf or JSON,
//! and encode answers (success, partial success, `google.rpc.Status`) in the same encoding.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::read::GzDecoder;
use std::io::Read;

/// The two encodings OTLP/HTTP allows on one port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }

    /// `None` for anything but the two OTLP media types (parameters such as charset are ignored).
    pub fn from_headers(headers: &HeaderMap) -> Option<Encoding> {
        let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let media = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/x-protobuf" | "application/protobuf" => Some(Encoding::Protobuf),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }
}

/// Why a request body could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("the body is over the {limit}-byte limit after decompression")]
    TooLarge { limit: usize },
    #[error("unsupported Content-Encoding `{0}` (use gzip or none)")]
    UnsupportedEncoding(String),
    #[error("the gzip body is corrupt: {0}")]
    BadGzip(std::io::Error),
    #[error("the protobuf body does not decode as {what}: {detail}")]
    BadProtobuf { what: &'static str, detail: String },
    #[error("the JSON body does not decode as {what}: {detail}")]
    BadJson { what: &'static str, detail: String },
}

impl CodecError {
    pub fn status(&self) -> StatusCode {
        match self {
            CodecError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CodecError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Returns the plain body, inflating gzip but never past `limit` bytes.
pub fn decompress(headers: &HeaderMap, body: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match coding.as_str() {
        "" | "identity" => {
            if body.len() > limit {
                return Err(CodecError::TooLarge { limit });
            }
            Ok(body.to_vec())
        }
        "gzip" | "x-gzip" => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
            // Read one byte past the limit: reaching it proves the body is too large.
            let mut reader = GzDecoder::new(body).take(limit as u64 + 1);
            reader.read_to_end(&mut out).map_err(CodecError::BadGzip)?;
            if out.len() > limit {
                return Err(CodecError::TooLarge { limit });
            }
            Ok(out)
        }
        other => Err(CodecError::UnsupportedEncoding(other.to_string())),
    }
}

/// Decodes an OTLP request message in the given encoding.
pub fn decode<T>(encoding: Encoding, body: &[u8], what: &'static str) -> Result<T, CodecError>
where
    T: prost::Message + Default + serde::de::DeserializeOwned,
{
    match encoding {
        Encoding::Protobuf => T::decode(body).map_err(|e| CodecError::BadProtobuf {
            what,
            detail: e.to_string(),
        }),
        Encoding::Json => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(T::default()); // an empty request is a success
            }
            serde_json::from_slice(body).map_err(|e| CodecError::BadJson {
                what,
                detail: e.to_string(),
            })
        }
    }
}

/// `google.rpc.Status`, the OTLP failure body (details left empty).
#[derive(Clone, PartialEq, prost::Message, serde::Serialize)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// gRPC code for a status body: INVALID_ARGUMENT for bad data, RESOURCE_EXHAUSTED for
/// size and overload, UNAVAILABLE for shutdown, UNAUTHENTICATED / PERMISSION_DENIED.
fn grpc_code(status: StatusCode) -> i32 {
    match status.as_u16() {
        400 | 415 => 3,
        401 => 16,
        403 => 7,
        413 | 429 => 8,
        503 => 14,
        _ => 13,
    }
}

/// An encoded answer in the request's encoding.
pub fn message_response<T>(encoding: Encoding, status: StatusCode, message: &T) -> Response
where
    T: prost::Message + serde::Serialize,
{
    let body = match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        Encoding::Json => serde_json::to_value(message)
            .map(without_nulls)
            .and_then(|v| serde_json::to_vec(&v))
            .unwrap_or_else(|_| b"{}".to_vec()),
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    response
}

/// Unset optional fields are left out (`{}` is full success), not sent as `null`.
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, without_nulls(v)))
            .collect(),
        other => other,
    }
}

/// A failure answer: `google.rpc.Status` in the request's encoding.
pub fn status_response(
    encoding: Encoding,
    status: StatusCode,
    message: impl Into<String>,
) -> Response {
    let body = RpcStatus {
        code: grpc_code(status),
        message: message.into(),
    };
    message_response(encoding, status, &body)
}

/// 429/503 with `Retry-After` (seconds).
pub fn retry_later(
    encoding: Encoding,
    status: StatusCode,
    retry_after_s: u32,
    message: &str,
) -> Response {
    let mut response = status_response(encoding, status, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn gzip_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        h
    }

    #[test]
    fn inflates_gzip_within_the_limit() {
        let data = vec![b'a'; 10_000];
        assert_eq!(
            decompress(&gzip_headers(), &gzip(&data), 10_000).unwrap(),
            data
        );
    }

    #[test]
    fn stops_a_gzip_bomb_at_the_limit() {
        let bomb = gzip(&vec![0u8; 16 * 1024 * 1024]);
        assert!(bomb.len() < 100_000);
        let err = decompress(&gzip_headers(), &bomb, 1024 * 1024).unwrap_err();
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn picks_the_encoding_from_the_media_type() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert_eq!(Encoding::from_headers(&h), Some(Encoding::Json));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(Encoding::from_headers(&h), None);
    }
}
