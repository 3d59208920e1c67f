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

impl Timestamp {
    /// Reads an RFC 3339 UTC time (`2026-11-21T19:04:05Z`, with optional fraction of
    /// seconds, `+00:00` for `Z`, a space for `T`), or a bare date (`2026-11-21`,
    /// midnight). Other offsets, and dates before 1970, are refused.
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        let number = |from: usize, len: usize| -> Option<u64> {
            let part = bytes.get(from..from + len)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
        };
        if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
        if year < 1970 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month)
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        if bytes.len() == 10 {
            return Some(Timestamp(days * 86_400 * 1_000_000_000));
        }
        if !matches!(bytes[10], b'T' | b't' | b' ')
            || bytes.len() < 20
            || bytes[13] != b':'
            || bytes[16] != b':'
        {
            return None;
        }
        let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut at = 19;
        let mut nanos = 0u64;
        if bytes.get(at) == Some(&b'.') {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 || digits > 9 {
                return None;
            }
            nanos = number(at + 1, digits)? * 10u64.pow(9 - digits as u32);
            at += 1 + digits;
        }
        match &text[at..] {
            "Z" | "z" | "+00:00" => {}
            _ => return None,
        }
        let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
        Some(Timestamp(
            secs.checked_mul(1_000_000_000)?.checked_add(nanos)?,
        ))
    }
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (after Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn reads_rfc3339() {
        let read = |t: &str| Timestamp::parse_rfc3339(t).map(|t| t.nanos());
        assert_eq!(read("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            read("2000-02-29T12:34:56.789012345Z"),
            Some(951_827_696_789_012_345)
        );
        assert_eq!(
            read("2026-11-21 19:04:05+00:00"),
            read("2026-11-21T19:04:05Z")
        );
        assert_eq!(
            read("2026-11-21T19:04:05.5Z"),
            Some(1_795_287_845_500_000_000)
        );
        assert_eq!(read("2026-11-21"), Some(1_795_219_200_000_000_000));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-11-21T24:00:00Z",
            "2026-11-21T19:04:05+01:00",
            "2026-11-21T19:04:05",
            "1969-12-31",
            "26-11-21",
            "2026-11-21T19:04:05.Z",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
        for nanos in [0, 951_827_696_789_012_345, 1_795_287_845_000_000_000] {
            let text = Timestamp(nanos).to_rfc3339(9);
            assert_eq!(read(&text), Some(nanos));
        }
    }

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
