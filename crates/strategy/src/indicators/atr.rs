//! Average true range.

use super::{Indicator, IndicatorError, Ohlcv, period};

/// ATR (TA-Lib `ATR`): the true range of a bar is the largest of its range and the
/// distances from the previous close to its high and low, so the first bar has none;
/// the first ATR is the mean of the first `period` true ranges, then each is
/// `(previous * (period - 1) + true range) / period`. First value at input
/// `period + 1`.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    previous_close: Option<f64>,
    ranges: usize,
    value: f64,
}

impl Atr {
    pub fn new(period_len: usize) -> Result<Atr, IndicatorError> {
        Ok(Atr {
            period: period("period", period_len, 1)?,
            previous_close: None,
            ranges: 0,
            value: 0.0,
        })
    }
}

/// The true range of `bar` after a bar that closed at `previous_close`.
pub fn true_range(bar: &Ohlcv, previous_close: f64) -> f64 {
    let mut greatest = bar.high - bar.low;
    let to_high = (previous_close - bar.high).abs();
    if to_high > greatest {
        greatest = to_high;
    }
    let to_low = (previous_close - bar.low).abs();
    if to_low > greatest {
        greatest = to_low;
    }
    greatest
}

impl Indicator for Atr {
    type Input = Ohlcv;
    type Output = f64;

    fn warm_up(&self) -> usize {
        self.period + 1
    }

    fn update(&mut self, bar: Ohlcv) -> Option<f64> {
        let previous = self.previous_close.replace(bar.close)?;
        let range = true_range(&bar, previous);
        let n = self.period as f64;
        self.ranges += 1;
        if self.ranges <= self.period {
            // The seed is a running sum, as TA-Lib's SMA of the first ranges.
            self.value += range;
            if self.ranges < self.period {
                return None;
            }
            self.value /= n;
            return Some(self.value);
        }
        self.value = (self.value * (n - 1.0) + range) / n;
        Some(self.value)
    }

    fn reset(&mut self) {
        self.previous_close = None;
        self.ranges = 0;
        self.value = 0.0;
    }
}
