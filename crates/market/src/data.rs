//! Market data kept from released events: L2 depth with sequence numbers, the public
//! trade tape, candles and 24-hour tickers.
//!
//! Depth is rebuilt from events alone (never from the engine's live state, which may be
//! ahead of what is durable): an accepted resting order, the trades that reduce it, an
//! amendment, a cancel or an expiry each move a price level, and the levels a batch of
//! released commands touched become one delta with the next sequence number.

use crate::candles::{Candle, CandleSet, Interval};
use bourse_engine::{Engine, Event, OrderKind};
use bourse_journal::Released;
use bourse_types::{
    Amount, Instrument, InstrumentId, InstrumentStatus, OrderId, Price, Qty, Side, Timestamp,
    TradeId,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Trades kept per instrument for the public tape.
pub const TRADES_KEPT_MAX: usize = 1_000;
/// Candles kept per instrument and interval (more than a day of minutes, for tickers).
pub const CANDLES_KEPT_MAX: usize = 1_500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicTrade {
    pub id: TradeId,
    pub instrument: InstrumentId,
    pub price: Price,
    pub qty: Qty,
    pub notional: Amount,
    /// The taker's side.
    pub aggressor: Side,
    pub ts: Timestamp,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Level {
    qty: u64,
    orders: u32,
}

#[derive(Debug, Clone, Default)]
struct Depth {
    bids: BTreeMap<Price, Level>,
    asks: BTreeMap<Price, Level>,
    seq: u64,
}

impl Depth {
    fn side(&mut self, side: Side) -> &mut BTreeMap<Price, Level> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    fn add(&mut self, side: Side, price: Price, qty: Qty) {
        let level = self.side(side).entry(price).or_default();
        level.qty += qty.raw();
        level.orders += 1;
    }

    /// Takes `qty` off a level; `order_gone` when the order left the level.
    fn take(&mut self, side: Side, price: Price, qty: Qty, order_gone: bool) {
        let levels = self.side(side);
        if let Some(level) = levels.get_mut(&price) {
            level.qty = level.qty.saturating_sub(qty.raw());
            if order_gone {
                level.orders = level.orders.saturating_sub(1);
            }
            if level.orders == 0 {
                levels.remove(&price);
            }
        }
    }

    fn qty_at(&self, side: Side, price: Price) -> Qty {
        let levels = match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        };
        Qty::from_raw(levels.get(&price).map_or(0, |l| l.qty))
    }
}

/// A resting order as market data sees it.
#[derive(Debug, Clone, Copy)]
struct Resting {
    instrument: InstrumentId,
    side: Side,
    price: Price,
    leaves: Qty,
}

/// Aggregated levels, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepthSnapshot {
    pub instrument: InstrumentId,
    pub seq: u64,
    /// (price, total quantity, number of orders), best first.
    pub bids: Vec<(Price, Qty, u32)>,
    pub asks: Vec<(Price, Qty, u32)>,
}

/// The levels one batch changed; a quantity of zero means the level is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepthDelta {
    pub instrument: InstrumentId,
    /// One more than the previous delta's (or the snapshot's) sequence number.
    pub seq: u64,
    pub bids: Vec<(Price, Qty)>,
    pub asks: Vec<(Price, Qty)>,
}

/// 24-hour statistics. Prices and volumes are exact; the change is in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticker {
    pub instrument: InstrumentId,
    pub last: Option<Price>,
    pub open_24h: Option<Price>,
    pub high_24h: Option<Price>,
    pub low_24h: Option<Price>,
    pub volume_24h: Qty,
    pub quote_volume_24h: Amount,
    pub trades_24h: u64,
    /// (last - open) / open in basis points, rounded toward zero.
    pub change_bps: i64,
    pub best_bid: Option<(Price, Qty)>,
    pub best_ask: Option<(Price, Qty)>,
    pub status: InstrumentStatus,
}

/// What changed in a batch, for live subscribers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    Depth(DepthDelta),
    Trade(PublicTrade),
    Candle {
        instrument: InstrumentId,
        interval: Interval,
        candle: Candle,
    },
    /// The instrument's ticker should be refreshed (its trades or best prices moved).
    Ticker(InstrumentId),
    Instrument(Instrument),
}

#[derive(Debug, Clone)]
struct InstrumentData {
    instrument: Instrument,
    status: InstrumentStatus,
    depth: Depth,
    trades: VecDeque<PublicTrade>,
    candles: CandleSet,
    last_price: Option<Price>,
}

impl InstrumentData {
    fn new(
        instrument: Instrument,
        status: InstrumentStatus,
        last_price: Option<Price>,
    ) -> InstrumentData {
        InstrumentData {
            instrument,
            status,
            depth: Depth::default(),
            trades: VecDeque::new(),
            candles: CandleSet::new(CANDLES_KEPT_MAX),
            last_price,
        }
    }
}

