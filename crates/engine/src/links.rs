//! Orders that act on each other: one-cancels-the-other pairs and brackets.
//!
//! An OCO pair is two orders of one owner, instrument, side and quantity, at most one
//! of them resting in the book (the other conditional). When one leg fills (in part
//! or in full) or triggers, the other is cancelled in the same command (reason
//! `OCO_SIBLING`); when one leg is cancelled or expires, so is the other. The pair
//! holds once: its leader (the resting leg, else the first) holds what the larger of
//! the two needs, and the other leg holds nothing.
//!
//! A bracket is an entry order with a stop loss and/or a take profit attached. What
//! the entry fills becomes protected: a stop-market order of the opposite side at the
//! stop-loss price and a limit order at the take-profit price, an OCO pair when both
//! are given. Later fills of the entry grow the pair (the take profit goes to the back
//! of its queue) while neither leg has filled or triggered; after that, a later fill
//! gets a pair of its own. Cancelling the entry (its owner, an admin, a halt or a
//! panic) cancels its protection too (reason `PARENT_CANCELLED`); an entry that ends
//! on its own terms (filled, or the unfilled rest of an immediate order) leaves it.
//! A leg that cannot be placed (the price band moved past a take profit, a buy leg's
//! funds are short) is announced and cancelled at once with `TRIGGER_REFUSED`.
//!
//! Link work is deferred: matching only records linked fills and ends, and
//! [`Engine::settle_links`] acts on them between fires and at the end of the command,
//! never while a book is being walked.

use crate::command::{Attached, NewOrder, OrderKind, Trigger};
use crate::conditional::Conditional;
use crate::engine::{Engine, PlacePlan};
use crate::event::{AcceptedDetail, CommandKind, Event, OrderAccepted, RejectCode};
use crate::matching::Announce;
use crate::risk::{Origin, required_hold};
use bourse_types::{
    Amount, CancelReason, InstrumentId, OrderId, OwnerId, Qty, Side, StpMode, TimeInForce,
};
use serde::{Deserialize, Serialize};

/// What an order is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Link {
    /// The other leg of its one-cancels-the-other pair, while both are open.
    pub oco: Option<OrderId>,
    /// The bracket entry it protects.
    pub parent: Option<OrderId>,
    /// The protection it carries, as a bracket entry.
    pub bracket: Option<Bracket>,
}

/// A bracket entry's protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Bracket {
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    /// The entry's side (the protection is of the other side).
    pub side: Side,
    pub stp: StpMode,
    pub attached: Attached,
    /// The live protection of what has filled so far.
    pub stop_loss: Option<OrderId>,
    pub take_profit: Option<OrderId>,
}

/// How a linked order ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Filled,
    Cancelled(CancelReason),
    Expired,
}

impl End {
    /// Whether someone decided to end it (rather than it ending on its own terms).
    fn by_request(self) -> bool {
        matches!(
            self,
            End::Cancelled(
                CancelReason::Requested
                    | CancelReason::Admin
                    | CancelReason::Halted
                    | CancelReason::Panic
            )
        )
    }
}

impl Engine {
    /// Records a bracket entry's protection before the entry runs.
    pub(crate) fn link_entry(&mut self, id: OrderId, new: &NewOrder, attached: Attached) {
        self.links.insert(
            id,
            Link {
                bracket: Some(Bracket {
                    owner: new.owner,
                    instrument: new.instrument,
                    side: new.side,
                    stp: new.stp,
                    attached,
                    stop_loss: None,
                    take_profit: None,
                }),
                ..Link::default()
            },
        );
    }

    /// An order ended; a linked one leaves work for [`Engine::settle_links`].
    #[inline]
    pub(crate) fn ended(&mut self, id: OrderId, end: End) {
        if !self.links.is_empty() && self.links.contains_key(&id) {
            self.scratch.link_ends.push((id, end));
        }
    }

