//! Risk over REST: the caller's positions, limits and their use, halts and the panic
//! button; for staff, every account's risk, limits to set, and the kill switch.

use super::{ok, page, paginated, parse_id, time};
use crate::auth::Auth;
use crate::dto::{
    AccountQuery, AssetLimitDto, Envelope, HaltDto, HaltRequestDto, HaltScopeDto,
    InstrumentLimitDto, InstrumentRiskDto, LIMIT_CHANGES_MAX, LimitChanges, LimitDto,
    LimitSourceDto, Paginated, PanicDto, PanicRequest, PositionDto, QuoteRiskDto, RiskDefaultsDto,
    RiskDto, RiskPageQuery, TradingDayDto, UnflattenedDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post, put};
use bourse_service::{
    Catalog, HaltRequest, HaltTarget, HaltView, Limit, LimitChange, LimitSource, PositionView,
    RiskDefaults, RiskOverview, ServiceError,
};
use bourse_store::{Page, Role};
use bourse_types::{Amount, Qty, format_wide};

/// Accounts per page of the staff's risk list, by default and at most.
pub const RISK_PAGE_DEFAULT: u32 = 20;
pub const RISK_PAGE_MAX: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/positions", get(positions))
        .route("/risk/limits", get(my_risk))
        .route("/halts", get(halts))
        .route("/account/panic", post(panic))
        .route("/admin/risk/accounts", get(accounts_risk))
        .route("/admin/accounts/{id}/risk", get(account_risk))
        .route("/admin/accounts/{id}/positions", get(account_positions))
        .route("/admin/accounts/{id}/limits", put(set_account_limits))
        .route("/admin/risk/defaults", get(defaults).put(set_defaults))
        .route("/admin/risk/trading-day", put(set_trading_day))
        .route("/admin/halts", post(halt))
        .route("/admin/halts/resume", post(resume))
}

pub fn position_dto(catalog: &Catalog, p: &PositionView) -> PositionDto {
    let i = &p.instrument;
    let quote = i.quote_scale();
    let value = p.mark.map_or(p.cost, |mark| {
        let exponent =
            u32::from(i.price_scale()) + u32::from(i.base_scale()) - u32::from(i.quote_scale());
        u128::from(mark.raw()) * u128::from(p.qty.raw()) / 10u128.pow(exponent)
    });
    let wide = |v: u128| format_wide(i128::try_from(v).unwrap_or(i128::MAX), quote);
    let _ = catalog;
    PositionDto {
        symbol: i.symbol().to_string(),
        quantity: i.format_qty(p.qty),
        entry_price: p.entry_price.map(|e| i.format_price(e)),
        cost: wide(p.cost),
        mark_price: p.mark.map(|m| i.format_price(m)),
        value: wide(value),
        unrealized_pnl: format_wide(p.unrealized, quote),
        realized_pnl: format_wide(p.realized, quote),
        fees: wide(p.fees),
        day_pnl: format_wide(p.day_pnl, quote),
        opened_at: p.opened_at.map(|t| time(t.nanos())),
    }
}

fn limit_dto<T: Copy>(limit: &Limit<T>, format: impl Fn(T) -> String) -> LimitDto {
    LimitDto {
        limit: limit.value.map(format),
        source: limit.source.map(|s| match s {
            LimitSource::Own => LimitSourceDto::Own,
            LimitSource::Default => LimitSourceDto::Default,
        }),
    }
}

pub fn halt_dto(halt: &HaltView) -> HaltDto {
    let (scope, symbol, user_id) = match &halt.scope {
        HaltTarget::Venue => (HaltScopeDto::Venue, None, None),
        HaltTarget::Instrument(i) => (HaltScopeDto::Instrument, Some(i.symbol().to_string()), None),
        HaltTarget::Account(user) => (HaltScopeDto::Account, None, Some(user.to_string())),
    };
    HaltDto {
        scope,
        symbol,
        user_id,
        by: halt.by.to_string(),
        reason: halt.reason.clone(),
        since: time(halt.since.nanos()),
    }
}

