//! The release dispatcher: every batch of released commands updates the catalog and
//! the market data, becomes WebSocket messages, and goes on to the projector. One task,
//! in sequence order, so every consumer sees the same order.

use crate::state::AppState;
use crate::ws::text;
use bourse_engine::{Event, OrderKind};
use bourse_journal::Released;
use bourse_market::Update;
use bourse_types::{InstrumentId, Side};
use serde_json::{Value, json};
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
    for released in batch {
        for event in &released.events {
            match event {
                Event::AssetListed(asset) => state
                    .catalog
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .add_asset(*asset),
                Event::InstrumentListed(instrument) => {
                    state
                        .catalog
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .add_instrument(*instrument);
                }
                Event::AccountOpened { owner } => state.note_owner(owner.0),
                Event::Transfer(t) => state.note_owner(t.owner.0),
                _ => {}
            }
        }
    }
    publish_market(state, batch);
    publish_private(state, batch);
}

fn publish_market(state: &AppState, batch: &[Released]) {
    // The write lock is held while deltas are published, so that a book snapshot
    // (taken under the read lock) and the deltas after it can never interleave.
    let mut market = state.market.write().unwrap_or_else(|e| e.into_inner());
    let updates = market.apply(batch);
    let catalog = state.catalog();
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
                let levels =
                    |levels: &[(bourse_types::Price, bourse_types::Qty)]| -> Vec<[String; 2]> {
                        levels
                            .iter()
                            .map(|(p, q)| [instrument.format_price(*p), instrument.format_qty(*q)])
                            .collect()
                    };
                let message = json!({
                    "type": "book_delta", "symbol": symbol, "seq": delta.seq,
                    "bids": levels(&delta.bids), "asks": levels(&delta.asks),
                });
                state.hub.publish(&topic, text(&message));
            }
            Update::Trade(trade) => {
                let symbol = catalog.symbol_of(trade.instrument);
                let topic = format!("trades:{symbol}");
                if !state.hub.has_subscribers(&topic) {
                    continue;
                }
                let message = json!({
                    "type": "trade", "symbol": symbol, "id": trade.id.0.to_string(),
                    "price": catalog.price(trade.instrument, trade.price.raw()),
                    "quantity": catalog.qty(trade.instrument, trade.qty.raw()),
                    "side": trade.aggressor.as_str(),
                    "time": trade.ts.to_rfc3339(3),
                    "published_ns": publish_ns,
                });
                state.hub.publish(&topic, text(&message));
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
                let message = json!({
                    "type": "candle", "symbol": symbol, "interval": interval.as_str(),
                    "candle": crate::routes::market::candle_dto(&catalog, instrument, &candle),
                });
                state.hub.publish(&topic, text(&message));
            }
            Update::Ticker(instrument) => {
                let symbol = catalog.symbol_of(instrument);
                let topic = format!("ticker:{symbol}");
                if !state.hub.has_subscribers(&topic) {
                    continue;
                }
                if let Some(ticker) = market.ticker(instrument) {
                    let mut value = serde_json::to_value(crate::routes::market::ticker_dto(
                        &catalog, &ticker, &now,
                    ))
                    .unwrap_or(Value::Null);
                    if let Value::Object(map) = &mut value {
                        map.insert("type".to_string(), Value::from("ticker"));
                    }
                    state.hub.publish(&topic, text(&value));
                }
            }
            Update::Instrument(_) => {}
        }
    }
}

