//! Finding where a JSON string ends, 64 bytes at a time: SSE2 compares (a portable
//! eight-bytes-per-word version elsewhere) give bit masks, and simdjson's carry arithmetic
//! finds escaped bytes with no branch per escape (tool output escapes every few bytes).

/// Where the string whose contents begin at `start` (just after its opening quote) ends:
/// the index of its closing quote, or `None` when it is not a JSON string serde_json
/// accepts (an escape other than JSON's, `\u` without four hex digits, a byte below 0x20,
/// no closing quote).
pub fn closing_quote(bytes: &[u8], start: usize) -> Option<usize> {
    // Most strings (keys, ids, timestamps) end within 16 bytes without an escape.
    if let Some(head) = bytes.get(start..).and_then(<[u8]>::first_chunk::<16>) {
        let head = Block::of16(head);
        let stops = head.quotes | head.backslashes | head.controls;
        if stops & head.quotes & stops.wrapping_neg() != 0 {
            return Some(start + stops.trailing_zeros() as usize);
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
            return (end < bytes.len()).then_some(end);
        }
        at += 64;
        if at >= bytes.len() {
            return None;
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

    #[cfg(not(target_arch = "x86_64"))]
    fn of16(sixteen: &[u8; 16]) -> Block {
        Block::of16_portable(sixteen)
    }

    /// Elsewhere, eight bytes per word (SWAR): a flag in each byte's top bit, gathered
    /// into eight mask bits by one multiplication. (Built in tests everywhere, to be held
    /// to the SSE2 version.)
    #[cfg(any(test, not(target_arch = "x86_64")))]
    fn of16_portable(sixteen: &[u8; 16]) -> Block {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn masks(b: &Block) -> [u64; 4] {
        [b.backslashes, b.quotes, b.controls, b.common]
    }

    /// Escaped bits of 128 bytes the slow way: a backslash escapes the byte after it.
    fn escaped_slowly(bytes: &[u8]) -> [u64; 2] {
        let (mut bits, mut i) = ([0u64; 2], 0);
        while i + 1 < bytes.len() {
            if bytes[i] == b'\\' {
                bits[(i + 1) / 64] |= 1 << ((i + 1) % 64);
                i += 2;
            } else {
                i += 1;
            }
        }
        bits
    }

    fn interesting_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            4 => prop::sample::select(b"\\\"ntu/ \x00\x1f\x20\x7f\x80\xff".to_vec()),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_portable_masks_match_the_vector_ones(bytes in prop::array::uniform16(interesting_byte())) {
            prop_assert_eq!(masks(&Block::of16(&bytes)), masks(&Block::of16_portable(&bytes)));
        }

        #[test]
        fn escaped_bits_carry_across_blocks(bytes in prop::collection::vec(prop::sample::select(b"\\\\\\a".to_vec()), 128)) {
            let mut carry = 0;
            let mut fast = [0u64; 2];
            for (k, half) in bytes.chunks(64).enumerate() {
                let chunk: &[u8; 64] = half.try_into().unwrap();
                fast[k] = escaped_bits(Block::of(chunk).backslashes, &mut carry);
            }
            prop_assert_eq!(fast, escaped_slowly(&bytes));
        }
    }
}
