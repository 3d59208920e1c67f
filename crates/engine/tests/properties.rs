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
//!   an engine restored from an encoded snapshot taken halfway.

mod support;

use bourse_engine::{
    Command, Engine, EngineLimits, Event, NewOrder, OrderKind, OrderRef, OrderView, TransferRequest,
};
use bourse_types::{
    Amount, AssetId, CancelReason, ClientOrderId, InstrumentStatus, OrderId, OwnerId, Price, Qty,
    Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
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
    ]
}

/// Turns an abstract operation into a command against the venue's current state, so
/// that cancels and amends usually name orders that exist.
struct Driver {
    venue: Venue,
    transfer_ids: Vec<TransferId>,
    next_transfer: u64,
    /// Every command with its timestamp.
    stream: Vec<(u64, Command)>,
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
        Driver {
            venue,
            transfer_ids: Vec::new(),
            next_transfer: 1,
            stream,
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
        let events = self.venue.apply(command.clone());
        self.stream.push((self.venue.ts, command.clone()));
        check_events(&self.venue.engine, &command, before, &events);
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
    // The taker is the accepted order, or the amended one.
    let taker = events.iter().find_map(|e| match e {
        Event::OrderAccepted(a) => Some(a.order),
        Event::OrderAmended { order, .. } => Some(*order),
        _ => None,
    });
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
                    engine.order(*order).is_none(),
                    "{order} ended but still rests"
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
    let ops = prop::collection::vec(op(), 20_000)
        .new_tree(&mut runner)
        .expect("strategy generates")
        .current();
    let mut driver = Driver::new();
    let (mut trades, mut open_peak) = (0usize, 0usize);
    for op in &ops {
        trades += driver.step(op);
        open_peak = open_peak.max(driver.venue.engine.open_order_count());
    }
    // The stream must exercise matching on a real book, not just rejections.
    assert!(open_peak >= 20, "the book peaked at {open_peak} orders");
    assert!(trades >= 500, "only {trades} trades");
    println!(
        "long stream: {} commands, {trades} trades, book peaked at {open_peak} orders",
        driver.stream.len()
    );
    let split = driver.stream.len() / 2;
    check_replay(&driver.stream, &driver.venue.engine, split);
}
