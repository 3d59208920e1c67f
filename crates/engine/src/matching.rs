//! Placing an order and matching it: the incoming order takes liquidity, fills move
//! funds in one step, and what does not trade rests or ends. Good-till-date expiry.

use crate::book::{NIL, Order};
use crate::command::{NewOrder, OrderKind};
use crate::engine::*;
use crate::event::{CommandKind, Event, OrderAccepted, Rejection, Trade};
use crate::risk::{crosses, required_hold};
use bourse_types::{
    Amount, BPS_DENOMINATOR, CancelReason, Instrument, OrderId, Price, Qty, Side, StpMode,
    Timestamp, TradeId, fee_floor,
};
use std::cmp::Reverse;

impl Engine {
    pub(crate) fn place(&mut self, new: &NewOrder, out: &mut Vec<Event>) {
        let plan = match self.check_place(new) {
            Ok(plan) => plan,
            Err((code, existing)) => {
                let mut rejection = Rejection::of(CommandKind::Place, code).owner(new.owner);
                rejection.order = existing;
                rejection.client_order_id = new.client_order_id;
                return out.push(Event::Rejected(rejection));
            }
        };
        let instrument = self.instruments[new.instrument.0 as usize].instrument;
        let id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        let base = self.open_owner_account(plan.owner_slot, instrument.base());
        let quote = self.open_owner_account(plan.owner_slot, instrument.quote());
        let (hold_account, hold_asset, receive_account) = match new.side {
            Side::Buy => (quote, instrument.quote(), base),
            Side::Sell => (base, instrument.base(), quote),
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger.hold(hold_account, clearing, plan.hold);
        if let Some(client_id) = new.client_order_id {
            self.client_ids.insert((new.owner, client_id), id);
        }
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
            expire_at: new.expire_at,
            held: plan.hold,
        }));

        let mut taker = Order::new(
            id,
            new.owner,
            plan.owner_slot,
            new.instrument,
            new.side,
            plan.price,
            plan.leaves,
            (hold_account, receive_account),
        );
        taker.held = plan.hold;
        taker.tif = new.tif;
        taker.post_only = new.post_only;
        taker.stp = new.stp;
        taker.budget = plan.budget;
        taker.expire_at = new.expire_at;
        taker.client_order_id = new.client_order_id;
        taker.priority = self.seq;

        let stop = self.match_taker(&mut taker, &instrument, out);
        if !taker.budget && taker.leaves.is_zero() {
            self.finish(&taker);
            return;
        }
        let reason = match stop {
            Stop::SelfTrade => CancelReason::SelfTrade,
            Stop::Budget => CancelReason::BudgetExhausted,
            Stop::Filled => unreachable!("a filled order left the loop above"),
            Stop::NoLiquidity | Stop::NoCross if new.tif.rests() => {
                let expire_at = taker.expire_at;
                self.books.insert(taker);
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

    /// Ends an incoming order that does not rest: the rest of its hold is released.
    pub(crate) fn cancel_taker(
        &mut self,
        taker: &Order,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) {
        out.push(Event::OrderCancelled {
            order: taker.id,
            owner: taker.owner,
            instrument: taker.instrument,
            leaves: if taker.budget {
                Qty::ZERO
            } else {
                taker.leaves
            },
            reason,
        });
        self.finish(taker);
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
            self.client_ids_ended
                .push_back((order.owner, client_id, order.id));
            while self.client_ids_ended.len() > self.limits.client_order_ids_retained_max as usize {
                if let Some((owner, client_id, id)) = self.client_ids_ended.pop_front()
                    && self.client_ids.get(&(owner, client_id)) == Some(&id)
                {
                    self.client_ids.remove(&(owner, client_id));
                }
            }
        }
    }

    pub(crate) fn schedule_expiry(&mut self, at: Timestamp, id: OrderId) {
        self.expiries.push(Reverse((at, id)));
        // Entries of orders that ended early are only dropped when due; if they pile up,
        // rebuild from the orders still resting.
        if self.expiries.len() > 2 * self.books.open_orders() + 1024 {
            let live: Vec<_> = self
                .expiries
                .drain()
                .filter(|Reverse((at, id))| {
                    self.books
                        .find(*id)
                        .is_some_and(|slot| self.books.order(slot).expire_at == Some(*at))
                })
                .collect();
            self.expiries = live.into();
        }
    }

    pub(crate) fn expire_due(&mut self, out: &mut Vec<Event>) {
        while let Some(&Reverse((at, id))) = self.expiries.peek() {
            if at > self.now {
                break;
            }
            self.expiries.pop();
            let Some(slot) = self.books.find(id) else {
                continue;
            };
            if self.books.order(slot).expire_at != Some(at) {
                continue;
            }
            let order = self.books.remove(slot);
            out.push(Event::OrderExpired {
                order: order.id,
                owner: order.owner,
                instrument: order.instrument,
                leaves: order.leaves,
            });
            self.finish(&order);
        }
    }

    // ---------------------------------------------------------------- matching

    /// Matches an incoming order against the opposite side until it is filled, stops
    /// crossing, runs out of budget, or meets its own owner.
    pub(crate) fn match_taker(
        &mut self,
        taker: &mut Order,
        instrument: &Instrument,
        out: &mut Vec<Event>,
    ) -> Stop {
        let opposite = taker.side.opposite();
        loop {
            if taker.leaves.is_zero() {
                return Stop::Filled;
            }
            let Some(level_idx) = self.books.best(taker.instrument, opposite) else {
                return Stop::NoLiquidity;
            };
            let level = self.books.level(level_idx);
            let price = level.price;
            if !crosses(taker.side, taker.price, price) {
                return Stop::NoCross;
            }
            let mut cur = level.head;
            while cur != NIL {
                let maker = self.books.order(cur);
                let next = maker.next_in_level();
                if maker.owner == taker.owner {
                    match taker.stp {
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
                let mut qty = maker.leaves.min(taker.leaves);
                // A budget order takes what it can afford from one maker, then stops: it
                // never trades the same maker twice to profit from fee rounding.
                let mut budget_spent = false;
                if taker.budget {
                    let can_afford = affordable(instrument, price, taker.held);
                    if can_afford.is_zero() {
                        return Stop::Budget;
                    }
                    budget_spent = can_afford < qty;
                    qty = qty.min(can_afford);
                }
                self.fill(taker, cur, price, qty, instrument, out);
                if taker.leaves.is_zero() {
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
    pub(crate) fn fill(
        &mut self,
        taker: &mut Order,
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
        let (maker_id, maker_owner, maker_side, maker_price) =
            (maker.id, maker.owner, maker.side, maker.price);
        let (maker_hold_account, maker_receive_account) =
            (maker.hold_account, maker.receive_account);
        self.books.reduce(maker_slot, qty);
        taker.leaves = if taker.budget {
            taker.leaves
        } else {
            taker
                .leaves
                .checked_sub(qty)
                .expect("taker leaves cover the fill")
        };
        taker.filled = taker.filled.checked_add(qty).expect("filled fits");

        let (buyer_pays, buyer_fee, seller_fee) = match taker.side {
            Side::Buy => (notional.raw() + taker_fee.raw(), taker_fee, maker_fee),
            Side::Sell => (notional.raw() + maker_fee.raw(), maker_fee, taker_fee),
        };
        let buyer_pays = Amount::from_raw(buyer_pays);
        let (buyer_hold, buyer_receive, seller_hold, seller_receive) = match taker.side {
            Side::Buy => (
                taker.hold_account,
                taker.receive_account,
                maker_hold_account,
                maker_receive_account,
            ),
            Side::Sell => (
                maker_hold_account,
                maker_receive_account,
                taker.hold_account,
                taker.receive_account,
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
        let (taker_paid, maker_paid) = match taker.side {
            Side::Buy => (buyer_pays, base_qty),
            Side::Sell => (base_qty, buyer_pays),
        };
        maker.held = maker
            .held
            .checked_sub(maker_paid)
            .expect("engine: maker hold covers its fill");
        let maker_leaves = maker.leaves;
        if maker_side == Side::Buy {
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
        taker.held = taker
            .held
            .checked_sub(taker_paid)
            .expect("engine: taker hold covers its fill");
        if taker.side == Side::Buy && !taker.budget {
            let needed =
                required_hold(instrument, Side::Buy, taker.price, taker.leaves).expect("fits");
            let excess = taker
                .held
                .checked_sub(needed)
                .expect("engine: taker hold covers its rest");
            taker.held = needed;
            self.ledger
                .release_hold(taker.hold_account, quote.clearing, excess);
        }

        let trade_id = TradeId(self.next_trade_id);
        self.next_trade_id += 1;
        self.instruments[taker.instrument.0 as usize].set_last_price(price);
        out.push(Event::Trade(Trade {
            id: trade_id,
            instrument: taker.instrument,
            price,
            qty,
            notional,
            aggressor: taker.side,
            maker_order: maker_id,
            maker_owner,
            maker_fee,
            maker_leaves,
            taker_order: taker.id,
            taker_owner: taker.owner,
            taker_fee,
            taker_leaves: if taker.budget {
                Qty::ZERO
            } else {
                taker.leaves
            },
        }));
        if maker_leaves.is_zero() {
            let maker = self.books.remove(maker_slot);
            self.finish(&maker);
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
