//! One order lifecycle: the statuses an order goes through, and the one function that
//! moves an order's record forward from the engine's events.
//!
//! The read models, the API's live view of open orders and the answers to placements
//! all fold events with [`OrderRecord::apply`], so a status is derived in one place
//! and means the same everywhere.

use crate::command::{Attached, OrderKind, Trigger};
use crate::event::{Event, OrderAccepted, RejectCode};
use bourse_types::{
    Amount, CancelReason, ClientOrderId, InstrumentId, OrderId, OwnerId, Price, Qty, Side, StpMode,
    TimeInForce, Timestamp,
};
use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Accepted, nothing filled yet; resting, or about to match.
    Open,
    /// Part of it filled; the rest rests or is still matching.
    PartiallyFilled,
    /// Filled in full (a quote-budget buy: it spent what it could).
    Filled,
    /// Ended before filling in full; the reason says why.
    Cancelled,
    /// A good-till-date or DAY order reached its expiry.
    Expired,
    /// A conditional order waiting for its trigger.
    Untriggered,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Open,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
        OrderStatus::Untriggered,
    ];

    /// The stable name, as the API and the read models spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
            OrderStatus::Untriggered => "untriggered",
        }
    }

    pub fn parse(text: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the order can still trade (a conditional one once it triggers).
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::Open | OrderStatus::PartiallyFilled | OrderStatus::Untriggered
        )
    }
}

/// Everything known about one order, as its events left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: OrderId,
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub side: Side,
    /// As accepted, with the price and total quantity of the latest amendment.
    pub kind: OrderKind,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub stp: StpMode,
    pub client_order_id: Option<ClientOrderId>,
    pub expire_at: Option<Timestamp>,
    /// What is left to fill (zero for a quote-budget buy, which has no quantity).
    pub leaves: Qty,
    pub filled: Qty,
    /// The value of what filled, in quote minor units.
    pub filled_notional: Amount,
    /// Fees paid, in quote minor units.
    pub fees: Amount,
    pub status: OrderStatus,
    /// Why it was cancelled.
    pub reason: Option<CancelReason>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The sequence number of the command that last changed it.
    pub seq: u64,
    /// A conditional order's trigger, and the price that fires it (a trailing stop's
    /// current stop); kept once it has fired.
    pub trigger: Option<Trigger>,
    pub trigger_price: Option<Price>,
    /// When it fired.
    pub triggered_at: Option<Timestamp>,
    /// Why the order a trigger made was refused.
    pub trigger_refused: Option<RejectCode>,
    pub reduce_only: bool,
    /// The other leg of its one-cancels-the-other pair.
    pub oco: Option<OrderId>,
    /// The bracket entry it protects.
    pub parent: Option<OrderId>,
    /// The protection it carries (a bracket entry).
    pub attached: Option<Attached>,
}

impl OrderRecord {
    /// A record for an order just accepted by command `seq` at `ts`.
    pub fn accepted(accepted: &OrderAccepted, seq: u64, ts: Timestamp) -> OrderRecord {
        let leaves = match accepted.kind {
            OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => qty,
            OrderKind::MarketBudget { .. } => Qty::ZERO,
        };
        OrderRecord {
            id: accepted.order,
            owner: accepted.owner,
            instrument: accepted.instrument,
            side: accepted.side,
            kind: accepted.kind,
            tif: accepted.tif,
            post_only: accepted.post_only,
            stp: accepted.stp,
            client_order_id: accepted.client_order_id,
            expire_at: accepted.expire_at,
            leaves,
            filled: Qty::ZERO,
            filled_notional: Amount::ZERO,
            fees: Amount::ZERO,
            status: if accepted.trigger().is_some() {
                OrderStatus::Untriggered
            } else {
                OrderStatus::Open
            },
            reason: None,
            created_at: ts,
            updated_at: ts,
            seq,
            trigger: accepted.trigger(),
            trigger_price: accepted.trigger_price(),
            triggered_at: None,
            trigger_refused: None,
            reduce_only: accepted.reduce_only,
            oco: accepted.oco(),
            parent: accepted.parent(),
            attached: accepted.attached(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// The order's total quantity (none for a quote-budget buy).
    pub fn qty(&self) -> Option<Qty> {
        match self.kind {
            OrderKind::Limit { qty, .. } | OrderKind::Market { qty } => Some(qty),
            OrderKind::MarketBudget { .. } => None,
        }
    }

    /// Moves the record forward by one event of command `seq` at `ts`; returns whether
    /// the event concerned this order. This is the order lifecycle: every status the
    /// platform reports comes from here.
    pub fn apply(&mut self, event: &Event, seq: u64, ts: Timestamp) -> bool {
        let budget = matches!(self.kind, OrderKind::MarketBudget { .. });
        match event {
            Event::Trade(trade) => {
                let (leaves, fee) = if trade.maker_order == self.id {
                    (trade.maker_leaves, trade.maker_fee)
                } else if trade.taker_order == self.id {
                    (trade.taker_leaves, trade.taker_fee)
                } else {
                    return false;
                };
                self.filled = self.filled.saturating_add(trade.qty);
                self.filled_notional = self.filled_notional.saturating_add(trade.notional);
                self.fees = self.fees.saturating_add(fee);
                self.leaves = leaves;
                // A budget order ends only with its cancel event, whatever its leaves.
                self.status = if leaves.is_zero() && !budget {
                    OrderStatus::Filled
                } else {
                    OrderStatus::PartiallyFilled
                };
            }
            Event::OrderAmended {
                order,
                price,
                leaves,
                ..
            } if *order == self.id => {
                self.leaves = *leaves;
                match &mut self.kind {
                    OrderKind::Limit { price: p, qty } => {
                        if self.status != OrderStatus::Untriggered {
                            *p = *price;
                        }
                        *qty = self.filled.saturating_add(*leaves);
                    }
                    OrderKind::Market { qty } => *qty = self.filled.saturating_add(*leaves),
                    OrderKind::MarketBudget { .. } => {}
                }
            }
            Event::OrderTriggered { order, .. } if *order == self.id => {
                self.status = OrderStatus::Open;
                self.triggered_at = Some(ts);
            }
            Event::TriggerRefused { order, code, .. } if *order == self.id => {
                self.trigger_refused = Some(*code);
            }
            Event::TrailingStopMoved {
                order,
                trigger_price,
                ..
            } if *order == self.id => {
                self.trigger_price = Some(*trigger_price);
            }
            Event::OrderCancelled {
                order,
                reason,
                leaves,
                ..
            } if *order == self.id => {
                // A budget order that spent its budget is done, not cancelled.
                let spent = *reason == CancelReason::BudgetExhausted && !self.filled.is_zero();
                self.status = if spent {
                    OrderStatus::Filled
                } else {
                    OrderStatus::Cancelled
                };
                self.reason = (!spent).then_some(*reason);
                self.leaves = *leaves;
            }
            Event::OrderExpired { order, leaves, .. } if *order == self.id => {
                self.status = OrderStatus::Expired;
                self.leaves = *leaves;
            }
            _ => return false,
        }
        self.updated_at = ts;
        self.seq = seq;
        true
    }
}
