//! Orders: place, list, get, amend, cancel, cancel all. Placement, amendment and
//! cancellation go through the engine; the answer comes once the command is durable.

use super::{created, ok, page, paginated, parse_id, time};
use crate::auth::{Auth, Principal};
use crate::catalog::{Catalog, average_price, parse_amount, parse_price, parse_qty};
use crate::dto::{
    AmendOrder, CancelAllResponse, Envelope, FillDto, OrderDto, OrderQuery, Paginated, PlaceOrder,
    SymbolQuery,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use bourse_engine::{Command, Event, NewOrder, OrderKind, OrderRef};
use bourse_journal::Released;
use bourse_store::{OrderFilter, OrderRow, OrderStatusFilter};
use bourse_types::{
    CancelReason, ClientOrderId, OrderId, OwnerId, Side, StpMode, TimeInForce, Timestamp,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", post(place).get(list).delete(cancel_all))
        .route("/orders/{id}", get(get_order).delete(cancel).patch(amend))
}

fn parse_side(text: &str) -> Result<Side> {
    match text.to_ascii_lowercase().as_str() {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        _ => Err(ApiError::validation(format!(
            "side is `buy` or `sell`, not {text:?}"
        ))),
    }
}

fn parse_tif(text: &str) -> Result<TimeInForce> {
    match text.to_ascii_uppercase().as_str() {
        "GTC" => Ok(TimeInForce::Gtc),
        "IOC" => Ok(TimeInForce::Ioc),
        "FOK" => Ok(TimeInForce::Fok),
        "GTD" => Ok(TimeInForce::Gtd),
        _ => Err(ApiError::validation(format!(
            "time_in_force is GTC, IOC, FOK or GTD, not {text:?}"
        ))),
    }
}

fn parse_stp(text: &str) -> Result<StpMode> {
    match text {
        "cancel_newest" => Ok(StpMode::CancelNewest),
        "cancel_oldest" => Ok(StpMode::CancelOldest),
        "cancel_both" => Ok(StpMode::CancelBoth),
        _ => Err(ApiError::validation(format!(
            "stp is cancel_newest, cancel_oldest or cancel_both, not {text:?}"
        ))),
    }
}

/// Turns a request into an engine order, checking its form; the engine checks the
/// trading rules.
pub fn new_order(catalog: &Catalog, owner: u64, request: &PlaceOrder) -> Result<NewOrder> {
    let instrument = catalog.symbol(&request.symbol)?;
    let side = parse_side(&request.side)?;
    let kind = match request.kind.to_ascii_lowercase().as_str() {
        "limit" => {
            if request.quote_amount.is_some() {
                return Err(ApiError::validation("quote_amount is for market buys only"));
            }
            let price = request
                .price
                .as_deref()
                .ok_or_else(|| ApiError::validation("a limit order needs a price"))?;
            let qty = request
                .quantity
                .as_deref()
                .ok_or_else(|| ApiError::validation("a limit order needs a quantity"))?;
            OrderKind::Limit {
                price: parse_price(&instrument, "price", price)?,
                qty: parse_qty(&instrument, "quantity", qty)?,
            }
        }
        "market" => {
            if request.price.is_some() {
                return Err(ApiError::validation("a market order has no price"));
            }
            match (&request.quantity, &request.quote_amount) {
                (Some(qty), None) => OrderKind::Market {
                    qty: parse_qty(&instrument, "quantity", qty)?,
                },
                (None, Some(quote)) => {
                    if side != Side::Buy {
                        return Err(ApiError::validation(
                            "only a market buy may give quote_amount",
                        ));
                    }
                    OrderKind::MarketBudget {
                        quote: parse_amount(instrument.quote_scale(), "quote_amount", quote)?,
                    }
                }
                _ => {
                    return Err(ApiError::validation(
                        "a market order gives either quantity or quote_amount",
                    ));
                }
            }
        }
        other => {
            return Err(ApiError::validation(format!(
                "type is `limit` or `market`, not {other:?}"
            )));
        }
    };
    let tif = match &request.time_in_force {
        Some(text) => parse_tif(text)?,
        None if matches!(kind, OrderKind::Limit { .. }) => TimeInForce::Gtc,
        None => TimeInForce::Ioc,
    };
    let client_order_id = request
        .client_order_id
        .as_deref()
        .map(|c| {
            ClientOrderId::new(c).map_err(|e| {
                ApiError::validation(format!(
                    "client_order_id: {e} (1 to 36 of letters, digits and `._:-`)"
                ))
            })
        })
        .transpose()?;
    Ok(NewOrder {
        owner: OwnerId(owner),
        instrument: instrument.id(),
        side,
        kind,
        tif,
        post_only: request.post_only,
        stp: request
            .stp
            .as_deref()
            .map(parse_stp)
            .transpose()?
            .unwrap_or_default(),
        client_order_id,
        expire_at: request.expire_at.map(Timestamp::from_millis),
    })
}

/// The engine's refusal, if the command was refused, as an API error.
fn rejection(released: &Released) -> Option<ApiError> {
    released.events.iter().find_map(|event| match event {
        Event::Rejected(r) => {
            let mut error = ApiError::rejected(r.code);
            if r.code == bourse_engine::RejectCode::DuplicateClientOrderId
                && let Some(order) = r.order
            {
                error = error.with_details(serde_json::json!({ "order_id": order.0.to_string() }));
            }
            Some(error)
        }
        _ => None,
    })
}

/// The order as the placement's events leave it.
fn placed_order(catalog: &Catalog, released: &Released) -> Result<OrderDto> {
    if let Some(error) = rejection(released) {
        return Err(error);
    }
    let accepted = released
        .events
        .iter()
        .find_map(|e| match e {
            Event::OrderAccepted(a) => Some(*a),
            _ => None,
        })
        .ok_or_else(|| ApiError::internal("a placement produced no acceptance"))?;
    let instrument = catalog
        .instrument(accepted.instrument)
        .copied()
        .ok_or_else(|| ApiError::internal("an order on an unknown instrument"))?;
    let (kind, price, qty, quote) = match accepted.kind {
        OrderKind::Limit { price, qty } => ("limit", Some(price.raw()), Some(qty.raw()), None),
        OrderKind::Market { qty } => ("market", None, Some(qty.raw()), None),
        OrderKind::MarketBudget { quote } => ("market_budget", None, None, Some(quote.raw())),
    };
    let mut row = OrderRow {
        id: accepted.order.0,
        owner: accepted.owner.0,
        instrument: accepted.instrument.0,
        side: accepted.side.as_str().to_string(),
        kind: kind.to_string(),
        price,
        qty,
        quote_budget: quote,
        leaves: qty.unwrap_or(0),
        filled: 0,
        filled_notional: 0,
        fees: 0,
        tif: accepted.tif.as_str().to_string(),
        post_only: accepted.post_only,
        stp: accepted.stp.as_str().to_string(),
        client_order_id: accepted.client_order_id.map(|c| c.to_string()),
        expire_at: accepted.expire_at.map(|t| t.nanos()),
        status: "open".to_string(),
        reason: None,
        created_at: released.ts.nanos(),
        updated_at: released.ts.nanos(),
        seq: released.seq,
    };
    let mut fills = Vec::new();
    for event in &released.events {
        match event {
            Event::Trade(t) if t.taker_order == accepted.order => {
                row.filled += t.qty.raw();
                row.filled_notional += t.notional.raw();
                row.fees += t.taker_fee.raw();
                row.leaves = t.taker_leaves.raw();
                fills.push(FillDto {
                    trade_id: t.id.0.to_string(),
                    price: instrument.format_price(t.price),
                    quantity: instrument.format_qty(t.qty),
                    fee: instrument.format_notional(t.taker_fee),
                    liquidity: "taker".to_string(),
                });
            }
            Event::OrderCancelled {
                order,
                reason,
                leaves,
                ..
            } if *order == accepted.order => {
                let spent = *reason == CancelReason::BudgetExhausted && row.filled > 0;
                row.status = if spent { "filled" } else { "cancelled" }.to_string();
                row.reason = (!spent).then(|| reason.code().to_string());
                row.leaves = leaves.raw();
            }
            _ => {}
        }
    }
    if row.status == "open" && row.filled > 0 {
        row.status = if row.leaves == 0 {
            "filled"
        } else {
            "partially_filled"
        }
        .to_string();
    }
    let mut dto = order_dto(catalog, &row);
    dto.fills = fills;
    Ok(dto)
}

pub fn order_dto(catalog: &Catalog, row: &OrderRow) -> OrderDto {
    let id = bourse_types::InstrumentId(row.instrument);
    let instrument = catalog.instrument(id);
    OrderDto {
        id: row.id.to_string(),
        client_order_id: row.client_order_id.clone(),
        symbol: catalog.symbol_of(id),
        side: row.side.clone(),
        kind: row.kind.clone(),
        price: row.price.map(|p| catalog.price(id, p)),
        quantity: row.qty.map(|q| catalog.qty(id, q)),
        quote_amount: row.quote_budget.map(|q| catalog.notional(id, q)),
        filled_quantity: catalog.qty(id, row.filled),
        remaining_quantity: catalog.qty(id, row.leaves),
        filled_value: catalog.notional(id, row.filled_notional),
        average_price: instrument.and_then(|i| {
            average_price(i, row.filled_notional, row.filled).map(|p| i.format_price(p))
        }),
        fees: catalog.notional(id, row.fees),
        status: row.status.clone(),
        reason: row.reason.clone(),
        time_in_force: row.tif.clone(),
        post_only: row.post_only,
        stp: row.stp.clone(),
        expire_at: row.expire_at.map(time),
        created_at: time(row.created_at),
        updated_at: time(row.updated_at),
        fills: Vec::new(),
    }
}

/// Places an order for the caller (REST and WebSocket).
pub async fn place_order(
    state: &AppState,
    principal: Principal,
    request: PlaceOrder,
) -> Result<OrderDto> {
    principal.require_trade()?;
    let order = new_order(&state.catalog(), principal.user_id, &request)?;
    state.ensure_account(principal.user_id).await?;
    let released = state.execute(Command::Place(order)).await?;
    placed_order(&state.catalog(), &released)
}

fn order_id(text: &str) -> Result<OrderId> {
    parse_id(text, "order id").map(OrderId)
}

/// Loads one of the caller's orders after the read models caught up.
async fn owned_order(state: &AppState, principal: Principal, id: u64) -> Result<OrderRow> {
    state.wait_for_reads().await;
    match state.store.order(id).await? {
        Some(row) if row.owner == principal.user_id => Ok(row),
        _ => Err(ApiError::not_found("UNKNOWN_ORDER", "no such order")),
    }
}

/// Cancels one of the caller's orders (REST and WebSocket).
pub async fn cancel_order(state: &AppState, principal: Principal, id: &str) -> Result<OrderDto> {
    principal.require_trade()?;
    let id = order_id(id)?;
    let released = state
        .execute(Command::Cancel {
            owner: OwnerId(principal.user_id),
            order: OrderRef::Id(id),
        })
        .await?;
    if let Some(error) = rejection(&released) {
        return Err(error);
    }
    let row = owned_order(state, principal, id.0).await?;
    Ok(order_dto(&state.catalog(), &row))
}

/// Amends one of the caller's orders (REST and WebSocket).
pub async fn amend_order(
    state: &AppState,
    principal: Principal,
    id: &str,
    request: AmendOrder,
) -> Result<OrderDto> {
    principal.require_trade()?;
    let id = order_id(id)?;
    state.wait_for_reads().await;
    let current = state
        .store
        .order(id.0)
        .await?
        .filter(|o| o.owner == principal.user_id && o.is_open())
        .ok_or_else(|| ApiError::not_found("UNKNOWN_ORDER", "no such open order"))?;
    let instrument = state
        .catalog()
        .instrument(bourse_types::InstrumentId(current.instrument))
        .copied()
        .ok_or_else(|| ApiError::internal("an order on an unknown instrument"))?;
    let price = request
        .price
        .as_deref()
        .map(|p| parse_price(&instrument, "price", p))
        .transpose()?;
    let qty = request
        .quantity
        .as_deref()
        .map(|q| parse_qty(&instrument, "quantity", q))
        .transpose()?;
    if price.is_none() && qty.is_none() {
        return Err(ApiError::validation(
            "give a new price, a new quantity, or both",
        ));
    }
    let released = state
        .execute(Command::Amend {
            owner: OwnerId(principal.user_id),
            order: OrderRef::Id(id),
            price,
            qty,
        })
        .await?;
    if let Some(error) = rejection(&released) {
        return Err(error);
    }
    let fills: Vec<FillDto> = released
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Trade(t) if t.taker_order == id => Some(FillDto {
                trade_id: t.id.0.to_string(),
                price: instrument.format_price(t.price),
                quantity: instrument.format_qty(t.qty),
                fee: instrument.format_notional(t.taker_fee),
                liquidity: "taker".to_string(),
            }),
            _ => None,
        })
        .collect();
    let row = owned_order(state, principal, id.0).await?;
    let mut dto = order_dto(&state.catalog(), &row);
    dto.fills = fills;
    Ok(dto)
}

