//! Token counts with one meaning for every agent (README.md#reports): `input` is uncached input,
//! `cache_read` the cached input, `cache_write_5m`/`cache_write_1h` cache writes, `output`
//! includes reasoning (`reasoning` is the informational subset). Nothing is counted twice.
//! Arithmetic saturates: counts are bounded at the edge (10^12 per field, see `bounds.rs`),
//! so only corrupt data reaches i64's limit, and it must neither panic nor wrap.

use serde::{Deserialize, Serialize};
use std::ops::{AddAssign, SubAssign};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenUsage {
    pub input: i64,
    pub output: i64,
    pub cache_write_5m: i64,
    pub cache_write_1h: i64,
    pub cache_read: i64,
    pub reasoning: i64,
}

impl TokenUsage {
    pub fn cache_creation(&self) -> i64 {
        self.cache_write_5m.saturating_add(self.cache_write_1h)
    }

    /// input + output + cache writes + cache reads (reasoning is inside output).
    pub fn total(&self) -> i64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_creation())
            .saturating_add(self.cache_read)
    }

    pub fn is_zero(&self) -> bool {
        self.total() == 0 && self.reasoning == 0
    }

    /// Every count multiplied by `k` (−1 for a removal), saturating at the i64 range.
    pub fn scaled(&self, k: i64) -> TokenUsage {
        TokenUsage {
            input: k.saturating_mul(self.input),
            output: k.saturating_mul(self.output),
            cache_write_5m: k.saturating_mul(self.cache_write_5m),
            cache_write_1h: k.saturating_mul(self.cache_write_1h),
            cache_read: k.saturating_mul(self.cache_read),
            reasoning: k.saturating_mul(self.reasoning),
        }
    }
}

impl AddAssign for TokenUsage {
    fn add_assign(&mut self, rhs: TokenUsage) {
        self.input = self.input.saturating_add(rhs.input);
        self.output = self.output.saturating_add(rhs.output);
        self.cache_write_5m = self.cache_write_5m.saturating_add(rhs.cache_write_5m);
        self.cache_write_1h = self.cache_write_1h.saturating_add(rhs.cache_write_1h);
        self.cache_read = self.cache_read.saturating_add(rhs.cache_read);
        self.reasoning = self.reasoning.saturating_add(rhs.reasoning);
    }
}

impl SubAssign for TokenUsage {
    fn sub_assign(&mut self, rhs: TokenUsage) {
        self.input = self.input.saturating_sub(rhs.input);
        self.output = self.output.saturating_sub(rhs.output);
        self.cache_write_5m = self.cache_write_5m.saturating_sub(rhs.cache_write_5m);
        self.cache_write_1h = self.cache_write_1h.saturating_sub(rhs.cache_write_1h);
        self.cache_read = self.cache_read.saturating_sub(rhs.cache_read);
        self.reasoning = self.reasoning.saturating_sub(rhs.reasoning);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_excludes_reasoning_which_is_inside_output() {
        let u = TokenUsage {
            input: 90,
            output: 50,
            cache_write_5m: 3,
            cache_write_1h: 2,
            cache_read: 10,
            reasoning: 20,
        };
        assert_eq!(u.total(), 155);
        assert_eq!(u.cache_creation(), 5);
    }
}
