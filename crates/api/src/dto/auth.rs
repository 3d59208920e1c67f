//! Accounts, sessions and API keys.

use super::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "password": "correct horse"}))]
pub struct Credentials {
    /// 3 to 32 characters: letters, digits, `.`, `_`, `-`.
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9._-]{3,32}$")]
    pub username: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "0123456789abcdef0123456789abcdef.c2VjcmV0"}))]
pub struct RefreshRequest {
    /// As handed out by login, registration or a previous refresh.
    #[schema(max_length = 256)]
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub username: String,
    pub role: RoleDto,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A short-lived bearer token for `Authorization: Bearer ...`.
    pub access_token: String,
    /// Exchange it at `/auth/refresh` for a new pair; each is used once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: UserDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "correct horse", "new_password": "battery staple"}))]
pub struct PasswordChange {
    #[schema(max_length = 128)]
    pub current_password: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "my bot", "scopes": ["read", "trade"]}))]
pub struct ApiKeyRequest {
    /// A label, 1 to 64 characters, not all spaces.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
    /// One or more of `read`, `trade`.
    #[schema(min_items = 1, max_items = 2)]
    pub scopes: Vec<ScopeDto>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: String,
    pub name: String,
    pub scopes: Vec<ScopeDto>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    /// The key, shown this once: send it as `X-API-Key`.
    pub key: String,
    pub api_key: ApiKeyDto,
}