    /// Acts on the linked fills and ends recorded so far, and on what that sets off,
    /// until nothing is left.
    pub(crate) fn settle_links(&mut self, out: &mut Vec<Event>) {
        loop {
            if !self.scratch.link_fills.is_empty() {
                let fills = std::mem::take(&mut self.scratch.link_fills);
                for (id, qty) in fills {
                    self.linked_fill(id, qty, out);
                }
                continue;
            }
            if !self.scratch.link_ends.is_empty() {
                let ends = std::mem::take(&mut self.scratch.link_ends);
                for (id, end) in ends {
                    self.linked_end(id, end, out);
                }
                continue;
            }
            break;
        }
    }

    fn linked_fill(&mut self, id: OrderId, qty: Qty, out: &mut Vec<Event>) {
        self.cancel_partner(id, out);
        let bracket = self.links.get(&id).and_then(|l| l.bracket);
        if let Some(bracket) = bracket {
            self.protect(id, bracket, qty, out);
        }
    }

    fn linked_end(&mut self, id: OrderId, end: End, out: &mut Vec<Event>) {
        let Some(link) = self.links.remove(&id) else {
            return;
        };
        if let Some(partner) = link.oco {
            if let Some(l) = self.links.get_mut(&partner) {
                l.oco = None;
            }
            self.cancel_open(partner, CancelReason::OcoSibling, out);
        }
        if let Some(bracket) = link.bracket
            && end.by_request()
        {
            for child in [bracket.stop_loss, bracket.take_profit]
                .into_iter()
                .flatten()
            {
                self.cancel_open(child, CancelReason::ParentCancelled, out);
            }
        }
        if let Some(parent) = link.parent
            && let Some(bracket) = self.links.get_mut(&parent).and_then(|l| l.bracket.as_mut())
        {
            if bracket.stop_loss == Some(id) {
                bracket.stop_loss = None;
            }
            if bracket.take_profit == Some(id) {
                bracket.take_profit = None;
            }
        }
    }

    /// Cancels an order's one-cancels-the-other partner, if it has one still open.
    pub(crate) fn cancel_partner(&mut self, id: OrderId, out: &mut Vec<Event>) {
        let Some(partner) = self.links.get_mut(&id).and_then(|l| l.oco.take()) else {
            return;
        };
        if let Some(l) = self.links.get_mut(&partner) {
            l.oco = None;
        }
        self.cancel_open(partner, CancelReason::OcoSibling, out);
    }

    /// Cancels an open order, resting or conditional.
    pub(crate) fn cancel_open(&mut self, id: OrderId, reason: CancelReason, out: &mut Vec<Event>) {
        if let Some(slot) = self.books.find(id) {
            self.cancel_resting(slot, reason, out);
        } else {
            self.cancel_conditional(id, reason, out);
        }
    }

    /// What a pair's leader holds: what the larger of its two legs needs.
    pub(crate) fn leader_hold(&self, a: OrderId, b: OrderId) -> Option<Amount> {
        let need = |id: OrderId| -> Option<Amount> {
            if let Some(slot) = self.books.find(id) {
                let o = self.books.order(slot);
                let instrument = &self.instruments[o.instrument.0 as usize].instrument;
                return required_hold(instrument, o.side, o.price, o.leaves);
            }
            let c = self.conditionals.get(id)?;
            c.required(&self.instruments[c.instrument.0 as usize].instrument)
        };
        Some(need(a)?.max(need(b)?))
    }

    // ------------------------------------------------------------- brackets

    /// Protection for `qty` more of a bracket entry's fills: the live pair grows, or a
    /// new pair is placed.
    fn protect(&mut self, entry: OrderId, bracket: Bracket, qty: Qty, out: &mut Vec<Event>) {
        let fresh = |engine: &Engine, id: Option<OrderId>| match id {
            None => true,
            Some(id) => {
                engine.conditionals.get(id).is_some()
                    || engine
                        .books
                        .find(id)
                        .is_some_and(|slot| engine.books.order(slot).filled.is_zero())
            }
        };
        let live = bracket.stop_loss.is_some() || bracket.take_profit.is_some();
        if live
            && fresh(self, bracket.stop_loss)
            && fresh(self, bracket.take_profit)
            && self.grow_protection(bracket, qty, out)
        {
            return;
        }
        self.place_protection(entry, bracket, qty, out);
    }

