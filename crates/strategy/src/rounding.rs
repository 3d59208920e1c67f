//! From a strategy's number to an order's price or quantity.
//!
//! Strategies compute in `f64` (indicator values, a stop two ATRs away, a position of
//! 2% of equity). Before any of it reaches an order it passes through [`to_units`],
//! the one rounding in the crate: the value is scaled to the instrument's minor units,
//! divided into whole ticks (prices) or lots (quantities), and rounded as asked. A
//! value within one part in 10^9 of a whole number of steps is taken as that number,
//! so that `64999.99` at two decimals is 6,499,999 units and not one tick less because
//! of binary floating point.

use bourse_types::{Instrument, Price, Qty};

/// How a value between two steps becomes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Toward zero: a buy's limit, a quantity (never more than was meant).
    Down,
    /// Away from zero: a sell's limit.
    Up,
    /// To the nearest step, halves away from zero.
    Nearest,
}

/// Why a value cannot be an order's price or quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RoundingError {
    #[error("the value is not a finite number")]
    NotFinite,
    #[error("the value rounds to zero or below")]
    NotPositive,
    #[error("the value is too large for the instrument")]
    TooLarge,
}

/// Relative distance from a whole number of steps under which a value is that number.
const STEP_TOLERANCE: f64 = 1e-9;

/// `value` (in whole units: quote per base for a price, base units for a quantity) as
/// a positive whole number of `step` minor units at `scale` decimals, rounded as told.
pub fn to_units(
    value: f64,
    scale: u8,
    step: u64,
    rounding: Rounding,
) -> Result<u64, RoundingError> {
    if !value.is_finite() {
        return Err(RoundingError::NotFinite);
    }
    let step = step.max(1);
    let steps = value * power_of_ten(scale) / step as f64;
    let nearest = steps.round();
    let whole = if (steps - nearest).abs() <= STEP_TOLERANCE * nearest.abs().max(1.0) {
        nearest
    } else {
        match rounding {
            Rounding::Down => steps.trunc(),
            Rounding::Up => steps.signum() * steps.abs().ceil(),
            Rounding::Nearest => nearest,
        }
    };
    if whole < 1.0 {
        return Err(RoundingError::NotPositive);
    }
    // 2^64 as f64; anything at or above it cannot be a count of steps.
    if whole >= 18_446_744_073_709_551_616.0 {
        return Err(RoundingError::TooLarge);
    }
    (whole as u64)
        .checked_mul(step)
        .ok_or(RoundingError::TooLarge)
}

/// A price on `instrument`'s tick.
pub fn price(
    value: f64,
    instrument: &Instrument,
    rounding: Rounding,
) -> Result<Price, RoundingError> {
    to_units(
        value,
        instrument.price_scale(),
        instrument.tick_size().raw(),
        rounding,
    )
    .map(Price::from_raw)
}

/// A quantity on `instrument`'s lot.
pub fn quantity(
    value: f64,
    instrument: &Instrument,
    rounding: Rounding,
) -> Result<Qty, RoundingError> {
    to_units(
        value,
        instrument.base_scale(),
        instrument.lot_size().raw(),
        rounding,
    )
    .map(Qty::from_raw)
}

/// Powers of ten up to the largest scale, so that conversions do not compute them.
const POWERS_OF_TEN: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

/// `10^scale` (scales above 18 are not valid for an instrument).
pub fn power_of_ten(scale: u8) -> f64 {
    POWERS_OF_TEN
        .get(usize::from(scale))
        .copied()
        .unwrap_or_else(|| 10f64.powi(i32::from(scale)))
}

/// An integer count of `10^-scale` units as an `f64` in whole units, for indicators
/// and statistics.
pub fn to_f64(raw: u64, scale: u8) -> f64 {
    raw as f64 / power_of_ten(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_to_whole_steps_as_told() {
        // Two decimals, a tick of 5 units (0.05).
        assert_eq!(to_units(64999.99, 2, 1, Rounding::Down), Ok(6_499_999));
        assert_eq!(to_units(100.07, 2, 5, Rounding::Down), Ok(10_005));
        assert_eq!(to_units(100.07, 2, 5, Rounding::Up), Ok(10_010));
        assert_eq!(to_units(100.07, 2, 5, Rounding::Nearest), Ok(10_005));
        assert_eq!(to_units(100.08, 2, 5, Rounding::Nearest), Ok(10_010));
        // 0.1 + 0.2 is 0.30000000000000004: still three tenths.
        assert_eq!(to_units(0.1 + 0.2, 1, 1, Rounding::Up), Ok(3));
    }

    #[test]
    fn what_cannot_be_an_order_is_refused() {
        assert_eq!(
            to_units(f64::NAN, 2, 1, Rounding::Down),
            Err(RoundingError::NotFinite)
        );
        assert_eq!(
            to_units(f64::INFINITY, 2, 1, Rounding::Down),
            Err(RoundingError::NotFinite)
        );
        assert_eq!(
            to_units(0.004, 2, 1, Rounding::Down),
            Err(RoundingError::NotPositive)
        );
        assert_eq!(
            to_units(-3.0, 2, 1, Rounding::Up),
            Err(RoundingError::NotPositive)
        );
        assert_eq!(
            to_units(1e30, 8, 1, Rounding::Down),
            Err(RoundingError::TooLarge)
        );
        assert_eq!(to_units(0.004, 2, 1, Rounding::Up), Ok(1));
    }

    proptest::proptest! {
        #[test]
        fn a_whole_number_of_steps_survives_the_round_trip(steps in 1u64..1 << 40, step in 1u64..1000, scale in 0u8..9) {
            let raw = steps * step;
            let value = to_f64(raw, scale);
            for rounding in [Rounding::Down, Rounding::Up, Rounding::Nearest] {
                proptest::prop_assert_eq!(to_units(value, scale, step, rounding), Ok(raw));
            }
        }
    }
}
