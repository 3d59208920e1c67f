//! Relative strength index, Wilder's smoothing.

use super::{Indicator, IndicatorError, period};

/// TA-Lib's epsilon: a value closer to zero than this counts as zero.
pub(crate) const NEAR_ZERO: f64 = 1e-14;

/// RSI over `period` changes (TA-Lib `RSI`): the first average gain and loss are the
/// plain means of the first `period` changes, then each is smoothed as
/// `(previous * (period - 1) + current) / period`; RSI is
/// `100 * gain / (gain + loss)`, and 0 when both are (near) zero, as TA-Lib answers.
/// First value at input `period + 1`.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    previous: Option<f64>,
    changes: usize,
    gain: f64,
    loss: f64,
}

impl Rsi {
    pub fn new(period_len: usize) -> Result<Rsi, IndicatorError> {
        Ok(Rsi {
            period: period("period", period_len, 2)?,
            previous: None,
            changes: 0,
            gain: 0.0,
            loss: 0.0,
        })
    }

    fn value(&self) -> f64 {
        let total = self.gain + self.loss;
        if total.abs() < NEAR_ZERO {
            0.0
        } else {
            100.0 * (self.gain / total)
        }
    }
}

impl Indicator for Rsi {
    type Input = f64;
    type Output = f64;

    fn warm_up(&self) -> usize {
        self.period + 1
    }

    fn update(&mut self, value: f64) -> Option<f64> {
        let previous = self.previous.replace(value)?;
        let change = value - previous;
        let n = self.period as f64;
        self.changes += 1;
        if self.changes < self.period {
            if change < 0.0 {
                self.loss -= change;
            } else {
                self.gain += change;
            }
            return None;
        }
        if self.changes == self.period {
            if change < 0.0 {
                self.loss -= change;
            } else {
                self.gain += change;
            }
            self.loss /= n;
            self.gain /= n;
            return Some(self.value());
        }
        self.loss *= n - 1.0;
        self.gain *= n - 1.0;
        if change < 0.0 {
            self.loss -= change;
        } else {
            self.gain += change;
        }
        self.loss /= n;
        self.gain /= n;
        Some(self.value())
    }

    fn reset(&mut self) {
        self.previous = None;
        self.changes = 0;
        self.gain = 0.0;
        self.loss = 0.0;
    }
}