pub fn risk_dto(risk: &RiskOverview) -> RiskDto {
    RiskDto {
        user_id: risk.owner.to_string(),
        open_orders: risk.open_orders,
        open_orders_max: limit_dto(&risk.open_orders_max, |c: u32| c.to_string()),
        quotes: risk
            .quotes
            .iter()
            .map(|q| {
                let scale = q.asset.scale;
                let amount = |a: Amount| q.asset.format_amount(a);
                QuoteRiskDto {
                    asset: q.asset.code.to_string(),
                    order_notional_max: limit_dto(&q.order_notional_max, amount),
                    open_notional: format_wide(
                        i128::try_from(q.open_notional).unwrap_or(i128::MAX),
                        scale,
                    ),
                    open_notional_max: limit_dto(&q.open_notional_max, amount),
                    daily_pnl: format_wide(q.daily_pnl, scale),
                    daily_loss_max: limit_dto(&q.daily_loss_max, amount),
                    breached: q.breached,
                }
            })
            .collect(),
        instruments: risk
            .instruments
            .iter()
            .map(|r| {
                let i = &r.instrument;
                InstrumentRiskDto {
                    symbol: i.symbol().to_string(),
                    position: i.format_qty(r.position),
                    open_buys: i.format_qty(r.open_buys),
                    position_max: limit_dto(&r.position_max, |q: Qty| i.format_qty(q)),
                }
            })
            .collect(),
        halts: risk.halts.iter().map(halt_dto).collect(),
        trading_day_start_secs: risk.trading_day_start_secs,
        trading_day_ends: time(risk.trading_day_ends.nanos()),
    }
}

fn defaults_dto(d: &RiskDefaults) -> RiskDefaultsDto {
    let assets = |list: &[(bourse_types::Asset, Amount)]| {
        list.iter()
            .map(|(a, v)| AssetLimitDto {
                asset: a.code.to_string(),
                limit: a.format_amount(*v),
            })
            .collect()
    };
    RiskDefaultsDto {
        open_orders_max: d.open_orders_max,
        order_notional_max: assets(&d.order_notional_max),
        open_notional_max: assets(&d.open_notional_max),
        daily_loss_max: assets(&d.daily_loss_max),
        position_max: d
            .position_max
            .iter()
            .map(|(i, q)| InstrumentLimitDto {
                symbol: i.symbol().to_string(),
                limit: i.format_qty(*q),
            })
            .collect(),
        trading_day_start_secs: d.trading_day_start_secs,
    }
}

fn changes(body: &LimitChanges) -> Result<Vec<LimitChange>> {
    if body.changes.is_empty() || body.changes.len() > LIMIT_CHANGES_MAX {
        return Err(ApiError(ServiceError::field(
            "changes",
            format!("give 1 to {LIMIT_CHANGES_MAX} changes"),
        )));
    }
    Ok(body.changes.iter().map(|c| c.to_change()).collect())
}

/// The caller's positions, valued at the last prices.
#[utoipa::path(get, path = "/api/v1/positions", tag = "risk", operation_id = "listPositions",
    params(AccountQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<PositionDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ACCOUNT", body = ErrorEnvelope)))]
pub async fn positions(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<AccountQuery>,
) -> Result<axum::Json<Envelope<Vec<PositionDto>>>> {
    let actor = super::in_account(&state, &actor, query.account.as_deref())?;
    let positions = state.service.positions(&actor).await?;
    let catalog = state.service.catalog();
    Ok(ok(positions
        .iter()
        .map(|p| position_dto(&catalog, p))
        .collect()))
}

/// The caller's risk limits, how much of each is used, today's PnL against the daily
/// loss limit, and the halts that concern the caller.
#[utoipa::path(get, path = "/api/v1/risk/limits", tag = "risk", operation_id = "myRisk",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<RiskDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn my_risk(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<RiskDto>>> {
    let risk = state.service.risk(&actor).await?;
    Ok(ok(risk_dto(&risk)))
}

/// The halts in force (the kill switch): who threw each, why and since when.
#[utoipa::path(get, path = "/api/v1/halts", tag = "risk", operation_id = "listHalts",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<HaltDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn halts(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<Vec<HaltDto>>>> {
    let halts = state.service.halts(&actor).await?;
    Ok(ok(halts.iter().map(halt_dto).collect()))
}

/// The panic button: cancel every order of the caller, resting and conditional, and
/// with `flatten` sell every position at market.
#[utoipa::path(post, path = "/api/v1/account/panic", tag = "risk", operation_id = "panic",
    request_body = PanicRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<PanicDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE or FORBIDDEN", body = ErrorEnvelope)))]
pub async fn panic(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<PanicRequest>,
) -> Result<axum::Json<Envelope<PanicDto>>> {
    let outcome = state.service.panic(&actor, body.flatten).await?;
    Ok(ok(PanicDto {
        cancelled: outcome.cancelled.iter().map(|o| o.0.to_string()).collect(),
        flatten_orders: outcome
            .flatten_orders
            .iter()
            .map(|o| o.0.to_string())
            .collect(),
        unflattened: outcome
            .unflattened
            .iter()
            .map(|(i, code)| UnflattenedDto {
                symbol: i.symbol().to_string(),
                code: code.code().to_string(),
            })
            .collect(),
    }))
}

