//! What the strategy tests share: an instrument like the demo venue's BTC-USD and
//! generated bars.

#![allow(dead_code)]

use bourse_strategy::Bar;
use bourse_strategy::bar::{WalkSpec, random_walk};
use bourse_types::{Amount, Instrument, Price, Qty};

pub const HOUR_MS: u64 = 3_600_000;

/// BTC-USD as the demo venue lists it: prices with two decimals on a 0.01 tick, BTC
/// to eight decimals in lots of 0.0001, USD to six decimals; maker 10 bps, taker 20.
pub fn instrument() -> Instrument {
    bourse_bench::demo_btc_usd()
}

/// A price in whole dollars and cents.
pub fn usd(dollars: u64, cents: u64) -> Price {
    Price::from_raw(dollars * 100 + cents)
}

/// `count` hourly bars around 100.00 from `seed`.
pub fn walk(seed: u64, count: usize) -> Vec<Bar> {
    random_walk(&WalkSpec {
        seed,
        count,
        start: usd(100, 0),
        floor: usd(1, 0),
        step_max: 40,
        lot: 10_000,
        start_ms: 1_767_225_600_000,
        bar_ms: HOUR_MS,
    })
}

/// A bar from whole-dollar prices.
pub fn bar(index: u64, open: u64, high: u64, low: u64, close: u64) -> Bar {
    Bar {
        open_time: 1_767_225_600_000 + index * HOUR_MS,
        open: usd(open, 0),
        high: usd(high, 0),
        low: usd(low, 0),
        close: usd(close, 0),
        volume: Qty::from_raw(1_000_000),
    }
}

/// 100,000 USD.
pub fn cash() -> Amount {
    Amount::from_raw(100_000 * 1_000_000)
}