/// Place an order. The answer comes once the order is durable, with any fills it had
/// on arrival.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = PlaceOrder,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = Envelope<OrderDto>),
              (status = 400, description = "a validation error or an engine rejection (see docs/errors.md)", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN or ACCOUNT_HALTED", body = ErrorEnvelope),
              (status = 409, description = "DUPLICATE_CLIENT_ORDER_ID (details.order_id), INSTRUMENT_HALTED", body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope),
              (status = 503, description = "OVERLOADED or JOURNAL_UNAVAILABLE", body = ErrorEnvelope)))]
pub async fn place(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(body): Json<PlaceOrder>,
) -> Result<(StatusCode, axum::Json<Envelope<OrderDto>>)> {
    Ok(created(place_order(&state, principal, body).await?))
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<OrderDto>>), (status = 400, body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<OrderQuery>,
) -> Result<axum::Json<Envelope<Paginated<OrderDto>>>> {
    principal.require_read()?;
    let filter = order_filter(&state, Some(principal.user_id), &query)?;
    let page = page(query.page, query.limit)?;
    state.wait_for_reads().await;
    let (rows, total) = state.store.orders(filter, page).await?;
    let catalog = state.catalog();
    Ok(ok(paginated(
        rows.iter().map(|r| order_dto(&catalog, r)).collect(),
        page,
        total,
    )))
}