/// Every account's risk, a page of users at a time (staff).
#[utoipa::path(get, path = "/api/v1/admin/risk/accounts", tag = "admin", operation_id = "accountsRisk",
    params(RiskPageQuery), security(("bearer" = [])),
    responses((status = 200, body = Envelope<Paginated<RiskDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope)))]
pub async fn accounts_risk(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<RiskPageQuery>,
) -> Result<axum::Json<Envelope<Paginated<RiskDto>>>> {
    actor.require_role(&[Role::Admin, Role::Compliance, Role::Auditor])?;
    let limit = query.limit.unwrap_or(RISK_PAGE_DEFAULT);
    if !(1..=RISK_PAGE_MAX).contains(&limit) {
        return Err(ApiError(ServiceError::field(
            "limit",
            format!("limit is between 1 and {RISK_PAGE_MAX}"),
        )));
    }
    let page: Page = page(query.page, Some(limit))?;
    let (users, total) = state.service.query(state.store().users(page)).await?;
    let risks = state
        .service
        .risk_of(&actor, users.iter().map(|u| u.id).collect())
        .await?;
    Ok(ok(paginated(
        risks.iter().map(risk_dto).collect(),
        page,
        total,
    )))
}

fn user_id(text: &str) -> Result<u64> {
    parse_id(text, "user id")
}

/// A user id from a path, of a user that exists (`UNKNOWN_USER` otherwise).
async fn known_user(state: &AppState, text: &str) -> Result<u64> {
    let id = user_id(text)?;
    state
        .service
        .query(state.store().user(id))
        .await?
        .ok_or_else(|| ApiError::new(bourse_service::Code::UnknownUser, "no such user"))?;
    Ok(id)
}

/// One account's risk (staff).
#[utoipa::path(get, path = "/api/v1/admin/accounts/{id}/risk", tag = "admin", operation_id = "accountRisk",
    params(("id" = String, Path, description = "the user's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<RiskDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER", body = ErrorEnvelope)))]
pub async fn account_risk(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<RiskDto>>> {
    let id = known_user(&state, &id).await?;
    let risk = state.service.risk_of(&actor, vec![id]).await?;
    let risk = risk
        .first()
        .ok_or_else(|| ApiError(ServiceError::internal("no risk for one account")))?;
    Ok(ok(risk_dto(risk)))
}

/// One account's positions (staff).
#[utoipa::path(get, path = "/api/v1/admin/accounts/{id}/positions", tag = "admin", operation_id = "accountPositions",
    params(("id" = String, Path, description = "the user's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<PositionDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER", body = ErrorEnvelope)))]
pub async fn account_positions(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<Vec<PositionDto>>>> {
    let id = known_user(&state, &id).await?;
    let positions = state.service.positions_of(&actor, id).await?;
    let catalog = state.service.catalog();
    Ok(ok(positions
        .iter()
        .map(|p| position_dto(&catalog, p))
        .collect()))
}

/// Set or clear limits of one account, in order (admin). An account's own limit of a
/// kind replaces the default of that kind; clearing it brings the default back.
#[utoipa::path(put, path = "/api/v1/admin/accounts/{id}/limits", tag = "admin", operation_id = "setAccountLimits",
    request_body = LimitChanges,
    params(("id" = String, Path, description = "the user's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = [])),
    responses((status = 200, description = "the account's risk with the new limits", body = Envelope<RiskDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER, UNKNOWN_SYMBOL or UNKNOWN_ASSET", body = ErrorEnvelope),
              (status = 409, description = "TOO_MANY_DECIMALS and the other value errors", body = ErrorEnvelope)))]
pub async fn set_account_limits(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Json(body): Json<LimitChanges>,
) -> Result<axum::Json<Envelope<RiskDto>>> {
    actor.require_role(&[Role::Admin])?;
    actor.require_session()?;
    let id = known_user(&state, &id).await?;
    let changes = changes(&body)?;
    state
        .service
        .set_risk_limits(&actor, Some(id), &changes)
        .await?;
    let risk = state.service.risk_of(&actor, vec![id]).await?;
    let risk = risk
        .first()
        .ok_or_else(|| ApiError(ServiceError::internal("no risk for one account")))?;
    Ok(ok(risk_dto(risk)))
}

/// The venue's default limits (any authenticated user may read them).
#[utoipa::path(get, path = "/api/v1/admin/risk/defaults", tag = "admin", operation_id = "riskDefaults",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<RiskDefaultsDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn defaults(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<RiskDefaultsDto>>> {
    let defaults = state.service.risk_defaults(&actor).await?;
    Ok(ok(defaults_dto(&defaults)))
}

/// Set or clear default limits, in order (admin).
#[utoipa::path(put, path = "/api/v1/admin/risk/defaults", tag = "admin", operation_id = "setRiskDefaults",
    request_body = LimitChanges, security(("bearer" = [])),
    responses((status = 200, body = Envelope<RiskDefaultsDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL or UNKNOWN_ASSET", body = ErrorEnvelope),
              (status = 409, description = "TOO_MANY_DECIMALS and the other value errors", body = ErrorEnvelope)))]
