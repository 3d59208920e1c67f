//! The release dispatcher: every batch of released commands updates the use cases'
//! views (catalog, live accounts, market data), becomes WebSocket messages, and goes
//! on to the projector. One task, in sequence order, so every consumer sees the same
//! order.

use crate::routes::market::{candle_dto, ticker_dto};
use crate::state::AppState;
use crate::ws::protocol::{
    BalanceMessage, BookMessage, CandleMessage, OrderEventKind, OrderMessage, ServerMessage,
    TradeMessage,
};
use bourse_engine::{Event, OrderKind};
use bourse_journal::Released;
use bourse_market::Update;
use bourse_service::{Catalog, Liquidity};
use bourse_types::{OwnerId, Price, Qty};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A batch as it travels from the venue to its consumers.
pub type Batch = Arc<Vec<Released>>;

/// Runs until the venue's side of `releases` closes, then closes `projector`'s.
pub async fn run(
    state: AppState,
    mut releases: mpsc::Receiver<Batch>,
    projector: mpsc::Sender<Batch>,
) {
    while let Some(batch) = releases.recv().await {
        dispatch(&state, &batch);
        if projector.send(batch).await.is_err() {
            tracing::error!("the projector stopped; read models will fall behind");
        }
    }
}

/// Applies one batch to the in-memory views and publishes what changed.
pub fn dispatch(state: &AppState, batch: &[Released]) {
    state.service.apply_released(batch);
    publish_market(state, batch);
    publish_private(state, batch);
    if let Some(last) = batch.last() {
        state.service.mark_dispatched(last.seq);
    }
}

fn levels(instrument: &bourse_types::Instrument, levels: &[(Price, Qty)]) -> Vec<[String; 2]> {
    levels
        .iter()
        .map(|(p, q)| [instrument.format_price(*p), instrument.format_qty(*q)])
        .collect()
}

fn publish_market(state: &AppState, batch: &[Released]) {
    // The write lock is held while deltas are published, so that a book snapshot
    // (taken under the read lock) and the deltas after it can never interleave.
    let mut market = state.service.market_mut();
    let updates = market.apply(batch);
    let catalog = state.service.catalog();
    let now = crate::now_rfc3339();
    let publish_ns = crate::state::now_nanos();
    for update in updates {
        match update {
            Update::Depth(delta) => {
                let Some(instrument) = catalog.instrument(delta.instrument) else {
                    continue;
                };
                let symbol = instrument.symbol().to_string();
                let topic = format!("book:{symbol}");
                if !state.hub.has_subscribers(&topic) {
                    continue;
                }
                let message = ServerMessage::BookDelta(BookMessage {
                    bids: levels(instrument, &delta.bids),
                    asks: levels(instrument, &delta.asks),
                    symbol,
                    seq: delta.seq,
                });
                state.hub.publish(&topic, message.text());
            }
            Update::Trade(trade) => {
                let symbol = catalog.symbol_of(trade.instrument);
                let topic = format!("trades:{symbol}");
                if !state.hub.has_subscribers(&topic) {
                    continue;
                }
                let message = ServerMessage::Trade(TradeMessage {
                    id: trade.id.0.to_string(),
                    price: catalog.price(trade.instrument, trade.price.raw()),
                    quantity: catalog.qty(trade.instrument, trade.qty.raw()),
                    side: trade.aggressor.into(),
                    time: trade.ts.to_rfc3339(3),
                    published_ns: publish_ns,
                    symbol,
                });
                state.hub.publish(&topic, message.text());
            }
            Update::Candle {
                instrument,
                interval,
                candle,
            } => {
                let symbol = catalog.symbol_of(instrument);
                let topic = format!("candles:{symbol}:{}", interval.as_str());
                if !state.hub.has_subscribers(&topic) {
                    continue;
                }
                let message = ServerMessage::Candle(CandleMessage {
                    symbol,
                    interval: interval.as_str().to_string(),
                    candle: candle_dto(&catalog, instrument, &candle),
                });
                state.hub.publish(&topic, message.text());
            }
            Update::Ticker(instrument) => {
                let symbol = catalog.symbol_of(instrument);
                let topic = format!("ticker:{symbol}");
                if !state.hub.has_subscribers(&topic) {
                    continue;
                }
                if let Some(ticker) = market.ticker(instrument) {
                    let message = ServerMessage::Ticker(ticker_dto(&catalog, &ticker, &now));
                    state.hub.publish(&topic, message.text());
                }
            }
            Update::Instrument(_) => {}
        }
    }
}

fn order_message(event: OrderEventKind, order: u64, symbol: String, time: &str) -> OrderMessage {
    OrderMessage {
        event,
        order_id: order.to_string(),
        symbol,
        client_order_id: None,
        side: None,
        price: None,
        quantity: None,
        remaining_quantity: None,
        trade_id: None,
        fee: None,
        liquidity: None,
        reason: None,
        time: time.to_string(),
    }
}

fn publish_to(state: &AppState, owner: OwnerId, kind: &str, message: ServerMessage) {
    let topic = format!("{kind}:{}", owner.0);
    state.hub.publish(&topic, message.text());
}

fn listens(state: &AppState, owner: OwnerId, kind: &str) -> bool {
    state.hub.has_subscribers(&format!("{kind}:{}", owner.0))
}

