//! Conditional orders: stop and take-profit orders (market or limit) and trailing
//! stops, held in the engine, not in the book, until the last trade price of their
//! instrument meets their trigger.
//!
//! A conditional order whose trigger the last price (before the first trade, the
//! reference price) already meets is refused (`TRIGGER_WOULD_FIRE`). Triggers are
//! judged at the end of every command that traded (a trade inside a
//! command triggers at its end). Those met fire one at a time: of the orders whose
//! trigger fires as the price rises, the lowest trigger first; of those that fire as it
//! falls, the highest first; between the two, the older order first; ties by id. A
//! fired order becomes a live order with the same id and enters the book like a new
//! one (its trades may move the price and fire more). One that can no longer be placed
//! (funds, band, halt...) is cancelled with the reason `TRIGGER_REFUSED` after an
//! event that gives the rejection's code: never lost.
//!
//! Funds: a conditional sell holds its quantity; a conditional buy holds its value at
//! its limit price, or for a market buy at its protection price: the trigger price plus
//! the instrument's price band (rounded down to the tick), the most it will pay when it
//! fires, with the larger fee on top.

use crate::command::{NewOrder, OrderKind, TrailingOffset, Trigger};
use crate::engine::{Engine, PlacePlan};
use crate::event::{AcceptedDetail, CommandKind, Event, OrderAccepted, RejectCode};
use crate::ledger::AccountIdx;
use crate::links::End;
use crate::matching::Announce;
use crate::risk::{Origin, required_hold};
use bourse_types::{
    Amount, BPS_DENOMINATOR, CancelReason, ClientOrderId, Instrument, InstrumentId, OrderId,
    OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp,
};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Trailing offsets in basis points, at most.
pub const TRAILING_BPS_MAX: u32 = 5_000;

/// A conditional order waiting for its trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conditional {
    pub id: OrderId,
    pub owner: OwnerId,
    pub owner_slot: u32,
    pub instrument: InstrumentId,
    pub side: Side,
    /// What it becomes when it fires.
    pub kind: OrderKind,
    pub trigger: Trigger,
    /// The price that fires it now (a trailing stop's current stop).
    pub trigger_price: Price,
    /// A trailing stop's best price so far (zero for the others).
    pub extreme: Price,
    /// A market buy's most it will pay when it fires.
    pub protection: Price,
    pub held: Amount,
    pub hold_account: AccountIdx,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub reduce_only: bool,
    pub stp: StpMode,
    pub client_order_id: Option<ClientOrderId>,
    pub expire_at: Option<Timestamp>,
    pub priority: u64,
}

impl Conditional {
    pub fn qty(&self) -> Qty {
        match self.kind {
            OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => qty,
            OrderKind::MarketBudget { .. } => Qty::ZERO,
        }
    }

    /// The price its value is counted at: its limit price, else its protection (a
    /// buy) or its trigger (a sell).
    pub fn value_price(&self) -> Price {
        match self.kind {
            OrderKind::Limit { price, .. } => price,
            _ if self.side == Side::Buy => self.protection,
            _ => self.trigger_price,
        }
    }

    /// Whether it fires as the price rises (rather than as it falls).
    fn rising(&self) -> bool {
        matches!(
            (self.trigger, self.side),
            (
                Trigger::Stop { .. } | Trigger::TrailingStop { .. },
                Side::Buy
            ) | (Trigger::TakeProfit { .. }, Side::Sell)
        )
    }

    /// What it needs to hold on its own.
    pub fn required(&self, instrument: &Instrument) -> Option<Amount> {
        let price = match self.kind {
            OrderKind::Limit { price, .. } => price,
            _ => self.protection,
        };
        required_hold(instrument, self.side, price, self.qty())
    }

    /// The order it becomes.
    pub fn live(&self) -> NewOrder {
        NewOrder {
            owner: self.owner,
            instrument: self.instrument,
            side: self.side,
            kind: self.kind,
            tif: self.tif,
            post_only: self.post_only,
            stp: self.stp,
            client_order_id: self.client_order_id,
            expire_at: self.expire_at,
            reduce_only: self.reduce_only,
            conditions: None,
        }
    }
}

