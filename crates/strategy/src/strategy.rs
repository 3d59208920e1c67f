//! The `Strategy` trait: what a strategy sees and what it may do.
//!
//! One code path for backtests and live trading: a runner (the backtester, or the
//! venue's strategy runner) calls the strategy with closed bars, its own fills and
//! order updates and its timers, through a [`Context`] that shows its cash, position
//! and open orders and collects what it decides: orders, cancels, signals and timers.
//! A strategy never sees a bar before it has closed.

use crate::bar::Bar;
use crate::portfolio::{Fill, Portfolio};
use crate::rounding::{self, Rounding};
use crate::signal::Signal;
use bourse_types::{Instrument, Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// The most actions one call may take; the rest are dropped and counted, so that a
/// strategy in a loop cannot flood the venue.
pub const ACTIONS_PER_CALL_MAX: usize = 64;

/// What an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderType {
    /// At the best price available (the next bar's open in a backtest).
    Market,
    /// At `price` or better.
    Limit { price: Price },
    /// A market order once the price reaches `trigger` (a sell at or below it, a buy
    /// at or above it).
    Stop { trigger: Price },
}

/// An order a strategy wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderIntent {
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Qty,
    /// Protection for what this order fills: a stop-market exit at `stop_loss` and a
    /// limit exit at `take_profit`, one cancelling the other (a bracket).
    pub stop_loss: Option<Price>,
    pub take_profit: Option<Price>,
}

impl OrderIntent {
    pub fn market(side: Side, qty: Qty) -> OrderIntent {
        OrderIntent {
            side,
            order_type: OrderType::Market,
            qty,
            stop_loss: None,
            take_profit: None,
        }
    }

    pub fn limit(side: Side, price: Price, qty: Qty) -> OrderIntent {
        OrderIntent {
            order_type: OrderType::Limit { price },
            ..OrderIntent::market(side, qty)
        }
    }

    pub fn stop(side: Side, trigger: Price, qty: Qty) -> OrderIntent {
        OrderIntent {
            order_type: OrderType::Stop { trigger },
            ..OrderIntent::market(side, qty)
        }
    }

    pub fn with_bracket(mut self, stop_loss: Option<Price>, take_profit: Option<Price>) -> Self {
        self.stop_loss = stop_loss;
        self.take_profit = take_profit;
        self
    }
}

/// One of the strategy's orders still working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrder {
    /// The strategy's own number for it.
    pub id: u64,
    pub intent: OrderIntent,
    /// What is left to fill.
    pub remaining: Qty,
}

/// What became of an order, besides its fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OrderUpdate {
    Accepted { order: u64 },
    Filled { order: u64 },
    Cancelled { order: u64 },
    Rejected { order: u64, reason: String },
}

/// A decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Place { id: u64, intent: OrderIntent },
    Cancel { id: u64 },
    CancelAll,
    Signal(Signal),
    Timer { at_ms: u64 },
}

/// What a strategy sees, and where its decisions go.
#[derive(Debug)]
pub struct Context<'a> {
    now_ms: u64,
    instrument: &'a Instrument,
    portfolio: &'a Portfolio,
    open_orders: &'a [OpenOrder],
    /// The last close seen, for valuing the position.
    last_close: Option<Price>,
    next_id: &'a mut u64,
    actions: &'a mut Vec<Action>,
    dropped: &'a mut u64,
}

