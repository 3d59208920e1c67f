//! The fill model, bar by bar: a scripted strategy places orders at chosen bars and
//! the fills land where docs/strategies.md says they do.

mod support;

use bourse_strategy::backtest::{BacktestConfig, BacktestOutcome, FillModel, run};
use bourse_strategy::portfolio::Fill;
use bourse_strategy::strategy::OrderUpdate;
use bourse_strategy::{Bar, Context, OrderIntent, Strategy};
use bourse_types::{Amount, Price, Qty, Side};
use support::{bar, cash, instrument, usd};

/// Places the given orders after the given bars (by index).
struct Script {
    at: Vec<(usize, OrderIntent)>,
    seen: usize,
    updates: Vec<OrderUpdate>,
}

impl Strategy for Script {
    fn on_bar(&mut self, _bar: &Bar, cx: &mut Context<'_>) {
        for (_, intent) in self.at.iter().filter(|(i, _)| *i == self.seen) {
            cx.place(*intent);
        }
        self.seen += 1;
    }

    fn on_order(&mut self, update: &OrderUpdate, _cx: &mut Context<'_>) {
        self.updates.push(update.clone());
    }
}

fn one_btc() -> Qty {
    Qty::from_raw(100_000_000)
}

fn backtest(
    bars: &[Bar],
    model: FillModel,
    at: Vec<(usize, OrderIntent)>,
) -> (BacktestOutcome, Vec<OrderUpdate>) {
    let mut script = Script {
        at,
        seen: 0,
        updates: Vec::new(),
    };
    let config = BacktestConfig {
        instrument: instrument(),
        bar_ms: support::HOUR_MS,
        initial_cash: cash(),
        fill_model: model,
    };
    let outcome = run(&mut script, bars, &config, &mut |_| true).unwrap();
    (outcome, script.updates)
}

fn prices(fills: &[Fill]) -> Vec<(Side, Price)> {
    fills.iter().map(|f| (f.side, f.price)).collect()
}

const NO_SLIPPAGE: FillModel = FillModel {
    slippage_bps: 0,
    touch: false,
};

#[test]
fn a_market_order_fills_at_the_next_open_with_slippage() {
    let bars = [bar(0, 100, 101, 99, 100), bar(1, 102, 103, 101, 102)];
    let model = FillModel {
        slippage_bps: 10,
        touch: false,
    };
    let (outcome, _) = backtest(
        &bars,
        model,
        vec![(0, OrderIntent::market(Side::Buy, one_btc()))],
    );
    // Decided on bar 0's close at 100, filled at bar 1's open of 102 plus 10 bps.
    assert_eq!(
        prices(&outcome.fills),
        [(Side::Buy, Price::from_raw(10_211))]
    );
    assert_eq!(outcome.fills[0].time_ms, bars[1].open_time);
    // The taker fee: 20 bps of 102.11.
    assert_eq!(outcome.fills[0].fee, Amount::from_raw(204_220));
    // The equity at bar 1's close: 100,000 - 102.11 - 0.20422 + 102.
    assert_eq!(
        outcome.equity.last().unwrap().equity,
        100_000_000_000 - 102_110_000 - 204_220 + 102_000_000
    );
}

#[test]
fn a_limit_fills_only_when_the_price_trades_through_it() {
    let bars = [
        bar(0, 100, 101, 99, 100),
        // Touches 99 without going below.
        bar(1, 100, 101, 99, 100),
        bar(2, 100, 101, 98, 99),
    ];
    let buy = OrderIntent::limit(Side::Buy, usd(99, 0), one_btc());
    let (through, _) = backtest(&bars, NO_SLIPPAGE, vec![(0, buy)]);
    assert_eq!(through.fills.len(), 1);
    assert_eq!(
        (through.fills[0].time_ms, through.fills[0].price),
        (bars[2].open_time, usd(99, 0))
    );
    // Resting: the maker fee, 10 bps of 99.
    assert_eq!(through.fills[0].fee, Amount::from_raw(99_000));
    let touch = FillModel {
        slippage_bps: 0,
        touch: true,
    };
    let (touched, _) = backtest(&bars, touch, vec![(0, buy)]);
    assert_eq!(touched.fills[0].time_ms, bars[1].open_time);
}

