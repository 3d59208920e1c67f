//! Staff routes. Admins manage users and markets; compliance and auditors read every
//! account's orders.

use super::{created, ok, page, paginated, parse_id};
use crate::auth::{self, Auth};
use crate::dto::{
    AllOrdersQuery, AssetDto, CreateUser, CreatedUser, Envelope, InstrumentChangesDto,
    InstrumentDto, InstrumentStatusChanged, InstrumentStatusRequest, NewAssetDto, NewInstrumentDto,
    OrderDto, PageQuery, Paginated, StatsDto, UpdateUser, UserDto, stats_sample_dto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::routes::auth::{end_user_sessions, user_dto};
use crate::routes::market::instrument_dto;
use crate::routes::orders::{order_dto, status_filter};
use crate::state::{AppState, now_nanos};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use bourse_engine::{Command, Event};
use bourse_service::{Code, ServiceError};
use bourse_service::{InstrumentChanges, NewInstrument};
use bourse_store::{NewUser, Role};
use bourse_types::{InstrumentStatus, OwnerId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_users).post(create_user))
        .route("/admin/users/{id}", patch(update_user))
        .route(
            "/admin/instruments/{symbol}/status",
            post(set_instrument_status),
        )
        .route("/admin/orders", get(all_orders))
        .route("/admin/stats", get(stats))
        .route("/admin/assets", post(list_asset))
        .route("/admin/instruments", post(list_instrument))
        .route("/admin/instruments/{symbol}", patch(update_instrument))
}

/// List a new asset (admin).
#[utoipa::path(post, path = "/api/v1/admin/assets", tag = "admin", operation_id = "listAsset",
    request_body = NewAssetDto, security(("bearer" = [])),
    responses((status = 201, body = Envelope<AssetDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 409, description = "DUPLICATE_ASSET, INVALID_SPEC or CAPACITY_EXCEEDED", body = ErrorEnvelope)))]
pub async fn list_asset(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<NewAssetDto>,
) -> Result<(StatusCode, axum::Json<Envelope<AssetDto>>)> {
    actor.require_session()?;
    let asset = state
        .service
        .list_asset(&actor, &body.code, body.decimals)
        .await?;
    Ok(created(AssetDto {
        code: asset.code.to_string(),
        decimals: asset.scale,
    }))
}

/// List a new instrument (admin). It trades at once.
#[utoipa::path(post, path = "/api/v1/admin/instruments", tag = "admin", operation_id = "listInstrument",
    request_body = NewInstrumentDto, security(("bearer" = [])),
    responses((status = 201, body = Envelope<InstrumentDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_ASSET", body = ErrorEnvelope),
              (status = 409, description = "DUPLICATE_INSTRUMENT, INVALID_SPEC, CAPACITY_EXCEEDED or TOO_MANY_DECIMALS", body = ErrorEnvelope)))]
pub async fn list_instrument(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<NewInstrumentDto>,
) -> Result<(StatusCode, axum::Json<Envelope<InstrumentDto>>)> {
    actor.require_session()?;
    let instrument = state
        .service
        .list_instrument(
            &actor,
            &NewInstrument {
                base: body.base,
                quote: body.quote,
                price_scale: body.price_decimals,
                tick_size: body.tick_size,
                lot_size: body.lot_size,
                min_qty: body.min_quantity,
                max_qty: body.max_quantity,
                min_notional: body.min_notional,
                price_band_bps: body.price_band_bps,
                maker_fee_bps: body.maker_fee_bps,
                taker_fee_bps: body.taker_fee_bps,
                reference_price: body.reference_price,
            },
        )
        .await?;
    let dto = instrument_dto(
        &state.service.catalog(),
        &state.service.market(),
        &instrument,
    );
    Ok(created(dto))
}

