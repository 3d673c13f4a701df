//! Model-name matching: one normal form for table keys and looked-up names (provider and
//! region prefixes stripped, Claude `.`/`@` as `-`), then a boundary-aware longest-prefix
//! match that allows date suffixes but never jumps across numeric versions or model sizes.

use std::collections::BTreeMap;

/// Path prefixes are dropped wholesale (`openrouter/anthropic/x` → `x`); these are the
/// first-party ones, whose copy of a price is preferred over resellers' on import.
const FIRST_PARTY_PREFIXES: &[&str] = &["anthropic/", "openai/", "gemini/", "google/"];

/// Bedrock cross-region inference-profile prefixes (`us.anthropic.claude-…`).
const REGION_PREFIXES: &[&str] = &["us.", "eu.", "apac.", "global.", "jp.", "au.", "ca."];

/// Suffix words that name a different (differently priced) model, never a variant of the
/// shorter key: `gpt-5-mini` must not take `gpt-5`'s price.
const SIZE_WORDS: &[&str] = &[
    "mini", "nano", "micro", "lite", "flash", "pro", "max", "turbo", "small", "medium", "large",
    "ultra", "plus", "haiku", "sonnet", "opus",
];

const SEPARATORS: &[u8] = b"-._:";

/// The normal form of a model name or table key, or `None` when the name can never carry a
/// price (empty, or a placeholder such as `<synthetic>`).
pub(crate) fn normalize_model_name(name: &str) -> Option<String> {
    let lower = name.trim().to_ascii_lowercase();
    if lower.is_empty() || (lower.starts_with('<') && lower.ends_with('>')) {
        return None;
    }
    let mut s = lower.rsplit('/').next().unwrap_or_default();
    for region in REGION_PREFIXES {
        if let Some(rest) = s.strip_prefix(region)
            && rest.starts_with("anthropic.")
        {
            s = rest;
        }
    }
    s = s.strip_prefix("anthropic.").unwrap_or(s);
    s = strip_bedrock_version(s);
    let out = if s.contains("claude") {
        s.replace(['.', '@'], "-")
    } else {
        s.to_string()
    };
    if out.is_empty() { None } else { Some(out) }
}

/// How far a LiteLLM key is from its normal form; lower is preferred when several keys
/// normalize to the same name. 0: the key is already normal (`claude-sonnet-4-5`);
/// 1: a first-party prefix (`gemini/…`); then more for each reseller path segment, a
/// Bedrock `anthropic.` and a region prefix.
pub(crate) fn import_rank(raw_key: &str, normal: &str) -> u32 {
    let lower = raw_key.trim().to_ascii_lowercase();
    if lower == normal {
        return 0;
    }
    if FIRST_PARTY_PREFIXES.iter().any(|p| {
        lower
            .strip_prefix(p)
            .is_some_and(|rest| !rest.contains('/'))
    }) {
        return 1;
    }
    let segments = lower.matches('/').count() as u32;
    let last = lower.rsplit('/').next().unwrap_or_default();
    let region = REGION_PREFIXES.iter().any(|r| last.starts_with(r)) as u32;
    let bedrock = last.contains("anthropic.") as u32;
    2 + segments + bedrock + 2 * region
}

/// The table key that prices `name`, if any: the normal form itself; else the longest key
/// that is a prefix of it at a separator with an allowed remainder; else the newest
/// `name-YYYYMMDD` key.
pub(crate) fn find_key<'a, V>(map: &'a BTreeMap<String, V>, name: &str) -> Option<&'a str> {
    let query = normalize_model_name(name)?;
    if let Some((key, _)) = map.get_key_value(query.as_str()) {
        return Some(key.as_str());
    }
    let bytes = query.as_bytes();
    for i in (1..bytes.len()).rev() {
        if !SEPARATORS.contains(&bytes[i]) {
            continue;
        }
        let (prefix, remainder) = (&query[..i], &query[i + 1..]);
        if let Some((key, _)) = map.get_key_value(prefix)
            && remainder_allowed(remainder)
        {
            return Some(key.as_str());
        }
    }
    let dated_from = format!("{query}-");
    map.range(dated_from.clone()..)
        .take_while(|(k, _)| k.starts_with(&dated_from))
        .filter(|(k, _)| is_compact_date(&k[dated_from.len()..]))
        .map(|(k, _)| k.as_str())
        .last()
}

