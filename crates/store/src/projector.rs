//! The projector: released events in, read models out, in batches.
//!
//! Events are folded in memory ([`Projector::apply`]); [`Projector::flush`] writes
//! everything that changed in one transaction, multi-row statements at a time, with
//! the sequence number reached, so the read models are always the projection of a
//! prefix of the journal. Open orders stay in memory so that a fill is an update, not
//! a read; finished ones are written and forgotten.

use crate::rows::{BalanceRow, TradeRow, TransferRow, kind_columns, kind_text, trigger_columns};

/// Columns of one `orders` row.
const ORDER_COLUMNS: usize = 33;
use crate::{Dialect, Result, Store, sql_int};
use bourse_engine::{Event, OrderRecord, SYSTEM_OWNER_MIN, TransferKind, TransferState};
use bourse_journal::Released;
use bourse_market::{Candle, CandleSet, Interval};
use bourse_types::{InstrumentId, Side};
use rustc_hash::FxHashMap as HashMap;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// Rows per multi-row statement, at most (well under both databases' parameter limits).
const ROWS_PER_STATEMENT: usize = 256;

/// Splits rows into statements of `ROWS_PER_STATEMENT` rows, then of powers of two, so
/// that a table is only ever written with one of nine statement texts, which stay in
/// the connection's prepared-statement cache. (Any row count at all would mean a new
/// text, parsed and planned again, in almost every round.)
pub(crate) fn statement_chunks<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rows.is_empty() {
            return None;
        }
        let size = if rows.len() >= ROWS_PER_STATEMENT {
            ROWS_PER_STATEMENT
        } else {
            1 << rows.len().ilog2()
        };
        let (chunk, rest) = rows.split_at(size);
        rows = rest;
        Some(chunk)
    })
}

#[derive(Debug)]
pub struct Projector {
    store: Store,
    projected_seq: u64,
    /// Open orders, and orders changed since the last flush.
    orders: HashMap<u64, OrderRecord>,
    dirty_orders: Vec<u64>,
    trades: Vec<TradeRow>,
    transfers: BTreeMap<u64, TransferRow>,
    balances: BTreeMap<(u64, u16), BalanceRow>,
    candle_sets: HashMap<InstrumentId, CandleSet>,
    candles: BTreeMap<(u32, Interval, u64), Candle>,
}

fn side_text(side: Side) -> &'static str {
    side.as_str()
}

impl Projector {
    /// A projector continuing where the stored read models stop.
    pub async fn open(store: Store) -> Result<Projector> {
        let projected_seq = store.projected_seq().await?;
        let mut orders = HashMap::default();
        let rows = sqlx::query(
            "SELECT * FROM orders WHERE status IN ('open', 'partially_filled', 'untriggered')",
        )
        .fetch_all(store.pool())
        .await?;
        for row in &rows {
            let order = crate::rows::order_from_row(row)?;
            orders.insert(order.id.0, order);
        }
        // The newest candle of each series, to keep aggregating into it.
        let mut candle_sets: HashMap<InstrumentId, CandleSet> = HashMap::default();
        let rows = sqlx::query(
            "SELECT c.* FROM candles c JOIN (SELECT instrument, period, MAX(open_time) AS open_time FROM candles \
             GROUP BY instrument, period) m ON c.instrument = m.instrument AND c.period = m.period AND c.open_time = m.open_time",
        )
        .fetch_all(store.pool())
        .await?;
        for row in &rows {
            let (instrument, interval, candle) = crate::queries::candle_from_row(row)?;
            candle_sets
                .entry(InstrumentId(instrument))
                .or_insert_with(|| CandleSet::new(2))
                .load(interval, [candle]);
        }
        Ok(Projector {
            store,
            projected_seq,
            orders,
            dirty_orders: Vec::new(),
            trades: Vec::new(),
            transfers: BTreeMap::new(),
            balances: BTreeMap::new(),
            candle_sets,
            candles: BTreeMap::new(),
        })
    }

    /// The last sequence number applied (flushed or not).
    pub fn projected_seq(&self) -> u64 {
        self.projected_seq
    }

    /// Rows waiting to be written.
    pub fn pending_rows(&self) -> usize {
        self.dirty_orders.len()
            + self.trades.len()
            + self.transfers.len()
            + self.balances.len()
            + self.candles.len()
    }

    /// Whether anything waits to be written.
    pub fn has_pending(&self) -> bool {
        !self.dirty_orders.is_empty()
            || !self.trades.is_empty()
            || !self.transfers.is_empty()
            || !self.balances.is_empty()
            || !self.candles.is_empty()
    }

    fn touch(&mut self, id: u64) {
        self.dirty_orders.push(id);
    }

