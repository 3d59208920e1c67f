//! `bourse strategies`, `bourse backtest` and `bourse sweep` on a CSV of bars: the
//! command's report is the library's result for the same bars, the HTML page holds
//! its charts, and bad input is refused with the reason.

#[path = "support/cli.rs"]
mod cli;
use cli::{TempDir, bourse};

use bourse_strategy::backtest::{BacktestConfig, FillModel, run};
use bourse_strategy::bar::{WalkSpec, random_walk};
use bourse_strategy::builtins::find;
use bourse_strategy::data::write_bars;
use bourse_strategy::params::{ParamValue, Params};
use bourse_types::{Amount, Instrument, Price};

/// BTC-USD as the embedded configuration lists it (docs/config.md).
fn btc_usd() -> Instrument {
    bourse_bench::demo_btc_usd()
}

fn bars() -> Vec<bourse_strategy::Bar> {
    random_walk(&WalkSpec {
        seed: 99,
        count: 3_000,
        start: Price::from_raw(6_500_000),
        floor: Price::from_raw(100_000),
        step_max: 9_000,
        lot: 10_000,
        start_ms: 1_767_225_600_000,
        bar_ms: 3_600_000,
    })
}

#[test]
fn a_backtest_from_the_command_line_is_the_librarys_result() {
    let temp = TempDir::new("run");
    let csv = temp.0.join("bars.csv");
    let bars = bars();
    std::fs::write(&csv, write_bars(&bars, &btc_usd())).unwrap();
    let (json, html) = (temp.0.join("out.json"), temp.0.join("report.html"));
    let (ok, out, err) = bourse(&[
        "backtest",
        "--strategy",
        "sma_crossover",
        "--param",
        "fast=8",
        "--param",
        "slow=30",
        "--data",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--report",
        html.to_str().unwrap(),
    ]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("sma_crossover on BTC-USD 1h: 3000 bars"),
        "{out}"
    );
    assert!(
        out.contains("market orders at the next open with 5 bps slippage"),
        "{out}"
    );

    let (mut strategy, _) = find("sma_crossover")
        .unwrap()
        .build(&Params::from([
            ("fast".to_string(), ParamValue::Number(8.0)),
            ("slow".to_string(), ParamValue::Number(30.0)),
        ]))
        .unwrap();
    let expected = run(
        strategy.as_mut(),
        &bars,
        &BacktestConfig {
            instrument: btc_usd(),
            bar_ms: 3_600_000,
            initial_cash: Amount::from_raw(100_000_000_000),
            fill_model: FillModel::default(),
        },
        &mut |_| true,
    )
    .unwrap();
    let result: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        result["statistics"]["final_equity"].as_i64(),
        Some(expected.statistics.final_equity)
    );
    assert_eq!(
        result["trades"].as_array().unwrap().len(),
        expected.trades.len()
    );
    assert!(expected.trades.len() > 5);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert_eq!(
        page.matches("<svg").count(),
        2,
        "an equity and a drawdown chart"
    );
    assert!(page.contains("Profit factor") && page.contains("Fill model"));
    assert!(
        !page.contains("<link") && !page.contains("src=") && !page.contains("url("),
        "the page needs nothing else"
    );
}

