//! The live view of accounts: every open order and every balance, kept from released
//! events in release order.
//!
//! Trading reads (a user's open orders, an order just cancelled or amended, balances)
//! are answered from here rather than from the read-model database, so they are
//! current the moment a command is released and keep working while the database is
//! away. It holds what the engine holds (open orders, balances) and, so that an answer
//! can name an order that has just ended, the most recently ended orders up to a bound.

use bourse_engine::{Event, OrderRecord};
use bourse_journal::Released;
use bourse_types::{Amount, AssetId, OrderId, OwnerId};
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, VecDeque};

/// Ended orders kept, by default, so that a cancel's answer and a read right after
/// it find them here.
pub const ENDED_ORDERS_KEPT_DEFAULT: usize = 65_536;

/// An account's spendable and reserved funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveBalance {
    pub available: Amount,
    pub held: Amount,
}

#[derive(Debug)]
pub struct LiveAccounts {
    /// Open orders, and the most recently ended ones.
    orders: FxHashMap<OrderId, OrderRecord>,
    /// Each owner's open orders.
    open_by_owner: FxHashMap<OwnerId, BTreeSet<OrderId>>,
    /// Ended orders still in `orders`, oldest first.
    ended: VecDeque<OrderId>,
    ended_kept_max: usize,
    balances: FxHashMap<OwnerId, Vec<(AssetId, LiveBalance)>>,
    /// The last sequence number applied.
    seq: u64,
}

impl LiveAccounts {
    pub fn new(ended_kept_max: usize) -> LiveAccounts {
        LiveAccounts {
            orders: FxHashMap::default(),
            open_by_owner: FxHashMap::default(),
            ended: VecDeque::new(),
            ended_kept_max: ended_kept_max.max(1),
            balances: FxHashMap::default(),
            seq: 0,
        }
    }

    /// Adds an open order known from elsewhere (the read models, at startup).
    pub fn load_order(&mut self, order: OrderRecord) {
        if order.is_open() {
            self.open_by_owner
                .entry(order.owner)
                .or_default()
                .insert(order.id);
            self.orders.insert(order.id, order);
        }
    }

