//! Cancels and amendments of resting orders.

use crate::command::OrderRef;
use crate::engine::*;
use crate::event::{CommandKind, Event, RejectCode, Rejection};
use crate::links::End;
use crate::matching::{Taker, Wants};
use crate::risk::crosses;
use bourse_types::{Amount, CancelReason, InstrumentId, OrderId, OwnerId, Price, Qty, Side};

/// An open order found by its owner's reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// Resting in a book, at this slot.
    Resting(u32),
    /// Waiting for its trigger.
    Conditional(OrderId),
}

impl Engine {
    /// Finds an owner's open order, resting or conditional. The happy path is one
    /// lookup: an order that belongs to `owner` proves the owner exists.
    pub(crate) fn resolve_open(
        &self,
        owner: OwnerId,
        order: OrderRef,
    ) -> Result<Open, (RejectCode, Option<OrderId>)> {
        let id = match order {
            OrderRef::Id(id) => id,
            OrderRef::Client(client_id) => match self.client_ids.get(&(owner, client_id)) {
                Some(&id) => id,
                None => {
                    self.owner_slot(owner)?;
                    return Err((RejectCode::UnknownOrder, None));
                }
            },
        };
        let found = match self.books.find(id) {
            Some(slot) => Some((self.books.order(slot).owner, Open::Resting(slot))),
            None => self
                .conditionals
                .get(id)
                .map(|c| (c.owner, Open::Conditional(id))),
        };
        match found {
            Some((by, open)) if by == owner => Ok(open),
            found => {
                self.owner_slot(owner).map_err(|code| (code, Some(id)))?;
                let code = if found.is_some() {
                    RejectCode::NotOwner
                } else {
                    RejectCode::UnknownOrder
                };
                Err((code, Some(id)))
            }
        }
    }

    /// Finds an owner's resting order.
    pub(crate) fn resolve(
        &self,
        owner: OwnerId,
        order: OrderRef,
    ) -> Result<u32, (RejectCode, Option<OrderId>)> {
        match self.resolve_open(owner, order)? {
            Open::Resting(slot) => Ok(slot),
            // A conditional order is changed by cancelling it and placing it again.
            Open::Conditional(id) => Err((RejectCode::InvalidAmend, Some(id))),
        }
    }

    pub(crate) fn cancel_resting(&mut self, slot: u32, reason: CancelReason, out: &mut Vec<Event>) {
        let order = self.books.remove(slot);
        out.push(Event::OrderCancelled {
            order: order.id,
            owner: order.owner,
            instrument: order.instrument,
            leaves: order.leaves,
            reason,
        });
        self.finish(&order);
        self.ended(order.id, End::Cancelled(reason));
    }

    pub(crate) fn cancel(&mut self, owner: OwnerId, order: OrderRef, out: &mut Vec<Event>) {
        match self.resolve_open(owner, order) {
            Ok(Open::Resting(slot)) => self.cancel_resting(slot, CancelReason::Requested, out),
            Ok(Open::Conditional(id)) => self.cancel_conditional(id, CancelReason::Requested, out),
            Err((code, id)) => out.push(Event::Rejected(Rejection::order(
                CommandKind::Cancel,
                code,
                owner,
                order,
                id,
            ))),
        }
    }

    /// Cancels every order on an instrument, resting and conditional.
    pub(crate) fn cancel_instrument(
        &mut self,
        instrument: InstrumentId,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        for side in [Side::Buy, Side::Sell] {
            for slot in self.books.side_orders(instrument, side) {
                // A pair's partner may have gone with its sibling.
                if self.books.order_at(slot).is_some() {
                    self.cancel_resting(slot, reason, out);
                }
            }
        }
        self.cancel_conditionals(None, Some(instrument), reason, out);
    }

    /// Cancels every order of an owner (on one instrument, or all), resting and
    /// conditional.
    pub(crate) fn cancel_owner(
        &mut self,
        owner_slot: u32,
        instrument: Option<InstrumentId>,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        for slot in self.books.owner_orders(owner_slot) {
            if self
                .books
                .order_at(slot)
                .is_some_and(|o| instrument.is_none_or(|i| o.instrument == i))
            {
                self.cancel_resting(slot, reason, out);
            }
        }
        self.cancel_conditionals(Some(owner_slot), instrument, reason, out);
    }

