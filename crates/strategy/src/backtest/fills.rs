//! The fill model: how a backtest's orders fill against bars.
//!
//! Stated in full in docs/strategies.md ("The fill model") and printed in every
//! report:
//! - a strategy decides on a closed bar; what it places then can fill from the next
//!   bar on;
//! - a market order fills at the next bar's open, moved against it by the slippage;
//! - inside a bar the price is taken to travel open, low, high, close when the bar
//!   closed at or above its open, and open, high, low, close when it closed below;
//!   resting orders fill in the order that path reaches them;
//! - a limit order fills at its price when the path trades through it (goes beyond
//!   it; with `touch`, reaching it is enough), and at the open, as a taker, when the
//!   bar opens beyond it;
//! - a stop becomes a market order when the path reaches its trigger (or the bar
//!   opens beyond it) and fills there, moved by the slippage;
//! - fees are the instrument's: maker for a resting limit order, taker otherwise;
//! - whole orders fill (bar volume is not a limit); an order that is not reached stays
//!   open, unfilled.

use bourse_types::{BPS_DENOMINATOR, Price, Side};
use serde::{Deserialize, Serialize};

/// The largest slippage accepted, in basis points.
pub const SLIPPAGE_BPS_MAX: u32 = 1_000;

/// The fill model's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillModel {
    /// How far market and stop fills move against the order, in basis points.
    pub slippage_bps: u32,
    /// Whether a limit order fills when the price only reaches it.
    pub touch: bool,
}

impl Default for FillModel {
    fn default() -> FillModel {
        FillModel {
            slippage_bps: 5,
            touch: false,
        }
    }
}

impl FillModel {
    /// `price` moved against a `side` order by the slippage, on the tick (a buy pays
    /// more, rounded up; a sell gets less, rounded down, never below one tick).
    pub fn slipped(&self, price: Price, side: Side, tick: u64) -> Price {
        let tick = u128::from(tick.max(1));
        let raw = u128::from(price.raw());
        let denominator = u128::from(BPS_DENOMINATOR);
        let bps = u128::from(self.slippage_bps.min(SLIPPAGE_BPS_MAX));
        let moved = match side {
            Side::Buy => {
                let up = (raw * (denominator + bps)).div_ceil(denominator);
                up.div_ceil(tick) * tick
            }
            Side::Sell => {
                let down = raw * (denominator - bps) / denominator;
                (down / tick * tick).max(tick)
            }
        };
        Price::from_raw(u64::try_from(moved).unwrap_or(u64::MAX))
    }

    /// A one-line statement of the model, for reports.
    pub fn describe(&self) -> String {
        format!(
            "decisions on closed bars; market orders at the next open with {} bps slippage; \
             intra-bar path open-low-high-close (up bars) or open-high-low-close (down bars); \
             limits fill when {}; stops at their trigger with the slippage; \
             maker fee for resting limits, taker otherwise; unreached orders stay unfilled",
            self.slippage_bps,
            if self.touch {
                "the price reaches them"
            } else {
                "the price trades through them"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slippage_moves_against_the_order_on_the_tick() {
        let model = FillModel {
            slippage_bps: 10,
            touch: false,
        };
        // 10,000.00 at 10 bps: 10,010.00 for a buy, 9,990.00 for a sell.
        assert_eq!(
            model.slipped(Price::from_raw(1_000_000), Side::Buy, 1),
            Price::from_raw(1_001_000)
        );
        assert_eq!(
            model.slipped(Price::from_raw(1_000_000), Side::Sell, 1),
            Price::from_raw(999_000)
        );
        // On a tick of 0.05: up to 10,010.05 is 10,010.05; 1,000.03 plus 10 bps is
        // 1,001.03 -> 1,001.05 for a buy, 999.02 -> 999.00 for a sell.
        assert_eq!(
            model.slipped(Price::from_raw(100_003), Side::Buy, 5),
            Price::from_raw(100_105)
        );
        assert_eq!(
            model.slipped(Price::from_raw(100_003), Side::Sell, 5),
            Price::from_raw(99_900)
        );
        let none = FillModel {
            slippage_bps: 0,
            touch: true,
        };
        assert_eq!(
            none.slipped(Price::from_raw(123), Side::Buy, 1),
            Price::from_raw(123)
        );
    }
}