    /// Moves an order held in memory forward by one of its events.
    fn apply_to_order(&mut self, id: u64, event: &Event, released: &Released) {
        if let Some(order) = self.orders.get_mut(&id)
            && order.apply(event, released.seq, released.ts)
        {
            self.dirty_orders.push(id);
        }
    }

    /// Folds one released command into the pending changes. Commands already projected
    /// (a catch-up that overlaps) are skipped.
    pub fn apply(&mut self, released: &Released) {
        if released.seq <= self.projected_seq {
            return;
        }
        self.projected_seq = released.seq;
        let ts = released.ts.nanos();
        for event in &released.events {
            match event {
                Event::OrderAccepted(a) => {
                    self.orders.insert(
                        a.order.0,
                        OrderRecord::accepted(a, released.seq, released.ts),
                    );
                    self.touch(a.order.0);
                }
                Event::Trade(t) => {
                    for order in [t.maker_order.0, t.taker_order.0] {
                        self.apply_to_order(order, event, released);
                    }
                    self.trades.push(TradeRow {
                        id: t.id.0,
                        instrument: t.instrument.0,
                        price: t.price.raw(),
                        qty: t.qty.raw(),
                        notional: t.notional.raw(),
                        aggressor: side_text(t.aggressor).to_string(),
                        maker_order: t.maker_order.0,
                        maker_owner: t.maker_owner.0,
                        maker_fee: t.maker_fee.raw(),
                        taker_order: t.taker_order.0,
                        taker_owner: t.taker_owner.0,
                        taker_fee: t.taker_fee.raw(),
                        ts,
                        seq: released.seq,
                    });
                    let set = self
                        .candle_sets
                        .entry(t.instrument)
                        .or_insert_with(|| CandleSet::new(2));
                    for (interval, candle) in
                        set.add_trade(released.ts.millis(), t.price, t.qty, t.notional)
                    {
                        self.candles
                            .insert((t.instrument.0, interval, candle.open_time), candle);
                    }
                }
                Event::OrderAmended { order, .. }
                | Event::OrderCancelled { order, .. }
                | Event::OrderExpired { order, .. }
                | Event::OrderTriggered { order, .. }
                | Event::TriggerRefused { order, .. }
                | Event::TrailingStopMoved { order, .. } => {
                    self.apply_to_order(order.0, event, released);
                }
                Event::Transfer(t) => {
                    let existing = self.transfers.get(&t.id.0).cloned();
                    let (status, posted) = match t.state {
                        TransferState::Pending => ("pending", None),
                        TransferState::Posted => ("posted", Some(t.amount.raw())),
                        TransferState::Voided => ("voided", None),
                    };
                    let row = TransferRow {
                        id: t.id.0,
                        owner: t.owner.0,
                        asset: t.asset.0,
                        kind: match t.kind {
                            TransferKind::Deposit => "deposit",
                            TransferKind::Withdrawal => "withdrawal",
                        }
                        .to_string(),
                        counterparty: None,
                        amount: existing.as_ref().map_or(t.amount.raw(), |e| e.amount),
                        posted,
                        status: status.to_string(),
                        created_at: existing.as_ref().map_or(ts, |e| e.created_at),
                        updated_at: ts,
                        seq: released.seq,
                    };
                    self.transfers.insert(t.id.0, row);
                }
                Event::InternalTransfer(t) => {
                    let row = TransferRow {
                        id: t.id.0,
                        owner: t.from.0,
                        asset: t.asset.0,
                        kind: "internal".to_string(),
                        counterparty: Some(t.to.0),
                        amount: t.amount.raw(),
                        posted: Some(t.amount.raw()),
                        status: "posted".to_string(),
                        created_at: ts,
                        updated_at: ts,
                        seq: released.seq,
                    };
                    self.transfers.insert(t.id.0, row);
                }
                Event::Balance {
                    owner,
                    asset,
                    available,
                    held,
                } if owner.0 < SYSTEM_OWNER_MIN => {
                    self.balances.insert(
                        (owner.0, asset.0),
                        BalanceRow {
                            owner: owner.0,
                            asset: asset.0,
                            available: available.raw(),
                            held: held.raw(),
                            updated_at: ts,
                        },
                    );
                }
                _ => {}
            }
        }
    }

