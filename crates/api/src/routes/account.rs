//! The caller's money over REST: balances, the demo faucet, transfers, fills.

use super::{account_label, created, in_account, ok, page, paginated, time};
use crate::auth::Auth;
use crate::dto::{
    AccountPageQuery, AccountQuery, BalanceDto, Envelope, FaucetRequest, LiquidityDto, MyTradeDto,
    Paginated, SideDto, SymbolQuery, TransferDto, TransferKindDto, TransferStatusDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use bourse_service::ServiceError;
use bourse_types::AssetId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/balances", get(balances))
        .route("/faucet", post(faucet))
        .route("/transfers", get(transfers))
        .route("/trades", get(my_trades))
}

/// The longest `Idempotency-Key` accepted.
pub const IDEMPOTENCY_KEY_LEN_MAX: usize = 128;

/// The caller's balance in every asset (zero where none was ever held), from the
/// venue's live view: current as of the caller's last acknowledged command.
#[utoipa::path(get, path = "/api/v1/balances", tag = "account", operation_id = "listBalances",
    params(AccountQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<BalanceDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn balances(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<AccountQuery>,
) -> Result<axum::Json<Envelope<Vec<BalanceDto>>>> {
    let actor = in_account(&state, &actor, query.account.as_deref())?;
    let balances = state.service.balances(&actor).await?;
    Ok(ok(balances
        .into_iter()
        .map(|(asset, balance)| BalanceDto {
            asset: asset.code.to_string(),
            available: asset.format_amount(balance.available),
            held: asset.format_amount(balance.held),
            total: asset.format_amount(balance.available.saturating_add(balance.held)),
        })
        .collect()))
}

/// Demo money: credits the caller's account (or, with `account`, one of their
/// sub-accounts) at once (when the faucet is enabled, up
/// to its per-request limit). An `Idempotency-Key` header makes retries safe: a
/// repeated key is refused as `DUPLICATE_TRANSFER_ID` instead of paying twice.
#[utoipa::path(post, path = "/api/v1/faucet", tag = "account", operation_id = "faucetDeposit",
    request_body = FaucetRequest,
    security(("bearer" = []), ("api_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried request safe (1 to 128 visible ASCII characters)", pattern = r"^[!-~]{1,128}$"), AccountQuery),
    responses((status = 201, body = Envelope<TransferDto>),
              (status = 400, description = "VALIDATION_ERROR (over the faucet's limit) or a value error", body = ErrorEnvelope),
              (status = 403, description = "FAUCET_DISABLED, INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ASSET, UNKNOWN_ACCOUNT", body = ErrorEnvelope),
              (status = 409, description = "DUPLICATE_TRANSFER_ID: this idempotency key was used", body = ErrorEnvelope)))]
pub async fn faucet(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<AccountQuery>,
    headers: HeaderMap,
    Json(body): Json<FaucetRequest>,
) -> Result<(StatusCode, axum::Json<Envelope<TransferDto>>)> {
    let actor = in_account(&state, &actor, query.account.as_deref())?;
    let key = idempotency_key(&headers)?;
    let deposit = state
        .service
        .faucet(&actor, &body.asset, &body.amount, key)
        .await?;
    let amount = deposit.asset.format_amount(deposit.transfer.amount);
    Ok(created(TransferDto {
        id: deposit.transfer.id.0.to_string(),
        asset: deposit.asset.code.to_string(),
        kind: TransferKindDto::Deposit,
        counterparty: None,
        amount: amount.clone(),
        posted_amount: Some(amount),
        status: TransferStatusDto::Posted,
        created_at: time(deposit.ts.nanos()),
        updated_at: time(deposit.ts.nanos()),
    }))
}

/// The `Idempotency-Key` header, checked: 1 to [`IDEMPOTENCY_KEY_LEN_MAX`] visible
/// ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>> {
    Ok(match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|k| {
                    !k.is_empty()
                        && k.len() <= IDEMPOTENCY_KEY_LEN_MAX
                        && k.bytes().all(|b| b.is_ascii_graphic())
                })
                .ok_or_else(|| {
                    ApiError(ServiceError::field(
                        "Idempotency-Key",
                        "Idempotency-Key has 1 to 128 visible ASCII characters",
                    ))
                })?,
        ),
    })
}

