//! Sums that cannot overflow and cannot fail, whatever is stored. SQLite's `sum()` fails
//! with "integer overflow" past the i64 range, so each integer column is summed in two
//! halves (`x >> 32` and `x & 0xFFFFFFFF`), each of which fits an i64 for up to 2^31 rows,
//! and the halves are joined in an i128. PostgreSQL sums bigints into NUMERIC (no overflow);
//! the result is clamped to the i64 range before it is read.

/// SQLite: the two aggregates (high and low 32 bits) whose sums together are the exact sum
/// of `expr`; `queries::wide_sum` recombines them in SQL, [`sqlite_exact_sum`] in Rust.
pub fn sqlite_sum_halves(expr: &str) -> (String, String) {
    (
        format!("sum(({expr}) >> 32)"),
        format!("sum(({expr}) & 4294967295)"),
    )
}

/// SQLite: two select-list columns that together hold the exact sum of `expr`.
pub fn sqlite_exact_sum(expr: &str) -> String {
    let (hi, lo) = sqlite_sum_halves(expr);
    format!("coalesce({hi}, 0), coalesce({lo}, 0)")
}

/// Joins the two halves of [`sqlite_exact_sum`].
pub fn join_halves(high: i64, low: i64) -> i128 {
    (i128::from(high) << 32) + i128::from(low)
}

/// PostgreSQL: the sum of `expr` as a BIGINT, clamped to the i64 range.
pub fn pg_clamped_sum(expr: &str) -> String {
    format!(
        "LEAST(GREATEST(coalesce(sum({expr}), 0), -9223372036854775808), 9223372036854775807)::BIGINT"
    )
}

/// An i128 sum as an i64, clamped (what is shown of a sum beyond any real total).
pub fn clamp(x: i128) -> i64 {
    i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn split_sums_are_exact_past_the_i64_range() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        for v in [i64::MAX, i64::MAX, 5, -3] {
            conn.execute("INSERT INTO t VALUES (?1)", [v]).unwrap();
        }
        assert!(
            conn.query_row("SELECT sum(x) FROM t", [], |r| r.get::<_, i64>(0))
                .is_err(),
            "plain sum() overflows"
        );
        let (h, l): (i64, i64) = conn
            .query_row(
                &format!("SELECT {} FROM t", sqlite_exact_sum("x")),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(join_halves(h, l), 2 * i128::from(i64::MAX) + 2);
        assert_eq!(clamp(join_halves(h, l)), i64::MAX);
    }
}
