//! Staff: users, listings, instrument rules.

use super::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "carol", "role": "compliance"}))]
pub struct CreateUser {
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9._-]{3,32}$")]
    pub username: String,
    /// Generated (and returned once) when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
    pub role: RoleDto,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: UserDto,
    /// The generated password, when none was given: shown this once.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
/// At least one field (the document says so with `minProperties`, set in `openapi.rs`).
#[schema(example = json!({"disabled": true}))]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub role: Option<RoleDto>,
    /// A disabled user cannot log in, and their tokens and keys stop working.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "halted"}))]
pub struct InstrumentStatusRequest {
    /// Closing cancels every resting order.
    pub status: InstrumentStatusDto,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstrumentStatusChanged {
    pub symbol: String,
    pub status: InstrumentStatusDto,
}
