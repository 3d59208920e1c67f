//! Property tests: random command streams, checked after every command.
//!
//! - every engine invariant holds (`Engine::check_invariants`: the books are never
//!   crossed, per asset debits equal credits, no available balance is negative, every
//!   pending amount is explained by an open order or a pending transfer, so an order
//!   that ended holds nothing);
//! - price-time priority: the orders an incoming order trades with (or cancels by
//!   self-trade prevention) are exactly the first ones of the opposite side's queue,
//!   best price first and oldest first, at their own prices;
//! - balance events agree with the ledger, ended orders are gone, nobody trades with
//!   themselves;
//! - the same stream applied again gives identical events and state hash, and so does
//!   an engine restored from an encoded snapshot taken halfway (with conditional orders,
//!   pairs and brackets open);
//! - no one-cancels-the-other pair has both legs filled;
//! - every position equals what a reference model of its fills and transfers gives
//!   (quantity, average cost, realised PnL, fees), and realised plus unrealised PnL
//!   equals the mark-to-market change of the owner's trading minus fees;
//! - no order its owner placed was accepted past one of the owner's risk limits.

mod support;

use bourse_engine::{
    Attached, Command, Conditions, Engine, EngineLimits, Event, HaltScope, NewOrder, OrderKind,
    OrderRef, OrderView, Reason, RiskLimit, TrailingOffset, TransferKind, TransferRequest,
    TransferState, Trigger,
};
use bourse_types::{
    Amount, AssetId, CancelReason, ClientOrderId, InstrumentId, InstrumentStatus, OrderId, OwnerId,
    Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::{BTreeMap, BTreeSet};
use support::{BTC_USD, ETH_USD, Venue};

#[derive(Debug, Clone)]
enum Op {
    Place {
        owner: u8,
        eth: bool,
        buy: bool,
        kind: u8,
        ticks: i8,
        lots: u16,
        tif: u8,
        post_only: bool,
        stp: u8,
        client_id: Option<u8>,
        expire_in: u8,
    },
    Cancel {
        owner: u8,
        pick: u16,
        by_client_id: bool,
    },
    Amend {
        owner: u8,
        pick: u16,
        ticks: Option<i8>,
        lots: Option<u16>,
    },
    CancelAll {
        owner: Option<u8>,
        eth: Option<bool>,
    },
    Deposit {
        owner: u8,
        asset: u8,
        amount: u32,
        pending: bool,
    },
    Withdraw {
        owner: u8,
        asset: u8,
        amount: u32,
        pending: bool,
    },
    Settle {
        pick: u16,
        post: bool,
        part: Option<u32>,
    },
    Tick {
        advance: u8,
    },
    Halt {
        owner: u8,
        halted: bool,
    },
    Status {
        eth: bool,
        status: u8,
    },
    Conditional {
        owner: u8,
        eth: bool,
        buy: bool,
        limit: bool,
        trigger: u8,
        ticks: i8,
        lots: u16,
        reduce_only: bool,
    },
    Oco {
        owner: u8,
        eth: bool,
        buy: bool,
        lots: u16,
        limit_ticks: u8,
        stop_ticks: u8,
    },
    Bracket {
        owner: u8,
        eth: bool,
        buy: bool,
        ticks: i8,
        lots: u16,
        stop_ticks: Option<u8>,
        take_ticks: Option<u8>,
    },
    Risk {
        owner: Option<u8>,
        kind: u8,
        value: Option<u32>,
    },
    Kill {
        scope: u8,
        halted: bool,
    },
    Panic {
        owner: u8,
        flatten: bool,
    },
    NextDay,
}

fn op() -> impl Strategy<Value = Op> {
    let place = (
        (
            1u8..=4,
            any::<bool>(),
            any::<bool>(),
            0u8..10,
            -12i8..=12,
            1u16..300,
        ),
        (
            0u8..6,
            prop::bool::weighted(0.15),
            0u8..3,
            prop::option::weighted(0.3, 0u8..60),
            1u8..60,
        ),
    )
        .prop_map(
            |(
                (owner, eth, buy, kind, ticks, lots),
                (tif, post_only, stp, client_id, expire_in),
            )| Op::Place {
                owner,
                eth,
                buy,
                kind,
                ticks,
                lots,
                tif,
                post_only,
                stp,
                client_id,
                expire_in,
            },
        );
    prop_oneof![
        40 => place,
        8 => (1u8..=4, any::<u16>(), any::<bool>()).prop_map(|(owner, pick, by_client_id)| Op::Cancel { owner, pick, by_client_id }),
        12 => (1u8..=4, any::<u16>(), prop::option::of(-12i8..=12), prop::option::of(1u16..300))
            .prop_map(|(owner, pick, ticks, lots)| Op::Amend { owner, pick, ticks, lots }),
        1 => (prop::option::of(1u8..=4), prop::option::of(any::<bool>())).prop_map(|(owner, eth)| Op::CancelAll { owner, eth }),
        3 => (1u8..=4, 0u8..3, 1u32..200_000, any::<bool>()).prop_map(|(owner, asset, amount, pending)| Op::Deposit { owner, asset, amount, pending }),
        2 => (1u8..=4, 0u8..3, 1u32..200_000, any::<bool>()).prop_map(|(owner, asset, amount, pending)| Op::Withdraw { owner, asset, amount, pending }),
        3 => (any::<u16>(), any::<bool>(), prop::option::of(1u32..200_000)).prop_map(|(pick, post, part)| Op::Settle { pick, post, part }),
        6 => (0u8..40).prop_map(|advance| Op::Tick { advance }),
        1 => (1u8..=4, prop::bool::weighted(0.1)).prop_map(|(owner, halted)| Op::Halt { owner, halted }),
        1 => (any::<bool>(), prop::sample::select(vec![0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2])).prop_map(|(eth, status)| Op::Status { eth, status }),
        8 => ((1u8..=4, any::<bool>(), any::<bool>(), any::<bool>()), (0u8..4, -12i8..=12, 1u16..300, prop::bool::weighted(0.2)))
            .prop_map(|((owner, eth, buy, limit), (trigger, ticks, lots, reduce_only))| Op::Conditional { owner, eth, buy, limit, trigger, ticks, lots, reduce_only }),
        3 => (1u8..=4, any::<bool>(), any::<bool>(), 1u16..300, 1u8..12, 1u8..12)
            .prop_map(|(owner, eth, buy, lots, limit_ticks, stop_ticks)| Op::Oco { owner, eth, buy, lots, limit_ticks, stop_ticks }),
        4 => (1u8..=4, any::<bool>(), any::<bool>(), -12i8..=12, 1u16..300, prop::option::of(1u8..12), prop::option::of(1u8..12))
            .prop_map(|(owner, eth, buy, ticks, lots, stop_ticks, take_ticks)| Op::Bracket { owner, eth, buy, ticks, lots, stop_ticks, take_ticks }),
        1 => (prop::option::weighted(0.7, 1u8..=4), 0u8..5, prop::option::weighted(0.5, 1u32..400_000))
            .prop_map(|(owner, kind, value)| Op::Risk { owner, kind, value }),
        1 => (0u8..7, prop::bool::weighted(0.25)).prop_map(|(scope, halted)| Op::Kill { scope, halted }),
        1 => (1u8..=4, any::<bool>()).prop_map(|(owner, flatten)| Op::Panic { owner, flatten }),
        1 => Just(Op::NextDay),
    ]
}

/// A stand-in for a random choice that keeps a resume aimed at a halt in force.
fn scope_pick(_scope: &HaltScope) -> u8 {
    0
}

/// The price `ticks` ticks from an instrument's reference price (or its centre).
fn near(engine: &Engine, instrument: InstrumentId, ticks: i64) -> Price {
    let i = engine.instrument(instrument).unwrap();
    let tick = i.tick_size().raw() as i64;
    let centre = engine
        .reference(instrument)
        .map_or(if instrument == BTC_USD { 1000 } else { 100 }, |p| {
            p.raw() as i64
        });
    Price::from_raw((centre + ticks * tick).max(tick) as u64)
}

/// A reference model of one position: what its fills and transfers make of it, by the
/// documented rules (average cost, a spot position never below zero), and the cash
/// its trading moved (sale proceeds within the position, less purchases, less the cost
/// basis deposits brought in, plus the cost basis withdrawals took out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Model {
    qty: u64,
    cost: u128,
    realized: i128,
    fees: u128,
    cash: i128,
}