    /// Writes every pending change and the sequence number reached, in one
    /// transaction.
    pub async fn flush(&mut self) -> Result<()> {
        let dialect = self.store.dialect();
        let mut tx = self.store.pool().begin().await?;
        self.dirty_orders.sort_unstable();
        self.dirty_orders.dedup();
        let orders: Vec<&OrderRecord> = self
            .dirty_orders
            .iter()
            .filter_map(|id| self.orders.get(id))
            .collect();
        for chunk in statement_chunks(&orders) {
            upsert_orders(&mut tx, dialect, chunk).await?;
        }
        for chunk in statement_chunks(&self.trades) {
            insert_trades(&mut tx, dialect, chunk).await?;
        }
        let transfers: Vec<&TransferRow> = self.transfers.values().collect();
        for chunk in statement_chunks(&transfers) {
            upsert_transfers(&mut tx, dialect, chunk).await?;
        }
        let balances: Vec<&BalanceRow> = self.balances.values().collect();
        for chunk in statement_chunks(&balances) {
            upsert_balances(&mut tx, dialect, chunk).await?;
        }
        let candles: Vec<(&(u32, Interval, u64), &Candle)> = self.candles.iter().collect();
        for chunk in statement_chunks(&candles) {
            upsert_candles(&mut tx, dialect, chunk).await?;
        }
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('projected_seq', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(self.projected_seq.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;

        // Finished orders are written; only open ones stay in memory.
        for id in self.dirty_orders.drain(..) {
            if self.orders.get(&id).is_some_and(|o| !o.is_open()) {
                self.orders.remove(&id);
            }
        }
        self.trades.clear();
        self.transfers.clear();
        self.balances.clear();
        self.candles.clear();
        Ok(())
    }

    /// Open orders held in memory.
    pub fn open_orders(&self) -> usize {
        self.orders.values().filter(|o| o.is_open()).count()
    }
}

/// `($1, $2, ...), ($n+1, ...)` for `rows` rows of `columns` values; plain `?` on
/// SQLite, whose driver looks every numbered parameter up by name (which makes a
/// statement with thousands of them quadratic).
pub(crate) fn placeholders(dialect: Dialect, rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for c in 0..columns {
            if c > 0 {
                text.push_str(", ");
            }
            match dialect {
                Dialect::Sqlite => text.push('?'),
                Dialect::Postgres => {
                    text.push('$');
                    text.push_str(&(r * columns + c + 1).to_string());
                }
            }
        }
        text.push(')');
    }
    text
}

async fn upsert_orders(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rows: &[&OrderRecord],
) -> Result<()> {
    const COLUMNS: &str = "id, owner, instrument, side, kind, price, qty, quote_budget, leaves, filled, filled_notional, fees, \
        tif, post_only, stp, client_order_id, expire_at, status, reason, created_at, updated_at, seq, \
        trigger_type, trigger_price, trailing_offset, trailing_bps, triggered_at, trigger_refused, reduce_only, oco, parent, \
        stop_loss, take_profit";
    let sql = format!(
        "INSERT INTO orders ({COLUMNS}) VALUES {} ON CONFLICT (id) DO UPDATE SET price = excluded.price, qty = excluded.qty, \
         leaves = excluded.leaves, filled = excluded.filled, filled_notional = excluded.filled_notional, fees = excluded.fees, \
         status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at, seq = excluded.seq, \
         trigger_price = excluded.trigger_price, triggered_at = excluded.triggered_at, \
         trigger_refused = excluded.trigger_refused, oco = excluded.oco",
        placeholders(dialect, rows.len(), ORDER_COLUMNS)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        let (price, qty, budget) = kind_columns(&row.kind);
        query = query
            .bind(sql_int(row.id.0))
            .bind(sql_int(row.owner.0))
            .bind(i64::from(row.instrument.0))
            .bind(row.side.as_str())
            .bind(kind_text(&row.kind))
            .bind(price.map(|v| v.to_string()))
            .bind(qty.map(|v| v.to_string()))
            .bind(budget.map(|v| v.to_string()))
            .bind(row.leaves.raw().to_string())
            .bind(row.filled.raw().to_string())
            .bind(row.filled_notional.raw().to_string())
            .bind(row.fees.raw().to_string())
            .bind(row.tif.as_str())
            .bind(i64::from(row.post_only))
            .bind(row.stp.as_str())
            .bind(row.client_order_id.map(|c| c.to_string()))
            .bind(row.expire_at.map(|t| sql_int(t.nanos())))
            .bind(row.status.as_str())
            .bind(row.reason.map(|r| r.code()))
            .bind(sql_int(row.created_at.nanos()))
            .bind(sql_int(row.updated_at.nanos()))
            .bind(sql_int(row.seq));
        let (trigger_type, trailing_offset, trailing_bps) = trigger_columns(row.trigger.as_ref());
        let attached = row.attached.unwrap_or_default();
        query = query
            .bind(trigger_type)
            .bind(row.trigger_price.map(|p| p.raw().to_string()))
            .bind(trailing_offset.map(|v| v.to_string()))
            .bind(trailing_bps)
            .bind(row.triggered_at.map(|t| sql_int(t.nanos())))
            .bind(row.trigger_refused.map(|c| c.code()))
            .bind(i64::from(row.reduce_only))
            .bind(row.oco.map(|o| sql_int(o.0)))
            .bind(row.parent.map(|o| sql_int(o.0)))
            .bind(attached.stop_loss.map(|p| p.raw().to_string()))
            .bind(attached.take_profit.map(|p| p.raw().to_string()));
    }
    query.execute(conn).await?;
    Ok(())
}

async fn insert_trades(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rows: &[TradeRow],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO trades (id, instrument, price, qty, notional, aggressor, maker_order, maker_owner, maker_fee, \
         taker_order, taker_owner, taker_fee, ts, seq) VALUES {} ON CONFLICT (id) DO NOTHING",
        placeholders(dialect, rows.len(), 14)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(sql_int(row.id))
            .bind(i64::from(row.instrument))
            .bind(row.price.to_string())
            .bind(row.qty.to_string())
            .bind(row.notional.to_string())
            .bind(row.aggressor.clone())
            .bind(sql_int(row.maker_order))
            .bind(sql_int(row.maker_owner))
            .bind(row.maker_fee.to_string())
            .bind(sql_int(row.taker_order))
            .bind(sql_int(row.taker_owner))
            .bind(row.taker_fee.to_string())
            .bind(sql_int(row.ts))
            .bind(sql_int(row.seq));
    }
    query.execute(conn).await?;
    Ok(())
}