/// Every instrument's market data.
#[derive(Debug, Clone, Default)]
pub struct MarketData {
    instruments: Vec<InstrumentData>,
    resting: HashMap<OrderId, Resting>,
    /// Conditional limit orders, not in the book until their trigger fires.
    waiting: HashMap<OrderId, Resting>,
    /// The newest released timestamp: "now" for 24-hour windows.
    now: Timestamp,
    released_seq: u64,
}

/// An order accepted, triggered or amended in the command being applied, which rests
/// once it has matched unless it filled or was cancelled. One command may run several
/// orders (a bracket's legs, fired triggers): each finishes matching before the next
/// starts, so an order is put in the book when the next one starts, or at the end.
struct Pending {
    order: OrderId,
    resting: Resting,
}

impl MarketData {
    /// Market data for a recovered engine: its instruments and resting orders.
    pub fn from_engine(engine: &Engine) -> MarketData {
        let mut data = MarketData {
            now: engine.now(),
            released_seq: engine.seq(),
            ..MarketData::default()
        };
        for instrument in engine.instruments() {
            let status = engine
                .instrument_status(instrument.id())
                .unwrap_or_default();
            data.instruments.push(InstrumentData::new(
                *instrument,
                status,
                engine.last_price(instrument.id()),
            ));
            for side in [Side::Buy, Side::Sell] {
                for order in engine.book_orders(instrument.id(), side) {
                    let resting = Resting {
                        instrument: order.instrument,
                        side,
                        price: order.price,
                        leaves: order.leaves,
                    };
                    data.instruments[instrument.id().0 as usize].depth.add(
                        side,
                        order.price,
                        order.leaves,
                    );
                    data.resting.insert(order.id, resting);
                }
            }
            for c in engine.instrument_conditionals(instrument.id()) {
                if let OrderKind::Limit { price, qty } = c.kind
                    && c.tif.rests()
                {
                    data.waiting.insert(
                        c.id,
                        Resting {
                            instrument: c.instrument,
                            side: c.side,
                            price,
                            leaves: qty,
                        },
                    );
                }
            }
        }
        data
    }

    /// The sequence number of the last released command applied.
    pub fn released_seq(&self) -> u64 {
        self.released_seq
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        self.instruments.iter().map(|d| &d.instrument)
    }

    fn data(&self, instrument: InstrumentId) -> Option<&InstrumentData> {
        self.instruments.get(instrument.0 as usize)
    }

    /// Replaces the stored candles of an instrument (at startup).
    pub fn load_candles(
        &mut self,
        instrument: InstrumentId,
        interval: Interval,
        candles: Vec<Candle>,
    ) {
        if let Some(data) = self.instruments.get_mut(instrument.0 as usize) {
            data.candles.load(interval, candles);
        }
    }

    /// Replaces the public tape of an instrument (at startup), oldest first.
    pub fn load_trades(&mut self, instrument: InstrumentId, trades: Vec<PublicTrade>) {
        if let Some(data) = self.instruments.get_mut(instrument.0 as usize) {
            data.trades = trades.into_iter().collect();
            while data.trades.len() > TRADES_KEPT_MAX {
                data.trades.pop_front();
            }
        }
    }

    /// Applies a batch of released commands and returns what changed.
    pub fn apply(&mut self, batch: &[Released]) -> Vec<Update> {
        let mut updates = Vec::new();
        let mut touched: BTreeSet<(InstrumentId, Side, Price)> = BTreeSet::new();
        let mut tickers: BTreeSet<InstrumentId> = BTreeSet::new();
        for released in batch {
            self.now = self.now.max(released.ts);
            self.released_seq = released.seq;
            self.apply_one(released, &mut touched, &mut tickers, &mut updates);
        }
        // One delta per instrument for the whole batch.
        let mut deltas: BTreeMap<InstrumentId, DepthDelta> = BTreeMap::new();
        for (instrument, side, price) in touched {
            let Some(data) = self.instruments.get(instrument.0 as usize) else {
                continue;
            };
            let delta = deltas.entry(instrument).or_insert_with(|| DepthDelta {
                instrument,
                seq: 0,
                bids: Vec::new(),
                asks: Vec::new(),
            });
            let qty = data.depth.qty_at(side, price);
            match side {
                Side::Buy => delta.bids.push((price, qty)),
                Side::Sell => delta.asks.push((price, qty)),
            }
            tickers.insert(instrument);
        }
        for (instrument, mut delta) in deltas {
            let depth = &mut self.instruments[instrument.0 as usize].depth;
            depth.seq += 1;
            delta.seq = depth.seq;
            delta.bids.reverse();
            updates.push(Update::Depth(delta));
        }
        updates.extend(tickers.into_iter().map(Update::Ticker));
        updates
    }

