//! The stochastic oscillator.

use super::moving::Sma;
use super::window::Extremum;
use super::{Indicator, IndicatorError, Ohlcv, period};

/// One stochastic reading, both lines 0..100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StochasticValue {
    /// Slow %K: the SMA of fast %K.
    pub k: f64,
    /// Slow %D: the SMA of slow %K.
    pub d: f64,
}

/// The slow stochastic (TA-Lib `STOCH` with simple averages): fast %K is where the
/// close lies in the range of the last `fast_k` bars,
/// `(close - lowest low) / ((highest high - lowest low) / 100)`, and 0 when that range
/// is empty; slow %K is its `slow_k` SMA and %D the `slow_d` SMA of slow %K. First
/// value at input `fast_k + slow_k + slow_d - 2`.
#[derive(Debug, Clone)]
pub struct Stochastic {
    highest: Extremum,
    lowest: Extremum,
    fast_k: usize,
    seen: usize,
    slow_k: Sma,
    slow_d: Sma,
}

impl Stochastic {
    pub fn new(fast_k: usize, slow_k: usize, slow_d: usize) -> Result<Stochastic, IndicatorError> {
        let fast_k = period("fast %K period", fast_k, 1)?;
        Ok(Stochastic {
            highest: Extremum::highest(fast_k),
            lowest: Extremum::lowest(fast_k),
            fast_k,
            seen: 0,
            slow_k: Sma::new(period("slow %K period", slow_k, 1)?)?,
            slow_d: Sma::new(period("slow %D period", slow_d, 1)?)?,
        })
    }
}

impl Indicator for Stochastic {
    type Input = Ohlcv;
    type Output = StochasticValue;

    fn warm_up(&self) -> usize {
        self.fast_k + self.slow_k.warm_up() + self.slow_d.warm_up() - 2
    }

    fn update(&mut self, bar: Ohlcv) -> Option<StochasticValue> {
        let highest = self.highest.push(bar.high);
        let lowest = self.lowest.push(bar.low);
        if self.seen < self.fast_k {
            self.seen += 1;
            if self.seen < self.fast_k {
                return None;
            }
        }
        let range = (highest - lowest) / 100.0;
        let fast = if range != 0.0 {
            (bar.close - lowest) / range
        } else {
            0.0
        };
        let k = self.slow_k.update(fast)?;
        let d = self.slow_d.update(k)?;
        Some(StochasticValue { k, d })
    }

    fn reset(&mut self) {
        self.highest.clear();
        self.lowest.clear();
        self.seen = 0;
        self.slow_k.reset();
        self.slow_d.reset();
    }
}
