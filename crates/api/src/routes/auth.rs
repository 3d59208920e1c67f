//! Registration, login, token refresh and logout, the caller's profile, password
//! changes and API keys.

use super::{created, ok, time};
use crate::auth::{self, Auth, Claims, Scopes};
use crate::dto::{
    ApiKeyCreated, ApiKeyDto, ApiKeyRequest, Credentials, Envelope, PasswordChange, RefreshRequest,
    TokenResponse, UserDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Path};
use crate::state::{AppState, now_nanos};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use bourse_store::{ApiKeyRow, NewUser, RefreshTokenRow, Role, UserRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", post(change_password))
        .route("/api-keys", post(create_api_key).get(list_api_keys))
        .route("/api-keys/{id}", delete(revoke_api_key))
}

pub fn user_dto(user: &UserRow) -> UserDto {
    UserDto {
        id: user.id.to_string(),
        username: user.username.clone(),
        role: user.role.as_str().to_string(),
        disabled: user.disabled,
        created_at: time(user.created_at),
    }
}

/// A fresh access token and a refresh token of a new family (or of `family`).
pub async fn issue_tokens(
    state: &AppState,
    user: &UserRow,
    family: Option<String>,
) -> Result<TokenResponse> {
    let now = now_nanos();
    let now_secs = now / 1_000_000_000;
    let ttl = state.config.access_token_ttl.as_secs();
    let access_token = state.jwt.sign(&Claims {
        sub: user.id.to_string(),
        role: user.role.as_str().to_string(),
        iat: now_secs,
        exp: now_secs + ttl,
        typ: "access".to_string(),
    });
    let refresh = auth::new_refresh_token();
    state
        .store
        .insert_refresh_token(&RefreshTokenRow {
            id: refresh.id.clone(),
            user_id: user.id,
            family: family.unwrap_or_else(|| auth::hex(&auth::random_bytes::<16>())),
            token_hash: refresh.secret_hash,
            created_at: now,
            expires_at: now + state.config.refresh_token_ttl.as_nanos() as u64,
            used_at: None,
            revoked_at: None,
        })
        .await?;
    Ok(TokenResponse {
        access_token,
        refresh_token: refresh.token,
        token_type: "Bearer".to_string(),
        expires_in: ttl,
        user: user_dto(user),
    })
}

/// Register a trader account (only while registration is open: the demo profile).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = Credentials,
    responses((status = 201, body = Envelope<TokenResponse>),
              (status = 403, description = "REGISTRATION_CLOSED", body = ErrorEnvelope),
              (status = 409, description = "USERNAME_TAKEN", body = ErrorEnvelope)))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, axum::Json<Envelope<TokenResponse>>)> {
    if !state.config.registration_open {
        return Err(ApiError::forbidden(
            "REGISTRATION_CLOSED",
            "registration is closed on this venue",
        ));
    }
    auth::check_username(&body.username)?;
    auth::check_password(&body.password)?;
    let hash = auth::hash_password(&body.password)?;
    let user = state
        .store
        .create_user(NewUser {
            username: &body.username,
            password_hash: &hash,
            role: Role::Trader,
            created_at: now_nanos(),
        })
        .await?;
    state.ensure_account(user.id).await?;
    tracing::info!(user = user.id, username = %user.username, "user registered");
    Ok(created(issue_tokens(&state, &user, None).await?))
}

/// Log in with a username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Credentials,
    responses((status = 200, body = Envelope<TokenResponse>),
              (status = 401, description = "INVALID_CREDENTIALS", body = ErrorEnvelope)))]
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<axum::Json<Envelope<TokenResponse>>> {
    let invalid = || ApiError::unauthorized("INVALID_CREDENTIALS", "wrong username or password");
    let user = state.store.user_by_name(&body.username).await?;
    let Some(user) = user else {
        // Spend the same time as a real check, so that timing does not reveal which
        // usernames exist.
        let _ = auth::verify_password(&body.password, auth::dummy_hash());
        tracing::info!(username = %body.username, "login failed: unknown user");
        return Err(invalid());
    };
    if !auth::verify_password(&body.password, &user.password_hash) {
        tracing::info!(user = user.id, "login failed: wrong password");
        return Err(invalid());
    }
    if user.disabled {
        return Err(ApiError::unauthorized(
            "UNAUTHORIZED",
            "this account is disabled",
        ));
    }
    state.note_user(&user);
    tracing::info!(user = user.id, "login");
    Ok(ok(issue_tokens(&state, &user, None).await?))
}

/// Exchange a refresh token for a new pair. Each refresh token works once: presenting
/// one that was already used revokes its whole family (someone else may have it).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Envelope<TokenResponse>),
              (status = 401, description = "TOKEN_INVALID, TOKEN_EXPIRED or TOKEN_REUSED", body = ErrorEnvelope)))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<axum::Json<Envelope<TokenResponse>>> {
    let invalid = || ApiError::unauthorized("TOKEN_INVALID", "the refresh token is not valid");
    let (id, secret) = auth::parse_refresh_token(&body.refresh_token).ok_or_else(invalid)?;
    let row = state.store.refresh_token(id).await?.ok_or_else(invalid)?;
    if !auth::constant_time_eq(&row.token_hash, &auth::sha256_hex(secret)) {
        return Err(invalid());
    }
    let now = now_nanos();
    if row.revoked_at.is_some() {
        return Err(invalid());
    }
    if row.used_at.is_some() || !state.store.use_refresh_token(id, now).await? {
        state.store.revoke_token_family(&row.family, now).await?;
        tracing::warn!(user = row.user_id, family = %row.family, "refresh token reused; family revoked");
        return Err(ApiError::unauthorized(
            "TOKEN_REUSED",
            "this refresh token was already used; every session of its family is revoked",
        ));
    }
    if row.expires_at <= now {
        return Err(ApiError::unauthorized(
            "TOKEN_EXPIRED",
            "the refresh token has expired; log in again",
        ));
    }
    let user = state.store.user(row.user_id).await?.ok_or_else(invalid)?;
    if user.disabled {
        return Err(ApiError::unauthorized(
            "UNAUTHORIZED",
            "this account is disabled",
        ));
    }
    Ok(ok(issue_tokens(&state, &user, Some(row.family)).await?))
}

