//! Streaming technical indicators.
//!
//! Every indicator takes one input at a time and answers `None` while it warms up,
//! then one value per input. Each update does constant work (amortised, for the
//! rolling extremes of [`Stochastic`]) and allocates nothing: windows are allocated
//! once, when the indicator is made. [`over`] runs an indicator over a whole series;
//! it is the streaming form applied value by value, so the two agree exactly by
//! construction.
//!
//! The definitions, seeds and warm-up follow TA-Lib's (its default compatibility mode,
//! unstable periods zero) and are stated in docs/strategies.md; the tests hold them to
//! values computed by TA-Lib itself. VWAP, which TA-Lib lacks, follows the usual
//! session-anchored definition.

mod atr;
mod bollinger;
mod macd;
mod moving;
mod obv;
mod rsi;
mod stochastic;
mod vwap;
mod window;

pub use atr::Atr;
pub use bollinger::{Bands, Bollinger};
pub use macd::{Macd, MacdValue};
pub use moving::{Ema, Sma, Wma};
pub use obv::Obv;
pub use rsi::Rsi;
pub use stochastic::{Stochastic, StochasticValue};
pub use vwap::{VWAP_SESSION_MS, Vwap};

/// The longest period an indicator accepts, so that a parameter cannot make one
/// allocate without bound.
pub const PERIOD_MAX: usize = 10_000;

/// One bar's prices and volume, as the indicators see them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ohlcv {
    /// The bar's open time, milliseconds since the Unix epoch.
    pub time_ms: u64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// A streaming indicator.
pub trait Indicator {
    type Input: Copy;
    type Output: Copy;

    /// How many inputs it takes to give the first output (TA-Lib's lookback plus one).
    fn warm_up(&self) -> usize;

    /// Takes the next input; answers the indicator's value once warmed up.
    fn update(&mut self, input: Self::Input) -> Option<Self::Output>;

    /// Forgets every input, as if just made.
    fn reset(&mut self);
}

/// Why an indicator's parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    #[error("{name} must be between {min} and {max}, not {value}")]
    Period {
        name: &'static str,
        value: usize,
        min: usize,
        max: usize,
    },
    #[error("{0}")]
    Invalid(&'static str),
}

/// Checks a period parameter against `min..=PERIOD_MAX`.
pub(crate) fn period(
    name: &'static str,
    value: usize,
    min: usize,
) -> Result<usize, IndicatorError> {
    if (min..=PERIOD_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(IndicatorError::Period {
            name,
            value,
            min,
            max: PERIOD_MAX,
        })
    }
}

/// Runs `indicator` over `inputs` from where it stands: one answer per input.
pub fn over<I: Indicator>(indicator: &mut I, inputs: &[I::Input]) -> Vec<Option<I::Output>> {
    inputs
        .iter()
        .map(|input| indicator.update(*input))
        .collect()
}
