//! The built-in strategies: their parameters, that they trade, and that none of them
//! can see the future: changing any bar never changes a decision made before it.

mod support;

use bourse_strategy::backtest::{BacktestConfig, BacktestOutcome, Decision, FillModel, run};
use bourse_strategy::builtins::{BUILTINS, find};
use bourse_strategy::params::{ParamValue, Params};
use bourse_strategy::strategy::Action;
use bourse_types::{Price, Rng};
use support::{cash, instrument, walk};

fn params(pairs: &[(&str, f64)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), ParamValue::Number(*v)))
        .collect()
}

fn backtest(name: &str, given: &Params, bars: &[bourse_strategy::Bar]) -> BacktestOutcome {
    let (mut strategy, _) = find(name).unwrap().build(given).unwrap();
    let config = BacktestConfig {
        instrument: instrument(),
        bar_ms: support::HOUR_MS,
        initial_cash: cash(),
        fill_model: FillModel::default(),
    };
    run(strategy.as_mut(), bars, &config, &mut |_| true).unwrap()
}

/// Parameters that make each built-in trade often on the test walk.
fn lively(name: &str) -> Params {
    match name {
        "sma_crossover" => params(&[("fast", 5.0), ("slow", 20.0), ("stop_loss_pct", 2.0)]),
        "rsi_reversion" => params(&[("period", 6.0), ("take_profit_pct", 1.5)]),
        "bollinger_breakout" => params(&[("period", 15.0), ("deviations", 1.5)]),
        "macd_trend" => params(&[("fast", 6.0), ("slow", 19.0), ("signal", 5.0)]),
        "grid" => params(&[("levels", 4.0), ("spacing_pct", 0.3)]),
        other => panic!("no parameters for {other}"),
    }
}

#[test]
fn every_built_in_trades_on_a_random_walk() {
    let bars = walk(11, 3_000);
    for builtin in BUILTINS {
        let outcome = backtest(builtin.name, &lively(builtin.name), &bars);
        assert!(
            outcome.trades.len() >= 3,
            "{} closed {} trades",
            builtin.name,
            outcome.trades.len()
        );
        assert!(
            !outcome.signals.is_empty(),
            "{} gave no signal",
            builtin.name
        );
        assert_eq!(outcome.rejected, 0, "{} had orders refused", builtin.name);
        // Money is conserved: the final equity is the start plus every trade's result
        // plus what the open position is worth against what it cost.
        let closed: i64 = outcome.trades.iter().map(|t| t.pnl).sum();
        if outcome.final_position.is_zero() {
            assert_eq!(
                outcome.statistics.final_equity,
                outcome.statistics.start_equity + closed,
                "{}",
                builtin.name
            );
        }
    }
}

#[test]
fn signals_carry_stops_and_the_indicators_behind_them() {
    let bars = walk(11, 3_000);
    let outcome = backtest(
        "sma_crossover",
        &params(&[
            ("fast", 5.0),
            ("slow", 20.0),
            ("stop_loss_pct", 2.0),
            ("take_profit_pct", 4.0),
        ]),
        &bars,
    );
    let (_, buy) = outcome
        .signals
        .iter()
        .find(|(_, s)| s.side == bourse_strategy::signal::SignalSide::Buy)
        .unwrap();
    let names: Vec<&str> = buy.indicators.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fast", "slow"]);
    let (stop, target) = (buy.stop_loss.unwrap(), buy.take_profit.unwrap());
    assert!(stop < buy.entry && buy.entry < target);
    // 4% up against 2% down, give or take the ticks.
    assert!((buy.risk_reward().unwrap() - 2.0).abs() < 0.01);
    assert!((0.0..=1.0).contains(&buy.confidence));
}

#[test]
fn parameters_are_checked_against_each_built_in() {
    let refused = |name: &str, given: &[(&str, f64)]| {
        find(name)
            .unwrap()
            .build(&params(given))
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        refused("sma_crossover", &[("fast", 30.0), ("slow", 10.0)]),
        "`fast` must be shorter than `slow`"
    );
    assert_eq!(
        refused("rsi_reversion", &[("oversold", 60.0)]),
        "`oversold` must be a number from 1 to 50"
    );
    assert_eq!(
        refused("grid", &[("stop_loss_pct", 1.0)]),
        "unknown parameter `stop_loss_pct`"
    );
    assert!(find("no_such_strategy").is_none());
    for builtin in BUILTINS {
        let (_, resolved) = builtin.build(&Params::new()).unwrap();
        assert_eq!(
            resolved.values().len(),
            builtin.params.len(),
            "{}",
            builtin.name
        );
    }
}

/// The decisions made in or after bars before `bar`.
fn before(decisions: &[Decision], bar: u64) -> Vec<&Decision> {
    decisions.iter().filter(|d| d.bar < bar).collect()
}

#[test]
fn no_built_in_sees_a_bar_before_it_closes() {
    let bars = walk(23, 2_000);
    let mut rng = Rng::new(5);
    for builtin in BUILTINS {
        let given = lively(builtin.name);
        let base = backtest(builtin.name, &given, &bars);
        assert!(base.decisions.len() > 10, "{} decided little", builtin.name);
        assert!(
            base.decisions
                .iter()
                .any(|d| matches!(d.action, Action::Place { .. }))
        );
        let mut futures_mattered = 0;
        for _ in 0..6 {
            // Rewrite every bar from `cut` on (a different future), and also only the
            // bar at `cut` itself.
            let cut = rng.between(50, bars.len() as u64 - 2) as usize;
            let mut future = bars.clone();
            for (i, bar) in future.iter_mut().enumerate().skip(cut) {
                let shift = rng.between(0, 400);
                let up = i % 2 == 0;
                let move_by = |p: Price| {
                    Price::from_raw(if up {
                        p.raw() + shift
                    } else {
                        p.raw().saturating_sub(shift).max(100)
                    })
                };
                bar.open = move_by(bar.open);
                bar.close = move_by(bar.close);
                bar.high = move_by(bar.high).max(bar.open).max(bar.close);
                bar.low = move_by(bar.low).min(bar.open).min(bar.close);
            }
            let changed = backtest(builtin.name, &given, &future);
            assert_eq!(
                before(&base.decisions, cut as u64),
                before(&changed.decisions, cut as u64),
                "{}: a decision before bar {cut} changed with the bars after it",
                builtin.name
            );
            assert_eq!(
                base.equity[..=cut],
                changed.equity[..=cut],
                "{}: the equity before bar {cut} changed",
                builtin.name
            );
            if changed.decisions != base.decisions {
                futures_mattered += 1;
            }
        }
        // The test has teeth: a different future did change later decisions.
        assert!(
            futures_mattered > 0,
            "{}: the bars changed nothing",
            builtin.name
        );
    }
}
