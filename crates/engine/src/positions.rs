//! Positions: per owner and instrument, the base asset held through the instrument,
//! its cost basis, and the PnL made on it.
//!
//! The method is average cost. A buy of `q` for `n` (quote minor units) adds `q` to
//! the position and `n` to its cost. A sell of `q` out of a position of `Q` removes
//! `floor(cost * q / Q)` of the cost (all of what is left when it closes the
//! position) and realises the sale's value minus that cost. Fees are counted apart,
//! never in the cost or the realised PnL. This is a spot venue: a position never goes
//! below zero; a sell beyond it (coins held through another instrument) closes it and
//! the rest has no cost basis and realises nothing.
//!
//! Deposits and withdrawals of an asset change the position of its home instrument
//! (the first listed instrument with that base): a deposit adds its quantity at the
//! instrument's reference price (the last trade, or the configured price) as cost
//! basis, so that selling deposited coins is not a short; a withdrawal removes its
//! quantity and a proportional part of the cost, realising nothing.
//!
//! For the daily loss limit each position remembers the trading day it was last
//! changed in, what it held and cost when that day began, and what it realised since.

use crate::engine::Engine;
use crate::event::{Event, PositionEvent};
use bourse_types::{AssetId, Instrument, InstrumentId, OwnerId, Price, Qty, Side, Timestamp};
use serde::{Deserialize, Serialize};

/// One owner's position in one instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub instrument: InstrumentId,
    pub qty: Qty,
    /// Cost basis of `qty`, quote minor units.
    pub cost: u128,
    /// Realised PnL, quote minor units, fees not deducted.
    pub realized: i128,
    /// Fees paid trading the instrument, quote minor units.
    pub fees: u128,
    pub opened_at: Option<Timestamp>,
    /// The trading day the position was last changed in.
    pub day: u64,
    /// Quantity and cost when that day began.
    pub day_qty: Qty,
    pub day_cost: u128,
    /// Realised since that day began.
    pub day_realized: i128,
}

impl Position {
    fn new(instrument: InstrumentId, day: u64) -> Position {
        Position {
            instrument,
            qty: Qty::ZERO,
            cost: 0,
            realized: 0,
            fees: 0,
            opened_at: None,
            day,
            day_qty: Qty::ZERO,
            day_cost: 0,
            day_realized: 0,
        }
    }

    /// Starts a new trading day: what the position holds now is what it began with.
    fn roll(&mut self, day: u64) {
        if self.day != day {
            self.day = day;
            self.day_qty = self.qty;
            self.day_cost = self.cost;
            self.day_realized = 0;
        }
    }

    fn add(&mut self, qty: Qty, cost: u128, now: Timestamp) {
        if self.qty.is_zero() && !qty.is_zero() {
            self.opened_at = Some(now);
        }
        self.qty = self.qty.checked_add(qty).expect("a position fits in a Qty");
        self.cost += cost;
    }

    /// Takes `qty` out of the position; returns the cost basis removed.
    fn remove(&mut self, qty: Qty) -> u128 {
        let taken = qty.min(self.qty);
        if taken.is_zero() {
            return 0;
        }
        let removed = if taken == self.qty {
            self.cost
        } else {
            self.cost * u128::from(taken.raw()) / u128::from(self.qty.raw())
        };
        self.qty = Qty::from_raw(self.qty.raw() - taken.raw());
        self.cost -= removed;
        removed
    }

    /// The value of `qty` at `mark` less its cost: the unrealised PnL.
    pub fn unrealized(&self, instrument: &Instrument, mark: Option<Price>) -> i128 {
        let value = mark.map_or(self.cost, |mark| value_at(instrument, mark, self.qty));
        value as i128 - self.cost as i128
    }

    /// The PnL of the trading day `day` at `mark`, given the price `day_open` the day
    /// began at: realised since the day began, plus unrealised now, less what was
    /// unrealised when the day began.
    pub fn day_pnl(
        &self,
        instrument: &Instrument,
        day: u64,
        mark: Option<Price>,
        day_open: Option<Price>,
    ) -> i128 {
        let (start_qty, start_cost, realized) = if self.day == day {
            (self.day_qty, self.day_cost, self.day_realized)
        } else {
            // Unchanged since before the day began.
            (self.qty, self.cost, 0)
        };
        let start_value = day_open
            .or(mark)
            .map_or(start_cost, |p| value_at(instrument, p, start_qty));
        realized + self.unrealized(instrument, mark) - (start_value as i128 - start_cost as i128)
    }
}

/// `qty` at `price` in quote minor units, in 128 bits so that a large position cannot
/// overflow.
pub(crate) fn value_at(instrument: &Instrument, price: Price, qty: Qty) -> u128 {
    // As `Instrument::notional`, without its 64-bit bound: the instrument's rules make
    // the division exact for a quantity on the lot and a price on the tick, and keep
    // the exponent between 0 and 36.
    let exponent = u32::from(instrument.price_scale()) + u32::from(instrument.base_scale())
        - u32::from(instrument.quote_scale());
    u128::from(price.raw()) * u128::from(qty.raw()) / 10u128.pow(exponent)
}