pub fn order_filter(
    state: &AppState,
    owner: Option<u64>,
    query: &OrderQuery,
) -> Result<OrderFilter> {
    let instrument = match &query.symbol {
        Some(symbol) => Some(state.catalog().symbol(symbol)?.id().0),
        None => None,
    };
    let status = match query.status.as_deref() {
        None | Some("all") => OrderStatusFilter::All,
        Some("open") => OrderStatusFilter::Open,
        Some("closed") => OrderStatusFilter::Closed,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "status is open, closed or all, not {other:?}"
            )));
        }
    };
    let side = match query.side.as_deref() {
        None => None,
        Some(side) => Some(parse_side(side)?.as_str()),
    };
    Ok(OrderFilter {
        owner,
        instrument,
        side,
        status,
    })
}

/// One of the caller's orders.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<OrderDto>), (status = 404, description = "UNKNOWN_ORDER", body = ErrorEnvelope)))]
pub async fn get_order(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<OrderDto>>> {
    principal.require_read()?;
    let row = owned_order(&state, principal, order_id(&id)?.0).await?;
    Ok(ok(order_dto(&state.catalog(), &row)))
}

/// Cancel one of the caller's open orders.
#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<OrderDto>), (status = 404, description = "UNKNOWN_ORDER", body = ErrorEnvelope)))]
pub async fn cancel(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<OrderDto>>> {
    Ok(ok(cancel_order(&state, principal, &id).await?))
}

/// Amend one of the caller's open orders: a new price and/or remaining quantity.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)), request_body = AmendOrder,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<OrderDto>), (status = 400, body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ORDER", body = ErrorEnvelope)))]
pub async fn amend(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<AmendOrder>,
) -> Result<axum::Json<Envelope<OrderDto>>> {
    Ok(ok(amend_order(&state, principal, &id, body).await?))
}

/// Cancel all of the caller's open orders, or those on one symbol.
#[utoipa::path(delete, path = "/api/v1/orders", tag = "orders", params(SymbolQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<CancelAllResponse>)))]
pub async fn cancel_all(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<SymbolQuery>,
) -> Result<axum::Json<Envelope<CancelAllResponse>>> {
    principal.require_trade()?;
    let instrument = match &query.symbol {
        Some(symbol) => Some(state.catalog().symbol(symbol)?.id()),
        None => None,
    };
    state.ensure_account(principal.user_id).await?;
    let released = state
        .execute(Command::CancelAll {
            owner: Some(OwnerId(principal.user_id)),
            instrument,
        })
        .await?;
    if let Some(error) = rejection(&released) {
        return Err(error);
    }
    let cancelled = released
        .events
        .iter()
        .filter_map(|e| match e {
            Event::OrderCancelled { order, .. } => Some(order.0.to_string()),
            _ => None,
        })
        .collect();
    Ok(ok(CancelAllResponse { cancelled }))
}
