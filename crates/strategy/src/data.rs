//! OHLCV bars from CSV files, checked row by row.
//!
//! The file has a header row naming its columns (any order, any case): the time
//! (`time`, `timestamp`, `date`, `open_time` or `datetime`), `open`, `high`, `low`,
//! `close`, and optionally `volume`. Times are Unix milliseconds, Unix seconds (a
//! number below 10^11) or RFC 3339 in UTC; prices are decimal strings on the
//! instrument's tick and within its decimals; volumes within the base asset's
//! decimals. Rows must be in strictly increasing time and each bar's high and low
//! must hold its open and close. A file with any bad row is refused whole, with every
//! bad row's line number (up to [`CSV_ERRORS_REPORTED_MAX`]).

use crate::bar::Bar;
use bourse_types::{Instrument, Qty, Timestamp, parse_decimal};
use std::io::Read;

/// The most bad rows a refusal lists (it counts them all).
pub const CSV_ERRORS_REPORTED_MAX: usize = 50;
/// The most rows a file may hold.
pub const CSV_ROWS_MAX: usize = 20_000_000;
/// Below this, a numeric time is in seconds.
const SECONDS_BELOW: u64 = 100_000_000_000;

/// One bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub message: String,
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("{0}")]
    File(String),
    #[error("{} bad rows; {}", .count, summary(.rows))]
    Rows { count: u64, rows: Vec<RowError> },
}

fn summary(rows: &[RowError]) -> String {
    rows.iter()
        .map(|r| format!("line {}: {}", r.line, r.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A time column's value in milliseconds.
pub fn parse_time_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<u64>() {
        return Some(if number < SECONDS_BELOW {
            number.checked_mul(1_000)?
        } else {
            number
        });
    }
    Timestamp::parse_rfc3339(text).map(Timestamp::millis)
}

struct Columns {
    time: usize,
    open: usize,
    high: usize,
    low: usize,
    close: usize,
    volume: Option<usize>,
}

fn columns(header: &csv::StringRecord) -> Result<Columns, CsvError> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let need = |names: &[&str]| {
        find(names).ok_or_else(|| {
            CsvError::File(format!(
                "the header has no `{}` column (it has: {})",
                names[0],
                header.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    Ok(Columns {
        time: need(&["time", "timestamp", "date", "open_time", "datetime"])?,
        open: need(&["open"])?,
        high: need(&["high"])?,
        low: need(&["low"])?,
        close: need(&["close"])?,
        volume: find(&["volume"]),
    })
}

/// Reads bars for `instrument` from CSV text.
pub fn read_bars(input: impl Read, instrument: &Instrument) -> Result<Vec<Bar>, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| CsvError::File(format!("cannot read the header: {e}")))?
        .clone();
    let columns = columns(&header)?;
    let mut bars = Vec::new();
    let mut errors = Vec::new();
    let mut count = 0u64;
    let mut last_time: Option<u64> = None;
    let mut record = csv::StringRecord::new();
    let mut line = 1u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(CsvError::File(format!("line {}: {e}", line + 1))),
        }
        line = record.position().map_or(line + 1, |p| p.line());
        if bars.len() >= CSV_ROWS_MAX {
            return Err(CsvError::File(format!(
                "the file holds more than {CSV_ROWS_MAX} rows"
            )));
        }
        match row(&record, &columns, instrument, last_time) {
            Ok(bar) => {
                last_time = Some(bar.open_time);
                bars.push(bar);
            }
            Err(message) => {
                // A bad row's time still orders the rows after it.
                if let Some(time) = record.get(columns.time).and_then(parse_time_ms) {
                    last_time = Some(time);
                }
                count += 1;
                if errors.len() < CSV_ERRORS_REPORTED_MAX {
                    errors.push(RowError { line, message });
                }
            }
        }
    }
    if count > 0 {
        return Err(CsvError::Rows {
            count,
            rows: errors,
        });
    }
    if bars.is_empty() {
        return Err(CsvError::File("the file holds no rows".to_string()));
    }
    Ok(bars)
}

fn row(
    record: &csv::StringRecord,
    columns: &Columns,
    instrument: &Instrument,
    after: Option<u64>,
) -> Result<Bar, String> {
    let field = |index: usize, name: &str| {
        record
            .get(index)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("no {name}"))
    };
    let time = field(columns.time, "time")?;
    let open_time = parse_time_ms(time).ok_or_else(|| format!("`{time}` is not a time"))?;
    let price = |index: usize, name: &str| {
        let text = field(index, name)?;
        instrument
            .parse_price(text)
            .map_err(|e| format!("{name} `{text}`: {e}"))
    };
    let bar = Bar {
        open_time,
        open: price(columns.open, "open")?,
        high: price(columns.high, "high")?,
        low: price(columns.low, "low")?,
        close: price(columns.close, "close")?,
        volume: match columns.volume {
            Some(index) => {
                let text = field(index, "volume")?;
                Qty::from_raw(
                    parse_decimal(text, instrument.base_scale())
                        .map_err(|e| format!("volume `{text}`: {e}"))?,
                )
            }
            None => Qty::ZERO,
        },
    };
    if !bar.is_consistent() {
        return Err("the high and low do not hold the open and close".to_string());
    }
    if after.is_some_and(|t| open_time <= t) {
        return Err(format!("`{time}` is not after the row before"));
    }
    Ok(bar)
}

/// Writes bars as CSV (the format [`read_bars`] reads, times in milliseconds).
pub fn write_bars(bars: &[Bar], instrument: &Instrument) -> String {
    let mut out = String::from("time,open,high,low,close,volume\n");
    for bar in bars {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            bar.open_time,
            instrument.format_price(bar.open),
            instrument.format_price(bar.high),
            instrument.format_price(bar.low),
            instrument.format_price(bar.close),
            instrument.format_qty(bar.volume)
        ));
    }
    out
}
