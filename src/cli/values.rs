//! Checking command-line values where clap parses them, so a bad value is bad usage (exit
//! 2, with clap's message naming the flag) rather than an error found halfway through a
//! command: time zones, agents, dates, folders that must exist, listen addresses and
//! server URLs (where `localhost:4318` and `host:port` are accepted).

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

/// An IANA time zone name (`Europe/Berlin`, `UTC`).
pub fn time_zone(s: &str) -> Result<String, String> {
    s.parse::<Tz>()
        .map(|_| s.to_string())
        .map_err(|_| "not a time zone (use an IANA name such as Europe/Berlin or UTC)".to_string())
}

/// An agent name as `report --agent` takes it.
pub fn agent(s: &str) -> Result<String, String> {
    s.parse::<crate::domain::Agent>()
        .map(|a| a.as_str().to_string())
        .map_err(|e| e.to_string())
}

/// `2026-01-09`, `20260109`, or a span back from `today`: `7d`, `2w`, `3m`.
pub fn day(s: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y%m%d") {
        return Ok(d);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    if let Ok(n) = num.parse::<i64>() {
        let days = match unit {
            "d" => Some(n),
            "w" => Some(n * 7),
            "m" => Some(n * 30),
            _ => None,
        };
        if let Some(days) = days.filter(|d| *d < 100_000) {
            return Ok(today - Duration::days(days));
        }
    }
    Err("not a date (use YYYY-MM-DD, YYYYMMDD, or 7d / 2w / 3m)".to_string())
}

/// A date flag's text, checked now and resolved later against the report's `today`.
pub fn day_spec(s: &str) -> Result<String, String> {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    day(s, today).map(|_| s.trim().to_string())
}

/// A folder that exists (an agent root given on the command line).
pub fn existing_dir(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => Ok(path),
        Ok(_) => Err("a file, not a folder".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// `host:port` for a server to listen on: an IP address (`0.0.0.0:4318`, `[::1]:4318`) or a
/// name that resolves (`localhost:4318`, where IPv4 loopback is preferred).
pub fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("not HOST:PORT ({e})"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| "resolves to no address".to_string())
}

/// A team server's base URL: `https://host:port`, `http://…`, or `host:port` (taken as
/// `http://host:port`, as for a server on a private network or loopback).
pub fn server_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    if s.is_empty() {
        return Err("the server URL is empty".into());
    }
    let full = if s.contains("://") {
        s.to_string()
    } else {
        format!("http://{s}")
    };
    let url = reqwest::Url::parse(&full).map_err(|e| format!("`{s}` is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{s}` must be an http:// or https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{s}` names no host"));
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_take_the_usual_short_forms() {
        assert_eq!(
            listen_addr("localhost:4318").unwrap().to_string(),
            "127.0.0.1:4318"
        );
        assert_eq!(listen_addr("[::1]:9").unwrap().to_string(), "[::1]:9");
        assert!(listen_addr("localhost").is_err());
    }

    #[test]
    fn server_urls_take_the_usual_short_forms() {
        assert_eq!(server_url("host:4318").unwrap(), "http://host:4318");
        assert_eq!(server_url("https://a.b/").unwrap(), "https://a.b");
        assert!(server_url("ftp://a.b").is_err());
        assert!(server_url("").is_err());
    }

    #[test]
    fn dates_zones_and_agents() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 20).unwrap();
        assert_eq!(day("2026-01-09", today).unwrap().to_string(), "2026-01-09");
        assert_eq!(day("20260109", today).unwrap().to_string(), "2026-01-09");
        assert_eq!(day("7d", today).unwrap().to_string(), "2026-01-13");
        assert_eq!(day("2w", today).unwrap().to_string(), "2026-01-06");
        assert!(day_spec("bogus").unwrap_err().contains("not a date"));
        assert!(time_zone("Mars/Base").is_err());
        assert_eq!(time_zone("UTC").unwrap(), "UTC");
        assert!(agent("foo").is_err());
        assert!(existing_dir("/nonexistent/x").is_err());
    }
}