/// Revoke a refresh token's family (end the session).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Envelope<Object>)))]
pub async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<axum::Json<Envelope<serde_json::Value>>> {
    if let Some((id, secret)) = auth::parse_refresh_token(&body.refresh_token)
        && let Some(row) = state.store.refresh_token(id).await?
        && auth::constant_time_eq(&row.token_hash, &auth::sha256_hex(secret))
    {
        state
            .store
            .revoke_token_family(&row.family, now_nanos())
            .await?;
    }
    Ok(ok(serde_json::json!({})))
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<UserDto>), (status = 401, body = ErrorEnvelope)))]
pub async fn me(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<Envelope<UserDto>>> {
    principal.require_read()?;
    let user = state
        .store
        .user(principal.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("UNKNOWN_USER", "no such user"))?;
    Ok(ok(user_dto(&user)))
}

/// Change the caller's password; every refresh token of the user is revoked.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange, security(("bearer" = [])),
    responses((status = 200, body = Envelope<Object>),
              (status = 401, description = "INVALID_CREDENTIALS", body = ErrorEnvelope),
              (status = 400, description = "WEAK_PASSWORD", body = ErrorEnvelope)))]
pub async fn change_password(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(body): Json<PasswordChange>,
) -> Result<axum::Json<Envelope<serde_json::Value>>> {
    principal.require_session()?;
    let user = state
        .store
        .user(principal.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("UNKNOWN_USER", "no such user"))?;
    if !auth::verify_password(&body.current_password, &user.password_hash) {
        return Err(ApiError::unauthorized(
            "INVALID_CREDENTIALS",
            "the current password is wrong",
        ));
    }
    auth::check_password(&body.new_password)?;
    let hash = auth::hash_password(&body.new_password)?;
    state.store.set_password_hash(user.id, &hash).await?;
    state.store.revoke_user_tokens(user.id, now_nanos()).await?;
    tracing::info!(user = user.id, "password changed; refresh tokens revoked");
    Ok(ok(serde_json::json!({})))
}

fn key_dto(row: &ApiKeyRow) -> ApiKeyDto {
    ApiKeyDto {
        id: row.id.clone(),
        name: row.name.clone(),
        scopes: Scopes::parse(&row.scopes)
            .map(Scopes::to_list)
            .unwrap_or_default(),
        created_at: time(row.created_at),
        revoked_at: row.revoked_at.map(time),
    }
}

/// Create an API key with scopes. The key is in this response only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "auth", request_body = ApiKeyRequest, security(("bearer" = [])),
    responses((status = 201, body = Envelope<ApiKeyCreated>), (status = 400, body = ErrorEnvelope)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(body): Json<ApiKeyRequest>,
) -> Result<(StatusCode, axum::Json<Envelope<ApiKeyCreated>>)> {
    principal.require_session()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::validation("name has 1 to 64 characters"));
    }
    let scopes = Scopes::parse(&body.scopes.join(","))
        .ok_or_else(|| ApiError::validation("scopes are one or more of `read`, `trade`"))?;
    if state
        .store
        .api_keys_of(principal.user_id)
        .await?
        .iter()
        .filter(|k| k.revoked_at.is_none())
        .count()
        >= 20
    {
        return Err(ApiError::conflict(
            "VALIDATION_ERROR",
            "an account may hold at most 20 live API keys",
        ));
    }
    let key = auth::new_api_key();
    let row = ApiKeyRow {
        id: key.id.clone(),
        user_id: principal.user_id,
        name: name.to_string(),
        key_hash: key.secret_hash,
        scopes: scopes.to_list().join(","),
        created_at: now_nanos(),
        revoked_at: None,
    };
    state.store.insert_api_key(&row).await?;
    tracing::info!(user = principal.user_id, key = %row.id, scopes = %row.scopes, "API key created");
    Ok(created(ApiKeyCreated {
        key: key.key,
        api_key: key_dto(&row),
    }))
}

/// The caller's API keys (never the keys themselves).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<ApiKeyDto>>)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<Envelope<Vec<ApiKeyDto>>>> {
    principal.require_session()?;
    let keys = state.store.api_keys_of(principal.user_id).await?;
    Ok(ok(keys.iter().map(key_dto).collect()))
}

/// Revoke one of the caller's API keys; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "the key's id")),
    responses((status = 200, body = Envelope<Object>), (status = 404, description = "UNKNOWN_API_KEY", body = ErrorEnvelope)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<serde_json::Value>>> {
    principal.require_session()?;
    if !state
        .store
        .revoke_api_key(principal.user_id, &id, now_nanos())
        .await?
    {
        return Err(ApiError::not_found(
            "UNKNOWN_API_KEY",
            "no such live API key",
        ));
    }
    state.forget_api_key(&id);
    tracing::info!(user = principal.user_id, key = %id, "API key revoked");
    Ok(ok(serde_json::json!({})))
}
