//! Bourse's indicators against TA-Lib's values for the same series
//! (tests/data/talib_reference.json, made by scripts/strategy/talib-reference), with
//! the same warm-up; and the streaming and series forms agreeing on every value.

use bourse_strategy::indicators::{
    Atr, Bollinger, Ema, Indicator, Macd, Obv, Ohlcv, Rsi, Sma, Stochastic, Vwap, Wma, over,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// TA-Lib and Bourse add the same numbers in the same order almost everywhere; what
/// differs is the order of a few additions, worth a few units in the last places.
const RELATIVE_TOLERANCE: f64 = 1e-9;

struct Reference {
    bars: Vec<Ohlcv>,
    cases: Vec<Value>,
}

fn reference() -> Reference {
    let text = include_str!("data/talib_reference.json");
    let json: Value = serde_json::from_str(text).unwrap();
    let bars = json["bars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| Ohlcv {
            time_ms: b["time_ms"].as_u64().unwrap(),
            open: b["open"].as_f64().unwrap(),
            high: b["high"].as_f64().unwrap(),
            low: b["low"].as_f64().unwrap(),
            close: b["close"].as_f64().unwrap(),
            volume: b["volume"].as_f64().unwrap(),
        })
        .collect();
    Reference {
        bars,
        cases: json["cases"].as_array().unwrap().clone(),
    }
}

fn param(case: &Value, name: &str) -> usize {
    case["params"][name].as_u64().unwrap() as usize
}

fn expected(case: &Value, output: &str) -> Vec<Option<f64>> {
    case["outputs"][output]
        .as_array()
        .unwrap_or_else(|| panic!("no output {output}"))
        .iter()
        .map(Value::as_f64)
        .collect()
}

/// Runs `make()` over the inputs twice, streaming and as a series after a reset, checks
/// the two agree exactly, and answers the values.
fn run<I: Indicator>(make: impl Fn() -> I, inputs: &[I::Input]) -> Vec<Option<I::Output>>
where
    I::Output: PartialEq + std::fmt::Debug,
{
    let mut streaming = make();
    let mut streamed = Vec::with_capacity(inputs.len());
    for input in inputs {
        streamed.push(streaming.update(*input));
    }
    let mut series = make();
    // Used once and reset, it must be as good as new.
    let _ = over(&mut series, &inputs[..inputs.len() / 3]);
    series.reset();
    let whole = over(&mut series, inputs);
    assert_eq!(streamed, whole, "streaming and series forms disagree");
    let first = streamed.iter().position(Option::is_some);
    assert_eq!(
        first.map(|i| i + 1),
        Some(make().warm_up()),
        "warm-up is not as stated"
    );
    streamed
}

fn compare(label: &str, ours: &[Option<f64>], theirs: &[Option<f64>]) {
    assert_eq!(ours.len(), theirs.len(), "{label}: lengths");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        match (a, b) {
            (None, None) => {}
            (Some(a), Some(b)) => assert!(
                (a - b).abs() <= RELATIVE_TOLERANCE * b.abs().max(1.0),
                "{label}[{i}]: {a} against TA-Lib's {b}"
            ),
            _ => panic!("{label}[{i}]: {a:?} against TA-Lib's {b:?} (warm-up differs)"),
        }
    }
}

