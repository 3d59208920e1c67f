//! Benchmark workloads.
//!
//! This crate owns the command streams that Bourse's benchmarks replay: most of all the
//! exchange-core order mix ([`exchange_mix`]), built from a fixed seed so that every
//! run, on every machine, measures the same commands. It owns no timing: the benchmark
//! programs under `benches/` (and other crates' benchmarks) measure.

use bourse_engine::{
    Command, Engine, EngineLimits, Event, NewOrder, OrderKind, TransferRequest, Trigger,
};
use bourse_types::{
    Amount, Asset, AssetCode, AssetId, AssetSpec, Instrument, InstrumentId, InstrumentSpec,
    OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use std::collections::HashMap;

pub use bourse_types::Rng;

/// 1234567 -> "1,234,567", for printed figures.
pub fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The shape of the exchange-core benchmark mix.
#[derive(Debug, Clone, Copy)]
pub struct MixParams {
    pub seed: u64,
    /// Commands in the measured stream.
    pub commands: usize,
    /// Resting orders the mix keeps the book near.
    pub resting_orders: usize,
    /// Resting prices are drawn this many ticks either side of the mid; with about a
    /// thousand orders this spreads them over about 750 levels.
    pub price_spread_ticks: u64,
    pub accounts: u64,
    /// The share of the open orders, in percent, that are stop orders (stop-market,
    /// conditional, away from the price) rather than resting limit orders: 0 for
    /// exchange-core's plain mix.
    pub stop_share_pct: u64,
}

impl Default for MixParams {
    fn default() -> Self {
        MixParams {
            seed: 1,
            commands: 3_000_000,
            resting_orders: 1_000,
            price_spread_ticks: 825,
            accounts: 2_000,
            stop_share_pct: 0,
        }
    }
}

/// What the generated stream contains.
#[derive(Debug, Clone, Default)]
pub struct MixStats {
    pub moves: usize,
    pub gtc: usize,
    pub cancels: usize,
    pub ioc: usize,
    pub trades: usize,
    pub rejected: usize,
    pub resting_at_start: usize,
    pub levels_at_start: usize,
    pub resting_at_end: usize,
    pub levels_at_end: usize,
    /// Stop orders placed, cancelled and triggered in the measured stream, and open
    /// at its start and end.
    pub stops: usize,
    pub stop_cancels: usize,
    pub triggered: usize,
    pub stops_at_start: usize,
    pub stops_at_end: usize,
}

/// A generated workload: `setup` lists the instrument and funds the accounts, `prefill`
/// builds the initial book, `commands` is the measured stream. Apply them in that
/// order, each with timestamp = sequence number.
#[derive(Debug, Clone)]
pub struct Workload {
    pub setup: Vec<Command>,
    pub prefill: Vec<Command>,
    pub commands: Vec<Command>,
    /// The engine's id of the order each prefill command placed (so that another book
    /// can be driven with the same ids).
    pub prefill_ids: Vec<Option<OrderId>>,
    /// The same for each command of the measured stream.
    pub placed_ids: Vec<Option<OrderId>>,
    pub stats: MixStats,
}

pub const INSTRUMENT: InstrumentId = InstrumentId(0);
const USD: AssetId = AssetId(0);
const BTC: AssetId = AssetId(1);
/// 50,000.00 USD per BTC, at a price scale of 2.
pub const MID_PRICE: u64 = 5_000_000;
/// One lot is 0.0001 BTC.
pub const LOT: u64 = 10_000;

/// The instrument the mix trades: BTC-USD, tick 0.01, lot 0.0001, maker 10 bps, taker
/// 20 bps, a 50% band (wide enough that the mix never hits it).
pub fn mix_instrument() -> InstrumentSpec {
    InstrumentSpec {
        base: BTC,
        quote: USD,
        price_scale: 2,
        tick_size: Price::from_raw(1),
        lot_size: Qty::from_raw(LOT),
        min_qty: Qty::from_raw(LOT),
        max_qty: Qty::from_raw(LOT * 1_000_000),
        min_notional: Amount::ZERO,
        price_band_bps: 5_000,
        maker_fee_bps: 10,
        taker_fee_bps: 20,
        reference_price: Some(Price::from_raw(MID_PRICE)),
    }
}

/// BTC-USD as the demo venue lists it (the embedded configuration): prices with two
/// decimals on a 0.01 tick, BTC to eight decimals in lots of 0.0001 (at most 1,000),
/// USD to six decimals, a minimum order of 1 USD, a 10% band, maker 10 and taker 20
/// bps; for backtests and their tests, which need an instrument but no venue.
pub fn demo_btc_usd() -> Instrument {
    let spec = InstrumentSpec {
        min_notional: Amount::from_raw(1_000_000),
        max_qty: Qty::from_raw(1_000 * 100_000_000),
        price_band_bps: 1_000,
        reference_price: None,
        ..mix_instrument()
    };
    let asset = |id, code, scale| Asset {
        id,
        code: AssetCode::new(code).expect("valid code"),
        scale,
    };
    Instrument::new(
        InstrumentId(0),
        spec,
        &asset(BTC, "BTC", 8),
        &asset(USD, "USD", 6),
    )
    .expect("a valid instrument")
}

fn setup_commands(accounts: u64) -> Vec<Command> {
    let mut commands = vec![
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("USD").expect("valid code"),
            scale: 6,
        }),
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("BTC").expect("valid code"),
            scale: 8,
        }),
        Command::ListInstrument(mix_instrument()),
    ];
    for owner in 1..=accounts {
        for (asset, amount) in [(USD, 1_000_000_000_000_000u64), (BTC, 1_000_000_000_000)] {
            commands.push(Command::Deposit(TransferRequest {
                id: TransferId(owner * 2 + u64::from(asset.0)),
                owner: OwnerId(owner),
                asset,
                amount: Amount::from_raw(amount),
                pending: false,
            }));
        }
    }
    commands
}

