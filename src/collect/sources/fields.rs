//! Fields measured rather than kept: timestamps (ISO-8601 or Unix numbers → UTC
//! milliseconds) and message content, of which only sizes, block kinds and tool-use
//! names survive. Both tolerate any JSON type without failing the line.

use super::json::skip;
use super::json::{Loose, LooseStr};
use crate::collect::parse::SkipReason;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

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
        if v >= 1e10 {
            Ts::Millis(v as i64)
        } else {
            Ts::Millis((v * 1000.0) as i64)
        }
    }
}

/// Parses `2026-01-09T10:00:00.000Z` (any RFC 3339 offset) to UTC milliseconds.
pub fn parse_iso_millis(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp_millis())
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
        TextProbe {
            chars: s.chars().count(),
            usage_limit: mentions_usage_limit(s),
            is_text: true,
        }
    }
}

fn mentions_usage_limit(s: &str) -> bool {
    const NEEDLE: &[u8] = b"usage limit reached";
    let text = s.as_bytes();
    // Only where a `u` or `U` starts can the notice start; memchr finds those a vector at a
    // time instead of comparing a window at every byte of every assistant text.
    memchr::memchr2_iter(b'u', b'U', text).any(|at| {
        text.get(at..at + NEEDLE.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(NEEDLE))
    })
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

/// The keys of one content block that [`Content`] reads; any other key of a block is
/// skipped (tool input and output, thinking, signatures).
pub fn content_block_keys() -> Option<&'static [&'static str]> {
    super::reduce::field_names::<Block<'static>>()
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
                Ok(Content {
                    text: TextProbe::of(v),
                    ..Content::default()
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut content = Content::default();
                while let Some(Loose(block)) = seq.next_element::<Loose<Block<'a>>>()? {
                    let Some(block) = block else { continue };
                    match block.kind.get() {
                        Some("tool_result") => content.has_tool_result = true,
                        Some("tool_use") | Some("server_tool_use") => {
                            content.tool_uses.push(ToolUse {
                                id: block.id,
                                name: block.name,
                            })
                        }
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

#[cfg(test)]
mod tests {
    use super::mentions_usage_limit;

    #[test]
    fn the_usage_limit_notice_is_found_in_any_case_and_anywhere() {
        for text in [
            "Claude AI usage limit reached|1767978000",
            "usage limit reached",
            "USAGE LIMIT REACHED",
            "5-hour Usage Limit Reached ∙ resets 3pm",
            "ü uu usage limit reached",
        ] {
            assert!(mentions_usage_limit(text), "{text}");
        }
        for text in [
            "",
            "u",
            "usage limit reache",
            "usage limits reached",
            "the usage is fine",
            "usage  limit reached",
        ] {
            assert!(!mentions_usage_limit(text), "{text}");
        }
    }
}
