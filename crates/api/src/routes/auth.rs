//! Registration, login, token refresh and logout, the caller's profile, password
//! changes and API keys.
//!
//! A session is a refresh-token family: login starts one, each refresh continues it,
//! and every access token names its session (`sid`). Logout, the reuse of a refresh
//! token, a password change and disabling a user end sessions; their access tokens
//! are refused at once, not when they expire.

use super::{created, ok, time};
use crate::auth::{self, Auth, Claims};
use crate::dto::{
    ApiKeyCreated, ApiKeyDto, ApiKeyRequest, Credentials, Empty, Envelope, PasswordChange,
    RefreshRequest, ScopeDto, TokenResponse, UserDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Json, Path};
use crate::state::{AppState, now_nanos};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use bourse_service::{Code, Scopes, ServiceError};
use bourse_store::{ApiKeyRow, NewUser, RefreshTokenRow, Role, UserRow};

/// Live API keys an account may hold.
pub const API_KEYS_PER_USER_MAX: usize = 20;

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
        role: user.role.into(),
        disabled: user.disabled,
        created_at: time(user.created_at),
    }
}

/// A fresh access token and a refresh token of a new session (or of `family`).
pub async fn issue_tokens(
    state: &AppState,
    user: &UserRow,
    family: Option<String>,
) -> Result<TokenResponse> {
    let now = now_nanos();
    let now_secs = now / 1_000_000_000;
    let ttl = state.config.access_token_ttl.as_secs();
    let family = family.unwrap_or_else(|| auth::hex(&auth::random_bytes::<16>()));
    let refresh = auth::new_refresh_token();
    state
        .service
        .query(state.store().insert_refresh_token(&RefreshTokenRow {
            id: refresh.id.clone(),
            user_id: user.id,
            family: family.clone(),
            token_hash: refresh.secret_hash,
            created_at: now,
            expires_at: now + state.config.refresh_token_ttl.as_nanos() as u64,
            used_at: None,
            revoked_at: None,
        }))
        .await?;
    let access_token = state.jwt.sign(&Claims {
        sub: user.id.to_string(),
        role: user.role.as_str().to_string(),
        iat: now_secs,
        exp: now_secs + ttl,
        typ: "access".to_string(),
        sid: family,
    });
    Ok(TokenResponse {
        access_token,
        refresh_token: refresh.token,
        token_type: "Bearer".to_string(),
        expires_in: ttl,
        user: user_dto(user),
    })
}

/// A refresh token within the documented length, or `VALIDATION_ERROR`.
fn refresh_token_of(body: &RefreshRequest) -> Result<&str> {
    if body.refresh_token.len() > crate::dto::REFRESH_TOKEN_LEN_MAX {
        return Err(ApiError(ServiceError::field(
            "refresh_token",
            format!(
                "a refresh token has at most {} characters",
                crate::dto::REFRESH_TOKEN_LEN_MAX
            ),
        )));
    }
    Ok(&body.refresh_token)
}

fn disabled() -> ApiError {
    ApiError::new(Code::Forbidden, "this account is disabled")
}

/// Register a trader account (only while registration is open: the demo profile).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", operation_id = "register",
    request_body = Credentials,
    responses((status = 201, description = "the account and a session", body = Envelope<TokenResponse>),
              (status = 400, description = "VALIDATION_ERROR (the username) or WEAK_PASSWORD", body = ErrorEnvelope),
              (status = 403, description = "REGISTRATION_CLOSED", body = ErrorEnvelope),
              (status = 409, description = "USERNAME_TAKEN", body = ErrorEnvelope)))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, axum::Json<Envelope<TokenResponse>>)> {
    if !state.config.registration_open {
        return Err(ApiError::new(
            Code::RegistrationClosed,
            "registration is closed on this venue",
        ));
    }
    auth::check_username(&body.username)?;
    auth::check_password(&body.password)?;
    let hash = auth::hash_password(&body.password)?;
    let user = state
        .service
        .query(state.store().create_user(NewUser {
            username: &body.username,
            password_hash: &hash,
            role: Role::Trader,
            created_at: now_nanos(),
        }))
        .await?;
    state.service.ensure_account(user.id).await?;
    tracing::info!(user = user.id, username = %user.username, "user registered");
    Ok(created(issue_tokens(&state, &user, None).await?))
}