impl Model {
    fn add(&mut self, qty: u64, cost: u128) {
        self.qty += qty;
        self.cost += cost;
    }

    /// Takes up to `qty` out; returns (taken, cost removed).
    fn remove(&mut self, qty: u64) -> (u64, u128) {
        let taken = qty.min(self.qty);
        if taken == 0 {
            return (0, 0);
        }
        let removed = if taken == self.qty {
            self.cost
        } else {
            self.cost * u128::from(taken) / u128::from(self.qty)
        };
        self.qty -= taken;
        self.cost -= removed;
        (taken, removed)
    }
}

/// `qty` at `price` in quote minor units (both test instruments: price scale 1, base
/// and quote scale 2).
fn value(price: Price, qty: u64) -> u128 {
    u128::from(price.raw()) * u128::from(qty) / 10
}

/// Turns an abstract operation into a command against the venue's current state, so
/// that cancels and amends usually name orders that exist.
struct Driver {
    venue: Venue,
    transfer_ids: Vec<TransferId>,
    next_transfer: u64,
    /// Every command with its timestamp.
    stream: Vec<(u64, Command)>,
    positions: BTreeMap<(OwnerId, InstrumentId), Model>,
    /// One-cancels-the-other legs, each to its partner.
    pairs: BTreeMap<OrderId, OrderId>,
    /// Orders that traded at least once.
    traded: BTreeSet<OrderId>,
}

