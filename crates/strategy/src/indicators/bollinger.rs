//! Bollinger Bands.

use super::rsi::NEAR_ZERO;
use super::window::Window;
use super::{Indicator, IndicatorError, period};

/// The three bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    pub upper: f64,
    pub middle: f64,
    pub lower: f64,
}

/// Bollinger Bands (TA-Lib `BBANDS` over a simple average): the middle band is the
/// SMA of `period` inputs, the others lie `deviations_up` and `deviations_down`
/// population standard deviations above and below it. A variance under 1e-14 counts
/// as zero, as in TA-Lib. First value at input `period`.
///
/// The variance comes from running sums of the inputs' distances to a reference value
/// near them, re-taken from the window every `period` inputs (amortised constant
/// work): sums of raw squares would lose the variance of a quiet window to
/// cancellation, where TA-Lib answers exactly zero.
#[derive(Debug, Clone)]
pub struct Bollinger {
    window: Window,
    period: usize,
    /// The plain running sum, for the middle band (as [`super::Sma`] keeps it).
    sum: f64,
    /// The reference value, and the sums of distances to it and of their squares.
    reference: f64,
    distances: f64,
    squares: f64,
    since_rebase: usize,
    up: f64,
    down: f64,
}

impl Bollinger {
    pub fn new(
        period_len: usize,
        deviations_up: f64,
        deviations_down: f64,
    ) -> Result<Bollinger, IndicatorError> {
        let period = period("period", period_len, 2)?;
        let valid = |d: f64| d.is_finite() && (0.0..=100.0).contains(&d);
        if !valid(deviations_up) || !valid(deviations_down) {
            return Err(IndicatorError::Invalid(
                "band widths must be between 0 and 100 standard deviations",
            ));
        }
        Ok(Bollinger {
            window: Window::new(period),
            period,
            sum: 0.0,
            reference: 0.0,
            distances: 0.0,
            squares: 0.0,
            since_rebase: 0,
            up: deviations_up,
            down: deviations_down,
        })
    }

    /// Takes the window's oldest value as the new reference and sums afresh.
    fn rebase(&mut self) {
        let reference = self.window.iter().next().unwrap_or(0.0);
        self.reference = reference;
        self.distances = 0.0;
        self.squares = 0.0;
        for value in self.window.iter() {
            let distance = value - reference;
            self.distances += distance;
            self.squares += distance * distance;
        }
        self.since_rebase = 0;
    }
}

impl Indicator for Bollinger {
    type Input = f64;
    type Output = Bands;

    fn warm_up(&self) -> usize {
        self.period
    }

    fn update(&mut self, value: f64) -> Option<Bands> {
        if self.window.len() == 0 {
            self.reference = value;
        }
        if let Some(left) = self.window.push(value) {
            self.sum -= left;
            let distance = left - self.reference;
            self.distances -= distance;
            self.squares -= distance * distance;
        }
        self.sum += value;
        let distance = value - self.reference;
        self.distances += distance;
        self.squares += distance * distance;
        if !self.window.is_full() {
            return None;
        }
        self.since_rebase += 1;
        if self.since_rebase >= self.period {
            self.rebase();
        }
        let n = self.period as f64;
        let middle = self.sum / n;
        let mean_distance = self.distances / n;
        let variance = self.squares / n - mean_distance * mean_distance;
        let deviation = if variance < NEAR_ZERO {
            0.0
        } else {
            variance.sqrt()
        };
        Some(Bands {
            upper: middle + self.up * deviation,
            middle,
            lower: middle - self.down * deviation,
        })
    }

    fn reset(&mut self) {
        self.window.clear();
        self.sum = 0.0;
        self.reference = 0.0;
        self.distances = 0.0;
        self.squares = 0.0;
        self.since_rebase = 0;
    }
}