/// Log in with a username and password; starts a session.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = Credentials,
    responses((status = 200, description = "a new session", body = Envelope<TokenResponse>),
              (status = 401, description = "INVALID_CREDENTIALS", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN: the account is disabled", body = ErrorEnvelope)))]
pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<axum::Json<Envelope<TokenResponse>>> {
    let invalid = || ApiError::new(Code::InvalidCredentials, "wrong username or password");
    let user = state
        .service
        .query(state.store().user_by_name(&body.username))
        .await?;
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
        return Err(disabled());
    }
    state.note_user(&user);
    tracing::info!(user = user.id, "login");
    Ok(ok(issue_tokens(&state, &user, None).await?))
}

/// Exchange a refresh token for a new pair of the same session. Each refresh token
/// works once: presenting one that was already used ends its whole session (someone
/// else may have it). An expired token is `TOKEN_EXPIRED` however often it comes
/// back, and ends nothing.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh",
    request_body = RefreshRequest,
    responses((status = 200, description = "a new pair of the same session", body = Envelope<TokenResponse>),
              (status = 401, description = "TOKEN_INVALID, TOKEN_EXPIRED or TOKEN_REUSED", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN: the account is disabled", body = ErrorEnvelope)))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<axum::Json<Envelope<TokenResponse>>> {
    let invalid = || ApiError::new(Code::TokenInvalid, "the refresh token is not valid");
    let (id, secret) = auth::parse_refresh_token(refresh_token_of(&body)?).ok_or_else(invalid)?;
    let row = state
        .service
        .query(state.store().refresh_token(id))
        .await?
        .ok_or_else(invalid)?;
    if !auth::constant_time_eq(&row.token_hash, &auth::sha256_hex(secret)) {
        return Err(invalid());
    }
    let now = now_nanos();
    // Revocation and expiry come before use: a token that cannot be used any more is
    // refused for what it is, and marking it used would make its next presentation
    // look like a theft.
    if row.revoked_at.is_some() {
        return Err(ApiError::new(
            Code::TokenInvalid,
            "this refresh token's session has ended; log in again",
        ));
    }
    if row.expires_at <= now {
        return Err(ApiError::new(
            Code::TokenExpired,
            "the refresh token has expired; log in again",
        ));
    }
    let first_use = row.used_at.is_none()
        && state
            .service
            .query(state.store().use_refresh_token(id, now))
            .await?;
    if !first_use {
        state
            .service
            .query(
                state
                    .store()
                    .revoke_token_family(&row.family, row.user_id, now),
            )
            .await?;
        state.end_sessions([row.family.clone()]);
        tracing::warn!(user = row.user_id, family = %row.family, "refresh token reused; session ended");
        return Err(ApiError::new(
            Code::TokenReused,
            "this refresh token was already used; its session has ended",
        ));
    }
    let user = state
        .service
        .query(state.store().user(row.user_id))
        .await?
        .ok_or_else(invalid)?;
    if user.disabled {
        return Err(disabled());
    }
    Ok(ok(issue_tokens(&state, &user, Some(row.family)).await?))
}

/// End the session of a refresh token: its refresh tokens stop working, and so do its
/// access tokens, at once. A token that is not valid ends nothing and still answers
/// 200, so logging out twice is harmless.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    request_body = RefreshRequest,
    responses((status = 200, body = Envelope<Empty>)))]
pub async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<axum::Json<Envelope<Empty>>> {
    if let Some((id, secret)) = auth::parse_refresh_token(refresh_token_of(&body)?)
        && let Some(row) = state.service.query(state.store().refresh_token(id)).await?
        && auth::constant_time_eq(&row.token_hash, &auth::sha256_hex(secret))
    {
        // Recorded before it is answered, so that a restart keeps the session ended.
        state
            .service
            .query(
                state
                    .store()
                    .revoke_token_family(&row.family, row.user_id, now_nanos()),
            )
            .await?;
        state.end_sessions([row.family.clone()]);
        tracing::info!(user = row.user_id, "logout");
    }
    Ok(ok(Empty {}))
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", operation_id = "me",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<UserDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER", body = ErrorEnvelope)))]
pub async fn me(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<UserDto>>> {
    actor.require_read()?;
    let user = state
        .service
        .query(state.store().user(actor.user_id))
        .await?
        .ok_or_else(|| ApiError::new(Code::UnknownUser, "no such user"))?;
    Ok(ok(user_dto(&user)))
}

/// Ends every session of a user: their refresh tokens are revoked and their access
/// tokens refused from now on.
pub async fn end_user_sessions(state: &AppState, user_id: u64) -> Result<()> {
    let now = now_nanos();
    // Only sessions that may still have a live access token need remembering: those
    // that were given a token (at login or a refresh) within its lifetime.
    let since = now.saturating_sub(state.config.access_token_ttl.as_nanos() as u64);
    let ended = state
        .service
        .query(state.store().revoke_user_tokens(user_id, since, now))
        .await?;
    state.end_sessions(ended);
    Ok(())
}

/// Change the caller's password. Every session of the user ends, including this
/// one; the answer is a new session, so the caller stays logged in.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", operation_id = "changePassword",
    request_body = PasswordChange, security(("bearer" = [])),
    responses((status = 200, description = "a new session; every other session has ended", body = Envelope<TokenResponse>),
              (status = 400, description = "WEAK_PASSWORD", body = ErrorEnvelope),
              (status = 401, description = "INVALID_CREDENTIALS: the current password is wrong", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN: this needs a session, not an API key", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_USER", body = ErrorEnvelope)))]
