//! Sub-accounts over REST: open and list them, and move funds between the caller's
//! accounts. Every view of one account takes `?account=` (`main` or a sub-account id).

use super::{account::idempotency_key, created, ok, time};
use crate::auth::Auth;
use crate::dto::{
    Envelope, InternalTransferDto, InternalTransferRequest, NewSubaccount, SubaccountDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::Json;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use bourse_service::{AccountRef, ServiceError, Subaccount};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/subaccounts", get(list).post(open))
        .route("/transfers/internal", post(transfer))
}

fn subaccount_dto(sub: &Subaccount) -> SubaccountDto {
    SubaccountDto {
        id: sub.id.to_string(),
        name: sub.name.clone(),
        created_at: time(sub.created_at.saturating_mul(1_000_000)),
    }
}

/// The caller's sub-accounts, oldest first.
#[utoipa::path(get, path = "/api/v1/subaccounts", tag = "account", operation_id = "listSubaccounts",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<SubaccountDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<Vec<SubaccountDto>>>> {
    let subs = state.service.subaccounts(&actor)?;
    Ok(ok(subs.iter().map(subaccount_dto).collect()))
}

/// Opens a sub-account: an account of its own in the engine (its balances, orders,
/// positions, limits and panic are its own), linked to the caller. Durable before the
/// answer.
#[utoipa::path(post, path = "/api/v1/subaccounts", tag = "account", operation_id = "openSubaccount",
    request_body = NewSubaccount,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = Envelope<SubaccountDto>),
              (status = 400, description = "VALIDATION_ERROR: the name does not fit", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 409, description = "ACCOUNT_NAME_TAKEN, TOO_MANY_SUBACCOUNTS", body = ErrorEnvelope)))]
pub async fn open(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<NewSubaccount>,
) -> Result<(StatusCode, axum::Json<Envelope<SubaccountDto>>)> {
    let sub = state.service.open_subaccount(&actor, &body.name).await?;
    Ok(created(subaccount_dto(&sub)))
}

fn account_ref(field: &str, text: &str) -> Result<AccountRef> {
    AccountRef::parse(text).ok_or_else(|| {
        ApiError(ServiceError::field(
            field,
            format!("{field} is `main` or a sub-account id"),
        ))
    })
}

/// Moves funds between two of the caller's accounts (main and sub-accounts): one
/// journaled command, at once, all or nothing from what `from` has available. An
/// `Idempotency-Key` header makes retries safe: a repeated key is refused as
/// `DUPLICATE_TRANSFER_ID` instead of moving the funds twice.
#[utoipa::path(post, path = "/api/v1/transfers/internal", tag = "account", operation_id = "internalTransfer",
    request_body = InternalTransferRequest,
    security(("bearer" = []), ("api_key" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried request safe (1 to 128 visible ASCII characters)", pattern = r"^[!-~]{1,128}$")),
    responses((status = 201, body = Envelope<InternalTransferDto>),
              (status = 400, description = "VALIDATION_ERROR or a value error", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN, ACCOUNT_HALTED", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ASSET, UNKNOWN_ACCOUNT (details.field names from or to)", body = ErrorEnvelope),
              (status = 409, description = "INSUFFICIENT_FUNDS, SAME_ACCOUNT, DUPLICATE_TRANSFER_ID", body = ErrorEnvelope)))]
pub async fn transfer(
    State(state): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
    Json(body): Json<InternalTransferRequest>,
) -> Result<(StatusCode, axum::Json<Envelope<InternalTransferDto>>)> {
    let key = idempotency_key(&headers)?;
    let from = account_ref("from", &body.from)?;
    let to = account_ref("to", &body.to)?;
    let done = state
        .service
        .internal_transfer(&actor, from, to, &body.asset, &body.amount, key)
        .await?;
    Ok(created(InternalTransferDto {
        id: done.transfer.id.0.to_string(),
        from: super::account_label(&state, done.transfer.from),
        to: super::account_label(&state, done.transfer.to),
        asset: done.asset.code.to_string(),
        amount: done.asset.format_amount(done.transfer.amount),
        created_at: time(done.ts.nanos()),
    }))
}
