//! Bourse's market data and market simulator.
//!
//! This crate owns what the public sees of the markets: L2 depth with sequence
//! numbers, the trade tape, OHLCV candles (1m to 1d) and 24-hour tickers, all built
//! from released events ([`MarketData`]); and the simulator that keeps the embedded
//! venue's markets alive ([`Simulator`]), with a generated past for a fresh venue
//! ([`history`]).
//!
//! It owns no I/O: the caller feeds released events in and sends the simulator's
//! commands through the venue like any client's.

mod candles;
mod data;
pub mod history;
mod simulator;

pub use candles::{Candle, CandleSet, Interval};
pub use data::{
    CANDLES_KEPT_MAX, DepthDelta, DepthSnapshot, MarketData, PublicTrade, TRADES_KEPT_MAX, Ticker,
    Update,
};
pub use simulator::{SIM_OWNER_BASE, SimConfig, SimInstrument, Simulator};