/// Builds the exchange-core mix: 82% moves (price amendments), 9% new GTC orders, 6%
/// cancels and 3% IOC orders, around a book of about a thousand resting orders.
///
/// A shadow engine applies every command as it is generated, so that moves and cancels
/// always name live orders and new orders keep the book near its target size (passive
/// when the book is below it, marketable when above).
pub fn exchange_mix(params: MixParams) -> Workload {
    let mut rng = Rng::new(params.seed);
    let mut shadow = Engine::new(EngineLimits::default());
    let mut seq = 0u64;
    let mut events = Vec::new();
    let mut apply = |shadow: &mut Engine, command: &Command, events: &mut Vec<Event>| {
        seq += 1;
        events.clear();
        shadow
            .apply_into(seq, Timestamp(seq), command, events)
            .expect("consecutive sequence");
    };
    let setup = setup_commands(params.accounts);
    for command in &setup {
        apply(&mut shadow, command, &mut events);
    }
    let mut resting = Resting::default();
    let mut stops = Resting::default();
    let mut stats = MixStats::default();
    // Whether the next new order should be a stop, to keep their share of the open
    // orders near the target.
    let wants_stop = |resting: &Resting, stops: &Resting| {
        params.stop_share_pct > 0
            && (stops.len() as u64) * 100
                < params.stop_share_pct * (resting.len() + stops.len()) as u64
    };

    let mut prefill = Vec::new();
    let mut prefill_ids = Vec::new();
    while resting.len() + stops.len() < params.resting_orders {
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let command = if wants_stop(&resting, &stops) {
            stop(&mut rng, &shadow, params, side)
        } else {
            let price = passive_price(&mut rng, &shadow, side, params);
            place(&mut rng, params, side, price, TimeInForce::Gtc)
        };
        apply(&mut shadow, &command, &mut events);
        resting.sync(&shadow, &events);
        stops.sync_conditional(&shadow, &events);
        prefill.push(command);
        prefill_ids.push(accepted_id(&events));
    }
    stats.resting_at_start = resting.len();
    stats.levels_at_start = levels(&shadow);
    stats.stops_at_start = stops.len();

    let mut commands = Vec::with_capacity(params.commands);
    let mut placed_ids = Vec::with_capacity(params.commands);
    for _ in 0..params.commands {
        let roll = rng.below(100);
        let command = if roll < 82 && !resting.is_empty() {
            stats.moves += 1;
            let id = resting.pick(&mut rng);
            let order = shadow.order(id).expect("resting order exists");
            let mut price = passive_price(&mut rng, &shadow, order.side, params);
            if price == order.price {
                price = match order.side {
                    Side::Buy => Price::from_raw(price.raw() - 1),
                    Side::Sell => Price::from_raw(price.raw() + 1),
                };
            }
            Command::Amend {
                owner: order.owner,
                order: bourse_engine::OrderRef::Id(id),
                price: Some(price),
                qty: None,
            }
        } else if roll < 91 {
            stats.gtc += 1;
            let side = if rng.below(2) == 0 {
                Side::Buy
            } else {
                Side::Sell
            };
            if wants_stop(&resting, &stops) {
                stats.stops += 1;
                stop(&mut rng, &shadow, params, side)
            } else {
                let price = if resting.len() < params.resting_orders {
                    passive_price(&mut rng, &shadow, side, params)
                } else {
                    marketable_price(&mut rng, &shadow, side)
                };
                place(&mut rng, params, side, price, TimeInForce::Gtc)
            }
        } else if roll < 97 && !resting.is_empty() {
            stats.cancels += 1;
            // Stops are cancelled in proportion to their share of the open orders.
            let open = (resting.len() + stops.len()) as u64;
            if !stops.is_empty() && rng.below(open) < stops.len() as u64 {
                stats.stop_cancels += 1;
                let id = stops.pick(&mut rng);
                let order = shadow.conditional_order(id).expect("stop order waits");
                Command::Cancel {
                    owner: order.owner,
                    order: bourse_engine::OrderRef::Id(id),
                }
            } else {
                let id = resting.pick(&mut rng);
                let order = shadow.order(id).expect("resting order exists");
                Command::Cancel {
                    owner: order.owner,
                    order: bourse_engine::OrderRef::Id(id),
                }
            }
        } else {
            stats.ioc += 1;
            let side = if rng.below(2) == 0 {
                Side::Buy
            } else {
                Side::Sell
            };
            let price = marketable_price(&mut rng, &shadow, side);
            place(&mut rng, params, side, price, TimeInForce::Ioc)
        };
        apply(&mut shadow, &command, &mut events);
        placed_ids.push(accepted_id(&events));
        for event in &events {
            match event {
                Event::Trade(_) => stats.trades += 1,
                Event::Rejected(_) => stats.rejected += 1,
                Event::OrderTriggered { .. } => stats.triggered += 1,
                _ => {}
            }
        }
        resting.sync(&shadow, &events);
        stops.sync_conditional(&shadow, &events);
        commands.push(command);
    }
    stats.resting_at_end = resting.len();
    stats.levels_at_end = levels(&shadow);
    stats.stops_at_end = stops.len();
    Workload {
        setup,
        prefill,
        commands,
        prefill_ids,
        placed_ids,
        stats,
    }
}

