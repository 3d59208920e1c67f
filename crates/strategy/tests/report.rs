//! The report's statistics on equity curves checked by hand (the arithmetic for each
//! expected value is written beside it).

use bourse_strategy::report::{
    ClosedTrade, EquityPoint, RunRecord, Statistics, YEAR_MS, drawdown_curve,
};

const DAY_MS: u64 = 86_400_000;

fn curve(bar_ms: u64, values: &[i64]) -> Vec<EquityPoint> {
    values
        .iter()
        .enumerate()
        .map(|(i, &equity)| EquityPoint {
            time_ms: i as u64 * bar_ms,
            equity,
        })
        .collect()
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} is not {expected}"
    );
}

fn close_some(actual: Option<f64>, expected: f64) {
    close(
        actual.unwrap_or_else(|| panic!("undefined, not {expected}")),
        expected,
    );
}

#[test]
fn flat_equity_without_trades_has_defined_values() {
    let equity = curve(DAY_MS, &[1_000, 1_000, 1_000]);
    let stats = Statistics::of(&RunRecord {
        equity: &equity,
        trades: &[],
        bars_in_market: 0,
        bars: 3,
        bar_ms: DAY_MS,
        first_close: 100.0,
        last_close: 100.0,
    });
    assert_eq!(
        stats,
        Statistics {
            start_equity: 1_000,
            final_equity: 1_000,
            total_return: 0.0,
            cagr: 0.0,
            // Zero volatility: the ratios are undefined, not NaN.
            sharpe: None,
            sortino: None,
            calmar: None,
            max_drawdown: 0.0,
            max_drawdown_start_ms: None,
            max_drawdown_end_ms: None,
            max_drawdown_duration_ms: 0,
            trades: 0,
            win_rate: None,
            profit_factor: None,
            expectancy: None,
            sqn: None,
            exposure: 0.0,
            average_trade: None,
            best_trade: None,
            worst_trade: None,
            average_holding_ms: None,
            fees: 0,
            buy_and_hold_return: 0.0,
        }
    );
    assert_eq!(drawdown_curve(&equity), [0.0, 0.0, 0.0]);
}

#[test]
fn one_winning_trade_over_a_year() {
    // Four points a third of a year apart: the run lasts exactly one year.
    let bar = (YEAR_MS / 3.0) as u64;
    let equity = curve(bar, &[10_000, 11_000, 9_900, 12_100]);
    let trade = ClosedTrade {
        entry_ms: 0,
        exit_ms: 3 * bar,
        entry_value: 10_000,
        pnl: 2_100,
        fees: 20,
    };
    let stats = Statistics::of(&RunRecord {
        equity: &equity,
        trades: &[trade],
        bars_in_market: 3,
        bars: 4,
        bar_ms: bar,
        first_close: 100.0,
        last_close: 130.0,
    });
    // 12,100 / 10,000 - 1.
    close(stats.total_return, 0.21);
    // One year: the compound annual rate is the total return.
    close(stats.cagr, 0.21);
    // Per-bar returns 0.1, -0.1, 0.2222..: mean 0.074074, sample deviation 0.162668,
    // three bars a year: 0.074074 / 0.162668 * sqrt(3).
    close_some(stats.sharpe, 0.788_723_006_725_099_1);
    // Downside deviation sqrt((0 + 0.01 + 0) / 3) = 0.057735: 0.074074 / 0.057735 *
    // sqrt(3) = 20 / 9.
    close_some(stats.sortino, 20.0 / 9.0);
    // From the peak of 11,000 to 9,900: a tenth, from bar 1 to bar 2, under water
    // until bar 3.
    close(stats.max_drawdown, 0.1);
    assert_eq!(
        (
            stats.max_drawdown_start_ms,
            stats.max_drawdown_end_ms,
            stats.max_drawdown_duration_ms
        ),
        (Some(bar), Some(2 * bar), 2 * bar)
    );
    // 0.21 / 0.1.
    close_some(stats.calmar, 2.1);
    assert_eq!(stats.trades, 1);
    close_some(stats.win_rate, 1.0);
    // No losing trade: the profit factor is undefined.
    assert_eq!(stats.profit_factor, None);
    // 2,100 on 10,000.
    close_some(stats.expectancy, 0.21);
    // One trade has no deviation.
    assert_eq!(stats.sqn, None);
    close(stats.exposure, 0.75);
    assert_eq!(
        (
            stats.average_trade,
            stats.best_trade,
            stats.worst_trade,
            stats.average_holding_ms,
            stats.fees
        ),
        (Some(2_100), Some(2_100), Some(2_100), Some(3 * bar), 20)
    );
    close(stats.buy_and_hold_return, 0.3);
    let curve = drawdown_curve(&equity);
    assert_eq!(curve.len(), 4);
    close(curve[2], 0.1);
    assert_eq!((curve[0], curve[1], curve[3]), (0.0, 0.0, 0.0));
}

