//! The backtester's speed: SMA crossover over generated 1-minute bars on one thread,
//! beside the floor of the same two averages with no backtester; a parameter sweep on
//! one thread and on every core; and the same strategy over the same CSV in
//! backtesting.py (installed into a virtual environment by this benchmark) with the
//! speed ratio and the two trade lists compared.
//!
//! Run with `cargo bench -p bourse-bench --bench backtest`. Options: `--bars N`
//! (default 10,000,000) for the single-thread run, `--sweep-bars N` (default 1,000,000)
//! and `--sweep-sets N` (default 8) for the sweep, `--peer-bars N` (default 200,000;
//! 0 skips the comparison) for backtesting.py, `--runs R` (default 3, the median is
//! printed), `--keep DIR` to keep the comparison's CSV and both trade lists in `DIR`.

use bourse_strategy::backtest::{BacktestConfig, FillModel, run};
use bourse_strategy::bar::{WalkSpec, random_walk};
use bourse_strategy::builtins::find;
use bourse_strategy::data::write_bars;
use bourse_strategy::indicators::{Indicator, Sma};
use bourse_strategy::params::{ParamValue, Params};
use bourse_strategy::sweep::{RankBy, Space, SweepSpec, sweep};
use bourse_strategy::{Bar, rounding};
use bourse_types::{Amount, Instrument, Price, Side};
use std::path::Path;
use std::process::Command as Process;
use std::time::Instant;

const MINUTE_MS: u64 = 60_000;
const FAST: f64 = 10.0;
const SLOW: f64 = 30.0;
/// What backtesting.py is pinned to (and what it brings).
const PEER_PACKAGE: &str = "backtesting==0.6.6";

fn instrument() -> Instrument {
    bourse_bench::demo_btc_usd()
}

fn bars(count: usize) -> Vec<Bar> {
    random_walk(&WalkSpec {
        seed: 2026,
        count,
        start: Price::from_raw(10_000),
        floor: Price::from_raw(1_000),
        step_max: 12,
        lot: 10_000,
        start_ms: 1_767_225_600_000,
        bar_ms: MINUTE_MS,
    })
}

fn config(slippage_bps: u32) -> BacktestConfig {
    BacktestConfig {
        instrument: instrument(),
        bar_ms: MINUTE_MS,
        initial_cash: Amount::from_raw(100_000_000_000),
        fill_model: FillModel {
            slippage_bps,
            touch: false,
        },
    }
}

