//! The statistics of a run: a backtest's or a live strategy's.
//!
//! Money stays integers (minor units of the quote asset); ratios are `f64`. Every
//! figure has a defined value for every input, including no trades, one trade, flat
//! equity and an equity curve that only falls: a ratio whose denominator is zero is
//! `None` (shown as "n/a", `null` in JSON), never NaN or infinity. The definitions are
//! those of docs/strategies.md ("The report").

use serde::{Deserialize, Serialize};

/// Milliseconds in a year of 365.25 days, for annualising.
pub const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// The run's value at one time (after that bar), in quote minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityPoint {
    pub time_ms: u64,
    pub equity: i64,
}

/// A round trip: a position opened and closed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedTrade {
    pub entry_ms: u64,
    pub exit_ms: u64,
    /// What the position cost to open, in quote minor units (positive).
    pub entry_value: i64,
    /// Profit or loss after fees, in quote minor units.
    pub pnl: i64,
    /// Fees paid on both legs, in quote minor units.
    pub fees: i64,
}

/// What a report is computed from.
#[derive(Debug, Clone, Copy)]
pub struct RunRecord<'a> {
    /// The equity after each bar, in time order; the first point is the start.
    pub equity: &'a [EquityPoint],
    pub trades: &'a [ClosedTrade],
    /// Bars during which a position was held, and all bars of the run.
    pub bars_in_market: u64,
    pub bars: u64,
    /// The length of one bar, for annualising per-bar returns.
    pub bar_ms: u64,
    /// The instrument's first and last close over the run, for buy and hold.
    pub first_close: f64,
    pub last_close: f64,
}

/// The report's figures. Fractions are fractions (0.05 is 5%).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub start_equity: i64,
    pub final_equity: i64,
    pub total_return: f64,
    pub cagr: f64,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub calmar: Option<f64>,
    /// The largest fall from a peak, as a fraction of that peak (0 when none).
    pub max_drawdown: f64,
    pub max_drawdown_start_ms: Option<u64>,
    pub max_drawdown_end_ms: Option<u64>,
    /// The longest time spent below a previous peak.
    pub max_drawdown_duration_ms: u64,
    pub trades: u64,
    pub win_rate: Option<f64>,
    pub profit_factor: Option<f64>,
    /// The mean return of a trade on what it cost to open.
    pub expectancy: Option<f64>,
    pub sqn: Option<f64>,
    /// The share of bars with a position.
    pub exposure: f64,
    pub average_trade: Option<i64>,
    pub best_trade: Option<i64>,
    pub worst_trade: Option<i64>,
    pub average_holding_ms: Option<u64>,
    pub fees: i64,
    pub buy_and_hold_return: f64,
}

/// `numerator / denominator`, or `None` when the denominator is zero or the answer
/// is not a finite number.
fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    if denominator == 0.0 {
        return None;
    }
    let value = numerator / denominator;
    value.is_finite().then_some(value)
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> Option<f64> {
    let n = values.len();
    ratio(values.sum(), n as f64)
}

/// The sample standard deviation (n - 1), `None` for fewer than two values.
fn sample_deviation(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values.iter().copied())?;
    let squares: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((squares / (values.len() - 1) as f64).sqrt())
}

/// The largest fall from a peak and the longest time under water.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drawdown {
    depth: f64,
    start_ms: Option<u64>,
    end_ms: Option<u64>,
    longest_ms: u64,
}

fn drawdown(equity: &[EquityPoint]) -> Drawdown {
    let mut worst = Drawdown {
        depth: 0.0,
        start_ms: None,
        end_ms: None,
        longest_ms: 0,
    };
    let Some(first) = equity.first() else {
        return worst;
    };
    let mut peak = *first;
    let mut under_water = false;
    for point in equity {
        if point.equity >= peak.equity {
            // A recovery ends the time under water at this point.
            if under_water {
                worst.longest_ms = worst.longest_ms.max(point.time_ms - peak.time_ms);
            }
            peak = *point;
            under_water = false;
            continue;
        }
        under_water = true;
        worst.longest_ms = worst.longest_ms.max(point.time_ms - peak.time_ms);
        if peak.equity > 0 {
            let depth = (peak.equity - point.equity) as f64 / peak.equity as f64;
            if depth > worst.depth {
                worst.depth = depth;
                worst.start_ms = Some(peak.time_ms);
                worst.end_ms = Some(point.time_ms);
            }
        }
    }
    worst
}

