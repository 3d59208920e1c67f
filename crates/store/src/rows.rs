//! The rows of the read models, with their conversions from SQL.

use crate::{Result, StoreError};
use bourse_engine::{
    Attached, OrderKind, OrderRecord, OrderStatus, RejectCode, TrailingOffset, Trigger,
};
use bourse_types::{
    Amount, CancelReason, ClientOrderId, InstrumentId, OrderId, OwnerId, Price, Qty, Side, StpMode,
    TimeInForce, Timestamp,
};
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

/// The text of an order's kind, as the `kind` column keeps it.
pub(crate) fn kind_text(kind: &OrderKind) -> &'static str {
    match kind {
        OrderKind::Limit { .. } => "limit",
        OrderKind::Market { .. } => "market",
        OrderKind::MarketBudget { .. } => "market_budget",
    }
}

/// The columns an order's kind is kept in: price, quantity and quote budget.
pub(crate) fn kind_columns(kind: &OrderKind) -> (Option<u64>, Option<u64>, Option<u64>) {
    match *kind {
        OrderKind::Limit { price, qty } => (Some(price.raw()), Some(qty.raw()), None),
        OrderKind::Market { qty } => (None, Some(qty.raw()), None),
        OrderKind::MarketBudget { quote } => (None, None, Some(quote.raw())),
    }
}

/// The columns a trigger is kept in: its type, its price (a trailing stop's current
/// stop is `trigger_price`), and a trailing stop's offset as a price or in bps.
pub(crate) fn trigger_columns(
    trigger: Option<&Trigger>,
) -> (Option<&'static str>, Option<u64>, Option<i64>) {
    match trigger {
        None => (None, None, None),
        Some(Trigger::Stop { .. }) => (Some("stop"), None, None),
        Some(Trigger::TakeProfit { .. }) => (Some("take_profit"), None, None),
        Some(Trigger::TrailingStop {
            offset: TrailingOffset::Price(p),
        }) => (Some("trailing_stop"), Some(p.raw()), None),
        Some(Trigger::TrailingStop {
            offset: TrailingOffset::Bps(bps),
        }) => (Some("trailing_stop"), None, Some(i64::from(*bps))),
    }
}

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{column} = {value:?}"))
}

