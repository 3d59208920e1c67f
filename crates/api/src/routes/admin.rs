//! Staff routes. Admins manage users and markets; compliance and auditors read every
//! account's orders.

use super::{created, ok, page, paginated, parse_id};
use crate::auth::{self, Auth};
use crate::dto::{
    CreateUser, CreatedUser, Envelope, InstrumentStatusRequest, OrderDto, OrderQuery, PageQuery,
    Paginated, UpdateUser, UserDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::routes::auth::user_dto;
use crate::routes::orders::{order_dto, order_filter};
use crate::state::{AppState, now_nanos};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use bourse_engine::{Command, Event};
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
}

/// Every user (admin).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Envelope<Paginated<UserDto>>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<PageQuery>,
) -> Result<axum::Json<Envelope<Paginated<UserDto>>>> {
    principal.require_role(&[Role::Admin])?;
    let page = page(query.page, query.limit)?;
    let (users, total) = state.store.users(page).await?;
    Ok(ok(paginated(
        users.iter().map(user_dto).collect(),
        page,
        total,
    )))
}

/// Create a user with a role (admin). Without a password, one is generated and
/// returned once.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = Envelope<CreatedUser>), (status = 403, body = ErrorEnvelope),
              (status = 409, description = "USERNAME_TAKEN", body = ErrorEnvelope)))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(body): Json<CreateUser>,
) -> Result<(StatusCode, axum::Json<Envelope<CreatedUser>>)> {
    principal.require_role(&[Role::Admin])?;
    principal.require_session()?;
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError::validation("role is admin, trader, compliance or auditor"))?;
    auth::check_username(&body.username)?;
    let (password, generated) = match body.password {
        Some(password) => (password, false),
        None => (auth::random_password(), true),
    };
    auth::check_password(&password)?;
    let hash = auth::hash_password(&password)?;
    let user = state
        .store
        .create_user(NewUser {
            username: &body.username,
            password_hash: &hash,
            role,
            created_at: now_nanos(),
        })
        .await?;
    state.ensure_account(user.id).await?;
    tracing::info!(
        admin = principal.user_id,
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
/// their engine account and revokes their sessions.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = UpdateUser,
    params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Envelope<UserDto>), (status = 403, body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER", body = ErrorEnvelope)))]
pub async fn update_user(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    Json(body): Json<UpdateUser>,
) -> Result<axum::Json<Envelope<UserDto>>> {
    principal.require_role(&[Role::Admin])?;
    principal.require_session()?;
    let id = parse_id(&id, "user id")?;
    let unknown = || ApiError::not_found("UNKNOWN_USER", "no such user");
    state.store.user(id).await?.ok_or_else(unknown)?;
    if let Some(role) = &body.role {
        let role = Role::parse(role)
            .ok_or_else(|| ApiError::validation("role is admin, trader, compliance or auditor"))?;
        state.store.set_user_role(id, role).await?;
    }
    if let Some(disabled) = body.disabled {
        state.store.set_user_disabled(id, disabled).await?;
        if disabled {
            state.store.revoke_user_tokens(id, now_nanos()).await?;
        }
        state.ensure_account(id).await?;
        let released = state
            .execute(Command::SetAccountHalted {
                owner: OwnerId(id),
                halted: disabled,
            })
            .await?;
        if let Some(Event::Rejected(r)) = released.events.first() {
            return Err(ApiError::rejected(r.code));
        }
    }
    let user = state.store.user(id).await?.ok_or_else(unknown)?;
    state.note_user(&user);
    tracing::info!(
        admin = principal.user_id,
        user = id,
        role = user.role.as_str(),
        disabled = user.disabled,
        "user updated"
    );
    Ok(ok(user_dto(&user)))
}

/// Trade, halt or close an instrument (admin). Closing cancels every resting order.
#[utoipa::path(post, path = "/api/v1/admin/instruments/{symbol}/status", tag = "admin", request_body = InstrumentStatusRequest,
    params(("symbol" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Envelope<Object>), (status = 403, body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn set_instrument_status(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(symbol): Path<String>,
    Json(body): Json<InstrumentStatusRequest>,
) -> Result<axum::Json<Envelope<serde_json::Value>>> {
    principal.require_role(&[Role::Admin])?;
    let instrument = state.catalog().symbol(&symbol)?;
    let status = match body.status.as_str() {
        "trading" => InstrumentStatus::Trading,
        "halted" => InstrumentStatus::Halted,
        "closed" => InstrumentStatus::Closed,
        other => {
            return Err(ApiError::validation(format!(
                "status is trading, halted or closed, not {other:?}"
            )));
        }
    };
    let released = state
        .execute(Command::SetInstrumentStatus {
            instrument: instrument.id(),
            status,
        })
        .await?;
    if let Some(Event::Rejected(r)) = released.events.first() {
        return Err(ApiError::rejected(r.code));
    }
    tracing::info!(admin = principal.user_id, symbol = %instrument.symbol(), status = status.as_str(), "instrument status changed");
    Ok(ok(
        serde_json::json!({ "symbol": instrument.symbol().to_string(), "status": status.as_str() }),
    ))
}

/// Every account's orders (admin, compliance, auditor).
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "admin", params(OrderQuery), security(("bearer" = [])),
    responses((status = 200, body = Envelope<Paginated<OrderDto>>), (status = 403, body = ErrorEnvelope)))]
pub async fn all_orders(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<OrderQuery>,
) -> Result<axum::Json<Envelope<Paginated<OrderDto>>>> {
    principal.require_role(&[Role::Admin, Role::Compliance, Role::Auditor])?;
    principal.require_read()?;
    let filter = order_filter(&state, None, &query)?;
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