impl Statistics {
    pub fn of(run: &RunRecord<'_>) -> Statistics {
        let start = run.equity.first().map_or(0, |p| p.equity);
        let end = run.equity.last().map_or(start, |p| p.equity);
        let elapsed_ms = match (run.equity.first(), run.equity.last()) {
            (Some(first), Some(last)) => last.time_ms.saturating_sub(first.time_ms),
            _ => 0,
        };
        let growth = ratio(end as f64, start as f64).filter(|_| start > 0);
        let total_return = growth.map_or(0.0, |g| g - 1.0);
        let cagr = match growth {
            Some(g) if g <= 0.0 => -1.0,
            Some(g) if elapsed_ms > 0 => g.powf(YEAR_MS / elapsed_ms as f64) - 1.0,
            _ => 0.0,
        };
        let cagr = if cagr.is_finite() { cagr } else { 0.0 };

        // Per-bar returns, in two passes over the curve (no copy of it): the mean, then
        // the deviations.
        let returns = || {
            run.equity
                .windows(2)
                .filter(|w| w[0].equity > 0)
                .map(|w| (w[1].equity - w[0].equity) as f64 / w[0].equity as f64)
        };
        let (count, sum) = returns().fold((0usize, 0.0), |(n, s), r| (n + 1, s + r));
        let periods_per_year = ratio(YEAR_MS, run.bar_ms as f64).unwrap_or(0.0);
        let mean_return = ratio(sum, count as f64);
        let (squares, downside_squares) = match mean_return {
            Some(m) => returns().fold((0.0, 0.0), |(sq, down), r| {
                (sq + (r - m) * (r - m), down + r.min(0.0) * r.min(0.0))
            }),
            None => (0.0, 0.0),
        };
        let deviation = (count >= 2).then(|| (squares / (count - 1) as f64).sqrt());
        let downside = ratio(downside_squares, count as f64).map(f64::sqrt);
        let sharpe = match (mean_return, deviation) {
            (Some(m), Some(d)) => ratio(m, d).map(|r| r * periods_per_year.sqrt()),
            _ => None,
        };
        let sortino = match (mean_return, downside) {
            (Some(m), Some(d)) => ratio(m, d).map(|r| r * periods_per_year.sqrt()),
            _ => None,
        };
        let dd = drawdown(run.equity);
        let calmar = ratio(cagr, dd.depth);

        let pnl: Vec<f64> = run.trades.iter().map(|t| t.pnl as f64).collect();
        let n = run.trades.len();
        let wins = run.trades.iter().filter(|t| t.pnl > 0).count();
        let gross_profit: i64 = run.trades.iter().map(|t| t.pnl.max(0)).sum();
        let gross_loss: i64 = run.trades.iter().map(|t| (-t.pnl).max(0)).sum();
        let total_pnl: i64 = run.trades.iter().map(|t| t.pnl).sum();
        let sqn = match (mean(pnl.iter().copied()), sample_deviation(&pnl)) {
            (Some(m), Some(d)) => ratio(m, d).map(|r| r * (n as f64).sqrt()),
            _ => None,
        };
        let expectancy = mean(
            run.trades
                .iter()
                .filter(|t| t.entry_value > 0)
                .map(|t| t.pnl as f64 / t.entry_value as f64)
                .collect::<Vec<_>>()
                .into_iter(),
        );
        let holding: u64 = run
            .trades
            .iter()
            .map(|t| t.exit_ms.saturating_sub(t.entry_ms))
            .sum();
        Statistics {
            start_equity: start,
            final_equity: end,
            total_return,
            cagr,
            sharpe,
            sortino,
            calmar,
            max_drawdown: dd.depth,
            max_drawdown_start_ms: dd.start_ms,
            max_drawdown_end_ms: dd.end_ms,
            max_drawdown_duration_ms: dd.longest_ms,
            trades: n as u64,
            win_rate: ratio(wins as f64, n as f64),
            profit_factor: ratio(gross_profit as f64, gross_loss as f64),
            expectancy,
            sqn,
            exposure: ratio(run.bars_in_market as f64, run.bars as f64).unwrap_or(0.0),
            average_trade: (n > 0).then(|| total_pnl / n as i64),
            best_trade: run.trades.iter().map(|t| t.pnl).max(),
            worst_trade: run.trades.iter().map(|t| t.pnl).min(),
            average_holding_ms: (n > 0).then(|| holding / n as u64),
            fees: run.trades.iter().map(|t| t.fees).sum(),
            buy_and_hold_return: ratio(run.last_close, run.first_close)
                .filter(|_| run.first_close > 0.0)
                .map_or(0.0, |g| g - 1.0),
        }
    }
}

/// Every `n`-th point and the last, at most `max` (plus the last): a long curve thinned
/// evenly for a chart.
pub fn thin<T: Copy>(points: &[T], max: usize) -> Vec<T> {
    let stride = points.len().div_ceil(max.max(1)).max(1);
    let mut kept: Vec<T> = points.iter().step_by(stride).copied().collect();
    if let Some(last) = points.last()
        && points.len() > 1
        && !(points.len() - 1).is_multiple_of(stride)
    {
        kept.push(*last);
    }
    kept
}

/// The drawdown at each point of an equity curve, as a fraction of the peak so far
/// (for the drawdown chart).
pub fn drawdown_curve(equity: &[EquityPoint]) -> Vec<f64> {
    let mut peak = i64::MIN;
    equity
        .iter()
        .map(|p| {
            peak = peak.max(p.equity);
            if peak > 0 {
                (peak - p.equity) as f64 / peak as f64
            } else {
                0.0
            }
        })
        .collect()
}
