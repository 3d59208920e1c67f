//! Pre-trade risk: whether an order or an amendment may go ahead, and what it must hold.

use crate::book::NIL;
use crate::command::{NewOrder, OrderKind, OrderRef};
use crate::engine::*;
use crate::event::RejectCode;
use bourse_types::{
    Amount, Instrument, InstrumentId, InstrumentStatus, OrderId, OwnerId, Price, Qty, Side,
    StpMode, TimeInForce, ValueError, fee_ceil,
};

impl Engine {
    pub(crate) fn reference_price(&self, instrument: InstrumentId) -> Option<Price> {
        self.instruments[instrument.0 as usize].reference()
    }

    pub(crate) fn band(&self, instrument: InstrumentId) -> Option<(Price, Price)> {
        self.instruments[instrument.0 as usize].band
    }

    pub(crate) fn check_tradable(
        &self,
        instrument: InstrumentId,
    ) -> Result<&InstrumentState, RejectCode> {
        let state = self
            .instruments
            .get(instrument.0 as usize)
            .ok_or(RejectCode::UnknownInstrument)?;
        match state.status {
            InstrumentStatus::Trading => Ok(state),
            InstrumentStatus::Halted => Err(RejectCode::InstrumentHalted),
            InstrumentStatus::Closed => Err(RejectCode::InstrumentClosed),
        }
    }

    pub(crate) fn check_qty(instrument: &Instrument, qty: Qty) -> Result<(), RejectCode> {
        instrument
            .check_qty(qty)
            .map_err(|e| value_code(e, false))?;
        let spec = instrument.spec();
        if qty < spec.min_qty {
            return Err(RejectCode::QuantityBelowMin);
        }
        if qty > spec.max_qty {
            return Err(RejectCode::QuantityAboveMax);
        }
        Ok(())
    }

    pub(crate) fn check_band(
        &self,
        instrument: &Instrument,
        price: Price,
    ) -> Result<(), RejectCode> {
        if let Some((low, high)) = self.band(instrument.id())
            && (price < low || price > high)
        {
            return Err(RejectCode::PriceOutOfBand);
        }
        Ok(())
    }

    pub(crate) fn check_place(
        &self,
        order: &NewOrder,
    ) -> Result<PlacePlan, (RejectCode, Option<OrderId>)> {
        let instrument = self.check_tradable(order.instrument)?.instrument;
        let owner_slot = self.owner_slot(order.owner)?;
        if self.owners[owner_slot as usize].halted {
            return Err((RejectCode::AccountHalted, None));
        }
        if let Some(client_id) = order.client_order_id
            && let Some(&existing) = self.client_ids.get(&(order.owner, client_id))
        {
            return Err((RejectCode::DuplicateClientOrderId, Some(existing)));
        }
        match (order.tif, order.expire_at) {
            (TimeInForce::Gtd, Some(at)) if at > self.now => {}
            (TimeInForce::Gtd, _) | (_, Some(_)) => return Err((RejectCode::InvalidExpiry, None)),
            _ => {}
        }
        let spec = instrument.spec();
        let (price, leaves, budget) = match order.kind {
            OrderKind::Limit { price, qty } => {
                instrument
                    .check_price(price)
                    .map_err(|e| value_code(e, true))?;
                Self::check_qty(&instrument, qty)?;
                if order.post_only && !order.tif.rests() {
                    return Err((RejectCode::InvalidOrder, None));
                }
                self.check_band(&instrument, price)?;
                let notional = instrument
                    .notional(price, qty)
                    .ok_or(RejectCode::AmountOverflow)?;
                if notional < spec.min_notional {
                    return Err((RejectCode::NotionalBelowMin, None));
                }
                (price, qty, false)
            }
            OrderKind::Market { qty } => {
                if order.post_only {
                    return Err((RejectCode::InvalidOrder, None));
                }
                if !matches!(order.tif, TimeInForce::Ioc | TimeInForce::Fok) {
                    return Err((RejectCode::InvalidTimeInForce, None));
                }
                Self::check_qty(&instrument, qty)?;
                let reference = self
                    .reference_price(order.instrument)
                    .ok_or(RejectCode::NoReferencePrice)?;
                let notional = instrument
                    .notional(reference, qty)
                    .ok_or(RejectCode::AmountOverflow)?;
                if notional < spec.min_notional {
                    return Err((RejectCode::NotionalBelowMin, None));
                }
                let (low, high) = self
                    .band(order.instrument)
                    .unwrap_or((Price::ZERO, Price::MAX));
                let protection = if order.side == Side::Buy { high } else { low };
                (protection, qty, false)
            }
            OrderKind::MarketBudget { quote } => {
                if order.side == Side::Sell || order.post_only {
                    return Err((RejectCode::InvalidOrder, None));
                }
                if order.tif != TimeInForce::Ioc {
                    return Err((RejectCode::InvalidTimeInForce, None));
                }
                if quote.is_zero() {
                    return Err((RejectCode::InvalidAmount, None));
                }
                if quote < spec.min_notional {
                    return Err((RejectCode::NotionalBelowMin, None));
                }
                let protection = self
                    .band(order.instrument)
                    .map_or(Price::MAX, |(_, high)| high);
                (protection, Qty::MAX, true)
            }
        };
        if order.tif.rests() {
            if self.books.owners[owner_slot as usize].count >= self.limits.orders_open_per_owner_max
            {
                return Err((RejectCode::TooManyOpenOrders, None));
            }
            if self.books.open_orders() >= self.limits.orders_open_max as usize {
                return Err((RejectCode::CapacityExceeded, None));
            }
        }
        let hold = match order.kind {
            OrderKind::MarketBudget { quote } => quote,
            _ => required_hold(&instrument, order.side, price, leaves)
                .ok_or(RejectCode::AmountOverflow)?,
        };
        let hold_asset = if order.side == Side::Buy {
            instrument.quote()
        } else {
            instrument.base()
        };
        let available = self
            .owner_account(owner_slot, hold_asset)
            .map_or(Amount::ZERO, |account| self.ledger.available(account));
        if available < hold {
            return Err((RejectCode::InsufficientFunds, None));
        }
        if order.post_only
            && let Some(best) = self.books.best(order.instrument, order.side.opposite())
            && crosses(order.side, price, self.books.level(best).price)
        {
            return Err((RejectCode::PostOnlyWouldTake, None));
        }
        if order.tif == TimeInForce::Fok && !self.fillable(order, price, leaves) {
            return Err((RejectCode::FokNotFillable, None));
        }
        Ok(PlacePlan {
            owner_slot,
            price,
            leaves,
            hold,
            budget,
        })
    }

