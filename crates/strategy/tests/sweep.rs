//! Parameter sweeps: the combinations, the ranking, the same answer on any number of
//! threads, and walk-forward windows.

mod support;

use bourse_strategy::backtest::{BacktestConfig, FillModel};
use bourse_strategy::builtins::find;
use bourse_strategy::params::{ParamValue, Params};
use bourse_strategy::sweep::{
    RankBy, SWEEP_RUNS_MAX, Space, SweepSpec, WalkForward, combinations, planned_runs, sweep,
};
use support::{cash, instrument, walk};

fn numbers(name: &str, values: &[f64]) -> (String, Vec<ParamValue>) {
    (
        name.to_string(),
        values.iter().map(|v| ParamValue::Number(*v)).collect(),
    )
}

fn config() -> BacktestConfig {
    BacktestConfig {
        instrument: instrument(),
        bar_ms: support::HOUR_MS,
        initial_cash: cash(),
        fill_model: FillModel::default(),
    }
}

fn number(params: &Params, name: &str) -> f64 {
    match params[name] {
        ParamValue::Number(n) => n,
        ParamValue::Text(_) => panic!("{name} is text"),
    }
}

#[test]
fn a_grid_holds_every_combination_over_the_base() {
    let base: Params = [("average".to_string(), ParamValue::Text("ema".into()))].into();
    let sets = combinations(
        &base,
        &Space::Grid {
            values: vec![
                numbers("fast", &[5.0, 10.0]),
                numbers("slow", &[20.0, 30.0, 40.0]),
            ],
        },
    )
    .unwrap();
    let pairs: Vec<(f64, f64)> = sets
        .iter()
        .map(|p| (number(p, "fast"), number(p, "slow")))
        .collect();
    assert_eq!(
        pairs,
        [
            (5.0, 20.0),
            (5.0, 30.0),
            (5.0, 40.0),
            (10.0, 20.0),
            (10.0, 30.0),
            (10.0, 40.0)
        ]
    );
    assert!(
        sets.iter()
            .all(|p| p["average"] == ParamValue::Text("ema".into()))
    );
    let huge: Vec<f64> = (0..200).map(f64::from).collect();
    let refused = combinations(
        &Params::new(),
        &Space::Grid {
            values: vec![numbers("fast", &huge), numbers("slow", &huge)],
        },
    )
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!(
            "the grid holds 40000 combinations; at most {SWEEP_RUNS_MAX} run in one sweep (sample it instead)"
        )
    );
    let sample = |seed| {
        combinations(
            &Params::new(),
            &Space::Random {
                values: vec![numbers("fast", &huge), numbers("slow", &huge)],
                samples: 25,
                seed,
            },
        )
        .unwrap()
    };
    let drawn = sample(9);
    assert_eq!(drawn.len(), 25);
    assert_eq!(drawn, sample(9), "a seed draws the same sample");
    let distinct: std::collections::BTreeSet<String> =
        drawn.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(distinct.len(), 25, "the draws are distinct");
}

#[test]
fn a_sweep_ranks_its_runs_and_threads_do_not_change_the_answer() {
    let bars = walk(31, 4_000);
    let spec = |threads| SweepSpec {
        builtin: find("sma_crossover").unwrap(),
        base: Params::new(),
        space: Space::Grid {
            values: vec![
                numbers("fast", &[3.0, 5.0, 8.0]),
                numbers("slow", &[15.0, 25.0, 40.0]),
            ],
        },
        rank_by: RankBy::Sharpe,
        threads,
        walk_forward: None,
    };
    let one = sweep(&spec(1), &bars, &config(), &|_| true).unwrap();
    let two = sweep(&spec(2), &bars, &config(), &|_| true).unwrap();
    assert_eq!(one.rows.len(), 9);
    let scores: Vec<f64> = one
        .rows
        .iter()
        .map(|r| r.score.unwrap_or(f64::NEG_INFINITY))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let key = |o: &bourse_strategy::sweep::SweepOutcome| {
        o.rows
            .iter()
            .map(|r| (r.params.clone(), r.statistics.final_equity))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&one), key(&two));
    // The drawdown ranks lowest first.
    let by_drawdown = sweep(
        &SweepSpec {
            rank_by: RankBy::MaxDrawdown,
            ..spec(2)
        },
        &bars,
        &config(),
        &|_| true,
    )
    .unwrap();
    let drawdowns: Vec<f64> = by_drawdown
        .rows
        .iter()
        .map(|r| r.statistics.max_drawdown)
        .collect();
    assert!(drawdowns.windows(2).all(|w| w[0] <= w[1]), "{drawdowns:?}");
}

#[test]
fn walk_forward_tests_each_window_after_choosing_in_it() {
    let bars = walk(37, 6_000);
    let highest = std::sync::atomic::AtomicU64::new(0);
    let calls = std::sync::atomic::AtomicU64::new(0);
    let outcome = sweep(
        &SweepSpec {
            builtin: find("rsi_reversion").unwrap(),
            base: Params::new(),
            space: Space::Grid {
                values: vec![
                    numbers("period", &[6.0, 10.0, 14.0]),
                    numbers("oversold", &[25.0, 35.0]),
                ],
            },
            rank_by: RankBy::TotalReturn,
            threads: 2,
            walk_forward: Some(WalkForward {
                windows: 3,
                in_sample: 0.7,
            }),
        },
        &bars,
        &config(),
        &|done| {
            highest.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            true
        },
    )
    .unwrap();
    // Progress counts every run once, up to the planned number: 6 sets over all the
    // bars, then per window 6 in sample and 1 out of sample.
    let planned = planned_runs(
        6,
        Some(WalkForward {
            windows: 3,
            in_sample: 0.7,
        }),
    );
    assert_eq!(planned, 6 + 3 * 6 + 3);
    assert_eq!(highest.into_inner(), planned);
    assert_eq!(calls.into_inner(), planned);
    assert_eq!(outcome.windows.len(), 3);
    for (i, window) in outcome.windows.iter().enumerate() {
        assert_eq!(window.in_sample_from_ms, bars[i * 2_000].open_time);
        assert_eq!(
            window.out_of_sample_from_ms,
            bars[i * 2_000 + 1_400].open_time
        );
        assert!(window.out_of_sample_to_ms > window.out_of_sample_from_ms);
        // The chosen set is the in-sample window's best by total return.
        assert!(window.in_sample.total_return.is_finite());
    }
}

#[test]
fn a_bad_set_fails_the_sweep_before_anything_runs() {
    let bars = walk(41, 500);
    let ran = std::sync::atomic::AtomicU64::new(0);
    let refused = sweep(
        &SweepSpec {
            builtin: find("sma_crossover").unwrap(),
            base: Params::new(),
            space: Space::Grid {
                values: vec![numbers("fast", &[5.0, 50.0]), numbers("slow", &[20.0])],
            },
            rank_by: RankBy::Sharpe,
            threads: 2,
            walk_forward: None,
        },
        &bars,
        &config(),
        &|_| {
            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            true
        },
    )
    .unwrap_err();
    assert_eq!(refused.to_string(), "`fast` must be shorter than `slow`");
    assert_eq!(ran.load(std::sync::atomic::Ordering::Relaxed), 0);
}
