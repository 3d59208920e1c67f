//! Bars as strategies get them: the venue's integers, and their `f64` view.

use crate::indicators::Ohlcv;
use crate::rounding::to_f64;
use bourse_types::{Instrument, Price, Qty};
use serde::{Deserialize, Serialize};

/// A closed bar of one instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// The bar's open time, milliseconds since the Unix epoch.
    pub open_time: u64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    /// Base quantity traded.
    pub volume: Qty,
}

impl Bar {
    /// The bar in whole units, for indicators.
    pub fn ohlcv(&self, instrument: &Instrument) -> Ohlcv {
        let price = |p: Price| to_f64(p.raw(), instrument.price_scale());
        Ohlcv {
            time_ms: self.open_time,
            open: price(self.open),
            high: price(self.high),
            low: price(self.low),
            close: price(self.close),
            volume: to_f64(self.volume.raw(), instrument.base_scale()),
        }
    }

    /// A bar's prices are consistent: the low is the lowest and the high the highest.
    pub fn is_consistent(&self) -> bool {
        self.low <= self.open
            && self.low <= self.close
            && self.high >= self.open
            && self.high >= self.close
    }
}

/// Seeded bars from an integer random walk, for tests, benchmarks and examples: each
/// bar opens at the previous close and moves in `STEPS_PER_BAR` steps of up to
/// `step_max` ticks (in regimes that drift up, down or sideways for a few hundred
/// bars), its high and low the extremes of the steps. Prices stay at or above
/// `floor`.
pub fn random_walk(spec: &WalkSpec) -> Vec<Bar> {
    let mut rng = bourse_types::Rng::new(spec.seed);
    let mut price = spec.start.raw();
    let step = spec.step_max.max(1);
    let mut drift: i64 = 0;
    (0..spec.count)
        .map(|i| {
            if i % REGIME_BARS == 0 {
                drift = rng.below(3) as i64 - 1;
            }
            let open = price;
            let (mut high, mut low) = (open, open);
            for _ in 0..STEPS_PER_BAR {
                let size = rng.between(0, step) as i64;
                let up = rng.below(100) < (50 + 4 * drift) as u64;
                let moved = if up {
                    price.saturating_add(size as u64)
                } else {
                    price.saturating_sub(size as u64)
                };
                price = moved.max(spec.floor.raw());
                high = high.max(price);
                low = low.min(price);
            }
            Bar {
                open_time: spec.start_ms + i as u64 * spec.bar_ms,
                open: Price::from_raw(open),
                high: Price::from_raw(high),
                low: Price::from_raw(low),
                close: Price::from_raw(price),
                volume: Qty::from_raw(spec.lot * rng.between(1, 1_000)),
            }
        })
        .collect()
}

/// Steps a generated bar takes.
pub const STEPS_PER_BAR: usize = 4;
/// Bars a generated drift lasts.
pub const REGIME_BARS: usize = 300;

/// What [`random_walk`] generates.
#[derive(Debug, Clone, Copy)]
pub struct WalkSpec {
    pub seed: u64,
    pub count: usize,
    pub start: Price,
    pub floor: Price,
    /// The largest step, in price units (a multiple of the tick keeps prices on it).
    pub step_max: u64,
    /// The lot, in base minor units; volumes are whole lots.
    pub lot: u64,
    pub start_ms: u64,
    pub bar_ms: u64,
}
