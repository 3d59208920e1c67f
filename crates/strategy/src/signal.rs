//! Signals: what a strategy thinks of a market, with the numbers behind it.

use bourse_types::Price;
use serde::{Deserialize, Serialize};

/// The most indicator values a signal carries.
pub const SIGNAL_INDICATORS_MAX: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalSide {
    Buy,
    Sell,
    Hold,
}

impl SignalSide {
    pub const fn as_str(self) -> &'static str {
        match self {
            SignalSide::Buy => "buy",
            SignalSide::Sell => "sell",
            SignalSide::Hold => "hold",
        }
    }
}

/// A signal's strength, from its confidence: below 0.25 weak, below 0.5 moderate,
/// below 0.75 strong, else very strong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Weak,
    Moderate,
    Strong,
    VeryStrong,
}

impl Strength {
    pub fn of(confidence: f64) -> Strength {
        match confidence {
            c if c < 0.25 => Strength::Weak,
            c if c < 0.5 => Strength::Moderate,
            c if c < 0.75 => Strength::Strong,
            _ => Strength::VeryStrong,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Moderate => "moderate",
            Strength::Strong => "strong",
            Strength::VeryStrong => "very_strong",
        }
    }
}

/// A signal as a strategy gives it; the runner adds the symbol, timeframe, strategy
/// and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub side: SignalSide,
    /// 0 to 1 (clamped).
    pub confidence: f64,
    pub entry: Price,
    pub stop_loss: Option<Price>,
    pub take_profit: Option<Price>,
    /// The indicator values behind it, by name (at most [`SIGNAL_INDICATORS_MAX`]).
    pub indicators: Vec<(String, f64)>,
}

impl Signal {
    pub fn new(side: SignalSide, confidence: f64, entry: Price) -> Signal {
        let confidence = if confidence.is_finite() {
            confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Signal {
            side,
            confidence,
            entry,
            stop_loss: None,
            take_profit: None,
            indicators: Vec::new(),
        }
    }

    pub fn with_stops(mut self, stop_loss: Option<Price>, take_profit: Option<Price>) -> Signal {
        self.stop_loss = stop_loss;
        self.take_profit = take_profit;
        self
    }

    /// Adds an indicator value (finite values only, up to the bound).
    pub fn with(mut self, name: &str, value: f64) -> Signal {
        if value.is_finite() && self.indicators.len() < SIGNAL_INDICATORS_MAX {
            self.indicators.push((name.to_string(), value));
        }
        self
    }

    pub fn strength(&self) -> Strength {
        Strength::of(self.confidence)
    }

    /// The reward (entry to take profit) over the risk (entry to stop loss), when
    /// both are set and the risk is not zero.
    pub fn risk_reward(&self) -> Option<f64> {
        let entry = self.entry.raw() as f64;
        let risk = (entry - self.stop_loss?.raw() as f64).abs();
        let reward = (self.take_profit?.raw() as f64 - entry).abs();
        (risk > 0.0).then(|| reward / risk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_reward_and_strength() {
        let signal = Signal::new(SignalSide::Buy, 0.8, Price::from_raw(10_000))
            .with_stops(Some(Price::from_raw(9_800)), Some(Price::from_raw(10_500)));
        assert_eq!(signal.risk_reward(), Some(2.5));
        assert_eq!(signal.strength(), Strength::VeryStrong);
        assert_eq!(Strength::of(0.3), Strength::Moderate);
        let clamped = Signal::new(SignalSide::Hold, f64::NAN, Price::from_raw(1));
        assert_eq!((clamped.confidence, clamped.risk_reward()), (0.0, None));
        let many = (0..20).fold(clamped, |s, i| s.with("x", f64::from(i)));
        assert_eq!(many.indicators.len(), SIGNAL_INDICATORS_MAX);
    }
}
