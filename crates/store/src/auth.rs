//! Accounts the API owns: users, refresh tokens and API keys. Secrets are never stored:
//! passwords as argon2id hashes, tokens and keys as SHA-256 digests (computed by the
//! API; this crate only stores strings).

use crate::{Result, Store, StoreError, sql_int};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including halting markets and managing users.
    Admin,
    /// Trades on their own account.
    Trader,
    /// Reads every account's orders and trades; cannot trade.
    Compliance,
    /// Reads every account's orders and trades; cannot trade.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Trader, Role::Compliance, Role::Auditor];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Trader => "trader",
            Role::Compliance => "compliance",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: u64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub created_at: u64,
    pub disabled: bool,
}

impl UserRow {
    fn from_row(row: &AnyRow) -> Result<UserRow> {
        let id: i64 = row.try_get("id")?;
        let role: String = row.try_get("role")?;
        let created_at: i64 = row.try_get("created_at")?;
        let disabled: i64 = row.try_get("disabled")?;
        Ok(UserRow {
            id: u64::try_from(id).map_err(|_| StoreError::Corrupt(format!("user id {id}")))?,
            username: row.try_get("username")?,
            password_hash: row.try_get("password_hash")?,
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
            created_at: u64::try_from(created_at).unwrap_or(0),
            disabled: disabled != 0,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub created_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRow {
    pub id: String,
    pub user_id: u64,
    pub family: String,
    pub token_hash: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub used_at: Option<u64>,
    pub revoked_at: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub id: String,
    pub user_id: u64,
    pub name: String,
    pub key_hash: String,
    /// Comma-separated: `read`, `trade`.
    pub scopes: String,
    pub created_at: u64,
    pub revoked_at: Option<u64>,
}

fn opt_u64(row: &AnyRow, column: &str) -> Result<Option<u64>> {
    let value: Option<i64> = row.try_get(column)?;
    Ok(value.and_then(|v| u64::try_from(v).ok()))
}

fn req_u64(row: &AnyRow, column: &str) -> Result<u64> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} = {value}")))
}

impl ApiKeyRow {
    fn from_row(row: &AnyRow) -> Result<ApiKeyRow> {
        Ok(ApiKeyRow {
            id: row.try_get("id")?,
            user_id: req_u64(row, "user_id")?,
            name: row.try_get("name")?,
            key_hash: row.try_get("key_hash")?,
            scopes: row.try_get("scopes")?,
            created_at: req_u64(row, "created_at")?,
            revoked_at: opt_u64(row, "revoked_at")?,
        })
    }
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.message().contains("UNIQUE")
                || db.code().is_some_and(|c| c == "23505")
        }
        _ => false,
    }
}

