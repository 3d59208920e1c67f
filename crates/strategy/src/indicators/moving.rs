//! Moving averages: simple, exponential and weighted.

use super::window::Window;
use super::{Indicator, IndicatorError, period};

/// Simple moving average of the last `period` values (TA-Lib `SMA`), over a running
/// sum.
#[derive(Debug, Clone)]
pub struct Sma {
    window: Window,
    sum: f64,
    period: usize,
}

impl Sma {
    pub fn new(period_len: usize) -> Result<Sma, IndicatorError> {
        let period = period("period", period_len, 1)?;
        Ok(Sma {
            window: Window::new(period),
            sum: 0.0,
            period,
        })
    }
}

impl Indicator for Sma {
    type Input = f64;
    type Output = f64;

    fn warm_up(&self) -> usize {
        self.period
    }

    fn update(&mut self, value: f64) -> Option<f64> {
        // TA-Lib's order: the value leaving goes first, then the one entering.
        if let Some(left) = self.window.push(value) {
            self.sum -= left;
        }
        self.sum += value;
        self.window.is_full().then(|| self.sum / self.period as f64)
    }

    fn reset(&mut self) {
        self.window.clear();
        self.sum = 0.0;
    }
}

/// Exponential moving average (TA-Lib `EMA`): smoothing `2 / (period + 1)`, seeded
/// with the simple average of the first `period` values, first value at the
/// `period`-th input.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    seen: usize,
    /// The sum of the seed while warming up, then the average.
    value: f64,
}

impl Ema {
    pub fn new(period_len: usize) -> Result<Ema, IndicatorError> {
        let period = period("period", period_len, 1)?;
        Ok(Ema {
            period,
            k: 2.0 / (period as f64 + 1.0),
            seen: 0,
            value: 0.0,
        })
    }

    /// An average seeded with `seed` (already warmed up), as MACD's fast line is.
    pub(crate) fn seeded(&mut self, seed: f64) {
        self.seen = self.period;
        self.value = seed;
    }

    /// The value so far, once warmed up.
    pub(crate) fn value(&self) -> Option<f64> {
        (self.seen >= self.period).then_some(self.value)
    }
}

impl Indicator for Ema {
    type Input = f64;
    type Output = f64;

    fn warm_up(&self) -> usize {
        self.period
    }

    fn update(&mut self, value: f64) -> Option<f64> {
        if self.seen < self.period {
            self.seen += 1;
            self.value += value;
            if self.seen < self.period {
                return None;
            }
            self.value /= self.period as f64;
            return Some(self.value);
        }
        self.value += (value - self.value) * self.k;
        Some(self.value)
    }

    fn reset(&mut self) {
        self.seen = 0;
        self.value = 0.0;
    }
}

/// Weighted moving average (TA-Lib `WMA`): weights 1 (oldest) to `period` (newest)
/// over their sum `period * (period + 1) / 2`.
#[derive(Debug, Clone)]
pub struct Wma {
    window: Window,
    period: usize,
    /// Sum of the window's values.
    plain: f64,
    /// Sum of each value times its weight.
    weighted: f64,
    divisor: f64,
}

impl Wma {
    pub fn new(period_len: usize) -> Result<Wma, IndicatorError> {
        let period = period("period", period_len, 1)?;
        Ok(Wma {
            window: Window::new(period),
            period,
            plain: 0.0,
            weighted: 0.0,
            divisor: (period * (period + 1)) as f64 / 2.0,
        })
    }
}

impl Indicator for Wma {
    type Input = f64;
    type Output = f64;

    fn warm_up(&self) -> usize {
        self.period
    }

    fn update(&mut self, value: f64) -> Option<f64> {
        let full_before = self.window.is_full();
        let left = self.window.push(value);
        if full_before {
            // Every weight drops by one (the oldest to zero) and the new value enters
            // at the top weight.
            self.weighted += value * self.period as f64 - self.plain;
            self.plain += value - left.unwrap_or(0.0);
        } else {
            // While filling, the n-th value pushed has weight n.
            self.plain += value;
            self.weighted += value * self.window.len() as f64;
        }
        self.window.is_full().then(|| self.weighted / self.divisor)
    }

    fn reset(&mut self) {
        self.window.clear();
        self.plain = 0.0;
        self.weighted = 0.0;
    }
}