/// Change an instrument's trading rules (admin). Refused (`WOULD_STRAND_ORDERS`) when
/// an open order would be off the new tick or lot; a fee change moves the holds of
/// open buys, cancelling those whose owners cannot cover more (reason `ADMIN`).
#[utoipa::path(patch, path = "/api/v1/admin/instruments/{symbol}", tag = "admin", operation_id = "updateInstrument",
    request_body = InstrumentChangesDto,
    params(("symbol" = String, Path, example = "BTC-USD", pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<InstrumentDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope),
              (status = 409, description = "WOULD_STRAND_ORDERS, INVALID_SPEC or TOO_MANY_DECIMALS", body = ErrorEnvelope)))]
pub async fn update_instrument(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(symbol): Path<String>,
    Json(body): Json<InstrumentChangesDto>,
) -> Result<axum::Json<Envelope<InstrumentDto>>> {
    actor.require_session()?;
    let instrument = state
        .service
        .update_instrument(
            &actor,
            &symbol,
            &InstrumentChanges {
                tick_size: body.tick_size,
                lot_size: body.lot_size,
                min_qty: body.min_quantity,
                max_qty: body.max_quantity,
                min_notional: body.min_notional,
                price_band_bps: body.price_band_bps,
                maker_fee_bps: body.maker_fee_bps,
                taker_fee_bps: body.taker_fee_bps,
            },
        )
        .await?;
    Ok(ok(instrument_dto(
        &state.service.catalog(),
        &state.service.market(),
        &instrument,
    )))
}

/// The venue's live statistics over the last minutes (admin): throughput, latency
/// percentiles, journal and projector lag, connections, error rates, one sample a
/// second, oldest first. The `stats` WebSocket topic streams each new sample. The
/// numbers are those of `/metrics` (docs/metrics.md).
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "admin", operation_id = "stats",
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<StatsDto>),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope)))]
pub async fn stats(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<StatsDto>>> {
    let samples = state.service.stats(&actor)?;
    Ok(ok(StatsDto {
        interval_ms: bourse_service::STATS_INTERVAL.as_millis() as u64,
        samples_max: bourse_service::STATS_SAMPLES_MAX,
        samples: samples.iter().map(stats_sample_dto).collect(),
    }))
}

/// Every user (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", operation_id = "listUsers",
    params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Envelope<Paginated<UserDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope)))]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<PageQuery>,
) -> Result<axum::Json<Envelope<Paginated<UserDto>>>> {
    actor.require_role(&[Role::Admin])?;
    let page = page(query.page, query.limit)?;
    let (users, total) = state.service.query(state.store().users(page)).await?;
    Ok(ok(paginated(
        users.iter().map(user_dto).collect(),
        page,
        total,
    )))
}

/// Create a user with a role (admin). Without a password, one is generated and
/// returned once.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", operation_id = "createUser",
    request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = Envelope<CreatedUser>),
              (status = 400, description = "VALIDATION_ERROR or WEAK_PASSWORD", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 409, description = "USERNAME_TAKEN", body = ErrorEnvelope)))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<CreateUser>,
) -> Result<(StatusCode, axum::Json<Envelope<CreatedUser>>)> {
    actor.require_role(&[Role::Admin])?;
    actor.require_session()?;
    let role: Role = body.role.into();
    auth::check_username(&body.username)?;
    let (password, generated) = match body.password {
        Some(password) => (password, false),
        None => (auth::random_password(), true),
    };
    auth::check_password(&password)?;
    let hash = auth::hash_password(&password)?;
    let user = state
        .service
        .query(state.store().create_user(NewUser {
            username: &body.username,
            password_hash: &hash,
            role,
            created_at: now_nanos(),
        }))
        .await?;
    state.service.ensure_account(user.id).await?;
    tracing::info!(
        admin = actor.user_id,
        user = user.id,
        role = role.as_str(),
        "user created"
    );
    Ok(created(CreatedUser {
        user: user_dto(&user),
        password: generated.then_some(password),
    }))
}