/// Every conditional order, with each instrument's triggers in firing order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Conditionals {
    by_id: FxHashMap<OrderId, Conditional>,
    /// Per instrument: fired when the last price rises to the trigger or above.
    rising: Vec<BTreeSet<(Price, OrderId)>>,
    /// Per instrument: fired when the last price falls to the trigger or below.
    falling: Vec<BTreeSet<(Reverse<Price>, OrderId)>>,
    /// Per instrument: the trailing stops.
    trailing: Vec<BTreeSet<OrderId>>,
    /// Per owner slot: its conditional orders.
    by_owner: FxHashMap<u32, BTreeSet<OrderId>>,
}

impl Conditionals {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn add_instrument(&mut self) {
        self.rising.push(BTreeSet::new());
        self.falling.push(BTreeSet::new());
        self.trailing.push(BTreeSet::new());
    }

    pub fn get(&self, id: OrderId) -> Option<&Conditional> {
        self.by_id.get(&id)
    }

    pub fn get_mut(&mut self, id: OrderId) -> Option<&mut Conditional> {
        self.by_id.get_mut(&id)
    }

    pub fn insert(&mut self, c: Conditional) {
        let i = c.instrument.0 as usize;
        if c.rising() {
            self.rising[i].insert((c.trigger_price, c.id));
        } else {
            self.falling[i].insert((Reverse(c.trigger_price), c.id));
        }
        if matches!(c.trigger, Trigger::TrailingStop { .. }) {
            self.trailing[i].insert(c.id);
        }
        self.by_owner.entry(c.owner_slot).or_default().insert(c.id);
        self.by_id.insert(c.id, c);
    }

    pub fn remove(&mut self, id: OrderId) -> Option<Conditional> {
        let c = self.by_id.remove(&id)?;
        let i = c.instrument.0 as usize;
        if c.rising() {
            self.rising[i].remove(&(c.trigger_price, c.id));
        } else {
            self.falling[i].remove(&(Reverse(c.trigger_price), c.id));
        }
        self.trailing[i].remove(&c.id);
        if let Some(mine) = self.by_owner.get_mut(&c.owner_slot) {
            mine.remove(&c.id);
            if mine.is_empty() {
                self.by_owner.remove(&c.owner_slot);
            }
        }
        Some(c)
    }

    /// Gives a conditional order a new quantity and hold (a bracket leg that grows).
    pub fn resize(&mut self, id: OrderId, qty: Qty, held: Amount) {
        if let Some(c) = self.by_id.get_mut(&id) {
            c.held = held;
            c.kind = match c.kind {
                OrderKind::Limit { price, .. } => OrderKind::Limit { price, qty },
                OrderKind::Market { .. } => OrderKind::Market { qty },
                other => other,
            };
        }
    }

    /// Moves a trailing stop's trigger.
    fn retrigger(&mut self, id: OrderId, price: Price) {
        if let Some(c) = self.remove(id) {
            self.insert(Conditional {
                trigger_price: price,
                ..c
            });
        }
    }

    /// The next order the last price `last` fires on an instrument, if any.
    fn next_due(&self, instrument: InstrumentId, last: Price) -> Option<OrderId> {
        let i = instrument.0 as usize;
        let up = self.rising[i]
            .first()
            .filter(|(price, _)| *price <= last)
            .map(|(_, id)| *id);
        let down = self.falling[i]
            .first()
            .filter(|(Reverse(price), _)| *price >= last)
            .map(|(_, id)| *id);
        match (up, down) {
            (Some(a), Some(b)) => {
                let (pa, pb) = (self.by_id[&a].priority, self.by_id[&b].priority);
                Some(if (pa, a) <= (pb, b) { a } else { b })
            }
            (a, b) => a.or(b),
        }
    }

    /// Every conditional order, in id order.
    pub fn all(&self) -> Vec<&Conditional> {
        let mut all: Vec<&Conditional> = self.by_id.values().collect();
        all.sort_unstable_by_key(|c| c.id);
        all
    }

