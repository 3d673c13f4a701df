//! Tolerant serde building blocks shared by the agent parsers: values that never fail a
//! line because of an unexpected type, probes that measure text without keeping it, and
//! timestamp parsing and error classification that never echo line content.

use crate::collect::parse::SkipReason;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Visitor methods that read a value of an unwanted JSON type as `$default` (consuming
/// arrays and objects), so a surprising type never fails the whole line.
macro_rules! skip {
    (bool $d:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($d)
        }
    };
    (null $d:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($d)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($d)
        }
    };
    (num $d:expr) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($d)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($d)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($d)
        }
    };
    (str $d:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($d)
        }
    };
    (seq $d:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($d)
        }
    };
    (map $d:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($d)
        }
    };
}
pub(crate) use skip;

/// A string field; any other JSON type (or null) reads as `None`. Borrows when it can.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LooseStr<'a>(pub Option<Cow<'a, str>>);

impl<'a> LooseStr<'a> {
    /// The string when present and not empty.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LooseStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LooseStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Borrowed(v))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v))))
            }
            skip!(num LooseStr(None));
            skip!(bool LooseStr(None));
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LooseStr(Some(Cow::Owned(v.to_owned()))))
            }
            skip!(seq LooseStr(None));
            skip!(map LooseStr(None));
            skip!(null LooseStr(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An object field; any other JSON type (or null) reads as `None` instead of failing the line.
#[derive(Debug)]
pub struct Loose<T>(pub Option<T>);

impl<T> Default for Loose<T> {
    fn default() -> Self {
        Loose(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Loose<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Loose(Some(t)))
            }
            skip!(bool Loose(None));
            skip!(null Loose(None));
            skip!(num Loose(None));
            skip!(str Loose(None));
            skip!(seq Loose(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// An array field whose elements are read as `T`; any other JSON type reads as empty.
#[derive(Debug)]
pub struct LooseVec<T>(pub Vec<T>);

impl<T> Default for LooseVec<T> {
    fn default() -> Self {
        LooseVec(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LooseVec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LooseVec<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<T>()? {
                    items.push(item);
                }
                Ok(LooseVec(items))
            }
            skip!(bool LooseVec::default());
            skip!(null LooseVec::default());
            skip!(num LooseVec::default());
            skip!(str LooseVec::default());
            skip!(map LooseVec::default());
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A token count: any JSON number, clamped at 0 and truncated; anything else (null, a
/// string, an object) reads as 0.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor).map(|n| Count(n.map_or(0, clamp_count)))
    }
}

/// A number that may be absent or of the wrong type (`None` then). Used for status codes
/// and reported costs.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct LooseNum(pub Option<f64>);

impl<'de> Deserialize<'de> for LooseNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor).map(LooseNum)
    }
}

impl LooseNum {
    pub fn as_i64(self) -> Option<i64> {
        self.0.filter(|v| v.is_finite()).map(|v| v as i64)
    }
}

fn clamp_count(v: f64) -> i64 {
    if v.is_finite() && v > 0.0 {
        // Saturating conversion: `as` clamps to i64::MAX for huge values.
        v.trunc() as i64
    } else {
        0
    }
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    skip!(bool None);
    skip!(null None);
    skip!(str None);
    skip!(seq None);
    skip!(map None);
}

/// A boolean field; anything that is not `true` reads as false.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            skip!(num Flag(false));
            skip!(str Flag(false));
            skip!(seq Flag(false));
            skip!(map Flag(false));
            skip!(null Flag(false));
        }
        d.deserialize_any(V)
    }
}

/// A timestamp field: an ISO-8601/RFC 3339 string or a Unix time number (seconds or
/// milliseconds). `Bad` when present but unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ts {
    Millis(i64),
    Bad,
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a timestamp")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ts, E> {
                Ok(parse_iso_millis(v).map_or(Ts::Bad, Ts::Millis))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ts, E> {
                Ok(Ts::from_unix_number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ts, E> {
                Ok(Ts::from_unix_number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ts, E> {
                Ok(Ts::from_unix_number(v))
            }
            skip!(bool Ts::Bad);
            skip!(null Ts::Bad);
            skip!(seq Ts::Bad);
            skip!(map Ts::Bad);
        }
        d.deserialize_any(V)
    }
}

impl Ts {
    fn from_unix_number(v: f64) -> Ts {
        if !v.is_finite() || v <= 0.0 {
            return Ts::Bad;
        }
        // Values past ~2286 in seconds are taken as milliseconds.
        if v >= 1e10 { Ts::Millis(v as i64) } else { Ts::Millis((v * 1000.0) as i64) }
    }
}

/// Parses `2026-01-09T10:00:00.000Z` (any RFC 3339 offset) to UTC milliseconds.
pub fn parse_iso_millis(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.timestamp_millis())
}

/// Where a required timestamp went wrong, for the skip reason.
pub fn require_ts(ts: Option<Ts>) -> Result<i64, SkipReason> {
    match ts {
        Some(Ts::Millis(ms)) => Ok(ms),
        Some(Ts::Bad) => Err(SkipReason::BadValue("timestamp")),
        None => Err(SkipReason::MissingField("timestamp")),
    }
}

/// What a text value looked like, measured while it streams past: length in characters
/// and whether it is Claude's usage-limit notice. The text itself is never kept.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TextProbe {
    pub chars: usize,
    pub usage_limit: bool,
    pub is_text: bool,
}

impl TextProbe {
    fn of(s: &str) -> TextProbe {
        TextProbe { chars: s.chars().count(), usage_limit: mentions_usage_limit(s), is_text: true }
    }
}

