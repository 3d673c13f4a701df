//! Tolerant serde building blocks shared by the agent parsers: values that never fail a
//! line because of an unexpected type, and line trimming and error classification that
//! never echo line content.

use super::reduce::{Level, reduce};
use crate::collect::parse::SkipReason;
use crate::domain::bounds::{self, OutOfBounds, Violation};
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

/// A token count as found in the log, checked against the bounds in
/// `crate::domain::bounds` when the parser reads it with [`Count::checked`]: a string, a
/// negative, fractional or absurd number is refused with the field named, never clamped or
/// read as 0. An absent field or `null` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub Result<i64, Violation>);

impl Default for Count {
    fn default() -> Self {
        Count(Ok(0))
    }
}

impl Count {
    /// The count, or why `field` cannot be used.
    pub fn checked(self, field: &'static str) -> Result<i64, OutOfBounds> {
        self.0.map_err(|why| OutOfBounds { field, why })
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a token count")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(bounds::tokens("", v).map_err(|e| e.why)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(match i64::try_from(v) {
                    Ok(v) => bounds::tokens("", v).map_err(|e| e.why),
                    Err(_) => Err(Violation::TooLarge),
                }))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                Ok(Count(bounds::tokens_f64("", v).map_err(|e| e.why)))
            }
            skip!(null Count(Ok(0)));
            skip!(bool Count(Err(Violation::NotANumber)));
            skip!(str Count(Err(Violation::NotANumber)));
            skip!(seq Count(Err(Violation::NotANumber)));
            skip!(map Count(Err(Violation::NotANumber)));
        }
        d.deserialize_any(V)
    }
}

/// An amount of money stated by the agent (`costUSD`): absent, a number, or something
/// unusable. [`StatedCost::checked`] applies the cost bounds.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct StatedCost(pub Option<Result<f64, Violation>>);

impl StatedCost {
    /// `None` when absent (or `null`); otherwise the amount in USD or why `field` is refused.
    pub fn checked(self, field: &'static str) -> Option<Result<f64, OutOfBounds>> {
        self.0.map(|r| {
            r.and_then(|usd| bounds::cost_usd(field, usd).map_err(|e| e.why))
                .map_err(|why| OutOfBounds { field, why })
        })
    }
}

impl<'de> Deserialize<'de> for StatedCost {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatedCost;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount in USD")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatedCost, E> {
                Ok(StatedCost(Some(Ok(v as f64))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatedCost, E> {
                Ok(StatedCost(Some(Ok(v as f64))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<StatedCost, E> {
                Ok(StatedCost(Some(Ok(v))))
            }
            skip!(null StatedCost(None));
            skip!(bool StatedCost(Some(Err(Violation::NotANumber))));
            skip!(str StatedCost(Some(Err(Violation::NotANumber))));
            skip!(seq StatedCost(Some(Err(Violation::NotANumber))));
            skip!(map StatedCost(Some(Err(Violation::NotANumber))));
        }
        d.deserialize_any(V)
    }
}

/// A number that may be absent or of the wrong type (`None` then). Used for status codes
/// and retry counts, which are labels, not amounts.
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

/// Strips a UTF-8 byte-order mark and surrounding ASCII whitespace (including a `\r`
/// left by CRLF files). Returns `None` for a blank line, which is silent, not a skip.
pub fn trim_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    Some(&line[start..end])
}

/// Deserializes one trimmed line as a JSON object. Anything else is a skip: invalid UTF-8
/// or malformed JSON (a bare number or array counts as malformed: it is no record), with
/// the column as the only detail, never the content.
pub fn parse_record<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
) -> Result<T, (SkipReason, Option<String>)> {
    let column = |n: usize| Some(format!("column {n}"));
    let invalid_utf8 = || {
        std::str::from_utf8(bytes)
            .err()
            .map(|e| (SkipReason::InvalidUtf8, column(e.valid_up_to() + 1)))
    };
    if bytes.first() != Some(&b'{') {
        return Err(invalid_utf8().unwrap_or((SkipReason::MalformedJson, column(1))));
    }
    serde_json::from_slice(bytes)
        .map_err(|err| invalid_utf8().unwrap_or((SkipReason::MalformedJson, column(err.column()))))
}

/// [`parse_record`] reading only what `level` names: values the record's structs skip are
/// replaced before serde sees the line (`reduce.rs`). A line the reduction refuses, or
/// whose reduced form serde refuses, is parsed whole, so a skip names exactly what the
/// whole line earns (reason and column). `scratch` holds the reduced line.
pub fn parse_reduced<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    level: &Level,
    scratch: &'a mut Vec<u8>,
) -> Result<T, (SkipReason, Option<String>)> {
    if !whole_parse_forced() && reduce(bytes, level, scratch) {
        let reduced: &'a Vec<u8> = scratch;
        // Checked once here (SIMD, a few hundred bytes), serde reads the line as text and
        // does not check each string it keeps again (that was 2 % of a cold ingest).
        if let Ok(text) = simdutf8::basic::from_utf8(reduced)
            && let Ok(record) = serde_json::from_str(text)
        {
            return Ok(record);
        }
    }
    parse_record(bytes)
}

#[cfg(test)]
thread_local! {
    /// Tests compare every parser's rows with and without the reduction.
    pub(crate) static WHOLE_PARSE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn whole_parse_forced() -> bool {
    #[cfg(test)]
    {
        WHOLE_PARSE.with(std::cell::Cell::get)
    }
    #[cfg(not(test))]
    {
        false
    }
}

/// A short machine label (`auto`, `rate_limit`) taken from a log field; anything that does
/// not look like one (long, spaces, punctuation) is dropped so no content slips through.
pub fn label(s: Option<&str>) -> Option<String> {
    let s = s?.trim();
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::sources::fields::{Content, Ts};

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
        assert_eq!(p.n, Count(Err(Violation::NotANumber)));
        assert_eq!(p.t, Some(Ts::Bad));
        assert!(p.c.unwrap().tool_uses.is_empty());
        let p: Probe = serde_json::from_str(r#"{"s":"a\"b","n":-4,"t":1767952800}"#).unwrap();
        assert_eq!(p.s.get(), Some("a\"b"));
        assert_eq!(p.n, Count(Err(Violation::Negative)));
        assert_eq!(p.t, Some(Ts::Millis(1_767_952_800_000)));
        let p: Probe = serde_json::from_str(r#"{"n":1e300}"#).unwrap();
        assert_eq!(p.n, Count(Err(Violation::TooLarge)));
        let p: Probe = serde_json::from_str(r#"{"n":1e3,"s":null}"#).unwrap();
        assert_eq!(p.n.checked("n"), Ok(1000));
        let p: Probe = serde_json::from_str(r#"{"n":null}"#).unwrap();
        assert_eq!(p.n.checked("n"), Ok(0));
        let p: Probe = serde_json::from_str(r#"{"n":18446744073709551615}"#).unwrap();
        assert_eq!(
            p.n.checked("n").unwrap_err().to_string(),
            "`n` is larger than agentdeck accepts"
        );
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
    fn only_objects_are_records() {
        let err = |b: &[u8]| parse_record::<Probe<'_>>(b).err();
        let malformed = |n: u32| Some((SkipReason::MalformedJson, Some(format!("column {n}"))));
        assert_eq!(err(b"[1,2]"), malformed(1));
        assert_eq!(err(b"{\"s\":"), malformed(5));
        assert_eq!(
            err(b"{\"s\":\"\xff\"}"),
            Some((SkipReason::InvalidUtf8, Some("column 7".into())))
        );
        assert!(err(b"{\"s\":1}").is_none());
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
