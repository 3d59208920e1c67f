//! A generated past for a simulated market, so that a fresh demo venue's charts are
//! full and backtests can run at once.
//!
//! The candles follow the simulator's own model: a geometric random walk with the
//! instrument's hourly volatility, walked backwards from the price the live market
//! starts at so that the last generated close is that price and live candles continue
//! from it. Each minute takes [`STEPS_PER_MINUTE`] steps (its high and low are the
//! extremes of them); its volume is the simulator's noise-order rate times its quote
//! size, varied. Everything is seeded: the same seed, end and price give the same
//! candles, so a venue whose read models were rebuilt regenerates exactly what it had.
//! These candles are not trades: nothing is journaled, and the store marks them as
//! generated.

use crate::candles::{Candle, Interval};
use crate::simulator::SimInstrument;
use bourse_types::{Amount, Instrument, Price, Qty, Rng};

/// Steps of the walk in one minute.
pub const STEPS_PER_MINUTE: usize = 6;
/// The longest past generated.
pub const HISTORY_DAYS_MAX: u32 = 365;
const MINUTE_MS: u64 = 60_000;

/// Uniform in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Standard normal (Box-Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u1 = unit(rng).max(f64::MIN_POSITIVE);
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct HistorySpec<'a> {
    pub instrument: &'a Instrument,
    pub sim: &'a SimInstrument,
    pub seed: u64,
    /// The history ends here (rounded down to the minute): the last candle closes then.
    pub end_ms: u64,
    /// The last candle's close.
    pub end_price: Price,
    pub days: u32,
}

/// The generated 1-minute candles, oldest first.
pub fn generate_minutes(spec: &HistorySpec<'_>) -> Vec<Candle> {
    let instrument = spec.instrument;
    let minutes = spec.days.min(HISTORY_DAYS_MAX) as usize * 1_440;
    let end = spec.end_ms - spec.end_ms % MINUTE_MS;
    let start = end.saturating_sub(minutes as u64 * MINUTE_MS);
    let minutes = ((end - start) / MINUTE_MS) as usize;
    let scale = 10f64.powi(i32::from(instrument.price_scale()));
    let tick = instrument.tick_size().raw().max(1);
    let on_tick = |value: f64| -> Price {
        let ticks = (value * scale / tick as f64).round().max(1.0);
        Price::from_raw((ticks as u64).saturating_mul(tick))
    };
    let sigma = spec.sim.volatility_pct_per_hour.max(0.0) / 100.0
        * (MINUTE_MS as f64 / STEPS_PER_MINUTE as f64 / 3_600_000.0).sqrt();
    let mut rng = Rng::new(spec.seed);
    // Walk backwards from the end: every step divides by the forward step's factor.
    let steps = minutes * STEPS_PER_MINUTE;
    let mut path = vec![0.0f64; steps + 1];
    path[steps] = spec.end_price.raw() as f64 / scale;
    for i in (0..steps).rev() {
        let factor = (sigma * normal(&mut rng) - sigma * sigma / 2.0).exp();
        path[i] = path[i + 1] / factor;
    }
    let size: f64 = spec.sim.quote_size.parse().unwrap_or(1.0);
    let per_minute = f64::from(spec.sim.noise_orders_per_minute.max(1));
    let base_scale = 10f64.powi(i32::from(instrument.base_scale()));
    let lot = instrument.lot_size().raw().max(1);
    (0..minutes)
        .map(|m| {
            let window = &path[m * STEPS_PER_MINUTE..=(m + 1) * STEPS_PER_MINUTE];
            let open = on_tick(window[0]);
            let close = on_tick(window[STEPS_PER_MINUTE]);
            let high = window.iter().copied().fold(f64::MIN, f64::max);
            let low = window.iter().copied().fold(f64::MAX, f64::min);
            let high = on_tick(high).max(open).max(close);
            let low = on_tick(low).min(open).min(close);
            let trades = (per_minute * (0.5 + unit(&mut rng))).round().max(1.0) as u64;
            let units = size * trades as f64 * (0.5 + unit(&mut rng));
            let lots = ((units * base_scale) / lot as f64).round().max(1.0) as u64;
            let volume = Qty::from_raw(lots.saturating_mul(lot));
            let typical = Price::from_raw((high.raw() + low.raw() + close.raw()) / 3);
            let quote_volume = instrument.notional(typical, volume).unwrap_or(Amount::ZERO);
            Candle {
                open_time: start + m as u64 * MINUTE_MS,
                open,
                high,
                low,
                close,
                volume,
                quote_volume,
                trades,
            }
        })
        .collect()
}

/// 1-minute candles (oldest first) gathered into `interval`'s candles.
pub fn aggregate(minutes: &[Candle], interval: Interval) -> Vec<Candle> {
    let mut out: Vec<Candle> = Vec::new();
    for candle in minutes {
        let open_time = interval.open_time(candle.open_time);
        match out.last_mut() {
            Some(last) if last.open_time == open_time => {
                last.high = last.high.max(candle.high);
                last.low = last.low.min(candle.low);
                last.close = candle.close;
                last.volume = Qty::from_raw(last.volume.raw().saturating_add(candle.volume.raw()));
                last.quote_volume = Amount::from_raw(
                    last.quote_volume
                        .raw()
                        .saturating_add(candle.quote_volume.raw()),
                );
                last.trades += candle.trades;
            }
            _ => out.push(Candle {
                open_time,
                ..*candle
            }),
        }
    }
    out
}

