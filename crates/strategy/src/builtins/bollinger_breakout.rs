//! Bollinger breakout: buy a close above the upper band, leave below the middle one.

use super::Builtin;
use super::common::{ALLOCATION, Entries, STOP_LOSS_PCT, TAKE_PROFIT_PCT, signal};
use crate::bar::Bar;
use crate::indicators::{Bands, Bollinger, Indicator};
use crate::params::{ParamError, ParamKind, ParamSpec, Resolved};
use crate::signal::SignalSide;
use crate::strategy::{Context, Strategy};

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "period",
        description: "bars in the bands' average",
        kind: ParamKind::Integer {
            min: 2,
            max: 1_000,
            default: 20,
        },
    },
    ParamSpec {
        name: "deviations",
        description: "band width in standard deviations",
        kind: ParamKind::Number {
            min: 0.5,
            max: 5.0,
            default: 2.0,
        },
    },
    ALLOCATION,
    STOP_LOSS_PCT,
    TAKE_PROFIT_PCT,
];

pub const BUILTIN: Builtin = Builtin {
    name: "bollinger_breakout",
    title: "Bollinger breakout",
    description: "Buys when a bar closes above the upper band, sells when one closes below the middle band.",
    params: PARAMS,
    make,
};

#[derive(Debug, Clone)]
struct BollingerBreakout {
    bands: Bollinger,
    entries: Entries,
    previous: Option<(f64, Bands)>,
}

fn make(params: &Resolved) -> Result<Box<dyn Strategy>, ParamError> {
    let deviations = params.number("deviations");
    let bands = Bollinger::new(params.count("period"), deviations, deviations)
        .map_err(|e| ParamError::Inconsistent(e.to_string()))?;
    Ok(Box::new(BollingerBreakout {
        bands,
        entries: Entries::from(params),
        previous: None,
    }))
}

impl Strategy for BollingerBreakout {
    fn on_bar(&mut self, bar: &Bar, cx: &mut Context<'_>) {
        let close = bar.ohlcv(cx.instrument()).close;
        let Some(bands) = self.bands.update(close) else {
            return;
        };
        let Some((previous_close, previous)) = self.previous.replace((close, bands)) else {
            return;
        };
        let width = bands.upper - bands.middle;
        if previous_close <= previous.upper && close > bands.upper {
            let confidence = if width > 0.0 {
                0.5 + (close - bands.upper) / width
            } else {
                0.5
            };
            if let Some(signal) = signal(cx, SignalSide::Buy, confidence, close) {
                let signal = signal
                    .with("upper", bands.upper)
                    .with("middle", bands.middle)
                    .with("lower", bands.lower);
                self.entries.enter(cx, close, signal);
            }
        } else if close < bands.middle && previous_close >= previous.middle {
            let confidence = if width > 0.0 {
                0.5 + (bands.middle - close) / width
            } else {
                0.5
            };
            if let Some(signal) = signal(cx, SignalSide::Sell, confidence, close) {
                self.entries.exit(cx, signal.with("middle", bands.middle));
            }
        }
    }
}