/// Order and balance messages for the owners involved.
fn publish_private(state: &AppState, batch: &[Released]) {
    let catalog = state.catalog();
    for released in batch {
        let time_text = std::cell::OnceCell::new();
        let time = || time_text.get_or_init(|| released.ts.to_rfc3339(3)).as_str();
        for event in &released.events {
            // Messages are built only for owners someone listens to.
            let target = match event {
                Event::OrderAccepted(a) => Some((a.owner.0, "orders")),
                Event::OrderCancelled { owner, .. }
                | Event::OrderExpired { owner, .. }
                | Event::OrderAmended { owner, .. } => Some((owner.0, "orders")),
                Event::Balance { owner, .. } => Some((owner.0, "balances")),
                _ => None,
            };
            if let Some((owner, kind)) = target
                && !state.hub.has_subscribers(&format!("{kind}:{owner}"))
            {
                continue;
            }
            let (owner, topic_kind, message) = match event {
                Event::OrderAccepted(a) => {
                    let (price, qty) = match a.kind {
                        OrderKind::Limit { price, qty } => (Some(price), Some(qty)),
                        OrderKind::Market { qty } => (None, Some(qty)),
                        OrderKind::MarketBudget { .. } => (None, None),
                    };
                    let message = json!({
                        "type": "order", "event": "accepted", "order_id": a.order.0.to_string(),
                        "client_order_id": a.client_order_id.map(|c| c.to_string()),
                        "symbol": catalog.symbol_of(a.instrument), "side": a.side.as_str(),
                        "price": price.map(|p| catalog.price(a.instrument, p.raw())),
                        "quantity": qty.map(|q| catalog.qty(a.instrument, q.raw())),
                        "time": time(),
                    });
                    (a.owner.0, "orders", message)
                }
                Event::Trade(t) => {
                    for (owner, order, leaves, fee, liquidity, side) in [
                        (
                            t.maker_owner,
                            t.maker_order,
                            t.maker_leaves,
                            t.maker_fee,
                            "maker",
                            t.aggressor.opposite(),
                        ),
                        (
                            t.taker_owner,
                            t.taker_order,
                            t.taker_leaves,
                            t.taker_fee,
                            "taker",
                            t.aggressor,
                        ),
                    ] {
                        if !state.hub.has_subscribers(&format!("orders:{}", owner.0)) {
                            continue;
                        }
                        let message = fill_message(
                            &catalog,
                            t.instrument,
                            t,
                            order.0,
                            leaves.raw(),
                            fee.raw(),
                            liquidity,
                            side,
                            time(),
                        );
                        publish_to(state, owner.0, "orders", &message);
                    }
                    continue;
                }
                Event::OrderCancelled {
                    order,
                    owner,
                    instrument,
                    leaves,
                    reason,
                } => (
                    owner.0,
                    "orders",
                    json!({
                        "type": "order", "event": "cancelled", "order_id": order.0.to_string(),
                        "symbol": catalog.symbol_of(*instrument), "reason": reason.code(),
                        "remaining_quantity": catalog.qty(*instrument, leaves.raw()), "time": time(),
                    }),
                ),
                Event::OrderExpired {
                    order,
                    owner,
                    instrument,
                    leaves,
                } => (
                    owner.0,
                    "orders",
                    json!({
                        "type": "order", "event": "expired", "order_id": order.0.to_string(),
                        "symbol": catalog.symbol_of(*instrument),
                        "remaining_quantity": catalog.qty(*instrument, leaves.raw()), "time": time(),
                    }),
                ),
                Event::OrderAmended {
                    order,
                    owner,
                    instrument,
                    price,
                    leaves,
                    ..
                } => (
                    owner.0,
                    "orders",
                    json!({
                        "type": "order", "event": "amended", "order_id": order.0.to_string(),
                        "symbol": catalog.symbol_of(*instrument),
                        "price": catalog.price(*instrument, price.raw()),
                        "remaining_quantity": catalog.qty(*instrument, leaves.raw()), "time": time(),
                    }),
                ),
                Event::Balance {
                    owner,
                    asset,
                    available,
                    held,
                } => (
                    owner.0,
                    "balances",
                    json!({
                        "type": "balance", "asset": catalog.code_of(*asset),
                        "available": catalog.amount(*asset, available.raw()),
                        "held": catalog.amount(*asset, held.raw()),
                        "total": catalog.amount(*asset, available.raw().saturating_add(held.raw())),
                        "time": time(),
                    }),
                ),
                _ => continue,
            };
            publish_to(state, owner, topic_kind, &message);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn fill_message(
    catalog: &crate::catalog::Catalog,
    instrument: InstrumentId,
    trade: &bourse_engine::Trade,
    order: u64,
    leaves: u64,
    fee: u64,
    liquidity: &str,
    side: Side,
    time: &str,
) -> Value {
    json!({
        "type": "order", "event": "fill", "order_id": order.to_string(), "trade_id": trade.id.0.to_string(),
        "symbol": catalog.symbol_of(instrument), "side": side.as_str(),
        "price": catalog.price(instrument, trade.price.raw()),
        "quantity": catalog.qty(instrument, trade.qty.raw()),
        "remaining_quantity": catalog.qty(instrument, leaves),
        "fee": catalog.notional(instrument, fee), "liquidity": liquidity, "time": time,
    })
}

fn publish_to(state: &AppState, owner: u64, kind: &str, message: &Value) {
    let topic = format!("{kind}:{owner}");
    if state.hub.has_subscribers(&topic) {
        state.hub.publish(&topic, text(message));
    }
}
