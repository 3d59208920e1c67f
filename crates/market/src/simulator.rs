//! The market simulator: market makers quoting around a random-walk fair value, and
//! noise traders, so that the embedded venue's books, trades and candles are alive.
//!
//! It is a pure strategy: [`Simulator::tick`] turns time into commands and
//! [`Simulator::observe`] learns from released events what became of them. The caller
//! sends the commands through the venue's ordinary command path, from the simulator's
//! own funded accounts, exactly as a user's orders go. Given the same seed, the same
//! ticks and the same events, it sends the same commands.
//!
//! The fair value follows a geometric random walk; floating point is used for that walk
//! only, and every price and quantity sent is rounded onto the instrument's tick and
//! lot grid as integers.

use bourse_engine::{Command, Event, NewOrder, OrderKind, OrderRef, TransferRequest};
use bourse_journal::Released;
use bourse_types::{
    Amount, AssetId, ClientOrderId, Instrument, InstrumentId, OrderId, OwnerId, Price, Qty, Rng,
    Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Owner ids from here up belong to the simulator.
pub const SIM_OWNER_BASE: u64 = 900_000_000;
/// Transfer ids of the simulator's funding, from here up.
const SIM_TRANSFER_BASE: u64 = 0xB5 << 56;
const QUOTE_FUNDING_UNITS: u64 = 100_000_000;

/// How one instrument is simulated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimInstrument {
    pub symbol: String,
    /// Standard deviation of the fair value's moves over an hour, in percent.
    pub volatility_pct_per_hour: f64,
    /// Price levels each market maker quotes on each side.
    pub levels: u32,
    /// Distance from the fair value to the first quote, in basis points.
    pub half_spread_bps: u32,
    /// Distance between quote levels, in basis points.
    pub level_step_bps: u32,
    /// Typical quote size in base units (a decimal string, e.g. "0.25").
    pub quote_size: String,
    /// Noise-trader orders per minute.
    pub noise_orders_per_minute: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    pub seed: u64,
    pub tick_ms: u64,
    pub instruments: Vec<SimInstrument>,
}

/// Uniform in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Standard normal (Box-Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u1 = unit(rng).max(f64::MIN_POSITIVE);
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[derive(Debug, Clone, Default)]
struct Slot {
    order: Option<OrderId>,
    price: Option<Price>,
    /// A placement sent but not yet accepted or rejected.
    waiting: Option<ClientOrderId>,
}

#[derive(Debug, Clone)]
struct Market {
    instrument: Instrument,
    config: SimInstrument,
    fair: f64,
    maker: OwnerId,
    /// Typical quote size in base units.
    size: f64,
    /// Bids then asks, `levels` each.
    slots: Vec<Slot>,
    /// Expected noise orders per tick.
    noise_per_tick: f64,
}

/// The simulator's state. See the module documentation.
#[derive(Debug, Clone)]
pub struct Simulator {
    rng: Rng,
    tick_ms: u64,
    markets: Vec<Market>,
    noise: Vec<OwnerId>,
    counter: u64,
    /// Client order id -> (market, slot) for placements awaiting an answer.
    waiting: HashMap<ClientOrderId, (usize, usize)>,
    /// Order id -> (market, slot) for resting quotes.
    quotes: HashMap<OrderId, (usize, usize)>,
    /// (owner, asset) -> available, from balance events.
    balances: HashMap<(OwnerId, AssetId), Amount>,
    /// The amount each account was funded with, to top it up when it runs low.
    funding: HashMap<(OwnerId, AssetId), Amount>,
    topups_sent: HashMap<(OwnerId, AssetId), u64>,
    last_seq: u64,
}

fn to_price(instrument: &Instrument, value: f64) -> Option<Price> {
    let tick = instrument.tick_size().raw();
    let raw = value * 10f64.powi(i32::from(instrument.price_scale()));
    if !raw.is_finite() || raw <= 0.0 || raw >= 1e18 {
        return None;
    }
    let ticks = (raw / tick as f64).round().max(1.0) as u64;
    Some(Price::from_raw(ticks * tick))
}

fn price_value(instrument: &Instrument, price: Price) -> f64 {
    price.raw() as f64 / 10f64.powi(i32::from(instrument.price_scale()))
}

