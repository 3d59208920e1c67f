//! Orders over REST: place, list, get, amend, cancel, cancel all. Each handler parses
//! its request, calls the use case and renders the result; the rules live in
//! `bourse-service`.

use super::{created, in_account, ok, page, paginated, parse_id, time};
use crate::auth::Auth;
use crate::dto::{
    AccountQuery, AmendOrder, BracketDto, CancelAllQuery, CancelAllResponse, Envelope, FillDto,
    LiquidityDto, OcoDto, OrderDto, OrderKindDto, OrderQuery, OrderStatusQueryDto, Paginated,
    PlaceOco, PlaceOrder,
};
use crate::error::{ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use bourse_engine::{OrderKind, OrderRecord, TrailingOffset, Trigger};
use bourse_service::{Catalog, Fill, Liquidity, OrderStatusFilter, PlacedOrder, average_price};
use bourse_types::OrderId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", post(place).get(list).delete(cancel_all))
        .route("/orders/oco", post(place_oco))
        .route("/orders/{id}", get(get_order).patch(amend))
        .route("/orders/{id}/cancel", post(cancel))
}

pub fn fill_dto(catalog: &Catalog, order: &OrderRecord, fill: &Fill) -> FillDto {
    FillDto {
        trade_id: fill.trade_id.0.to_string(),
        price: catalog.price(order.instrument, fill.price.raw()),
        quantity: catalog.qty(order.instrument, fill.qty.raw()),
        fee: catalog.notional(order.instrument, fill.fee.raw()),
        liquidity: match fill.liquidity {
            Liquidity::Maker => LiquidityDto::Maker,
            Liquidity::Taker => LiquidityDto::Taker,
        },
    }
}

pub fn order_dto(catalog: &Catalog, order: &OrderRecord) -> OrderDto {
    let id = order.instrument;
    let instrument = catalog.instrument(id);
    let (price, quote) = match order.kind {
        OrderKind::Limit { price, .. } => (Some(price.raw()), None),
        OrderKind::Market { .. } => (None, None),
        OrderKind::MarketBudget { quote } => (None, Some(quote.raw())),
    };
    OrderDto {
        id: order.id.0.to_string(),
        client_order_id: order.client_order_id.map(|c| c.to_string()),
        symbol: catalog.symbol_of(id),
        side: order.side.into(),
        kind: OrderKindDto::of(order),
        price: price.map(|p| catalog.price(id, p)),
        quantity: order.qty().map(|q| catalog.qty(id, q.raw())),
        quote_amount: quote.map(|q| catalog.notional(id, q)),
        filled_quantity: catalog.qty(id, order.filled.raw()),
        remaining_quantity: catalog.qty(id, order.leaves.raw()),
        filled_value: catalog.notional(id, order.filled_notional.raw()),
        average_price: instrument.and_then(|i| {
            average_price(i, order.filled_notional.raw(), order.filled.raw())
                .map(|p| i.format_price(p))
        }),
        fees: catalog.notional(id, order.fees.raw()),
        status: order.status.into(),
        reason: order.reason.map(|r| r.code().to_string()),
        time_in_force: order.tif.into(),
        post_only: order.post_only,
        stp: order.stp.into(),
        expire_at: order.expire_at.map(|t| time(t.nanos())),
        created_at: time(order.created_at.nanos()),
        updated_at: time(order.updated_at.nanos()),
        trigger_price: order.trigger_price.map(|p| catalog.price(id, p.raw())),
        trailing_offset: match order.trigger {
            Some(Trigger::TrailingStop {
                offset: TrailingOffset::Price(p),
            }) => Some(catalog.price(id, p.raw())),
            _ => None,
        },
        trailing_bps: match order.trigger {
            Some(Trigger::TrailingStop {
                offset: TrailingOffset::Bps(bps),
            }) => Some(bps),
            _ => None,
        },
        triggered_at: order.triggered_at.map(|t| time(t.nanos())),
        trigger_refused: order.trigger_refused.map(|c| c.code().to_string()),
        reduce_only: order.reduce_only,
        oco_order_id: order.oco.map(|o| o.0.to_string()),
        parent_order_id: order.parent.map(|o| o.0.to_string()),
        bracket: order.attached.map(|a| BracketDto {
            stop_loss: a.stop_loss.map(|p| catalog.price(id, p.raw())),
            take_profit: a.take_profit.map(|p| catalog.price(id, p.raw())),
        }),
        fills: Vec::new(),
    }
}

