//! Live strategies and the signals they gave. A strategy's row is written before the
//! answer to its creation and each change of its status; its runner state (JSON the
//! service makes) is saved after each step it takes. Signals are written as they
//! come, before they are published.

use crate::auth::is_unique_violation;
use crate::{Page, Result, Store, StoreError, sql_int};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyRow {
    pub id: u64,
    pub user_id: u64,
    pub subaccount_id: u64,
    pub name: String,
    pub builtin: String,
    pub symbol: String,
    pub timeframe: String,
    /// JSON.
    pub params: String,
    pub status: String,
    pub error: Option<String>,
    /// JSON, the runner's.
    pub state: Option<String>,
    pub created_at: u64,
    pub updated_at: u64,
}

/// A strategy to record.
#[derive(Debug, Clone, Copy)]
pub struct NewStrategy<'a> {
    pub user_id: u64,
    pub subaccount_id: u64,
    pub name: &'a str,
    pub builtin: &'a str,
    pub symbol: &'a str,
    pub timeframe: &'a str,
    pub params: &'a str,
    pub status: &'a str,
    pub created_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRow {
    pub id: u64,
    pub strategy_id: u64,
    pub user_id: u64,
    pub symbol: String,
    pub timeframe: String,
    pub side: String,
    pub strength: String,
    pub time_ms: u64,
    /// JSON.
    pub body: String,
}

/// Which signals to list.
#[derive(Debug, Clone, Default)]
pub struct SignalFilter {
    pub user_id: u64,
    pub strategy_id: Option<u64>,
    pub symbol: Option<String>,
    pub timeframe: Option<String>,
    pub side: Option<String>,
}

fn unsigned(row: &AnyRow, column: &str) -> Result<u64> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} {value}")))
}

impl StrategyRow {
    fn from_row(row: &AnyRow) -> Result<StrategyRow> {
        Ok(StrategyRow {
            id: unsigned(row, "id")?,
            user_id: unsigned(row, "user_id")?,
            subaccount_id: unsigned(row, "subaccount_id")?,
            name: row.try_get("name")?,
            builtin: row.try_get("builtin")?,
            symbol: row.try_get("symbol")?,
            timeframe: row.try_get("timeframe")?,
            params: row.try_get("params")?,
            status: row.try_get("status")?,
            error: row.try_get("error")?,
            state: row.try_get("state")?,
            created_at: unsigned(row, "created_at")?,
            updated_at: unsigned(row, "updated_at")?,
        })
    }
}

impl SignalRow {
    fn from_row(row: &AnyRow) -> Result<SignalRow> {
        Ok(SignalRow {
            id: unsigned(row, "id")?,
            strategy_id: unsigned(row, "strategy_id")?,
            user_id: unsigned(row, "user_id")?,
            symbol: row.try_get("symbol")?,
            timeframe: row.try_get("timeframe")?,
            side: row.try_get("side")?,
            strength: row.try_get("strength")?,
            time_ms: unsigned(row, "time_ms")?,
            body: row.try_get("body")?,
        })
    }
}

/// The `WHERE` clause of a signal filter and its text arguments after the user id.
fn signal_where(filter: &SignalFilter) -> (String, Vec<String>) {
    let mut clause = String::from("user_id = $1");
    let mut texts = Vec::new();
    let mut next = 2;
    if let Some(strategy) = filter.strategy_id {
        clause.push_str(&format!(" AND strategy_id = {}", sql_int(strategy)));
    }
    for (column, value) in [
        ("symbol", &filter.symbol),
        ("timeframe", &filter.timeframe),
        ("side", &filter.side),
    ] {
        if let Some(value) = value {
            clause.push_str(&format!(" AND {column} = ${next}"));
            texts.push(value.clone());
            next += 1;
        }
    }
    (clause, texts)
}

