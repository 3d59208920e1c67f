//! Reads of the read models.

use crate::rows::{BalanceRow, TradeRow, TransferRow, order_from_row};
use crate::{Result, Store, StoreError, sql_int};
use bourse_engine::OrderRecord;
use bourse_market::{Candle, Interval};
use bourse_types::{Amount, Price, Qty};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A page of results: 1-based page number and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub limit: u32,
}

impl Page {
    fn offset(self) -> i64 {
        i64::from(self.page.max(1) - 1) * i64::from(self.limit)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrderStatusFilter {
    /// Open and partly filled orders.
    Open,
    /// Filled, cancelled and expired orders.
    Closed,
    #[default]
    All,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only this owner's orders (None: everyone's, for staff).
    pub owner: Option<u64>,
    pub instrument: Option<u32>,
    pub side: Option<bourse_types::Side>,
    pub status: OrderStatusFilter,
}

pub(crate) fn candle_from_row(row: &AnyRow) -> Result<(u32, Interval, Candle)> {
    let instrument: i64 = row.try_get("instrument")?;
    let period: String = row.try_get("period")?;
    let interval = Interval::parse(&period)
        .ok_or_else(|| StoreError::Corrupt(format!("period {period:?}")))?;
    let number = |column: &str| -> Result<u64> {
        let text: String = row.try_get(column)?;
        text.parse()
            .map_err(|_| StoreError::Corrupt(format!("{column} = {text:?}")))
    };
    let open_time: i64 = row.try_get("open_time")?;
    let trades: i64 = row.try_get("trades")?;
    Ok((
        u32::try_from(instrument)
            .map_err(|_| StoreError::Corrupt(format!("instrument {instrument}")))?,
        interval,
        Candle {
            open_time: u64::try_from(open_time).unwrap_or(0),
            open: Price::from_raw(number("open")?),
            high: Price::from_raw(number("high")?),
            low: Price::from_raw(number("low")?),
            close: Price::from_raw(number("close")?),
            volume: Qty::from_raw(number("volume")?),
            quote_volume: Amount::from_raw(number("quote_volume")?),
            trades: u64::try_from(trades).unwrap_or(0),
        },
    ))
}

impl Store {
    /// Every open order, for the views that keep them in memory.
    pub async fn open_orders(&self) -> Result<Vec<OrderRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM orders WHERE status IN ('open', 'partially_filled', 'untriggered')",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    pub async fn order(&self, id: u64) -> Result<Option<OrderRecord>> {
        let row = sqlx::query("SELECT * FROM orders WHERE id = $1")
            .bind(sql_int(id))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// An owner's order by client order id (the newest with that id).
    pub async fn order_by_client_id(
        &self,
        owner: u64,
        client_order_id: &str,
    ) -> Result<Option<OrderRecord>> {
        let row = sqlx::query("SELECT * FROM orders WHERE owner = $1 AND client_order_id = $2 ORDER BY id DESC LIMIT 1")
            .bind(sql_int(owner))
            .bind(client_order_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(order_from_row).transpose()
    }

    /// Orders matching a filter, newest first, and how many match in all.
    pub async fn orders(&self, filter: OrderFilter, page: Page) -> Result<(Vec<OrderRecord>, u64)> {
        let mut conditions = Vec::new();
        let mut binds: Vec<i64> = Vec::new();
        let mut texts: Vec<&'static str> = Vec::new();
        if let Some(owner) = filter.owner {
            binds.push(sql_int(owner));
            conditions.push(format!("owner = ${}", binds.len()));
        }
        if let Some(instrument) = filter.instrument {
            binds.push(i64::from(instrument));
            conditions.push(format!("instrument = ${}", binds.len()));
        }
        match filter.status {
            OrderStatusFilter::Open => {
                conditions.push("status IN ('open', 'partially_filled', 'untriggered')".to_string())
            }
            OrderStatusFilter::Closed => {
                conditions.push("status IN ('filled', 'cancelled', 'expired')".to_string())
            }
            OrderStatusFilter::All => {}
        }
        if let Some(side) = filter.side {
            texts.push(side.as_str());
            conditions.push(format!("side = ${}", binds.len() + texts.len()));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM orders{clause}");
        let list_sql = format!(
            "SELECT * FROM orders{clause} ORDER BY id DESC LIMIT ${} OFFSET ${}",
            binds.len() + texts.len() + 1,
            binds.len() + texts.len() + 2
        );
        let mut count = sqlx::query(&count_sql);
        let mut list = sqlx::query(&list_sql);
        for value in &binds {
            count = count.bind(*value);
            list = list.bind(*value);
        }
        for value in &texts {
            count = count.bind(*value);
            list = list.bind(*value);
        }
        let total: i64 = count.fetch_one(self.pool()).await?.try_get("n")?;
        let rows = list
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let orders = rows
            .iter()
            .map(order_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((orders, u64::try_from(total).unwrap_or(0)))
    }

    /// An owner's trades (as maker or taker), newest first, and how many there are.
    pub async fn trades_of(
        &self,
        owner: u64,
        instrument: Option<u32>,
        page: Page,
    ) -> Result<(Vec<TradeRow>, u64)> {
        let filter = if instrument.is_some() {
            " AND instrument = $2"
        } else {
            ""
        };
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM trades WHERE (maker_owner = $1 OR taker_owner = $1){filter}"
        );
        let next = if instrument.is_some() { 3 } else { 2 };
        let list_sql = format!(
            "SELECT * FROM trades WHERE (maker_owner = $1 OR taker_owner = $1){filter} ORDER BY id DESC LIMIT ${next} OFFSET ${}",
            next + 1
        );
        let mut count = sqlx::query(&count_sql).bind(sql_int(owner));
        let mut list = sqlx::query(&list_sql).bind(sql_int(owner));
        if let Some(instrument) = instrument {
            count = count.bind(i64::from(instrument));
            list = list.bind(i64::from(instrument));
        }
        let total: i64 = count.fetch_one(self.pool()).await?.try_get("n")?;
        let rows = list
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let trades = rows
            .iter()
            .map(TradeRow::from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((trades, u64::try_from(total).unwrap_or(0)))
    }

    /// An instrument's newest trades, oldest first (to load the public tape).
    pub async fn recent_trades(&self, instrument: u32, limit: u32) -> Result<Vec<TradeRow>> {
        let rows =
            sqlx::query("SELECT * FROM trades WHERE instrument = $1 ORDER BY id DESC LIMIT $2")
                .bind(i64::from(instrument))
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await?;
        let mut trades = rows
            .iter()
            .map(TradeRow::from_row)
            .collect::<Result<Vec<_>>>()?;
        trades.reverse();
        Ok(trades)
    }

    /// An owner's deposits, withdrawals and internal transfers (either way), newest
    /// first.
    pub async fn transfers_of(&self, owner: u64, page: Page) -> Result<(Vec<TransferRow>, u64)> {
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM transfers WHERE owner = $1 OR counterparty = $1",
        )
        .bind(sql_int(owner))
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        let rows = sqlx::query("SELECT * FROM transfers WHERE owner = $1 OR counterparty = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3")
            .bind(sql_int(owner))
            .bind(i64::from(page.limit))
            .bind(page.offset())
            .fetch_all(self.pool())
            .await?;
        let transfers = rows
            .iter()
            .map(TransferRow::from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((transfers, u64::try_from(total).unwrap_or(0)))
    }

    pub async fn balances(&self, owner: u64) -> Result<Vec<BalanceRow>> {
        let rows = sqlx::query("SELECT * FROM balances WHERE owner = $1 ORDER BY asset")
            .bind(sql_int(owner))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(BalanceRow::from_row).collect()
    }

    /// The newest `limit` candles of a series, oldest first.
    pub async fn candles(
        &self,
        instrument: u32,
        interval: Interval,
        limit: u32,
    ) -> Result<Vec<Candle>> {
        let rows = sqlx::query(
            "SELECT * FROM candles WHERE instrument = $1 AND period = $2 ORDER BY open_time DESC LIMIT $3",
        )
        .bind(i64::from(instrument))
        .bind(interval.as_str())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        let mut candles = rows
            .iter()
            .map(|row| candle_from_row(row).map(|(_, _, candle)| candle))
            .collect::<Result<Vec<_>>>()?;
        candles.reverse();
        Ok(candles)
    }
}
