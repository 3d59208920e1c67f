//! Bourse's strategies.
//!
//! This crate owns the arithmetic a strategy is made of, apart from any venue:
//! - [`indicators`]: streaming technical indicators (one value in, at most one value
//!   out, constant work and no allocation per update) with TA-Lib's definitions and
//!   warm-up, and [`indicators::over`], the same indicator over a whole series;
//! - [`rounding`]: the one function by which a strategy's `f64` becomes an order's
//!   price or quantity, on the instrument's tick and lot;
//! - [`report`]: the statistics of a run (return, drawdown, Sharpe, trades, ...) from
//!   its equity curve and closed trades, with a defined value for every degenerate case.
//!
//! Indicators and statistics work in `f64` derived from the venue's exact integers;
//! money itself never becomes a float: orders are integers made by [`rounding`].

pub mod indicators;
pub mod report;
pub mod rounding;
