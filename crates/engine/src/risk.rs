//! Pre-trade risk: whether an order or an amendment may go ahead, and what it must hold.
//!
//! A placement passes, in order: the checks every order has (the venue, instrument
//! and account may trade, the client order id is new, the expiry fits the time in
//! force), the checks of its kind (limit, market, market by budget), capacity, the
//! owner's risk limits, the funds check, and the checks against the book (post-only,
//! fill-or-kill). The first that fails gives the rejection's code.

use crate::book::NIL;
use crate::command::{NewOrder, OrderKind, OrderRef};
use crate::engine::{AmendPlan, Engine, InstrumentState, PlacePlan};
use crate::event::RejectCode;
use crate::positions::value_at;
use bourse_types::{
    Amount, Instrument, InstrumentId, InstrumentStatus, OrderId, OwnerId, Price, Qty, Side,
    StpMode, TimeInForce, ValueError, fee_ceil,
};

type Refusal = (RejectCode, Option<OrderId>);

/// What the checks of an order's kind decide: the price it may trade at (a market
/// order's protection price), its quantity, and whether it spends a budget.
pub(crate) struct KindPlan {
    pub price: Price,
    pub leaves: Qty,
    pub budget: bool,
}

/// Why an order is placed: by its owner, or by the engine when a conditional order
/// fires (whose placement already passed the owner's checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Owner,
    Trigger,
}

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

    /// Every order: the venue, instrument and account may trade, the client order id
    /// is new, the expiry fits the time in force. Returns the owner's slot.
    #[inline]
    pub(crate) fn check_common(&self, order: &NewOrder, origin: Origin) -> Result<u32, Refusal> {
        if self.venue_halted() {
            return Err((RejectCode::VenueHalted, None));
        }
        self.check_tradable(order.instrument)?;
        let owner_slot = self.owner_slot(order.owner)?;
        if self.owners[owner_slot as usize].halted {
            return Err((RejectCode::AccountHalted, None));
        }
        if origin == Origin::Owner {
            if let Some(client_id) = order.client_order_id
                && let Some(&existing) = self.client_ids.get(&(order.owner, client_id))
            {
                return Err((RejectCode::DuplicateClientOrderId, Some(existing)));
            }
            match (order.tif, order.expire_at) {
                (TimeInForce::Gtd, Some(at)) if at > self.now => {}
                (TimeInForce::Gtd, _) | (_, Some(_)) => {
                    return Err((RejectCode::InvalidExpiry, None));
                }
                _ => {}
            }
        }
        Ok(owner_slot)
    }

    /// A listed instrument (the caller checked the id).
    #[inline]
    pub(crate) fn instrument_of(&self, id: InstrumentId) -> &Instrument {
        &self.instruments[id.0 as usize].instrument
    }

    /// A limit order: its price on the tick and in the band, its quantity within the
    /// instrument's bounds and its value above the minimum.
    pub(crate) fn check_limit(
        &self,
        instrument: &Instrument,
        order: &NewOrder,
        price: Price,
        qty: Qty,
    ) -> Result<KindPlan, RejectCode> {
        instrument
            .check_price(price)
            .map_err(|e| value_code(e, true))?;
        Self::check_qty(instrument, qty)?;
        if order.post_only && !order.tif.rests() {
            return Err(RejectCode::InvalidOrder);
        }
        self.check_band(instrument, price)?;
        let notional = instrument
            .notional(price, qty)
            .ok_or(RejectCode::AmountOverflow)?;
        if notional < instrument.spec().min_notional {
            return Err(RejectCode::NotionalBelowMin);
        }
        Ok(KindPlan {
            price,
            leaves: qty,
            budget: false,
        })
    }

    /// A market order for a quantity: IOC or FOK, a reference price to value it by,
    /// and the band's edge as its protection price (or `cap`, a triggered buy's
    /// protection, when lower).
    pub(crate) fn check_market(
        &self,
        instrument: &Instrument,
        order: &NewOrder,
        qty: Qty,
        cap: Option<Price>,
    ) -> Result<KindPlan, RejectCode> {
        if order.post_only {
            return Err(RejectCode::InvalidOrder);
        }
        if !matches!(order.tif, TimeInForce::Ioc | TimeInForce::Fok) {
            return Err(RejectCode::InvalidTimeInForce);
        }
        Self::check_qty(instrument, qty)?;
        let reference = self
            .reference_price(order.instrument)
            .ok_or(RejectCode::NoReferencePrice)?;
        let notional = instrument
            .notional(reference, qty)
            .ok_or(RejectCode::AmountOverflow)?;
        if notional < instrument.spec().min_notional {
            return Err(RejectCode::NotionalBelowMin);
        }
        let (low, high) = self
            .band(order.instrument)
            .unwrap_or((Price::ZERO, Price::MAX));
        let protection = match order.side {
            Side::Buy => cap.map_or(high, |cap| cap.min(high)),
            Side::Sell => low,
        };
        Ok(KindPlan {
            price: protection,
            leaves: qty,
            budget: false,
        })
    }

    /// A market buy that spends a quote budget: IOC, a positive budget above the
    /// minimum value.
    pub(crate) fn check_budget(
        &self,
        instrument: &Instrument,
        order: &NewOrder,
        quote: Amount,
    ) -> Result<KindPlan, RejectCode> {
        if order.side == Side::Sell || order.post_only {
            return Err(RejectCode::InvalidOrder);
        }
        if order.tif != TimeInForce::Ioc {
            return Err(RejectCode::InvalidTimeInForce);
        }
        if quote.is_zero() {
            return Err(RejectCode::InvalidAmount);
        }
        if quote < instrument.spec().min_notional {
            return Err(RejectCode::NotionalBelowMin);
        }
        let protection = self
            .band(order.instrument)
            .map_or(Price::MAX, |(_, high)| high);
        Ok(KindPlan {
            price: protection,
            leaves: Qty::ZERO,
            budget: true,
        })
    }

    /// The checks of an order's kind.
    pub(crate) fn check_kind(
        &self,
        instrument: &Instrument,
        order: &NewOrder,
        cap: Option<Price>,
    ) -> Result<KindPlan, RejectCode> {
        match order.kind {
            OrderKind::Limit { price, qty } => self.check_limit(instrument, order, price, qty),
            OrderKind::Market { qty } => self.check_market(instrument, order, qty, cap),
            OrderKind::MarketBudget { quote } => self.check_budget(instrument, order, quote),
        }
    }

    /// Room for one more open order: the owner's and the venue's.
    pub(crate) fn check_capacity(&self, owner_slot: u32) -> Result<(), RejectCode> {
        let open = self.books.owners[owner_slot as usize].count
            + self.owners[owner_slot as usize].conditionals;
        if open >= self.limits.orders_open_per_owner_max {
            return Err(RejectCode::TooManyOpenOrders);
        }
        if self.books.open_orders() + self.conditionals.len()
            >= self.limits.orders_open_max as usize
        {
            return Err(RejectCode::CapacityExceeded);
        }
        Ok(())
    }

    /// What an order holds: its budget, or its value at its price for a buy (the
    /// larger fee on top), or its quantity for a sell.
    pub(crate) fn hold_of(
        instrument: &Instrument,
        order: &NewOrder,
        plan: &KindPlan,
    ) -> Result<Amount, RejectCode> {
        match order.kind {
            OrderKind::MarketBudget { quote } => Ok(quote),
            _ => required_hold(instrument, order.side, plan.price, plan.leaves)
                .ok_or(RejectCode::AmountOverflow),
        }
    }

    /// The owner has `hold` available in the asset the order holds.
    #[inline]
    pub(crate) fn check_funds(
        &self,
        owner_slot: u32,
        instrument: &Instrument,
        side: Side,
        hold: Amount,
    ) -> Result<(), RejectCode> {
        let asset = match side {
            Side::Buy => instrument.quote(),
            Side::Sell => instrument.base(),
        };
        let available = self
            .owner_account(owner_slot, asset)
            .map_or(Amount::ZERO, |account| self.ledger.available(account));
        if available < hold {
            return Err(RejectCode::InsufficientFunds);
        }
        Ok(())
    }

    /// Post-only and fill-or-kill, against the book as it is.
    pub(crate) fn check_liquidity(
        &self,
        order: &NewOrder,
        plan: &KindPlan,
    ) -> Result<(), RejectCode> {
        if order.post_only
            && let Some(best) = self.books.best(order.instrument, order.side.opposite())
            && crosses(order.side, plan.price, self.books.level(best).price)
        {
            return Err(RejectCode::PostOnlyWouldTake);
        }
        if order.tif == TimeInForce::Fok && !self.fillable(order, plan.price, plan.leaves) {
            return Err(RejectCode::FokNotFillable);
        }
        Ok(())
    }

    pub(crate) fn check_place(&self, order: &NewOrder) -> Result<PlacePlan, Refusal> {
        let owner_slot = self.check_common(order, Origin::Owner)?;
        let instrument = self.instrument_of(order.instrument);
        let kind = self.check_kind(instrument, order, None)?;
        if order.tif.rests() {
            self.check_capacity(owner_slot)?;
        }
        if order.attached().is_some() {
            self.check_attached(instrument, order, &kind)?;
        }
        let hold = Self::hold_of(instrument, order, &kind)?;
        self.check_owner_limits(owner_slot, instrument, order, &kind, Origin::Owner)?;
        self.check_funds(owner_slot, instrument, order.side, hold)?;
        self.check_liquidity(order, &kind)?;
        Ok(PlacePlan {
            owner_slot,
            price: kind.price,
            leaves: kind.leaves,
            hold,
            budget: kind.budget,
        })
    }

    /// A bracket's protection: prices on the tick, a stop loss below a buy's price
    /// (above a sell's) and a take profit above it (below), never a budget order.
    pub(crate) fn check_attached(
        &self,
        instrument: &Instrument,
        order: &NewOrder,
        kind: &KindPlan,
    ) -> Result<(), RejectCode> {
        let Some(attached) = order.attached() else {
            return Ok(());
        };
        if kind.budget || (attached.stop_loss.is_none() && attached.take_profit.is_none()) {
            return Err(RejectCode::InvalidOrder);
        }
        // Around the entry's price: its limit, else its trigger (a stop entry), else
        // the reference price.
        let trigger = match order.trigger() {
            Some(
                crate::command::Trigger::Stop { price }
                | crate::command::Trigger::TakeProfit { price },
            ) => Some(price),
            _ => None,
        };
        let around = match order.kind {
            OrderKind::Limit { price, .. } => Some(price),
            _ => trigger.or_else(|| self.reference_price(order.instrument)),
        };
        for (price, below) in [
            (attached.stop_loss, order.side == Side::Buy),
            (attached.take_profit, order.side == Side::Sell),
        ] {
            let Some(price) = price else { continue };
            instrument
                .check_price(price)
                .map_err(|_| RejectCode::InvalidTrigger)?;
            if let Some(around) = around
                && (price == around || (price < around) != below)
            {
                return Err(RejectCode::InvalidTrigger);
            }
        }
        Ok(())
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

    // ---------------------------------------------------------------- risk limits

    /// Whether an order reduces a position: a sell no larger than the holding.
    pub(crate) fn reduces(&self, owner_slot: u32, order: &NewOrder, qty: Qty) -> bool {
        order.side == Side::Sell
            && self.owners[owner_slot as usize]
                .position(order.instrument)
                .is_some_and(|p| !qty.is_zero() && qty <= p.qty)
    }

    /// The value an order would trade for, in its quote asset, at most: a limit's at
    /// its price, a market order's at the reference price, a budget's budget.
    fn order_value(&self, instrument: &Instrument, order: &NewOrder, kind: &KindPlan) -> u128 {
        match order.kind {
            OrderKind::MarketBudget { quote } => u128::from(quote.raw()),
            OrderKind::Limit { price, qty } => value_at(instrument, price, qty),
            OrderKind::Market { qty } => {
                let price = self.reference_price(order.instrument).unwrap_or(kind.price);
                value_at(instrument, price, qty)
            }
        }
    }

    /// The owner's risk limits, the reduce-only flag, and the daily loss rule (after a
    /// breach only orders that reduce a position pass).
    #[inline]
    pub(crate) fn check_owner_limits(
        &self,
        owner_slot: u32,
        instrument: &Instrument,
        order: &NewOrder,
        kind: &KindPlan,
        origin: Origin,
    ) -> Result<(), RejectCode> {
        if !order.reduce_only && self.risk.is_empty() {
            return Ok(());
        }
        self.check_owner_limits_in_force(owner_slot, instrument, order, kind, origin)
    }

    fn check_owner_limits_in_force(
        &self,
        owner_slot: u32,
        instrument: &Instrument,
        order: &NewOrder,
        kind: &KindPlan,
        origin: Origin,
    ) -> Result<(), RejectCode> {
        let reduces = self.reduces(owner_slot, order, kind.leaves);
        if order.reduce_only && !reduces {
            return Err(RejectCode::ReduceOnly);
        }
        if self.risk.is_empty() {
            return Ok(());
        }
        let owner = self.owners[owner_slot as usize].id;
        let quote = instrument.quote();
        if !reduces && self.loss_breached(owner_slot, quote) {
            return Err(RejectCode::DailyLossLimit);
        }
        if origin == Origin::Trigger {
            return Ok(());
        }
        let value = self.order_value(instrument, order, kind);
        if let Some(max) = self.risk.order_notional_max(owner, quote)
            && value > u128::from(max.raw())
        {
            return Err(RejectCode::OrderNotionalLimit);
        }
        let rests = order.tif.rests() || order.trigger().is_some();
        if rests
            && let Some(max) = self.risk.open_orders_max(owner)
            && self.books.owners[owner_slot as usize].count
                + self.owners[owner_slot as usize].conditionals
                >= max
        {
            return Err(RejectCode::OpenOrdersLimit);
        }
        if rests && let Some(max) = self.risk.open_notional_max(owner, quote) {
            let open = self.open_value(owner_slot, quote);
            if open + value > u128::from(max.raw()) {
                return Err(RejectCode::OpenNotionalLimit);
            }
        }
        if order.side == Side::Buy
            && let Some(max) = self.risk.position_max(owner, order.instrument)
        {
            let held = self.owners[owner_slot as usize]
                .position(order.instrument)
                .map_or(0, |p| p.qty.raw());
            let buying = if kind.budget {
                // As much as the budget could buy at the bottom of the band.
                let low = self
                    .band(order.instrument)
                    .map_or(kind.price, |(low, _)| low);
                instrument
                    .qty_for_notional(low, Amount::from_raw(value as u64))
                    .raw()
            } else {
                kind.leaves.raw()
            };
            let total = u128::from(held)
                + u128::from(self.open_buys(owner_slot, order.instrument))
                + u128::from(buying);
            if total > u128::from(max.raw()) {
                return Err(RejectCode::PositionLimit);
            }
        }
        Ok(())
    }

    /// The quantity of an owner's open buys (resting and conditional) on an instrument.
    pub(crate) fn open_buys(&self, owner_slot: u32, instrument: InstrumentId) -> u64 {
        let resting: u64 = self
            .books
            .owner_orders(owner_slot)
            .into_iter()
            .map(|slot| self.books.order(slot))
            .filter(|o| o.instrument == instrument && o.side == Side::Buy)
            .map(|o| o.leaves.raw())
            .sum();
        let conditional: u64 = self
            .conditionals
            .of_owner(owner_slot)
            .filter(|c| c.instrument == instrument && c.side == Side::Buy)
            .map(|c| c.qty().raw())
            .sum();
        resting + conditional
    }

    /// The value of an owner's open orders (resting and conditional) in a quote asset.
    pub(crate) fn open_value(&self, owner_slot: u32, quote: bourse_types::AssetId) -> u128 {
        let resting: u128 = self
            .books
            .owner_orders(owner_slot)
            .into_iter()
            .map(|slot| self.books.order(slot))
            .filter_map(|o| {
                let instrument = &self.instruments[o.instrument.0 as usize].instrument;
                (instrument.quote() == quote).then(|| value_at(instrument, o.price, o.leaves))
            })
            .sum();
        let conditional: u128 = self
            .conditionals
            .of_owner(owner_slot)
            .filter_map(|c| {
                let instrument = &self.instruments[c.instrument.0 as usize].instrument;
                (instrument.quote() == quote)
                    .then(|| value_at(instrument, c.value_price(), c.qty()))
            })
            .sum();
        resting + conditional
    }

    pub(crate) fn check_amend(
        &self,
        owner: OwnerId,
        target: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
    ) -> Result<AmendPlan, Refusal> {
        let slot = self.resolve(owner, target)?;
        let order = self.books.order(slot);
        let with_id = |code| (code, Some(order.id));
        if self.venue_halted() {
            return Err(with_id(RejectCode::VenueHalted));
        }
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
        // Legs of a one-cancels-the-other pair or a bracket are changed by cancelling
        // and placing them again.
        if order.linked {
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
        if !self.risk.is_empty() {
            let owner = self.owners[order.owner_slot as usize].id;
            let quote = instrument.quote();
            let old_value = value_at(&instrument, order.price, order.leaves);
            let new_value = value_at(&instrument, new_price, new_leaves);
            let grows = new_value > old_value;
            if grows
                && let Some(max) = self.risk.order_notional_max(owner, quote)
                && new_value > u128::from(max.raw())
            {
                return Err(with_id(RejectCode::OrderNotionalLimit));
            }
            if grows
                && let Some(max) = self.risk.open_notional_max(owner, quote)
                && self.open_value(order.owner_slot, quote) - old_value + new_value
                    > u128::from(max.raw())
            {
                return Err(with_id(RejectCode::OpenNotionalLimit));
            }
            if order.side == Side::Buy
                && new_leaves > order.leaves
                && let Some(max) = self.risk.position_max(owner, order.instrument)
            {
                let held = self.owners[order.owner_slot as usize]
                    .position(order.instrument)
                    .map_or(0, |p| p.qty.raw());
                let total = u128::from(held)
                    + u128::from(self.open_buys(order.owner_slot, order.instrument))
                    + u128::from(new_leaves.raw() - order.leaves.raw());
                if total > u128::from(max.raw()) {
                    return Err(with_id(RejectCode::PositionLimit));
                }
            }
            if grows && self.loss_breached(order.owner_slot, quote) {
                return Err(with_id(RejectCode::DailyLossLimit));
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