    fn apply_one(
        &mut self,
        released: &Released,
        touched: &mut BTreeSet<(InstrumentId, Side, Price)>,
        tickers: &mut BTreeSet<InstrumentId>,
        updates: &mut Vec<Update>,
    ) {
        let mut pending: Option<Pending> = None;
        for event in &released.events {
            match event {
                Event::InstrumentListed(instrument)
                    if instrument.id().0 as usize == self.instruments.len() =>
                {
                    self.instruments.push(InstrumentData::new(
                        **instrument,
                        InstrumentStatus::Trading,
                        None,
                    ));
                    updates.push(Update::Instrument(**instrument));
                }
                Event::HaltChanged {
                    scope: bourse_engine::HaltScope::Instrument(instrument),
                    halted,
                    ..
                } => {
                    if let Some(data) = self.instruments.get_mut(instrument.0 as usize) {
                        data.status = if *halted {
                            InstrumentStatus::Halted
                        } else {
                            InstrumentStatus::Trading
                        };
                        tickers.insert(*instrument);
                    }
                }
                Event::InstrumentStatusChanged { instrument, status } => {
                    if let Some(data) = self.instruments.get_mut(instrument.0 as usize) {
                        data.status = *status;
                        tickers.insert(*instrument);
                    }
                }
                Event::OrderAccepted(accepted) => {
                    self.commit(pending.take(), touched);
                    if let OrderKind::Limit { price, qty } = accepted.kind
                        && accepted.tif.rests()
                    {
                        let resting = Resting {
                            instrument: accepted.instrument,
                            side: accepted.side,
                            price,
                            leaves: qty,
                        };
                        if accepted.trigger().is_some() {
                            self.waiting.insert(accepted.order, resting);
                        } else {
                            pending = Some(Pending {
                                order: accepted.order,
                                resting,
                            });
                        }
                    }
                }
                Event::OrderTriggered { order, .. } => {
                    self.commit(pending.take(), touched);
                    pending = self.waiting.remove(order).map(|resting| Pending {
                        order: *order,
                        resting,
                    });
                }
                Event::OrderAmended {
                    order,
                    instrument,
                    side,
                    price,
                    leaves,
                    ..
                } => {
                    // A conditional order that grew (a bracket's stop) is not in the book.
                    if let Some(waiting) = self.waiting.get_mut(order) {
                        waiting.leaves = *leaves;
                        continue;
                    }
                    let in_book = self.resting.contains_key(order)
                        || pending.as_ref().is_some_and(|p| p.order == *order);
                    if !in_book {
                        continue;
                    }
                    if pending.as_ref().is_some_and(|p| p.order != *order) {
                        self.commit(pending.take(), touched);
                    }
                    self.remove_resting(*order, touched);
                    pending = Some(Pending {
                        order: *order,
                        resting: Resting {
                            instrument: *instrument,
                            side: *side,
                            price: *price,
                            leaves: *leaves,
                        },
                    });
                }
                Event::OrderCancelled { order, .. } | Event::OrderExpired { order, .. } => {
                    self.waiting.remove(order);
                    self.remove_resting(*order, touched);
                    if pending.as_ref().is_some_and(|p| p.order == *order) {
                        pending = None;
                    }
                }
                Event::InstrumentUpdated(instrument) => {
                    if let Some(data) = self.instruments.get_mut(instrument.id().0 as usize) {
                        data.instrument = **instrument;
                        updates.push(Update::Instrument(**instrument));
                    }
                }
                Event::Trade(trade) => {
                    if let Some(maker) = self.resting.get_mut(&trade.maker_order) {
                        let gone = trade.maker_leaves.is_zero();
                        maker.leaves = trade.maker_leaves;
                        let maker = *maker;
                        if let Some(data) = self.instruments.get_mut(maker.instrument.0 as usize) {
                            data.depth.take(maker.side, maker.price, trade.qty, gone);
                        }
                        touched.insert((maker.instrument, maker.side, maker.price));
                        if gone {
                            self.resting.remove(&trade.maker_order);
                        }
                    }
                    if let Some(p) = pending.as_mut().filter(|p| p.order == trade.taker_order) {
                        p.resting.leaves = trade.taker_leaves;
                    }
                    let public = PublicTrade {
                        id: trade.id,
                        instrument: trade.instrument,
                        price: trade.price,
                        qty: trade.qty,
                        notional: trade.notional,
                        aggressor: trade.aggressor,
                        ts: released.ts,
                    };
                    if let Some(data) = self.instruments.get_mut(trade.instrument.0 as usize) {
                        data.last_price = Some(trade.price);
                        data.trades.push_back(public);
                        if data.trades.len() > TRADES_KEPT_MAX {
                            data.trades.pop_front();
                        }
                        let changed = data.candles.add_trade(
                            released.ts.millis(),
                            trade.price,
                            trade.qty,
                            trade.notional,
                        );
                        for (interval, candle) in changed {
                            updates.push(Update::Candle {
                                instrument: trade.instrument,
                                interval,
                                candle,
                            });
                        }
                    }
                    updates.push(Update::Trade(public));
                    tickers.insert(trade.instrument);
                }
                _ => {}
            }
        }
        self.commit(pending, touched);
    }

