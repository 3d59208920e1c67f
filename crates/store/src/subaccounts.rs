//! Sub-accounts users opened. A row is written before the answer; the engine owner of
//! a sub-account is derived from its id by the service, which this crate does not know.

use crate::auth::is_unique_violation;
use crate::{Result, Store, StoreError, sql_int};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubaccountRow {
    pub id: u64,
    pub user_id: u64,
    pub name: String,
    pub created_at: u64,
}

fn unsigned(row: &AnyRow, column: &str) -> Result<u64> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("sub-account {column} {value}")))
}

impl SubaccountRow {
    fn from_row(row: &AnyRow) -> Result<SubaccountRow> {
        Ok(SubaccountRow {
            id: unsigned(row, "id")?,
            user_id: unsigned(row, "user_id")?,
            name: row.try_get("name")?,
            created_at: unsigned(row, "created_at")?,
        })
    }
}

impl Store {
    /// Opens a sub-account; a name the user already uses is [`StoreError::NameTaken`].
    pub async fn create_subaccount(
        &self,
        user_id: u64,
        name: &str,
        created_at: u64,
    ) -> Result<SubaccountRow> {
        let result = sqlx::query(
            "INSERT INTO subaccounts (user_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(sql_int(user_id))
        .bind(name)
        .bind(sql_int(created_at))
        .fetch_one(self.pool())
        .await;
        let row = match result {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => return Err(StoreError::NameTaken),
            Err(error) => return Err(error.into()),
        };
        Ok(SubaccountRow {
            id: unsigned(&row, "id")?,
            user_id,
            name: name.to_string(),
            created_at,
        })
    }

    /// Every sub-account of the venue, oldest first (the service keeps them in memory).
    pub async fn subaccounts(&self) -> Result<Vec<SubaccountRow>> {
        sqlx::query("SELECT id, user_id, name, created_at FROM subaccounts ORDER BY id")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(SubaccountRow::from_row)
            .collect()
    }
}
