//! Backtests users ran. A row is written when a backtest is asked for (before the
//! answer), updated when it ends; the request and the summary are JSON made by the
//! service, which this crate only stores.

use crate::{Page, Result, Store, StoreError, sql_int};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a backtest stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BacktestStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl BacktestStatus {
    pub const ALL: [BacktestStatus; 5] = [
        BacktestStatus::Queued,
        BacktestStatus::Running,
        BacktestStatus::Done,
        BacktestStatus::Failed,
        BacktestStatus::Cancelled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            BacktestStatus::Queued => "queued",
            BacktestStatus::Running => "running",
            BacktestStatus::Done => "done",
            BacktestStatus::Failed => "failed",
            BacktestStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<BacktestStatus> {
        BacktestStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub const fn is_finished(self) -> bool {
        matches!(
            self,
            BacktestStatus::Done | BacktestStatus::Failed | BacktestStatus::Cancelled
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktestRow {
    pub id: u64,
    pub owner: u64,
    pub created_at: u64,
    pub finished_at: Option<u64>,
    pub status: BacktestStatus,
    pub request: String,
    pub summary: Option<String>,
    pub error: Option<String>,
}

fn unsigned(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value}")))
}

impl BacktestRow {
    fn from_row(row: &AnyRow, with_summary: bool) -> Result<BacktestRow> {
        let status: String = row.try_get("status")?;
        let finished: Option<i64> = row.try_get("finished_at")?;
        Ok(BacktestRow {
            id: unsigned(row.try_get("id")?, "backtest id")?,
            owner: unsigned(row.try_get("owner")?, "backtest owner")?,
            created_at: unsigned(row.try_get("created_at")?, "backtest time")?,
            finished_at: finished.map(|t| unsigned(t, "backtest end")).transpose()?,
            status: BacktestStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("backtest status {status:?}")))?,
            request: row.try_get("request")?,
            summary: if with_summary {
                row.try_get("summary")?
            } else {
                None
            },
            error: row.try_get("error")?,
        })
    }
}

/// The columns of a listing: everything but the summary.
const LIST_COLUMNS: &str = "id, owner, created_at, finished_at, status, request, error";

impl Store {
    /// Records a new, queued backtest; answers its id.
    pub async fn insert_backtest(&self, owner: u64, created_at: u64, request: &str) -> Result<u64> {
        let row = sqlx::query(
            "INSERT INTO backtests (owner, created_at, status, request) VALUES ($1, $2, 'queued', $3) RETURNING id",
        )
        .bind(sql_int(owner))
        .bind(sql_int(created_at))
        .bind(request)
        .fetch_one(self.pool())
        .await?;
        unsigned(row.try_get("id")?, "backtest id")
    }

    /// Moves a backtest to `status`, with its summary or error when it ends.
    pub async fn update_backtest(
        &self,
        id: u64,
        status: BacktestStatus,
        finished_at: Option<u64>,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE backtests SET status = $1, finished_at = $2, summary = $3, error = $4 WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(finished_at.map(sql_int))
        .bind(summary)
        .bind(error)
        .bind(sql_int(id))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// One backtest, with its summary.
    pub async fn backtest(&self, id: u64) -> Result<Option<BacktestRow>> {
        let row = sqlx::query("SELECT * FROM backtests WHERE id = $1")
            .bind(sql_int(id))
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| BacktestRow::from_row(&r, true)).transpose()
    }

    /// An owner's backtests, newest first, without their summaries; and how many
    /// there are.
    pub async fn backtests(&self, owner: u64, page: Page) -> Result<(Vec<BacktestRow>, u64)> {
        let rows = sqlx::query(&format!(
            "SELECT {LIST_COLUMNS} FROM backtests WHERE owner = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(sql_int(owner))
        .bind(i64::from(page.limit))
        .bind(i64::from(page.page.saturating_sub(1)) * i64::from(page.limit))
        .fetch_all(self.pool())
        .await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM backtests WHERE owner = $1")
            .bind(sql_int(owner))
            .fetch_one(self.pool())
            .await?
            .try_get("n")?;
        let rows = rows
            .iter()
            .map(|r| BacktestRow::from_row(r, false))
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, unsigned(total, "backtest count")?))
    }

    /// Backtests that were queued or running when the venue stopped: they end as
    /// failed, with `reason`. Answers how many.
    pub async fn fail_unfinished_backtests(&self, finished_at: u64, reason: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE backtests SET status = 'failed', finished_at = $1, error = $2 WHERE status IN ('queued', 'running')",
        )
        .bind(sql_int(finished_at))
        .bind(reason)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}
