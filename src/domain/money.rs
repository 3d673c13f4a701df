//! Money as integer micro-US-dollars, so sums are exact and never drift. Arithmetic
//! saturates instead of wrapping: amounts are bounded at the edge (see `bounds.rs`), so a
//! sum only reaches the limit (about $9.2 trillion) from corrupt data, and it must then
//! neither panic nor turn negative.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// An amount in micro-USD (1 USD = 1,000,000).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_micro_usd(micro_usd: i64) -> Money {
        Money(micro_usd)
    }

    /// Rounds a floating dollar amount (as found in logs and price files) to micro-USD.
    pub fn from_usd(usd: f64) -> Money {
        if !usd.is_finite() {
            return Money::ZERO;
        }
        Money((usd * 1_000_000.0).round() as i64)
    }

    pub fn micro_usd(self) -> i64 {
        self.0
    }

    pub fn as_usd(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 = self.0.saturating_sub(rhs.0);
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Money {
    /// `$12.34`, or `$0.0042` for amounts under a cent so they do not read as zero, and
    /// `<$0.0001` for amounts that even four places would round to zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let usd = self.as_usd();
        if self.0 > 0 && self.0 < 50 {
            write!(f, "<$0.0001")
        } else if self.0 < 0 && self.0 > -50 {
            write!(f, ">-$0.0001")
        } else if self.0 != 0 && usd.abs() < 0.01 {
            write!(f, "${usd:.4}")
        } else {
            write!(f, "${usd:.2}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_formats() {
        assert_eq!(Money::from_usd(0.0123).micro_usd(), 12_300);
        assert_eq!(Money::from_usd(f64::NAN), Money::ZERO);
        assert_eq!(Money(1_090_000).to_string(), "$1.09");
        assert_eq!(Money(4_200).to_string(), "$0.0042");
        // 44 micro-dollars (35 Haiku tokens) had read `$0.0000`, as if free.
        assert_eq!(Money(44).to_string(), "<$0.0001");
        assert_eq!(Money(-44).to_string(), ">-$0.0001");
        assert_eq!(Money(50).to_string(), "$0.0001");
        assert_eq!(Money(0).to_string(), "$0.00");
        assert_eq!([Money(1), Money(2)].into_iter().sum::<Money>(), Money(3));
        assert_eq!(
            Money(i64::MAX) + Money(5),
            Money(i64::MAX),
            "saturates, never wraps"
        );
    }
}
