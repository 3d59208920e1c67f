//! Moving average convergence/divergence.

use super::moving::Ema;
use super::window::Window;
use super::{Indicator, IndicatorError, period};

/// One MACD reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdValue {
    /// Fast EMA less slow EMA.
    pub macd: f64,
    /// EMA of the MACD line.
    pub signal: f64,
    /// MACD less signal.
    pub histogram: f64,
}

/// MACD (TA-Lib `MACD`): the fast and slow EMAs both start at input `slow`, the slow
/// one seeded with the mean of the first `slow` inputs and the fast one with the mean
/// of the `fast` inputs ending there (TA-Lib's alignment); the signal line is an EMA
/// of the MACD line. First value at input `slow + signal - 1`.
#[derive(Debug, Clone)]
pub struct Macd {
    fast: Ema,
    slow: Ema,
    signal: Ema,
    /// The latest `fast` inputs, for the fast line's seed.
    recent: Window,
    fast_period: usize,
    slow_period: usize,
    signal_period: usize,
}

impl Macd {
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Macd, IndicatorError> {
        let fast = period("fast period", fast, 2)?;
        let slow = period("slow period", slow, 2)?;
        let signal = period("signal period", signal, 1)?;
        if fast >= slow {
            return Err(IndicatorError::Invalid(
                "the fast period must be shorter than the slow period",
            ));
        }
        Ok(Macd {
            fast: Ema::new(fast)?,
            slow: Ema::new(slow)?,
            signal: Ema::new(signal)?,
            recent: Window::new(fast),
            fast_period: fast,
            slow_period: slow,
            signal_period: signal,
        })
    }
}

impl Indicator for Macd {
    type Input = f64;
    type Output = MacdValue;

    fn warm_up(&self) -> usize {
        self.slow_period + self.signal_period - 1
    }

    fn update(&mut self, value: f64) -> Option<MacdValue> {
        let fast = if self.fast.value().is_some() {
            self.fast.update(value)
        } else {
            self.recent.push(value);
            None
        };
        let slow = self.slow.update(value)?;
        let fast = match fast {
            Some(fast) => fast,
            None => {
                // The slow line has just warmed up: seed the fast one with the mean of
                // the inputs that end here, summed in order as TA-Lib does.
                let seed = self.recent.iter().sum::<f64>() / self.fast_period as f64;
                self.fast.seeded(seed);
                seed
            }
        };
        let macd = fast - slow;
        let signal = self.signal.update(macd)?;
        Some(MacdValue {
            macd,
            signal,
            histogram: macd - signal,
        })
    }

    fn reset(&mut self) {
        self.fast.reset();
        self.slow.reset();
        self.signal.reset();
        self.recent.clear();
    }
}