fn to_qty(instrument: &Instrument, units: f64) -> Qty {
    let lot = instrument.lot_size().raw();
    let raw = units * 10f64.powi(i32::from(instrument.base_scale()));
    let lots = (raw / lot as f64).round().max(1.0) as u64;
    Qty::from_raw((lots * lot).max(instrument.spec().min_qty.raw()))
}

impl Simulator {
    /// A simulator for the configured instruments that exist in `instruments`, each
    /// starting from `reference(instrument)` (the last trade or configured reference).
    pub fn new(
        config: &SimConfig,
        instruments: &[Instrument],
        reference: impl Fn(InstrumentId) -> Option<Price>,
    ) -> Simulator {
        let mut markets = Vec::new();
        for (i, sim) in config.instruments.iter().enumerate() {
            let Some(instrument) = instruments
                .iter()
                .find(|x| x.symbol().as_str() == sim.symbol)
            else {
                continue;
            };
            let Some(start) = reference(instrument.id()) else {
                continue;
            };
            let size: f64 = sim.quote_size.parse().unwrap_or(1.0);
            let levels = sim.levels.max(1) as usize;
            markets.push(Market {
                instrument: *instrument,
                config: sim.clone(),
                fair: price_value(instrument, start),
                maker: OwnerId(SIM_OWNER_BASE + 1 + i as u64),
                size,
                slots: vec![Slot::default(); 2 * levels],
                noise_per_tick: f64::from(sim.noise_orders_per_minute) * config.tick_ms as f64
                    / 60_000.0,
            });
        }
        Simulator {
            rng: Rng::new(config.seed),
            tick_ms: config.tick_ms.max(10),
            markets,
            noise: (0..3).map(|n| OwnerId(SIM_OWNER_BASE + 101 + n)).collect(),
            counter: 0,
            waiting: HashMap::new(),
            quotes: HashMap::new(),
            balances: HashMap::new(),
            funding: HashMap::new(),
            topups_sent: HashMap::new(),
            last_seq: 0,
        }
    }

    pub fn tick_ms(&self) -> u64 {
        self.tick_ms
    }

    /// Every owner the simulator trades from.
    pub fn owners(&self) -> Vec<OwnerId> {
        self.markets
            .iter()
            .map(|m| m.maker)
            .chain(self.noise.iter().copied())
            .collect()
    }

    /// What to send when the simulator starts: cancel whatever its accounts left
    /// resting before a restart (it does not know those orders), then fund every
    /// account with deposits of fixed transfer ids, so that sending them again after a
    /// restart is refused as a duplicate and changes nothing.
    pub fn startup_commands(&mut self) -> Vec<Command> {
        let mut commands: Vec<Command> = self
            .owners()
            .into_iter()
            .map(|owner| Command::CancelAll {
                owner: Some(owner),
                instrument: None,
            })
            .collect();
        let mut plan: Vec<(OwnerId, AssetId, Amount)> = Vec::new();
        for market in &self.markets {
            let instrument = &market.instrument;
            let quote_units = QUOTE_FUNDING_UNITS as f64;
            let quote = Amount::from_raw(
                (quote_units * 10f64.powi(i32::from(instrument.quote_scale()))) as u64,
            );
            let base_units = quote_units / market.fair.max(f64::MIN_POSITIVE);
            let base = Amount::from_raw(
                (base_units * 10f64.powi(i32::from(instrument.base_scale()))) as u64,
            );
            for owner in std::iter::once(market.maker).chain(self.noise.iter().copied()) {
                plan.push((owner, instrument.quote(), quote));
                plan.push((owner, instrument.base(), base));
            }
        }
        for (owner, asset, amount) in plan {
            let entry = self.funding.entry((owner, asset)).or_insert(Amount::ZERO);
            if *entry >= amount {
                continue;
            }
            *entry = amount;
            commands.push(Command::Deposit(TransferRequest {
                id: TransferId(
                    SIM_TRANSFER_BASE + (owner.0 - SIM_OWNER_BASE) * 1_000 + u64::from(asset.0),
                ),
                owner,
                asset,
                amount,
                pending: false,
            }));
        }
        commands
    }

