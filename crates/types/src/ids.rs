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
}