    /// An owner's conditional orders, in id order.
    pub fn of_owner(&self, owner_slot: u32) -> impl Iterator<Item = &Conditional> {
        self.by_owner
            .get(&owner_slot)
            .into_iter()
            .flatten()
            .map(|id| &self.by_id[id])
    }

    /// The conditional orders of an instrument, in id order.
    pub fn of_instrument(&self, instrument: InstrumentId) -> Vec<&Conditional> {
        let i = instrument.0 as usize;
        let mut ids: Vec<OrderId> = self.rising[i]
            .iter()
            .map(|(_, id)| *id)
            .chain(self.falling[i].iter().map(|(_, id)| *id))
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(|id| &self.by_id[&id]).collect()
    }

    /// The trailing stops of an instrument, in id order.
    fn trailing_of(&self, instrument: InstrumentId) -> Vec<OrderId> {
        self.trailing[instrument.0 as usize]
            .iter()
            .copied()
            .collect()
    }
}

/// The trailing offset from `from` as a price distance, on the tick.
fn trailing_distance(instrument: &Instrument, offset: TrailingOffset, from: Price) -> Price {
    match offset {
        TrailingOffset::Price(distance) => distance,
        TrailingOffset::Bps(bps) => {
            let tick = instrument.tick_size().raw();
            let raw = u128::from(from.raw()) * u128::from(bps) / u128::from(BPS_DENOMINATOR);
            // Rounded up to the tick: the stop stays at least the offset away.
            let ticks = (raw as u64).div_ceil(tick);
            Price::from_raw(ticks.saturating_mul(tick))
        }
    }
}

/// The most a stop-market buy pays when it fires at `trigger`: the trigger plus the
/// instrument's price band, rounded down to the tick.
fn protection_of(instrument: &Instrument, trigger: Price) -> Price {
    let tick = u128::from(instrument.tick_size().raw());
    let band = u128::from(instrument.spec().price_band_bps);
    let denominator = u128::from(BPS_DENOMINATOR);
    let cap = u128::from(trigger.raw()) * (denominator + band) / denominator / tick * tick;
    Price::from_raw(u64::try_from(cap).unwrap_or(u64::MAX / tick as u64 * tick as u64))
}

/// A trailing stop's trigger, `offset` away from the best price `extreme`.
fn trailing_stop(
    instrument: &Instrument,
    side: Side,
    offset: TrailingOffset,
    extreme: Price,
) -> Price {
    let distance = trailing_distance(instrument, offset, extreme);
    match side {
        Side::Sell => Price::from_raw(extreme.raw().saturating_sub(distance.raw())),
        Side::Buy => Price::from_raw(extreme.raw().saturating_add(distance.raw())),
    }
}

impl Engine {
    /// Checks a conditional order and works out its trigger, protection and hold.
    pub(crate) fn check_conditional(
        &self,
        order: &NewOrder,
        trigger: Trigger,
    ) -> Result<Conditional, (RejectCode, Option<OrderId>)> {
        let owner_slot = self.check_common(order, Origin::Owner)?;
        let _ = trigger;
        let instrument = self.instrument_of(order.instrument);
        let mut conditional = self.conditional_of(order, owner_slot, instrument)?;
        // Judged against the last trade, or before the first trade the reference price
        // (where the first trade is expected).
        if let Some(mark) = self.reference_price(order.instrument)
            && self.fires_at(&conditional, mark)
        {
            return Err((RejectCode::TriggerWouldFire, None));
        }
        self.check_capacity(owner_slot)?;
        let kind = crate::risk::KindPlan {
            price: conditional.value_price(),
            leaves: conditional.qty(),
            budget: false,
        };
        if order.attached().is_some() {
            self.check_attached(instrument, order, &kind)?;
        }
        self.check_owner_limits(owner_slot, instrument, order, &kind, Origin::Owner)?;
        let hold = conditional
            .required(instrument)
            .ok_or(RejectCode::AmountOverflow)?;
        self.check_funds(owner_slot, instrument, order.side, hold)?;
        conditional.held = hold;
        Ok(conditional)
    }

