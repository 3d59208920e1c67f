//! What the directional built-ins share: sizing, brackets and signals.

use crate::params::{ParamKind, ParamSpec, Resolved};
use crate::rounding::Rounding;
use crate::signal::{Signal, SignalSide};
use crate::strategy::{Context, OrderIntent};
use bourse_types::Side;

pub const ALLOCATION: ParamSpec = ParamSpec {
    name: "allocation",
    description: "share of the equity an entry spends",
    kind: ParamKind::Number {
        min: 0.01,
        max: 1.0,
        default: 0.95,
    },
};
pub const STOP_LOSS_PCT: ParamSpec = ParamSpec {
    name: "stop_loss_pct",
    description: "stop loss below the entry, in percent (0: none)",
    kind: ParamKind::Number {
        min: 0.0,
        max: 50.0,
        default: 0.0,
    },
};
pub const TAKE_PROFIT_PCT: ParamSpec = ParamSpec {
    name: "take_profit_pct",
    description: "take profit above the entry, in percent (0: none)",
    kind: ParamKind::Number {
        min: 0.0,
        max: 500.0,
        default: 0.0,
    },
};

/// How a directional strategy enters and leaves: long only, one position at a time.
#[derive(Debug, Clone, Copy)]
pub struct Entries {
    allocation: f64,
    stop_loss: f64,
    take_profit: f64,
}

impl Entries {
    pub fn from(params: &Resolved) -> Entries {
        Entries {
            allocation: params.number(ALLOCATION.name),
            stop_loss: params.number(STOP_LOSS_PCT.name) / 100.0,
            take_profit: params.number(TAKE_PROFIT_PCT.name) / 100.0,
        }
    }

    /// Buys `allocation` of the equity at market, with the bracket the parameters
    /// ask for, and says so with a buy signal; does nothing unless flat.
    pub fn enter(&self, cx: &mut Context<'_>, close: f64, signal: Signal) {
        if !cx.is_flat() || !cx.open_orders().is_empty() {
            return;
        }
        let stop = (self.stop_loss > 0.0)
            .then(|| cx.price(close * (1.0 - self.stop_loss), Rounding::Down))
            .flatten();
        let target = (self.take_profit > 0.0)
            .then(|| cx.price(close * (1.0 + self.take_profit), Rounding::Up))
            .flatten();
        cx.signal(signal.with_stops(stop, target));
        if let Some(qty) = cx.quantity_for(self.allocation, close) {
            cx.place(OrderIntent::market(Side::Buy, qty).with_bracket(stop, target));
        }
    }

    /// Sells the position at market (cancelling its bracket), with a sell signal;
    /// does nothing when flat.
    pub fn exit(&self, cx: &mut Context<'_>, signal: Signal) {
        if cx.is_flat() {
            return;
        }
        cx.signal(signal);
        cx.cancel_all();
        cx.exit_all();
    }
}

/// A signal at the bar's close.
pub fn signal(cx: &Context<'_>, side: SignalSide, confidence: f64, close: f64) -> Option<Signal> {
    let entry = cx.price(close, Rounding::Nearest)?;
    Some(Signal::new(side, confidence, entry))
}