    /// The owner slot of a bracket's owner (it exists: the entry traded).
    fn slot_of(&self, owner: OwnerId) -> u32 {
        self.owner_index[&owner]
    }

    /// Grows a bracket's live legs by `qty`; false (and nothing changed) when the
    /// bigger hold cannot be covered.
    fn grow_protection(&mut self, bracket: Bracket, qty: Qty, out: &mut Vec<Event>) -> bool {
        let instrument = self.instruments[bracket.instrument.0 as usize].instrument;
        let side = bracket.side.opposite();
        let slot = self.slot_of(bracket.owner);
        // What each leg will need, and what the pair holds now and will hold.
        let mut held_now = Amount::ZERO;
        let mut needs = Vec::with_capacity(2);
        for id in [bracket.stop_loss, bracket.take_profit]
            .into_iter()
            .flatten()
        {
            let (price, leaves, held) = match self.books.find(id) {
                Some(s) => {
                    let o = self.books.order(s);
                    (o.price, o.leaves, o.held)
                }
                None => {
                    let c = &self.conditionals.get(id).expect("a fresh leg is open");
                    let price = match c.kind {
                        OrderKind::Limit { price, .. } => price,
                        _ => c.protection,
                    };
                    (price, c.qty(), c.held)
                }
            };
            let Some(leaves) = leaves.checked_add(qty) else {
                return false;
            };
            let Some(need) = required_hold(&instrument, side, price, leaves) else {
                return false;
            };
            held_now = held_now.saturating_add(held);
            needs.push((id, leaves, need));
        }
        let total = needs
            .iter()
            .map(|(_, _, n)| *n)
            .max()
            .unwrap_or(Amount::ZERO);
        let extra = total.raw().saturating_sub(held_now.raw());
        let hold_asset = match side {
            Side::Buy => instrument.quote(),
            Side::Sell => instrument.base(),
        };
        let available = self
            .owner_account(slot, hold_asset)
            .map_or(Amount::ZERO, |a| self.ledger.available(a));
        if leaves_over_max(&instrument, &needs) || available.raw() < extra {
            return false;
        }
        // The leader (the take profit when both) holds the pair's total.
        let leader = bracket.take_profit.or(bracket.stop_loss);
        let clearing = self.ledger.system(hold_asset).clearing;
        for (id, leaves, _) in needs {
            let hold = if Some(id) == leader {
                total
            } else {
                Amount::ZERO
            };
            if let Some(s) = self.books.find(id) {
                let o = self.books.order(s);
                let (account, old_held, price) = (o.hold_account, o.held, o.price);
                self.adjust_hold(account, clearing, old_held, hold);
                self.books.order_mut(s).held = hold;
                self.books.requeue(s, price, leaves, self.seq);
                let o = self.books.order(s);
                out.push(Event::OrderAmended {
                    order: id,
                    owner: o.owner,
                    instrument: o.instrument,
                    side: o.side,
                    price,
                    leaves,
                    priority_kept: false,
                    held: hold,
                });
            } else {
                let c = self.conditionals.get(id).expect("a fresh leg is open");
                let (account, old_held, trigger_price) = (c.hold_account, c.held, c.trigger_price);
                self.adjust_hold(account, clearing, old_held, hold);
                self.conditionals.resize(id, leaves, hold);
                out.push(Event::OrderAmended {
                    order: id,
                    owner: bracket.owner,
                    instrument: bracket.instrument,
                    side,
                    price: trigger_price,
                    leaves,
                    priority_kept: false,
                    held: hold,
                });
            }
        }
        true
    }

    /// Moves an account's hold from `old` to `new`.
    pub(crate) fn adjust_hold(
        &mut self,
        account: crate::ledger::AccountIdx,
        clearing: crate::ledger::AccountIdx,
        old: Amount,
        new: Amount,
    ) {
        if new > old {
            self.ledger
                .hold(account, clearing, Amount::from_raw(new.raw() - old.raw()));
        } else if old > new {
            self.ledger
                .release_hold(account, clearing, Amount::from_raw(old.raw() - new.raw()));
        }
    }