/// Every interval's generated candles.
pub fn generate(spec: &HistorySpec<'_>) -> Vec<(Interval, Vec<Candle>)> {
    let minutes = generate_minutes(spec);
    Interval::ALL
        .into_iter()
        .map(|interval| {
            let candles = if interval == Interval::M1 {
                minutes.clone()
            } else {
                aggregate(&minutes, interval)
            };
            (interval, candles)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn btc_usd() -> Instrument {
        bourse_bench::demo_btc_usd()
    }

    fn sim() -> SimInstrument {
        SimInstrument {
            symbol: "BTC-USD".to_string(),
            volatility_pct_per_hour: 1.5,
            levels: 4,
            half_spread_bps: 4,
            level_step_bps: 4,
            quote_size: "0.25".to_string(),
            noise_orders_per_minute: 30,
        }
    }

    /// 2026-01-03T12:34:56.789Z.
    const END_MS: u64 = 1_767_443_696_789;

    fn spec<'a>(instrument: &'a Instrument, sim: &'a SimInstrument, seed: u64) -> HistorySpec<'a> {
        HistorySpec {
            instrument,
            sim,
            seed,
            end_ms: END_MS,
            end_price: Price::from_raw(6_500_000),
            days: 3,
        }
    }

    #[test]
    fn the_past_ends_at_the_live_price_minute_by_minute() {
        let (instrument, sim) = (btc_usd(), sim());
        let minutes = generate_minutes(&spec(&instrument, &sim, 1));
        assert_eq!(minutes.len(), 3 * 1_440);
        let last = minutes.last().unwrap();
        // The last minute closes when the history ends, at the price live trading
        // starts from.
        assert_eq!(last.open_time + MINUTE_MS, END_MS - END_MS % MINUTE_MS);
        assert_eq!(last.close, Price::from_raw(6_500_000));
        for pair in minutes.windows(2) {
            assert_eq!(pair[1].open_time, pair[0].open_time + MINUTE_MS);
            // Each minute opens where the one before closed (the same walk).
            assert_eq!(pair[1].open, pair[0].close);
        }
        for candle in &minutes {
            assert!(candle.low <= candle.open.min(candle.close));
            assert!(candle.high >= candle.open.max(candle.close));
            assert!(candle.volume.raw() > 0 && candle.trades > 0);
            assert_eq!(candle.volume.raw() % 10_000, 0, "volumes are whole lots");
        }
        // The walk's hourly moves have about the configured 1.5% deviation.
        let hourly: Vec<f64> = minutes
            .chunks(60)
            .map(|hour| (hour[59].close.raw() as f64 / hour[0].open.raw() as f64).ln())
            .collect();
        let mean = hourly.iter().sum::<f64>() / hourly.len() as f64;
        let sd = (hourly.iter().map(|r| (r - mean).powi(2)).sum::<f64>()
            / (hourly.len() - 1) as f64)
            .sqrt();
        assert!((0.011..0.019).contains(&sd), "hourly deviation {sd}");
    }

    #[test]
    fn the_same_seed_gives_the_same_past_and_another_seed_another() {
        let (instrument, sim) = (btc_usd(), sim());
        assert_eq!(
            generate_minutes(&spec(&instrument, &sim, 5)),
            generate_minutes(&spec(&instrument, &sim, 5))
        );
        assert_ne!(
            generate_minutes(&spec(&instrument, &sim, 5)),
            generate_minutes(&spec(&instrument, &sim, 6))
        );
    }

    #[test]
    fn coarser_candles_gather_the_minutes() {
        let (instrument, sim) = (btc_usd(), sim());
        let all = generate(&spec(&instrument, &sim, 2));
        let minutes = &all[0].1;
        let hours = &all.iter().find(|(i, _)| *i == Interval::H1).unwrap().1;
        // Three days from 12:34 end on a partial hour at each end.
        assert_eq!(hours.len(), 73);
        let first_full = &hours[1];
        let inside: Vec<&Candle> = minutes
            .iter()
            .filter(|m| Interval::H1.open_time(m.open_time) == first_full.open_time)
            .collect();
        assert_eq!(inside.len(), 60);
        assert_eq!(first_full.open, inside[0].open);
        assert_eq!(first_full.close, inside[59].close);
        assert_eq!(
            first_full.high,
            inside.iter().map(|m| m.high).max().unwrap()
        );
        assert_eq!(first_full.low, inside.iter().map(|m| m.low).min().unwrap());
        assert_eq!(
            first_full.volume.raw(),
            inside.iter().map(|m| m.volume.raw()).sum::<u64>()
        );
        let total: u64 = minutes.iter().map(|m| m.trades).sum();
        for (_, candles) in &all {
            assert_eq!(candles.iter().map(|c| c.trades).sum::<u64>(), total);
        }
    }
}