/// An order read back from the `orders` table.
pub(crate) fn order_from_row(row: &AnyRow) -> Result<OrderRecord> {
    let text = |column: &str| -> Result<String> { Ok(row.try_get::<String, _>(column)?) };
    let post_only: i64 = row.try_get("post_only")?;
    let expire_at: Option<i64> = row.try_get("expire_at")?;
    let instrument: i64 = row.try_get("instrument")?;
    let kind = text("kind")?;
    let price = opt_text_u64(row, "price")?;
    let qty = opt_text_u64(row, "qty")?;
    let budget = opt_text_u64(row, "quote_budget")?;
    let kind = match (kind.as_str(), price, qty, budget) {
        ("limit", Some(price), Some(qty), _) => OrderKind::Limit {
            price: Price::from_raw(price),
            qty: Qty::from_raw(qty),
        },
        ("market", _, Some(qty), _) => OrderKind::Market {
            qty: Qty::from_raw(qty),
        },
        ("market_budget", _, _, Some(quote)) => OrderKind::MarketBudget {
            quote: Amount::from_raw(quote),
        },
        _ => return Err(corrupt("kind", &kind)),
    };
    let side = text("side")?;
    let tif = text("tif")?;
    let stp = text("stp")?;
    let status = text("status")?;
    let reason: Option<String> = row.try_get("reason")?;
    let client_order_id: Option<String> = row.try_get("client_order_id")?;
    let trigger_type: Option<String> = row.try_get("trigger_type")?;
    let trigger_price = opt_text_u64(row, "trigger_price")?.map(Price::from_raw);
    let trailing_offset = opt_text_u64(row, "trailing_offset")?;
    let trailing_bps: Option<i64> = row.try_get("trailing_bps")?;
    let trigger = match (trigger_type.as_deref(), trigger_price) {
        (None, _) => None,
        (Some("stop"), Some(price)) => Some(Trigger::Stop { price }),
        (Some("take_profit"), Some(price)) => Some(Trigger::TakeProfit { price }),
        (Some("trailing_stop"), _) => Some(Trigger::TrailingStop {
            offset: match (trailing_offset, trailing_bps) {
                (Some(p), _) => TrailingOffset::Price(Price::from_raw(p)),
                (None, Some(bps)) => TrailingOffset::Bps(
                    u32::try_from(bps).map_err(|_| corrupt("trailing_bps", &bps.to_string()))?,
                ),
                _ => return Err(corrupt("trailing_offset", "")),
            },
        }),
        (Some(other), _) => return Err(corrupt("trigger_type", other)),
    };
    let triggered_at: Option<i64> = row.try_get("triggered_at")?;
    let refused: Option<String> = row.try_get("trigger_refused")?;
    let reduce_only: i64 = row.try_get("reduce_only")?;
    let oco: Option<i64> = row.try_get("oco")?;
    let parent: Option<i64> = row.try_get("parent")?;
    let stop_loss = opt_text_u64(row, "stop_loss")?.map(Price::from_raw);
    let take_profit = opt_text_u64(row, "take_profit")?.map(Price::from_raw);
    let order_id = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).map(OrderId);
    Ok(OrderRecord {
        trigger,
        trigger_price,
        triggered_at: triggered_at
            .and_then(|v| u64::try_from(v).ok())
            .map(Timestamp),
        trigger_refused: refused
            .map(|r| {
                RejectCode::ALL
                    .iter()
                    .copied()
                    .find(|c| c.code() == r)
                    .ok_or_else(|| corrupt("trigger_refused", &r))
            })
            .transpose()?,
        reduce_only: reduce_only != 0,
        oco: order_id(oco),
        parent: order_id(parent),
        attached: (stop_loss.is_some() || take_profit.is_some()).then_some(Attached {
            stop_loss,
            take_profit,
        }),
        id: OrderId(int_u64(row, "id")?),
        owner: OwnerId(int_u64(row, "owner")?),
        instrument: InstrumentId(
            u32::try_from(instrument)
                .map_err(|_| corrupt("instrument", &instrument.to_string()))?,
        ),
        side: Side::parse(&side).ok_or_else(|| corrupt("side", &side))?,
        kind,
        tif: TimeInForce::parse(&tif).ok_or_else(|| corrupt("tif", &tif))?,
        post_only: post_only != 0,
        stp: StpMode::parse(&stp).ok_or_else(|| corrupt("stp", &stp))?,
        client_order_id: client_order_id
            .map(|c| ClientOrderId::new(&c).map_err(|_| corrupt("client_order_id", &c)))
            .transpose()?,
        expire_at: expire_at.and_then(|v| u64::try_from(v).ok()).map(Timestamp),
        leaves: Qty::from_raw(text_u64(row, "leaves")?),
        filled: Qty::from_raw(text_u64(row, "filled")?),
        filled_notional: Amount::from_raw(text_u64(row, "filled_notional")?),
        fees: Amount::from_raw(text_u64(row, "fees")?),
        status: OrderStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        reason: reason
            .map(|r| CancelReason::parse(&r).ok_or_else(|| corrupt("reason", &r)))
            .transpose()?,
        created_at: Timestamp(int_u64(row, "created_at")?),
        updated_at: Timestamp(int_u64(row, "updated_at")?),
        seq: int_u64(row, "seq")?,
    })
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
    /// `deposit`, `withdrawal` or `internal` (from `owner` to `counterparty`).
    pub kind: String,
    /// The owner an internal transfer reaches.
    pub counterparty: Option<u64>,
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
            counterparty: row
                .try_get::<Option<i64>, _>("counterparty")?
                .map(|v| {
                    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("counterparty {v}")))
                })
                .transpose()?,
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
