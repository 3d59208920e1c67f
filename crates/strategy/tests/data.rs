//! OHLCV CSV files: what is read, and how bad rows are reported.

mod support;

use bourse_strategy::data::{CsvError, RowError, read_bars, write_bars};
use support::{instrument, usd, walk};

#[test]
fn written_bars_read_back_the_same() {
    let bars = walk(3, 500);
    let text = write_bars(&bars, &instrument());
    assert_eq!(read_bars(text.as_bytes(), &instrument()).unwrap(), bars);
}

#[test]
fn times_in_seconds_milliseconds_or_rfc_3339_and_columns_in_any_order() {
    let text = "Date,Close,Open,High,Low\n\
                2026-01-01T00:00:00Z,100.5,100,101,99.5\n\
                1767229200,101,100.5,101.25,100\n\
                1767232800000,100.75,101,101.5,100.50\n";
    let bars = read_bars(text.as_bytes(), &instrument()).unwrap();
    assert_eq!(
        bars.iter().map(|b| b.open_time).collect::<Vec<_>>(),
        [1_767_225_600_000, 1_767_229_200_000, 1_767_232_800_000]
    );
    assert_eq!(
        (bars[0].open, bars[0].close, bars[2].low),
        (usd(100, 0), usd(100, 50), usd(100, 50))
    );
    assert!(bars.iter().all(|b| b.volume.is_zero()));
}

#[test]
fn every_bad_row_is_reported_with_its_line_and_nothing_is_read() {
    let text = "time,open,high,low,close,volume\n\
                1767225600000,100,101,99,100,1.5\n\
                1767229200000,100.123,101,99,100,1\n\
                1767232800000,100,99,98,100,1\n\
                1767232800000,100,101,99,100,1\n\
                yesterday,100,101,99,100,1\n\
                1767240000000,100,101,99,100,0.000000001\n\
                1767243600000,100,101,99,,1\n\
                1767247200000,100,101,99,100,2\n";
    let refused = read_bars(text.as_bytes(), &instrument()).unwrap_err();
    let CsvError::Rows { count, rows } = &refused else {
        panic!("{refused}");
    };
    assert_eq!(*count, 6);
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8]);
    assert_eq!(
        rows[0],
        RowError {
            line: 3,
            message: "open `100.123`: value has more than 2 decimal places".to_string()
        }
    );
    assert_eq!(
        rows[1].message,
        "the high and low do not hold the open and close"
    );
    assert_eq!(
        rows[2].message,
        "`1767232800000` is not after the row before"
    );
    assert_eq!(rows[3].message, "`yesterday` is not a time");
    assert_eq!(
        rows[4].message,
        "volume `0.000000001`: value has more than 8 decimal places"
    );
    assert_eq!(rows[5].message, "no close");
    assert!(
        refused
            .to_string()
            .starts_with("6 bad rows; line 3: open `100.123`")
    );
}

#[test]
fn a_file_without_the_columns_or_rows_is_refused() {
    let missing =
        read_bars("time,open,high,close\n1,1,1,1\n".as_bytes(), &instrument()).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "the header has no `low` column (it has: time, open, high, close)"
    );
    let empty = read_bars("time,open,high,low,close\n".as_bytes(), &instrument()).unwrap_err();
    assert_eq!(empty.to_string(), "the file holds no rows");
}
