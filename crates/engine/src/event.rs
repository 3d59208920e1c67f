//! Events: everything the engine tells the world.
//!
//! Each command yields its events in a fixed order: expiries due at the command's
//! timestamp, then the command's own events, then one [`Event::Balance`] per account
//! whose balance changed, in the order the accounts were first touched.

use crate::command::{
    Attached, EngineLimits, HaltScope, InternalTransfer, OrderKind, Reason, RiskLimit, Trigger,
};
use bourse_types::{
    Amount, Asset, AssetId, CancelReason, ClientOrderId, Instrument, InstrumentId,
    InstrumentStatus, OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TradeId,
    TransferId,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    AssetListed(Asset),
    /// (Instruments are boxed in events: they are large and rare.)
    InstrumentListed(Box<Instrument>),
    InstrumentStatusChanged {
        instrument: InstrumentId,
        status: InstrumentStatus,
    },
    LimitsChanged(EngineLimits),
    AccountOpened {
        owner: OwnerId,
    },
    AccountStatusChanged {
        owner: OwnerId,
        halted: bool,
    },
    Transfer(TransferEvent),
    OrderAccepted(OrderAccepted),
    /// A command was refused. Nothing else changed.
    Rejected(Rejection),
    OrderAmended {
        order: OrderId,
        owner: OwnerId,
        instrument: InstrumentId,
        side: Side,
        price: Price,
        leaves: Qty,
        priority_kept: bool,
        held: Amount,
    },
    OrderCancelled {
        order: OrderId,
        owner: OwnerId,
        instrument: InstrumentId,
        leaves: Qty,
        reason: CancelReason,
    },
    OrderExpired {
        order: OrderId,
        owner: OwnerId,
        instrument: InstrumentId,
        leaves: Qty,
    },
    Trade(Trade),
    /// An account's balance after the command; `held` is reserved for open orders and
    /// pending withdrawals.
    Balance {
        owner: OwnerId,
        asset: AssetId,
        available: Amount,
        held: Amount,
    },
    /// A conditional order's trigger fired at the last price `last`: from here on it is
    /// a live order (same id) that trades, rests or ends like one.
    OrderTriggered {
        order: OrderId,
        owner: OwnerId,
        instrument: InstrumentId,
        last: Price,
    },
    /// A conditional order triggered, but the order it became was refused (its
    /// cancellation, reason `TRIGGER_REFUSED`, follows).
    TriggerRefused {
        order: OrderId,
        owner: OwnerId,
        instrument: InstrumentId,
        code: RejectCode,
    },
    /// A trailing stop followed the best price: its trigger is now `trigger_price`.
    TrailingStopMoved {
        order: OrderId,
        owner: OwnerId,
        instrument: InstrumentId,
        trigger_price: Price,
    },
    /// A position after the command (one per changed position, after the balances).
    /// Boxed, as the next one is: their 128-bit amounts would make every event larger
    /// and more strictly aligned.
    Position(Box<PositionEvent>),
    RiskLimitChanged {
        owner: Option<OwnerId>,
        limit: RiskLimit,
    },
    /// An owner's loss of the trading day reached its limit: until the next trading
    /// day only cancels and orders that reduce a position are accepted.
    DailyLossBreached(Box<LossBreach>),
    TradingDayChanged {
        start_secs: u32,
    },
    /// New trading rules of an instrument.
    InstrumentUpdated(Box<Instrument>),
    /// The kill switch was thrown (or released).
    HaltChanged {
        scope: HaltScope,
        halted: bool,
        by: OwnerId,
        reason: Reason,
    },
    /// An owner pressed its panic button: its orders are cancelled and, with
    /// `flatten`, its positions sold, except those named in `unflattened` with the
    /// code that refused their sale.
    Panicked {
        owner: OwnerId,
        flatten: bool,
        unflattened: Vec<(InstrumentId, RejectCode)>,
    },
    /// Funds moved between two owners of the venue (the command's own record; the
    /// two balances follow).
    InternalTransfer(InternalTransfer),
}

/// A daily loss limit reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossBreach {
    pub owner: OwnerId,
    pub asset: AssetId,
    /// The day's PnL, quote minor units (negative: a loss).
    pub pnl: i128,
    pub limit: Amount,
}