fn accepted_id(events: &[Event]) -> Option<OrderId> {
    events.iter().find_map(|event| match event {
        Event::OrderAccepted(accepted) => Some(accepted.order),
        _ => None,
    })
}

fn levels(engine: &Engine) -> usize {
    engine.depth(INSTRUMENT, Side::Buy, usize::MAX).len()
        + engine.depth(INSTRUMENT, Side::Sell, usize::MAX).len()
}

fn place(rng: &mut Rng, params: MixParams, side: Side, price: Price, tif: TimeInForce) -> Command {
    Command::Place(NewOrder {
        owner: OwnerId(rng.between(1, params.accounts)),
        instrument: INSTRUMENT,
        side,
        kind: OrderKind::Limit {
            price,
            qty: Qty::from_raw(rng.between(1, 50) * LOT),
        },
        tif,
        post_only: false,
        stp: StpMode::CancelNewest,
        client_order_id: None,
        expire_at: None,
        reduce_only: false,
        conditions: None,
    })
}

/// A stop-market order away from the price: a sell stop some ticks under the best
/// bid (and the last trade), a buy stop some ticks over the best ask, so that it
/// waits and now and then fires as the price wanders.
fn stop(rng: &mut Rng, engine: &Engine, params: MixParams, side: Side) -> Command {
    let offset = rng.between(
        params.price_spread_ticks / 16,
        params.price_spread_ticks / 4,
    );
    let last = engine.reference(INSTRUMENT).map_or(MID_PRICE, |p| p.raw());
    let price = match side {
        Side::Sell => best(engine, Side::Buy).unwrap_or(MID_PRICE).min(last) - offset,
        Side::Buy => best(engine, Side::Sell).unwrap_or(MID_PRICE).max(last) + offset,
    };
    let order = NewOrder::plain(
        OwnerId(rng.between(1, params.accounts)),
        INSTRUMENT,
        side,
        OrderKind::Market {
            qty: Qty::from_raw(rng.between(1, 50) * LOT),
        },
        TimeInForce::Ioc,
        false,
        StpMode::CancelNewest,
        None,
        None,
    )
    .with_trigger(Some(Trigger::Stop {
        price: Price::from_raw(price),
    }));
    Command::Place(order)
}

fn best(engine: &Engine, side: Side) -> Option<u64> {
    engine
        .depth(INSTRUMENT, side, 1)
        .first()
        .map(|(price, _, _)| price.raw())
}

fn mid(engine: &Engine) -> u64 {
    match (best(engine, Side::Buy), best(engine, Side::Sell)) {
        (Some(bid), Some(ask)) => (bid + ask) / 2,
        (Some(bid), None) => bid + 1,
        (None, Some(ask)) => ask - 1,
        (None, None) => MID_PRICE,
    }
}

/// A price on `side`'s own side of the book that does not cross.
fn passive_price(rng: &mut Rng, engine: &Engine, side: Side, params: MixParams) -> Price {
    let offset = rng.between(1, params.price_spread_ticks);
    let mid = mid(engine);
    let raw = match side {
        Side::Buy => {
            let ceiling = best(engine, Side::Sell).map_or(u64::MAX, |ask| ask - 1);
            (mid - offset).min(ceiling)
        }
        Side::Sell => {
            let floor = best(engine, Side::Buy).map_or(0, |bid| bid + 1);
            (mid + offset).max(floor)
        }
    };
    Price::from_raw(raw)
}