    /// The conditional order a request describes: its kind and trigger checked, its
    /// trigger price, a trailing stop's start and a market buy's protection worked
    /// out. Its id and hold are filled in by the caller.
    pub(crate) fn conditional_of(
        &self,
        order: &NewOrder,
        owner_slot: u32,
        instrument: &Instrument,
    ) -> Result<Conditional, RejectCode> {
        let Some(trigger) = order.trigger() else {
            return Err(RejectCode::InvalidTrigger);
        };
        let tick = instrument.tick_size().raw();
        let (qty, limit) = match order.kind {
            OrderKind::Limit { price, qty } => {
                instrument
                    .check_price(price)
                    .map_err(|e| crate::risk::value_code(e, true))?;
                if order.post_only && !order.tif.rests() {
                    return Err(RejectCode::InvalidOrder);
                }
                (qty, Some(price))
            }
            OrderKind::Market { qty } => {
                if order.post_only {
                    return Err(RejectCode::InvalidOrder);
                }
                if !matches!(order.tif, TimeInForce::Ioc | TimeInForce::Fok) {
                    return Err(RejectCode::InvalidTimeInForce);
                }
                (qty, None)
            }
            OrderKind::MarketBudget { .. } => return Err(RejectCode::InvalidOrder),
        };
        Self::check_qty(instrument, qty)?;
        let (trigger_price, extreme) = match trigger {
            Trigger::Stop { price } | Trigger::TakeProfit { price } => {
                if price.is_zero() || !price.raw().is_multiple_of(tick) {
                    return Err(RejectCode::InvalidTrigger);
                }
                (price, Price::ZERO)
            }
            Trigger::TrailingStop { offset } => {
                if limit.is_some() {
                    return Err(RejectCode::InvalidTrigger);
                }
                let valid = match offset {
                    TrailingOffset::Price(d) => !d.is_zero() && d.raw().is_multiple_of(tick),
                    TrailingOffset::Bps(bps) => (1..=TRAILING_BPS_MAX).contains(&bps),
                };
                if !valid {
                    return Err(RejectCode::InvalidTrigger);
                }
                let from = self
                    .reference_price(order.instrument)
                    .ok_or(RejectCode::NoReferencePrice)?;
                let stop = trailing_stop(instrument, order.side, offset, from);
                if stop.is_zero() {
                    return Err(RejectCode::InvalidTrigger);
                }
                (stop, from)
            }
        };
        Ok(Conditional {
            id: OrderId(0),
            owner: order.owner,
            owner_slot,
            instrument: order.instrument,
            side: order.side,
            kind: order.kind,
            trigger,
            trigger_price,
            extreme,
            protection: protection_of(instrument, trigger_price),
            held: Amount::ZERO,
            hold_account: 0,
            tif: order.tif,
            post_only: order.post_only,
            reduce_only: order.reduce_only,
            stp: order.stp,
            client_order_id: order.client_order_id,
            expire_at: self.expiry_of(order),
            priority: self.seq,
        })
    }

    fn fires_at(&self, c: &Conditional, last: Price) -> bool {
        if c.rising() {
            last >= c.trigger_price
        } else {
            last <= c.trigger_price
        }
    }

    /// Places a conditional order: checked, its funds held, announced, and waiting.
    pub(crate) fn place_conditional(
        &mut self,
        new: &NewOrder,
        command: CommandKind,
        out: &mut Vec<Event>,
    ) {
        let Some(trigger) = new.trigger() else {
            return;
        };
        let conditional = match self.check_conditional(new, trigger) {
            Ok(checked) => checked,
            Err((code, existing)) => return self.reject_place(command, new, code, existing, out),
        };
        let id = self.new_order_id();
        if let Some(attached) = new.attached() {
            self.link_entry(id, new, attached);
        }
        self.hold_conditional(Conditional { id, ..conditional }, out);
    }

