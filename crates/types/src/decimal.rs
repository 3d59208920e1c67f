//! Decimal strings to and from scaled integers.
//!
//! The wire carries money as decimal strings ("101.25"); the engine carries it as an
//! integer count of minor units at a fixed scale (10125 at scale 2). Parsing is strict:
//! no exponent, no sign, no whitespace, no grouping. Trailing zeros beyond the scale are
//! accepted because they do not change the value ("1.50" at scale 1 is 15); any other
//! digit beyond the scale is an error, never a rounding.

use std::fmt;

/// The largest scale a value may carry: 10^18 still fits in a `u64`.
pub const MAX_SCALE: u8 = 18;

/// Longest decimal string accepted, so a hostile input cannot make parsing slow.
const INPUT_LEN_MAX: usize = 64;

/// Why a decimal string or a value was refused. Each case has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("value is empty")]
    Empty,
    #[error("value is not a plain decimal number")]
    Malformed,
    #[error("value is negative")]
    Negative,
    #[error("value is zero")]
    Zero,
    #[error("value has more than {max} decimal places")]
    TooManyDecimals { max: u8 },
    #[error("value is too large")]
    Overflow,
    #[error("price is not a multiple of the tick size")]
    NotMultipleOfTick,
    #[error("quantity is not a multiple of the lot size")]
    NotMultipleOfLot,
}

impl ValueError {
    /// The stable, documented error code.
    pub const fn code(self) -> &'static str {
        match self {
            ValueError::Empty => "EMPTY_VALUE",
            ValueError::Malformed => "MALFORMED_DECIMAL",
            ValueError::Negative => "NEGATIVE_VALUE",
            ValueError::Zero => "ZERO_VALUE",
            ValueError::TooManyDecimals { .. } => "TOO_MANY_DECIMALS",
            ValueError::Overflow => "VALUE_OVERFLOW",
            ValueError::NotMultipleOfTick => "INVALID_TICK",
            ValueError::NotMultipleOfLot => "INVALID_LOT",
        }
    }
}

/// Parses a non-negative decimal string into an integer count of `10^-scale` units.
///
/// Zero is accepted here; callers that need a positive value check for it (see
/// [`crate::Price::parse`] and friends), so that "zero" keeps its own error.
pub fn parse_decimal(input: &str, scale: u8) -> Result<u64, ValueError> {
    debug_assert!(scale <= MAX_SCALE);
    if input.is_empty() {
        return Err(ValueError::Empty);
    }
    if input.len() > INPUT_LEN_MAX {
        return Err(ValueError::Overflow);
    }
    let bytes = input.as_bytes();
    if bytes[0] == b'-' {
        // "-0" is still a negative sign, and a client that sends it made a mistake.
        let rest = &input[1..];
        return match parse_decimal(rest, scale) {
            Ok(_) | Err(ValueError::Overflow | ValueError::TooManyDecimals { .. }) => {
                Err(ValueError::Negative)
            }
            Err(_) => Err(ValueError::Malformed),
        };
    }
    let (int_part, frac_part) = match input.find('.') {
        Some(dot) => (&input[..dot], Some(&input[dot + 1..])),
        None => (input, None),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::Malformed);
    }
    if let Some(frac) = frac_part
        && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ValueError::Malformed);
    }

    let mut value: u64 = 0;
    for b in int_part.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(ValueError::Overflow)?;
    }
    let frac = frac_part.unwrap_or("").as_bytes();
    for i in 0..usize::from(scale) {
        let digit = frac.get(i).map_or(0, |b| u64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit))
            .ok_or(ValueError::Overflow)?;
    }
    if frac.len() > usize::from(scale) && frac[usize::from(scale)..].iter().any(|&b| b != b'0') {
        return Err(ValueError::TooManyDecimals { max: scale });
    }
    Ok(value)
}

/// Formats an integer count of `10^-scale` units with exactly `scale` decimals.
pub fn format_decimal(raw: u64, scale: u8) -> String {
    let mut out = String::with_capacity(24);
    write_decimal(&mut out, raw, scale).expect("writing to a String cannot fail");
    out
}