const FUNDS: &str = "
deposit u1 USD 3000
deposit u1 BTC 50
deposit u1 ETH 300
deposit u2 USD 3000
deposit u2 BTC 50
deposit u2 ETH 300
deposit u3 USD 3000
deposit u3 BTC 50
deposit u3 ETH 300
";

impl Driver {
    fn new() -> Driver {
        let mut venue = Venue::new();
        venue.setup(FUNDS);
        let stream = venue.log.clone();
        let mut positions = BTreeMap::new();
        for owner in venue.engine.owners() {
            for p in venue.engine.positions(owner) {
                positions.insert(
                    (owner, p.instrument),
                    Model {
                        qty: p.qty.raw(),
                        cost: p.cost,
                        cash: -(p.cost as i128),
                        ..Model::default()
                    },
                );
            }
        }
        Driver {
            venue,
            transfer_ids: Vec::new(),
            next_transfer: 1,
            stream,
            positions,
            pairs: BTreeMap::new(),
            traded: BTreeSet::new(),
        }
    }

    /// Moves the position models by one command's events; `references` are the
    /// instruments' reference prices before the command (deposits take them as cost).
    fn follow(&mut self, events: &[Event], references: &[Option<Price>]) {
        for event in events {
            match event {
                Event::Trade(t) => {
                    let (buyer, _) = t.buyer();
                    let (seller, _) = t.seller();
                    let (buyer_fee, seller_fee) = match t.aggressor {
                        Side::Buy => (t.taker_fee, t.maker_fee),
                        Side::Sell => (t.maker_fee, t.taker_fee),
                    };
                    let notional = u128::from(t.notional.raw());
                    let b = self.positions.entry((buyer, t.instrument)).or_default();
                    b.add(t.qty.raw(), notional);
                    b.cash -= notional as i128;
                    b.fees += u128::from(buyer_fee.raw());
                    let m = self.positions.entry((seller, t.instrument)).or_default();
                    let (sold, cost) = m.remove(t.qty.raw());
                    let proceeds = if sold == t.qty.raw() {
                        notional
                    } else {
                        notional * u128::from(sold) / u128::from(t.qty.raw())
                    };
                    m.realized += proceeds as i128 - cost as i128;
                    m.cash += proceeds as i128;
                    m.fees += u128::from(seller_fee.raw());
                    self.traded.insert(t.maker_order);
                    self.traded.insert(t.taker_order);
                }
                Event::Transfer(t) if t.state == TransferState::Posted && t.asset != AssetId(0) => {
                    let instrument = if t.asset == AssetId(1) {
                        BTC_USD
                    } else {
                        ETH_USD
                    };
                    let m = self.positions.entry((t.owner, instrument)).or_default();
                    match t.kind {
                        TransferKind::Deposit => {
                            let cost = references[instrument.0 as usize]
                                .map_or(0, |p| value(p, t.amount.raw()));
                            m.add(t.amount.raw(), cost);
                            m.cash -= cost as i128;
                        }
                        TransferKind::Withdrawal => {
                            let (_, cost) = m.remove(t.amount.raw());
                            m.cash += cost as i128;
                        }
                    }
                }
                Event::OrderAccepted(a) => {
                    if let Some(partner) = a.oco() {
                        self.pairs.insert(a.order, partner);
                    }
                }
                _ => {}
            }
        }
    }

    /// The engine's positions agree with the models, and no pair has both legs filled.
    fn check_positions(&self) {
        let engine = &self.venue.engine;
        for (&(owner, instrument), m) in &self.positions {
            let p = engine.position(owner, instrument).unwrap_or_else(|| {
                panic!("{owner} has no position in {instrument} but the model has {m:?}")
            });
            assert_eq!(
                (p.qty.raw(), p.cost, p.realized, p.fees),
                (m.qty, m.cost, m.realized, m.fees),
                "{owner} {instrument}: the position differs from its fills and transfers"
            );
            // Realised plus unrealised PnL at any mark is the cash the trading moved plus
            // the holding's value at that mark, fees apart: realised - cost = cash.
            let mark = engine.reference(instrument);
            let i = engine.instrument(instrument).unwrap();
            let unrealized = p.unrealized(i, mark);
            let held = mark.map_or(p.cost, |mark| value(mark, p.qty.raw()));
            assert_eq!(
                p.realized + unrealized,
                m.cash + held as i128,
                "{owner} {instrument}: PnL differs from the mark-to-market change"
            );
        }
        for owner in engine.owners() {
            for p in engine.positions(owner) {
                assert!(
                    self.positions.contains_key(&(owner, p.instrument)),
                    "{owner} has a position in {} the model never saw",
                    p.instrument
                );
            }
        }
        for (a, b) in &self.pairs {
            assert!(
                !(self.traded.contains(a) && self.traded.contains(b)),
                "both legs of the pair {a}/{b} filled"
            );
        }
    }

