//! Placing an order and matching it: the incoming order takes liquidity, fills move
//! funds in one step, and what does not trade rests or ends. Good-till-date and DAY
//! expiry.

use crate::book::{NIL, Order};
use crate::command::{NewOrder, OrderKind};
use crate::engine::{Engine, PlacePlan, Stop};
use crate::event::{
    AcceptedDetail, CommandKind, Event, OrderAccepted, RejectCode, Rejection, Trade,
};
use crate::links::End;
use crate::risk::{crosses, required_hold};
use bourse_types::{
    Amount, BPS_DENOMINATOR, CancelReason, Instrument, OrderId, Price, Qty, Side, StpMode,
    Timestamp, TradeId, fee_floor,
};
use std::cmp::Reverse;

/// What an incoming order still wants to trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wants {
    /// A quantity: the order's `leaves`.
    Qty,
    /// As much as its budget buys: the order's `held` (quote, fees included) is what
    /// is left to spend, and `leaves` stays zero.
    Budget,
}

/// An order on its way in: the order, and what it still wants.
#[derive(Debug, Clone)]
pub(crate) struct Taker {
    pub order: Order,
    pub wants: Wants,
}

impl Taker {
    fn done(&self) -> bool {
        self.wants == Wants::Qty && self.order.leaves.is_zero()
    }

    /// What is left to fill, as events report it (a budget order reports zero).
    fn leaves(&self) -> Qty {
        match self.wants {
            Wants::Qty => self.order.leaves,
            Wants::Budget => Qty::ZERO,
        }
    }
}

/// How an order that is about to run was announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Announce {
    /// A new order: its acceptance is announced now.
    New,
    /// A conditional order that fired: it was announced when it was placed, and its
    /// trigger has just been.
    Triggered,
}

impl Engine {
    pub(crate) fn new_order_id(&mut self) -> OrderId {
        let id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        id
    }

    pub(crate) fn place(&mut self, new: &NewOrder, out: &mut Vec<Event>) {
        if new.trigger().is_some() {
            return self.place_conditional(new, CommandKind::Place, out);
        }
        let plan = match self.check_place(new) {
            Ok(plan) => plan,
            Err((code, existing)) => {
                return self.reject_place(CommandKind::Place, new, code, existing, out);
            }
        };
        let id = self.new_order_id();
        if let Some(attached) = new.attached() {
            self.link_entry(id, new, attached);
        }
        self.run_order(new, id, &plan, Announce::New, out);
    }

    pub(crate) fn reject_place(
        &mut self,
        command: CommandKind,
        new: &NewOrder,
        code: RejectCode,
        existing: Option<OrderId>,
        out: &mut Vec<Event>,
    ) {
        if code == RejectCode::DailyLossLimit {
            self.note_loss_breach(new, out);
        }
        let mut rejection = Rejection::of(command, code).owner(new.owner);
        rejection.order = existing;
        rejection.client_order_id = new.client_order_id;
        out.push(Event::Rejected(rejection));
    }

