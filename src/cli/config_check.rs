//! Config validation: every key that no section reads is reported with the file, its line
//! and the nearest valid key, so a typo (`api_kye_env`) never silently disables a source.

use super::config_sources::KNOWN_KEYS;
use std::path::Path;

/// One key nothing reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// Dotted path as written (`sources.cursor.api_kye_env`; array entries by index).
    pub path: String,
    /// 1-based line, when found.
    pub line: Option<usize>,
    pub suggestion: Option<String>,
}

impl UnknownKey {
    pub fn describe(&self, file: &Path) -> String {
        let at = match self.line {
            Some(l) => format!("{}:{l}", file.display()),
            None => file.display().to_string(),
        };
        let mut s = format!("{at}: unknown key `{}`", self.path);
        match &self.suggestion {
            Some(k) => s.push_str(&format!(" (did you mean `{k}`?)")),
            None => s.push_str(" (not read by any section)"),
        }
        s
    }
}

/// Deserializes `text`, collecting every unknown key instead of ignoring it.
pub fn parse_collecting<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<(T, Vec<UnknownKey>), toml::de::Error> {
    let mut paths = Vec::new();
    let de = toml::Deserializer::parse(text)?;
    let value: T = serde_ignored::deserialize(de, |p| {
        // `?` marks an Option's inside: not part of the key path people write.
        let path: Vec<String> = p
            .to_string()
            .split('.')
            .filter(|s| *s != "?")
            .map(str::to_string)
            .collect();
        paths.push(path.join("."));
    })?;
    let mut unknown: Vec<UnknownKey> = paths
        .into_iter()
        .map(|path| UnknownKey {
            line: line_of(text, &path),
            suggestion: suggest(&path),
            path,
        })
        .collect();
    unknown.sort_by_key(|u| u.line.unwrap_or(usize::MAX));
    Ok((value, unknown))
}

/// The section of a dotted path, with array indices dropped and map entries as `*`.
fn section_of(parts: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if p.parse::<usize>().is_ok() {
            continue;
        }
        // `pricing.overrides.<model>`: the model is a map key, not a section name.
        if i > 0 && parts[i - 1] == "overrides" {
            out.push("*");
        } else {
            out.push(p);
        }
    }
    out.join(".")
}

fn suggest(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    let (key, parent) = parts.split_last()?;
    let section = section_of(parent);
    let valid = KNOWN_KEYS.iter().find(|(s, _)| *s == section)?.1;
    valid
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

/// Finds the line that sets `path`: a `key =` line under the header of its parent table
/// (or a dotted key), else the header `[path]` itself for an unknown section.
pub(super) fn line_of(text: &str, path: &str) -> Option<usize> {
    let parts: Vec<&str> = path
        .split('.')
        .filter(|p| p.parse::<usize>().is_err())
        .collect();
    let (key, parent) = parts.split_last()?;
    let mut current: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(header) = line
            .strip_prefix("[[")
            .and_then(|l| l.split("]]").next())
            .or_else(|| line.strip_prefix('[').and_then(|l| l.split(']').next()))
        {
            current = header
                .split('.')
                .map(|s| s.trim().trim_matches('"').to_string())
                .collect();
            if current.iter().map(String::as_str).eq(parts.iter().copied()) {
                return Some(i + 1);
            }
            continue;
        }
        let Some((lhs, _)) = line.split_once('=') else {
            continue;
        };
        let lhs: Vec<String> = lhs
            .split('.')
            .map(|s| s.trim().trim_matches('"').to_string())
            .collect();
        let full: Vec<&str> = current
            .iter()
            .map(String::as_str)
            .chain(lhs.iter().map(String::as_str))
            .collect();
        if full.len() == parent.len() + 1
            && full.last() == Some(key)
            && full[..parent.len()] == *parent
        {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::config::Config;

    #[test]
    fn unknown_keys_name_their_line_and_the_nearest_valid_key() {
        let text = "[identity]\ndeveloper = \"a@b.c\"\n\n[sources.cursor]\napi_kye_env = \"CURSOR_KEY\"\n\n[[team]]\nname = \"web\"\nmembrs = [\"a@b.c\"]\n\n[sourcez]\nx = 1\n";
        let (_, unknown): (Config, _) = parse_collecting(text).unwrap();
        let got: Vec<(String, Option<usize>, Option<String>)> = unknown
            .iter()
            .map(|u| (u.path.clone(), u.line, u.suggestion.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "sources.cursor.api_kye_env".into(),
                    Some(5),
                    Some("api_key_env".into())
                ),
                ("team.0.membrs".into(), Some(9), Some("members".into())),
                ("sourcez".into(), Some(11), Some("sources".into())),
            ]
        );
        let msg = unknown[0].describe(Path::new("/etc/a.toml"));
        assert_eq!(
            msg,
            "/etc/a.toml:5: unknown key `sources.cursor.api_kye_env` (did you mean `api_key_env`?)"
        );
    }

    #[test]
    fn long_context_tiers_of_overrides_are_known_and_their_typos_reported() {
        let text = "[pricing.overrides.\"m\"]\ninput = 3.0\noutput = 15.0\n\
                    [[pricing.overrides.\"m\".long_context]]\nabove_tokens = 200000\ninput = 6.0\n\
                    outptu = 22.5\n";
        let (c, unknown): (Config, _) = parse_collecting(text).unwrap();
        assert_eq!(
            c.pricing.overrides["m"].long_context[0].above_tokens,
            200_000
        );
        assert_eq!(c.pricing.overrides["m"].long_context[0].input, Some(6.0));
        let got: Vec<_> = unknown
            .iter()
            .map(|u| (u.path.as_str(), u.suggestion.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![("pricing.overrides.m.long_context.0.outptu", Some("output"))]
        );
    }

    #[test]
    fn a_valid_config_has_no_unknown_keys() {
        let text = "[sources]\nclaude_dirs = [\"/x\"]\n[sources.copilot]\norg = \"acme\"\napi_key_env = \"GH\"\n[pricing.overrides.\"m\"]\ninput = 1.0\noutput = 2.0\n[directory]\ncsv = \"team.csv\"\n";
        let (_, unknown): (Config, _) = parse_collecting(text).unwrap();
        assert!(unknown.is_empty(), "{unknown:?}");
    }
}
