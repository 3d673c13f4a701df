//! Sums that never fail: SQLite's `sum()` raises "integer overflow" past i64, and `a + b`
//! silently turns into a float, so enough large stored values would make a report fail.
//! [`wide_sum`] adds the high and low 32 bits of each value separately (neither part can
//! overflow before 2^31 rows) and recombines them; [`saturating_add`] is `a + b` for
//! running totals. Both follow the one rule for totals in `domain/bounds.rs`: saturate at
//! ±`TOTAL_CEILING`.

use crate::domain::bounds::{TOTAL_CEILING, TOTAL_SQL_SATURATION};

/// SQL for an overflow-free sum of the integer expression `expr`; an integer column
/// (NULL over no rows), saturated at ±[`SATURATION`] instead of failing. SQLite computes
/// identical aggregates once, so this costs two sums, not six.
pub fn wide_sum(expr: &str) -> String {
    let (hi, lo) = crate::store::sums::sqlite_sum_halves(expr);
    format!(
        "(CASE WHEN {hi} * 4294967296.0 + {lo} >= {SATURATION}.0 THEN {TOTAL_CEILING} \
         WHEN {hi} * 4294967296.0 + {lo} <= -{SATURATION}.0 THEN -{TOTAL_CEILING} \
         ELSE {hi} * 4294967296 + {lo} END)"
    )
}

/// SQL for `a + b` on integer expressions, saturated like [`wide_sum`] (SQLite turns an
/// overflowing integer `+` into a float, which the test catches).
pub fn saturating_add(a: &str, b: &str) -> String {
    format!(
        "(CASE WHEN ({a}) + ({b}) >= {SATURATION}.0 THEN {TOTAL_CEILING} \
         WHEN ({a}) + ({b}) <= -{SATURATION}.0 THEN -{TOTAL_CEILING} \
         ELSE ({a}) + ({b}) END)"
    )
}

/// Where a wide sum saturates (a little under 2^63, so the float test is never wrong).
pub const SATURATION: i64 = TOTAL_SQL_SATURATION;

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

    #[test]
    fn saturating_add_never_leaves_the_integers() {
        let conn = Connection::open_in_memory().unwrap();
        let add = |a: i64, b: i64| -> i64 {
            conn.query_row(
                &format!("SELECT {}", saturating_add("?1", "?2")),
                [a, b],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(add(2, 3), 5);
        assert_eq!(add(i64::MAX - 1, 5), i64::MAX);
        assert_eq!(add(SATURATION - 10, 5), SATURATION - 5);
        assert_eq!(add(i64::MAX, -7), i64::MAX, "past SATURATION");
        assert_eq!(add(-i64::MAX, -5), -i64::MAX);
        // The plain `+` really leaves the integers on the same values.
        let plain: rusqlite::types::Value = conn
            .query_row("SELECT ?1 + ?2", [i64::MAX - 1, 5], |r| r.get(0))
            .unwrap();
        assert!(
            matches!(plain, rusqlite::types::Value::Real(_)),
            "{plain:?}"
        );
    }
}