    /// What an owner's limits allow of a new order, judged before the command; panics
    /// if the command accepted an order its owner placed past one.
    fn check_limits(&self, before: &Engine, command: &Command, events: &[Event]) {
        let legs: Vec<&NewOrder> = match command {
            Command::Place(order) => vec![order],
            Command::PlaceOco { first, second } => vec![&**first, &**second],
            _ => return,
        };
        let accepted = events.iter().any(|e| {
            matches!(e, Event::OrderAccepted(a) if a.owner == legs[0].owner && a.parent().is_none())
        });
        if !accepted {
            return;
        }
        let owner = legs[0].owner;
        let limits = before.risk_limits();
        let usd = AssetId(0);
        let open = before.open_order_total(owner);
        let open_value = before.open_notional(owner, usd);
        let breached = before.daily_loss_breached(owner, usd);
        for order in &legs {
            let qty = match order.kind {
                OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => qty.raw(),
                OrderKind::MarketBudget { .. } => 0,
            };
            let position = before
                .position(owner, order.instrument)
                .map_or(0, |p| p.qty.raw());
            let reduces = order.side == Side::Sell && qty > 0 && qty <= position;
            assert!(
                !order.reduce_only || reduces,
                "a reduce-only order that does not reduce was accepted: {command:?}"
            );
            assert!(
                !breached || reduces,
                "{owner} passed its daily loss limit, yet {command:?} was accepted"
            );
            let order_value = match order.kind {
                OrderKind::Limit { price, qty } => value(price, qty.raw()),
                OrderKind::Market { qty } => before
                    .reference(order.instrument)
                    .map_or(0, |p| value(p, qty.raw())),
                OrderKind::MarketBudget { quote } => u128::from(quote.raw()),
            };
            if let Some(max) = limits.order_notional_max(owner, usd) {
                assert!(
                    order_value <= u128::from(max.raw()),
                    "order notional limit passed by {command:?}"
                );
            }
            let rests = order.tif.rests() || order.trigger().is_some();
            if rests && let Some(max) = limits.open_orders_max(owner) {
                assert!(
                    open + legs.len() as u32 <= max,
                    "open orders limit passed by {command:?}"
                );
            }
            if rests && let Some(max) = limits.open_notional_max(owner, usd) {
                assert!(
                    open_value + order_value <= u128::from(max.raw()),
                    "open notional limit passed by {command:?}"
                );
            }
            if order.side == Side::Buy
                && order.instrument == BTC_USD
                && let Some(max) = limits.position_max(owner, BTC_USD)
            {
                let buys: u64 = before
                    .open_orders(owner)
                    .iter()
                    .filter(|o| o.instrument == BTC_USD && o.side == Side::Buy)
                    .map(|o| o.leaves.raw())
                    .chain(
                        before
                            .conditional_orders(owner)
                            .iter()
                            .filter(|c| c.instrument == BTC_USD && c.side == Side::Buy)
                            .map(|c| match c.kind {
                                OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => {
                                    qty.raw()
                                }
                                OrderKind::MarketBudget { .. } => 0,
                            }),
                    )
                    .sum();
                if qty > 0 {
                    assert!(
                        position + buys + qty <= max.raw(),
                        "position limit passed by {command:?}"
                    );
                }
            }
        }
    }

    fn orders_of(&self, owner: OwnerId) -> Vec<OrderView> {
        self.venue.engine.open_orders(owner)
    }