    /// Holds the plan's funds, announces the order, matches it, and rests or ends what
    /// is left.
    pub(crate) fn run_order(
        &mut self,
        new: &NewOrder,
        id: OrderId,
        plan: &PlacePlan,
        announce: Announce,
        out: &mut Vec<Event>,
    ) {
        let instrument = self.instruments[new.instrument.0 as usize].instrument;
        let base = self.open_owner_account(plan.owner_slot, instrument.base());
        let quote = self.open_owner_account(plan.owner_slot, instrument.quote());
        let (hold_account, hold_asset, receive_account) = match new.side {
            Side::Buy => (quote, instrument.quote(), base),
            Side::Sell => (base, instrument.base(), quote),
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger.hold(hold_account, clearing, plan.hold);
        let expire_at = self.expiry_of(new);
        if announce == Announce::New {
            if let Some(client_id) = new.client_order_id {
                self.client_ids.insert((new.owner, client_id), id);
            }
            let link = self.links.get(&id);
            out.push(Event::OrderAccepted(OrderAccepted {
                order: id,
                owner: new.owner,
                instrument: new.instrument,
                side: new.side,
                kind: new.kind,
                tif: new.tif,
                post_only: new.post_only,
                stp: new.stp,
                client_order_id: new.client_order_id,
                expire_at,
                held: plan.hold,
                reduce_only: new.reduce_only,
                detail: AcceptedDetail {
                    oco: link.and_then(|l| l.oco),
                    parent: link.and_then(|l| l.parent),
                    attached: new.attached(),
                    ..AcceptedDetail::default()
                }
                .boxed(),
            }));
        }

        let mut order = Order::new(
            id,
            new.owner,
            plan.owner_slot,
            new.instrument,
            new.side,
            plan.price,
            plan.leaves,
            (hold_account, receive_account),
        );
        order.held = plan.hold;
        order.tif = new.tif;
        order.post_only = new.post_only;
        order.stp = new.stp;
        order.expire_at = expire_at;
        order.client_order_id = new.client_order_id;
        order.priority = self.seq;
        order.linked = self.links.contains_key(&id);
        let mut taker = Taker {
            order,
            wants: if plan.budget {
                Wants::Budget
            } else {
                Wants::Qty
            },
        };

        let stop = self.match_taker(&mut taker, &instrument, out);
        if taker.done() {
            self.finish(&taker.order);
            self.ended(id, End::Filled);
            return;
        }
        let reason = match stop {
            Stop::SelfTrade => CancelReason::SelfTrade,
            Stop::Budget => CancelReason::BudgetExhausted,
            Stop::Filled => unreachable!("a filled order left the loop above"),
            Stop::NoLiquidity | Stop::NoCross if new.tif.rests() => {
                self.books.insert(taker.order);
                if let Some(at) = expire_at {
                    self.schedule_expiry(at, id);
                }
                return;
            }
            Stop::NoCross if !matches!(new.kind, OrderKind::Limit { .. }) => {
                CancelReason::PriceProtection
            }
            Stop::NoLiquidity | Stop::NoCross => CancelReason::Unfilled,
        };
        self.cancel_taker(&taker, reason, out);
    }

    /// When an order expires: the given time for GTD, the end of the trading day for
    /// DAY.
    pub(crate) fn expiry_of(&self, new: &NewOrder) -> Option<Timestamp> {
        match new.tif {
            bourse_types::TimeInForce::Day => Some(self.next_day_start(self.now)),
            _ => new.expire_at,
        }
    }

    /// Ends an incoming order that does not rest: the rest of its hold is released.
    pub(crate) fn cancel_taker(
        &mut self,
        taker: &Taker,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        let order = &taker.order;
        out.push(Event::OrderCancelled {
            order: order.id,
            owner: order.owner,
            instrument: order.instrument,
            leaves: taker.leaves(),
            reason,
        });
        self.finish(order);
        // A budget order that spent what it could ended as it should.
        let end = if reason == CancelReason::BudgetExhausted && !order.filled.is_zero() {
            End::Filled
        } else {
            End::Cancelled(reason)
        };
        self.ended(order.id, end);
    }

    /// Releases what an ended order still holds and retires its client order id.
    pub(crate) fn finish(&mut self, order: &Order) {
        let instrument = &self.instruments[order.instrument.0 as usize].instrument;
        let hold_asset = if order.side == Side::Buy {
            instrument.quote()
        } else {
            instrument.base()
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger
            .release_hold(order.hold_account, clearing, order.held);
        if let Some(client_id) = order.client_order_id {
            self.retire_client_id(order.owner, client_id, order.id);
        }
    }

    pub(crate) fn retire_client_id(
        &mut self,
        owner: bourse_types::OwnerId,
        client_id: bourse_types::ClientOrderId,
        id: OrderId,
    ) {
        self.client_ids_ended.push_back((owner, client_id, id));
        while self.client_ids_ended.len() > self.limits.client_order_ids_retained_max as usize {
            if let Some((owner, client_id, id)) = self.client_ids_ended.pop_front()
                && self.client_ids.get(&(owner, client_id)) == Some(&id)
            {
                self.client_ids.remove(&(owner, client_id));
            }
        }
    }

    pub(crate) fn schedule_expiry(&mut self, at: Timestamp, id: OrderId) {
        self.expiries.push(Reverse((at, id)));
        // Entries of orders that ended early are only dropped when due; if they pile up,
        // rebuild from the orders still open.
        if self.expiries.len() > 2 * (self.books.open_orders() + self.conditionals.len()) + 1024 {
            let all = std::mem::take(&mut self.expiries);
            let live: Vec<_> = all
                .into_iter()
                .filter(|Reverse((at, id))| self.expiry_of_open(*id) == Some(*at))
                .collect();
            self.expiries = live.into();
        }
    }

    /// The expiry of an open (resting or conditional) order.
    pub(crate) fn expiry_of_open(&self, id: OrderId) -> Option<Timestamp> {
        match self.books.find(id) {
            Some(slot) => self.books.order(slot).expire_at,
            None => self.conditionals.get(id).and_then(|c| c.expire_at),
        }
    }

    pub(crate) fn expire_due(&mut self, out: &mut Vec<Event>) {
        while let Some(&Reverse((at, id))) = self.expiries.peek() {
            if at > self.now {
                break;
            }
            self.expiries.pop();
            if self.expiry_of_open(id) != Some(at) {
                continue;
            }
            if let Some(slot) = self.books.find(id) {
                let order = self.books.remove(slot);
                out.push(Event::OrderExpired {
                    order: order.id,
                    owner: order.owner,
                    instrument: order.instrument,
                    leaves: order.leaves,
                });
                self.finish(&order);
                self.ended(order.id, End::Expired);
            } else {
                self.expire_conditional(id, out);
            }
        }
    }

    // ---------------------------------------------------------------- matching

    /// Matches an incoming order against the opposite side until it is filled, stops
    /// crossing, runs out of budget, or meets its own owner.
    pub(crate) fn match_taker(
        &mut self,
        taker: &mut Taker,
        instrument: &Instrument,
        out: &mut Vec<Event>,
    ) -> Stop {
        let opposite = taker.order.side.opposite();
        loop {
            if taker.done() {
                return Stop::Filled;
            }
            let Some(level_idx) = self.books.best(taker.order.instrument, opposite) else {
                return Stop::NoLiquidity;
            };
            let level = self.books.level(level_idx);
            let price = level.price;
            if !crosses(taker.order.side, taker.order.price, price) {
                return Stop::NoCross;
            }
            let mut cur = level.head;
            while cur != NIL {
                let maker = self.books.order(cur);
                let next = maker.next_in_level();
                if maker.owner == taker.order.owner {
                    match taker.order.stp {
                        StpMode::CancelNewest => return Stop::SelfTrade,
                        StpMode::CancelOldest => {
                            self.cancel_resting(cur, CancelReason::SelfTrade, out);
                            cur = next;
                            continue;
                        }
                        StpMode::CancelBoth => {
                            self.cancel_resting(cur, CancelReason::SelfTrade, out);
                            return Stop::SelfTrade;
                        }
                    }
                }
                let (qty, budget_spent) = match taker.wants {
                    Wants::Qty => (maker.leaves.min(taker.order.leaves), false),
                    // A budget order takes what it can afford from one maker, then
                    // stops: it never trades the same maker twice to profit from fee
                    // rounding.
                    Wants::Budget => {
                        let can_afford = affordable(instrument, price, taker.order.held);
                        if can_afford.is_zero() {
                            return Stop::Budget;
                        }
                        (maker.leaves.min(can_afford), can_afford < maker.leaves)
                    }
                };
                self.fill(taker, cur, price, qty, instrument, out);
                if taker.done() {
                    return Stop::Filled;
                }
                if budget_spent {
                    return Stop::Budget;
                }
                cur = next;
            }
        }
    }

    /// One trade: the buyer's held quote pays the seller and the fees, the seller's
    /// held base goes to the buyer, and unneeded hold is released, all in one step.
    /// Both owners' positions follow.
    pub(crate) fn fill(
        &mut self,
        taker: &mut Taker,
        maker_slot: u32,
        price: Price,
        qty: Qty,
        instrument: &Instrument,
        out: &mut Vec<Event>,
    ) {
        let notional = instrument
            .notional(price, qty)
            .expect("engine: a fill's value is bounded by a hold that fitted");
        let taker_fee = fee_floor(notional, instrument.taker_fee_bps());
        let maker_fee = fee_floor(notional, instrument.maker_fee_bps());
        let quote = self.ledger.system(instrument.quote());
        let base_clearing = self.ledger.system(instrument.base()).clearing;

        let maker = self.books.order_mut(maker_slot);
        maker.filled = maker.filled.checked_add(qty).expect("filled fits");
        let (maker_id, maker_owner, maker_owner_slot, maker_side, maker_price, maker_linked) = (
            maker.id,
            maker.owner,
            maker.owner_slot,
            maker.side,
            maker.price,
            maker.linked,
        );
        let (maker_hold_account, maker_receive_account) =
            (maker.hold_account, maker.receive_account);
        self.books.reduce(maker_slot, qty);
        let order = &mut taker.order;
        if taker.wants == Wants::Qty {
            order.leaves = order
                .leaves
                .checked_sub(qty)
                .expect("taker leaves cover the fill");
        }
        order.filled = order.filled.checked_add(qty).expect("filled fits");

        let (buyer_pays, buyer_fee, seller_fee) = match order.side {
            Side::Buy => (notional.raw() + taker_fee.raw(), taker_fee, maker_fee),
            Side::Sell => (notional.raw() + maker_fee.raw(), maker_fee, taker_fee),
        };
        let buyer_pays = Amount::from_raw(buyer_pays);
        let (buyer_hold, buyer_receive, seller_hold, seller_receive) = match order.side {
            Side::Buy => (
                order.hold_account,
                order.receive_account,
                maker_hold_account,
                maker_receive_account,
            ),
            Side::Sell => (
                maker_hold_account,
                maker_receive_account,
                order.hold_account,
                order.receive_account,
            ),
        };
        // Quote: buyer -> clearing (from the hold) -> seller and fees.
        self.ledger
            .post_hold(buyer_hold, quote.clearing, buyer_pays);
        self.ledger
            .transfer(quote.clearing, seller_receive, notional);
        self.ledger.transfer(quote.clearing, quote.fees, buyer_fee);
        self.ledger.transfer(seller_receive, quote.fees, seller_fee);
        // Base: seller -> clearing (from the hold) -> buyer.
        let base_qty = Amount::from_raw(qty.raw());
        self.ledger.post_hold(seller_hold, base_clearing, base_qty);
        self.ledger.transfer(base_clearing, buyer_receive, base_qty);

        // Holds shrink by what was paid; a buy's hold is then trimmed to what its rest
        // needs, which returns price improvement and the fee margin at once.
        let maker = self.books.order_mut(maker_slot);
        let (taker_paid, maker_paid) = match order.side {
            Side::Buy => (buyer_pays, base_qty),
            Side::Sell => (base_qty, buyer_pays),
        };
        maker.held = maker
            .held
            .checked_sub(maker_paid)
            .expect("engine: maker hold covers its fill");
        let maker_leaves = maker.leaves;
        if maker_side == Side::Buy {
            // (An order that also held for its one-cancels-the-other partner drops to
            // its own need here: a fill cancels the partner.)
            let needed =
                required_hold(instrument, Side::Buy, maker_price, maker_leaves).expect("fits");
            let excess = maker
                .held
                .checked_sub(needed)
                .expect("engine: maker hold covers its rest");
            maker.held = needed;
            self.ledger
                .release_hold(maker_hold_account, quote.clearing, excess);
        }
        order.held = order
            .held
            .checked_sub(taker_paid)
            .expect("engine: taker hold covers its fill");
        if order.side == Side::Buy && taker.wants == Wants::Qty {
            let needed =
                required_hold(instrument, Side::Buy, order.price, order.leaves).expect("fits");
            let excess = order
                .held
                .checked_sub(needed)
                .expect("engine: taker hold covers its rest");
            order.held = needed;
            self.ledger
                .release_hold(order.hold_account, quote.clearing, excess);
        }

        let trade_id = TradeId(self.next_trade_id);
        self.next_trade_id += 1;
        let instrument_id = order.instrument;
        let fell = self.instruments[instrument_id.0 as usize].set_last_price(price);
        if !self.scratch.traded.contains(&instrument_id) {
            self.scratch.traded.push(instrument_id);
        }
        if fell && !self.scratch.fell.contains(&instrument_id) {
            self.scratch.fell.push(instrument_id);
        }
        let (taker_side, taker_slot) = (order.side, order.owner_slot);
        self.position_fill(
            taker_slot,
            instrument_id,
            taker_side,
            qty,
            notional.raw(),
            taker_fee.raw(),
        );
        self.position_fill(
            maker_owner_slot,
            instrument_id,
            maker_side,
            qty,
            notional.raw(),
            maker_fee.raw(),
        );
        if taker.order.linked {
            self.scratch.link_fills.push((taker.order.id, qty));
        }
        if maker_linked {
            self.scratch.link_fills.push((maker_id, qty));
        }
        out.push(Event::Trade(Trade {
            id: trade_id,
            instrument: instrument_id,
            price,
            qty,
            notional,
            aggressor: taker_side,
            maker_order: maker_id,
            maker_owner,
            maker_fee,
            maker_leaves,
            taker_order: taker.order.id,
            taker_owner: taker.order.owner,
            taker_fee,
            taker_leaves: taker.leaves(),
        }));
        if maker_leaves.is_zero() {
            let maker = self.books.remove(maker_slot);
            self.finish(&maker);
            self.ended(maker.id, End::Filled);
        }
    }
}

/// The largest quantity, in whole lots, that `budget` buys at `price` with the taker
/// fee on top.
pub(crate) fn affordable(instrument: &Instrument, price: Price, budget: Amount) -> Qty {
    let bps = u128::from(instrument.taker_fee_bps());
    let denominator = u128::from(BPS_DENOMINATOR);
    let before_fee = u128::from(budget.raw()) * denominator / (denominator + bps);
    let mut qty = instrument.qty_for_notional(price, Amount::from_raw(before_fee as u64));
    // The fee is rounded down, so one more lot may still fit.
    let lot = instrument.lot_size();
    let cost = |qty: Qty| {
        let notional = instrument.notional(price, qty)?;
        notional.checked_add(fee_floor(notional, instrument.taker_fee_bps()))
    };
    if let Some(more) = qty.checked_add(lot)
        && cost(more).is_some_and(|c| c <= budget)
    {
        qty = more;
    }
    debug_assert!(qty.is_zero() || cost(qty).is_some_and(|c| c <= budget));
    qty
}
