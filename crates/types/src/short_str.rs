//! Short names stored inline, so that commands and events stay `Copy` and the engine's
//! hot path never allocates for a client order id.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name is empty")]
    Empty,
    #[error("name is longer than {max} characters")]
    TooLong { max: usize },
    #[error("name contains a character that is not allowed")]
    BadCharacter,
}

/// An ASCII string of at most `N` bytes whose characters satisfy a rule.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Inline<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> Inline<N> {
    fn new(value: &str, allowed: fn(u8) -> bool) -> Result<Self, NameError> {
        if value.is_empty() {
            return Err(NameError::Empty);
        }
        if value.len() > N {
            return Err(NameError::TooLong { max: N });
        }
        if !value.bytes().all(allowed) {
            return Err(NameError::BadCharacter);
        }
        let mut bytes = [0u8; N];
        bytes[..value.len()].copy_from_slice(value.as_bytes());
        Ok(Inline {
            len: value.len() as u8,
            bytes,
        })
    }

    fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked in `new`), so this cannot fail.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

macro_rules! short_name {
    ($(#[$doc:meta])* $name:ident, $len:literal, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Inline<$len>);

        impl $name {
            /// The longest name accepted.
            pub const LEN_MAX: usize = $len;

            pub fn new(value: &str) -> Result<Self, NameError> {
                Inline::new(value, $allowed).map($name)
            }

            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                $name::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::new(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

short_name!(
    /// An asset code: 1 to 12 upper-case letters or digits (`USD`, `BTC`, `AAPL`).
    AssetCode, 12, |b| b.is_ascii_uppercase() || b.is_ascii_digit()
);
short_name!(
    /// An instrument symbol, `BASE-QUOTE` (`BTC-USD`).
    Symbol, 25, |b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'
);
short_name!(
    /// A client's own name for an order, unique per account: 1 to 36 characters from
    /// letters, digits and `._:-` (a UUID fits).
    ClientOrderId, 36, |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-')
);

impl Symbol {
    /// The symbol of an instrument that trades `base` against `quote`.
    pub fn from_pair(base: AssetCode, quote: AssetCode) -> Symbol {
        let text = format!("{base}-{quote}");
        // Two codes of at most 12 characters and a dash always fit in 25.
        Symbol::new(&text).unwrap_or_else(|_| unreachable!("pair symbol {text} fits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_names() {
        assert_eq!(
            AssetCode::new("BTC").map(|c| c.to_string()),
            Ok("BTC".to_string())
        );
        assert_eq!(AssetCode::new(""), Err(NameError::Empty));
        assert_eq!(AssetCode::new("btc"), Err(NameError::BadCharacter));
        assert_eq!(
            AssetCode::new("ABCDEFGHIJKLM"),
            Err(NameError::TooLong { max: 12 })
        );
        assert!(ClientOrderId::new("6f1c2a4e-8b0d-4c55-9a3e-2f7b1d9c0e11").is_ok());
        assert_eq!(ClientOrderId::new("a b"), Err(NameError::BadCharacter));
        assert_eq!(ClientOrderId::new("é"), Err(NameError::BadCharacter));
    }

    #[test]
    fn builds_pair_symbols() {
        let pair = Symbol::from_pair(
            AssetCode::new("ETH").unwrap(),
            AssetCode::new("USD").unwrap(),
        );
        assert_eq!(pair.as_str(), "ETH-USD");
    }
}