impl Store {
    pub async fn create_user(&self, user: NewUser<'_>) -> Result<UserRow> {
        let result = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at, disabled) VALUES ($1, $2, $3, $4, 0) RETURNING id",
        )
        .bind(user.username)
        .bind(user.password_hash)
        .bind(user.role.as_str())
        .bind(sql_int(user.created_at))
        .fetch_one(self.pool())
        .await;
        let row = match result {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => return Err(StoreError::UsernameTaken),
            Err(error) => return Err(error.into()),
        };
        let id: i64 = row.try_get("id")?;
        Ok(UserRow {
            id: u64::try_from(id).map_err(|_| StoreError::Corrupt(format!("user id {id}")))?,
            username: user.username.to_string(),
            password_hash: user.password_hash.to_string(),
            role: user.role,
            created_at: user.created_at,
            disabled: false,
        })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRow>> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(UserRow::from_row).transpose()
    }

    pub async fn user(&self, id: u64) -> Result<Option<UserRow>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(sql_int(id))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(UserRow::from_row).transpose()
    }

    pub async fn user_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Users in id order, a page at a time, and how many there are.
    pub async fn users(&self, page: crate::Page) -> Result<(Vec<UserRow>, u64)> {
        let total = self.user_count().await?;
        let rows = sqlx::query("SELECT * FROM users ORDER BY id LIMIT $1 OFFSET $2")
            .bind(i64::from(page.limit))
            .bind(i64::from(page.page.max(1) - 1) * i64::from(page.limit))
            .fetch_all(self.pool())
            .await?;
        Ok((
            rows.iter()
                .map(UserRow::from_row)
                .collect::<Result<Vec<_>>>()?,
            total,
        ))
    }

    pub async fn set_user_role(&self, id: u64, role: Role) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(sql_int(id))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_user_disabled(&self, id: u64, disabled: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(sql_int(id))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_password_hash(&self, id: u64, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(sql_int(id))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn insert_refresh_token(&self, token: &RefreshTokenRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, family, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token.id.as_str())
        .bind(sql_int(token.user_id))
        .bind(token.family.as_str())
        .bind(token.token_hash.as_str())
        .bind(sql_int(token.created_at))
        .bind(sql_int(token.expires_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn refresh_token(&self, id: &str) -> Result<Option<RefreshTokenRow>> {
        let row = sqlx::query("SELECT * FROM refresh_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RefreshTokenRow {
            id: row.try_get("id")?,
            user_id: req_u64(&row, "user_id")?,
            family: row.try_get("family")?,
            token_hash: row.try_get("token_hash")?,
            created_at: req_u64(&row, "created_at")?,
            expires_at: req_u64(&row, "expires_at")?,
            used_at: opt_u64(&row, "used_at")?,
            revoked_at: opt_u64(&row, "revoked_at")?,
        }))
    }

    /// Marks a refresh token used, only if it was not: returns false when it already
    /// was (a reuse), so two racing refreshes cannot both succeed.
    pub async fn use_refresh_token(&self, id: &str, now: u64) -> Result<bool> {
        let done = sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(sql_int(now))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a session: revokes every refresh token of its family and records the
    /// session as ended, in one transaction (on logout, or when a used token comes
    /// back).
    pub async fn revoke_token_family(&self, family: &str, user_id: u64, now: u64) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
        )
        .bind(sql_int(now))
        .bind(family)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO revoked_sessions (family, user_id, revoked_at) VALUES ($1, $2, $3) \
             ON CONFLICT (family) DO NOTHING",
        )
        .bind(family)
        .bind(sql_int(user_id))
        .bind(sql_int(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of a user (password change, user disabled): revokes their
    /// refresh tokens and records each session whose tokens were issued since
    /// `issued_since` (older ones have no access token left alive). Returns the
    /// sessions ended.
    pub async fn revoke_user_tokens(
        &self,
        user_id: u64,
        issued_since: u64,
        now: u64,
    ) -> Result<Vec<String>> {
        let mut tx = self.pool().begin().await?;
        let rows = sqlx::query(
            "SELECT DISTINCT family FROM refresh_tokens WHERE user_id = $1 AND created_at >= $2",
        )
        .bind(sql_int(user_id))
        .bind(sql_int(issued_since))
        .fetch_all(&mut *tx)
        .await?;
        let families: Vec<String> = rows
            .iter()
            .map(|row| row.try_get("family"))
            .collect::<std::result::Result<_, _>>()?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(sql_int(now))
        .bind(sql_int(user_id))
        .execute(&mut *tx)
        .await?;
        for family in &families {
            sqlx::query(
                "INSERT INTO revoked_sessions (family, user_id, revoked_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (family) DO NOTHING",
            )
            .bind(family.as_str())
            .bind(sql_int(user_id))
            .bind(sql_int(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(families)
    }

    /// Sessions ended since `since` (nanoseconds), and forgets older ones: an access
    /// token cannot outlive its lifetime, so a session ended before it is moot.
    pub async fn revoked_sessions_since(&self, since: u64) -> Result<Vec<(String, u64)>> {
        sqlx::query("DELETE FROM revoked_sessions WHERE revoked_at < $1")
            .bind(sql_int(since))
            .execute(self.pool())
            .await?;
        let rows = sqlx::query("SELECT family, revoked_at FROM revoked_sessions")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("family")?, req_u64(row, "revoked_at")?)))
            .collect()
    }

    pub async fn insert_api_key(&self, key: &ApiKeyRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, user_id, name, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key.id.as_str())
        .bind(sql_int(key.user_id))
        .bind(key.name.as_str())
        .bind(key.key_hash.as_str())
        .bind(key.scopes.as_str())
        .bind(sql_int(key.created_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn api_key(&self, id: &str) -> Result<Option<ApiKeyRow>> {
        let row = sqlx::query("SELECT * FROM api_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(ApiKeyRow::from_row).transpose()
    }

    pub async fn api_keys_of(&self, user_id: u64) -> Result<Vec<ApiKeyRow>> {
        let rows =
            sqlx::query("SELECT * FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id")
                .bind(sql_int(user_id))
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(ApiKeyRow::from_row).collect()
    }

    /// Revokes a user's key; false if the user has no such live key.
    pub async fn revoke_api_key(&self, user_id: u64, id: &str, now: u64) -> Result<bool> {
        let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(sql_int(now))
            .bind(id)
            .bind(sql_int(user_id))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