    fn command(&mut self, op: &Op) -> Command {
        let engine = &self.venue.engine;
        match *op {
            Op::Place {
                owner,
                eth,
                buy,
                kind,
                ticks,
                lots,
                tif,
                post_only,
                stp,
                client_id,
                expire_in,
            } => {
                let (instrument, center, tick, lot) = if eth {
                    (ETH_USD, 100i64, 1i64, 10u64)
                } else {
                    (BTC_USD, 1000, 10, 1)
                };
                // Around the reference price as it moves, so that the band keeps most
                // orders in.
                let center = engine
                    .reference(instrument)
                    .map_or(center, |p| p.raw() as i64);
                // Buys lean below the centre and sells above it, overlapping a little, so
                // that books build up and some orders cross.
                let offset = if buy {
                    (i64::from(ticks) - 12) * 15 / 24 + 3
                } else {
                    (i64::from(ticks) + 12) * 15 / 24 - 3
                };
                let price = Price::from_raw((center + offset * tick).max(0) as u64);
                let qty = Qty::from_raw(u64::from(lots) * lot);
                let kind = match kind {
                    0 => OrderKind::Market { qty },
                    1 => OrderKind::MarketBudget {
                        quote: Amount::from_raw(u64::from(lots) * 100),
                    },
                    _ => OrderKind::Limit { price, qty },
                };
                let market = !matches!(kind, OrderKind::Limit { .. });
                let tif = match (tif, market) {
                    (0..=1, false) => TimeInForce::Gtc,
                    (2, _) => TimeInForce::Ioc,
                    (3, _) => TimeInForce::Fok,
                    (4, false) => TimeInForce::Gtd,
                    // A few deliberately wrong combinations.
                    (5, _) => TimeInForce::Gtc,
                    _ => TimeInForce::Ioc,
                };
                Command::Place(NewOrder {
                    owner: OwnerId(u64::from(owner)),
                    instrument,
                    side: if buy { Side::Buy } else { Side::Sell },
                    kind,
                    tif,
                    post_only,
                    stp: [
                        StpMode::CancelNewest,
                        StpMode::CancelOldest,
                        StpMode::CancelBoth,
                    ][stp as usize],
                    client_order_id: client_id
                        .map(|c| ClientOrderId::new(&format!("c{c}")).unwrap()),
                    expire_at: (tif == TimeInForce::Gtd)
                        .then(|| Timestamp(self.venue.ts + u64::from(expire_in))),
                    reduce_only: false,
                    conditions: None,
                })
            }
            Op::Cancel {
                owner,
                pick,
                by_client_id,
            } => {
                let owner = OwnerId(u64::from(owner));
                let target = self.pick_order(owner, pick, by_client_id);
                Command::Cancel {
                    owner,
                    order: target,
                }
            }
            Op::Amend {
                owner,
                pick,
                ticks,
                lots,
            } => {
                let owner = OwnerId(u64::from(owner));
                let target = self.pick_order(owner, pick, false);
                let (price, qty) = match target {
                    OrderRef::Id(id) => match engine.order(id) {
                        Some(order) => {
                            let instrument = engine.instrument(order.instrument).unwrap();
                            let tick = instrument.tick_size().raw() as i64;
                            let lot = instrument.lot_size().raw();
                            (
                                ticks.map(|t| {
                                    Price::from_raw(
                                        (order.price.raw() as i64 + i64::from(t) * tick).max(0)
                                            as u64,
                                    )
                                }),
                                lots.map(|l| Qty::from_raw(u64::from(l) * lot)),
                            )
                        }
                        None => (
                            ticks.map(|_| Price::from_raw(1000)),
                            lots.map(|l| Qty::from_raw(u64::from(l))),
                        ),
                    },
                    OrderRef::Client(_) => (None, None),
                };
                Command::Amend {
                    owner,
                    order: target,
                    price,
                    qty,
                }
            }
            Op::CancelAll { owner, eth } => Command::CancelAll {
                owner: owner.map(|o| OwnerId(u64::from(o))),
                instrument: eth.map(|e| if e { ETH_USD } else { BTC_USD }),
            },
            Op::Deposit {
                owner,
                asset,
                amount,
                pending,
            }
            | Op::Withdraw {
                owner,
                asset,
                amount,
                pending,
            } => {
                let id = TransferId(self.next_transfer);
                self.next_transfer += 1;
                self.transfer_ids.push(id);
                let request = TransferRequest {
                    id,
                    owner: OwnerId(u64::from(owner)),
                    asset: AssetId(u16::from(asset)),
                    amount: Amount::from_raw(u64::from(amount)),
                    pending,
                };
                if matches!(op, Op::Deposit { .. }) {
                    Command::Deposit(request)
                } else {
                    Command::Withdraw(request)
                }
            }
            Op::Settle { pick, post, part } => {
                let transfer = if self.transfer_ids.is_empty() {
                    TransferId(999_999)
                } else {
                    self.transfer_ids[pick as usize % self.transfer_ids.len()]
                };
                if post {
                    Command::PostTransfer {
                        transfer,
                        amount: part.map(|p| Amount::from_raw(u64::from(p))),
                    }
                } else {
                    Command::VoidTransfer { transfer }
                }
            }
            Op::Tick { advance } => {
                self.venue.ts += u64::from(advance);
                Command::Tick
            }
            Op::Halt { owner, halted } => Command::SetAccountHalted {
                owner: OwnerId(u64::from(owner)),
                halted,
            },
            Op::Status { eth, status } => Command::SetInstrumentStatus {
                instrument: if eth { ETH_USD } else { BTC_USD },
                status: [
                    InstrumentStatus::Trading,
                    InstrumentStatus::Halted,
                    InstrumentStatus::Closed,
                ][status as usize],
            },
            Op::Conditional {
                owner,
                eth,
                buy,
                limit,
                trigger,
                ticks,
                lots,
                reduce_only,
            } => {
                let instrument = if eth { ETH_USD } else { BTC_USD };
                let lot = engine.instrument(instrument).unwrap().lot_size().raw();
                let qty = Qty::from_raw(u64::from(lots) * lot);
                let side = if buy { Side::Buy } else { Side::Sell };
                let at = near(engine, instrument, i64::from(ticks));
                let trigger = match trigger {
                    0 => Trigger::Stop { price: at },
                    1 => Trigger::TakeProfit { price: at },
                    2 => Trigger::TrailingStop {
                        offset: TrailingOffset::Price(Price::from_raw(
                            engine.instrument(instrument).unwrap().tick_size().raw()
                                * u64::from(ticks.unsigned_abs().max(1)),
                        )),
                    },
                    _ => Trigger::TrailingStop {
                        offset: TrailingOffset::Bps(u32::from(ticks.unsigned_abs()) * 40 + 10),
                    },
                };
                let trailing = matches!(trigger, Trigger::TrailingStop { .. });
                let (kind, tif) = if limit && !trailing {
                    (OrderKind::Limit { price: at, qty }, TimeInForce::Gtc)
                } else {
                    (OrderKind::Market { qty }, TimeInForce::Ioc)
                };
                Command::Place(NewOrder {
                    conditions: Conditions {
                        trigger: Some(trigger),
                        attached: None,
                    }
                    .boxed(),
                    reduce_only,
                    ..NewOrder::plain(
                        OwnerId(u64::from(owner)),
                        instrument,
                        side,
                        kind,
                        tif,
                        false,
                        StpMode::CancelNewest,
                        None,
                        None,
                    )
                })
            }
            Op::Oco {
                owner,
                eth,
                buy,
                lots,
                limit_ticks,
                stop_ticks,
            } => {
                let instrument = if eth { ETH_USD } else { BTC_USD };
                let lot = engine.instrument(instrument).unwrap().lot_size().raw();
                let qty = Qty::from_raw(u64::from(lots) * lot);
                let side = if buy { Side::Buy } else { Side::Sell };
                // A sell: take profit above, stop below; a buy the other way round.
                let sign = if buy { -1 } else { 1 };
                let limit = near(engine, instrument, sign * i64::from(limit_ticks));
                let stop = near(engine, instrument, -sign * i64::from(stop_ticks));
                let owner = OwnerId(u64::from(owner));
                let plain = |kind, tif| {
                    NewOrder::plain(
                        owner,
                        instrument,
                        side,
                        kind,
                        tif,
                        false,
                        StpMode::CancelNewest,
                        None,
                        None,
                    )
                };
                Command::PlaceOco {
                    first: Box::new(plain(
                        OrderKind::Limit { price: limit, qty },
                        TimeInForce::Gtc,
                    )),
                    second: Box::new(
                        plain(OrderKind::Market { qty }, TimeInForce::Ioc)
                            .with_trigger(Some(Trigger::Stop { price: stop })),
                    ),
                }
            }
            Op::Bracket {
                owner,
                eth,
                buy,
                ticks,
                lots,
                stop_ticks,
                take_ticks,
            } => {
                let instrument = if eth { ETH_USD } else { BTC_USD };
                let lot = engine.instrument(instrument).unwrap().lot_size().raw();
                let qty = Qty::from_raw(u64::from(lots) * lot);
                let side = if buy { Side::Buy } else { Side::Sell };
                let price = near(engine, instrument, i64::from(ticks));
                let sign = if buy { 1 } else { -1 };
                let tick = i64::from(ticks);
                Command::Place(NewOrder {
                    conditions: Conditions {
                        trigger: None,
                        attached: Some(Attached {
                            stop_loss: stop_ticks
                                .map(|t| near(engine, instrument, tick - sign * i64::from(t))),
                            take_profit: take_ticks
                                .map(|t| near(engine, instrument, tick + sign * i64::from(t))),
                        }),
                    }
                    .boxed(),
                    ..NewOrder::plain(
                        OwnerId(u64::from(owner)),
                        instrument,
                        side,
                        OrderKind::Limit { price, qty },
                        TimeInForce::Gtc,
                        false,
                        StpMode::CancelNewest,
                        None,
                        None,
                    )
                })
            }
            Op::Risk { owner, kind, value } => {
                let owner = owner.map(|o| OwnerId(u64::from(o)));
                let amount = value.map(|v| Amount::from_raw(u64::from(v)));
                let limit = match kind {
                    0 => RiskLimit::PositionMax {
                        instrument: BTC_USD,
                        qty: value.map(|v| Qty::from_raw(u64::from(v) / 10)),
                    },
                    1 => RiskLimit::OrderNotionalMax {
                        asset: AssetId(0),
                        amount,
                    },
                    2 => RiskLimit::OpenNotionalMax {
                        asset: AssetId(0),
                        amount: amount.map(|a| Amount::from_raw(a.raw() * 4)),
                    },
                    3 => RiskLimit::OpenOrdersMax {
                        count: value.map(|v| v % 60),
                    },
                    _ => RiskLimit::DailyLossMax {
                        asset: AssetId(0),
                        amount: amount.map(|a| Amount::from_raw(a.raw() / 4)),
                    },
                };
                Command::SetRiskLimit { owner, limit }
            }
            Op::Kill { scope, halted } => Command::Halt {
                // A resume usually releases a halt in force.
                scope: match (halted, engine.halts().next()) {
                    (false, Some((scope, _))) if scope_pick(scope) != 6 => *scope,
                    _ => match scope {
                        0 => HaltScope::Venue,
                        1 => HaltScope::Instrument(BTC_USD),
                        2 => HaltScope::Instrument(ETH_USD),
                        n => HaltScope::Account(OwnerId(u64::from(n - 2))),
                    },
                },
                halted,
                by: OwnerId(900),
                reason: Reason::new("property").unwrap(),
            },
            Op::Panic { owner, flatten } => Command::Panic {
                owner: OwnerId(u64::from(owner)),
                flatten,
            },
            Op::NextDay => {
                self.venue.ts += 86_400_000_000_000;
                Command::Tick
            }
        }
    }