impl<'a> Context<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        now_ms: u64,
        instrument: &'a Instrument,
        portfolio: &'a Portfolio,
        open_orders: &'a [OpenOrder],
        last_close: Option<Price>,
        next_id: &'a mut u64,
        actions: &'a mut Vec<Action>,
        dropped: &'a mut u64,
    ) -> Context<'a> {
        Context {
            now_ms,
            instrument,
            portfolio,
            open_orders,
            last_close,
            next_id,
            actions,
            dropped,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub fn instrument(&self) -> &Instrument {
        self.instrument
    }

    /// What the strategy holds, in base minor units.
    pub fn position(&self) -> Qty {
        self.portfolio.position()
    }

    pub fn is_flat(&self) -> bool {
        self.portfolio.position().is_zero()
    }

    /// Cash in quote minor units.
    pub fn cash(&self) -> i64 {
        self.portfolio.cash()
    }

    /// Cash plus the position at the last close, in quote minor units.
    pub fn equity(&self) -> i64 {
        match self.last_close {
            Some(close) => self.portfolio.equity(self.instrument, close),
            None => self.portfolio.cash(),
        }
    }

    pub fn average_entry(&self) -> Option<f64> {
        self.portfolio.average_entry(self.instrument)
    }

    pub fn open_orders(&self) -> &[OpenOrder] {
        self.open_orders
    }

    /// `value` on the instrument's tick ([`rounding::price`]), if it can be a price.
    pub fn price(&self, value: f64, rounding: Rounding) -> Option<Price> {
        rounding::price(value, self.instrument, rounding).ok()
    }

    /// `value` base units on the instrument's lot, rounded down, if at least one lot.
    pub fn quantity(&self, value: f64) -> Option<Qty> {
        rounding::quantity(value, self.instrument, Rounding::Down)
            .ok()
            .filter(|q| q.raw() >= self.instrument.spec().min_qty.raw())
    }

    /// The quantity that `fraction` of the equity buys at `price`, after the taker
    /// fee, on the lot; `None` when that is less than the minimum.
    pub fn quantity_for(&self, fraction: f64, price: f64) -> Option<Qty> {
        if !price.is_finite() || price <= 0.0 {
            return None;
        }
        let equity = rounding::to_f64(
            u64::try_from(self.equity().max(0)).unwrap_or(0),
            self.instrument.quote_scale(),
        );
        let fee = f64::from(self.instrument.taker_fee_bps()) / 10_000.0;
        self.quantity(equity * fraction.clamp(0.0, 1.0) / (price * (1.0 + fee)))
    }

    fn push(&mut self, action: Action) -> bool {
        if self.actions.len() >= ACTIONS_PER_CALL_MAX {
            *self.dropped += 1;
            return false;
        }
        self.actions.push(action);
        true
    }

    /// Asks for an order; answers the strategy's number for it (`None` when the call
    /// has taken its most actions).
    pub fn place(&mut self, intent: OrderIntent) -> Option<u64> {
        let id = *self.next_id;
        self.push(Action::Place { id, intent }).then(|| {
            *self.next_id += 1;
            id
        })
    }

    pub fn cancel(&mut self, id: u64) {
        self.push(Action::Cancel { id });
    }

    pub fn cancel_all(&mut self) {
        self.push(Action::CancelAll);
    }

    pub fn signal(&mut self, signal: Signal) {
        self.push(Action::Signal(signal));
    }

    /// Asks to be called at `at_ms` (at the first bar or tick at or after it).
    pub fn timer(&mut self, at_ms: u64) {
        self.push(Action::Timer { at_ms });
    }

    /// Sells everything held at market (if anything is).
    pub fn exit_all(&mut self) -> Option<u64> {
        let held = self.position();
        if held.is_zero() {
            return None;
        }
        self.place(OrderIntent::market(Side::Sell, held))
    }
}

/// A strategy. Implementations keep their own indicators and state; every call gets
/// a [`Context`]. Calls come in time order; a bar is given once it has closed.
pub trait Strategy: Send {
    /// A bar has closed.
    fn on_bar(&mut self, bar: &Bar, cx: &mut Context<'_>);

    /// One of its orders (partly) filled.
    fn on_fill(&mut self, _fill: &Fill, _cx: &mut Context<'_>) {}

    /// One of its orders was accepted, filled, cancelled or refused.
    fn on_order(&mut self, _update: &OrderUpdate, _cx: &mut Context<'_>) {}

    /// A timer it asked for came due.
    fn on_timer(&mut self, _cx: &mut Context<'_>) {}
}
