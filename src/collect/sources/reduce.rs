//! Reading a JSON line for only the fields a parser's structs name: one validating pass
//! replaces every value serde would skip anyway (tool output, file bodies, signatures) by
//! `0`, so serde reads a line of a few hundred bytes instead of tens of kilobytes
//! (docs/perf.md#cold-ingest-against-ccusage-issue-12). The pass is at least as strict as
//! serde_json; a line it refuses is parsed in full, so skip reports stay exactly as before.

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

/// The bytes JSON allows after a backslash: 1, or [`UNICODE`] for `u` (hex digits follow).
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    let simple = b"\"\\/bfnrt";
    while i < simple.len() {
        table[simple[i] as usize] = 1;
        i += 1;
    }
    table[b'u' as usize] = UNICODE;
    table
};
const UNICODE: u8 = 2;

#[derive(Clone, Copy)]
enum Shape<'l> {
    Keep,
    Drop,
    Object(&'l Level),
    Array(&'l Level),
}

/// Writes `line` with the values `root` does not read replaced by `0` into `out` (cleared
/// first). `false` when the line is not a JSON object this pass accepts: the caller then
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
        let start = self.at;
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
        if matches!(shape, Shape::Drop) {
            self.out.extend_from_slice(&self.bytes[self.copied..start]);
            self.out.push(b'0');
            self.copied = self.at;
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
        loop {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return None;
            }
            let (start, end) = self.string()?;
            let bytes = self.bytes;
            let key = &bytes[start..end];
            self.eat(b':')?;
            let child = match level {
                Some(level) => level.shape_of(key),
                // Inside a kept or dropped value everything stays as it is.
                None => Shape::Keep,
            };
            self.value(child, depth + 1)?;
            self.whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
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

    /// A string starting at the opening quote; returns where its raw contents lie. Escapes
    /// must be JSON's (`\uXXXX` with four hex digits); no byte below 0x20 may appear.
    /// Read 64 bytes at a time as bit masks, so dense escapes (`\n`, `\"` every few
    /// bytes in tool output) cost no branch each.
    fn string(&mut self) -> Option<(usize, usize)> {
        let bytes = self.bytes;
        let start = self.at + 1;
        // Most strings (keys, ids, timestamps) end within 16 bytes without an escape.
        if let Some(head) = bytes.get(start..).and_then(<[u8]>::first_chunk::<16>) {
            let head = Block::of16(head);
            let stops = head.quotes | head.backslashes | head.controls;
            if stops & head.quotes & stops.wrapping_neg() != 0 {
                let end = start + stops.trailing_zeros() as usize;
                self.at = end + 1;
                return Some((start, end));
            }
        }
        let mut at = start;
        let mut carry = 0u64;
        loop {
            let block = Block::at(bytes, at);
            let escaped = escaped_bits(block.backslashes, &mut carry);
            let quotes = block.quotes & !escaped;
            // Bits before the closing quote (all 64 when it is not in this block).
            let inside = if quotes == 0 {
                u64::MAX
            } else {
                (quotes & quotes.wrapping_neg()) - 1
            };
            if block.controls & inside != 0 {
                return None;
            }
            // The less common escapes, one by one (a table; `\u` also needs four hex digits).
            let mut escapes = escaped & inside & !(block.quotes | block.backslashes | block.common);
            let mut valid = true;
            while escapes != 0 {
                let pos = at + escapes.trailing_zeros() as usize;
                let class = bytes.get(pos).map_or(0, |&b| ESCAPE[usize::from(b)]);
                valid &= class != 0;
                if class == UNICODE {
                    valid &= bytes
                        .get(pos + 1..pos + 5)
                        .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
                }
                escapes &= escapes - 1;
            }
            if !valid {
                return None;
            }
            if quotes != 0 {
                let end = at + quotes.trailing_zeros() as usize;
                if end >= bytes.len() {
                    return None;
                }
                self.at = end + 1;
                return Some((start, end));
            }
            at += 64;
            if at >= bytes.len() {
                return None;
            }
        }
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

/// The bytes of a string that matter, as bit masks (bit i: byte i).
#[derive(Default)]
struct Block {
    backslashes: u64,
    quotes: u64,
    controls: u64,
    /// `n`, `t` and `/`: with quotes and backslashes, what tool output escapes every few
    /// bytes. Escapes of any other byte are looked at one by one.
    common: u64,
}

impl Block {
    /// The 64 bytes from `at`; past the end of the line, spaces (none of the four).
    fn at(bytes: &[u8], at: usize) -> Block {
        let rest = bytes.get(at..).unwrap_or_default();
        match rest.first_chunk::<64>() {
            Some(chunk) => Block::of(chunk),
            None => {
                let mut chunk = [b' '; 64];
                chunk[..rest.len()].copy_from_slice(rest);
                Block::of(&chunk)
            }
        }
    }

    fn of(chunk: &[u8; 64]) -> Block {
        let mut block = Block::default();
        let (sixteens, _) = chunk.as_chunks::<16>();
        for (i, sixteen) in sixteens.iter().enumerate() {
            let part = Block::of16(sixteen);
            let shift = 16 * i;
            block.backslashes |= part.backslashes << shift;
            block.quotes |= part.quotes << shift;
            block.controls |= part.controls << shift;
            block.common |= part.common << shift;
        }
        block
    }

    /// SSE2 (part of every x86-64): one compare per kind for all 16 bytes.
    #[cfg(target_arch = "x86_64")]
    fn of16(sixteen: &[u8; 16]) -> Block {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is in the x86-64 baseline, so every CPU running this build has
        // these instructions; the unaligned load reads exactly the 16 bytes of `sixteen`.
        let [b, q, c, n] = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            let is = |byte: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8));
            [
                _mm_movemask_epi8(is(b'\\')),
                _mm_movemask_epi8(is(b'"')),
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v)),
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(is(b'n'), is(b't')), is(b'/'))),
            ]
        };
        let bits = |m: i32| u64::from(m as u16);
        Block {
            backslashes: bits(b),
            quotes: bits(q),
            controls: bits(c),
            common: bits(n),
        }
    }

    /// Elsewhere, eight bytes per word (SWAR): a flag in each byte's top bit, gathered
    /// into eight mask bits by one multiplication.
    #[cfg(not(target_arch = "x86_64"))]
    fn of16(sixteen: &[u8; 16]) -> Block {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        const ONES: u64 = 0x0101_0101_0101_0101;
        let equal = |x: u64, c: u8| {
            let t = x ^ (ONES * u64::from(c));
            !(((t & LOW7) + LOW7) | t) & HIGH
        };
        let gather = |flags: u64| ((flags >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        let mut block = Block::default();
        let (eights, _) = sixteen.as_chunks::<8>();
        for (i, eight) in eights.iter().enumerate() {
            let x = u64::from_le_bytes(*eight);
            let below_space = !(((x & LOW7) + 0x6060_6060_6060_6060) | x) & HIGH;
            let shift = 8 * i;
            block.backslashes |= gather(equal(x, b'\\')) << shift;
            block.quotes |= gather(equal(x, b'"')) << shift;
            block.controls |= gather(below_space) << shift;
            block.common |= gather(equal(x, b'n') | equal(x, b't') | equal(x, b'/')) << shift;
        }
        block
    }
}

/// Which bits of a block are escaped (follow an odd run of backslashes), carrying a
/// backslash that escapes the first byte of the next block in `carry`. The branch-free
/// formulation of simdjson (Langdale & Lemire, "Parsing gigabytes of JSON per second").
fn escaped_bits(backslashes: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslashes = backslashes & !*carry;
    let follows_escape = (backslashes << 1) | *carry;
    let odd_starts = backslashes & !EVEN & !follows_escape;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslashes);
    *carry = u64::from(overflow);
    (EVEN ^ (even_starts << 1)) & follows_escape
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
    fn values_no_struct_reads_become_zero() {
        assert_eq!(
            run(r#" {"type":"u","big":{"x":["a\"b",1.5e-3,true,null]},"inner":{"a":"k","b":"drop\n"}, "list":[{"a":1,"z":"q"},"s",[{"z":2}]] , "t\u0079pe":"kept"} "#)
                .as_deref(),
            Some(
                r#" {"type":"u","big":0,"inner":{"a":"k","b":0}, "list":[{"a":1,"z":0},"s",[{"z":2}]] , "t\u0079pe":"kept"} "#
            )
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