    /// An open order of `owner`, another owner's (for NOT_OWNER), or one that is gone.
    fn pick_order(&self, owner: OwnerId, pick: u16, by_client_id: bool) -> OrderRef {
        let mine = self.orders_of(owner);
        if pick.is_multiple_of(10) {
            // Someone else's order, or a stale id.
            let other = OwnerId(owner.0 % 4 + 1);
            return match self.orders_of(other).first() {
                Some(order) => OrderRef::Id(order.id),
                None => OrderRef::Id(OrderId(u64::from(pick))),
            };
        }
        match mine.get(pick as usize % mine.len().max(1)) {
            Some(order) if by_client_id && order.client_order_id.is_some() => {
                OrderRef::Client(order.client_order_id.unwrap())
            }
            Some(order) => OrderRef::Id(order.id),
            None => OrderRef::Id(OrderId(u64::from(pick))),
        }
    }

    /// Applies one operation and checks everything that can be checked per command.
    /// Returns the number of trades.
    fn step(&mut self, op: &Op) -> usize {
        let command = self.command(op);
        let before = self.queue_before(&command);
        let references: Vec<Option<Price>> = [BTC_USD, ETH_USD]
            .iter()
            .map(|i| self.venue.engine.reference(*i))
            .collect();
        let placing = matches!(command, Command::Place(_) | Command::PlaceOco { .. });
        let engine_before = placing.then(|| self.venue.engine.clone());
        let events = self.venue.apply(command.clone());
        self.stream.push((self.venue.ts, command.clone()));
        check_events(&self.venue.engine, &command, before, &events);
        self.follow(&events, &references);
        self.check_positions();
        if let Some(engine_before) = engine_before {
            self.check_limits(&engine_before, &command, &events);
        }
        events
            .iter()
            .filter(|e| matches!(e, Event::Trade(_)))
            .count()
    }