pub async fn set_defaults(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<LimitChanges>,
) -> Result<axum::Json<Envelope<RiskDefaultsDto>>> {
    actor.require_role(&[Role::Admin])?;
    actor.require_session()?;
    let changes = changes(&body)?;
    state
        .service
        .set_risk_limits(&actor, None, &changes)
        .await?;
    let defaults = state.service.risk_defaults(&actor).await?;
    Ok(ok(defaults_dto(&defaults)))
}

/// When the trading day starts (admin): DAY orders expire and daily losses start
/// again at that time. DAY orders already open keep their expiry.
#[utoipa::path(put, path = "/api/v1/admin/risk/trading-day", tag = "admin", operation_id = "setTradingDay",
    request_body = TradingDayDto, security(("bearer" = [])),
    responses((status = 200, body = Envelope<RiskDefaultsDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 409, description = "INVALID_SPEC", body = ErrorEnvelope)))]
pub async fn set_trading_day(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<TradingDayDto>,
) -> Result<axum::Json<Envelope<RiskDefaultsDto>>> {
    actor.require_session()?;
    state
        .service
        .set_trading_day(&actor, body.start_secs)
        .await?;
    let defaults = state.service.risk_defaults(&actor).await?;
    Ok(ok(defaults_dto(&defaults)))
}

async fn halt_request(state: &AppState, body: &HaltRequestDto) -> Result<HaltRequest> {
    Ok(match body {
        HaltRequestDto::Venue(_) => HaltRequest::Venue,
        HaltRequestDto::Instrument(h) => HaltRequest::Instrument(h.symbol.clone()),
        HaltRequestDto::Account(h) => HaltRequest::Account(known_user(state, &h.user_id).await?),
    })
}

async fn throw(
    state: &AppState,
    actor: &bourse_service::Actor,
    body: &HaltRequestDto,
    halted: bool,
) -> Result<axum::Json<Envelope<Vec<HaltDto>>>> {
    actor.require_role(&[Role::Admin])?;
    actor.require_session()?;
    let target = halt_request(state, body).await?;
    state
        .service
        .halt(actor, &target, halted, body.reason())
        .await?;
    let halts = state.service.halts(actor).await?;
    Ok(ok(halts.iter().map(halt_dto).collect()))
}

/// The kill switch (admin): halt the venue, an instrument or an account. Every order in
/// the scope is cancelled, resting and conditional; new orders are refused with
/// `VENUE_HALTED`, `INSTRUMENT_HALTED` or `ACCOUNT_HALTED`; cancels are still accepted.
/// Answers the halts in force.
#[utoipa::path(post, path = "/api/v1/admin/halts", tag = "admin", operation_id = "halt",
    request_body = HaltRequestDto, security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<HaltDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL or UNKNOWN_USER", body = ErrorEnvelope),
              (status = 409, description = "INSTRUMENT_CLOSED", body = ErrorEnvelope)))]
pub async fn halt(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<HaltRequestDto>,
) -> Result<axum::Json<Envelope<Vec<HaltDto>>>> {
    throw(&state, &actor, &body, true).await
}

/// Release a halt (admin); the reason is recorded too. Answers the halts in force.
#[utoipa::path(post, path = "/api/v1/admin/halts/resume", tag = "admin", operation_id = "resume",
    request_body = HaltRequestDto, security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<HaltDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL or UNKNOWN_USER", body = ErrorEnvelope),
              (status = 409, description = "INSTRUMENT_CLOSED", body = ErrorEnvelope)))]
pub async fn resume(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<HaltRequestDto>,
) -> Result<axum::Json<Envelope<Vec<HaltDto>>>> {
    throw(&state, &actor, &body, false).await
}