/// An order with the fills of the request that answered it.
pub fn placed_dto(catalog: &Catalog, placed: &PlacedOrder) -> OrderDto {
    let mut dto = order_dto(catalog, &placed.order);
    dto.fills = placed
        .fills
        .iter()
        .map(|f| fill_dto(catalog, &placed.order, f))
        .collect();
    dto
}

fn order_id(text: &str) -> Result<OrderId> {
    parse_id(text, "order id").map(OrderId)
}

pub fn status_filter(status: Option<OrderStatusQueryDto>) -> OrderStatusFilter {
    match status {
        Some(OrderStatusQueryDto::Open) => OrderStatusFilter::Open,
        Some(OrderStatusQueryDto::Closed) => OrderStatusFilter::Closed,
        Some(OrderStatusQueryDto::All) | None => OrderStatusFilter::All,
    }
}

/// Place an order. The answer comes once the order is durable, with any fills it had
/// on arrival.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", operation_id = "placeOrder",
    request_body = PlaceOrder, params(AccountQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "the order as accepted, with its fills so far", body = Envelope<OrderDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal: the request does not fit the schema", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN or ACCOUNT_HALTED", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT", body = ErrorEnvelope),
              (status = 409, description = "refused by the venue's rules or state: INSUFFICIENT_FUNDS, PRICE_OUT_OF_BAND, INVALID_TICK, INVALID_LOT, TOO_MANY_DECIMALS, DUPLICATE_CLIENT_ORDER_ID (details.order_id), INSTRUMENT_HALTED, TOO_MANY_OPEN_ORDERS...", body = ErrorEnvelope)))]
pub async fn place(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(account): Query<AccountQuery>,
    Json(body): Json<PlaceOrder>,
) -> Result<(StatusCode, axum::Json<Envelope<OrderDto>>)> {
    body.check()?;
    let actor = in_account(&state, &actor, account.account.as_deref())?;
    let placed = state
        .service
        .place_order(&actor, &body.to_request())
        .await?;
    Ok(created(placed_dto(&state.service.catalog(), &placed)))
}

/// Place a one-cancels-the-other pair: when one leg fills (in part or in full) or
/// triggers, the other is cancelled in the same command.
#[utoipa::path(post, path = "/api/v1/orders/oco", tag = "orders", operation_id = "placeOco",
    request_body = PlaceOco, params(AccountQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, description = "both legs as accepted", body = Envelope<OcoDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN or ACCOUNT_HALTED", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT", body = ErrorEnvelope),
              (status = 409, description = "INVALID_OCO (the legs do not make a pair), TRIGGER_WOULD_FIRE, INSUFFICIENT_FUNDS and the other refusals of a placement", body = ErrorEnvelope)))]
pub async fn place_oco(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(account): Query<AccountQuery>,
    Json(body): Json<PlaceOco>,
) -> Result<(StatusCode, axum::Json<Envelope<OcoDto>>)> {
    body.first.check()?;
    body.second.check()?;
    let actor = in_account(&state, &actor, account.account.as_deref())?;
    let placed = state
        .service
        .place_oco(&actor, &body.first.to_request(), &body.second.to_request())
        .await?;
    let catalog = state.service.catalog();
    Ok(created(OcoDto {
        first: placed_dto(&catalog, &placed.first),
        second: placed_dto(&catalog, &placed.second),
    }))
}

