//! Checking command-line values where clap parses them, so a bad value is bad usage (exit
//! 2, with clap's message naming the flag) rather than an error found halfway through a
//! command: time zones, agents, dates, folders that must exist, listen addresses and
//! server URLs (where `localhost:4318` and `host:port` are accepted).

use chrono::NaiveDate;
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

/// `2026-01-09`, `20260109`, or a period word as the console reads it (docs/console.md
/// "Periods"): its first day. `7d` is today and the six days before, `90d` the last 90
/// days with today, `last-month` starts on the 1st of last month, `2026-09` on 2026-09-01.
pub fn day(s: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    period_day(s, today, |span| span.first)
}

/// The last day of a date or period word (`--until last-month` ends on its last day).
pub fn until_day(s: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    period_day(s, today, |span| span.last)
}

fn period_day(
    s: &str,
    today: NaiveDate,
    pick: impl Fn(crate::domain::span::DateSpan) -> NaiveDate,
) -> Result<NaiveDate, String> {
    use crate::domain::span::{Period, parse_date};
    let s = s.trim();
    // A date is taken as given, even one in the future (an empty report, not an error).
    if let Some(d) = parse_date(s) {
        return Ok(d);
    }
    match Period::parse(s, today) {
        Ok(Period::Since(d)) => Ok(d),
        Ok(p) => Ok(pick(p.span(today))),
        Err(e) => Err(format!(
            "not a date or period: {} (use a date or {})",
            e.why,
            crate::domain::span::HELP
        )),
    }
}

/// `--last`: `month`, `week`, `day` or a span (`90d`), checked now.
pub fn last_spec(s: &str) -> Result<String, String> {
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    crate::domain::span::Period::parse_last(s, today)
        .map(|_| s.trim().to_string())
        .map_err(|e| format!("{} (use month, week, day or a span such as 90d)", e.why))
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
        // The console's periods: `7d` is today and the six days before.
        assert_eq!(day("7d", today).unwrap().to_string(), "2026-01-14");
        assert_eq!(day("2w", today).unwrap().to_string(), "2026-01-07");
        assert_eq!(day("90d", today).unwrap().to_string(), "2025-10-23");
        assert_eq!(day("last-month", today).unwrap().to_string(), "2025-12-01");
        assert_eq!(
            until_day("last-month", today).unwrap().to_string(),
            "2025-12-31"
        );
        assert_eq!(
            until_day("2026-03-01", today).unwrap().to_string(),
            "2026-03-01"
        );
        assert!(day_spec("bogus").unwrap_err().contains("not a date"));
        assert!(last_spec("month").is_ok() && last_spec("2026-09").is_err());
        assert!(time_zone("Mars/Base").is_err());
        assert_eq!(time_zone("UTC").unwrap(), "UTC");
        assert!(agent("foo").is_err());
        assert!(existing_dir("/nonexistent/x").is_err());
    }
}