/// A price a few ticks through the opposite best, so the order trades.
fn marketable_price(rng: &mut Rng, engine: &Engine, side: Side) -> Price {
    let through = rng.between(0, 3);
    let raw = match side {
        Side::Buy => best(engine, Side::Sell).unwrap_or(MID_PRICE) + through,
        Side::Sell => best(engine, Side::Buy).unwrap_or(MID_PRICE) - through,
    };
    Price::from_raw(raw)
}

/// The generator's view of which orders rest: a vector for uniform picks and an index
/// for O(1) removal.
#[derive(Default)]
struct Resting {
    ids: Vec<OrderId>,
    index: HashMap<OrderId, usize>,
}

impl Resting {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn pick(&self, rng: &mut Rng) -> OrderId {
        self.ids[rng.below(self.ids.len() as u64) as usize]
    }

    fn insert(&mut self, id: OrderId) {
        if !self.index.contains_key(&id) {
            self.index.insert(id, self.ids.len());
            self.ids.push(id);
        }
    }

    fn remove(&mut self, id: OrderId) {
        if let Some(at) = self.index.remove(&id) {
            self.ids.swap_remove(at);
            if let Some(&moved) = self.ids.get(at) {
                self.index.insert(moved, at);
            }
        }
    }

    /// Brings a set of conditional orders in line with the engine for every order the
    /// events mention.
    fn sync_conditional(&mut self, engine: &Engine, events: &[Event]) {
        for event in events {
            let id = match event {
                Event::OrderAccepted(a) => a.order,
                Event::OrderTriggered { order, .. }
                | Event::OrderCancelled { order, .. }
                | Event::OrderExpired { order, .. } => *order,
                _ => continue,
            };
            if engine.conditional_order(id).is_some() {
                self.insert(id);
            } else {
                self.remove(id);
            }
        }
    }

    /// Brings the set in line with the engine for every order the events mention.
    fn sync(&mut self, engine: &Engine, events: &[Event]) {
        for event in events {
            let ids: &[OrderId] = match event {
                Event::OrderAccepted(a) => &[a.order],
                Event::OrderAmended { order, .. } => &[*order],
                Event::OrderCancelled { order, .. } | Event::OrderExpired { order, .. } => {
                    &[*order]
                }
                Event::Trade(t) => &[t.maker_order, t.taker_order],
                _ => &[],
            };
            for &id in ids {
                if engine.order(id).is_some() {
                    self.insert(id);
                } else {
                    self.remove(id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_has_the_published_shape() {
        let workload = exchange_mix(MixParams {
            commands: 20_000,
            accounts: 100,
            ..MixParams::default()
        });
        let stats = &workload.stats;
        let total = workload.commands.len() as f64;
        let share = |n: usize| n as f64 / total * 100.0;
        assert!((share(stats.moves) - 82.0).abs() < 1.5, "{stats:?}");
        assert!((share(stats.gtc) - 9.0).abs() < 1.0, "{stats:?}");
        assert!((share(stats.cancels) - 6.0).abs() < 1.0, "{stats:?}");
        assert!((share(stats.ioc) - 3.0).abs() < 1.0, "{stats:?}");
        assert_eq!(stats.rejected, 0, "{stats:?}");
        assert!(stats.trades > 500, "{stats:?}");
        assert!((900..=1_100).contains(&stats.resting_at_end), "{stats:?}");
        assert!((600..=900).contains(&stats.levels_at_end), "{stats:?}");
    }

    #[test]
    fn the_stop_mix_keeps_a_tenth_of_the_open_orders_as_stops() {
        let workload = exchange_mix(MixParams {
            commands: 20_000,
            accounts: 100,
            stop_share_pct: 10,
            ..MixParams::default()
        });
        let stats = &workload.stats;
        let open = stats.resting_at_end + stats.stops_at_end;
        let share = stats.stops_at_end as f64 * 100.0 / open as f64;
        assert!((8.0..=12.0).contains(&share), "{share}% stops: {stats:?}");
        assert!(stats.stops > 0 && stats.stop_cancels > 0, "{stats:?}");
        assert!(stats.triggered > 0, "some stops fire: {stats:?}");
        assert_eq!(stats.rejected, 0, "{stats:?}");
    }

    #[test]
    fn the_mix_is_the_same_for_the_same_seed() {
        let params = MixParams {
            commands: 2_000,
            accounts: 50,
            ..MixParams::default()
        };
        assert_eq!(exchange_mix(params).commands, exchange_mix(params).commands);
    }
}
