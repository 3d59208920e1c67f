//! OHLCV candles from trades.

use bourse_types::{Amount, Price, Qty};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The candle intervals the venue keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Interval {
    M1,
    M5,
    M15,
    H1,
    H4,
    D1,
}

impl Interval {
    pub const ALL: [Interval; 6] = [
        Interval::M1,
        Interval::M5,
        Interval::M15,
        Interval::H1,
        Interval::H4,
        Interval::D1,
    ];

    pub const fn millis(self) -> u64 {
        match self {
            Interval::M1 => 60_000,
            Interval::M5 => 300_000,
            Interval::M15 => 900_000,
            Interval::H1 => 3_600_000,
            Interval::H4 => 14_400_000,
            Interval::D1 => 86_400_000,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Interval::M1 => "1m",
            Interval::M5 => "5m",
            Interval::M15 => "15m",
            Interval::H1 => "1h",
            Interval::H4 => "4h",
            Interval::D1 => "1d",
        }
    }

    pub fn parse(text: &str) -> Option<Interval> {
        Interval::ALL.into_iter().find(|i| i.as_str() == text)
    }

    pub const fn index(self) -> usize {
        self as usize
    }

    /// The start of the candle that holds `ts_ms`.
    pub const fn open_time(self, ts_ms: u64) -> u64 {
        ts_ms - ts_ms % self.millis()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    /// Milliseconds since the Unix epoch.
    pub open_time: u64,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    /// Base quantity traded.
    pub volume: Qty,
    /// Quote value traded.
    pub quote_volume: Amount,
    pub trades: u64,
}

impl Candle {
    fn new(open_time: u64, price: Price, qty: Qty, notional: Amount) -> Candle {
        Candle {
            open_time,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: qty,
            quote_volume: notional,
            trades: 1,
        }
    }

    fn add(&mut self, price: Price, qty: Qty, notional: Amount) {
        self.high = self.high.max(price);
        self.low = self.low.min(price);
        self.close = price;
        self.volume = Qty::from_raw(self.volume.raw().saturating_add(qty.raw()));
        self.quote_volume =
            Amount::from_raw(self.quote_volume.raw().saturating_add(notional.raw()));
        self.trades += 1;
    }
}

/// One instrument's candles for every interval, the newest `kept_max` of each.
#[derive(Debug, Clone)]
pub struct CandleSet {
    series: [VecDeque<Candle>; 6],
    kept_max: usize,
}

impl CandleSet {
    pub fn new(kept_max: usize) -> CandleSet {
        CandleSet {
            series: Default::default(),
            kept_max: kept_max.max(1),
        }
    }

    /// Adds a trade; returns the candles it changed (one per interval).
    pub fn add_trade(
        &mut self,
        ts_ms: u64,
        price: Price,
        qty: Qty,
        notional: Amount,
    ) -> [(Interval, Candle); 6] {
        Interval::ALL.map(|interval| {
            let open_time = interval.open_time(ts_ms);
            let series = &mut self.series[interval.index()];
            match series.back_mut() {
                Some(last) if last.open_time == open_time => last.add(price, qty, notional),
                // Trades arrive in time order; one older than the newest candle (a clock
                // step back) joins the newest candle rather than rewriting history.
                Some(last) if last.open_time > open_time => last.add(price, qty, notional),
                _ => {
                    series.push_back(Candle::new(open_time, price, qty, notional));
                    if series.len() > self.kept_max {
                        series.pop_front();
                    }
                }
            }
            (interval, *series.back().expect("a candle was just touched"))
        })
    }

    /// Replaces a series (loading from storage), oldest first.
    pub fn load(&mut self, interval: Interval, candles: impl IntoIterator<Item = Candle>) {
        let series = &mut self.series[interval.index()];
        series.clear();
        series.extend(candles);
        while series.len() > self.kept_max {
            series.pop_front();
        }
    }

    /// The newest `limit` candles, oldest first, ending at or before `end_ms` if given.
    pub fn latest(&self, interval: Interval, limit: usize, end_ms: Option<u64>) -> Vec<Candle> {
        let series = &self.series[interval.index()];
        let end = end_ms.map_or(series.len(), |end| {
            series.partition_point(|c| c.open_time <= end)
        });
        let start = end.saturating_sub(limit);
        series.range(start..end).copied().collect()
    }

    pub fn series(&self, interval: Interval) -> &VecDeque<Candle> {
        &self.series[interval.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: u64) -> Price {
        Price::from_raw(raw)
    }

    #[test]
    fn trades_fill_candles_of_every_interval() {
        let mut set = CandleSet::new(10);
        set.add_trade(60_000, p(100), Qty::from_raw(2), Amount::from_raw(200));
        set.add_trade(61_000, p(105), Qty::from_raw(1), Amount::from_raw(105));
        set.add_trade(119_999, p(99), Qty::from_raw(1), Amount::from_raw(99));
        let changed = set.add_trade(120_000, p(101), Qty::from_raw(3), Amount::from_raw(303));
        let minute = set.latest(Interval::M1, 10, None);
        assert_eq!(minute.len(), 2);
        assert_eq!(
            (
                minute[0].open,
                minute[0].high,
                minute[0].low,
                minute[0].close,
                minute[0].volume.raw(),
                minute[0].trades
            ),
            (p(100), p(105), p(99), p(99), 4, 3)
        );
        assert_eq!(minute[1].open_time, 120_000);
        // The five-minute candle holds all four trades.
        let five = set.latest(Interval::M5, 10, None);
        assert_eq!(
            (
                five.len(),
                five[0].trades,
                five[0].close,
                five[0].quote_volume.raw()
            ),
            (1, 4, p(101), 707)
        );
        assert_eq!(changed[Interval::D1.index()].1.trades, 4);
    }

    #[test]
    fn keeps_a_bounded_history_and_answers_ranges() {
        let mut set = CandleSet::new(3);
        for minute in 0..5u64 {
            set.add_trade(
                minute * 60_000,
                p(100 + minute),
                Qty::from_raw(1),
                Amount::from_raw(1),
            );
        }
        let kept = set.latest(Interval::M1, 10, None);
        assert_eq!(
            kept.iter()
                .map(|c| c.open_time / 60_000)
                .collect::<Vec<_>>(),
            [2, 3, 4]
        );
        let until_three = set.latest(Interval::M1, 1, Some(3 * 60_000));
        assert_eq!(until_three[0].open_time, 180_000);
        assert_eq!(Interval::parse("4h"), Some(Interval::H4));
        assert_eq!(Interval::parse("2h"), None);
    }
}
