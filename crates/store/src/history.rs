//! Candles that are not folded from trades: a generated past (and, later, imported
//! files). They live in the `candles` table beside the others, marked by `source`, and
//! are written once: a candle already there (from trades, or written before) wins.

use crate::projector::{placeholders, statement_chunks};
use crate::{Result, Store, sql_int};
use bourse_market::{Candle, Interval};
use sqlx::Row;

/// Where a stored candle came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandleSource {
    Trades,
    Generated,
    Imported,
}

impl CandleSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            CandleSource::Trades => "trades",
            CandleSource::Generated => "generated",
            CandleSource::Imported => "imported",
        }
    }
}

impl Store {
    /// Writes `candles` of one series in one transaction, keeping any candle already
    /// stored for the same time.
    pub async fn insert_candles(
        &self,
        instrument: u32,
        interval: Interval,
        candles: &[Candle],
        source: CandleSource,
    ) -> Result<()> {
        let dialect = self.dialect();
        let mut tx = self.pool().begin().await?;
        for chunk in statement_chunks(candles) {
            let sql = format!(
                "INSERT INTO candles (instrument, period, open_time, open, high, low, close, volume, quote_volume, trades, source) \
                 VALUES {} ON CONFLICT (instrument, period, open_time) DO NOTHING",
                placeholders(dialect, chunk.len(), 11)
            );
            let mut query = sqlx::query(&sql);
            for candle in chunk {
                query = query
                    .bind(i64::from(instrument))
                    .bind(interval.as_str())
                    .bind(sql_int(candle.open_time))
                    .bind(candle.open.raw().to_string())
                    .bind(candle.high.raw().to_string())
                    .bind(candle.low.raw().to_string())
                    .bind(candle.close.raw().to_string())
                    .bind(candle.volume.raw().to_string())
                    .bind(candle.quote_volume.raw().to_string())
                    .bind(sql_int(candle.trades))
                    .bind(source.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many candles of `source` an instrument has at `interval`.
    pub async fn count_candles(
        &self,
        instrument: u32,
        interval: Interval,
        source: CandleSource,
    ) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM candles WHERE instrument = $1 AND period = $2 AND source = $3",
        )
        .bind(i64::from(instrument))
        .bind(interval.as_str())
        .bind(source.as_str())
        .fetch_one(self.pool())
        .await?;
        let n: i64 = row.try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Candles of one series from `from_ms` (inclusive) to `to_ms` (exclusive), oldest
    /// first, at most `limit` (the oldest ones), whatever their source.
    pub async fn candles_between(
        &self,
        instrument: u32,
        interval: Interval,
        from_ms: u64,
        to_ms: u64,
        limit: u32,
    ) -> Result<Vec<Candle>> {
        let rows = sqlx::query(
            "SELECT * FROM candles WHERE instrument = $1 AND period = $2 AND open_time >= $3 AND open_time < $4 \
             ORDER BY open_time LIMIT $5",
        )
        .bind(i64::from(instrument))
        .bind(interval.as_str())
        .bind(sql_int(from_ms))
        .bind(sql_int(to_ms))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| crate::queries::candle_from_row(row).map(|(_, _, candle)| candle))
            .collect()
    }

    /// The meta entries whose key starts with `prefix`, by key.
    pub async fn meta_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key, value FROM meta WHERE key LIKE $1 ORDER BY key")
            .bind(format!("{prefix}%"))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("key")?, row.try_get("value")?)))
            .collect()
    }
}