    pub fn set_balance(&mut self, owner: OwnerId, asset: AssetId, balance: LiveBalance) {
        let balances = self.balances.entry(owner).or_default();
        match balances.iter_mut().find(|(a, _)| *a == asset) {
            Some((_, slot)) => *slot = balance,
            None => {
                balances.push((asset, balance));
                balances.sort_unstable_by_key(|(a, _)| *a);
            }
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Applies one released command's events.
    pub fn apply(&mut self, released: &Released) {
        if released.seq <= self.seq {
            return;
        }
        self.seq = released.seq;
        for event in &released.events {
            match event {
                Event::OrderAccepted(accepted) => {
                    let record = OrderRecord::accepted(accepted, released.seq, released.ts);
                    self.open_by_owner
                        .entry(record.owner)
                        .or_default()
                        .insert(record.id);
                    self.orders.insert(record.id, record);
                }
                Event::Trade(trade) => {
                    self.apply_to(trade.maker_order, event, released);
                    self.apply_to(trade.taker_order, event, released);
                }
                Event::OrderAmended { order, .. }
                | Event::OrderCancelled { order, .. }
                | Event::OrderExpired { order, .. }
                | Event::OrderTriggered { order, .. }
                | Event::TriggerRefused { order, .. }
                | Event::TrailingStopMoved { order, .. } => self.apply_to(*order, event, released),
                Event::Balance {
                    owner,
                    asset,
                    available,
                    held,
                } => self.set_balance(
                    *owner,
                    *asset,
                    LiveBalance {
                        available: *available,
                        held: *held,
                    },
                ),
                _ => {}
            }
        }
    }

    fn apply_to(&mut self, id: OrderId, event: &Event, released: &Released) {
        let Some(order) = self.orders.get_mut(&id) else {
            return;
        };
        if !order.is_open() || !order.apply(event, released.seq, released.ts) || order.is_open() {
            return;
        }
        let owner = order.owner;
        if let Some(open) = self.open_by_owner.get_mut(&owner) {
            open.remove(&id);
            if open.is_empty() {
                self.open_by_owner.remove(&owner);
            }
        }
        self.ended.push_back(id);
        while self.ended.len() > self.ended_kept_max {
            if let Some(oldest) = self.ended.pop_front() {
                self.orders.remove(&oldest);
            }
        }
    }

    /// An open or recently ended order.
    pub fn order(&self, id: OrderId) -> Option<&OrderRecord> {
        self.orders.get(&id)
    }

    /// An owner's open orders, newest first.
    pub fn open_orders(&self, owner: OwnerId) -> impl Iterator<Item = &OrderRecord> {
        self.open_by_owner
            .get(&owner)
            .into_iter()
            .flat_map(|ids| ids.iter().rev())
            .filter_map(|id| self.orders.get(id))
    }

    /// How many orders are open in all.
    pub fn open_order_count(&self) -> usize {
        self.open_by_owner.values().map(BTreeSet::len).sum()
    }

    /// An owner's balance in each asset it ever held, in asset order.
    pub fn balances(&self, owner: OwnerId) -> &[(AssetId, LiveBalance)] {
        self.balances.get(&owner).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bourse_engine::{OrderAccepted, OrderKind, OrderStatus, Trade};
    use bourse_types::{
        CancelReason, InstrumentId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TradeId,
    };

    fn accepted(id: u64, owner: u64, qty: u64) -> Event {
        Event::OrderAccepted(OrderAccepted {
            order: OrderId(id),
            owner: OwnerId(owner),
            instrument: InstrumentId(0),
            side: Side::Buy,
            kind: OrderKind::Limit {
                price: Price::from_raw(100),
                qty: Qty::from_raw(qty),
            },
            tif: TimeInForce::Gtc,
            post_only: false,
            stp: StpMode::CancelNewest,
            client_order_id: None,
            expire_at: None,
            held: Amount::from_raw(100 * qty),
            reduce_only: false,
            detail: None,
        })
    }

    fn released(seq: u64, events: Vec<Event>) -> Released {
        Released {
            seq,
            ts: Timestamp(seq * 1_000),
            command: bourse_engine::Command::Tick,
            events,
        }
    }

    fn trade(maker: u64, qty: u64, maker_leaves: u64) -> Event {
        Event::Trade(Trade {
            id: TradeId(1),
            instrument: InstrumentId(0),
            price: Price::from_raw(100),
            qty: Qty::from_raw(qty),
            notional: Amount::from_raw(100 * qty),
            aggressor: Side::Sell,
            maker_order: OrderId(maker),
            maker_owner: OwnerId(1),
            maker_fee: Amount::from_raw(1),
            maker_leaves: Qty::from_raw(maker_leaves),
            taker_order: OrderId(99),
            taker_owner: OwnerId(2),
            taker_fee: Amount::from_raw(2),
            taker_leaves: Qty::ZERO,
        })
    }

    #[test]
    fn orders_move_through_their_lifecycle_and_ended_ones_are_kept_up_to_the_bound() {
        let mut live = LiveAccounts::new(2);
        live.apply(&released(1, vec![accepted(1, 1, 10), accepted(2, 1, 10)]));
        live.apply(&released(2, vec![accepted(3, 1, 10)]));
        let ids = |live: &LiveAccounts| -> Vec<u64> {
            live.open_orders(OwnerId(1)).map(|o| o.id.0).collect()
        };
        assert_eq!(ids(&live), [3, 2, 1], "newest first");
        live.apply(&released(3, vec![trade(1, 4, 6)]));
        let order = live.order(OrderId(1)).unwrap();
        assert_eq!(order.status, OrderStatus::PartiallyFilled);
        assert_eq!((order.filled.raw(), order.leaves.raw()), (4, 6));
        live.apply(&released(4, vec![trade(1, 6, 0)]));
        assert_eq!(live.order(OrderId(1)).unwrap().status, OrderStatus::Filled);
        assert_eq!(ids(&live), [3, 2]);
        let cancel = |id: u64| Event::OrderCancelled {
            order: OrderId(id),
            owner: OwnerId(1),
            instrument: InstrumentId(0),
            leaves: Qty::from_raw(10),
            reason: CancelReason::Requested,
        };
        live.apply(&released(5, vec![cancel(2), cancel(3)]));
        assert!(ids(&live).is_empty());
        assert_eq!(live.open_order_count(), 0);
        // Three orders ended; the two most recent are still known.
        assert!(live.order(OrderId(1)).is_none());
        assert_eq!(
            live.order(OrderId(3)).unwrap().reason,
            Some(CancelReason::Requested)
        );
        // A command seen again (an overlapping catch-up) changes nothing.
        live.apply(&released(5, vec![accepted(7, 1, 1)]));
        assert!(live.order(OrderId(7)).is_none());
    }

    #[test]
    fn balances_follow_their_events() {
        let mut live = LiveAccounts::new(8);
        let balance = |asset: u16, available: u64| Event::Balance {
            owner: OwnerId(5),
            asset: AssetId(asset),
            available: Amount::from_raw(available),
            held: Amount::from_raw(1),
        };
        live.apply(&released(1, vec![balance(2, 10), balance(0, 3)]));
        live.apply(&released(2, vec![balance(2, 7)]));
        let seen: Vec<(u16, u64)> = live
            .balances(OwnerId(5))
            .iter()
            .map(|(a, b)| (a.0, b.available.raw()))
            .collect();
        assert_eq!(seen, [(0, 3), (2, 7)]);
        assert!(live.balances(OwnerId(6)).is_empty());
    }
}
