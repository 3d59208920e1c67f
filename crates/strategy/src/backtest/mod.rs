//! The backtester: a strategy over recorded bars, through the fill model, with the
//! same [`Strategy`] calls and the same [`Portfolio`] accounting as live trading.

mod broker;
mod fills;

pub use fills::{FillModel, SLIPPAGE_BPS_MAX};

use crate::bar::Bar;
use crate::portfolio::{Fill, Portfolio};
use crate::report::{ClosedTrade, EquityPoint, RunRecord, Statistics};
use crate::signal::Signal;
use crate::strategy::{Action, Context, OpenOrder, OrderUpdate, Strategy};
use bourse_types::{Amount, Instrument};
use broker::Broker;
use serde::{Deserialize, Serialize};

/// How many bars pass between progress reports (and chances to cancel).
pub const PROGRESS_EVERY_BARS: u64 = 65_536;
/// The most fills, decisions and signals a run keeps for its report; beyond them it
/// counts.
pub const RECORDS_KEPT_MAX: usize = 100_000;
/// The most timers a strategy may have waiting.
pub const TIMERS_MAX: usize = 64;

/// What a backtest runs on.
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    pub instrument: Instrument,
    /// The bars' length.
    pub bar_ms: u64,
    /// Starting cash, in quote minor units.
    pub initial_cash: Amount,
    pub fill_model: FillModel,
}

/// A decision, with the time of the call that made it and the bar it was made in
/// (a fill's call) or after (a bar's or a timer's call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub time_ms: u64,
    pub bar: u64,
    pub action: Action,
}

/// What a run produced.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestOutcome {
    /// The start, then the equity at each bar's close.
    pub equity: Vec<EquityPoint>,
    pub trades: Vec<ClosedTrade>,
    pub fills: Vec<Fill>,
    pub decisions: Vec<Decision>,
    pub signals: Vec<(u64, Signal)>,
    /// Orders refused when they came to fill (not enough cash or position).
    pub rejected: u64,
    /// Actions past [`crate::strategy::ACTIONS_PER_CALL_MAX`] in one call.
    pub dropped_actions: u64,
    /// Fills, decisions and signals beyond [`RECORDS_KEPT_MAX`], not kept.
    pub records_dropped: u64,
    pub bars: u64,
    pub statistics: Statistics,
    pub fill_model: FillModel,
    pub final_position: bourse_types::Qty,
}

/// The most equity points and trades a run's summary keeps (its charts and lists).
pub const SUMMARY_POINTS_MAX: usize = 2_000;
pub const SUMMARY_TRADES_MAX: usize = 1_000;

/// What a run's report shows, small enough to keep: the statistics, the equity and
/// drawdown curves thinned to [`SUMMARY_POINTS_MAX`] points, the first
/// [`SUMMARY_TRADES_MAX`] trades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestSummary {
    pub bars: u64,
    pub fill_model: FillModel,
    pub statistics: Statistics,
    pub equity: Vec<EquityPoint>,
    /// (time, drawdown as a fraction of the peak so far), from the whole curve.
    pub drawdown: Vec<(u64, f64)>,
    pub trades: Vec<ClosedTrade>,
    pub trades_total: u64,
    pub rejected: u64,
    pub signals_total: u64,
}