#[test]
fn a_sweep_ranks_and_walks_forward() {
    let temp = TempDir::new("sweep");
    let csv = temp.0.join("bars.csv");
    std::fs::write(&csv, write_bars(&bars(), &btc_usd())).unwrap();
    let (ok, out, err) = bourse(&[
        "sweep",
        "--strategy",
        "rsi_reversion",
        "--grid",
        "period=6,10,14",
        "--grid",
        "oversold=25,30",
        "--rank-by",
        "total_return",
        "--walk-forward",
        "3",
        "--threads",
        "2",
        "--data",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("6 runs over 3000 bars on 2 threads"), "{out}");
    assert!(
        out.contains("walk-forward: chosen in sample, tested out of sample"),
        "{out}"
    );
    let ranked = out.lines().filter(|l| l.contains("period=")).count();
    assert_eq!(ranked, 6 + 3, "{out}");
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let temp = TempDir::new("bad");
    let csv = temp.0.join("bars.csv");
    std::fs::write(
        &csv,
        "time,open,high,low,close\n1767225600000,100,101,99,100\n1767229200000,100,99,98,100\n",
    )
    .unwrap();
    let file = csv.to_str().unwrap();
    let refused = |args: &[&str]| {
        let (ok, out, err) = bourse(args);
        assert!(!ok, "{out}");
        err
    };
    assert!(
        refused(&["backtest", "--strategy", "sma_crossover", "--data", file])
            .contains("line 3: the high and low do not hold the open and close")
    );
    assert!(
        refused(&["backtest", "--strategy", "nope", "--data", file])
            .contains("no built-in strategy \"nope\"")
    );
    assert!(
        refused(&[
            "backtest",
            "--strategy",
            "grid",
            "--param",
            "levels=0",
            "--data",
            file
        ])
        .contains("`levels` must be a whole number from 1 to 50")
    );
    assert!(
        refused(&[
            "backtest",
            "--strategy",
            "grid",
            "--symbol",
            "XYZ-USD",
            "--data",
            file
        ])
        .contains("no instrument XYZ-USD is configured")
    );
    let empty = temp.0.join("no-venue");
    assert!(
        refused(&[
            "backtest",
            "--strategy",
            "grid",
            "--data-dir",
            empty.to_str().unwrap()
        ])
        .contains("holds no venue: give the bars with --data FILE.csv")
    );
    let good = temp.0.join("good.csv");
    std::fs::write(&good, write_bars(&bars(), &btc_usd())).unwrap();
    let good = good.to_str().unwrap();
    assert!(
        refused(&[
            "sweep",
            "--strategy",
            "grid",
            "--grid",
            "levels=2,3",
            "--rank-by",
            "luck",
            "--data",
            good
        ])
        .contains("--rank-by \"luck\" is not one of")
    );
    assert!(
        refused(&[
            "backtest",
            "--strategy",
            "grid",
            "--data",
            good,
            "--from",
            "2030-01-01"
        ])
        .contains("0 bars in the period")
    );
    let (ok, out, _) = bourse(&["strategies"]);
    assert!(ok);
    for name in [
        "sma_crossover",
        "rsi_reversion",
        "bollinger_breakout",
        "macd_trend",
        "grid",
    ] {
        assert!(out.contains(name), "{out}");
    }
}

#[test]
fn imported_candles_are_backtested_from_the_venues_database() {
    let temp = TempDir::new("import");
    let csv = temp.0.join("bars.csv");
    std::fs::write(&csv, write_bars(&bars(), &btc_usd())).unwrap();
    let data_dir = temp.0.join("data");
    let dir = data_dir.to_str().unwrap();
    let (ok, out, err) = bourse(&[
        "import",
        "candles",
        csv.to_str().unwrap(),
        "--symbol",
        "BTC-USD",
        "--timeframe",
        "1h",
        "--data-dir",
        dir,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("3000 1h bars of BTC-USD 1h"), "{out}");
    assert!(out.contains("3000 written, 0 kept as stored"), "{out}");
    // Again: every candle is there already and stays as stored.
    let (ok, out, err) = bourse(&[
        "import",
        "candles",
        csv.to_str().unwrap(),
        "--symbol",
        "BTC-USD",
        "--timeframe",
        "1h",
        "--data-dir",
        dir,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("0 written, 3000 kept as stored"), "{out}");

    // A backtest without --data reads them, and gives what the file gives.
    let run_on = |source: &[&str]| {
        let json = temp.0.join(format!("out-{}.json", source.len()));
        let mut args = vec![
            "backtest",
            "--strategy",
            "sma_crossover",
            "--param",
            "fast=8",
            "--param",
            "slow=30",
            "--timeframe",
            "1h",
            "--json",
            json.to_str().unwrap(),
        ];
        args.extend_from_slice(source);
        let (ok, out, err) = bourse(&args);
        assert!(ok, "{out}{err}");
        assert!(out.contains("3000 bars"), "{out}");
        let result: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        result["statistics"]["final_equity"].as_i64().unwrap()
    };
    assert_eq!(
        run_on(&["--data-dir", dir]),
        run_on(&["--data", csv.to_str().unwrap()])
    );

    // A file whose bars are not on the timeframe's periods is refused.
    let (ok, _, err) = bourse(&[
        "import",
        "candles",
        csv.to_str().unwrap(),
        "--symbol",
        "BTC-USD",
        "--timeframe",
        "1d",
        "--data-dir",
        dir,
    ]);
    assert!(!ok);
    assert!(err.contains("not at the start of a 1d period"), "{err}");
}
