//! Line coverage from a CI coverage report: LCOV tracefiles (`LF:` lines found, `LH:` lines
//! hit, per source file; else its `DA:` lines) and Cobertura XML (the root `<coverage>` element's `lines-valid` /
//! `lines-covered`, else its `line-rate`). Only the two totals are read — never file names.

/// Lines instrumented and lines executed, summed over a report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineCoverage {
    pub lines_found: u64,
    pub lines_hit: u64,
}

impl LineCoverage {
    /// Covered share in percent (0–100); `None` for a report with no instrumented line.
    pub fn percent(self) -> Option<f64> {
        (self.lines_found > 0).then(|| self.lines_hit as f64 * 100.0 / self.lines_found as f64)
    }
}

/// Why a report could not be read; `line` is 1-based (0: the whole document).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CoverageError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> CoverageError {
    CoverageError {
        line,
        message: message.into(),
    }
}

/// Reads either format: XML (after optional whitespace) is Cobertura, anything else LCOV.
pub fn parse(text: &str) -> Result<LineCoverage, CoverageError> {
    if text.trim_start().starts_with('<') {
        parse_cobertura(text)
    } else {
        parse_lcov(text)
    }
}

/// LCOV: the sum of every record's `LF:` and `LH:`; a record without them (the summary
/// lines are optional in the format) is counted from its `DA:<line>,<hits>` lines.
pub fn parse_lcov(text: &str) -> Result<LineCoverage, CoverageError> {
    let (mut found, mut hit, mut records) = (0u64, 0u64, 0usize);
    // The current record: its LF/LH when it states them, else its DA lines.
    let (mut lf, mut lh, mut has_summary) = (0u64, 0u64, false);
    let (mut da_found, mut da_hit) = (0u64, 0u64);
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let count = |value: &str| -> Result<u64, CoverageError> {
            value
                .trim()
                .parse()
                .map_err(|_| err(i + 1, format!("`{}` is not a line count", value.trim())))
        };
        if let Some(v) = line.strip_prefix("LF:") {
            lf = lf.saturating_add(count(v)?);
            has_summary = true;
        } else if let Some(v) = line.strip_prefix("LH:") {
            lh = lh.saturating_add(count(v)?);
            has_summary = true;
        } else if let Some(v) = line.strip_prefix("DA:") {
            let hits = v.split(',').nth(1).unwrap_or("");
            da_found += 1;
            da_hit += u64::from(count(hits)? > 0);
        } else if line == "end_of_record" {
            records += 1;
            let (f, h) = if has_summary {
                (lf, lh)
            } else {
                (da_found, da_hit)
            };
            found = found.saturating_add(f);
            hit = hit.saturating_add(h);
            (lf, lh, has_summary, da_found, da_hit) = (0, 0, false, 0, 0);
        }
    }
    // A last record without its `end_of_record` still counts.
    let (f, h) = if has_summary {
        (lf, lh)
    } else {
        (da_found, da_hit)
    };
    found = found.saturating_add(f);
    hit = hit.saturating_add(h);
    if records == 0 {
        return Err(err(0, "not an LCOV tracefile (no `end_of_record`)"));
    }
    if hit > found {
        return Err(err(0, format!("{hit} lines hit of {found} found")));
    }
    Ok(LineCoverage {
        lines_found: found,
        lines_hit: hit,
    })
}

/// Cobertura: the root `<coverage …>` element's attributes.
pub fn parse_cobertura(text: &str) -> Result<LineCoverage, CoverageError> {
    let start = text
        .find("<coverage")
        .filter(|&at| {
            text[at + "<coverage".len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c == '>')
        })
        .ok_or_else(|| err(0, "no `<coverage>` element (not a Cobertura report)"))?;
    let line = text[..start].lines().count().max(1);
    let end = text[start..]
        .find('>')
        .ok_or_else(|| err(line, "the `<coverage>` tag is not closed"))?;
    let tag = &text[start..start + end];
    let attr = |name: &str| -> Option<&str> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = tag[at..].find('"')?;
        Some(&tag[at..at + len])
    };
    let number = |name: &str| -> Result<Option<f64>, CoverageError> {
        attr(name)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| err(line, format!("`{name}` = {v:?} is not a number")))
            })
            .transpose()
    };
    match (number("lines-valid")?, number("lines-covered")?) {
        (Some(valid), Some(covered)) if covered <= valid => Ok(LineCoverage {
            lines_found: valid as u64,
            lines_hit: covered as u64,
        }),
        (Some(_), Some(_)) => Err(err(line, "`lines-covered` exceeds `lines-valid`")),
        _ => match number("line-rate")? {
            // No counts: the rate over a nominal 10 000 lines keeps two decimals of percent.
            Some(rate) if rate <= 1.0 => Ok(LineCoverage {
                lines_found: 10_000,
                lines_hit: (rate * 10_000.0).round() as u64,
            }),
            Some(rate) => Err(err(line, format!("`line-rate` {rate} is above 1"))),
            None => Err(err(
                line,
                "`<coverage>` has neither `lines-valid`/`lines-covered` nor `line-rate`",
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcov_sums_every_record() {
        let text = "TN:\nSF:src/a.rs\nDA:1,1\nLF:10\nLH:8\nend_of_record\nSF:src/b.rs\nLF:30\nLH:12\nend_of_record\n";
        let c = parse(text).unwrap();
        assert_eq!((c.lines_found, c.lines_hit), (40, 20));
        assert_eq!(c.percent(), Some(50.0));
        assert_eq!(parse_lcov("LF:x\nend_of_record\n").unwrap_err().line, 1);
        assert!(parse_lcov("hello\n").is_err());
    }

    /// `LF:`/`LH:` are optional in LCOV: a tracefile with only `DA:` lines was read as
    /// instrumenting no line ("the report instruments no line").
    #[test]
    fn lcov_without_summary_lines_counts_its_da_lines() {
        let text = "TN:\nSF:src/a.rs\nDA:1,1\nDA:2,0\nDA:3,5\nend_of_record\n\
                    SF:src/b.rs\nDA:1,0\nLF:4\nLH:1\nend_of_record\n";
        let c = parse(text).unwrap();
        assert_eq!((c.lines_found, c.lines_hit), (7, 3));
        assert_eq!(
            parse_lcov("SF:a\nDA:1,x\nend_of_record\n")
                .unwrap_err()
                .line,
            2
        );
    }

    #[test]
    fn cobertura_reads_the_root_counts_or_rate() {
        let counts = r#"<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage line-rate="0.5" lines-covered="150" lines-valid="200" branch-rate="0" version="7.4" timestamp="1">
  <packages/>
</coverage>"#;
        let c = parse(counts).unwrap();
        assert_eq!(c.percent(), Some(75.0));
        let rate = r#"<coverage line-rate="0.8125" branch-rate="0"><packages/></coverage>"#;
        assert_eq!(parse(rate).unwrap().percent(), Some(81.25));
        let bad = "<coverage lines-valid=\"x\" lines-covered=\"1\">";
        assert!(parse(bad).unwrap_err().message.contains("lines-valid"));
        assert!(parse("<report></report>").is_err());
    }
}