/// A transfer's kind as the account `viewer` sees it.
fn transfer_kind(text: &str, owner: u64, viewer: u64) -> TransferKindDto {
    match text {
        "withdrawal" => TransferKindDto::Withdrawal,
        "internal" if owner == viewer => TransferKindDto::TransferOut,
        "internal" => TransferKindDto::TransferIn,
        _ => TransferKindDto::Deposit,
    }
}

fn transfer_status(text: &str) -> TransferStatusDto {
    match text {
        "pending" => TransferStatusDto::Pending,
        "voided" => TransferStatusDto::Voided,
        _ => TransferStatusDto::Posted,
    }
}

/// The caller's deposits, withdrawals and transfers between their accounts, newest
/// first (from the read models).
#[utoipa::path(get, path = "/api/v1/transfers", tag = "account", operation_id = "listTransfers", params(AccountPageQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<TransferDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn transfers(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<AccountPageQuery>,
) -> Result<axum::Json<Envelope<Paginated<TransferDto>>>> {
    actor.require_read()?;
    let actor = in_account(&state, &actor, query.account.as_deref())?;
    let page = page(query.page, query.limit)?;
    let (rows, total) = state.service.transfers(&actor, page).await?;
    let catalog = state.service.catalog();
    let items = rows
        .iter()
        .map(|t| TransferDto {
            id: t.id.to_string(),
            asset: catalog.code_of(AssetId(t.asset)),
            kind: transfer_kind(&t.kind, t.owner, actor.owner.0),
            counterparty: (t.kind == "internal").then(|| {
                let other = if t.owner == actor.owner.0 {
                    t.counterparty.unwrap_or(t.owner)
                } else {
                    t.owner
                };
                account_label(&state, bourse_types::OwnerId(other))
            }),
            amount: catalog.amount(AssetId(t.asset), t.amount),
            posted_amount: t.posted.map(|p| catalog.amount(AssetId(t.asset), p)),
            status: transfer_status(&t.status),
            created_at: time(t.created_at),
            updated_at: time(t.updated_at),
        })
        .collect();
    Ok(ok(paginated(items, page, total)))
}

/// The caller's fills, newest first (from the read models).
#[utoipa::path(get, path = "/api/v1/trades", tag = "account", operation_id = "listMyTrades", params(SymbolQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<MyTradeDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn my_trades(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<SymbolQuery>,
) -> Result<axum::Json<Envelope<Paginated<MyTradeDto>>>> {
    actor.require_read()?;
    let actor = in_account(&state, &actor, query.account.as_deref())?;
    let page = page(query.page, query.limit)?;
    let (rows, total) = state
        .service
        .my_trades(&actor, query.symbol.as_deref(), page)
        .await?;
    let catalog = state.service.catalog();
    let items = rows
        .iter()
        .map(|t| {
            let id = bourse_types::InstrumentId(t.instrument);
            // A self-trade cannot happen (prevention), so the caller is one side.
            let maker = t.maker_owner == actor.owner.0;
            let taker_buys = t.aggressor == "buy";
            let buys = if maker { !taker_buys } else { taker_buys };
            MyTradeDto {
                id: t.id.to_string(),
                symbol: catalog.symbol_of(id),
                order_id: if maker { t.maker_order } else { t.taker_order }.to_string(),
                side: if buys { SideDto::Buy } else { SideDto::Sell },
                price: catalog.price(id, t.price),
                quantity: catalog.qty(id, t.qty),
                value: catalog.notional(id, t.notional),
                fee: catalog.notional(id, if maker { t.maker_fee } else { t.taker_fee }),
                liquidity: if maker {
                    LiquidityDto::Maker
                } else {
                    LiquidityDto::Taker
                },
                time: time(t.ts),
            }
        })
        .collect();
    Ok(ok(paginated(items, page, total)))
}