/// Order and balance messages for the owners involved (built only for owners someone
/// listens to).
fn publish_private(state: &AppState, batch: &[Released]) {
    let catalog = state.service.catalog();
    for released in batch {
        let time_text = std::cell::OnceCell::new();
        let time = || time_text.get_or_init(|| released.ts.to_rfc3339(3)).as_str();
        for event in &released.events {
            match event {
                Event::OrderAccepted(a) if listens(state, a.owner, "orders") => {
                    let (price, qty) = match a.kind {
                        OrderKind::Limit { price, qty } => (Some(price), Some(qty)),
                        OrderKind::Market { qty } => (None, Some(qty)),
                        OrderKind::MarketBudget { .. } => (None, None),
                    };
                    let mut message = order_message(
                        OrderEventKind::Accepted,
                        a.order.0,
                        catalog.symbol_of(a.instrument),
                        time(),
                    );
                    message.client_order_id = a.client_order_id.map(|c| c.to_string());
                    message.side = Some(a.side.into());
                    message.price = price.map(|p| catalog.price(a.instrument, p.raw()));
                    message.quantity = qty.map(|q| catalog.qty(a.instrument, q.raw()));
                    publish_to(state, a.owner, "orders", ServerMessage::Order(message));
                }
                Event::Trade(t) => {
                    for (owner, order, leaves, fee, liquidity, side) in [
                        (
                            t.maker_owner,
                            t.maker_order,
                            t.maker_leaves,
                            t.maker_fee,
                            Liquidity::Maker,
                            t.aggressor.opposite(),
                        ),
                        (
                            t.taker_owner,
                            t.taker_order,
                            t.taker_leaves,
                            t.taker_fee,
                            Liquidity::Taker,
                            t.aggressor,
                        ),
                    ] {
                        if !listens(state, owner, "orders") {
                            continue;
                        }
                        let message = fill_message(
                            &catalog,
                            t,
                            order.0,
                            (leaves, fee),
                            liquidity,
                            side,
                            time(),
                        );
                        publish_to(state, owner, "orders", ServerMessage::Order(message));
                    }
                }
                Event::OrderCancelled {
                    order,
                    owner,
                    instrument,
                    leaves,
                    reason,
                } if listens(state, *owner, "orders") => {
                    let mut message = order_message(
                        OrderEventKind::Cancelled,
                        order.0,
                        catalog.symbol_of(*instrument),
                        time(),
                    );
                    message.reason = Some(reason.code().to_string());
                    message.remaining_quantity = Some(catalog.qty(*instrument, leaves.raw()));
                    publish_to(state, *owner, "orders", ServerMessage::Order(message));
                }
                Event::OrderExpired {
                    order,
                    owner,
                    instrument,
                    leaves,
                } if listens(state, *owner, "orders") => {
                    let mut message = order_message(
                        OrderEventKind::Expired,
                        order.0,
                        catalog.symbol_of(*instrument),
                        time(),
                    );
                    message.remaining_quantity = Some(catalog.qty(*instrument, leaves.raw()));
                    publish_to(state, *owner, "orders", ServerMessage::Order(message));
                }
                Event::OrderAmended {
                    order,
                    owner,
                    instrument,
                    price,
                    leaves,
                    ..
                } if listens(state, *owner, "orders") => {
                    let mut message = order_message(
                        OrderEventKind::Amended,
                        order.0,
                        catalog.symbol_of(*instrument),
                        time(),
                    );
                    message.price = Some(catalog.price(*instrument, price.raw()));
                    message.remaining_quantity = Some(catalog.qty(*instrument, leaves.raw()));
                    publish_to(state, *owner, "orders", ServerMessage::Order(message));
                }
                Event::Balance {
                    owner,
                    asset,
                    available,
                    held,
                } if listens(state, *owner, "balances") => {
                    let message = BalanceMessage {
                        asset: catalog.code_of(*asset),
                        available: catalog.amount(*asset, available.raw()),
                        held: catalog.amount(*asset, held.raw()),
                        total: catalog.amount(*asset, available.raw().saturating_add(held.raw())),
                        time: time().to_string(),
                    };
                    publish_to(state, *owner, "balances", ServerMessage::Balance(message));
                }
                _ => {}
            }
        }
    }
}

fn fill_message(
    catalog: &Catalog,
    trade: &bourse_engine::Trade,
    order: u64,
    (leaves, fee): (Qty, bourse_types::Amount),
    liquidity: Liquidity,
    side: bourse_types::Side,
    time: &str,
) -> OrderMessage {
    let instrument = trade.instrument;
    let mut message = order_message(
        OrderEventKind::Fill,
        order,
        catalog.symbol_of(instrument),
        time,
    );
    message.trade_id = Some(trade.id.0.to_string());
    message.side = Some(side.into());
    message.price = Some(catalog.price(instrument, trade.price.raw()));
    message.quantity = Some(catalog.qty(instrument, trade.qty.raw()));
    message.remaining_quantity = Some(catalog.qty(instrument, leaves.raw()));
    message.fee = Some(catalog.notional(instrument, fee.raw()));
    message.liquidity = Some(liquidity.as_str().to_string());
    message
}