impl BacktestOutcome {
    pub fn summary(&self) -> BacktestSummary {
        let drawdowns = crate::report::drawdown_curve(&self.equity);
        let drawdown: Vec<(u64, f64)> = self
            .equity
            .iter()
            .zip(drawdowns)
            .map(|(p, d)| (p.time_ms, d))
            .collect();
        BacktestSummary {
            bars: self.bars,
            fill_model: self.fill_model,
            statistics: self.statistics.clone(),
            equity: crate::report::thin(&self.equity, SUMMARY_POINTS_MAX),
            drawdown: crate::report::thin(&drawdown, SUMMARY_POINTS_MAX),
            trades: self
                .trades
                .iter()
                .take(SUMMARY_TRADES_MAX)
                .copied()
                .collect(),
            trades_total: self.trades.len() as u64,
            rejected: self.rejected,
            signals_total: self.signals.len() as u64 + self.records_dropped,
        }
    }
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BacktestError {
    #[error("cancelled after {0} bars")]
    Cancelled(u64),
    #[error("no bars to run on")]
    NoBars,
    #[error("bar {index} is inconsistent (its high or low does not contain its open and close)")]
    BadBar { index: usize },
    #[error("bar {index} is not after the bar before it")]
    OutOfOrder { index: usize },
}

/// The run's moving parts besides the strategy.
struct Run<'a> {
    config: &'a BacktestConfig,
    portfolio: Portfolio,
    broker: Broker,
    next_id: u64,
    timers: Vec<u64>,
    last_close: Option<bourse_types::Price>,
    outcome: Records,
    actions: Vec<Action>,
    open: Vec<OpenOrder>,
    /// The broker's version `open` was built at.
    open_version: Option<u64>,
}

#[derive(Default)]
struct Records {
    fills: Vec<Fill>,
    decisions: Vec<Decision>,
    signals: Vec<(u64, Signal)>,
    dropped_actions: u64,
    dropped: u64,
    rejected: u64,
}

fn keep<T>(list: &mut Vec<T>, dropped: &mut u64, item: T) {
    if list.len() < RECORDS_KEPT_MAX {
        list.push(item);
    } else {
        *dropped += 1;
    }
}