async fn upsert_transfers(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rows: &[&TransferRow],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO transfers (id, owner, asset, kind, amount, posted, status, created_at, updated_at, seq, counterparty) VALUES {} \
         ON CONFLICT (id) DO UPDATE SET posted = excluded.posted, status = excluded.status, \
         updated_at = excluded.updated_at, seq = excluded.seq",
        placeholders(dialect, rows.len(), 11)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(row.id.to_string())
            .bind(sql_int(row.owner))
            .bind(i64::from(row.asset))
            .bind(row.kind.clone())
            .bind(row.amount.to_string())
            .bind(row.posted.map(|v| v.to_string()))
            .bind(row.status.clone())
            .bind(sql_int(row.created_at))
            .bind(sql_int(row.updated_at))
            .bind(sql_int(row.seq))
            .bind(row.counterparty.map(sql_int));
    }
    query.execute(conn).await?;
    Ok(())
}

async fn upsert_balances(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rows: &[&BalanceRow],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO balances (owner, asset, available, held, updated_at) VALUES {} ON CONFLICT (owner, asset) \
         DO UPDATE SET available = excluded.available, held = excluded.held, updated_at = excluded.updated_at",
        placeholders(dialect, rows.len(), 5)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(sql_int(row.owner))
            .bind(i64::from(row.asset))
            .bind(row.available.to_string())
            .bind(row.held.to_string())
            .bind(sql_int(row.updated_at));
    }
    query.execute(conn).await?;
    Ok(())
}

async fn upsert_candles(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rows: &[(&(u32, Interval, u64), &Candle)],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO candles (instrument, period, open_time, open, high, low, close, volume, quote_volume, trades) VALUES {} \
         ON CONFLICT (instrument, period, open_time) DO UPDATE SET high = excluded.high, low = excluded.low, \
         close = excluded.close, volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades",
        placeholders(dialect, rows.len(), 10)
    );
    let mut query = sqlx::query(&sql);
    for ((instrument, interval, open_time), candle) in rows {
        query = query
            .bind(i64::from(*instrument))
            .bind(interval.as_str())
            .bind(sql_int(*open_time))
            .bind(candle.open.raw().to_string())
            .bind(candle.high.raw().to_string())
            .bind(candle.low.raw().to_string())
            .bind(candle.close.raw().to_string())
            .bind(candle.volume.raw().to_string())
            .bind(candle.quote_volume.raw().to_string())
            .bind(sql_int(candle.trades));
    }
    query.execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Dialect;

    #[test]
    fn statements_take_full_chunks_then_powers_of_two() {
        let rows: Vec<u32> = (0..700).collect();
        let sizes: Vec<usize> = super::statement_chunks(&rows).map(<[u32]>::len).collect();
        assert_eq!(sizes, [256, 256, 128, 32, 16, 8, 4]);
        let joined: Vec<u32> = super::statement_chunks(&rows).flatten().copied().collect();
        assert_eq!(joined, rows, "every row once, in order");
        assert_eq!(super::statement_chunks::<u32>(&[]).count(), 0);
        assert_eq!(super::statement_chunks(&[1]).count(), 1);
    }

    #[test]
    fn placeholders_number_in_order() {
        assert_eq!(
            super::placeholders(Dialect::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(super::placeholders(Dialect::Sqlite, 1, 2), "(?, ?)");
    }
}