    /// The opposite side's queue of the order a command may make trade.
    fn queue_before(&self, command: &Command) -> Option<(OrderId, Side, Vec<OrderView>)> {
        let engine = &self.venue.engine;
        let (id, instrument, side) = match command {
            Command::Place(order) => (OrderId(0), order.instrument, order.side),
            Command::Amend { owner, order, .. } => {
                let id = match order {
                    OrderRef::Id(id) => *id,
                    OrderRef::Client(c) => engine.order_by_client_id(*owner, *c)?,
                };
                let view = engine.order(id)?;
                (id, view.instrument, view.side)
            }
            _ => return None,
        };
        Some((id, side, engine.book_orders(instrument, side.opposite())))
    }
}

fn check_events(
    engine: &Engine,
    command: &Command,
    before: Option<(OrderId, Side, Vec<OrderView>)>,
    events: &[Event],
) {
    // The taker is the accepted order, or the amended one. What fires after it (an
    // order a trigger or a bracket placed) takes liquidity of its own and is left out.
    let taker = events.iter().find_map(|e| match e {
        Event::OrderAccepted(a) if a.trigger().is_none() => Some(a.order),
        Event::OrderAmended { order, .. } => Some(*order),
        _ => None,
    });
    let own = events
        .iter()
        .position(|e| match e {
            Event::OrderTriggered { .. } => true,
            Event::OrderAccepted(a) => Some(a.order) != taker,
            _ => false,
        })
        .unwrap_or(events.len());
    let all = events;
    let events = &all[..own];
    if let (Some((_, side, queue)), Some(taker)) = (before, taker) {
        let mut touched: Vec<OrderId> = Vec::new();
        let mut last_price: Option<Price> = None;
        let trades: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Trade(t) => Some(t),
                _ => None,
            })
            .collect();
        for event in events {
            match event {
                Event::Trade(t) => {
                    assert_eq!(
                        t.taker_order, taker,
                        "a trade of another order in {command:?}"
                    );
                    assert_ne!(t.maker_owner, t.taker_owner, "self-trade in {command:?}");
                    assert_eq!(t.aggressor, side);
                    if let Some(last) = last_price {
                        let worse_or_equal = if side == Side::Buy {
                            t.price >= last
                        } else {
                            t.price <= last
                        };
                        assert!(
                            worse_or_equal,
                            "trade prices improve along a sweep: {command:?}"
                        );
                    }
                    last_price = Some(t.price);
                    let maker = queue
                        .iter()
                        .find(|o| o.id == t.maker_order)
                        .expect("maker was resting");
                    assert_eq!(maker.price, t.price, "trade not at the maker's price");
                    touched.push(t.maker_order);
                }
                Event::OrderCancelled {
                    order,
                    reason: CancelReason::SelfTrade,
                    ..
                } if *order != taker => touched.push(*order),
                _ => {}
            }
        }
        let expected: Vec<OrderId> = queue.iter().take(touched.len()).map(|o| o.id).collect();
        assert_eq!(
            touched, expected,
            "orders were not taken in price-time priority: {command:?}\nqueue: {queue:#?}\nevents: {events:#?}"
        );
        for t in trades.iter().rev().skip(1) {
            assert!(
                t.maker_leaves.is_zero(),
                "an earlier maker was left partly filled: {command:?}"
            );
        }
    }
    for event in all {
        if let Event::Trade(t) = event {
            assert_ne!(t.maker_owner, t.taker_owner, "self-trade in {command:?}");
        }
    }
    let events = all;
    for event in events {
        match event {
            Event::Balance {
                owner,
                asset,
                available,
                held,
            } => {
                let now = engine
                    .balance(*owner, *asset)
                    .unwrap_or_else(|| panic!("no balance for {owner} {asset:?}"));
                assert_eq!(
                    (now.available, now.held),
                    (*available, *held),
                    "balance event disagrees"
                );
            }
            Event::OrderCancelled { order, .. } | Event::OrderExpired { order, .. } => {
                assert!(
                    engine.order(*order).is_none() && engine.conditional_order(*order).is_none(),
                    "{order} ended but is still open"
                );
            }
            Event::Trade(t) if t.maker_leaves.is_zero() => {
                assert!(engine.order(t.maker_order).is_none());
            }
            _ => {}
        }
    }
}