    /// Places a new protection pair for `qty` of a bracket entry's fills.
    fn place_protection(
        &mut self,
        entry: OrderId,
        bracket: Bracket,
        qty: Qty,
        out: &mut Vec<Event>,
    ) {
        let side = bracket.side.opposite();
        let leg = |kind: OrderKind, tif: TimeInForce, trigger: Option<Trigger>| NewOrder {
            owner: bracket.owner,
            instrument: bracket.instrument,
            side,
            kind,
            tif,
            post_only: false,
            stp: bracket.stp,
            client_order_id: None,
            expire_at: None,
            reduce_only: false,
            conditions: crate::command::Conditions {
                trigger,
                attached: None,
            }
            .boxed(),
        };
        let stop = bracket.attached.stop_loss.map(|price| {
            leg(
                OrderKind::Market { qty },
                TimeInForce::Ioc,
                Some(Trigger::Stop { price }),
            )
        });
        let take = bracket
            .attached
            .take_profit
            .map(|price| leg(OrderKind::Limit { price, qty }, TimeInForce::Gtc, None));
        let stop_id = stop.as_ref().map(|_| self.new_order_id());
        let take_id = take.as_ref().map(|_| self.new_order_id());
        for (id, other) in [(stop_id, take_id), (take_id, stop_id)] {
            if let Some(id) = id {
                self.links.insert(
                    id,
                    Link {
                        oco: other,
                        parent: Some(entry),
                        bracket: None,
                    },
                );
            }
        }
        if let Some(b) = self.links.get_mut(&entry).and_then(|l| l.bracket.as_mut()) {
            b.stop_loss = stop_id;
            b.take_profit = take_id;
        }
        let slot = self.slot_of(bracket.owner);
        let instrument = self.instruments[bracket.instrument.0 as usize].instrument;
        // The take profit's plan, checked against the market as it is.
        let take_plan = take.as_ref().map(|order| {
            let kind = self.check_kind(&instrument, order, None)?;
            let hold = Self::hold_of(&instrument, order, &kind)?;
            Ok::<_, RejectCode>((
                order.clone(),
                PlacePlan {
                    owner_slot: slot,
                    price: kind.price,
                    leaves: kind.leaves,
                    hold,
                    budget: false,
                },
            ))
        });
        let stop_leg = match (&stop, stop_id) {
            (Some(order), Some(id)) => match self.conditional_of(order, slot, &instrument) {
                Ok(c) => Some(Conditional { id, ..c }),
                Err(code) => {
                    self.refuse_leg(id, order, code, out);
                    None
                }
            },
            _ => None,
        };
        let take_leg = match (take_plan, take_id) {
            (Some(Ok(plan)), Some(_)) => Some(plan),
            (Some(Err(code)), Some(id)) => {
                let order = take.as_ref().expect("a take profit was planned");
                self.refuse_leg(id, order, code, out);
                None
            }
            _ => None,
        };
        // The hold: the larger need on the take profit when both legs stand.
        let total = match (&stop_leg, &take_leg) {
            (Some(c), Some((_, plan))) => c.required(&instrument).map(|need| need.max(plan.hold)),
            (Some(c), None) => c.required(&instrument),
            (None, Some((_, plan))) => Some(plan.hold),
            (None, None) => return,
        };
        let hold_asset = match side {
            Side::Buy => instrument.quote(),
            Side::Sell => instrument.base(),
        };
        let available = self
            .owner_account(slot, hold_asset)
            .map_or(Amount::ZERO, |a| self.ledger.available(a));
        let Some(total) = total.filter(|t| *t <= available) else {
            let code = if total.is_some() {
                RejectCode::InsufficientFunds
            } else {
                RejectCode::AmountOverflow
            };
            if let (Some(_), Some(id), Some(order)) = (&stop_leg, stop_id, &stop) {
                self.refuse_leg(id, order, code, out);
            }
            if let (Some((order, _)), Some(id)) = (&take_leg, take_id) {
                self.refuse_leg(id, order, code, out);
            }
            return;
        };
        let both = stop_leg.is_some() && take_leg.is_some();
        if !both {
            // A leg alone is no pair.
            for id in [stop_id, take_id].into_iter().flatten() {
                if let Some(l) = self.links.get_mut(&id) {
                    l.oco = None;
                }
            }
        }
        if let Some(c) = stop_leg {
            let held = if both { Amount::ZERO } else { total };
            self.hold_conditional(Conditional { held, ..c }, out);
        }
        if let (Some((order, plan)), Some(id)) = (take_leg, take_id) {
            let plan = PlacePlan {
                hold: total,
                ..plan
            };
            self.run_order(&order, id, &plan, Announce::New, out);
        }
    }