fn crossover_params() -> Params {
    Params::from([
        ("fast".to_string(), ParamValue::Number(FAST)),
        ("slow".to_string(), ParamValue::Number(SLOW)),
    ])
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut count = 10_000_000usize;
    let mut sweep_bars = 1_000_000usize;
    let mut sweep_sets = 8usize;
    let mut peer_bars = 200_000usize;
    let mut runs = 3usize;
    let mut keep: Option<std::path::PathBuf> = None;
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let number = || {
            args.get(i + 1)
                .and_then(|v| v.replace('_', "").parse::<usize>().ok())
        };
        match args[i].as_str() {
            "--bars" => count = number().expect("--bars N"),
            "--sweep-bars" => sweep_bars = number().expect("--sweep-bars N"),
            "--sweep-sets" => sweep_sets = number().expect("--sweep-sets N").max(1),
            "--peer-bars" => peer_bars = number().expect("--peer-bars N"),
            "--runs" => runs = number().expect("--runs R").max(1),
            "--keep" => keep = Some(args.get(i + 1).expect("--keep DIR").into()),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }

    let started = Instant::now();
    let series = bars(count);
    println!(
        "generated {count} 1-minute bars in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let instrument = instrument();

    // The floor: the two averages over the closes, nothing else.
    let mut floor = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let (mut fast, mut slow) = (
            Sma::new(FAST as usize).unwrap(),
            Sma::new(SLOW as usize).unwrap(),
        );
        let mut crossings = 0u64;
        let mut above = false;
        for bar in &series {
            let close = rounding::to_f64(bar.close.raw(), instrument.price_scale());
            if let (Some(f), Some(s)) = (fast.update(close), slow.update(close))
                && (f > s) != above
            {
                crossings += 1;
                above = f > s;
            }
        }
        std::hint::black_box(crossings);
        floor.push(count as f64 / started.elapsed().as_secs_f64());
    }
    let mut backtests = Vec::new();
    let mut trades = 0;
    for _ in 0..runs {
        let (mut strategy, _) = find("sma_crossover")
            .unwrap()
            .build(&crossover_params())
            .unwrap();
        let started = Instant::now();
        let outcome = run(strategy.as_mut(), &series, &config(5), &mut |_| true).unwrap();
        backtests.push(count as f64 / started.elapsed().as_secs_f64());
        trades = outcome.statistics.trades;
    }
    let (floor, backtest) = (median(floor), median(backtests));
    println!("== SMA crossover ({FAST}/{SLOW}) over {count} bars, one thread, median of {runs}");
    println!("   the two averages alone:   {:>12.0} bars/s", floor);
    println!(
        "   the whole backtest:       {:>12.0} bars/s ({:.0}% of the averages alone; {trades} trades)",
        backtest,
        backtest / floor * 100.0
    );

    // The sweep: the same sets on one thread and on every core.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let sweep_series = &series[..sweep_bars.min(series.len())];
    let fasts: Vec<ParamValue> = (0..sweep_sets)
        .map(|k| ParamValue::Number(5.0 + k as f64))
        .collect();
    let timed = |threads: usize| {
        let started = Instant::now();
        let outcome = sweep(
            &SweepSpec {
                builtin: find("sma_crossover").unwrap(),
                base: Params::new(),
                space: Space::Grid {
                    values: vec![("fast".to_string(), fasts.clone())],
                },
                rank_by: RankBy::Sharpe,
                threads,
                walk_forward: None,
            },
            sweep_series,
            &config(5),
            &|_| true,
        )
        .unwrap();
        (started.elapsed().as_secs_f64(), outcome.rows.len())
    };
    let (one, sets) = timed(1);
    let (all, _) = timed(cores);
    println!(
        "== sweep: {sets} parameter sets over {} bars",
        sweep_series.len()
    );
    println!(
        "   one thread:  {one:>8.3} s ({:.0} bars/s)",
        (sets * sweep_series.len()) as f64 / one
    );
    println!(
        "   {cores} threads:   {all:>8.3} s ({:.0} bars/s), speed-up {:.2}x",
        (sets * sweep_series.len()) as f64 / all,
        one / all
    );

    if peer_bars > 0 {
        compare_with_backtesting_py(
            &series[..peer_bars.min(series.len())],
            &instrument,
            keep.as_deref(),
        );
    }
}

/// Our trades as (entry ms, exit ms, entry price, exit price).
fn round_trips(
    fills: &[bourse_strategy::portfolio::Fill],
    instrument: &Instrument,
) -> Vec<(u64, u64, String, String)> {
    let mut trips = Vec::new();
    let mut entry = None;
    for fill in fills {
        match (fill.side, entry) {
            (Side::Buy, None) => entry = Some(*fill),
            (Side::Sell, Some(buy)) => {
                trips.push((
                    buy.time_ms,
                    fill.time_ms,
                    instrument.format_price(buy.price),
                    instrument.format_price(fill.price),
                ));
                entry = None;
            }
            _ => {}
        }
    }
    trips
}

/// What the backtesting.py script answers.
#[derive(serde::Deserialize)]
struct Peer {
    seconds: f64,
    trades: Vec<(u64, u64, String, String)>,
}

