//! The rows of the read models, with their conversions from SQL.

use crate::{Result, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

fn text_u64(row: &AnyRow, column: &str) -> Result<u64> {
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} = {text:?}")))
}

fn opt_text_u64(row: &AnyRow, column: &str) -> Result<Option<u64>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        t.parse()
            .map_err(|_| StoreError::Corrupt(format!("{column} = {t:?}")))
    })
    .transpose()
}

fn int_u64(row: &AnyRow, column: &str) -> Result<u64> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} = {value}")))
}

/// An order as the read model keeps it. Quantities and prices are raw minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: u64,
    pub owner: u64,
    pub instrument: u32,
    /// `buy` or `sell`.
    pub side: String,
    /// `limit`, `market` or `market_budget`.
    pub kind: String,
    pub price: Option<u64>,
    /// The order's total quantity (None for a budget order).
    pub qty: Option<u64>,
    pub quote_budget: Option<u64>,
    pub leaves: u64,
    pub filled: u64,
    /// The value of what filled, in quote minor units.
    pub filled_notional: u64,
    pub fees: u64,
    pub tif: String,
    pub post_only: bool,
    pub stp: String,
    pub client_order_id: Option<String>,
    pub expire_at: Option<u64>,
    /// `open`, `partially_filled`, `filled`, `cancelled` or `expired`.
    pub status: String,
    /// The cancel reason code, when cancelled.
    pub reason: Option<String>,
    /// Nanoseconds since the Unix epoch.
    pub created_at: u64,
    pub updated_at: u64,
    pub seq: u64,
}

impl OrderRow {
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "open" | "partially_filled")
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<OrderRow> {
        let post_only: i64 = row.try_get("post_only")?;
        let expire_at: Option<i64> = row.try_get("expire_at")?;
        let instrument: i64 = row.try_get("instrument")?;
        Ok(OrderRow {
            id: int_u64(row, "id")?,
            owner: int_u64(row, "owner")?,
            instrument: u32::try_from(instrument)
                .map_err(|_| StoreError::Corrupt(format!("instrument {instrument}")))?,
            side: row.try_get("side")?,
            kind: row.try_get("kind")?,
            price: opt_text_u64(row, "price")?,
            qty: opt_text_u64(row, "qty")?,
            quote_budget: opt_text_u64(row, "quote_budget")?,
            leaves: text_u64(row, "leaves")?,
            filled: text_u64(row, "filled")?,
            filled_notional: text_u64(row, "filled_notional")?,
            fees: text_u64(row, "fees")?,
            tif: row.try_get("tif")?,
            post_only: post_only != 0,
            stp: row.try_get("stp")?,
            client_order_id: row.try_get("client_order_id")?,
            expire_at: expire_at.and_then(|v| u64::try_from(v).ok()),
            status: row.try_get("status")?,
            reason: row.try_get("reason")?,
            created_at: int_u64(row, "created_at")?,
            updated_at: int_u64(row, "updated_at")?,
            seq: int_u64(row, "seq")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRow {
    pub id: u64,
    pub instrument: u32,
    pub price: u64,
    pub qty: u64,
    pub notional: u64,
    /// The taker's side.
    pub aggressor: String,
    pub maker_order: u64,
    pub maker_owner: u64,
    pub maker_fee: u64,
    pub taker_order: u64,
    pub taker_owner: u64,
    pub taker_fee: u64,
    pub ts: u64,
    pub seq: u64,
}

impl TradeRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<TradeRow> {
        let instrument: i64 = row.try_get("instrument")?;
        Ok(TradeRow {
            id: int_u64(row, "id")?,
            instrument: u32::try_from(instrument)
                .map_err(|_| StoreError::Corrupt(format!("instrument {instrument}")))?,
            price: text_u64(row, "price")?,
            qty: text_u64(row, "qty")?,
            notional: text_u64(row, "notional")?,
            aggressor: row.try_get("aggressor")?,
            maker_order: int_u64(row, "maker_order")?,
            maker_owner: int_u64(row, "maker_owner")?,
            maker_fee: text_u64(row, "maker_fee")?,
            taker_order: int_u64(row, "taker_order")?,
            taker_owner: int_u64(row, "taker_owner")?,
            taker_fee: text_u64(row, "taker_fee")?,
            ts: int_u64(row, "ts")?,
            seq: int_u64(row, "seq")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    pub id: u64,
    pub owner: u64,
    pub asset: u16,
    /// `deposit` or `withdrawal`.
    pub kind: String,
    pub amount: u64,
    pub posted: Option<u64>,
    /// `pending`, `posted` or `voided`.
    pub status: String,
    pub created_at: u64,
    pub updated_at: u64,
    pub seq: u64,
}

impl TransferRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<TransferRow> {
        let asset: i64 = row.try_get("asset")?;
        Ok(TransferRow {
            id: text_u64(row, "id")?,
            owner: int_u64(row, "owner")?,
            asset: u16::try_from(asset)
                .map_err(|_| StoreError::Corrupt(format!("asset {asset}")))?,
            kind: row.try_get("kind")?,
            amount: text_u64(row, "amount")?,
            posted: opt_text_u64(row, "posted")?,
            status: row.try_get("status")?,
            created_at: int_u64(row, "created_at")?,
            updated_at: int_u64(row, "updated_at")?,
            seq: int_u64(row, "seq")?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceRow {
    pub owner: u64,
    pub asset: u16,
    pub available: u64,
    pub held: u64,
    pub updated_at: u64,
}

impl BalanceRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<BalanceRow> {
        let asset: i64 = row.try_get("asset")?;
        Ok(BalanceRow {
            owner: int_u64(row, "owner")?,
            asset: u16::try_from(asset)
                .map_err(|_| StoreError::Corrupt(format!("asset {asset}")))?,
            available: text_u64(row, "available")?,
            held: text_u64(row, "held")?,
            updated_at: int_u64(row, "updated_at")?,
        })
    }
}