    /// Holds a checked conditional order's funds, stores and announces it.
    pub(crate) fn hold_conditional(&mut self, mut c: Conditional, out: &mut Vec<Event>) {
        let instrument = self.instruments[c.instrument.0 as usize].instrument;
        let (hold_asset, other) = match c.side {
            Side::Buy => (instrument.quote(), instrument.base()),
            Side::Sell => (instrument.base(), instrument.quote()),
        };
        // Both accounts exist from the start, as for any order.
        self.open_owner_account(c.owner_slot, other);
        c.hold_account = self.open_owner_account(c.owner_slot, hold_asset);
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger.hold(c.hold_account, clearing, c.held);
        if let Some(client_id) = c.client_order_id {
            self.client_ids.insert((c.owner, client_id), c.id);
        }
        if let Some(at) = c.expire_at {
            self.schedule_expiry(at, c.id);
        }
        self.owners[c.owner_slot as usize].conditionals += 1;
        let link = self.links.get(&c.id);
        out.push(Event::OrderAccepted(OrderAccepted {
            order: c.id,
            owner: c.owner,
            instrument: c.instrument,
            side: c.side,
            kind: c.kind,
            tif: c.tif,
            post_only: c.post_only,
            stp: c.stp,
            client_order_id: c.client_order_id,
            expire_at: c.expire_at,
            held: c.held,
            reduce_only: c.reduce_only,
            detail: AcceptedDetail {
                trigger: Some(c.trigger),
                trigger_price: Some(c.trigger_price),
                oco: link.and_then(|l| l.oco),
                parent: link.and_then(|l| l.parent),
                attached: link.and_then(|l| l.bracket).map(|b| b.attached),
            }
            .boxed(),
        }));
        self.conditionals.insert(c);
    }

