//! `:export FILE`: the table on screen (its filter and sort, every column including those
//! too narrow to show, but not the bars and sparklines drawn for the eye) written as CSV,
//! or as JSON when the file name ends in `.json`. Numbers are written as numbers (money in
//! USD with six decimals), not as shown (`$1,317`); a column sorted by a rank (states,
//! flags, ages) is written as shown.

use super::widgets::table::{ExportValue, TableData};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Text(String),
    Int(i64),
    /// Millionths (money in USD).
    Micros(i64),
    Float(f64),
}

/// A table's header and rows, owned, ready to write off the UI task.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Field>>,
}

impl ExportTable {
    /// The rows `visible` (in that order) of `data`.
    pub fn of(data: &TableData, visible: &[usize]) -> ExportTable {
        let kept: Vec<usize> = (0..data.columns.len())
            .filter(|&c| !data.columns[c].decoration)
            .collect();
        let columns = kept
            .iter()
            .map(|&c| data.columns[c].header.clone())
            .collect();
        let rows = visible
            .iter()
            .filter_map(|&i| data.rows.get(i))
            .map(|cells| {
                kept.iter()
                    .filter_map(|&c| cells.get(c))
                    .map(|c| match c.export() {
                        ExportValue::Text(t) => Field::Text(t.to_string()),
                        ExportValue::Int(i) => Field::Int(i),
                        ExportValue::Micros(m) => Field::Micros(m),
                        ExportValue::Float(f) => Field::Float(f),
                    })
                    .collect()
            })
            .collect();
        ExportTable { columns, rows }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path} exists; `:export! {path}` replaces it")]
    Exists { path: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn micros(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let a = m.unsigned_abs();
    format!("{sign}{}.{:06}", a / 1_000_000, a % 1_000_000)
}

fn text(f: &Field) -> String {
    match f {
        Field::Text(t) => t.clone(),
        Field::Int(i) => i.to_string(),
        Field::Micros(m) => micros(*m),
        Field::Float(x) => x.to_string(),
    }
}

fn json(f: &Field) -> serde_json::Value {
    match f {
        Field::Text(t) if t.is_empty() => serde_json::Value::Null,
        Field::Text(t) => serde_json::Value::String(t.clone()),
        Field::Int(i) => serde_json::Value::from(*i),
        Field::Micros(m) => micros(*m)
            .parse::<serde_json::Number>()
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Field::Float(x) => serde_json::Number::from_f64(*x)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
    }
}

/// `per dev` → `per_dev`, `value / threshold` → `value_threshold`.
fn key(header: &str) -> String {
    let mut out = String::new();
    for c in header.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() { "column".into() } else { out }
}

/// `~/x.csv` → `$HOME/x.csv`; other paths as given (relative to the working directory).
pub fn resolve(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Writes `table` to `path`; returns the number of rows written.
pub fn write(path: &Path, replace: bool, table: &ExportTable) -> Result<usize, ExportError> {
    let shown = path.display().to_string();
    let io = |source| ExportError::Io {
        path: shown.clone(),
        source,
    };
    if path.exists() && !replace {
        return Err(ExportError::Exists { path: shown });
    }
    let mut bytes = Vec::new();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let keys: Vec<String> = table.columns.iter().map(|h| key(h)).collect();
        let rows: Vec<serde_json::Value> = table
            .rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                for (k, f) in keys.iter().zip(r) {
                    o.insert(k.clone(), json(f));
                }
                serde_json::Value::Object(o)
            })
            .collect();
        serde_json::to_writer_pretty(&mut bytes, &rows)
            .map_err(|e| io(std::io::Error::other(e)))?;
        bytes.push(b'\n');
    } else {
        let mut w = csv::Writer::from_writer(&mut bytes);
        let fail = |e: csv::Error| std::io::Error::other(e);
        w.write_record(&table.columns).map_err(|e| io(fail(e)))?;
        for r in &table.rows {
            w.write_record(r.iter().map(text))
                .map_err(|e| io(fail(e)))?;
        }
        w.flush().map_err(io)?;
    }
    let mut file = std::fs::File::create(path).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    Ok(table.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> ExportTable {
        ExportTable {
            columns: vec!["team".into(), "spend".into(), "per dev".into()],
            rows: vec![
                vec![
                    Field::Text("platform, core".into()),
                    Field::Micros(1_317_250_000),
                    Field::Int(3),
                ],
                vec![Field::Text("web".into()), Field::Micros(-5), Field::Int(0)],
            ],
        }
    }

    #[test]
    fn csv_and_json_carry_numbers_not_display_text() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("t.csv");
        assert_eq!(write(&csv_path, false, &table()).unwrap(), 2);
        let text = std::fs::read_to_string(&csv_path).unwrap();
        assert_eq!(
            text,
            "team,spend,per dev\n\"platform, core\",1317.250000,3\nweb,-0.000005,0\n"
        );
        let json_path = dir.path().join("t.JSON");
        write(&json_path, false, &table()).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
        assert_eq!(v[0]["spend"], serde_json::json!(1317.25));
        assert_eq!(v[0]["per_dev"], serde_json::json!(3));
        // An existing file is kept unless replacing was asked for.
        let e = write(&csv_path, false, &table()).unwrap_err().to_string();
        assert!(e.contains("export!"), "{e}");
        assert!(write(&csv_path, true, &table()).is_ok());
        let e = write(&dir.path().join("no/such/dir.csv"), false, &table()).unwrap_err();
        assert!(e.to_string().contains("cannot write"), "{e}");
    }
}
