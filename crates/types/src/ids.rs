//! Identifiers. Each is a distinct type so that an order id can never be passed where
//! an account owner is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id!(
    /// The owner of ledger accounts: a user, a bot, or one of the engine's system
    /// owners (see `bourse_engine::SYSTEM_OWNERS`).
    OwnerId(u64), "u"
);
id!(
    /// An asset, numbered by the engine in listing order.
    AssetId(u16), "a"
);
id!(
    /// An instrument, numbered by the engine in listing order.
    InstrumentId(u32), "i"
);
id!(
    /// An order, numbered by the engine from 1 in acceptance order.
    OrderId(u64), "o"
);
id!(
    /// A trade, numbered by the engine from 1.
    TradeId(u64), "t"
);
id!(
    /// A deposit or withdrawal, chosen by the caller: it is the idempotency key.
    TransferId(u64), "x"
);

/// Nanoseconds since the Unix epoch. The engine never reads a clock: every command
/// carries the timestamp its sequencer gave it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub const fn from_nanos(nanos: u64) -> Self {
        Timestamp(nanos)
    }

    pub const fn nanos(self) -> u64 {
        self.0
    }

    pub const fn from_millis(millis: u64) -> Self {
        Timestamp(millis.saturating_mul(1_000_000))
    }

    pub const fn millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// RFC 3339 in UTC with `fraction_digits` (0 to 9) decimals of seconds:
    /// `2026-11-21T19:04:05.123Z`.
    pub fn to_rfc3339(self, fraction_digits: u32) -> String {
        let secs = self.0 / 1_000_000_000;
        let nanos = self.0 % 1_000_000_000;
        let (year, month, day) = civil_from_days(secs / 86_400);
        let rem = secs % 86_400;
        // Written digit by digit: every order, trade and message carries timestamps.
        let mut text = String::with_capacity(30);
        push_digits(&mut text, year, 4);
        text.push('-');
        push_digits(&mut text, month, 2);
        text.push('-');
        push_digits(&mut text, day, 2);
        text.push('T');
        push_digits(&mut text, rem / 3_600, 2);
        text.push(':');
        push_digits(&mut text, rem / 60 % 60, 2);
        text.push(':');
        push_digits(&mut text, rem % 60, 2);
        let digits = fraction_digits.min(9);
        if digits > 0 {
            text.push('.');
            push_digits(&mut text, nanos / 10u64.pow(9 - digits), digits as usize);
        }
        text.push('Z');
        text
    }
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
fn push_digits(out: &mut String, value: u64, width: usize) {
    out.push_str(crate::decimal::digits(&mut [0; 20], value, width));
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (after Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(Timestamp(0).to_rfc3339(3), "1970-01-01T00:00:00.000Z");
        // 2000-02-29T12:34:56.789012345Z, a leap day.
        assert_eq!(
            Timestamp(951_827_696_789_012_345).to_rfc3339(9),
            "2000-02-29T12:34:56.789012345Z"
        );
        assert_eq!(
            Timestamp(951_827_696_789_012_345).to_rfc3339(0),
            "2000-02-29T12:34:56Z"
        );
        // Fractions keep their leading zeros.
        assert_eq!(
            Timestamp(5_000_000).to_rfc3339(3),
            "1970-01-01T00:00:00.005Z"
        );
        assert_eq!(Timestamp(7).to_rfc3339(9), "1970-01-01T00:00:00.000000007Z");
        // 2026-11-21T19:04:05Z.
        assert_eq!(
            Timestamp::from_millis(1_795_287_845_000).to_rfc3339(3),
            "2026-11-21T19:04:05.000Z"
        );
    }
}