/// `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`; anything else unchanged.
pub(crate) fn strip_date_suffix(key: &str) -> &str {
    match key.rsplit_once('-') {
        Some((head, tail)) if is_compact_date(tail) => head,
        _ => key,
    }
}

/// May a name `KEY<sep>REMAINDER` be priced as `KEY`? Yes for a date (`20250514`,
/// `2025-08-07`) or descriptive words (`codex`, `preview-05-06`); no when the remainder
/// starts with another version number (`4-1`, `5.1`) or names a size (`mini`, `pro`).
fn remainder_allowed(remainder: &str) -> bool {
    let tokens: Vec<&str> = remainder
        .split(|c: char| c.is_ascii() && SEPARATORS.contains(&(c as u8)))
        .filter(|t| !t.is_empty())
        .collect();
    let rest: &[&str] = match tokens.as_slice() {
        [first, rest @ ..] if is_compact_date(first) => rest,
        [y, m, d, rest @ ..] if is_dashed_date(y, m, d) => rest,
        all => all,
    };
    if rest
        .first()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    !rest.iter().any(|t| SIZE_WORDS.contains(t))
}

fn is_compact_date(s: &str) -> bool {
    s.len() == 8 && s.starts_with("20") && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_dashed_date(year: &str, month: &str, day: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    digits(year, 4) && year.starts_with("20") && digits(month, 2) && digits(day, 2)
}

/// Strips a Bedrock model version (`-v1:0`, `-v2:0`).
fn strip_bedrock_version(s: &str) -> &str {
    if let Some((head, tail)) = s.rsplit_once("-v")
        && let Some((major, minor)) = tail.split_once(':')
        && !major.is_empty()
        && !minor.is_empty()
        && major
            .bytes()
            .chain(minor.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return head;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        let cases = [
            ("claude-sonnet-4-5", Some("claude-sonnet-4-5")),
            ("  Claude-Sonnet-4-5 ", Some("claude-sonnet-4-5")),
            ("anthropic/claude-sonnet-4.5", Some("claude-sonnet-4-5")),
            (
                "openrouter/anthropic/claude-opus-4.1",
                Some("claude-opus-4-1"),
            ),
            (
                "vertex_ai/claude-opus-4-1@20250805",
                Some("claude-opus-4-1-20250805"),
            ),
            (
                "anthropic.claude-sonnet-4-20250514-v1:0",
                Some("claude-sonnet-4-20250514"),
            ),
            (
                "us.anthropic.claude-opus-4-1-20250805-v1:0",
                Some("claude-opus-4-1-20250805"),
            ),
            (
                "eu.anthropic.claude-3-5-haiku-20241022-v1:0",
                Some("claude-3-5-haiku-20241022"),
            ),
            (
                "bedrock/us-east-1/anthropic.claude-3-7-sonnet-20250219-v1:0",
                Some("claude-3-7-sonnet-20250219"),
            ),
            ("openai/gpt-5.1-codex", Some("gpt-5.1-codex")),
            ("azure/gpt-4.1", Some("gpt-4.1")),
            ("gemini/gemini-2.5-pro", Some("gemini-2.5-pro")),
            ("google/gemini-2.5-flash", Some("gemini-2.5-flash")),
            ("<synthetic>", None),
            ("", None),
            ("   ", None),
            ("anthropic/", None),
        ];
        for (name, want) in cases {
            assert_eq!(normalize_model_name(name).as_deref(), want, "{name:?}");
        }
    }

    fn table(keys: &[&str]) -> BTreeMap<String, ()> {
        keys.iter().map(|k| (k.to_string(), ())).collect()
    }

    #[test]
    fn longest_boundary_aware_prefix() {
        let map = table(&[
            "claude-opus-4",
            "claude-opus-4-1",
            "claude-sonnet-4-5",
            "claude-3-5-haiku-20241022",
            "claude-3-5-haiku-20240101",
            "gpt-5",
            "gpt-5-codex",
            "gpt-4.1",
            "o3",
            "gemini-2.5-pro",
            "gemini-2.5-flash",
        ]);
        let cases = [
            ("claude-opus-4", Some("claude-opus-4")),
            ("claude-opus-4-20250514", Some("claude-opus-4")),
            ("claude-opus-4-1", Some("claude-opus-4-1")),
            ("claude-opus-4-1-20250805", Some("claude-opus-4-1")),
            ("claude-opus-4-5", None),
            ("claude-opus-4-5-20251101", None),
            ("claude-sonnet-4-5-20250929", Some("claude-sonnet-4-5")),
            ("CLAUDE-SONNET-4-5-20250929", Some("claude-sonnet-4-5")),
            ("claude-sonnet-4.5", Some("claude-sonnet-4-5")),
            ("claude-sonnet-4-5@20250929", Some("claude-sonnet-4-5")),
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                Some("claude-sonnet-4-5"),
            ),
            ("claude-sonnet-4", None),
            ("claude-sonnet-4-6", None),
            ("claude-3-5-haiku", Some("claude-3-5-haiku-20241022")),
            ("gpt-5", Some("gpt-5")),
            ("gpt-5-2025-08-07", Some("gpt-5")),
            ("gpt-5.1-codex", None),
            ("gpt-5.1", None),
            ("gpt-5-codex", Some("gpt-5-codex")),
            ("gpt-5-codex-latest", Some("gpt-5-codex")),
            ("gpt-5-mini", None),
            ("gpt-5-nano-2025-08-07", None),
            ("gpt-4.1-2025-04-14", Some("gpt-4.1")),
            ("gpt-4.1-mini", None),
            ("gpt-4", None),
            ("gpt-4o", None),
            ("o3-2025-04-16", Some("o3")),
            ("o3-pro", None),
            ("o3-mini", None),
            ("gemini-2.5-pro-preview-05-06", Some("gemini-2.5-pro")),
            ("gemini-2.5-flash-lite", None),
            ("gemini-2.5", None),
            ("<synthetic>", None),
            ("", None),
            ("mystery-model", None),
        ];
        for (name, want) in cases {
            assert_eq!(find_key(&map, name), want, "{name:?}");
        }
    }

    #[test]
    fn import_rank_prefers_direct_then_first_party() {
        let rank = |k: &str| import_rank(k, &normalize_model_name(k).unwrap_or_default());
        assert_eq!(rank("claude-sonnet-4-5"), 0);
        assert_eq!(rank("gemini/gemini-2.5-pro"), 1);
        assert!(rank("vertex_ai/claude-sonnet-4-5") > 1);
        assert!(
            rank("anthropic.claude-sonnet-4-5-v1:0") < rank("us.anthropic.claude-sonnet-4-5-v1:0")
        );
        assert!(
            rank("anthropic.claude-sonnet-4-5-v1:0")
                < rank("bedrock/us-gov-west-1/anthropic.claude-sonnet-4-5-v1:0")
        );
    }

    #[test]
    fn odd_names_never_panic() {
        let map = table(&["claude-opus-4", "gpt-5", "a"]);
        let names = [
            "-",
            "--",
            ".",
            "/",
            "a/",
            "/a",
            "claude-",
            "claude-opus-4-",
            "claude-opus-4--1",
            "gpt-5..1",
            "é-20250101",
            "claude-ä-4",
            "Ω/gpt-5",
            "<>",
            "<synthetic",
            "x\u{0}y",
            "-v1:0",
            "us.anthropic.",
            "a-20250101-",
            "a-2025-01-01-mini",
            &"a-".repeat(10_000),
        ];
        for name in names {
            let _ = find_key(&map, name);
            let _ = strip_date_suffix(name);
        }
        assert_eq!(find_key(&map, "a-20250101"), Some("a"));
        assert_eq!(find_key(&map, "claude-opus-4-"), Some("claude-opus-4"));
    }

    #[test]
    fn date_suffix_and_bedrock_version() {
        assert_eq!(
            strip_date_suffix("claude-opus-4-6-20260205"),
            "claude-opus-4-6"
        );
        assert_eq!(strip_date_suffix("claude-opus-4-6"), "claude-opus-4-6");
        assert_eq!(strip_date_suffix("gpt-5.5"), "gpt-5.5");
        assert_eq!(strip_bedrock_version("claude-x-v2:0"), "claude-x");
        assert_eq!(
            strip_bedrock_version("claude-instant-v1"),
            "claude-instant-v1"
        );
        assert_eq!(strip_bedrock_version("x-v:0"), "x-v:0");
    }
}