    fn next_client_id(&mut self) -> ClientOrderId {
        self.counter += 1;
        // Unique across restarts: the sequence number seen last plus a counter.
        ClientOrderId::new(&format!("sim-{}-{}", self.last_seq, self.counter))
            .unwrap_or_else(|_| ClientOrderId::new("sim").expect("a valid client order id"))
    }

    /// One step of time: fair values move, quotes follow, noise traders trade.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Command> {
        let mut commands = self.topups();
        for m in 0..self.markets.len() {
            let sigma = self.markets[m].config.volatility_pct_per_hour / 100.0
                * (self.tick_ms as f64 / 3_600_000.0).sqrt();
            let shock = normal(&mut self.rng);
            let market = &mut self.markets[m];
            market.fair *= (sigma * shock - sigma * sigma / 2.0).exp();
            self.quote(m, &mut commands);
            self.noise_orders(m, now, &mut commands);
        }
        commands
    }

    fn quote(&mut self, m: usize, commands: &mut Vec<Command>) {
        let levels = self.markets[m].slots.len() / 2;
        for slot_index in 0..self.markets[m].slots.len() {
            let market = &self.markets[m];
            let side = if slot_index < levels {
                Side::Buy
            } else {
                Side::Sell
            };
            let level = (slot_index % levels) as f64;
            let distance = (f64::from(market.config.half_spread_bps)
                + level * f64::from(market.config.level_step_bps))
                / 10_000.0;
            let target = match side {
                Side::Buy => market.fair * (1.0 - distance),
                Side::Sell => market.fair * (1.0 + distance),
            };
            let Some(target) = to_price(&market.instrument, target) else {
                continue;
            };
            let slot = &market.slots[slot_index];
            if slot.waiting.is_some() {
                continue;
            }
            match (slot.order, slot.price) {
                (Some(order), Some(current)) => {
                    // Move only when the quote is off by more than half a level step.
                    let off = (price_value(&market.instrument, current)
                        / price_value(&market.instrument, target)
                        - 1.0)
                        .abs();
                    if off * 10_000.0 > f64::from(market.config.level_step_bps.max(1)) / 2.0 {
                        commands.push(Command::Amend {
                            owner: market.maker,
                            order: OrderRef::Id(order),
                            price: Some(target),
                            qty: None,
                        });
                    }
                }
                _ => {
                    let jitter = 0.5 + unit(&mut self.rng);
                    let qty = to_qty(&market.instrument, market.size * jitter);
                    let maker = market.maker;
                    let instrument = market.instrument.id();
                    let client_id = self.next_client_id();
                    self.waiting.insert(client_id, (m, slot_index));
                    self.markets[m].slots[slot_index].waiting = Some(client_id);
                    commands.push(Command::Place(NewOrder {
                        owner: maker,
                        instrument,
                        side,
                        kind: OrderKind::Limit { price: target, qty },
                        tif: TimeInForce::Gtc,
                        // A quote that a move of the fair value makes cross trades, as a
                        // real maker's would.
                        post_only: false,
                        stp: StpMode::CancelNewest,
                        client_order_id: Some(client_id),
                        expire_at: None,
                        reduce_only: false,
                        conditions: None,
                    }));
                }
            }
        }
    }

    fn noise_orders(&mut self, m: usize, now: Timestamp, commands: &mut Vec<Command>) {
        let expected = self.markets[m].noise_per_tick;
        let mut count = expected.floor() as u64;
        if unit(&mut self.rng) < expected.fract() {
            count += 1;
        }
        for _ in 0..count {
            let market = &self.markets[m];
            let owner = self.noise[self.rng.below(self.noise.len() as u64) as usize];
            let side = if self.rng.below(2) == 0 {
                Side::Buy
            } else {
                Side::Sell
            };
            let qty = to_qty(
                &market.instrument,
                market.size * (0.1 + unit(&mut self.rng) * 0.6),
            );
            let instrument = market.instrument.id();
            let order = if unit(&mut self.rng) < 0.6 {
                NewOrder {
                    owner,
                    instrument,
                    side,
                    kind: OrderKind::Market { qty },
                    tif: TimeInForce::Ioc,
                    post_only: false,
                    stp: StpMode::CancelNewest,
                    client_order_id: None,
                    expire_at: None,
                    reduce_only: false,
                    conditions: None,
                }
            } else {
                // A limit order near the fair value that lives for a minute.
                let offset = (unit(&mut self.rng) * 3.0 - 1.0)
                    * f64::from(market.config.half_spread_bps)
                    / 10_000.0;
                let value = match side {
                    Side::Buy => market.fair * (1.0 + offset),
                    Side::Sell => market.fair * (1.0 - offset),
                };
                let Some(price) = to_price(&market.instrument, value) else {
                    continue;
                };
                NewOrder {
                    owner,
                    instrument,
                    side,
                    kind: OrderKind::Limit { price, qty },
                    tif: TimeInForce::Gtd,
                    post_only: false,
                    stp: StpMode::CancelNewest,
                    client_order_id: None,
                    expire_at: Some(Timestamp(now.0 + 60_000_000_000)),
                    reduce_only: false,
                    conditions: None,
                }
            };
            commands.push(Command::Place(order));
        }
    }

    /// Deposits more for any simulator account below a fifth of its funding.
    fn topups(&mut self) -> Vec<Command> {
        let mut commands = Vec::new();
        for (&(owner, asset), &funded) in &self.funding {
            let available = self
                .balances
                .get(&(owner, asset))
                .copied()
                .unwrap_or(funded);
            let sent = self.topups_sent.entry((owner, asset)).or_insert(0);
            if available.raw() < funded.raw() / 5 && *sent < self.last_seq {
                // One top-up per account until a later release shows its effect.
                *sent = self.last_seq;
                commands.push(Command::Deposit(TransferRequest {
                    id: TransferId(
                        SIM_TRANSFER_BASE
                            + (1 << 48)
                            + self.last_seq * 4_096
                            + (owner.0 - SIM_OWNER_BASE) * 8
                            + u64::from(asset.0),
                    ),
                    owner,
                    asset,
                    amount: funded,
                    pending: false,
                }));
            }
        }
        commands.sort_by_key(|c| match c {
            Command::Deposit(t) => t.id,
            _ => TransferId(0),
        });
        commands
    }

    /// Learns what became of the simulator's commands.
    pub fn observe(&mut self, released: &Released) {
        self.last_seq = self.last_seq.max(released.seq);
        if let Command::Place(order) = &released.command
            && let Some(client_id) = order.client_order_id
            && let Some((m, s)) = self.waiting.remove(&client_id)
        {
            let slot = &mut self.markets[m].slots[s];
            slot.waiting = None;
            let accepted = released.events.iter().find_map(|e| match e {
                Event::OrderAccepted(accepted) => Some(accepted),
                _ => None,
            });
            if let Some(accepted) = accepted
                && let OrderKind::Limit { price, .. } = accepted.kind
            {
                slot.order = Some(accepted.order);
                slot.price = Some(price);
                self.quotes.insert(accepted.order, (m, s));
            }
        }
        for event in &released.events {
            match event {
                Event::OrderAmended { order, price, .. } => {
                    if let Some(&(m, s)) = self.quotes.get(order) {
                        self.markets[m].slots[s].price = Some(*price);
                    }
                }
                Event::Trade(trade) if trade.maker_leaves.is_zero() => {
                    self.forget(trade.maker_order)
                }
                Event::OrderCancelled { order, .. } | Event::OrderExpired { order, .. } => {
                    self.forget(*order)
                }
                Event::Balance {
                    owner,
                    asset,
                    available,
                    ..
                } if owner.0 >= SIM_OWNER_BASE => {
                    self.balances.insert((*owner, *asset), *available);
                }
                _ => {}
            }
        }
    }

    fn forget(&mut self, order: OrderId) {
        if let Some((m, s)) = self.quotes.remove(&order) {
            let slot = &mut self.markets[m].slots[s];
            if slot.order == Some(order) {
                *slot = Slot::default();
            }
        }
    }

    /// The fair value of each simulated instrument, for display and tests.
    pub fn fair_values(&self) -> Vec<(InstrumentId, f64)> {
        self.markets
            .iter()
            .map(|m| (m.instrument.id(), m.fair))
            .collect()
    }
}
