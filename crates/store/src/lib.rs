//! Bourse's SQL storage: read models (orders, trades, transfers, balances, candles),
//! built by the [`Projector`] from released events, and the accounts the API owns
//! (users, refresh tokens, API keys).
//!
//! SQLite by default (a file in the data directory), PostgreSQL when the database URL
//! says `postgres://`. Both have their own migrations; every query is written once in
//! SQL both accept, with `$1`-style parameters in order.
//!
//! It owns no business rule: read models are projections of the engine's events and
//! can be rebuilt from the journal at any time ([`Store::reset_read_models`]).

mod auth;
mod backtests;
pub mod backup;
mod history;
mod projector;
mod queries;
mod rows;
mod strategies;
mod subaccounts;

pub use auth::{ApiKeyRow, NewUser, RefreshTokenRow, Role, UserRow};
pub use backtests::{BacktestRow, BacktestStatus};
pub use history::CandleSource;
pub use projector::Projector;
pub use queries::{OrderFilter, OrderStatusFilter, Page};
pub use rows::{BalanceRow, TradeRow, TransferRow};
pub use strategies::{NewStrategy, SignalFilter, SignalRow, StrategyRow};
pub use subaccounts::SubaccountRow;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Executor, Row};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite:// or postgres://")]
    UnsupportedUrl(String),
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    #[error("the username is taken")]
    UsernameTaken,
    #[error("a sub-account of that name exists already")]
    NameTaken,
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("backup: {0}")]
    Backup(String),
}

impl StoreError {
    /// Whether the error says the database cannot be reached (down, restarting, out
    /// of connections, too slow), as opposed to a fault in what was asked of it.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Timeout(_) => true,
            StoreError::Database(error) => match error {
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed => true,
                // SQLSTATE classes 08 (connection exception) and 57 (operator
                // intervention: shutting down, cannot connect now).
                sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
                _ => false,
            },
            _ => false,
        }
    }
}

/// How long a request waits for a database connection before it counts as
/// unavailable, unless the caller says otherwise ([`Store::connect_with`]).
pub const ACQUIRE_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection pool and its dialect. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

/// The SQLite URL of a database file, created if missing.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

impl Store {
    /// Drops a PostgreSQL schema and everything in it, without touching any other
    /// schema (no migrations are run). For tests that work in a schema of their own.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await?;
        let schema = schema.replace('"', "");
        pool.execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
            .await?;
        pool.close().await;
        Ok(())
    }

    /// Connects and brings the schema up to date. With `schema` (PostgreSQL only), every
    /// connection works in that schema, created if missing: tests use it to run side by
    /// side in one database.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Store> {
        Store::connect_with(url, schema, ACQUIRE_TIMEOUT_DEFAULT).await
    }

    /// [`Store::connect`], waiting at most `acquire_timeout` for a connection on each
    /// use (so that an unreachable database is reported quickly).
    pub async fn connect_with(
        url: &str,
        schema: Option<&str>,
        acquire_timeout: Duration,
    ) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let schema = schema.map(|s| s.replace('"', ""));
        let options = AnyPoolOptions::new()
            .max_connections(match dialect {
                Dialect::Sqlite => 4,
                Dialect::Postgres => 8,
            })
            .acquire_timeout(acquire_timeout)
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match dialect {
                        Dialect::Sqlite => {
                            // WAL lets readers work while the projector writes; NORMAL
                            // sync is enough for read models the journal can rebuild.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            // The default page cache is 2 MB; the order and trade
                            // indexes outgrow it within minutes of trading.
                            conn.execute("PRAGMA cache_size = -65536").await?;
                            conn.execute("PRAGMA temp_store = MEMORY").await?;
                            // The projector rewrites the same hot pages (the ends of the
                            // order and trade tables, the per-owner index leaves) in every
                            // round; checkpointing every 10,000 WAL frames rather than the
                            // default 1,000 copies each of them to the database once per
                            // checkpoint instead of ten times, with a tenth of the syncs.
                            conn.execute("PRAGMA wal_autocheckpoint = 4000").await?;
                        }
                        Dialect::Postgres => {
                            if let Some(schema) = schema {
                                conn.execute(
                                    format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str(),
                                )
                                .await?;
                                conn.execute(format!("SET search_path TO \"{schema}\"").as_str())
                                    .await?;
                            }
                        }
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await?;
        match dialect {
            Dialect::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Dialect::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store { pool, dialect })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }

    /// The sequence number of the last released command the read models include.
    pub async fn projected_seq(&self) -> Result<u64> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = 'projected_seq'")
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(0),
            Some(row) => {
                let text: String = row.try_get("value")?;
                text.parse()
                    .map_err(|_| StoreError::Corrupt(format!("projected_seq {text:?}")))
            }
        }
    }

    /// Empties every read model (not the accounts) so that they can be rebuilt from
    /// the journal.
    pub async fn reset_read_models(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for table in ["orders", "trades", "transfers", "balances", "candles"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM meta WHERE key = 'projected_seq'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A value of the meta table (settings the server keeps, such as its token secret).
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("value")?),
            None => None,
        })
    }

    /// Sets a meta value, replacing any.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Sets a meta value unless one exists; returns the value in force.
    pub async fn meta_init(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(self.meta(key).await?.unwrap_or_else(|| value.to_string()))
    }
}

/// Converts an unsigned id to the signed 64-bit integer SQL stores.
pub(crate) fn sql_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