impl Engine {
    /// The trading day a timestamp falls in, given the configured start of day.
    pub(crate) fn day_of(&self, at: Timestamp) -> u64 {
        let secs = at.nanos() / 1_000_000_000;
        secs.saturating_sub(u64::from(self.trading_day_start)) / 86_400
    }

    /// When the trading day after `at` begins.
    pub(crate) fn next_day_start(&self, at: Timestamp) -> Timestamp {
        let day = self.day_of(at);
        let secs = (day + 1) * 86_400 + u64::from(self.trading_day_start);
        Timestamp(secs.saturating_mul(1_000_000_000))
    }

    /// Starts the trading day of the command's time when it has changed: each
    /// instrument's price at the start of the day is its reference price now.
    #[inline]
    pub(crate) fn roll_day(&mut self) {
        if self.now < self.day_ends || !self.positions_live {
            return;
        }
        self.roll_day_now();
    }

    fn roll_day_now(&mut self) {
        let day = self.day_of(self.now);
        self.day_ends = self.next_day_start(self.now);
        if day == self.day {
            return;
        }
        self.day = day;
        for state in &mut self.instruments {
            state.day_open = state.reference();
        }
        self.loss_breaches.retain(|_, breached| *breached == day);
    }

    fn position_index(&mut self, slot: u32, instrument: InstrumentId) -> usize {
        let positions = &mut self.owners[slot as usize].positions;
        match positions.binary_search_by_key(&instrument, |p| p.instrument) {
            Ok(i) => i,
            Err(i) => {
                positions.insert(i, Position::new(instrument, self.day));
                i
            }
        }
    }

    fn touch_position(&mut self, slot: u32, instrument: InstrumentId) {
        let key = (slot, instrument);
        if !self.scratch.positions_touched.contains(&key) {
            self.scratch.positions_touched.push(key);
        }
    }

    /// A fill's effect on its owner's position: `qty` bought or sold for `notional`,
    /// with `fee` paid.
    pub(crate) fn position_fill(
        &mut self,
        slot: u32,
        instrument: InstrumentId,
        side: Side,
        qty: Qty,
        notional: u64,
        fee: u64,
    ) {
        if !self.positions_live {
            return;
        }
        let (day, now) = (self.day, self.now);
        let i = self.position_index(slot, instrument);
        let position = &mut self.owners[slot as usize].positions[i];
        position.roll(day);
        position.fees += u128::from(fee);
        match side {
            Side::Buy => position.add(qty, u128::from(notional), now),
            Side::Sell => {
                let held = position.qty;
                let sold = qty.min(held);
                // The part of the sale beyond the position has no cost basis and
                // realises nothing.
                let proceeds = if sold == qty {
                    u128::from(notional)
                } else {
                    u128::from(notional) * u128::from(sold.raw()) / u128::from(qty.raw())
                };
                let cost = position.remove(sold);
                let pnl = proceeds as i128 - cost as i128;
                position.realized += pnl;
                position.day_realized += pnl;
            }
        }
        self.touch_position(slot, instrument);
        self.note_holder(slot, instrument);
    }

    /// The home instrument of an asset: the first listed instrument with it as base.
    pub(crate) fn home_instrument(&self, asset: AssetId) -> Option<InstrumentId> {
        self.instruments
            .iter()
            .find(|s| s.instrument.base() == asset)
            .map(|s| s.instrument.id())
    }

    /// A deposit (`incoming`) or withdrawal of `amount` of `asset`: its home
    /// instrument's position changes, at the reference price as cost basis.
    pub(crate) fn position_transfer(
        &mut self,
        slot: u32,
        asset: AssetId,
        amount: u64,
        incoming: bool,
    ) {
        if !self.positions_live {
            return;
        }
        let Some(instrument) = self.home_instrument(asset) else {
            return;
        };
        let state = &self.instruments[instrument.0 as usize];
        let qty = Qty::from_raw(amount);
        let cost = state
            .reference()
            .map_or(0, |price| value_at(&state.instrument, price, qty));
        let (day, now) = (self.day, self.now);
        let i = self.position_index(slot, instrument);
        let position = &mut self.owners[slot as usize].positions[i];
        position.roll(day);
        if incoming {
            position.add(qty, cost, now);
        } else {
            position.remove(qty);
        }
        self.touch_position(slot, instrument);
        self.note_holder(slot, instrument);
    }

