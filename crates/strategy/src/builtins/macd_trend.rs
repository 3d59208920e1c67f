//! MACD trend: long while the MACD histogram is above zero.

use super::Builtin;
use super::common::{ALLOCATION, Entries, STOP_LOSS_PCT, TAKE_PROFIT_PCT, signal};
use crate::bar::Bar;
use crate::indicators::{Indicator, Macd};
use crate::params::{ParamError, ParamKind, ParamSpec, Resolved};
use crate::signal::SignalSide;
use crate::strategy::{Context, Strategy};

/// A histogram of this share of the price is full confidence.
const FULL_CONFIDENCE_HISTOGRAM: f64 = 0.001;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "fast",
        description: "bars in the fast EMA",
        kind: ParamKind::Integer {
            min: 2,
            max: 500,
            default: 12,
        },
    },
    ParamSpec {
        name: "slow",
        description: "bars in the slow EMA",
        kind: ParamKind::Integer {
            min: 3,
            max: 1_000,
            default: 26,
        },
    },
    ParamSpec {
        name: "signal",
        description: "bars in the signal line's EMA",
        kind: ParamKind::Integer {
            min: 1,
            max: 500,
            default: 9,
        },
    },
    ALLOCATION,
    STOP_LOSS_PCT,
    TAKE_PROFIT_PCT,
];

pub const BUILTIN: Builtin = Builtin {
    name: "macd_trend",
    title: "MACD trend",
    description: "Buys when the MACD crosses above its signal line, sells when it crosses below.",
    params: PARAMS,
    make,
};

#[derive(Debug, Clone)]
struct MacdTrend {
    macd: Macd,
    entries: Entries,
    above: Option<bool>,
}

fn make(params: &Resolved) -> Result<Box<dyn Strategy>, ParamError> {
    let macd = Macd::new(
        params.count("fast"),
        params.count("slow"),
        params.count("signal"),
    )
    .map_err(|e| ParamError::Inconsistent(e.to_string()))?;
    Ok(Box::new(MacdTrend {
        macd,
        entries: Entries::from(params),
        above: None,
    }))
}

impl Strategy for MacdTrend {
    fn on_bar(&mut self, bar: &Bar, cx: &mut Context<'_>) {
        let close = bar.ohlcv(cx.instrument()).close;
        let Some(value) = self.macd.update(close) else {
            return;
        };
        let above = value.histogram > 0.0;
        let crossed = self.above.is_some_and(|was| was != above);
        self.above = Some(above);
        if !crossed || close <= 0.0 {
            return;
        }
        let confidence = value.histogram.abs() / (close * FULL_CONFIDENCE_HISTOGRAM);
        let side = if above {
            SignalSide::Buy
        } else {
            SignalSide::Sell
        };
        let Some(signal) = signal(cx, side, confidence, close) else {
            return;
        };
        let signal = signal
            .with("macd", value.macd)
            .with("signal", value.signal)
            .with("histogram", value.histogram);
        if above {
            self.entries.enter(cx, close, signal);
        } else {
            self.entries.exit(cx, signal);
        }
    }
}
