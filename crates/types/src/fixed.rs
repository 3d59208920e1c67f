//! Fixed-point money.
//!
//! Each type is a `u64` count of minor units. What a unit is depends on context and is
//! fixed by the instrument or asset it belongs to:
//! - [`Price`]: `10^-price_scale` of the quote asset per whole unit of the base asset;
//! - [`Qty`]: minor units of the base asset (`10^-scale` of one unit);
//! - [`Amount`]: minor units of an asset.
//!
//! Arithmetic is checked: an overflow is a value (`None`), never a wrap.

use serde::{Deserialize, Serialize};

macro_rules! fixed_point {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            pub const ZERO: $name = $name(0);
            pub const MAX: $name = $name(u64::MAX);

            /// Wraps a count of minor units.
            pub const fn from_raw(raw: u64) -> Self {
                $name(raw)
            }

            /// The count of minor units.
            pub const fn raw(self) -> u64 {
                self.0
            }

            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            pub fn checked_add(self, other: Self) -> Option<Self> {
                self.0.checked_add(other.0).map($name)
            }

            pub fn checked_sub(self, other: Self) -> Option<Self> {
                self.0.checked_sub(other.0).map($name)
            }

            /// For totals outside the engine (read models, statistics), which report
            /// and must not stop; the engine itself uses the checked forms.
            pub const fn saturating_add(self, other: Self) -> Self {
                $name(self.0.saturating_add(other.0))
            }

            /// Formats with exactly `scale` decimals.
            pub fn to_decimal(self, scale: u8) -> String {
                crate::decimal::format_decimal(self.0, scale)
            }
        }
    };
}

fixed_point!(
    /// A limit or trade price: `10^-price_scale` quote units per whole base unit.
    Price
);
fixed_point!(
    /// An order or trade quantity in minor units of the base asset.
    Qty
);
fixed_point!(
    /// A balance or transfer amount in minor units of an asset.
    Amount
);

/// A fee in basis points of `notional`, rounded down to the minor unit.
///
/// Fills charge fees rounded down and holds reserve fees rounded up ([`fee_ceil`]); with
/// that pair, the sum of the fees of any split of an order never exceeds what was held
/// for it (`floor(x) + ceil(y) <= ceil(x + y)`).
#[inline]
pub fn fee_floor(notional: Amount, fee_bps: u16) -> Amount {
    if let Some(product) = notional.raw().checked_mul(u64::from(fee_bps)) {
        return Amount::from_raw(product / u64::from(crate::BPS_DENOMINATOR));
    }
    let fee = u128::from(notional.raw()) * u128::from(fee_bps) / u128::from(crate::BPS_DENOMINATOR);
    // fee_bps <= 10_000 is enforced by instrument validation, so fee <= notional.
    Amount::from_raw(u64::try_from(fee).unwrap_or(u64::MAX))
}

/// A fee in basis points of `notional`, rounded up to the minor unit. Used for holds.
#[inline]
pub fn fee_ceil(notional: Amount, fee_bps: u16) -> Amount {
    if let Some(product) = notional.raw().checked_mul(u64::from(fee_bps)) {
        return Amount::from_raw(product.div_ceil(u64::from(crate::BPS_DENOMINATOR)));
    }
    let denominator = u128::from(crate::BPS_DENOMINATOR);
    let fee = (u128::from(notional.raw()) * u128::from(fee_bps)).div_ceil(denominator);
    Amount::from_raw(u64::try_from(fee).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(
            Qty::from_raw(2).checked_add(Qty::from_raw(3)),
            Some(Qty::from_raw(5))
        );
        assert_eq!(Qty::MAX.checked_add(Qty::from_raw(1)), None);
        assert_eq!(Amount::from_raw(1).checked_sub(Amount::from_raw(2)), None);
    }

    #[test]
    fn fees_round_in_opposite_directions() {
        assert_eq!(
            fee_floor(Amount::from_raw(10_001), 10),
            Amount::from_raw(10)
        );
        assert_eq!(fee_ceil(Amount::from_raw(10_001), 10), Amount::from_raw(11));
        assert_eq!(fee_ceil(Amount::from_raw(10_000), 10), Amount::from_raw(10));
        assert_eq!(fee_floor(Amount::MAX, 10_000), Amount::MAX);
        assert_eq!(fee_ceil(Amount::ZERO, 25), Amount::ZERO);
    }

    proptest::proptest! {
        #[test]
        fn split_fees_never_exceed_the_held_fee(a in 0u64..1 << 40, b in 0u64..1 << 40, bps in 0u16..=10_000) {
            let held = fee_ceil(Amount::from_raw(a + b), bps).raw();
            let charged = fee_floor(Amount::from_raw(a), bps).raw();
            let still_held = fee_ceil(Amount::from_raw(b), bps).raw();
            proptest::prop_assert!(charged + still_held <= held);
        }
    }
}