/// A position as it stands: the base an owner holds through an instrument, what it
/// cost, and what it has earned. All amounts are quote minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionEvent {
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub qty: Qty,
    /// The cost basis of `qty` (average-cost method).
    pub cost: u128,
    /// Realised PnL, fees not deducted.
    pub realized: i128,
    /// Fees paid trading the instrument.
    pub fees: u128,
    /// When the position last opened (went from nothing to something).
    pub opened_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferKind {
    Deposit,
    Withdrawal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransferState {
    /// Reserved: a pending deposit is not yet available, a pending withdrawal is held.
    Pending,
    /// Completed for `amount`.
    Posted,
    /// Cancelled; `amount` was released.
    Voided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferEvent {
    pub id: TransferId,
    pub kind: TransferKind,
    pub owner: OwnerId,
    pub asset: AssetId,
    pub amount: Amount,
    pub state: TransferState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAccepted {
    pub order: OrderId,
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub kind: OrderKind,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub stp: StpMode,
    pub client_order_id: Option<ClientOrderId>,
    pub expire_at: Option<Timestamp>,
    /// Funds reserved for the order (quote asset for buys, base asset for sells).
    pub held: Amount,
    pub reduce_only: bool,
    /// What a conditional or linked order adds; boxed, so that the many plain orders
    /// (and every other event) stay small.
    pub detail: Option<Box<AcceptedDetail>>,
}

/// The parts of an acceptance only conditional and linked orders have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AcceptedDetail {
    /// A conditional order, and its trigger price (a trailing stop's current stop).
    pub trigger: Option<Trigger>,
    pub trigger_price: Option<Price>,
    /// The other leg of its one-cancels-the-other pair.
    pub oco: Option<OrderId>,
    /// The bracket entry this order protects.
    pub parent: Option<OrderId>,
    /// The protection this (entry) order carries.
    pub attached: Option<Attached>,
}

impl AcceptedDetail {
    /// The detail to box, or `None` when there is none.
    pub fn boxed(self) -> Option<Box<AcceptedDetail>> {
        (self != AcceptedDetail::default()).then(|| Box::new(self))
    }
}

impl OrderAccepted {
    fn detail(&self) -> AcceptedDetail {
        self.detail.as_deref().copied().unwrap_or_default()
    }

    pub fn trigger(&self) -> Option<Trigger> {
        self.detail().trigger
    }

    pub fn trigger_price(&self) -> Option<Price> {
        self.detail().trigger_price
    }

    pub fn oco(&self) -> Option<OrderId> {
        self.detail().oco
    }

    pub fn parent(&self) -> Option<OrderId> {
        self.detail().parent
    }

    pub fn attached(&self) -> Option<Attached> {
        self.detail().attached
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub id: TradeId,
    pub instrument: InstrumentId,
    pub price: Price,
    pub qty: Qty,
    /// `price * qty` in quote minor units.
    pub notional: Amount,
    /// The side of the taker (the incoming order).
    pub aggressor: Side,
    pub maker_order: OrderId,
    pub maker_owner: OwnerId,
    pub maker_fee: Amount,
    pub maker_leaves: Qty,
    pub taker_order: OrderId,
    pub taker_owner: OwnerId,
    pub taker_fee: Amount,
    pub taker_leaves: Qty,
}

impl Trade {
    pub fn buyer(&self) -> (OwnerId, OrderId) {
        match self.aggressor {
            Side::Buy => (self.taker_owner, self.taker_order),
            Side::Sell => (self.maker_owner, self.maker_order),
        }
    }

    pub fn seller(&self) -> (OwnerId, OrderId) {
        match self.aggressor {
            Side::Buy => (self.maker_owner, self.maker_order),
            Side::Sell => (self.taker_owner, self.taker_order),
        }
    }
}

/// Which command a rejection answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommandKind {
    ListAsset,
    ListInstrument,
    SetInstrumentStatus,
    SetLimits,
    OpenAccount,
    SetAccountHalted,
    Deposit,
    Withdraw,
    PostTransfer,
    VoidTransfer,
    Place,
    Cancel,
    Amend,
    CancelAll,
    PlaceOco,
    SetRiskLimit,
    SetTradingDay,
    UpdateInstrument,
    Halt,
    Panic,
    Transfer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub command: CommandKind,
    pub code: RejectCode,
    pub owner: Option<OwnerId>,
    /// The order concerned: the target of a cancel or amend, or the existing order
    /// behind a duplicate client order id.
    pub order: Option<OrderId>,
    pub client_order_id: Option<ClientOrderId>,
    pub transfer: Option<TransferId>,
}

macro_rules! reject_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// Why a command was refused. The codes are stable: clients may match on them,
        /// and new ones are only ever appended.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum RejectCode {
            $($(#[$doc])* $variant,)*
        }

        impl RejectCode {
            pub const ALL: &'static [RejectCode] = &[$(RejectCode::$variant,)*];

            /// The stable code, in `SCREAMING_SNAKE_CASE`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(RejectCode::$variant => $code,)*
                }
            }
        }
    };
}

