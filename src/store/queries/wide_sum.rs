//! Sums that never fail: SQLite's `sum()` raises "integer overflow" past i64, so one absurd
//! stored value (or very many large ones) would make a report fail. [`wide_sum`] adds the
//! high and low 32 bits of each value separately (neither part can overflow before 2^31
//! rows) and recombines them, saturating at about ±9.2 × 10^18.

/// SQL for an overflow-free sum of the integer expression `expr`; an integer column
/// (NULL over no rows), saturated at ±[`SATURATION`] instead of failing. SQLite computes
/// identical aggregates once, so this costs two sums, not six.
pub fn wide_sum(expr: &str) -> String {
    let hi = format!("sum(({expr}) >> 32)");
    let lo = format!("sum(({expr}) & 4294967295)");
    format!(
        "(CASE WHEN {hi} * 4294967296.0 + {lo} >= {SATURATION}.0 THEN 9223372036854775807 \
         WHEN {hi} * 4294967296.0 + {lo} <= -{SATURATION}.0 THEN -9223372036854775807 \
         ELSE {hi} * 4294967296 + {lo} END)"
    )
}

/// Where a wide sum saturates (a little under 2^63, so the float test is never wrong).
pub const SATURATION: i64 = 9_200_000_000_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn sum_of(values: &[i64]) -> Option<i64> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        for v in values {
            conn.execute("INSERT INTO t VALUES (?1)", [v]).unwrap();
        }
        conn.query_row(&format!("SELECT {} FROM t", wide_sum("x")), [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    #[test]
    fn exact_where_sum_is_and_saturated_where_sum_fails() {
        assert_eq!(sum_of(&[]), None);
        assert_eq!(sum_of(&[1, 2, -5]), Some(-2));
        let big = 5_000_000_000_123;
        assert_eq!(sum_of(&[big, big, -1]), Some(2 * big - 1));
        assert_eq!(sum_of(&[i64::MAX, i64::MAX]), Some(i64::MAX));
        assert_eq!(sum_of(&[i64::MIN + 1, -5]), Some(-i64::MAX));
        let near = 9_000_000_000_000_000_000;
        assert_eq!(
            sum_of(&[near, 100_000_000_000_000_000, -1]),
            Some(near + 99_999_999_999_999_999)
        );
        assert_eq!(sum_of(&[i64::MAX, -1]), Some(i64::MAX), "past SATURATION");
        // The plain sum really fails on the same values.
        let conn = Connection::open_in_memory().unwrap();
        let err = conn
            .query_row(
                "SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_err();
        assert!(err.to_string().contains("overflow"), "{err}");
    }
}