#[test]
fn all_losses() {
    let equity = curve(DAY_MS, &[1_000, 900, 800]);
    let trades = [
        ClosedTrade {
            entry_ms: 0,
            exit_ms: DAY_MS,
            entry_value: 1_000,
            pnl: -100,
            fees: 2,
        },
        ClosedTrade {
            entry_ms: DAY_MS,
            exit_ms: 2 * DAY_MS,
            entry_value: 900,
            pnl: -100,
            fees: 2,
        },
    ];
    let stats = Statistics::of(&RunRecord {
        equity: &equity,
        trades: &trades,
        bars_in_market: 2,
        bars: 3,
        bar_ms: DAY_MS,
        first_close: 50.0,
        last_close: 40.0,
    });
    close(stats.total_return, -0.2);
    // 0.8 ^ (365.25 / 2) - 1 is -1 to within a double's precision.
    close(stats.cagr, -1.0);
    // The whole run is one drawdown, never recovered.
    close(stats.max_drawdown, 0.2);
    assert_eq!(
        (
            stats.max_drawdown_start_ms,
            stats.max_drawdown_end_ms,
            stats.max_drawdown_duration_ms
        ),
        (Some(0), Some(2 * DAY_MS), 2 * DAY_MS)
    );
    // Returns -0.1 and -0.1111: mean -0.105556, downside deviation 0.105702, a bar a
    // day: -0.105556 / 0.105702 * sqrt(365.25).
    close_some(stats.sortino, -19.085_099_478_374_413);
    // Sample deviation 0.007857: -0.105556 / 0.007857 * sqrt(365.25).
    close_some(stats.sharpe, -256.763_753_283_051);
    // -1 / 0.2.
    close_some(stats.calmar, -5.0);
    close_some(stats.win_rate, 0.0);
    // No gross profit over a gross loss of 200.
    close_some(stats.profit_factor, 0.0);
    // (-100 / 1,000 - 100 / 900) / 2.
    close_some(stats.expectancy, -0.105_555_555_555_555_56);
    // Two equal losses have no deviation.
    assert_eq!(stats.sqn, None);
    assert_eq!(
        (
            stats.average_trade,
            stats.best_trade,
            stats.worst_trade,
            stats.fees
        ),
        (Some(-100), Some(-100), Some(-100), 4)
    );
    close(stats.buy_and_hold_return, -0.2);
}

#[test]
fn trades_of_mixed_outcome_give_a_system_quality() {
    let equity = curve(DAY_MS, &[1_000, 1_100, 1_050, 1_250]);
    let trade = |pnl: i64| ClosedTrade {
        entry_ms: 0,
        exit_ms: DAY_MS,
        entry_value: 1_000,
        pnl,
        fees: 1,
    };
    let trades = [trade(100), trade(-50), trade(200)];
    let stats = Statistics::of(&RunRecord {
        equity: &equity,
        trades: &trades,
        bars_in_market: 3,
        bars: 4,
        bar_ms: DAY_MS,
        first_close: 10.0,
        last_close: 10.0,
    });
    // Mean 83.33, sample deviation 125.83: sqrt(3) * 83.33 / 125.83.
    close_some(stats.sqn, 1.147_078_669_352_809);
    // 300 won against 50 lost.
    close_some(stats.profit_factor, 6.0);
    close_some(stats.win_rate, 2.0 / 3.0);
    // 250 / 3, toward zero.
    assert_eq!(stats.average_trade, Some(83));
    assert_eq!(
        (stats.best_trade, stats.worst_trade),
        (Some(200), Some(-50))
    );
    close(stats.buy_and_hold_return, 0.0);
}

#[test]
fn an_empty_run_and_a_run_that_loses_everything() {
    let empty = Statistics::of(&RunRecord {
        equity: &[],
        trades: &[],
        bars_in_market: 0,
        bars: 0,
        bar_ms: 0,
        first_close: 0.0,
        last_close: 0.0,
    });
    assert_eq!(
        (
            empty.total_return,
            empty.cagr,
            empty.sharpe,
            empty.max_drawdown,
            empty.exposure,
            empty.buy_and_hold_return
        ),
        (0.0, 0.0, None, 0.0, 0.0, 0.0)
    );
    let wiped = Statistics::of(&RunRecord {
        equity: &curve(DAY_MS, &[1_000, 0]),
        trades: &[],
        bars_in_market: 1,
        bars: 2,
        bar_ms: DAY_MS,
        first_close: 1.0,
        last_close: 1.0,
    });
    assert_eq!(
        (wiped.total_return, wiped.cagr, wiped.max_drawdown),
        (-1.0, -1.0, 1.0)
    );
}
