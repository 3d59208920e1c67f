//! Bourse's shared vocabulary.
//!
//! This crate owns the small, dependency-free types that every other crate speaks:
//! identifiers, the fixed-point [`Price`], [`Qty`] and [`Amount`] types, decimal-string
//! parsing and formatting, assets and instruments with their trading rules, and the
//! order enums (side, time in force, self-trade prevention), and the seeded generator
//! [`Rng`] that simulations and tests draw from.
//!
//! It does not own any behaviour that changes state: the ledger, the books and the
//! risk checks live in `bourse-engine`. Money is integers here: no floating point type
//! appears in this crate.

mod decimal;
mod fixed;
mod ids;
mod instrument;
mod order;
mod rng;
mod short_str;

pub use decimal::{MAX_SCALE, ValueError, format_decimal, format_wide, parse_decimal};
pub use fixed::{Amount, Price, Qty, fee_ceil, fee_floor};
pub use ids::{AssetId, InstrumentId, OrderId, OwnerId, Timestamp, TradeId, TransferId};
pub use instrument::{
    Asset, AssetSpec, BPS_DENOMINATOR, Instrument, InstrumentSpec, InstrumentStatus, SpecError,
};
pub use order::{CancelReason, Side, StpMode, TimeInForce};
pub use rng::Rng;
pub use short_str::{AssetCode, ClientOrderId, NameError, Symbol};