/// The caller's orders, newest first. Open orders come from the venue's live view;
/// closed ones from the read models (503 `DATABASE_UNAVAILABLE` while those are away).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", operation_id = "listOrders", params(OrderQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<OrderDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<OrderQuery>,
) -> Result<axum::Json<Envelope<Paginated<OrderDto>>>> {
    actor.require_read()?;
    let actor = in_account(&state, &actor, query.account.as_deref())?;
    let page = page(query.page, query.limit)?;
    let list = state
        .service
        .orders(
            Some(actor.owner.0),
            query.symbol.as_deref(),
            query.side.map(Into::into),
            status_filter(query.status),
            page,
        )
        .await?;
    let catalog = state.service.catalog();
    Ok(ok(paginated(
        list.orders.iter().map(|o| order_dto(&catalog, o)).collect(),
        page,
        list.total,
    )))
}

/// One of the caller's orders.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", operation_id = "getOrder",
    params(("id" = String, Path, description = "the order's id", pattern = r"^[0-9]{1,19}$"), AccountQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<OrderDto>),
              (status = 400, description = "VALIDATION_ERROR: the id is not a number", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ORDER, UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn get_order(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Query(account): Query<AccountQuery>,
) -> Result<axum::Json<Envelope<OrderDto>>> {
    let actor = in_account(&state, &actor, account.account.as_deref())?;
    let order = state.service.order(&actor, order_id(&id)?).await?;
    Ok(ok(order_dto(&state.service.catalog(), &order)))
}

/// Cancel one of the caller's open orders. The order stays readable (`GET
/// /orders/{id}`), with status `cancelled` or, if it had filled in full first,
/// `filled`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", operation_id = "cancelOrder",
    params(("id" = String, Path, description = "the order's id", pattern = r"^[0-9]{1,19}$"), AccountQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the order as the cancel left it", body = Envelope<OrderDto>),
              (status = 400, description = "VALIDATION_ERROR: the id is not a number", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE or FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ORDER (the caller has no such order), UNKNOWN_ACCOUNT", body = ErrorEnvelope),
              (status = 409, description = "ORDER_CLOSED: the order has ended", body = ErrorEnvelope)))]
pub async fn cancel(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Query(account): Query<AccountQuery>,
) -> Result<axum::Json<Envelope<OrderDto>>> {
    let actor = in_account(&state, &actor, account.account.as_deref())?;
    let order = state.service.cancel_order(&actor, order_id(&id)?).await?;
    Ok(ok(order_dto(&state.service.catalog(), &order)))
}

/// Amend one of the caller's open orders: a new price and/or remaining quantity.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", operation_id = "amendOrder",
    params(("id" = String, Path, description = "the order's id", pattern = r"^[0-9]{1,19}$"), AccountQuery),
    request_body = AmendOrder,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the order as amended, with any fills", body = Envelope<OrderDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN or ACCOUNT_HALTED", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ORDER (the caller has no such order), UNKNOWN_ACCOUNT", body = ErrorEnvelope),
              (status = 409, description = "ORDER_CLOSED, INVALID_AMEND, INSTRUMENT_HALTED, INSUFFICIENT_FUNDS or another refusal of the venue's rules", body = ErrorEnvelope)))]
pub async fn amend(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Query(account): Query<AccountQuery>,
    Json(body): Json<AmendOrder>,
) -> Result<axum::Json<Envelope<OrderDto>>> {
    let actor = in_account(&state, &actor, account.account.as_deref())?;
    let placed = state
        .service
        .amend_order(
            &actor,
            order_id(&id)?,
            body.price.as_deref(),
            body.quantity.as_deref(),
        )
        .await?;
    Ok(ok(placed_dto(&state.service.catalog(), &placed)))
}

/// Cancel all of the caller's open orders, or those on one symbol.
#[utoipa::path(delete, path = "/api/v1/orders", tag = "orders", operation_id = "cancelAllOrders", params(CancelAllQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the ids of the orders cancelled", body = Envelope<CancelAllResponse>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE or FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn cancel_all(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<CancelAllQuery>,
) -> Result<axum::Json<Envelope<CancelAllResponse>>> {
    let actor = in_account(&state, &actor, query.account.as_deref())?;
    let cancelled = state
        .service
        .cancel_all(&actor, query.symbol.as_deref())
        .await?;
    Ok(ok(CancelAllResponse {
        cancelled: cancelled.iter().map(|id| id.0.to_string()).collect(),
    }))
}
