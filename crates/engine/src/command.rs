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
    /// Place two orders that cancel each other: when one triggers or fills, the other
    /// is cancelled in the same command. Same owner, instrument, side and quantity;
    /// at most one of them rests in the book (the other is conditional), and the pair
    /// holds once, what the larger of the two needs.
    /// (The legs are boxed: they would double the size of every command.)
    PlaceOco {
        first: Box<NewOrder>,
        second: Box<NewOrder>,
    },
    /// Set or clear one risk limit of an owner, or the default for every owner without
    /// its own (`owner: None`).
    SetRiskLimit {
        owner: Option<OwnerId>,
        limit: RiskLimit,
    },
    /// When the trading day starts, in seconds after 00:00 UTC (0 to 86,399): DAY
    /// orders expire and daily loss limits start again at that time.
    SetTradingDay { start_secs: u32 },
    /// Change an instrument's trading rules. A change that would leave resting orders
    /// off the new tick or lot grid is refused.
    UpdateInstrument {
        instrument: InstrumentId,
        update: InstrumentUpdate,
    },
    /// The kill switch: halt (or resume) an account, an instrument or the whole venue.
    /// A halt cancels every order and conditional order in its scope and refuses new
    /// orders until resumed; cancels are always accepted. Who did it and why are kept.
    Halt {
        scope: HaltScope,
        halted: bool,
        by: OwnerId,
        reason: Reason,
    },
    /// An owner's own panic button: cancel every order and conditional order, and with
    /// `flatten`, sell every position at market.
    Panic { owner: OwnerId, flatten: bool },
    /// Move funds between two owners inside the venue (a user's main account and its
    /// sub-accounts): immediate, all or nothing, from what `from` has available.
    Transfer(InternalTransfer),
}

impl Command {
    /// The kinds of command, in the order of [`Command::kind_index`], as stable
    /// `snake_case` labels (metrics, logs). New kinds are only ever appended.
    pub const KIND_NAMES: &'static [&'static str] = &[
        "list_asset",
        "list_instrument",
        "set_instrument_status",
        "set_limits",
        "open_account",
        "set_account_halted",
        "deposit",
        "withdraw",
        "post_transfer",
        "void_transfer",
        "place",
        "cancel",
        "amend",
        "cancel_all",
        "tick",
        "place_oco",
        "set_risk_limit",
        "set_trading_day",
        "update_instrument",
        "halt",
        "panic",
        "transfer",
    ];

    /// This command's position in [`Command::KIND_NAMES`].
    pub const fn kind_index(&self) -> usize {
        match self {
            Command::ListAsset(_) => 0,
            Command::ListInstrument(_) => 1,
            Command::SetInstrumentStatus { .. } => 2,
            Command::SetLimits(_) => 3,
            Command::OpenAccount { .. } => 4,
            Command::SetAccountHalted { .. } => 5,
            Command::Deposit(_) => 6,
            Command::Withdraw(_) => 7,
            Command::PostTransfer { .. } => 8,
            Command::VoidTransfer { .. } => 9,
            Command::Place(_) => 10,
            Command::Cancel { .. } => 11,
            Command::Amend { .. } => 12,
            Command::CancelAll { .. } => 13,
            Command::Tick => 14,
            Command::PlaceOco { .. } => 15,
            Command::SetRiskLimit { .. } => 16,
            Command::SetTradingDay { .. } => 17,
            Command::UpdateInstrument { .. } => 18,
            Command::Halt { .. } => 19,
            Command::Panic { .. } => 20,
            Command::Transfer(_) => 21,
        }
    }

    /// This command's kind as a stable label.
    pub const fn kind_name(&self) -> &'static str {
        Command::KIND_NAMES[self.kind_index()]
    }
}

/// What a halt covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HaltScope {
    Account(OwnerId),
    Instrument(InstrumentId),
    Venue,
}

/// Words for people (why a halt), at most [`Reason::LEN_MAX`] bytes; decoding refuses
/// a longer one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Reason(String);

impl TryFrom<String> for Reason {
    type Error = String;

    fn try_from(text: String) -> Result<Reason, String> {
        if text.len() > Reason::LEN_MAX {
            return Err(format!("a reason is at most {} bytes", Reason::LEN_MAX));
        }
        Ok(Reason(text))
    }
}

impl Reason {
    pub const LEN_MAX: usize = 200;

