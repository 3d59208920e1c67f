//! Volume-weighted average price, anchored to sessions.

use super::{Indicator, IndicatorError, Ohlcv};

/// The session VWAP starts again with each day (UTC) unless told otherwise.
pub const VWAP_SESSION_MS: u64 = 86_400_000;

/// VWAP over each session (TA-Lib has none; this is the usual definition): the sum of
/// typical price `(high + low + close) / 3` times volume over the sum of volume, for
/// the bars of the session so far; sessions are `session_ms` long from the Unix epoch.
/// While a session has traded nothing, the VWAP is the bar's typical price. First
/// value at the first input.
#[derive(Debug, Clone)]
pub struct Vwap {
    session_ms: u64,
    session: Option<u64>,
    value_volume: f64,
    volume: f64,
}

impl Vwap {
    pub fn new(session_ms: u64) -> Result<Vwap, IndicatorError> {
        if session_ms == 0 {
            return Err(IndicatorError::Invalid(
                "a VWAP session must last some time",
            ));
        }
        Ok(Vwap {
            session_ms,
            session: None,
            value_volume: 0.0,
            volume: 0.0,
        })
    }
}

impl Indicator for Vwap {
    type Input = Ohlcv;
    type Output = f64;

    fn warm_up(&self) -> usize {
        1
    }

    fn update(&mut self, bar: Ohlcv) -> Option<f64> {
        let session = bar.time_ms / self.session_ms;
        if self.session != Some(session) {
            self.session = Some(session);
            self.value_volume = 0.0;
            self.volume = 0.0;
        }
        let typical = (bar.high + bar.low + bar.close) / 3.0;
        self.value_volume += typical * bar.volume;
        self.volume += bar.volume;
        Some(if self.volume > 0.0 {
            self.value_volume / self.volume
        } else {
            typical
        })
    }

    fn reset(&mut self) {
        self.session = None;
        self.value_volume = 0.0;
        self.volume = 0.0;
    }
}