pub async fn change_password(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<PasswordChange>,
) -> Result<axum::Json<Envelope<TokenResponse>>> {
    actor.require_session()?;
    let user = state
        .service
        .query(state.store().user(actor.user_id))
        .await?
        .ok_or_else(|| ApiError::new(Code::UnknownUser, "no such user"))?;
    if !auth::verify_password(&body.current_password, &user.password_hash) {
        return Err(ApiError::new(
            Code::InvalidCredentials,
            "the current password is wrong",
        ));
    }
    auth::check_password(&body.new_password)?;
    let hash = auth::hash_password(&body.new_password)?;
    state
        .service
        .query(state.store().set_password_hash(user.id, &hash))
        .await?;
    end_user_sessions(&state, user.id).await?;
    tracing::info!(user = user.id, "password changed; every session ended");
    Ok(ok(issue_tokens(&state, &user, None).await?))
}

fn key_dto(row: &ApiKeyRow) -> ApiKeyDto {
    let scopes = Scopes::parse(&row.scopes).unwrap_or(Scopes {
        read: false,
        trade: false,
    });
    let mut list = Vec::new();
    if scopes.read {
        list.push(ScopeDto::Read);
    }
    if scopes.trade {
        list.push(ScopeDto::Trade);
    }
    ApiKeyDto {
        id: row.id.clone(),
        name: row.name.clone(),
        scopes: list,
        created_at: time(row.created_at),
        revoked_at: row.revoked_at.map(time),
    }
}

/// Create an API key with scopes. The key is in this response only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "auth", operation_id = "createApiKey",
    request_body = ApiKeyRequest, security(("bearer" = [])),
    responses((status = 201, body = Envelope<ApiKeyCreated>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "FORBIDDEN: this needs a session, not an API key", body = ErrorEnvelope),
              (status = 409, description = "TOO_MANY_API_KEYS", body = ErrorEnvelope)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<ApiKeyRequest>,
) -> Result<(StatusCode, axum::Json<Envelope<ApiKeyCreated>>)> {
    actor.require_session()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError(ServiceError::field(
            "name",
            "name has 1 to 64 characters",
        )));
    }
    if body.scopes.is_empty() || body.scopes.len() > 2 {
        return Err(ApiError(ServiceError::field(
            "scopes",
            "scopes are one or two of `read`, `trade`",
        )));
    }
    let scopes = Scopes {
        read: body.scopes.contains(&ScopeDto::Read),
        trade: body.scopes.contains(&ScopeDto::Trade),
    };
    let live = state
        .service
        .query(state.store().api_keys_of(actor.user_id))
        .await?
        .iter()
        .filter(|k| k.revoked_at.is_none())
        .count();
    if live >= API_KEYS_PER_USER_MAX {
        return Err(ApiError::new(
            Code::TooManyApiKeys,
            format!("an account may hold at most {API_KEYS_PER_USER_MAX} live API keys"),
        ));
    }
    let key = auth::new_api_key();
    let row = ApiKeyRow {
        id: key.id.clone(),
        user_id: actor.user_id,
        name: name.to_string(),
        key_hash: key.secret_hash,
        scopes: scopes.to_list().join(","),
        created_at: now_nanos(),
        revoked_at: None,
    };
    state
        .service
        .query(state.store().insert_api_key(&row))
        .await?;
    tracing::info!(user = actor.user_id, key = %row.id, scopes = %row.scopes, "API key created");
    Ok(created(ApiKeyCreated {
        key: key.key,
        api_key: key_dto(&row),
    }))
}

/// The caller's API keys (never the keys themselves).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "auth", operation_id = "listApiKeys",
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<Vec<ApiKeyDto>>),
              (status = 403, description = "FORBIDDEN: this needs a session, not an API key", body = ErrorEnvelope)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<Vec<ApiKeyDto>>>> {
    actor.require_session()?;
    let keys = state
        .service
        .query(state.store().api_keys_of(actor.user_id))
        .await?;
    Ok(ok(keys.iter().map(key_dto).collect()))
}

/// Revoke one of the caller's API keys; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "auth", operation_id = "revokeApiKey",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "the key's id", pattern = r"^[0-9a-f]{16}$")),
    responses((status = 200, body = Envelope<Empty>),
              (status = 403, description = "FORBIDDEN: this needs a session, not an API key", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_API_KEY", body = ErrorEnvelope)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<Empty>>> {
    actor.require_session()?;
    if !state
        .service
        .query(
            state
                .store()
                .revoke_api_key(actor.user_id, &id, now_nanos()),
        )
        .await?
    {
        return Err(ApiError::new(Code::UnknownApiKey, "no such live API key"));
    }
    state.forget_api_key(&id);
    tracing::info!(user = actor.user_id, key = %id, "API key revoked");
    Ok(ok(Empty {}))
}