#[test]
fn an_order_the_price_never_reaches_stays_unfilled() {
    let bars = [
        bar(0, 100, 101, 99, 100),
        bar(1, 100, 101, 99, 100),
        bar(2, 100, 101, 99, 100),
    ];
    let (outcome, _) = backtest(
        &bars,
        NO_SLIPPAGE,
        vec![(0, OrderIntent::limit(Side::Buy, usd(90, 0), one_btc()))],
    );
    assert!(outcome.fills.is_empty());
    assert_eq!(outcome.decisions.len(), 1);
    assert_eq!(outcome.equity.last().unwrap().equity, 100_000_000_000);
}

#[test]
fn a_bar_that_opens_beyond_a_limit_fills_it_at_the_open_as_a_taker() {
    let bars = [bar(0, 100, 101, 99, 100), bar(1, 97, 98, 96, 97)];
    let (outcome, _) = backtest(
        &bars,
        NO_SLIPPAGE,
        vec![(0, OrderIntent::limit(Side::Buy, usd(99, 0), one_btc()))],
    );
    assert_eq!(prices(&outcome.fills), [(Side::Buy, usd(97, 0))]);
    assert_eq!(outcome.fills[0].fee, Amount::from_raw(194_000));
}

#[test]
fn a_stop_fills_at_its_trigger_less_the_slippage() {
    let bars = [
        bar(0, 100, 101, 99, 100),
        bar(1, 100, 101, 99, 100),
        bar(2, 100, 100, 94, 95),
    ];
    let model = FillModel {
        slippage_bps: 10,
        touch: false,
    };
    let (outcome, _) = backtest(
        &bars,
        model,
        vec![
            (0, OrderIntent::market(Side::Buy, one_btc())),
            (1, OrderIntent::stop(Side::Sell, usd(96, 0), one_btc())),
        ],
    );
    // Bought at 100.10; stopped at 96 less 10 bps: 95.904, down to the tick.
    assert_eq!(
        prices(&outcome.fills),
        [(Side::Buy, usd(100, 10)), (Side::Sell, usd(95, 90))]
    );
    assert_eq!(outcome.trades.len(), 1);
    assert!(outcome.trades[0].pnl < 0);
}

#[test]
fn inside_a_bar_the_path_decides_between_stop_loss_and_take_profit() {
    let entry =
        OrderIntent::market(Side::Buy, one_btc()).with_bracket(Some(usd(95, 0)), Some(usd(105, 0)));
    // An up bar (close above open) is taken to go to its low first: the stop loss.
    let up = [
        bar(0, 100, 101, 99, 100),
        bar(1, 100, 101, 99, 100),
        bar(2, 100, 106, 94, 103),
    ];
    let (outcome, updates) = backtest(&up, NO_SLIPPAGE, vec![(0, entry)]);
    assert_eq!(
        prices(&outcome.fills),
        [(Side::Buy, usd(100, 0)), (Side::Sell, usd(95, 0))]
    );
    assert!(
        matches!(updates[..], [OrderUpdate::Cancelled { .. }]),
        "{updates:?}"
    );
    // A down bar goes to its high first: the take profit, at its limit, as a maker.
    let down = [
        bar(0, 100, 101, 99, 100),
        bar(1, 100, 101, 99, 100),
        bar(2, 100, 106, 94, 97),
    ];
    let (outcome, _) = backtest(&down, NO_SLIPPAGE, vec![(0, entry)]);
    assert_eq!(
        prices(&outcome.fills),
        [(Side::Buy, usd(100, 0)), (Side::Sell, usd(105, 0))]
    );
    assert_eq!(outcome.fills[1].fee, Amount::from_raw(105_000));
    let trade = outcome.trades[0];
    // 105 - 100, less 0.20 taker and 0.105 maker fees.
    assert_eq!(trade.pnl, 5_000_000 - 200_000 - 105_000);
}

