//! A strategy's money and position, from its fills: the same accounting for a
//! backtest and for a live strategy (which gets its fills from the venue).

use crate::report::ClosedTrade;
use bourse_types::{Amount, Instrument, Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// A fill of one of the strategy's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// The strategy's own number for the order.
    pub order: u64,
    pub side: Side,
    pub price: Price,
    pub qty: Qty,
    /// In quote minor units.
    pub fee: Amount,
    pub time_ms: u64,
}

/// The position being built and unwound since it was last flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct OpenTrip {
    entry_ms: u64,
    bought: i64,
    sold: i64,
    fees: i64,
}

/// Cash and a long position on one instrument (spot: no short selling), with the
/// round trips closed so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Quote minor units.
    cash: i64,
    /// Base minor units held.
    position: u64,
    trip: Option<OpenTrip>,
    trades: Vec<ClosedTrade>,
    fees: i64,
}

/// Why a fill cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("not enough cash")]
    InsufficientCash,
    #[error("not enough held to sell")]
    InsufficientPosition,
    #[error("the amount is too large")]
    Overflow,
}

fn signed(amount: Amount) -> Result<i64, BookingError> {
    i64::try_from(amount.raw()).map_err(|_| BookingError::Overflow)
}

impl Portfolio {
    pub fn new(cash: Amount) -> Portfolio {
        Portfolio {
            cash: i64::try_from(cash.raw()).unwrap_or(i64::MAX),
            position: 0,
            trip: None,
            trades: Vec::new(),
            fees: 0,
        }
    }

    /// The cash a buy of `qty` at `price` with `fee` would take, if affordable.
    pub fn can_buy(
        &self,
        instrument: &Instrument,
        price: Price,
        qty: Qty,
        fee: Amount,
    ) -> Result<(), BookingError> {
        let notional = instrument
            .notional(price, qty)
            .ok_or(BookingError::Overflow)?;
        let cost = signed(notional)?
            .checked_add(signed(fee)?)
            .ok_or(BookingError::Overflow)?;
        if cost > self.cash {
            return Err(BookingError::InsufficientCash);
        }
        Ok(())
    }

    /// Books a fill; refuses a buy beyond the cash or a sell beyond the position,
    /// leaving the portfolio as it was.
    pub fn book(&mut self, instrument: &Instrument, fill: &Fill) -> Result<(), BookingError> {
        let notional = signed(
            instrument
                .notional(fill.price, fill.qty)
                .ok_or(BookingError::Overflow)?,
        )?;
        let fee = signed(fill.fee)?;
        match fill.side {
            Side::Buy => {
                self.can_buy(instrument, fill.price, fill.qty, fill.fee)?;
                self.cash -= notional + fee;
                self.position += fill.qty.raw();
                let trip = self.trip.get_or_insert(OpenTrip {
                    entry_ms: fill.time_ms,
                    bought: 0,
                    sold: 0,
                    fees: 0,
                });
                trip.bought += notional;
                trip.fees += fee;
            }
            Side::Sell => {
                if fill.qty.raw() > self.position {
                    return Err(BookingError::InsufficientPosition);
                }
                self.cash += notional - fee;
                self.position -= fill.qty.raw();
                if let Some(trip) = self.trip.as_mut() {
                    trip.sold += notional;
                    trip.fees += fee;
                }
                if self.position == 0
                    && let Some(trip) = self.trip.take()
                {
                    self.trades.push(ClosedTrade {
                        entry_ms: trip.entry_ms,
                        exit_ms: fill.time_ms,
                        entry_value: trip.bought,
                        pnl: trip.sold - trip.bought - trip.fees,
                        fees: trip.fees,
                    });
                }
            }
        }
        self.fees += fee;
        Ok(())
    }

    pub fn cash(&self) -> i64 {
        self.cash
    }

    pub fn position(&self) -> Qty {
        Qty::from_raw(self.position)
    }

    /// Cash plus the position at `price`, in quote minor units.
    pub fn equity(&self, instrument: &Instrument, price: Price) -> i64 {
        let held = instrument
            .notional(price, self.position())
            .map_or(i64::MAX, |a| i64::try_from(a.raw()).unwrap_or(i64::MAX));
        self.cash.saturating_add(held)
    }

    /// The average price paid for what is held (fees excluded), in whole quote units
    /// per whole base unit, while a position is open.
    pub fn average_entry(&self, instrument: &Instrument) -> Option<f64> {
        let trip = self.trip?;
        if self.position == 0 {
            return None;
        }
        let net = crate::rounding::to_f64(
            u64::try_from(trip.bought - trip.sold).ok()?,
            instrument.quote_scale(),
        );
        Some(net / crate::rounding::to_f64(self.position, instrument.base_scale()))
    }

    /// The round trips closed so far.
    pub fn trades(&self) -> &[ClosedTrade] {
        &self.trades
    }

    pub fn fees(&self) -> i64 {
        self.fees
    }
}