    /// A reason, or `None` when it is longer than [`Reason::LEN_MAX`] bytes.
    pub fn new(text: &str) -> Option<Reason> {
        (text.len() <= Reason::LEN_MAX).then(|| Reason(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One risk limit; `None` clears it (no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RiskLimit {
    /// The largest position in an instrument, in base units: a buy is refused when the
    /// position, the owner's other open buys on it and the order together would pass it.
    PositionMax {
        instrument: InstrumentId,
        qty: Option<Qty>,
    },
    /// The largest value of one order, in a quote asset.
    OrderNotionalMax {
        asset: AssetId,
        amount: Option<Amount>,
    },
    /// The largest value of all open orders together (both sides), in a quote asset.
    OpenNotionalMax {
        asset: AssetId,
        amount: Option<Amount>,
    },
    /// The most open orders (conditional ones included).
    OpenOrdersMax { count: Option<u32> },
    /// The largest loss of a trading day (realised plus unrealised PnL since the day
    /// started), in a quote asset. Once passed, only cancels and orders that reduce a
    /// position are accepted until the next trading day.
    DailyLossMax {
        asset: AssetId,
        amount: Option<Amount>,
    },
}

/// New trading rules for an instrument; what is `None` stays as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InstrumentUpdate {
    pub tick_size: Option<Price>,
    pub lot_size: Option<Qty>,
    pub min_qty: Option<Qty>,
    pub max_qty: Option<Qty>,
    pub min_notional: Option<Amount>,
    pub price_band_bps: Option<u32>,
    pub maker_fee_bps: Option<u16>,
    pub taker_fee_bps: Option<u16>,
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

/// Funds moving from one owner to another inside the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalTransfer {
    /// Chosen by the caller, from the same space as deposits' and withdrawals' ids;
    /// reusing one is refused, which makes retries safe.
    pub id: TransferId,
    pub from: OwnerId,
    pub to: OwnerId,
    pub asset: AssetId,
    pub amount: Amount,
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

/// When a conditional order fires, judged against its instrument's last trade price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    /// Against the position: a sell fires when the price falls to `price` or below,
    /// a buy when it rises to `price` or above.
    Stop { price: Price },
    /// With the position: a sell fires when the price rises to `price` or above, a buy
    /// when it falls to `price` or below.
    TakeProfit { price: Price },
    /// A stop that follows the best price reached since it was placed: a sell's stop is
    /// the highest price less the offset, a buy's the lowest price plus the offset.
    /// Market orders only.
    TrailingStop { offset: TrailingOffset },
}

/// How far a trailing stop follows the best price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrailingOffset {
    /// A price distance (a multiple of the tick).
    Price(Price),
    /// Basis points of the best price (1 to 5,000), the stop rounded to the tick away
    /// from the best price.
    Bps(u32),
}

/// A stop loss and take profit to attach to an entry order: they become live, as a
/// one-cancels-the-other pair of the opposite side, for what the entry fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attached {
    /// The stop-market trigger price.
    pub stop_loss: Option<Price>,
    /// The take-profit limit price.
    pub take_profit: Option<Price>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub side: Side,
    /// What the order is (a conditional order: what it becomes when it triggers).
    pub kind: OrderKind,
    pub tif: TimeInForce,
    /// Refuse the order rather than let it take liquidity.
    pub post_only: bool,
    pub stp: StpMode,
    pub client_order_id: Option<ClientOrderId>,
    /// Required for, and only for, [`TimeInForce::Gtd`].
    pub expire_at: Option<Timestamp>,
    /// Refuse the order unless it reduces a position: a sell no larger than the
    /// owner's holding in the instrument.
    pub reduce_only: bool,
    /// A trigger and attached protection, for the orders that have them; boxed, so
    /// that the plain orders most commands carry stay small.
    pub conditions: Option<Box<Conditions>>,
}

/// What makes an order conditional or a bracket entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conditions {
    /// A conditional order: held until its trigger fires.
    pub trigger: Option<Trigger>,
    /// A bracket: protection for what this order fills.
    pub attached: Option<Attached>,
}

impl NewOrder {
    /// A plain order: no trigger, not reduce-only, nothing attached.
    #[allow(clippy::too_many_arguments)]
    pub fn plain(
        owner: OwnerId,
        instrument: InstrumentId,
        side: Side,
        kind: OrderKind,
        tif: TimeInForce,
        post_only: bool,
        stp: StpMode,
        client_order_id: Option<ClientOrderId>,
        expire_at: Option<Timestamp>,
    ) -> NewOrder {
        NewOrder {
            owner,
            instrument,
            side,
            kind,
            tif,
            post_only,
            stp,
            client_order_id,
            expire_at,
            reduce_only: false,
            conditions: None,
        }
    }

    /// The order's trigger, if it is conditional.
    #[inline]
    pub fn trigger(&self) -> Option<Trigger> {
        self.conditions.as_ref().and_then(|c| c.trigger)
    }

    /// The protection a bracket entry carries.
    #[inline]
    pub fn attached(&self) -> Option<Attached> {
        self.conditions.as_ref().and_then(|c| c.attached)
    }

    /// The order with a trigger (or none).
    pub fn with_trigger(mut self, trigger: Option<Trigger>) -> NewOrder {
        let attached = self.attached();
        self.conditions = Conditions { trigger, attached }.boxed();
        self
    }

    /// The order with attached protection (or none).
    pub fn with_attached(mut self, attached: Option<Attached>) -> NewOrder {
        let trigger = self.trigger();
        self.conditions = Conditions { trigger, attached }.boxed();
        self
    }
}

impl Conditions {
    /// Boxed, or `None` when there are none.
    pub fn boxed(self) -> Option<Box<Conditions>> {
        (self != Conditions::default()).then(|| Box::new(self))
    }
}

/// Capacity limits. Every collection in the engine has one, so that no input can make
/// it grow without bound. They are part of the state: replay uses the limits that were
/// in force, not the ones in today's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