    /// Announces a protection leg that cannot be placed and cancels it at once.
    fn refuse_leg(
        &mut self,
        id: OrderId,
        order: &NewOrder,
        code: RejectCode,
        out: &mut Vec<Event>,
    ) {
        let link = self.links.remove(&id).unwrap_or_default();
        if let Some(other) = link.oco
            && let Some(l) = self.links.get_mut(&other)
        {
            l.oco = None;
        }
        if let Some(parent) = link.parent
            && let Some(b) = self.links.get_mut(&parent).and_then(|l| l.bracket.as_mut())
        {
            if b.stop_loss == Some(id) {
                b.stop_loss = None;
            }
            if b.take_profit == Some(id) {
                b.take_profit = None;
            }
        }
        let trigger_price = match order.trigger() {
            Some(Trigger::Stop { price } | Trigger::TakeProfit { price }) => Some(price),
            _ => None,
        };
        out.push(Event::OrderAccepted(OrderAccepted {
            order: id,
            owner: order.owner,
            instrument: order.instrument,
            side: order.side,
            kind: order.kind,
            tif: order.tif,
            post_only: order.post_only,
            stp: order.stp,
            client_order_id: None,
            expire_at: None,
            held: Amount::ZERO,
            reduce_only: false,
            detail: AcceptedDetail {
                trigger: order.trigger(),
                trigger_price,
                parent: link.parent,
                ..AcceptedDetail::default()
            }
            .boxed(),
        }));
        out.push(Event::TriggerRefused {
            order: id,
            owner: order.owner,
            instrument: order.instrument,
            code,
        });
        let leaves = match order.kind {
            OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => qty,
            OrderKind::MarketBudget { .. } => Qty::ZERO,
        };
        out.push(Event::OrderCancelled {
            order: id,
            owner: order.owner,
            instrument: order.instrument,
            leaves,
            reason: CancelReason::TriggerRefused,
        });
    }

    // ------------------------------------------------------------- OCO

    /// Places a one-cancels-the-other pair.
    pub(crate) fn place_oco(&mut self, first: &NewOrder, second: &NewOrder, out: &mut Vec<Event>) {
        match self.check_oco(first, second) {
            Ok(plan) => self.run_oco(first, second, plan, out),
            Err((code, existing)) => {
                self.reject_place(CommandKind::PlaceOco, first, code, existing, out)
            }
        }
    }