    /// Whether a fill-or-kill order would fill in full, counting what self-trade
    /// prevention would let it trade against.
    pub(crate) fn fillable(&self, order: &NewOrder, price: Price, qty: Qty) -> bool {
        let mut found = 0u64;
        let book = &self.books.books[order.instrument.0 as usize];
        for (_, level_idx) in book.side(order.side.opposite()).iter() {
            let level = self.books.level(level_idx);
            if !crosses(order.side, price, level.price) {
                return false;
            }
            let mut cur = level.head;
            while cur != NIL {
                let maker = self.books.order(cur);
                if maker.owner == order.owner {
                    if order.stp != StpMode::CancelOldest {
                        return false;
                    }
                } else {
                    found += maker.leaves.raw();
                    if found >= qty.raw() {
                        return true;
                    }
                }
                cur = maker.next_in_level();
            }
        }
        false
    }

    pub(crate) fn check_amend(
        &self,
        owner: OwnerId,
        target: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
    ) -> Result<AmendPlan, (RejectCode, Option<OrderId>)> {
        let slot = self.resolve(owner, target)?;
        let order = self.books.order(slot);
        let with_id = |code| (code, Some(order.id));
        let instrument = self
            .check_tradable(order.instrument)
            .map_err(with_id)?
            .instrument;
        if self.owners[order.owner_slot as usize].halted {
            return Err(with_id(RejectCode::AccountHalted));
        }
        if price.is_none() && qty.is_none() {
            return Err(with_id(RejectCode::InvalidAmend));
        }
        let new_price = price.unwrap_or(order.price);
        let new_leaves = qty.unwrap_or(order.leaves);
        if price.is_some() {
            instrument
                .check_price(new_price)
                .map_err(|e| with_id(value_code(e, true)))?;
            self.check_band(&instrument, new_price).map_err(with_id)?;
        }
        instrument
            .check_qty(new_leaves)
            .map_err(|e| with_id(value_code(e, false)))?;
        if new_leaves > instrument.spec().max_qty {
            return Err(with_id(RejectCode::QuantityAboveMax));
        }
        let new_hold = required_hold(&instrument, order.side, new_price, new_leaves)
            .ok_or(with_id(RejectCode::AmountOverflow))?;
        if new_hold > order.held {
            let extra = Amount::from_raw(new_hold.raw() - order.held.raw());
            if self.ledger.available(order.hold_account) < extra {
                return Err(with_id(RejectCode::InsufficientFunds));
            }
        }
        if new_price != order.price
            && let Some(best) = self.books.best(order.instrument, order.side.opposite())
            && crosses(order.side, new_price, self.books.level(best).price)
            && order.post_only
        {
            return Err(with_id(RejectCode::PostOnlyWouldTake));
        }
        Ok((slot, new_price, new_leaves, new_hold))
    }
}

pub(crate) fn value_code(error: ValueError, for_price: bool) -> RejectCode {
    match error {
        ValueError::NotMultipleOfTick => RejectCode::InvalidTick,
        ValueError::NotMultipleOfLot => RejectCode::InvalidLot,
        ValueError::Overflow => RejectCode::AmountOverflow,
        _ if for_price => RejectCode::InvalidPrice,
        _ => RejectCode::InvalidQuantity,
    }
}

/// What must be held for `leaves` at `price`: the base quantity for a sell; for a buy,
/// the notional plus the larger fee rounded up.
pub(crate) fn required_hold(
    instrument: &Instrument,
    side: Side,
    price: Price,
    leaves: Qty,
) -> Option<Amount> {
    match side {
        Side::Sell => Some(Amount::from_raw(leaves.raw())),
        Side::Buy => {
            let notional = instrument.notional(price, leaves)?;
            notional.checked_add(fee_ceil(notional, instrument.max_fee_bps()))
        }
    }
}

pub(crate) fn crosses(side: Side, limit: Price, resting: Price) -> bool {
    match side {
        Side::Buy => resting <= limit,
        Side::Sell => resting >= limit,
    }
}
