//! The caller's money: balances, the demo faucet, deposits and withdrawals, fills.

use super::{created, ok, page, paginated, time};
use crate::auth::{Auth, random_bytes};
use crate::catalog::parse_amount;
use crate::dto::{
    BalanceDto, Envelope, FaucetRequest, MyTradeDto, PageQuery, Paginated, SymbolQuery, TransferDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use bourse_engine::{Command, Event, TransferRequest};
use bourse_types::{AssetId, OwnerId, TransferId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/balances", get(balances))
        .route("/faucet", post(faucet))
        .route("/transfers", get(transfers))
        .route("/trades", get(my_trades))
}

/// The caller's balance in every asset (zero where none was ever held).
#[utoipa::path(get, path = "/api/v1/balances", tag = "account", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<BalanceDto>>)))]
pub async fn balances(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<Envelope<Vec<BalanceDto>>>> {
    principal.require_read()?;
    state.wait_for_reads().await;
    let rows = state.store.balances(principal.user_id).await?;
    let catalog = state.catalog();
    let balances = catalog
        .assets()
        .iter()
        .map(|asset| {
            let row = rows.iter().find(|r| r.asset == asset.id.0);
            let (available, held) = row.map_or((0, 0), |r| (r.available, r.held));
            BalanceDto {
                asset: asset.code.to_string(),
                available: catalog.amount(asset.id, available),
                held: catalog.amount(asset.id, held),
                total: catalog.amount(asset.id, available.saturating_add(held)),
            }
        })
        .collect();
    Ok(ok(balances))
}

/// Demo money: credits the caller's account at once (when the faucet is enabled, up
/// to its per-request limit). An `Idempotency-Key` header makes retries safe: a
/// repeated key is refused as `DUPLICATE_TRANSFER_ID` instead of paying twice.
#[utoipa::path(post, path = "/api/v1/faucet", tag = "account", request_body = FaucetRequest,
    security(("bearer" = []), ("api_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried request safe")),
    responses((status = 201, body = Envelope<TransferDto>),
              (status = 403, description = "FAUCET_DISABLED", body = ErrorEnvelope),
              (status = 400, description = "VALIDATION_ERROR or a value error", body = ErrorEnvelope),
              (status = 409, description = "DUPLICATE_TRANSFER_ID", body = ErrorEnvelope)))]
pub async fn faucet(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Json(body): Json<FaucetRequest>,
) -> Result<(StatusCode, axum::Json<Envelope<TransferDto>>)> {
    principal.require_trade()?;
    if !state.config.faucet.enabled {
        return Err(ApiError::forbidden(
            "FAUCET_DISABLED",
            "the demo faucet is disabled on this venue",
        ));
    }
    let asset = state.catalog().code(&body.asset)?;
    let amount = parse_amount(asset.scale, "amount", &body.amount)?;
    if let Some(max) = state.config.faucet.max_per_request.get(asset.code.as_str()) {
        let max = parse_amount(asset.scale, "faucet limit", max)?;
        if amount > max {
            return Err(ApiError::validation(format!(
                "the faucet gives at most {} {} per request",
                asset.format_amount(max),
                asset.code
            )));
        }
    }
    let id = match headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        Some(key) => {
            let digest = blake3::hash(format!("faucet:{}:{key}", principal.user_id).as_bytes());
            u64::from_le_bytes(digest.as_bytes()[..8].try_into().unwrap_or_default()) >> 1
        }
        None => u64::from_le_bytes(random_bytes::<8>()) >> 1,
    };
    let released = state
        .execute(Command::Deposit(TransferRequest {
            id: TransferId(id),
            owner: OwnerId(principal.user_id),
            asset: asset.id,
            amount,
            pending: false,
        }))
        .await?;
    for event in &released.events {
        match event {
            Event::Rejected(r) => return Err(ApiError::rejected(r.code)),
            Event::Transfer(t) => {
                tracing::info!(user = principal.user_id, asset = %asset.code, amount = %asset.format_amount(amount), "faucet deposit");
                return Ok(created(TransferDto {
                    id: t.id.0.to_string(),
                    asset: asset.code.to_string(),
                    kind: "deposit".to_string(),
                    amount: asset.format_amount(t.amount),
                    posted_amount: Some(asset.format_amount(t.amount)),
                    status: "posted".to_string(),
                    created_at: time(released.ts.nanos()),
                    updated_at: time(released.ts.nanos()),
                }));
            }
            _ => {}
        }
    }
    Err(ApiError::internal("a deposit produced no transfer"))
}

/// The caller's deposits and withdrawals, newest first.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "account", params(PageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<TransferDto>>)))]
pub async fn transfers(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<PageQuery>,
) -> Result<axum::Json<Envelope<Paginated<TransferDto>>>> {
    principal.require_read()?;
    let page = page(query.page, query.limit)?;
    state.wait_for_reads().await;
    let (rows, total) = state.store.transfers_of(principal.user_id, page).await?;
    let catalog = state.catalog();
    let items = rows
        .iter()
        .map(|t| TransferDto {
            id: t.id.to_string(),
            asset: catalog.code_of(AssetId(t.asset)),
            kind: t.kind.clone(),
            amount: catalog.amount(AssetId(t.asset), t.amount),
            posted_amount: t.posted.map(|p| catalog.amount(AssetId(t.asset), p)),
            status: t.status.clone(),
            created_at: time(t.created_at),
            updated_at: time(t.updated_at),
        })
        .collect();
    Ok(ok(paginated(items, page, total)))
}

/// The caller's fills, newest first.
#[utoipa::path(get, path = "/api/v1/trades", tag = "account", params(SymbolQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<MyTradeDto>>)))]
pub async fn my_trades(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<SymbolQuery>,
) -> Result<axum::Json<Envelope<Paginated<MyTradeDto>>>> {
    principal.require_read()?;
    let instrument = match &query.symbol {
        Some(symbol) => Some(state.catalog().symbol(symbol)?.id().0),
        None => None,
    };
    let page = page(query.page, query.limit)?;
    state.wait_for_reads().await;
    let (rows, total) = state
        .store
        .trades_of(principal.user_id, instrument, page)
        .await?;
    let catalog = state.catalog();
    let items = rows
        .iter()
        .map(|t| {
            let id = bourse_types::InstrumentId(t.instrument);
            // A self-trade cannot happen (prevention), so the caller is one side.
            let maker = t.maker_owner == principal.user_id;
            let taker_side = t.aggressor.as_str();
            let side = if maker {
                if taker_side == "buy" { "sell" } else { "buy" }
            } else {
                taker_side
            };
            MyTradeDto {
                id: t.id.to_string(),
                symbol: catalog.symbol_of(id),
                order_id: if maker { t.maker_order } else { t.taker_order }.to_string(),
                side: side.to_string(),
                price: catalog.price(id, t.price),
                quantity: catalog.qty(id, t.qty),
                value: catalog.notional(id, t.notional),
                fee: catalog.notional(id, if maker { t.maker_fee } else { t.taker_fee }),
                liquidity: if maker { "maker" } else { "taker" }.to_string(),
                time: time(t.ts),
            }
        })
        .collect();
    Ok(ok(paginated(items, page, total)))
}