    pub(crate) fn cancel_all(
        &mut self,
        owner: Option<OwnerId>,
        instrument: Option<InstrumentId>,
        out: &mut Vec<Event>,
    ) {
        let reject = |code| {
            let mut rejection = Rejection::of(CommandKind::CancelAll, code);
            rejection.owner = owner;
            Event::Rejected(rejection)
        };
        if let Some(instrument) = instrument
            && self.instruments.get(instrument.0 as usize).is_none()
        {
            return out.push(reject(RejectCode::UnknownInstrument));
        }
        match owner {
            Some(owner) => {
                let owner_slot = match self.owner_slot(owner) {
                    Ok(slot) => slot,
                    Err(code) => return out.push(reject(code)),
                };
                self.cancel_owner(owner_slot, instrument, CancelReason::Requested, out);
            }
            None => {
                let all: Vec<InstrumentId> = match instrument {
                    Some(instrument) => vec![instrument],
                    None => (0..self.instruments.len() as u32)
                        .map(InstrumentId)
                        .collect(),
                };
                for instrument in all {
                    self.cancel_instrument(instrument, CancelReason::Admin, out);
                }
            }
        }
    }

    pub(crate) fn amend(
        &mut self,
        owner: OwnerId,
        target: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
        out: &mut Vec<Event>,
    ) {
        match self.check_amend(owner, target, price, qty) {
            Ok((slot, new_price, new_leaves, new_hold)) => {
                self.execute_amend(slot, new_price, new_leaves, new_hold, out)
            }
            Err((code, id)) => out.push(Event::Rejected(Rejection::order(
                CommandKind::Amend,
                code,
                owner,
                target,
                id,
            ))),
        }
    }

    pub(crate) fn execute_amend(
        &mut self,
        slot: u32,
        price: Price,
        leaves: Qty,
        hold: Amount,
        out: &mut Vec<Event>,
    ) {
        let order = self.books.order(slot);
        let (old_price, old_leaves, old_held) = (order.price, order.leaves, order.held);
        let instrument = self.instruments[order.instrument.0 as usize].instrument;
        let hold_asset = if order.side == Side::Buy {
            instrument.quote()
        } else {
            instrument.base()
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        let hold_account = order.hold_account;
        let (instrument_id, side) = (order.instrument, order.side);
        if hold > old_held {
            self.ledger.hold(
                hold_account,
                clearing,
                Amount::from_raw(hold.raw() - old_held.raw()),
            );
        } else {
            self.ledger.release_hold(
                hold_account,
                clearing,
                Amount::from_raw(old_held.raw() - hold.raw()),
            );
        }
        self.books.order_mut(slot).held = hold;
        let would_trade = price != old_price
            && self
                .books
                .best(instrument_id, side.opposite())
                .is_some_and(|best| crosses(side, price, self.books.level(best).price));
        let priority_kept = price == old_price && leaves <= old_leaves;
        if priority_kept {
            self.books
                .reduce(slot, Qty::from_raw(old_leaves.raw() - leaves.raw()));
        } else if !would_trade {
            self.books.requeue(slot, price, leaves, self.seq);
        }
        let order = self.books.order(slot);
        out.push(Event::OrderAmended {
            order: order.id,
            owner: order.owner,
            instrument: order.instrument,
            side: order.side,
            price,
            leaves,
            priority_kept,
            held: hold,
        });
        if !would_trade {
            return;
        }
        // A new price that crosses makes the order take liquidity, like a new order
        // that keeps its id; it is out of its queue while it does.
        let mut order = self.books.detach(slot);
        order.price = price;
        order.leaves = leaves;
        order.priority = self.seq;
        let mut taker = Taker {
            order,
            wants: Wants::Qty,
        };
        match self.match_taker(&mut taker, &instrument, out) {
            Stop::Filled => {
                self.books.discard(slot);
                self.finish(&taker.order);
                self.ended(taker.order.id, End::Filled);
            }
            Stop::SelfTrade => {
                self.books.discard(slot);
                self.cancel_taker(&taker, CancelReason::SelfTrade, out);
            }
            Stop::NoLiquidity | Stop::NoCross | Stop::Budget => {
                self.books.reattach(slot, &taker.order)
            }
        }
    }
}