reject_codes! {
    /// The available balance does not cover the funds the command must hold or move.
    InsufficientFunds => "INSUFFICIENT_FUNDS",
    /// The limit price is outside the band around the reference price.
    PriceOutOfBand => "PRICE_OUT_OF_BAND",
    /// The price is not a multiple of the instrument's tick size.
    InvalidTick => "INVALID_TICK",
    /// The quantity is not a multiple of the instrument's lot size.
    InvalidLot => "INVALID_LOT",
    /// The price is zero.
    InvalidPrice => "INVALID_PRICE",
    /// The quantity is zero.
    InvalidQuantity => "INVALID_QUANTITY",
    /// The amount is zero, or larger than what it refers to.
    InvalidAmount => "INVALID_AMOUNT",
    /// The quantity is below the instrument's minimum.
    QuantityBelowMin => "QUANTITY_BELOW_MIN",
    /// The quantity is above the instrument's maximum.
    QuantityAboveMax => "QUANTITY_ABOVE_MAX",
    /// The order's value is below the instrument's minimum notional.
    NotionalBelowMin => "NOTIONAL_BELOW_MIN",
    /// A market order needs a reference price (a last trade or a configured one).
    NoReferencePrice => "NO_REFERENCE_PRICE",
    /// A post-only order would have traded on arrival.
    PostOnlyWouldTake => "POST_ONLY_WOULD_TAKE",
    /// A fill-or-kill order could not be filled in full at once.
    FokNotFillable => "FOK_NOT_FILLABLE",
    /// The time in force does not fit the order type.
    InvalidTimeInForce => "INVALID_TIME_IN_FORCE",
    /// The expiry is missing for a good-till-date order, present for another, or past.
    InvalidExpiry => "INVALID_EXPIRY",
    /// The order's fields contradict each other (post-only market order, budget sell).
    InvalidOrder => "INVALID_ORDER",
    /// An amendment that changes nothing was asked for.
    InvalidAmend => "INVALID_AMEND",
    /// The owner already used this client order id.
    DuplicateClientOrderId => "DUPLICATE_CLIENT_ORDER_ID",
    /// No open order has this id (it never existed or has ended).
    UnknownOrder => "UNKNOWN_ORDER",
    /// The order belongs to another owner.
    NotOwner => "NOT_OWNER",
    /// The owner is halted.
    AccountHalted => "ACCOUNT_HALTED",
    /// The owner does not exist.
    UnknownAccount => "UNKNOWN_ACCOUNT",
    /// The owner already exists.
    AccountExists => "ACCOUNT_EXISTS",
    /// The owner id is reserved for the engine's system accounts.
    ReservedAccount => "RESERVED_ACCOUNT",
    /// The instrument does not exist.
    UnknownInstrument => "UNKNOWN_INSTRUMENT",
    /// The instrument is halted: only cancels are accepted.
    InstrumentHalted => "INSTRUMENT_HALTED",
    /// The instrument is closed.
    InstrumentClosed => "INSTRUMENT_CLOSED",
    /// The asset does not exist.
    UnknownAsset => "UNKNOWN_ASSET",
    /// An asset with this code is already listed.
    DuplicateAsset => "DUPLICATE_ASSET",
    /// An instrument with this symbol is already listed.
    DuplicateInstrument => "DUPLICATE_INSTRUMENT",
    /// The asset or instrument specification is invalid.
    InvalidSpec => "INVALID_SPEC",
    /// The owner has as many open orders as allowed.
    TooManyOpenOrders => "TOO_MANY_OPEN_ORDERS",
    /// An engine-wide capacity limit was reached.
    CapacityExceeded => "CAPACITY_EXCEEDED",
    /// A value would not fit in 64 bits.
    AmountOverflow => "AMOUNT_OVERFLOW",
    /// The transfer id was already used.
    DuplicateTransferId => "DUPLICATE_TRANSFER_ID",
    /// No pending transfer has this id.
    UnknownTransfer => "UNKNOWN_TRANSFER",
    /// A buy that, with the position and the other open buys, would pass the owner's
    /// position limit.
    PositionLimit => "POSITION_LIMIT",
    /// The order's value is over the owner's limit for one order.
    OrderNotionalLimit => "ORDER_NOTIONAL_LIMIT",
    /// With this order, the owner's open orders would be worth more than its limit.
    OpenNotionalLimit => "OPEN_NOTIONAL_LIMIT",
    /// The owner has as many open orders as its limit allows.
    OpenOrdersLimit => "OPEN_ORDERS_LIMIT",
    /// The owner passed its daily loss limit: only cancels and orders that reduce a
    /// position are accepted until the next trading day.
    DailyLossLimit => "DAILY_LOSS_LIMIT",
    /// A reduce-only order that would not reduce a position.
    ReduceOnly => "REDUCE_ONLY",
    /// The venue is halted: only cancels are accepted.
    VenueHalted => "VENUE_HALTED",
    /// A trigger that is not valid: off the tick, zero, an offset out of range, a
    /// trailing stop that is not a market order.
    InvalidTrigger => "INVALID_TRIGGER",
    /// The trigger is already met by the last price: the order would fire at once.
    TriggerWouldFire => "TRIGGER_WOULD_FIRE",
    /// The two orders do not make a one-cancels-the-other pair (another owner,
    /// instrument, side or quantity, or both would rest in the book).
    InvalidOco => "INVALID_OCO",
    /// The change would leave resting orders off the instrument's new tick or lot.
    WouldStrandOrders => "WOULD_STRAND_ORDERS",
    /// A transfer from an owner to itself.
    SameAccount => "SAME_ACCOUNT",
}
