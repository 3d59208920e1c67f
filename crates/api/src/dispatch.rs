//! The release dispatcher: every batch of released commands updates the use cases'
//! views (catalog, live accounts, market data), becomes WebSocket messages, and goes
//! on to the projector. One task, in sequence order, so every consumer sees the same
//! order.

use crate::dto::HaltScopeDto;
use crate::routes::market::{candle_dto, ticker_dto};
use crate::routes::risk::risk_dto;
use crate::state::AppState;
use crate::ws::RISK_EVERYONE;
use crate::ws::protocol::{
    BalanceMessage, BookMessage, CandleMessage, OrderEventKind, OrderMessage, PositionMessage,
    RiskEventKind, RiskMessage, ServerMessage, TradeMessage,
};
use bourse_engine::{Event, HaltScope, OrderKind, RiskLimit};
use bourse_journal::Released;
use bourse_market::Update;
use bourse_service::{Catalog, Liquidity};
use bourse_types::{OwnerId, Price, Qty, format_wide};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A batch as it travels from the venue to its consumers.
pub type Batch = Arc<Vec<Released>>;

/// A batch as the venue releases it, with the moment of its release (for
/// `bourse_dispatch_delay_seconds`).
pub type ReleasedBatch = (Instant, Batch);

/// Samples the venue's statistics every [`bourse_service::STATS_INTERVAL`] and sends
/// each sample to the `stats` subscribers. Ends when the venue's state is gone.
pub async fn sample_stats(state: std::sync::Weak<crate::state::Inner>) {
    let mut tick = tokio::time::interval(bourse_service::STATS_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(state) = state.upgrade() else { return };
        if let Some(sample) = state.service.sample_stats()
            && state.hub.has_subscribers(crate::ws::STATS_TOPIC)
        {
            let message = ServerMessage::Stats(crate::dto::stats_sample_dto(&sample));
            state.hub.publish(crate::ws::STATS_TOPIC, message.text());
        }
    }
}

/// Hands each notice of a bounded broadcast to `deliver`, with the venue's state. A
/// forwarder that falls behind skips the oldest notices (each notice carries its whole
/// state, so the next one catches up). Ends when the channel closes or the venue's state
/// is gone.
async fn forward<T: Clone>(
    state: std::sync::Weak<crate::state::Inner>,
    subscribe: impl FnOnce(&crate::state::Inner) -> tokio::sync::broadcast::Receiver<T>,
    deliver: impl Fn(&crate::state::Inner, T),
) {
    let mut notices = match state.upgrade() {
        Some(state) => subscribe(&state),
        None => return,
    };
    loop {
        let notice = match notices.recv().await {
            Ok(notice) => notice,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let Some(state) = state.upgrade() else { return };
        deliver(&state, notice);
    }
}

/// Sends what the strategy runner reports to the owners' `strategies` and `signals`
/// subscribers.
pub async fn forward_strategy_notices(state: std::sync::Weak<crate::state::Inner>) {
    forward(
        state,
        |state| state.service.strategy_notices(),
        |state, notice| match notice {
            bourse_service::StrategyNotice::Changed(view) => {
                let topic = format!("strategies:{}", view.user_id);
                if state.hub.has_subscribers(&topic) {
                    let mut dto =
                        crate::routes::live::strategy_dto(&state.service.catalog(), &view);
                    dto.performance.equity_curve.clear();
                    state
                        .hub
                        .publish(&topic, ServerMessage::Strategy(dto).text());
                }
            }
            bourse_service::StrategyNotice::Signal { user_id, signal } => {
                let topic = format!("signals:{user_id}");
                if state.hub.has_subscribers(&topic) {
                    let dto = crate::routes::live::signal_dto(&signal);
                    state.hub.publish(&topic, ServerMessage::Signal(dto).text());
                }
            }
        },
    )
    .await;
}

/// Sends the backtests' status and progress to their owners' `backtests` topic.
pub async fn forward_backtest_notices(state: std::sync::Weak<crate::state::Inner>) {
    forward(
        state,
        |state| state.service.backtest_notices(),
        |state, notice| {
            let topic = format!("backtests:{}", notice.owner);
            if state.hub.has_subscribers(&topic) {
                let message = crate::dto::BacktestProgressMessage {
                    id: notice.id.to_string(),
                    status: crate::routes::strategies::status_dto(notice.status),
                    progress: crate::routes::strategies::progress_dto(
                        notice.done,
                        notice.total,
                        notice.sweep,
                    ),
                };
                state
                    .hub
                    .publish(&topic, ServerMessage::Backtest(message).text());
            }
        },
    )
    .await;
}

/// How often `risk` subscribers whose limit use changed hear it, at most.
pub const RISK_USAGE_INTERVAL: Duration = Duration::from_secs(1);

/// Runs until the venue's side of `releases` closes, then closes `projector`'s.
/// Between batches, every [`RISK_USAGE_INTERVAL`], publishes the limit use of the
/// `risk` subscribers it concerned.
pub async fn run(
    state: AppState,
    mut releases: mpsc::Receiver<ReleasedBatch>,
    projector: mpsc::Sender<Batch>,
) {
    let mut usage = tokio::time::interval(RISK_USAGE_INTERVAL);
    usage.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            batch = releases.recv() => {
                let Some((released_at, batch)) = batch else { break };
                dispatch(&state, &batch);
                state.metrics.dispatch_delay.observe_duration(released_at.elapsed());
                if projector.send(batch).await.is_err() {
                    tracing::error!("the projector stopped; read models will fall behind");
                }
            }
            _ = usage.tick() => publish_usage(&state),
        }
    }
}