fn compare_with_backtesting_py(series: &[Bar], instrument: &Instrument, keep: Option<&Path>) {
    let dir = std::env::temp_dir().join(format!("bourse-bench-backtest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("bars.csv");
    std::fs::write(&csv, write_bars(series, instrument)).unwrap();
    let venv = std::env::var_os("BOURSE_BENCH_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("bourse-bench-venv"));
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Process::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status();
        if !made.is_ok_and(|s| s.success()) {
            println!("== backtesting.py: skipped (python3 -m venv failed)");
            return;
        }
    }
    let installed = Process::new(venv.join("bin/pip"))
        .args(["install", "--quiet", PEER_PACKAGE])
        .status();
    if !installed.is_ok_and(|s| s.success()) {
        println!("== backtesting.py: skipped ({PEER_PACKAGE} did not install)");
        return;
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench/backtesting_py.py");
    let output = Process::new(&python)
        .arg(&script)
        .arg(&csv)
        .arg((FAST as u64).to_string())
        .arg((SLOW as u64).to_string())
        .output()
        .expect("running backtesting.py");
    let _ = std::fs::remove_dir_all(&dir);
    if !output.status.success() {
        println!(
            "== backtesting.py: failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    let peer: Peer = match serde_json::from_slice(&output.stdout) {
        Ok(peer) => peer,
        Err(error) => {
            println!("== backtesting.py: unreadable answer: {error}");
            return;
        }
    };
    // Ours, with no slippage, as backtesting.py fills.
    let (mut strategy, _) = find("sma_crossover")
        .unwrap()
        .build(&crossover_params())
        .unwrap();
    let started = Instant::now();
    let ours = run(strategy.as_mut(), series, &config(0), &mut |_| true).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let our_trips = round_trips(&ours.fills, instrument);
    if let Some(keep) = keep {
        std::fs::create_dir_all(keep).unwrap();
        std::fs::write(keep.join("bars.csv"), write_bars(series, instrument)).unwrap();
        std::fs::write(
            keep.join("bourse-trades.json"),
            serde_json::to_vec(&our_trips).unwrap(),
        )
        .unwrap();
        std::fs::write(
            keep.join("peer-trades.json"),
            serde_json::to_vec(&peer.trades).unwrap(),
        )
        .unwrap();
    }
    let same = our_trips
        .iter()
        .zip(&peer.trades)
        .take_while(|(a, b)| a == b)
        .count();
    println!(
        "== the same strategy over the same {} bars in backtesting.py ({PEER_PACKAGE})",
        series.len()
    );
    println!(
        "   Bourse:          {seconds:>9.4} s ({:.0} bars/s), {} trades",
        series.len() as f64 / seconds,
        our_trips.len()
    );
    println!(
        "   backtesting.py:  {:>9.4} s ({:.0} bars/s), {} trades",
        peer.seconds,
        series.len() as f64 / peer.seconds,
        peer.trades.len()
    );
    println!("   speed ratio:     {:.0}x", peer.seconds / seconds);
    println!(
        "   trade lists:     the first {same} of {} trades are identical (entry and exit time and price)",
        our_trips.len().max(peer.trades.len())
    );
    let peer_set: std::collections::BTreeSet<&(u64, u64, String, String)> =
        peer.trades.iter().collect();
    let shared = our_trips.iter().filter(|t| peer_set.contains(t)).count();
    println!("   in both lists:   {shared} trades");
    if let Some((a, b)) = our_trips.iter().zip(&peer.trades).find(|(a, b)| a != b) {
        println!("   first difference: Bourse {a:?}, backtesting.py {b:?}");
        // Which tool saw the cross: judged exactly, on the integer closes.
        let decided = |fill_ms: u64| {
            series
                .iter()
                .position(|b| b.open_time == fill_ms)
                .map(|i| i - 1)
        };
        for (who, fill) in [("Bourse", a.0), ("backtesting.py", b.0)] {
            if let Some(k) = decided(fill) {
                println!(
                    "   {who} entered after bar {k}: exactly, the fast average was {} the slow one there and {} it the bar before",
                    relation(series, k),
                    relation(series, k - 1)
                );
            }
        }
    }
    let ties = (SLOW as usize..series.len())
        .filter(|&k| relation(series, k) == "equal to")
        .count();
    println!(
        "   bars where the two averages are exactly equal: {ties} (floating point breaks each tie its own way)"
    );
}

/// The fast average against the slow one at bar `k`, in exact integer arithmetic.
fn relation(series: &[Bar], k: usize) -> &'static str {
    let (fast, slow) = (FAST as usize, SLOW as usize);
    if k + 1 < slow {
        return "undefined against";
    }
    let sum = |n: usize| -> u128 {
        series[k + 1 - n..=k]
            .iter()
            .map(|b| u128::from(b.close.raw()))
            .sum()
    };
    match (sum(fast) * slow as u128).cmp(&(sum(slow) * fast as u128)) {
        std::cmp::Ordering::Less => "below",
        std::cmp::Ordering::Equal => "equal to",
        std::cmp::Ordering::Greater => "above",
    }
}