/// Replays `stream` on a fresh engine, restores a snapshot taken at `split`, and checks
/// that every path gives the same events and state.
fn check_replay(stream: &[(u64, Command)], live: &Engine, split: usize) {
    let split = split.min(stream.len());
    let mut first = Engine::new(EngineLimits::default());
    let mut second = Engine::new(EngineLimits::default());
    let mut restored: Option<Engine> = None;
    for (i, (ts, command)) in stream.iter().enumerate() {
        if i == split {
            let bytes = first.encode_state();
            let engine = Engine::decode_state(&bytes).expect("snapshot decodes");
            assert_eq!(
                engine.state_hash(),
                first.state_hash(),
                "snapshot changes the state"
            );
            restored = Some(engine);
        }
        let seq = i as u64 + 1;
        let a = first.apply(seq, Timestamp(*ts), command).unwrap();
        let b = second.apply(seq, Timestamp(*ts), command).unwrap();
        assert_eq!(a, b, "the same command gave different events");
        if let Some(engine) = restored.as_mut() {
            let c = engine.apply(seq, Timestamp(*ts), command).unwrap();
            assert_eq!(
                a, c,
                "a restored engine gave different events for {command:?}"
            );
        }
    }
    assert_eq!(first.state_hash(), live.state_hash());
    assert_eq!(second.state_hash(), live.state_hash());
    if let Some(engine) = restored {
        assert_eq!(engine.state_hash(), live.state_hash());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn random_streams_keep_every_invariant(ops in prop::collection::vec(op(), 1..250), split in any::<prop::sample::Index>()) {
        let mut driver = Driver::new();
        for op in &ops {
            driver.step(op);
        }
        let split = split.index(driver.stream.len() + 1);
        check_replay(&driver.stream, &driver.venue.engine, split);
    }
}

/// A long stream from a fixed seed, for deep books that short proptest cases rarely
/// reach.
#[test]
fn a_long_seeded_stream_keeps_every_invariant() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let ops = prop::collection::vec(op(), 50_000)
        .new_tree(&mut runner)
        .expect("strategy generates")
        .current();
    let mut driver = Driver::new();
    let (mut trades, mut open_peak) = (0usize, 0usize);
    for op in &ops {
        trades += driver.step(op);
        let engine = &driver.venue.engine;
        open_peak = open_peak.max(engine.open_order_count() + engine.conditional_count());
    }
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut replay = Engine::new(EngineLimits::default());
    for (i, (ts, command)) in driver.stream.iter().enumerate() {
        for e in replay.apply(i as u64 + 1, Timestamp(*ts), command).unwrap() {
            if let Event::Rejected(r) = e {
                *codes.entry(r.code.code()).or_default() += 1;
            }
        }
    }
    println!("rejections by code: {codes:?}");
    // The stream must exercise matching on a real book, not just rejections.
    assert!(open_peak >= 20, "open orders peaked at {open_peak}");
    assert!(trades >= 500, "only {trades} trades");
    println!(
        "long stream: {} commands, {trades} trades, book peaked at {open_peak} orders",
        driver.stream.len()
    );
    let split = driver.stream.len() / 2;
    check_replay(&driver.stream, &driver.venue.engine, split);
}