    /// Starts keeping positions in an engine that kept none (one that replayed or
    /// restored format version 1): each owner's balance of an asset, held included,
    /// becomes its position in the asset's home instrument, at the reference price as
    /// cost basis, opened now. Their events follow the command's balances.
    pub(crate) fn start_positions(&mut self) {
        self.positions_live = true;
        for slot in 0..self.owners.len() as u32 {
            for asset in 0..self.assets.len() {
                let asset = AssetId(asset as u16);
                let Some(account) = self.owner_account(slot, asset) else {
                    continue;
                };
                let account = self.ledger.account(account);
                let total = account.available().raw() + account.held().raw();
                if total > 0 {
                    self.position_transfer(slot, asset, total, true);
                }
            }
        }
    }

    /// Keeps the per-instrument set of owners holding a position (for the daily loss
    /// limit's checks after trades) in step with one owner's position.
    fn note_holder(&mut self, slot: u32, instrument: InstrumentId) {
        if !self.holders_kept {
            return;
        }
        let holds = self.owners[slot as usize]
            .position(instrument)
            .is_some_and(|p| !p.qty.is_zero());
        let holders = &mut self.instruments[instrument.0 as usize].holders;
        if holds {
            holders.insert(slot);
        } else {
            holders.remove(&slot);
        }
    }

    /// Starts or stops keeping each instrument's holders, as the risk table needs.
    pub(crate) fn sync_holders(&mut self) {
        let wanted = self.risk.has_daily_loss();
        if wanted == self.holders_kept {
            return;
        }
        self.holders_kept = wanted;
        for state in &mut self.instruments {
            state.holders.clear();
        }
        if wanted {
            for (slot, owner) in self.owners.iter().enumerate() {
                for p in owner.positions.iter().filter(|p| !p.qty.is_zero()) {
                    self.instruments[p.instrument.0 as usize]
                        .holders
                        .insert(slot as u32);
                }
            }
        }
    }

    /// One event per position the command changed, in the order they were first
    /// changed.
    pub(crate) fn emit_positions(&mut self, out: &mut Vec<Event>) {
        for i in 0..self.scratch.positions_touched.len() {
            let (slot, instrument) = self.scratch.positions_touched[i];
            let owner = &self.owners[slot as usize];
            if let Some(p) = owner.position(instrument) {
                out.push(Event::Position(Box::new(PositionEvent {
                    owner: owner.id,
                    instrument,
                    qty: p.qty,
                    cost: p.cost,
                    realized: p.realized,
                    fees: p.fees,
                    opened_at: p.opened_at,
                })));
            }
        }
        self.scratch.positions_touched.clear();
    }

    /// An owner's PnL of the current trading day in one quote asset, at the last
    /// prices.
    pub(crate) fn day_pnl(&self, slot: u32, quote: AssetId) -> i128 {
        self.owners[slot as usize]
            .positions
            .iter()
            .filter_map(|p| {
                let state = self.instruments.get(p.instrument.0 as usize)?;
                (state.instrument.quote() == quote).then(|| {
                    p.day_pnl(
                        &state.instrument,
                        self.day,
                        state.reference(),
                        state.day_open,
                    )
                })
            })
            .sum()
    }

    /// An owner's position, by id.
    pub fn position(&self, owner: OwnerId, instrument: InstrumentId) -> Option<Position> {
        let slot = *self.owner_index.get(&owner)?;
        self.owners[slot as usize].position(instrument).copied()
    }

    /// Every position of an owner, by instrument.
    pub fn positions(&self, owner: OwnerId) -> &[Position] {
        self.owner_index
            .get(&owner)
            .map_or(&[], |slot| self.owners[*slot as usize].positions.as_slice())
    }

    /// An owner's PnL of the current trading day in a quote asset.
    pub fn daily_pnl(&self, owner: OwnerId, quote: AssetId) -> Option<i128> {
        let slot = *self.owner_index.get(&owner)?;
        Some(self.day_pnl(slot, quote))
    }

    /// The current trading day's number (days since the epoch, from the day start).
    pub fn trading_day(&self) -> u64 {
        self.day
    }

    /// The start of the trading day, in seconds after 00:00 UTC.
    pub fn trading_day_start(&self) -> u32 {
        self.trading_day_start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_cost_realises_the_difference_and_keeps_the_rest() {
        let mut p = Position::new(InstrumentId(0), 0);
        p.add(Qty::from_raw(10), 1_000, Timestamp(1));
        p.add(Qty::from_raw(10), 2_000, Timestamp(2));
        assert_eq!((p.qty.raw(), p.cost), (20, 3_000));
        assert_eq!(p.opened_at, Some(Timestamp(1)));
        // A third of it goes: a third of the cost.
        let cost = p.remove(Qty::from_raw(7));
        assert_eq!(cost, 3_000 * 7 / 20);
        assert_eq!(p.qty.raw(), 13);
        // Closing takes whatever cost is left, so the sum is exact.
        let rest = p.remove(Qty::from_raw(13));
        assert_eq!(cost + rest, 3_000);
        assert_eq!((p.qty.raw(), p.cost), (0, 0));
        assert_eq!(
            p.remove(Qty::from_raw(5)),
            0,
            "nothing to take from nothing"
        );
    }
}
