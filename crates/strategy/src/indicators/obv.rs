//! On-balance volume.

use super::{Indicator, Ohlcv};

/// OBV (TA-Lib `OBV`): starts at the first bar's volume, then adds a bar's volume when
/// it closes above the previous close and subtracts it when below. First value at the
/// first input.
#[derive(Debug, Clone, Default)]
pub struct Obv {
    previous_close: Option<f64>,
    value: f64,
}

impl Obv {
    pub fn new() -> Obv {
        Obv::default()
    }
}

impl Indicator for Obv {
    type Input = Ohlcv;
    type Output = f64;

    fn warm_up(&self) -> usize {
        1
    }

    fn update(&mut self, bar: Ohlcv) -> Option<f64> {
        match self.previous_close.replace(bar.close) {
            None => self.value = bar.volume,
            Some(previous) if bar.close > previous => self.value += bar.volume,
            Some(previous) if bar.close < previous => self.value -= bar.volume,
            Some(_) => {}
        }
        Some(self.value)
    }

    fn reset(&mut self) {
        *self = Obv::default();
    }
}