#[test]
fn every_indicator_agrees_with_ta_lib() {
    let reference = reference();
    let bars = &reference.bars;
    let closes: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for case in &reference.cases {
        let name = case["indicator"].as_str().unwrap();
        let label = format!("{name} {}", case["params"]);
        match name {
            "sma" => {
                let ours = run(|| Sma::new(param(case, "period")).unwrap(), &closes);
                compare(&label, &ours, &expected(case, "value"));
            }
            "ema" => {
                let ours = run(|| Ema::new(param(case, "period")).unwrap(), &closes);
                compare(&label, &ours, &expected(case, "value"));
            }
            "wma" => {
                let ours = run(|| Wma::new(param(case, "period")).unwrap(), &closes);
                compare(&label, &ours, &expected(case, "value"));
            }
            "rsi" => {
                let ours = run(|| Rsi::new(param(case, "period")).unwrap(), &closes);
                compare(&label, &ours, &expected(case, "value"));
            }
            "atr" => {
                let ours = run(|| Atr::new(param(case, "period")).unwrap(), bars);
                compare(&label, &ours, &expected(case, "value"));
            }
            "macd" => {
                let make = || {
                    Macd::new(
                        param(case, "fast"),
                        param(case, "slow"),
                        param(case, "signal"),
                    )
                    .unwrap()
                };
                let ours = run(make, &closes);
                let part = |f: fn(&bourse_strategy::indicators::MacdValue) -> f64| {
                    ours.iter().map(|v| v.as_ref().map(f)).collect::<Vec<_>>()
                };
                compare(&label, &part(|v| v.macd), &expected(case, "macd"));
                compare(&label, &part(|v| v.signal), &expected(case, "signal"));
                compare(&label, &part(|v| v.histogram), &expected(case, "histogram"));
            }
            "bollinger" => {
                let up = case["params"]["up"].as_f64().unwrap();
                let down = case["params"]["down"].as_f64().unwrap();
                let ours = run(
                    || Bollinger::new(param(case, "period"), up, down).unwrap(),
                    &closes,
                );
                let part = |f: fn(&bourse_strategy::indicators::Bands) -> f64| {
                    ours.iter().map(|v| v.as_ref().map(f)).collect::<Vec<_>>()
                };
                compare(&label, &part(|b| b.upper), &expected(case, "upper"));
                compare(&label, &part(|b| b.middle), &expected(case, "middle"));
                compare(&label, &part(|b| b.lower), &expected(case, "lower"));
            }
            "stochastic" => {
                let make = || {
                    Stochastic::new(
                        param(case, "fast_k"),
                        param(case, "slow_k"),
                        param(case, "slow_d"),
                    )
                    .unwrap()
                };
                let ours = run(make, bars);
                let k: Vec<_> = ours.iter().map(|v| v.map(|v| v.k)).collect();
                let d: Vec<_> = ours.iter().map(|v| v.map(|v| v.d)).collect();
                compare(&label, &k, &expected(case, "k"));
                compare(&label, &d, &expected(case, "d"));
            }
            "obv" => {
                let ours = run(Obv::new, bars);
                compare(&label, &ours, &expected(case, "value"));
            }
            "vwap" => {
                let session = case["params"]["session_ms"].as_u64().unwrap();
                let ours = run(|| Vwap::new(session).unwrap(), bars);
                compare(&label, &ours, &expected(case, "value"));
            }
            other => panic!("no test for the reference's {other}"),
        }
        *checked.entry(name.to_string()).or_default() += 1;
    }
    let names: Vec<&str> = checked.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "atr",
            "bollinger",
            "ema",
            "macd",
            "obv",
            "rsi",
            "sma",
            "stochastic",
            "vwap",
            "wma"
        ]
    );
}

#[test]
fn the_quiet_stretch_gives_ta_libs_answers_for_no_movement() {
    // Thirty bars where nothing moved (200..230). RSI holds its last value, since
    // Wilder's averages of gains and losses decay together; the bands close on the
    // average once the window holds only the quiet bars; the stochastic's empty range
    // reads 0.
    let reference = reference();
    let closes: Vec<f64> = reference.bars.iter().map(|b| b.close).collect();
    let rsi = run(|| Rsi::new(14).unwrap(), &closes);
    let held = rsi[200].unwrap();
    assert!(
        rsi[200..229]
            .iter()
            .all(|v| (v.unwrap() - held).abs() < 1e-9)
    );
    let bands = run(|| Bollinger::new(10, 2.0, 2.0).unwrap(), &closes);
    for quiet in &bands[209..230] {
        let quiet = quiet.unwrap();
        assert_eq!((quiet.upper, quiet.lower), (quiet.middle, quiet.middle));
    }
    // (The averages of %K are running sums, so "0" carries their rounding.)
    let stochastic = run(|| Stochastic::new(5, 3, 3).unwrap(), &reference.bars);
    let quiet = stochastic[225].unwrap();
    assert!(quiet.k.abs() < 1e-9 && quiet.d.abs() < 1e-9, "{quiet:?}");
}

#[test]
fn parameters_out_of_range_are_refused_with_their_name() {
    assert_eq!(
        Sma::new(0).unwrap_err().to_string(),
        "period must be between 1 and 10000, not 0"
    );
    assert!(Rsi::new(1).is_err());
    assert_eq!(
        Macd::new(26, 12, 9).unwrap_err().to_string(),
        "the fast period must be shorter than the slow period"
    );
    assert!(Bollinger::new(20, f64::NAN, 2.0).is_err());
    assert!(Stochastic::new(5, 0, 3).is_err());
    assert!(Vwap::new(0).is_err());
    assert!(Ema::new(10_001).is_err());
}
