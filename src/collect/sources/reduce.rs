//! Reading a JSON line for only the fields a parser's structs name: one validating pass
//! leaves out every member serde would skip anyway (tool output, thinking), then serde
//! reads the short line left. At least as strict as serde_json; a refused line is parsed
//! whole (docs/perf.md#the-json-half-reading-only-the-fields-the-parsers-name).

use super::json_string::closing_quote;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Deepest nesting the pass follows; deeper lines are parsed in full (serde_json stops at
/// 128 levels on the values it reads and walks skipped values without a limit).
const MAX_DEPTH: usize = 128;

/// What a parser reads of one JSON object: the keys of the struct deserialized there, and
/// for some of them the shape of their value. The value of any other key is replaced.
#[derive(Debug)]
pub struct Level {
    /// `None` keeps every key (the struct's field names could not be read).
    known: Option<&'static [&'static str]>,
    nested: Vec<(&'static str, Nested)>,
}

/// The value of a known key that is itself reduced when it has the expected JSON type
/// (any other type is kept as it is).
#[derive(Debug)]
pub enum Nested {
    /// An object read as the struct of this level.
    Object(Level),
    /// An array whose object elements are read as the struct of this level.
    ArrayOfObjects(Level),
}

impl Level {
    /// The level of the struct `T`: its serde field names (renames and aliases included).
    pub fn of<T: Deserialize<'static>>() -> Level {
        Level::keys(field_names::<T>())
    }

    /// A level reading exactly `known` (`None`: every key).
    pub fn keys(known: Option<&'static [&'static str]>) -> Level {
        Level {
            known,
            nested: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, nested: Nested) -> Level {
        self.nested.push((key, nested));
        self
    }

    fn shape_of(&self, key: &[u8]) -> Shape<'_> {
        let Some(known) = self.known else {
            return Shape::Keep;
        };
        // A key spelled with escapes may decode to a field name: kept, never guessed.
        if key.contains(&b'\\') {
            return Shape::Keep;
        }
        if let Some((_, nested)) = self.nested.iter().find(|(k, _)| k.as_bytes() == key) {
            return match nested {
                Nested::Object(level) => Shape::Object(level),
                Nested::ArrayOfObjects(level) => Shape::Array(level),
            };
        }
        if known.iter().any(|k| k.as_bytes() == key) {
            Shape::Keep
        } else {
            Shape::Drop
        }
    }
}

