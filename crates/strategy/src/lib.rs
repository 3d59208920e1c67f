//! Bourse's strategies.
//!
//! This crate owns the arithmetic a strategy is made of, apart from any venue:
//! - [`indicators`]: streaming technical indicators (one value in, at most one value
//!   out, constant work and no allocation per update) with TA-Lib's definitions and
//!   warm-up, and [`indicators::over`], the same indicator over a whole series;
//! - [`rounding`]: the one function by which a strategy's `f64` becomes an order's
//!   price or quantity, on the instrument's tick and lot;
//! - [`strategy`]: the [`Strategy`] trait and its [`Context`], the same for backtests
//!   and live trading; [`builtins`]: the strategies that ship, with typed parameters
//!   ([`params`]); [`signal`]: what a strategy says about a market;
//! - [`portfolio`]: cash, position and round trips from fills;
//! - [`backtest`]: a strategy over recorded bars through a stated fill model;
//! - [`data`]: bars from OHLCV CSV files, every bad row reported with its line;
//! - [`sweep`]: parameter sweeps on every core, and walk-forward windows;
//! - [`html`]: a backtest's report as one self-contained HTML page with SVG charts;
//! - [`report`]: the statistics of a run (return, drawdown, Sharpe, trades, ...) from
//!   its equity curve and closed trades, with a defined value for every degenerate case.
//!
//! Indicators and statistics work in `f64` derived from the venue's exact integers;
//! money itself never becomes a float: orders are integers made by [`rounding`].

pub mod backtest;
pub mod bar;
pub mod builtins;
pub mod data;
pub mod html;
pub mod indicators;
pub mod params;
pub mod portfolio;
pub mod report;
pub mod rounding;
pub mod signal;
pub mod strategy;
pub mod sweep;

pub use bar::Bar;
pub use strategy::{Context, OrderIntent, OrderType, Strategy};
