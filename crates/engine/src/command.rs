//! Commands: everything that can change the engine's state.
//!
//! A command is plain data. The sequencer gives it a sequence number and a timestamp;
//! the engine applies it and returns events. The encoded form of a command is what the
//! journal stores, so variants and fields are only ever appended (see `codec`).

use bourse_types::{
    Amount, AssetId, AssetSpec, ClientOrderId, InstrumentId, InstrumentSpec, InstrumentStatus,
    OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// List a new asset; the engine gives it the next [`AssetId`].
    ListAsset(AssetSpec),
    /// List a new instrument; the engine gives it the next [`InstrumentId`].
    ListInstrument(InstrumentSpec),
    /// Trade, halt or close an instrument. Closing cancels every resting order.
    SetInstrumentStatus {
        instrument: InstrumentId,
        status: InstrumentStatus,
    },
    /// Change the engine's capacity limits.
    SetLimits(EngineLimits),
    /// Create an owner with no balances (deposits also create owners).
    OpenAccount { owner: OwnerId },
    /// Halt or resume an owner: a halted owner may cancel but not place, amend or
    /// withdraw.
    SetAccountHalted { owner: OwnerId, halted: bool },
    /// Funds arriving from outside. With `pending`, they are credited only when posted.
    Deposit(TransferRequest),
    /// Funds leaving. With `pending`, they are held until posted or voided.
    Withdraw(TransferRequest),
    /// Complete a pending deposit or withdrawal, in whole or for a smaller amount (the
    /// rest is voided).
    PostTransfer {
        transfer: TransferId,
        amount: Option<Amount>,
    },
    /// Cancel a pending deposit or withdrawal.
    VoidTransfer { transfer: TransferId },
    /// Place an order.
    Place(NewOrder),
    /// Cancel one order.
    Cancel { owner: OwnerId, order: OrderRef },
    /// Change an order's price and/or remaining quantity. A smaller quantity at the same
    /// price keeps the order's place in the queue; anything else loses it.
    Amend {
        owner: OwnerId,
        order: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
    },
    /// Cancel every resting order of `owner` (all owners when `None`), on `instrument`
    /// (all instruments when `None`).
    CancelAll {
        owner: Option<OwnerId>,
        instrument: Option<InstrumentId>,
    },
    /// Does nothing but advance time, so that good-till-date orders expire when no
    /// other command arrives.
    Tick,
}

/// A deposit or withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    /// Chosen by the caller; reusing one is refused, which makes retries safe.
    pub id: TransferId,
    pub owner: OwnerId,
    pub asset: AssetId,
    pub amount: Amount,
    pub pending: bool,
}

/// Names an order by the engine's id or by the owner's client order id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderRef {
    Id(OrderId),
    Client(ClientOrderId),
}

/// What is traded and at what price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderKind {
    /// Trades at `price` or better.
    Limit { price: Price, qty: Qty },
    /// Trades at the best available prices, never beyond the price band around the
    /// reference price (its protection price). Immediate or cancel, or fill or kill.
    Market { qty: Qty },
    /// A market buy that spends at most `quote` of the quote asset, fees included.
    MarketBudget { quote: Amount },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    /// Refuse the order rather than let it take liquidity.
    pub post_only: bool,
    pub stp: StpMode,
    pub client_order_id: Option<ClientOrderId>,
    /// Required for, and only for, [`TimeInForce::Gtd`].
    pub expire_at: Option<Timestamp>,
}

/// Capacity limits. Every collection in the engine has one, so that no input can make
/// it grow without bound. They are part of the state: replay uses the limits that were
/// in force, not the ones in today's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineLimits {
    pub assets_max: u32,
    pub instruments_max: u32,
    pub owners_max: u32,
    pub orders_open_max: u32,
    pub orders_open_per_owner_max: u32,
    /// Client order ids of finished orders remembered for duplicate detection.
    pub client_order_ids_retained_max: u32,
    /// Transfer ids remembered for duplicate detection.
    pub transfer_ids_retained_max: u32,
    pub transfers_pending_max: u32,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            assets_max: 256,
            instruments_max: 1024,
            owners_max: 1_000_000,
            orders_open_max: 1_000_000,
            orders_open_per_owner_max: 1_000,
            client_order_ids_retained_max: 1_000_000,
            transfer_ids_retained_max: 1_000_000,
            transfers_pending_max: 100_000,
        }
    }
}