    /// Takes a conditional order out and releases what it holds.
    fn take_conditional(&mut self, id: OrderId) -> Option<Conditional> {
        let c = self.conditionals.remove(id)?;
        let instrument = self.instruments[c.instrument.0 as usize].instrument;
        let hold_asset = match c.side {
            Side::Buy => instrument.quote(),
            Side::Sell => instrument.base(),
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger.release_hold(c.hold_account, clearing, c.held);
        self.owners[c.owner_slot as usize].conditionals -= 1;
        Some(c)
    }

    /// Cancels a conditional order.
    pub(crate) fn cancel_conditional(
        &mut self,
        id: OrderId,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        let Some(c) = self.take_conditional(id) else {
            return;
        };
        out.push(Event::OrderCancelled {
            order: c.id,
            owner: c.owner,
            instrument: c.instrument,
            leaves: c.qty(),
            reason,
        });
        if let Some(client_id) = c.client_order_id {
            self.retire_client_id(c.owner, client_id, c.id);
        }
        self.ended(c.id, End::Cancelled(reason));
    }

    pub(crate) fn expire_conditional(&mut self, id: OrderId, out: &mut Vec<Event>) {
        let Some(c) = self.take_conditional(id) else {
            return;
        };
        out.push(Event::OrderExpired {
            order: c.id,
            owner: c.owner,
            instrument: c.instrument,
            leaves: c.qty(),
        });
        if let Some(client_id) = c.client_order_id {
            self.retire_client_id(c.owner, client_id, c.id);
        }
        self.ended(c.id, End::Expired);
    }

    /// Trailing stops follow the last price of an instrument.
    fn follow(&mut self, instrument_id: InstrumentId, out: &mut Vec<Event>) {
        let state = &self.instruments[instrument_id.0 as usize];
        let (Some(last), instrument) = (state.last_price, state.instrument) else {
            return;
        };
        for id in self.conditionals.trailing_of(instrument_id) {
            let Some(c) = self.conditionals.get(id) else {
                continue;
            };
            let Trigger::TrailingStop { offset } = c.trigger else {
                continue;
            };
            let better = match c.side {
                Side::Sell => last > c.extreme,
                Side::Buy => last < c.extreme,
            };
            if !better {
                continue;
            }
            let stop = trailing_stop(&instrument, c.side, offset, last);
            let moved = match c.side {
                Side::Sell => stop > c.trigger_price,
                Side::Buy => stop < c.trigger_price,
            };
            let (owner, side) = (c.owner, c.side);
            if let Some(c) = self.conditionals.get_mut(id) {
                c.extreme = last;
            }
            if moved && !(side == Side::Buy && stop.is_zero()) {
                self.conditionals.retrigger(id, stop);
                out.push(Event::TrailingStopMoved {
                    order: id,
                    owner,
                    instrument: instrument_id,
                    trigger_price: stop,
                });
            }
        }
    }

    /// Fires what the command's trades triggered, and what those orders' trades
    /// trigger in turn, until nothing more is due. Link work (one-cancels-the-other,
    /// bracket legs) is done between fires, so that each fire sees the pairs settled.
    pub(crate) fn run_triggers(&mut self, out: &mut Vec<Event>) {
        let mut done = 0;
        while done < self.scratch.traded.len() {
            self.settle_links(out);
            let instrument = self.scratch.traded[done];
            if self.conditionals.is_empty() {
                done += 1;
                continue;
            }
            self.follow(instrument, out);
            let Some(last) = self.instruments[instrument.0 as usize].last_price else {
                done += 1;
                continue;
            };
            match self.conditionals.next_due(instrument, last) {
                Some(id) => self.fire(id, last, out),
                None => done += 1,
            }
        }
        self.settle_links(out);
    }

    /// A conditional order's trigger fired: it becomes a live order, or is cancelled
    /// when that order can no longer be placed.
    fn fire(&mut self, id: OrderId, last: Price, out: &mut Vec<Event>) {
        // Its one-cancels-the-other partner goes first, releasing a shared hold.
        self.cancel_partner(id, out);
        let Some(c) = self.take_conditional(id) else {
            return;
        };
        out.push(Event::OrderTriggered {
            order: c.id,
            owner: c.owner,
            instrument: c.instrument,
            last,
        });
        let live = c.live();
        match self.check_triggered(&live, &c) {
            Ok(plan) => self.run_order(&live, c.id, &plan, Announce::Triggered, out),
            Err(code) => {
                out.push(Event::TriggerRefused {
                    order: c.id,
                    owner: c.owner,
                    instrument: c.instrument,
                    code,
                });
                out.push(Event::OrderCancelled {
                    order: c.id,
                    owner: c.owner,
                    instrument: c.instrument,
                    leaves: c.qty(),
                    reason: CancelReason::TriggerRefused,
                });
                if let Some(client_id) = c.client_order_id {
                    self.retire_client_id(c.owner, client_id, c.id);
                }
                self.ended(c.id, End::Cancelled(CancelReason::TriggerRefused));
            }
        }
    }

    /// The checks of an order a trigger made: what the market and the account allow
    /// now, with the owner's limits as they were judged when it was placed.
    fn check_triggered(&self, order: &NewOrder, c: &Conditional) -> Result<PlacePlan, RejectCode> {
        let owner_slot = self
            .check_common(order, Origin::Trigger)
            .map_err(|(code, _)| code)?;
        let instrument = self.instrument_of(order.instrument);
        let cap = (c.side == Side::Buy).then_some(c.protection);
        let kind = self.check_kind(instrument, order, cap)?;
        let hold = Self::hold_of(instrument, order, &kind)?;
        self.check_owner_limits(owner_slot, instrument, order, &kind, Origin::Trigger)?;
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

    /// Cancels every conditional order of an owner (all owners when `None`) on an
    /// instrument (all when `None`), in id order.
    pub(crate) fn cancel_conditionals(
        &mut self,
        owner_slot: Option<u32>,
        instrument: Option<InstrumentId>,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        if self.conditionals.is_empty() {
            return;
        }
        let ids: Vec<OrderId> = match (owner_slot, instrument) {
            (Some(slot), _) => self
                .conditionals
                .of_owner(slot)
                .filter(|c| instrument.is_none_or(|i| c.instrument == i))
                .map(|c| c.id)
                .collect(),
            (None, Some(i)) => self
                .conditionals
                .of_instrument(i)
                .into_iter()
                .map(|c| c.id)
                .collect(),
            (None, None) => self.conditionals.all().into_iter().map(|c| c.id).collect(),
        };
        for id in ids {
            self.cancel_conditional(id, reason, out);
        }
    }
}