#[test]
fn a_bracket_can_exit_in_the_bar_its_entry_filled() {
    let entry = OrderIntent::market(Side::Buy, one_btc()).with_bracket(Some(usd(95, 0)), None);
    let bars = [bar(0, 100, 101, 99, 100), bar(1, 100, 100, 90, 91)];
    let (outcome, _) = backtest(&bars, NO_SLIPPAGE, vec![(0, entry)]);
    assert_eq!(
        prices(&outcome.fills),
        [(Side::Buy, usd(100, 0)), (Side::Sell, usd(95, 0))]
    );
    assert_eq!(outcome.final_position, Qty::ZERO);
}

#[test]
fn what_cannot_be_paid_for_or_delivered_is_refused() {
    let bars = [
        bar(0, 100, 101, 99, 100),
        bar(1, 100, 101, 99, 100),
        bar(2, 100, 101, 99, 100),
    ];
    // 2,000 BTC at 100 is 200,000 USD: more than the cash. Selling what is not held.
    let (outcome, updates) = backtest(
        &bars,
        NO_SLIPPAGE,
        vec![
            (
                0,
                OrderIntent::market(Side::Buy, Qty::from_raw(2_000 * 100_000_000)),
            ),
            (1, OrderIntent::market(Side::Sell, one_btc())),
        ],
    );
    assert!(outcome.fills.is_empty());
    assert_eq!(outcome.rejected, 2);
    assert_eq!(
        updates
            .iter()
            .map(|u| match u {
                OrderUpdate::Rejected { reason, .. } => reason.as_str(),
                _ => "",
            })
            .collect::<Vec<_>>(),
        ["not enough cash", "not enough held to sell"]
    );
}

#[test]
fn bad_bars_are_refused_with_their_index() {
    let config = BacktestConfig {
        instrument: instrument(),
        bar_ms: support::HOUR_MS,
        initial_cash: cash(),
        fill_model: NO_SLIPPAGE,
    };
    let mut script = Script {
        at: Vec::new(),
        seen: 0,
        updates: Vec::new(),
    };
    let inconsistent = [bar(0, 100, 101, 99, 100), bar(1, 100, 99, 98, 99)];
    assert_eq!(
        run(&mut script, &inconsistent, &config, &mut |_| true)
            .unwrap_err()
            .to_string(),
        "bar 1 is inconsistent (its high or low does not contain its open and close)"
    );
    let backwards = [bar(1, 100, 101, 99, 100), bar(0, 100, 101, 99, 100)];
    assert!(run(&mut script, &backwards, &config, &mut |_| true).is_err());
    assert!(run(&mut script, &[], &config, &mut |_| true).is_err());
}

#[test]
fn a_long_run_reports_progress_and_can_be_cancelled() {
    let bars = support::walk(7, 200_000);
    let config = BacktestConfig {
        instrument: instrument(),
        bar_ms: support::HOUR_MS,
        initial_cash: cash(),
        fill_model: NO_SLIPPAGE,
    };
    let mut script = Script {
        at: Vec::new(),
        seen: 0,
        updates: Vec::new(),
    };
    let mut heard = Vec::new();
    run(&mut script, &bars, &config, &mut |done| {
        heard.push(done);
        true
    })
    .unwrap();
    assert_eq!(heard, [65_536, 131_072, 196_608, 200_000]);
    let stopped = run(&mut script, &bars, &config, &mut |done| done < 100_000);
    assert_eq!(
        stopped.unwrap_err(),
        bourse_strategy::backtest::BacktestError::Cancelled(131_072)
    );
}