fn mentions_usage_limit(s: &str) -> bool {
    const NEEDLE: &[u8] = b"usage limit reached";
    s.as_bytes().windows(NEEDLE.len()).any(|w| w.eq_ignore_ascii_case(NEEDLE))
}

impl<'de> Deserialize<'de> for TextProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TextProbe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextProbe, E> {
                Ok(TextProbe::of(v))
            }
            skip!(num TextProbe::default());
            skip!(bool TextProbe::default());
            skip!(null TextProbe::default());
            skip!(seq TextProbe::default());
            skip!(map TextProbe::default());
        }
        d.deserialize_any(V)
    }
}

/// A message's `content`: a plain string, or an array of blocks (Claude content blocks,
/// Gemini parts). Keeps only counts, block kinds and tool-use ids/names.
#[derive(Debug, Default)]
pub struct Content<'a> {
    pub text: TextProbe,
    pub has_tool_result: bool,
    pub tool_uses: Vec<ToolUse<'a>>,
}

#[derive(Debug, Default)]
pub struct ToolUse<'a> {
    pub id: LooseStr<'a>,
    pub name: LooseStr<'a>,
}

#[derive(serde::Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: LooseStr<'a>,
    #[serde(borrow, default)]
    id: LooseStr<'a>,
    #[serde(borrow, default)]
    name: LooseStr<'a>,
    #[serde(default)]
    text: Option<TextProbe>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Content<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of blocks")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Content { text: TextProbe::of(v), ..Content::default() })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut content = Content::default();
                while let Some(Loose(block)) = seq.next_element::<Loose<Block<'a>>>()? {
                    let Some(block) = block else { continue };
                    match block.kind.get() {
                        Some("tool_result") => content.has_tool_result = true,
                        Some("tool_use") | Some("server_tool_use") => content
                            .tool_uses
                            .push(ToolUse { id: block.id, name: block.name }),
                        _ => {}
                    }
                    if let Some(probe) = block.text.filter(|p| p.is_text) {
                        content.text.chars += probe.chars;
                        content.text.usage_limit |= probe.usage_limit;
                        content.text.is_text = true;
                    }
                }
                Ok(content)
            }
            skip!(bool Content::default());
            skip!(null Content::default());
            skip!(num Content::default());
            skip!(map Content::default());
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Strips a UTF-8 byte-order mark and surrounding ASCII whitespace (including a `\r`
/// left by CRLF files). Returns `None` for a blank line, which is silent, not a skip.
pub fn trim_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    Some(&line[start..end])
}

/// Classifies a line that did not deserialize: invalid UTF-8 or malformed JSON, with the
/// column as the only detail (never the content).
pub fn classify_error(line: &[u8], err: &serde_json::Error) -> (SkipReason, Option<String>) {
    match std::str::from_utf8(line) {
        Err(utf8) => (SkipReason::InvalidUtf8, Some(format!("column {}", utf8.valid_up_to() + 1))),
        Ok(_) => (SkipReason::MalformedJson, Some(format!("column {}", err.column()))),
    }
}

/// A short machine label (`auto`, `rate_limit`) taken from a log field; anything that does
/// not look like one (long, spaces, punctuation) is dropped so no content slips through.
pub fn label(s: Option<&str>) -> Option<String> {
    let s = s?.trim();
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        s: LooseStr<'a>,
        #[serde(default)]
        n: Count,
        #[serde(default)]
        t: Option<Ts>,
        #[serde(borrow, default)]
        c: Option<Content<'a>>,
    }

    #[test]
    fn wrong_types_never_fail_the_line() {
        let p: Probe = serde_json::from_str(r#"{"s":{"x":[1]},"n":"12","t":true,"c":7}"#).unwrap();
        assert_eq!(p.s.get(), None);
        assert_eq!(p.n, Count(0));
        assert_eq!(p.t, Some(Ts::Bad));
        assert!(p.c.unwrap().tool_uses.is_empty());
        let p: Probe = serde_json::from_str(r#"{"s":"a\"b","n":-4,"t":1767952800}"#).unwrap();
        assert_eq!(p.s.get(), Some("a\"b"));
        assert_eq!(p.n, Count(0));
        assert_eq!(p.t, Some(Ts::Millis(1_767_952_800_000)));
    }

    #[test]
    fn content_keeps_counts_not_text() {
        let raw = r#"{"c":[{"type":"text","text":"héllo"},{"type":"tool_use","id":"t1","name":"Bash","input":{"x":1}},{"type":"tool_result","content":"x"}]}"#;
        let p: Probe = serde_json::from_str(raw).unwrap();
        let c = p.c.unwrap();
        assert_eq!(c.text.chars, 5);
        assert!(c.has_tool_result);
        assert_eq!(c.tool_uses[0].name.get(), Some("Bash"));
        let p: Probe = serde_json::from_str(r#"{"c":"Claude AI usage limit reached|1"}"#).unwrap();
        assert!(p.c.unwrap().text.usage_limit);
    }

    #[test]
    fn labels_reject_anything_that_reads_like_content() {
        assert_eq!(label(Some("auto")), Some("auto".into()));
        assert_eq!(label(Some("rate_limit")), Some("rate_limit".into()));
        assert_eq!(label(Some("please fix my code")), None);
        assert_eq!(trim_line(b"  \r"), None);
        assert_eq!(trim_line(b"\xEF\xBB\xBF{}\r"), Some(&b"{}"[..]));
    }
}
