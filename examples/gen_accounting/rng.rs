//! The corpus generator's seeded SplitMix64 (examples/gen_corpus/text.rs), with the signed
//! ranges and UUID-shaped ids these trees need: the same seed writes the same trees.

#[path = "../gen_corpus/text.rs"]
#[allow(dead_code)]
mod text;

pub struct Rng(text::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(text::Rng::new(seed))
    }

    /// Uniform in `lo..=hi` (`lo <= hi`, both ≥ 0).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.range(lo as u64, hi as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.0.chance(p)
    }

    pub fn id(&mut self) -> String {
        let (a, b) = (self.0.next_u64(), self.0.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}
