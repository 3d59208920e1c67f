//! RSI mean reversion: buy when the RSI comes back up out of oversold, sell when it
//! reaches overbought.

use super::Builtin;
use super::common::{ALLOCATION, Entries, STOP_LOSS_PCT, TAKE_PROFIT_PCT, signal};
use crate::bar::Bar;
use crate::indicators::{Indicator, Rsi};
use crate::params::{ParamError, ParamKind, ParamSpec, Resolved};
use crate::signal::SignalSide;
use crate::strategy::{Context, Strategy};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "period",
        description: "bars in the RSI",
        kind: ParamKind::Integer {
            min: 2,
            max: 500,
            default: 14,
        },
    },
    ParamSpec {
        name: "oversold",
        description: "the RSI level below which the market is oversold",
        kind: ParamKind::Number {
            min: 1.0,
            max: 50.0,
            default: 30.0,
        },
    },
    ParamSpec {
        name: "overbought",
        description: "the RSI level above which the market is overbought",
        kind: ParamKind::Number {
            min: 50.0,
            max: 99.0,
            default: 70.0,
        },
    },
    ALLOCATION,
    STOP_LOSS_PCT,
    TAKE_PROFIT_PCT,
];

pub const BUILTIN: Builtin = Builtin {
    name: "rsi_reversion",
    title: "RSI mean reversion",
    description: "Buys when the RSI rises back through the oversold level, sells when it reaches the overbought level.",
    params: PARAMS,
    make,
};

#[derive(Debug, Clone)]
struct RsiReversion {
    rsi: Rsi,
    oversold: f64,
    overbought: f64,
    entries: Entries,
    previous: Option<f64>,
}

fn make(params: &Resolved) -> Result<Box<dyn Strategy>, ParamError> {
    let rsi =
        Rsi::new(params.count("period")).map_err(|e| ParamError::Inconsistent(e.to_string()))?;
    Ok(Box::new(RsiReversion {
        rsi,
        oversold: params.number("oversold"),
        overbought: params.number("overbought"),
        entries: Entries::from(params),
        previous: None,
    }))
}

impl Strategy for RsiReversion {
    fn on_bar(&mut self, bar: &Bar, cx: &mut Context<'_>) {
        let close = bar.ohlcv(cx.instrument()).close;
        let Some(rsi) = self.rsi.update(close) else {
            return;
        };
        let Some(previous) = self.previous.replace(rsi) else {
            return;
        };
        if previous < self.oversold && rsi >= self.oversold {
            // The deeper it was, the surer.
            let confidence = (self.oversold - previous) / self.oversold + 0.5;
            if let Some(signal) = signal(cx, SignalSide::Buy, confidence, close) {
                self.entries.enter(cx, close, signal.with("rsi", rsi));
            }
        } else if rsi >= self.overbought && previous < self.overbought {
            let confidence = (rsi - self.overbought) / (100.0 - self.overbought) + 0.5;
            if let Some(signal) = signal(cx, SignalSide::Sell, confidence, close) {
                self.entries.exit(cx, signal.with("rsi", rsi));
            }
        }
    }
}