impl Store {
    /// Records a strategy; a name the user already uses is [`StoreError::NameTaken`].
    pub async fn insert_strategy(&self, new: NewStrategy<'_>) -> Result<StrategyRow> {
        let result = sqlx::query(
            "INSERT INTO strategies (user_id, subaccount_id, name, builtin, symbol, timeframe, params, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(sql_int(new.user_id))
        .bind(sql_int(new.subaccount_id))
        .bind(new.name)
        .bind(new.builtin)
        .bind(new.symbol)
        .bind(new.timeframe)
        .bind(new.params)
        .bind(new.status)
        .bind(sql_int(new.created_at))
        .fetch_one(self.pool())
        .await;
        let row = match result {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => return Err(StoreError::NameTaken),
            Err(error) => return Err(error.into()),
        };
        Ok(StrategyRow {
            id: unsigned(&row, "id")?,
            user_id: new.user_id,
            subaccount_id: new.subaccount_id,
            name: new.name.to_string(),
            builtin: new.builtin.to_string(),
            symbol: new.symbol.to_string(),
            timeframe: new.timeframe.to_string(),
            params: new.params.to_string(),
            status: new.status.to_string(),
            error: None,
            state: None,
            created_at: new.created_at,
            updated_at: new.created_at,
        })
    }

    /// Every strategy of the venue, oldest first (the service keeps them in memory).
    pub async fn strategies(&self) -> Result<Vec<StrategyRow>> {
        sqlx::query("SELECT * FROM strategies ORDER BY id")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(StrategyRow::from_row)
            .collect()
    }

    /// A strategy's status (and why it stopped, if it failed) and parameters.
    pub async fn update_strategy(
        &self,
        id: u64,
        status: &str,
        error: Option<&str>,
        params: &str,
        updated_at: u64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE strategies SET status = $1, error = $2, params = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(error)
        .bind(params)
        .bind(sql_int(updated_at))
        .bind(sql_int(id))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// What the runner needs to resume a strategy.
    pub async fn save_strategy_state(&self, id: u64, state: &str, updated_at: u64) -> Result<()> {
        sqlx::query("UPDATE strategies SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(state)
            .bind(sql_int(updated_at))
            .bind(sql_int(id))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a signal; answers its id.
    pub async fn insert_signal(&self, signal: &SignalRow) -> Result<u64> {
        let row = sqlx::query(
            "INSERT INTO signals (strategy_id, user_id, symbol, timeframe, side, strength, time_ms, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(sql_int(signal.strategy_id))
        .bind(sql_int(signal.user_id))
        .bind(&signal.symbol)
        .bind(&signal.timeframe)
        .bind(&signal.side)
        .bind(&signal.strength)
        .bind(sql_int(signal.time_ms))
        .bind(&signal.body)
        .fetch_one(self.pool())
        .await?;
        unsigned(&row, "id")
    }

    /// A user's signals matching `filter`, newest first; and how many match.
    pub async fn signals(
        &self,
        filter: &SignalFilter,
        page: Page,
    ) -> Result<(Vec<SignalRow>, u64)> {
        let (clause, texts) = signal_where(filter);
        let n = texts.len() + 2;
        let sql = format!(
            "SELECT * FROM signals WHERE {clause} ORDER BY id DESC LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let mut query = sqlx::query(&sql).bind(sql_int(filter.user_id));
        for text in &texts {
            query = query.bind(text.as_str());
        }
        let rows = query
            .bind(i64::from(page.limit))
            .bind(i64::from(page.page.saturating_sub(1)) * i64::from(page.limit))
            .fetch_all(self.pool())
            .await?;
        let sql = format!("SELECT COUNT(*) AS n FROM signals WHERE {clause}");
        let mut count = sqlx::query(&sql).bind(sql_int(filter.user_id));
        for text in &texts {
            count = count.bind(text.as_str());
        }
        let total: i64 = count.fetch_one(self.pool()).await?.try_get("n")?;
        let rows = rows
            .iter()
            .map(SignalRow::from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((
            rows,
            u64::try_from(total).map_err(|_| StoreError::Corrupt(format!("count {total}")))?,
        ))
    }
}