/// Sends the `risk` subscribers whose limit use changed their limits and use now, read
/// from the engine in one query, off the dispatcher's task.
fn publish_usage(state: &AppState) {
    let owners: Vec<u64> =
        std::mem::take(&mut *state.risk_dirty.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .filter(|o| listens(state, OwnerId(*o), "risk"))
            .collect();
    if owners.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(risks) = state.service.risk_overviews(owners).await else {
            return;
        };
        let now = crate::now_rfc3339();
        for risk in &risks {
            let mut message = RiskMessage::new(RiskEventKind::Usage, &now);
            message.usage = Some(risk_dto(risk));
            publish_to(
                &state,
                OwnerId(risk.owner),
                "risk",
                ServerMessage::Risk(message),
            );
        }
    });
}

/// Notes that an owner's limit use may have changed, if it listens on `risk`.
fn touch_risk(state: &AppState, owner: OwnerId) {
    if listens(state, owner, "risk") {
        state
            .risk_dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(owner.0);
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
            publish_risk(state, &catalog, event, time);
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

/// `positions` and `risk` messages of one event, and the owners whose limit use it
/// changed.
fn publish_risk<'a>(
    state: &AppState,
    catalog: &Catalog,
    event: &Event,
    time: impl Fn() -> &'a str,
) {
    match event {
        Event::OrderAccepted(a) => touch_risk(state, a.owner),
        Event::OrderCancelled { owner, .. } | Event::OrderExpired { owner, .. } => {
            touch_risk(state, *owner)
        }
        Event::Trade(t) => {
            touch_risk(state, t.maker_owner);
            touch_risk(state, t.taker_owner);
        }
        Event::Position(p) => {
            touch_risk(state, p.owner);
            if !listens(state, p.owner, "positions") {
                return;
            }
            let Some(instrument) = catalog.instrument(p.instrument).copied() else {
                return;
            };
            let mark = state
                .service
                .market()
                .ticker(p.instrument)
                .and_then(|t| t.last)
                .or(instrument.spec().reference_price);
            let scale = instrument.quote_scale();
            let exponent = u32::from(instrument.price_scale()) + u32::from(instrument.base_scale())
                - u32::from(scale);
            let value = mark.map_or(p.cost, |m| {
                u128::from(m.raw()) * u128::from(p.qty.raw()) / 10u128.pow(exponent)
            });
            let wide = |v: u128| format_wide(i128::try_from(v).unwrap_or(i128::MAX), scale);
            let message = PositionMessage {
                symbol: instrument.symbol().to_string(),
                quantity: instrument.format_qty(p.qty),
                entry_price: (!p.qty.is_zero())
                    .then(|| p.cost * 10u128.pow(exponent) / u128::from(p.qty.raw()))
                    .and_then(|raw| u64::try_from(raw).ok())
                    .map(|raw| instrument.format_price(Price::from_raw(raw))),
                cost: wide(p.cost),
                mark_price: mark.map(|m| instrument.format_price(m)),
                unrealized_pnl: format_wide(value as i128 - p.cost as i128, scale),
                realized_pnl: format_wide(p.realized, scale),
                fees: wide(p.fees),
                opened_at: p.opened_at.map(|t| t.to_rfc3339(3)),
                time: time().to_string(),
            };
            publish_to(
                state,
                p.owner,
                "positions",
                ServerMessage::Position(message),
            );
        }
        Event::OrderTriggered {
            order,
            owner,
            instrument,
            last,
        } if listens(state, *owner, "risk") => {
            let mut message = RiskMessage::new(RiskEventKind::Triggered, time());
            message.order_id = Some(order.0.to_string());
            message.symbol = Some(catalog.symbol_of(*instrument));
            message.price = Some(catalog.price(*instrument, last.raw()));
            publish_to(state, *owner, "risk", ServerMessage::Risk(message));
        }
        Event::TriggerRefused {
            order,
            owner,
            instrument,
            code,
        } if listens(state, *owner, "risk") => {
            let mut message = RiskMessage::new(RiskEventKind::TriggerRefused, time());
            message.order_id = Some(order.0.to_string());
            message.symbol = Some(catalog.symbol_of(*instrument));
            message.code = Some(code.code().to_string());
            publish_to(state, *owner, "risk", ServerMessage::Risk(message));
        }
        Event::TrailingStopMoved {
            order,
            owner,
            instrument,
            trigger_price,
        } if listens(state, *owner, "risk") => {
            let mut message = RiskMessage::new(RiskEventKind::TrailingMoved, time());
            message.order_id = Some(order.0.to_string());
            message.symbol = Some(catalog.symbol_of(*instrument));
            message.price = Some(catalog.price(*instrument, trigger_price.raw()));
            publish_to(state, *owner, "risk", ServerMessage::Risk(message));
        }
        Event::DailyLossBreached(b) if listens(state, b.owner, "risk") => {
            let mut message = RiskMessage::new(RiskEventKind::DailyLossBreached, time());
            let scale = catalog.asset(b.asset).map_or(0, |a| a.scale);
            message.asset = Some(catalog.code_of(b.asset));
            message.pnl = Some(format_wide(b.pnl, scale));
            message.limit = Some(catalog.amount(b.asset, b.limit.raw()));
            publish_to(state, b.owner, "risk", ServerMessage::Risk(message));
        }
        Event::RiskLimitChanged { owner, limit } => {
            let mut message = RiskMessage::new(RiskEventKind::LimitChanged, time());
            message.limit = Some(limit_text(catalog, limit));
            match owner {
                Some(owner) => {
                    touch_risk(state, *owner);
                    if listens(state, *owner, "risk") {
                        publish_to(state, *owner, "risk", ServerMessage::Risk(message));
                    }
                }
                None => {
                    state
                        .hub
                        .publish(RISK_EVERYONE, ServerMessage::Risk(message).text());
                }
            }
        }
        Event::HaltChanged {
            scope,
            halted,
            by,
            reason,
        } => {
            let kind = if *halted {
                RiskEventKind::Halted
            } else {
                RiskEventKind::Resumed
            };
            let mut message = RiskMessage::new(kind, time());
            message.by = Some(by.0.to_string());
            message.reason = Some(reason.as_str().to_string());
            match scope {
                HaltScope::Venue => {
                    message.scope = Some(HaltScopeDto::Venue);
                    state
                        .hub
                        .publish(RISK_EVERYONE, ServerMessage::Risk(message).text());
                }
                HaltScope::Instrument(i) => {
                    message.scope = Some(HaltScopeDto::Instrument);
                    message.symbol = Some(catalog.symbol_of(*i));
                    state
                        .hub
                        .publish(RISK_EVERYONE, ServerMessage::Risk(message).text());
                }
                HaltScope::Account(owner) => {
                    message.scope = Some(HaltScopeDto::Account);
                    message.user_id = Some(owner.0.to_string());
                    touch_risk(state, *owner);
                    if listens(state, *owner, "risk") {
                        publish_to(state, *owner, "risk", ServerMessage::Risk(message));
                    }
                }
            }
        }
        _ => {}
    }
}

/// A limit as words, for a `limit_changed` message.
fn limit_text(catalog: &Catalog, limit: &RiskLimit) -> String {
    let amount = |asset, v: Option<bourse_types::Amount>| {
        v.map_or_else(
            || "none".to_string(),
            |v| {
                format!(
                    "{} {}",
                    catalog.amount(asset, v.raw()),
                    catalog.code_of(asset)
                )
            },
        )
    };
    match *limit {
        RiskLimit::PositionMax { instrument, qty } => format!(
            "position_max {} {}",
            catalog.symbol_of(instrument),
            qty.map_or_else(|| "none".to_string(), |q| catalog.qty(instrument, q.raw()))
        ),
        RiskLimit::OrderNotionalMax { asset, amount: v } => {
            format!("order_notional_max {}", amount(asset, v))
        }
        RiskLimit::OpenNotionalMax { asset, amount: v } => {
            format!("open_notional_max {}", amount(asset, v))
        }
        RiskLimit::OpenOrdersMax { count } => format!(
            "open_orders_max {}",
            count.map_or_else(|| "none".to_string(), |c| c.to_string())
        ),
        RiskLimit::DailyLossMax { asset, amount: v } => {
            format!("daily_loss_max {}", amount(asset, v))
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