    fn check_oco(
        &self,
        first: &NewOrder,
        second: &NewOrder,
    ) -> Result<OcoPlan, (RejectCode, Option<OrderId>)> {
        let qty = |o: &NewOrder| match o.kind {
            OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => Some(qty),
            OrderKind::MarketBudget { .. } => None,
        };
        let pair = first.owner == second.owner
            && first.instrument == second.instrument
            && first.side == second.side
            && qty(first).is_some()
            && qty(first) == qty(second)
            && first.attached().is_none()
            && second.attached().is_none()
            && (first.trigger().is_some() || second.trigger().is_some())
            && (first.client_order_id.is_none() || first.client_order_id != second.client_order_id);
        if !pair {
            return Err((RejectCode::InvalidOco, None));
        }
        // A resting leg must rest: an immediate order has no place in a pair.
        for leg in [first, second] {
            if leg.trigger().is_none() && !leg.tif.rests() {
                return Err((RejectCode::InvalidOco, None));
            }
        }
        let owner_slot = self.check_common(first, Origin::Owner)?;
        self.check_common(second, Origin::Owner)?;
        let instrument = *self.instrument_of(first.instrument);
        let open = self.books.owners[owner_slot as usize].count
            + self.owners[owner_slot as usize].conditionals;
        if open + 2 > self.limits.orders_open_per_owner_max {
            return Err((RejectCode::TooManyOpenOrders, None));
        }
        if self.books.open_orders() + self.conditionals.len() + 2
            > self.limits.orders_open_max as usize
        {
            return Err((RejectCode::CapacityExceeded, None));
        }
        let mut legs = Vec::with_capacity(2);
        for leg in [first, second] {
            let need = match leg.trigger() {
                Some(trigger) => {
                    let c = self.check_conditional(leg, trigger)?;
                    let need = c.held;
                    legs.push(Leg::Conditional(c));
                    need
                }
                None => {
                    let plan = self.check_place(leg)?;
                    let need = plan.hold;
                    legs.push(Leg::Resting(plan));
                    need
                }
            };
            let _ = need;
        }
        let hold = legs
            .iter()
            .map(|l| match l {
                Leg::Conditional(c) => c.held,
                Leg::Resting(p) => p.hold,
            })
            .max()
            .unwrap_or(Amount::ZERO);
        self.check_funds(owner_slot, &instrument, first.side, hold)?;
        // The pair counts as two open orders against the owner's limit.
        if let Some(max) = self.risk.open_orders_max(first.owner)
            && open + 2 > max
        {
            return Err((RejectCode::OpenOrdersLimit, None));
        }
        let second_leg = legs.pop().expect("two legs");
        let first_leg = legs.pop().expect("two legs");
        Ok(OcoPlan {
            first: first_leg,
            second: second_leg,
            hold,
        })
    }

    fn run_oco(
        &mut self,
        first: &NewOrder,
        second: &NewOrder,
        plan: OcoPlan,
        out: &mut Vec<Event>,
    ) {
        let first_id = self.new_order_id();
        let second_id = self.new_order_id();
        self.links.insert(
            first_id,
            Link {
                oco: Some(second_id),
                ..Link::default()
            },
        );
        self.links.insert(
            second_id,
            Link {
                oco: Some(first_id),
                ..Link::default()
            },
        );
        // The leader holds for both: the resting leg, else the first.
        let leader = match (&plan.first, &plan.second) {
            (_, Leg::Resting(_)) => second_id,
            _ => first_id,
        };
        let mut resting = None;
        for (id, order, leg) in [
            (first_id, first, plan.first),
            (second_id, second, plan.second),
        ] {
            let hold = if id == leader {
                plan.hold
            } else {
                Amount::ZERO
            };
            match leg {
                Leg::Conditional(c) => self.hold_conditional(
                    Conditional {
                        id,
                        held: hold,
                        ..c
                    },
                    out,
                ),
                Leg::Resting(p) => resting = Some((id, order.clone(), PlacePlan { hold, ..p })),
            }
        }
        // The resting leg runs last: if it trades on arrival, its partner is cancelled.
        if let Some((id, order, plan)) = resting {
            self.run_order(&order, id, &plan, Announce::New, out);
        }
    }

    /// The expected hold of a linked order (for the invariants): a pair's leader holds
    /// the larger need, its partner nothing.
    pub(crate) fn linked_hold(&self, id: OrderId, own: Option<Amount>) -> Option<Amount> {
        let Some(partner) = self.links.get(&id).and_then(|l| l.oco) else {
            return own;
        };
        let resting = |x: OrderId| self.books.find(x).is_some();
        let leader = if resting(id) {
            id
        } else if resting(partner) {
            partner
        } else {
            id.min(partner)
        };
        if leader == id {
            self.leader_hold(id, partner)
        } else {
            Some(Amount::ZERO)
        }
    }
}

/// Both legs of an OCO pair, checked.
pub(crate) struct OcoPlan {
    first: Leg,
    second: Leg,
    hold: Amount,
}

pub(crate) enum Leg {
    Conditional(Conditional),
    Resting(PlacePlan),
}

fn leaves_over_max(
    instrument: &bourse_types::Instrument,
    needs: &[(OrderId, Qty, Amount)],
) -> bool {
    needs
        .iter()
        .any(|(_, leaves, _)| *leaves > instrument.spec().max_qty)
}