    /// Puts an order that finished matching in the book, unless nothing is left.
    fn commit(
        &mut self,
        pending: Option<Pending>,
        touched: &mut BTreeSet<(InstrumentId, Side, Price)>,
    ) {
        if let Some(p) = pending
            && !p.resting.leaves.is_zero()
            && let Some(data) = self.instruments.get_mut(p.resting.instrument.0 as usize)
        {
            data.depth
                .add(p.resting.side, p.resting.price, p.resting.leaves);
            touched.insert((p.resting.instrument, p.resting.side, p.resting.price));
            self.resting.insert(p.order, p.resting);
        }
    }

    fn remove_resting(
        &mut self,
        order: OrderId,
        touched: &mut BTreeSet<(InstrumentId, Side, Price)>,
    ) {
        if let Some(r) = self.resting.remove(&order)
            && let Some(data) = self.instruments.get_mut(r.instrument.0 as usize)
        {
            data.depth.take(r.side, r.price, r.leaves, true);
            touched.insert((r.instrument, r.side, r.price));
        }
    }

    /// The top `levels` of both sides.
    pub fn depth(&self, instrument: InstrumentId, levels: usize) -> Option<DepthSnapshot> {
        let data = self.data(instrument)?;
        let collect = |iter: &mut dyn Iterator<Item = (&Price, &Level)>| {
            iter.take(levels)
                .map(|(p, l)| (*p, Qty::from_raw(l.qty), l.orders))
                .collect::<Vec<_>>()
        };
        Some(DepthSnapshot {
            instrument,
            seq: data.depth.seq,
            bids: collect(&mut data.depth.bids.iter().rev()),
            asks: collect(&mut data.depth.asks.iter()),
        })
    }

    /// The newest trades, newest first.
    pub fn trades(&self, instrument: InstrumentId, limit: usize) -> Vec<PublicTrade> {
        self.data(instrument)
            .map(|d| d.trades.iter().rev().take(limit).copied().collect())
            .unwrap_or_default()
    }

    pub fn candles(
        &self,
        instrument: InstrumentId,
        interval: Interval,
        limit: usize,
        end_ms: Option<u64>,
    ) -> Vec<Candle> {
        self.data(instrument)
            .map(|d| d.candles.latest(interval, limit, end_ms))
            .unwrap_or_default()
    }

    pub fn ticker(&self, instrument: InstrumentId) -> Option<Ticker> {
        let data = self.data(instrument)?;
        let now_ms = self.now.millis();
        let since = now_ms.saturating_sub(Interval::D1.millis());
        let minutes = data.candles.series(Interval::M1);
        let window: Vec<&Candle> = minutes
            .iter()
            .filter(|c| c.open_time + Interval::M1.millis() > since)
            .collect();
        let open = window.first().map(|c| c.open);
        let high = window.iter().map(|c| c.high).max();
        let low = window.iter().map(|c| c.low).min();
        let volume = window
            .iter()
            .map(|c| c.volume.raw())
            .fold(0u64, u64::saturating_add);
        let quote_volume = window
            .iter()
            .map(|c| c.quote_volume.raw())
            .fold(0u64, u64::saturating_add);
        let trades = window.iter().map(|c| c.trades).sum();
        let change_bps = match (open, data.last_price) {
            (Some(open), Some(last)) if !open.is_zero() => {
                let diff = i128::from(last.raw()) - i128::from(open.raw());
                i64::try_from(diff * 10_000 / i128::from(open.raw())).unwrap_or(0)
            }
            _ => 0,
        };
        let best = |levels: &mut dyn Iterator<Item = (&Price, &Level)>| {
            levels.next().map(|(p, l)| (*p, Qty::from_raw(l.qty)))
        };
        Some(Ticker {
            instrument,
            last: data.last_price,
            open_24h: open,
            high_24h: high,
            low_24h: low,
            volume_24h: Qty::from_raw(volume),
            quote_volume_24h: Amount::from_raw(quote_volume),
            trades_24h: trades,
            change_bps,
            best_bid: best(&mut data.depth.bids.iter().rev()),
            best_ask: best(&mut data.depth.asks.iter()),
            status: data.status,
        })
    }
}