/// Formats a signed 128-bit count of `10^-scale` units with exactly `scale` decimals
/// (a PnL or a cost basis, which may pass 64 bits).
pub fn format_wide(value: i128, scale: u8) -> String {
    let scale = scale.min(MAX_SCALE);
    let abs = value.unsigned_abs();
    let sign = if value < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{abs}");
    }
    let divisor = 10u128.pow(u32::from(scale));
    format!(
        "{sign}{}.{:0width$}",
        abs / divisor,
        abs % divisor,
        width = usize::from(scale)
    )
}

pub(crate) fn write_decimal(f: &mut impl fmt::Write, raw: u64, scale: u8) -> fmt::Result {
    // Digit by digit, without the formatting machinery: this runs for every price and
    // quantity the API and the market data send.
    let mut buf = [0u8; 20];
    if scale == 0 {
        return f.write_str(digits(&mut buf, raw, 1));
    }
    let scale = scale.min(MAX_SCALE);
    let divisor = 10u64.pow(u32::from(scale));
    f.write_str(digits(&mut buf, raw / divisor, 1))?;
    f.write_char('.')?;
    f.write_str(digits(&mut buf, raw % divisor, usize::from(scale)))
}

/// `value` in decimal, zero-padded to at least `width` digits (at most 20), written
/// into `buf`.
pub(crate) fn digits(buf: &mut [u8; 20], value: u64, width: usize) -> &str {
    buf.fill(b'0');
    let mut at = buf.len();
    let mut rest = value;
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = at.min(buf.len() - width.min(buf.len()));
    std::str::from_utf8(&buf[start..]).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_values_format_with_their_sign() {
        assert_eq!(format_wide(-12_345, 2), "-123.45");
        assert_eq!(format_wide(5, 2), "0.05");
        assert_eq!(format_wide(-5, 0), "-5");
        assert_eq!(
            format_wide(i128::from(u64::MAX) * 10, 2),
            "1844674407370955161.50"
        );
    }

    fn check(input: &str, scale: u8, expected: Result<u64, ValueError>) {
        assert_eq!(
            parse_decimal(input, scale),
            expected,
            "input {input:?} at scale {scale}"
        );
    }

    #[test]
    fn parses_plain_values() {
        check("0", 2, Ok(0));
        check("1", 2, Ok(100));
        check("1.5", 2, Ok(150));
        check("1.05", 2, Ok(105));
        check("007.10", 2, Ok(710));
        check("12345", 0, Ok(12345));
        check("0.00000001", 8, Ok(1));
        check("1.500000", 2, Ok(150));
        check("18446744073709551615", 0, Ok(u64::MAX));
    }

    #[test]
    fn rejects_each_kind_of_bad_input() {
        check("", 2, Err(ValueError::Empty));
        check("-1", 2, Err(ValueError::Negative));
        check("-0", 2, Err(ValueError::Negative));
        check("-1.234", 2, Err(ValueError::Negative));
        check("1.234", 2, Err(ValueError::TooManyDecimals { max: 2 }));
        check("1.1", 0, Err(ValueError::TooManyDecimals { max: 0 }));
        check("18446744073709551616", 0, Err(ValueError::Overflow));
        check("184467440737095516.16", 2, Err(ValueError::Overflow));
        check(&"9".repeat(65), 0, Err(ValueError::Overflow));
        for bad in [
            "abc", "1e5", "1.", ".5", "+1", " 1", "1 ", "1,000", "1.2.3", "0x10", "-", "--1", "NaN",
        ] {
            check(bad, 2, Err(ValueError::Malformed));
        }
    }

    #[test]
    fn formats_with_exact_scale() {
        assert_eq!(format_decimal(0, 2), "0.00");
        assert_eq!(format_decimal(105, 2), "1.05");
        assert_eq!(format_decimal(1, 8), "0.00000001");
        assert_eq!(format_decimal(42, 0), "42");
        assert_eq!(format_decimal(u64::MAX, 18), "18.446744073709551615");
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_round_trips(raw in proptest::num::u64::ANY, scale in 0u8..=MAX_SCALE) {
            proptest::prop_assert_eq!(parse_decimal(&format_decimal(raw, scale), scale), Ok(raw));
        }
    }
}