/// Change a user's role, or disable and enable them (admin). Disabling also halts
/// their engine account and ends their sessions at once.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", operation_id = "updateUser",
    request_body = UpdateUser,
    params(("id" = String, Path, description = "the user's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<UserDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER", body = ErrorEnvelope)))]
pub async fn update_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Json(body): Json<UpdateUser>,
) -> Result<axum::Json<Envelope<UserDto>>> {
    actor.require_role(&[Role::Admin])?;
    actor.require_session()?;
    let id = parse_id(&id, "user id")?;
    let unknown = || ApiError::new(Code::UnknownUser, "no such user");
    if body.role.is_none() && body.disabled.is_none() {
        return Err(ApiError(ServiceError::validation(
            "give a role, disabled, or both",
        )));
    }
    state
        .service
        .query(state.store().user(id))
        .await?
        .ok_or_else(unknown)?;
    if let Some(role) = body.role {
        state
            .service
            .query(state.store().set_user_role(id, role.into()))
            .await?;
    }
    if let Some(disabled) = body.disabled {
        state
            .service
            .query(state.store().set_user_disabled(id, disabled))
            .await?;
        if disabled {
            end_user_sessions(&state, id).await?;
        }
        state.service.ensure_account(id).await?;
        let released = state
            .service
            .execute(Command::SetAccountHalted {
                owner: OwnerId(id),
                halted: disabled,
            })
            .await?;
        if let Some(Event::Rejected(r)) = released.events.first() {
            return Err(ApiError(ServiceError::rejected(r.code)));
        }
    }
    let user = state
        .service
        .query(state.store().user(id))
        .await?
        .ok_or_else(unknown)?;
    state.note_user(&user);
    tracing::info!(
        admin = actor.user_id,
        user = id,
        role = user.role.as_str(),
        disabled = user.disabled,
        "user updated"
    );
    Ok(ok(user_dto(&user)))
}

/// Trade, halt or close an instrument (admin). Closing cancels every resting order.
#[utoipa::path(post, path = "/api/v1/admin/instruments/{symbol}/status", tag = "admin",
    operation_id = "setInstrumentStatus", request_body = InstrumentStatusRequest,
    params(("symbol" = String, Path, example = "BTC-USD", pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<InstrumentStatusChanged>),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope),
              (status = 409, description = "INSTRUMENT_CLOSED: a closed instrument stays closed", body = ErrorEnvelope)))]
pub async fn set_instrument_status(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(symbol): Path<String>,
    Json(body): Json<InstrumentStatusRequest>,
) -> Result<axum::Json<Envelope<InstrumentStatusChanged>>> {
    actor.require_role(&[Role::Admin])?;
    let instrument = state.service.catalog().symbol(&symbol)?;
    let status: InstrumentStatus = body.status.into();
    let released = state
        .service
        .execute(Command::SetInstrumentStatus {
            instrument: instrument.id(),
            status,
        })
        .await?;
    if let Some(Event::Rejected(r)) = released.events.first() {
        return Err(ApiError(ServiceError::rejected(r.code)));
    }
    tracing::info!(admin = actor.user_id, symbol = %instrument.symbol(), status = status.as_str(), "instrument status changed");
    Ok(ok(InstrumentStatusChanged {
        symbol: instrument.symbol().to_string(),
        status: body.status,
    }))
}

/// Every account's orders (admin, compliance, auditor).
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "admin", operation_id = "listAllOrders",
    params(AllOrdersQuery), security(("bearer" = [])),
    responses((status = 200, body = Envelope<Paginated<OrderDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn all_orders(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<AllOrdersQuery>,
) -> Result<axum::Json<Envelope<Paginated<OrderDto>>>> {
    actor.require_role(&[Role::Admin, Role::Compliance, Role::Auditor])?;
    actor.require_read()?;
    let page = page(query.page, query.limit)?;
    let list = state
        .service
        .orders(
            None,
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
