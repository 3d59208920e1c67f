//! Moving-average crossover: long while the fast average is above the slow one.

use super::Builtin;
use super::common::{ALLOCATION, Entries, STOP_LOSS_PCT, TAKE_PROFIT_PCT, signal};
use crate::bar::Bar;
use crate::indicators::{Ema, Indicator, IndicatorError, Sma};
use crate::params::{ParamError, ParamKind, ParamSpec, Resolved};
use crate::signal::SignalSide;
use crate::strategy::{Context, Strategy};

/// A spread between the averages of this share of the slow one is full confidence.
const FULL_CONFIDENCE_SPREAD: f64 = 0.005;
/// Averages closer than this share of the slow one are equal: floating point would
/// otherwise decide an exact tie by the rounding of its sums.
const TIE_TOLERANCE: f64 = 1e-12;

const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "fast",
        description: "bars in the fast average",
        kind: ParamKind::Integer {
            min: 1,
            max: 1_000,
            default: 10,
        },
    },
    ParamSpec {
        name: "slow",
        description: "bars in the slow average",
        kind: ParamKind::Integer {
            min: 2,
            max: 5_000,
            default: 30,
        },
    },
    ParamSpec {
        name: "average",
        description: "simple or exponential averages",
        kind: ParamKind::Choice {
            options: &["sma", "ema"],
            default: "sma",
        },
    },
    ALLOCATION,
    STOP_LOSS_PCT,
    TAKE_PROFIT_PCT,
];

pub const BUILTIN: Builtin = Builtin {
    name: "sma_crossover",
    title: "Moving-average crossover",
    description: "Buys when the fast average crosses above the slow one, sells when it crosses below.",
    params: PARAMS,
    make,
};

#[derive(Debug, Clone)]
enum Average {
    Simple(Sma),
    Exponential(Ema),
}

impl Average {
    fn new(exponential: bool, period: usize) -> Result<Average, IndicatorError> {
        Ok(if exponential {
            Average::Exponential(Ema::new(period)?)
        } else {
            Average::Simple(Sma::new(period)?)
        })
    }

    fn update(&mut self, value: f64) -> Option<f64> {
        match self {
            Average::Simple(a) => a.update(value),
            Average::Exponential(a) => a.update(value),
        }
    }
}

#[derive(Debug, Clone)]
struct Crossover {
    fast: Average,
    slow: Average,
    entries: Entries,
    /// The sign of fast less slow at the last bar.
    above: Option<bool>,
}

fn make(params: &Resolved) -> Result<Box<dyn Strategy>, ParamError> {
    let (fast, slow) = (params.count("fast"), params.count("slow"));
    if fast >= slow {
        return Err(ParamError::Inconsistent(
            "`fast` must be shorter than `slow`".to_string(),
        ));
    }
    let exponential = params.choice("average") == "ema";
    let invalid = |e: IndicatorError| ParamError::Inconsistent(e.to_string());
    Ok(Box::new(Crossover {
        fast: Average::new(exponential, fast).map_err(invalid)?,
        slow: Average::new(exponential, slow).map_err(invalid)?,
        entries: Entries::from(params),
        above: None,
    }))
}

impl Strategy for Crossover {
    fn on_bar(&mut self, bar: &Bar, cx: &mut Context<'_>) {
        let close = bar.ohlcv(cx.instrument()).close;
        let (Some(fast), Some(slow)) = (self.fast.update(close), self.slow.update(close)) else {
            return;
        };
        let above = fast - slow > TIE_TOLERANCE * slow.abs();
        let crossed = self.above.is_some_and(|was| was != above);
        self.above = Some(above);
        if !crossed {
            return;
        }
        let confidence = ((fast - slow).abs() / slow / FULL_CONFIDENCE_SPREAD).min(1.0);
        let side = if above {
            SignalSide::Buy
        } else {
            SignalSide::Sell
        };
        let Some(signal) = signal(cx, side, confidence, close) else {
            return;
        };
        let signal = signal.with("fast", fast).with("slow", slow);
        if above {
            self.entries.enter(cx, close, signal);
        } else {
            self.entries.exit(cx, signal);
        }
    }
}