#[derive(Clone, Copy)]
enum Shape<'l> {
    Keep,
    Drop,
    Object(&'l Level),
    Array(&'l Level),
}

/// Writes `line` without the members `root` does not read into `out` (cleared first). `false` when the line is not a JSON object this pass accepts: the caller then
/// parses the original line, which reports what is wrong with it.
pub fn reduce(line: &[u8], root: &Level, out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut walk = Walk {
        bytes: line,
        at: 0,
        copied: 0,
        out,
    };
    walk.whitespace();
    if walk.peek() != Some(b'{') || walk.value(Shape::Object(root), 0).is_none() {
        return false;
    }
    walk.whitespace();
    if walk.at != line.len() {
        return false;
    }
    walk.out.extend_from_slice(&line[walk.copied..]);
    true
}

/// The pass over one line. Every method returns `None` at the first thing serde_json
/// might refuse; `at` is the next byte to read, `copied` the end of what is in `out`.
struct Walk<'a, 'o> {
    bytes: &'a [u8],
    at: usize,
    copied: usize,
    out: &'o mut Vec<u8>,
}

impl Walk<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.whitespace();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn value(&mut self, shape: Shape<'_>, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.whitespace();
        match self.peek()? {
            b'{' => self.object(shape, depth)?,
            b'[' => self.array(shape, depth)?,
            b'"' => {
                self.string()?;
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        Some(())
    }

    fn object(&mut self, shape: Shape<'_>, depth: usize) -> Option<()> {
        self.at += 1;
        let level = match shape {
            Shape::Object(level) => Some(level),
            _ => None,
        };
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(());
        }
        // An object read as a struct is written member by member: members whose key the
        // struct does not name are left out with their commas (serde skips unknown keys,
        // so the struct reads the same, and it has fewer keys to match and skip).
        if level.is_some() {
            self.flush();
        }
        let mut kept = 0usize;
        loop {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return None;
            }
            let member = self.at;
            let (start, end) = self.string()?;
            let bytes = self.bytes;
            let key = &bytes[start..end];
            self.eat(b':')?;
            match level.map(|level| level.shape_of(key)) {
                // Inside a kept or left-out value everything stays as it is.
                None => self.value(Shape::Keep, depth + 1)?,
                Some(Shape::Drop) => {
                    self.value(Shape::Drop, depth + 1)?;
                    self.copied = self.at;
                }
                Some(child) => {
                    if kept > 0 {
                        self.out.push(b',');
                    }
                    kept += 1;
                    self.copied = member;
                    self.value(child, depth + 1)?;
                    self.flush();
                }
            }
            self.whitespace();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    if level.is_some() {
                        self.copied = self.at;
                    }
                }
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Copies what was read since the last copy into the output.
    fn flush(&mut self) {
        self.out
            .extend_from_slice(&self.bytes[self.copied..self.at]);
        self.copied = self.at;
    }

    fn array(&mut self, shape: Shape<'_>, depth: usize) -> Option<()> {
        self.at += 1;
        let element = match shape {
            Shape::Array(level) => Shape::Object(level),
            _ => Shape::Keep,
        };
        self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Some(());
        }
        loop {
            self.whitespace();
            // Only object elements are read as the level's struct; others stay as they are.
            let child = if self.peek() == Some(b'{') {
                element
            } else {
                Shape::Keep
            };
            self.value(child, depth + 1)?;
            self.whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string starting at the opening quote; returns where its raw contents lie.
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.at + 1;
        let end = closing_quote(self.bytes, start)?;
        self.at = end + 1;
        Some((start, end))
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.at_least_one_digit()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.at_least_one_digit()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

/// The field names serde derives for `T` (what `deserialize_struct` is handed), or `None`
/// when `T` is not a derived struct.
pub fn field_names<T: Deserialize<'static>>() -> Option<&'static [&'static str]> {
    let mut names = None;
    // The probe always ends in an error once it has the names; nothing else is read.
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

struct FieldNames<'n>(&'n mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("field names read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Top {
        #[serde(rename = "type")]
        kind: u8,
        inner: u8,
        list: u8,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        a: u8,
    }

    fn level() -> Level {
        Level::of::<Top>()
            .with("inner", Nested::Object(Level::of::<Inner>()))
            .with("list", Nested::ArrayOfObjects(Level::of::<Inner>()))
    }

    fn run(line: &str) -> Option<String> {
        let mut out = Vec::new();
        reduce(line.as_bytes(), &level(), &mut out).then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn field_names_come_from_serde() {
        assert_eq!(field_names::<Top>(), Some(&["type", "inner", "list"][..]));
        assert_eq!(field_names::<u8>(), None);
    }

    #[test]
    fn members_no_struct_reads_are_left_out() {
        assert_eq!(
            run(r#" {"type":"u","big":{"x":["a\"b",1.5e-3,true,null]},"inner":{"a":"k","b":"drop\n"}, "list":[{"a":1,"z":"q"},"s",[{"z":2}]] , "t\u0079pe":"kept"} "#)
                .as_deref(),
            Some(r#" {"type":"u","inner":{"a":"k"},"list":[{"a":1},"s",[{"z":2}]],"t\u0079pe":"kept"} "#)
        );
        // Left out first, last, or all: the commas stay right.
        assert_eq!(
            run(r#"{"big":1, "type":2 ,"z":[3]}"#).as_deref(),
            Some(r#"{"type":2}"#)
        );
        assert_eq!(run(r#"{ "big":1,"z":{} }"#).as_deref(), Some("{  }"));
        assert_eq!(
            run(r#"{"inner":{"z":1,"a":2,"y":3},"list":[{"y":0},{"a":1,"y":0}]}"#).as_deref(),
            Some(r#"{"inner":{"a":2},"list":[{},{"a":1}]}"#)
        );
        // A non-object where a level is expected is kept as it is.
        assert_eq!(
            run(r#"{"inner":[{"b":1}],"list":{"b":1}}"#).as_deref(),
            Some(r#"{"inner":[{"b":1}],"list":{"b":1}}"#)
        );
    }

    #[test]
    fn anything_serde_json_refuses_is_refused() {
        assert_eq!(run("[1]"), None, "not an object: no record");
        let bad = [
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"x":[1,]}"#,
            r#"{"x":01}"#,
            r#"{"x":1.}"#,
            r#"{"x":-}"#,
            r#"{"x":.5}"#,
            r#"{"x":1e}"#,
            r#"{"x":tru}"#,
            r#"{"x":"a\qb"}"#,
            r#"{"x":"\u12G4"}"#,
            "{\"x\":\"tab\there\"}",
            r#"{"x":"open}"#,
            r#"{"x":[1 2]}"#,
            r#"{"x":{"k":1 "j":2}}"#,
            r#"{"x":1"#,
        ];
        for line in bad {
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(line).is_err(),
                "{line}"
            );
            assert_eq!(run(line), None, "{line}");
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(run(&deep), None, "too deep: parsed in full instead");
    }
}