/// A call into the strategy, and what follows from its actions.
enum Call<'b> {
    Bar(&'b Bar),
    Fill(&'b Fill),
    Update(&'b OrderUpdate),
    Timer,
}

impl Run<'_> {
    fn call(&mut self, strategy: &mut dyn Strategy, now_ms: u64, bar_index: usize, call: Call<'_>) {
        self.actions.clear();
        let version = self.broker.version();
        if self.open_version != Some(version) {
            self.broker.open_orders(&mut self.open);
            self.open_version = Some(version);
        }
        {
            let mut cx = Context::new(
                now_ms,
                &self.config.instrument,
                &self.portfolio,
                &self.open,
                self.last_close,
                &mut self.next_id,
                &mut self.actions,
                &mut self.outcome.dropped_actions,
            );
            match call {
                Call::Bar(bar) => strategy.on_bar(bar, &mut cx),
                Call::Fill(fill) => strategy.on_fill(fill, &mut cx),
                Call::Update(update) => strategy.on_order(update, &mut cx),
                Call::Timer => strategy.on_timer(&mut cx),
            }
        }
        let actions = std::mem::take(&mut self.actions);
        for action in &actions {
            match action {
                Action::Place { id, intent } => self.broker.place(*id, *intent, bar_index + 1),
                Action::Cancel { id } => self.broker.cancel(*id),
                Action::CancelAll => self.broker.cancel_all(),
                Action::Signal(signal) => keep(
                    &mut self.outcome.signals,
                    &mut self.outcome.dropped,
                    (now_ms, signal.clone()),
                ),
                Action::Timer { at_ms } => {
                    if self.timers.len() < TIMERS_MAX {
                        self.timers.push(*at_ms);
                    } else {
                        self.outcome.dropped_actions += 1;
                    }
                }
            }
            keep(
                &mut self.outcome.decisions,
                &mut self.outcome.dropped,
                Decision {
                    time_ms: now_ms,
                    bar: bar_index as u64,
                    action: action.clone(),
                },
            );
        }
        self.actions = actions;
    }
}

/// Runs `strategy` over `bars` (in time order, each closed). `progress` hears the
/// bars done every [`PROGRESS_EVERY_BARS`] and at the end; answering `false` cancels.
pub fn run(
    strategy: &mut dyn Strategy,
    bars: &[Bar],
    config: &BacktestConfig,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<BacktestOutcome, BacktestError> {
    let first = bars.first().ok_or(BacktestError::NoBars)?;
    let mut run = Run {
        config,
        portfolio: Portfolio::new(config.initial_cash),
        broker: Broker::new(config.fill_model, &config.instrument),
        next_id: 1,
        timers: Vec::new(),
        last_close: None,
        outcome: Records::default(),
        actions: Vec::with_capacity(crate::strategy::ACTIONS_PER_CALL_MAX),
        open: Vec::new(),
        open_version: None,
    };
    let mut equity = Vec::with_capacity(bars.len() + 1);
    equity.push(EquityPoint {
        time_ms: first.open_time,
        equity: run.portfolio.cash(),
    });
    let mut bars_in_market = 0u64;
    let mut previous_open = None;
    let mut events = Vec::new();
    for (index, bar) in bars.iter().enumerate() {
        if !bar.is_consistent() {
            return Err(BacktestError::BadBar { index });
        }
        if previous_open.is_some_and(|t| bar.open_time <= t) {
            return Err(BacktestError::OutOfOrder { index });
        }
        previous_open = Some(bar.open_time);
        // The bar trades: orders from before it fill along its path. Each fill (and
        // each refusal) reaches the strategy as it happens.
        let mut step = run.broker.begin_bar(index, bar);
        while !run.broker.is_idle() {
            events.clear();
            let more = run
                .broker
                .next_fill(&mut step, &mut run.portfolio, &mut events);
            for event in &events {
                match event {
                    broker::Event::Fill(fill) => {
                        keep(&mut run.outcome.fills, &mut run.outcome.dropped, *fill);
                        run.call(strategy, fill.time_ms, index, Call::Fill(fill));
                    }
                    broker::Event::Update(update) => {
                        if matches!(update, OrderUpdate::Rejected { .. }) {
                            run.outcome.rejected += 1;
                        }
                        run.call(strategy, bar.open_time, index, Call::Update(update));
                    }
                }
            }
            if !more {
                break;
            }
        }
        // The bar has closed: value the position, then let the strategy decide.
        let close_ms = bar.open_time + config.bar_ms;
        run.last_close = Some(bar.close);
        if !run.portfolio.position().is_zero() {
            bars_in_market += 1;
        }
        equity.push(EquityPoint {
            time_ms: close_ms,
            equity: run.portfolio.equity(&config.instrument, bar.close),
        });
        run.call(strategy, close_ms, index, Call::Bar(bar));
        if run.timers.iter().any(|&at| at <= close_ms) {
            run.timers.retain(|&at| at > close_ms);
            run.call(strategy, close_ms, index, Call::Timer);
        }
        let done = index as u64 + 1;
        if done.is_multiple_of(PROGRESS_EVERY_BARS) && !progress(done) {
            return Err(BacktestError::Cancelled(done));
        }
    }
    progress(bars.len() as u64);
    let last = bars[bars.len() - 1];
    let statistics = Statistics::of(&RunRecord {
        equity: &equity,
        trades: run.portfolio.trades(),
        bars_in_market,
        bars: bars.len() as u64,
        bar_ms: config.bar_ms,
        first_close: crate::rounding::to_f64(first.close.raw(), config.instrument.price_scale()),
        last_close: crate::rounding::to_f64(last.close.raw(), config.instrument.price_scale()),
    });
    Ok(BacktestOutcome {
        equity,
        trades: run.portfolio.trades().to_vec(),
        fills: run.outcome.fills,
        decisions: run.outcome.decisions,
        signals: run.outcome.signals,
        rejected: run.outcome.rejected,
        dropped_actions: run.outcome.dropped_actions,
        records_dropped: run.outcome.dropped,
        bars: bars.len() as u64,
        statistics,
        fill_model: config.fill_model,
        final_position: run.portfolio.position(),
    })
}
