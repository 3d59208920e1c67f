//! The API's request and response bodies and query strings: the contract, documented
//! in the OpenAPI document with the constraints the handlers check. Money, prices and
//! quantities are decimal strings; ids are strings (they may exceed what JSON numbers
//! hold exactly); times are RFC 3339 in UTC, except where a field says milliseconds.

mod accounts;
mod backtests;
mod conditional;
mod live;
mod risk;
mod stats;

pub use accounts::*;
pub use backtests::*;
pub use conditional::{
    BracketDto, ConditionalLimitType, ConditionalMarketType, OcoDto, PlaceOco, StopLimitOrder,
    StopMarketOrder, TrailingStopBpsOrder, TrailingStopOrder, TrailingType,
};
pub use live::*;
pub use risk::*;
pub use stats::{StatsDto, StatsSampleDto, stats_sample_dto};

use bourse_engine::OrderStatus;
use bourse_store::Role;
use bourse_types::{InstrumentStatus, Side, StpMode, TimeInForce};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The latest time, in milliseconds since the epoch, a request may name (the year
/// 2286): far enough, and within what every JSON number and database holds.
pub const TIME_MS_MAX: u64 = 10_000_000_000_000;

/// The longest refresh token accepted.
pub const REFRESH_TOKEN_LEN_MAX: usize = 256;

/// A positive decimal number as the API takes it: digits, optionally a point and more
/// digits, not all zero; no sign, exponent, spaces or grouping. (The schemas spell it
/// out in each field; a test checks they agree with this.)
pub const POSITIVE_DECIMAL_PATTERN: &str =
    r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$";

/// Every successful response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// Always true.
    pub success: bool,
    pub data: T,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub error: Option<()>,
    pub timestamp: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pagination {
    pub page: u32,
    pub limit: u32,
    pub total: u64,
    pub total_pages: u64,
    pub has_next: bool,
    pub has_prev: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

/// An empty object, for answers with nothing to say.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Empty {}

/// `page` (from 1) and `limit` (1 to 500, default 50).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

// ------------------------------------------------------------------ enums

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDto {
    Buy,
    Sell,
}

impl From<SideDto> for Side {
    fn from(side: SideDto) -> Side {
        match side {
            SideDto::Buy => Side::Buy,
            SideDto::Sell => Side::Sell,
        }
    }
}

impl From<Side> for SideDto {
    fn from(side: Side) -> SideDto {
        match side {
            Side::Buy => SideDto::Buy,
            Side::Sell => SideDto::Sell,
        }
    }
}

/// What a client may place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderTypeDto {
    Limit,
    Market,
}

/// An order's type as accepted: a market buy by quote amount is `market_budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderKindDto {
    Limit,
    Market,
    MarketBudget,
    StopMarket,
    StopLimit,
    TakeProfitMarket,
    TakeProfitLimit,
    TrailingStop,
}

impl OrderKindDto {
    pub fn of(record: &bourse_engine::OrderRecord) -> OrderKindDto {
        use bourse_service::OrderType;
        if matches!(record.kind, bourse_engine::OrderKind::MarketBudget { .. }) {
            return OrderKindDto::MarketBudget;
        }
        match OrderType::of(record) {
            OrderType::Limit => OrderKindDto::Limit,
            OrderType::Market => OrderKindDto::Market,
            OrderType::StopMarket => OrderKindDto::StopMarket,
            OrderType::StopLimit => OrderKindDto::StopLimit,
            OrderType::TakeProfitMarket => OrderKindDto::TakeProfitMarket,
            OrderType::TakeProfitLimit => OrderKindDto::TakeProfitLimit,
            OrderType::TrailingStop => OrderKindDto::TrailingStop,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimeInForceDto {
    /// Good till cancelled (the default for limit orders).
    Gtc,
    /// Immediate or cancel (the default for market orders).
    Ioc,
    /// Fill or kill.
    Fok,
    /// Good till date: give `expire_at`.
    Gtd,
    /// Good for the trading day: expires when the next trading day starts.
    Day,
}

impl From<TimeInForceDto> for TimeInForce {
    fn from(tif: TimeInForceDto) -> TimeInForce {
        match tif {
            TimeInForceDto::Gtc => TimeInForce::Gtc,
            TimeInForceDto::Ioc => TimeInForce::Ioc,
            TimeInForceDto::Fok => TimeInForce::Fok,
            TimeInForceDto::Gtd => TimeInForce::Gtd,
            TimeInForceDto::Day => TimeInForce::Day,
        }
    }
}

impl From<TimeInForce> for TimeInForceDto {
    fn from(tif: TimeInForce) -> TimeInForceDto {
        match tif {
            TimeInForce::Gtc => TimeInForceDto::Gtc,
            TimeInForce::Ioc => TimeInForceDto::Ioc,
            TimeInForce::Fok => TimeInForceDto::Fok,
            TimeInForce::Gtd => TimeInForceDto::Gtd,
            TimeInForce::Day => TimeInForceDto::Day,
        }
    }
}

/// Self-trade prevention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StpDto {
    /// The incoming order's rest is cancelled (the default).
    CancelNewest,
    /// The resting order is cancelled and matching goes on.
    CancelOldest,
    /// Both are cancelled.
    CancelBoth,
}

impl From<StpDto> for StpMode {
    fn from(stp: StpDto) -> StpMode {
        match stp {
            StpDto::CancelNewest => StpMode::CancelNewest,
            StpDto::CancelOldest => StpMode::CancelOldest,
            StpDto::CancelBoth => StpMode::CancelBoth,
        }
    }
}

impl From<StpMode> for StpDto {
    fn from(stp: StpMode) -> StpDto {
        match stp {
            StpMode::CancelNewest => StpDto::CancelNewest,
            StpMode::CancelOldest => StpDto::CancelOldest,
            StpMode::CancelBoth => StpDto::CancelBoth,
        }
    }
}

/// Where an order is in its life (docs/orders.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusDto {
    Open,
    PartiallyFilled,
    Filled,
    Cancelled,
    Expired,
    /// A conditional order waiting for its trigger.
    Untriggered,
}

impl From<OrderStatus> for OrderStatusDto {
    fn from(status: OrderStatus) -> OrderStatusDto {
        match status {
            OrderStatus::Open => OrderStatusDto::Open,
            OrderStatus::PartiallyFilled => OrderStatusDto::PartiallyFilled,
            OrderStatus::Filled => OrderStatusDto::Filled,
            OrderStatus::Cancelled => OrderStatusDto::Cancelled,
            OrderStatus::Expired => OrderStatusDto::Expired,
            OrderStatus::Untriggered => OrderStatusDto::Untriggered,
        }
    }
}

/// Which orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusQueryDto {
    /// Open, partly filled and untriggered orders.
    Open,
    /// Filled, cancelled and expired orders.
    Closed,
    /// Both (the default).
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiquidityDto {
    Maker,
    Taker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Everything, including halting markets and managing users.
    Admin,
    /// Trades on their own account.
    Trader,
    /// Reads every account's orders and trades; cannot trade.
    Compliance,
    /// Reads every account's orders and trades; cannot trade.
    Auditor,
}

impl From<RoleDto> for Role {
    fn from(role: RoleDto) -> Role {
        match role {
            RoleDto::Admin => Role::Admin,
            RoleDto::Trader => Role::Trader,
            RoleDto::Compliance => Role::Compliance,
            RoleDto::Auditor => Role::Auditor,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> RoleDto {
        match role {
            Role::Admin => RoleDto::Admin,
            Role::Trader => RoleDto::Trader,
            Role::Compliance => RoleDto::Compliance,
            Role::Auditor => RoleDto::Auditor,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentStatusDto {
    Trading,
    Halted,
    Closed,
}

impl From<InstrumentStatusDto> for InstrumentStatus {
    fn from(status: InstrumentStatusDto) -> InstrumentStatus {
        match status {
            InstrumentStatusDto::Trading => InstrumentStatus::Trading,
            InstrumentStatusDto::Halted => InstrumentStatus::Halted,
            InstrumentStatusDto::Closed => InstrumentStatus::Closed,
        }
    }
}

impl From<InstrumentStatus> for InstrumentStatusDto {
    fn from(status: InstrumentStatus) -> InstrumentStatusDto {
        match status {
            InstrumentStatus::Trading => InstrumentStatusDto::Trading,
            InstrumentStatus::Halted => InstrumentStatusDto::Halted,
            InstrumentStatus::Closed => InstrumentStatusDto::Closed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeDto {
    /// Read the account: balances, orders, fills.
    Read,
    /// Place, amend and cancel orders.
    Trade,
}

// ------------------------------------------------------------------ auth

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "password": "correct horse"}))]
pub struct Credentials {
    /// 3 to 32 characters: letters, digits, `.`, `_`, `-`.
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9._-]{3,32}$")]
    pub username: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "0123456789abcdef0123456789abcdef.c2VjcmV0"}))]
pub struct RefreshRequest {
    /// As handed out by login, registration or a previous refresh.
    #[schema(max_length = 256)]
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub username: String,
    pub role: RoleDto,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A short-lived bearer token for `Authorization: Bearer ...`.
    pub access_token: String,
    /// Exchange it at `/auth/refresh` for a new pair; each is used once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: UserDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "correct horse", "new_password": "battery staple"}))]
pub struct PasswordChange {
    #[schema(max_length = 128)]
    pub current_password: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "my bot", "scopes": ["read", "trade"]}))]
pub struct ApiKeyRequest {
    /// A label, 1 to 64 characters, not all spaces.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    pub name: String,
    /// One or more of `read`, `trade`.
    #[schema(min_items = 1, max_items = 2)]
    pub scopes: Vec<ScopeDto>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: String,
    pub name: String,
    pub scopes: Vec<ScopeDto>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    /// The key, shown this once: send it as `X-API-Key`.
    pub key: String,
    pub api_key: ApiKeyDto,
}

// ------------------------------------------------------------------ account

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceDto {
    pub asset: String,
    /// What may be spent or held.
    pub available: String,
    /// Reserved by open orders and pending withdrawals.
    pub held: String,
    pub total: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"asset": "USD", "amount": "10000"}))]
pub struct FaucetRequest {
    /// An asset code, e.g. `USD`.
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}$")]
    pub asset: String,
    /// A positive decimal amount, at most the faucet's limit for the asset.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub amount: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferKindDto {
    Deposit,
    Withdrawal,
    /// Funds that reached this account from another of the venue's accounts.
    TransferIn,
    /// Funds that left this account for another of the venue's accounts.
    TransferOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatusDto {
    Pending,
    Posted,
    Voided,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferDto {
    pub id: String,
    pub asset: String,
    pub kind: TransferKindDto,
    /// For a transfer between two of the caller's accounts: the other one (`main` or
    /// a sub-account id).
    pub counterparty: Option<String>,
    pub amount: String,
    pub posted_amount: Option<String>,
    pub status: TransferStatusDto,
    pub created_at: String,
    pub updated_at: String,
}

/// One of the caller's fills.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyTradeDto {
    pub id: String,
    pub symbol: String,
    pub order_id: String,
    /// The caller's side.
    pub side: SideDto,
    pub price: String,
    pub quantity: String,
    /// Price times quantity, in the quote asset.
    pub value: String,
    /// The caller's fee, in the quote asset.
    pub fee: String,
    pub liquidity: LiquidityDto,
    pub time: String,
}

// ------------------------------------------------------------------ orders

/// `limit`: the one value of a limit order's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum LimitType {
    #[serde(rename = "limit")]
    Limit,
}

/// `market`: the one value of a market order's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum MarketType {
    #[serde(rename = "market")]
    Market,
}

/// `buy`: only buys may spend a quote amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum BuySide {
    #[serde(rename = "buy")]
    Buy,
}

/// How long a market order may look for liquidity: it never rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum MarketTimeInForceDto {
    /// Immediate or cancel (the default): what does not trade at once is cancelled.
    Ioc,
    /// Fill or kill: trades in full at once, or not at all.
    Fok,
}

impl From<MarketTimeInForceDto> for TimeInForce {
    fn from(tif: MarketTimeInForceDto) -> TimeInForce {
        match tif {
            MarketTimeInForceDto::Ioc => TimeInForce::Ioc,
            MarketTimeInForceDto::Fok => TimeInForce::Fok,
        }
    }
}

/// A limit order: trades at `price` or better; what does not trade rests (GTC, GTD)
/// or is cancelled (IOC, FOK).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "limit", "symbol": "BTC-USD", "side": "buy", "price": "50000", "quantity": "0.01", "client_order_id": "my-order-1"}))]
pub struct LimitOrder {
    #[serde(rename = "type")]
    pub kind: LimitType,
    /// For example `BTC-USD`.
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: SideDto,
    /// A positive decimal on the instrument's tick.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub price: String,
    /// A positive decimal on the instrument's lot.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: String,
    /// `GTC` by default. `GTD` needs `expire_at`, and only it may have one; `DAY`
    /// expires when the next trading day starts.
    pub time_in_force: Option<TimeInForceDto>,
    /// Refuse the order rather than let it take liquidity (resting orders only).
    #[serde(default)]
    pub post_only: bool,
    /// Your own id, unique per account (1 to 36 of letters, digits, `._:-`).
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
    /// For GTD: expiry in milliseconds since the Unix epoch, in the future (at most
    /// 10,000,000,000,000: the year 2286).
    #[schema(minimum = 0, maximum = 10000000000000.0)]
    pub expire_at: Option<u64>,
    /// Refuse the order unless it reduces a position (a sell no larger than the
    /// holding).
    #[serde(default)]
    pub reduce_only: bool,
    /// A stop loss and/or take profit for what this order fills.
    pub bracket: Option<BracketDto>,
}

/// A market order for a quantity: trades at the best prices available, never beyond
/// the price band (its protection price).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "market", "symbol": "BTC-USD", "side": "sell", "quantity": "0.01"}))]
pub struct MarketOrder {
    #[serde(rename = "type")]
    pub kind: MarketType,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: SideDto,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: String,
    /// `IOC` by default.
    pub time_in_force: Option<MarketTimeInForceDto>,
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
    #[serde(default)]
    pub reduce_only: bool,
    pub bracket: Option<BracketDto>,
}

/// A market buy that spends a quote amount (fees included) instead of buying a
/// quantity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "market", "symbol": "BTC-USD", "side": "buy", "quote_amount": "100"}))]
pub struct MarketBudgetOrder {
    #[serde(rename = "type")]
    pub kind: MarketType,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: BuySide,
    /// How much of the quote asset to spend, at most.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quote_amount: String,
    /// `IOC` by default.
    pub time_in_force: Option<MarketTimeInForceDto>,
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
}

/// An order to place, told apart by `type` (and, for market orders, by
/// `quote_amount`; for trailing stops, by `trailing_bps`): limit, market for a
/// quantity, market buy for a quote amount, stop or take-profit (market or limit),
/// trailing stop (docs/orders.md).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!({"type": "limit", "symbol": "BTC-USD", "side": "buy", "price": "50000", "quantity": "0.01", "client_order_id": "my-order-1"}))]
pub enum PlaceOrder {
    Limit(LimitOrder),
    Market(MarketOrder),
    MarketBudget(MarketBudgetOrder),
    StopMarket(StopMarketOrder),
    StopLimit(StopLimitOrder),
    TrailingStop(TrailingStopOrder),
    TrailingStopBps(TrailingStopBpsOrder),
}

impl<'de> Deserialize<'de> for PlaceOrder {
    /// Picks the shape from `type` (and `quote_amount`, `trailing_bps`) first, so that
    /// an error names the field that is wrong in that shape rather than "no variant
    /// matched".
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let Some(object) = value.as_object() else {
            return Err(D::Error::custom("an order is a JSON object"));
        };
        let shape = match object.get("type").and_then(|t| t.as_str()) {
            Some("limit") => serde_json::from_value(value).map(PlaceOrder::Limit),
            Some("market") if object.contains_key("quote_amount") => {
                serde_json::from_value(value).map(PlaceOrder::MarketBudget)
            }
            Some("market") => serde_json::from_value(value).map(PlaceOrder::Market),
            Some("stop_market" | "take_profit_market") => {
                serde_json::from_value(value).map(PlaceOrder::StopMarket)
            }
            Some("stop_limit" | "take_profit_limit") => {
                serde_json::from_value(value).map(PlaceOrder::StopLimit)
            }
            Some("trailing_stop") if object.contains_key("trailing_bps") => {
                serde_json::from_value(value).map(PlaceOrder::TrailingStopBps)
            }
            Some("trailing_stop") => serde_json::from_value(value).map(PlaceOrder::TrailingStop),
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "type: `limit`, `market`, `stop_market`, `stop_limit`, \
                     `take_profit_market`, `take_profit_limit` or `trailing_stop`, not {other:?}"
                )));
            }
            None => return Err(D::Error::missing_field("type")),
        };
        shape.map_err(D::Error::custom)
    }
}

impl PlaceOrder {
    /// What the schema says and serde cannot: numeric bounds, a bracket with nothing
    /// in it.
    pub fn check(&self) -> Result<(), crate::error::ApiError> {
        let bracket = match self {
            PlaceOrder::Limit(order) => order.bracket.as_ref(),
            PlaceOrder::Market(order) => order.bracket.as_ref(),
            PlaceOrder::StopMarket(order) => order.bracket.as_ref(),
            PlaceOrder::StopLimit(order) => order.bracket.as_ref(),
            _ => None,
        };
        if bracket.is_some_and(|b| b.stop_loss.is_none() && b.take_profit.is_none()) {
            return Err(crate::error::ApiError(bourse_service::ServiceError::field(
                "bracket",
                "a bracket gives stop_loss, take_profit or both",
            )));
        }
        let expire_at = match self {
            PlaceOrder::Limit(order) => order.expire_at,
            PlaceOrder::StopLimit(order) => order.expire_at,
            _ => None,
        };
        if expire_at.is_some_and(|at| at > TIME_MS_MAX) {
            return Err(crate::error::ApiError(bourse_service::ServiceError::field(
                "expire_at",
                format!("expire_at is at most {TIME_MS_MAX}"),
            )));
        }
        Ok(())
    }

    pub fn to_request(&self) -> bourse_service::PlaceOrder {
        use bourse_service::OrderType;
        let mut request = bourse_service::PlaceOrder {
            symbol: String::new(),
            side: Side::Buy,
            order_type: OrderType::Limit,
            price: None,
            quantity: None,
            quote_amount: None,
            time_in_force: None,
            post_only: false,
            client_order_id: None,
            stp: None,
            expire_at_ms: None,
            trigger_price: None,
            trailing_offset: None,
            trailing_bps: None,
            reduce_only: false,
            stop_loss: None,
            take_profit: None,
        };
        let bracket = |request: &mut bourse_service::PlaceOrder, bracket: &Option<BracketDto>| {
            if let Some(b) = bracket {
                request.stop_loss = b.stop_loss.clone();
                request.take_profit = b.take_profit.clone();
            }
        };
        match self {
            PlaceOrder::Limit(order) => {
                request.symbol = order.symbol.clone();
                request.side = order.side.into();
                request.price = Some(order.price.clone());
                request.quantity = Some(order.quantity.clone());
                request.time_in_force = order.time_in_force.map(Into::into);
                request.post_only = order.post_only;
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
                request.expire_at_ms = order.expire_at;
                request.reduce_only = order.reduce_only;
                bracket(&mut request, &order.bracket);
            }
            PlaceOrder::Market(order) => {
                request.symbol = order.symbol.clone();
                request.side = order.side.into();
                request.order_type = OrderType::Market;
                request.quantity = Some(order.quantity.clone());
                request.time_in_force = order.time_in_force.map(Into::into);
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
                request.reduce_only = order.reduce_only;
                bracket(&mut request, &order.bracket);
            }
            PlaceOrder::MarketBudget(order) => {
                request.symbol = order.symbol.clone();
                request.order_type = OrderType::Market;
                request.quote_amount = Some(order.quote_amount.clone());
                request.time_in_force = order.time_in_force.map(Into::into);
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
            }
            PlaceOrder::StopMarket(order) => {
                request.symbol = order.symbol.clone();
                request.side = order.side.into();
                request.order_type = match order.kind {
                    ConditionalMarketType::StopMarket => OrderType::StopMarket,
                    ConditionalMarketType::TakeProfitMarket => OrderType::TakeProfitMarket,
                };
                request.trigger_price = Some(order.trigger_price.clone());
                request.quantity = Some(order.quantity.clone());
                request.time_in_force = order.time_in_force.map(Into::into);
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
                request.reduce_only = order.reduce_only;
                bracket(&mut request, &order.bracket);
            }
            PlaceOrder::StopLimit(order) => {
                request.symbol = order.symbol.clone();
                request.side = order.side.into();
                request.order_type = match order.kind {
                    ConditionalLimitType::StopLimit => OrderType::StopLimit,
                    ConditionalLimitType::TakeProfitLimit => OrderType::TakeProfitLimit,
                };
                request.trigger_price = Some(order.trigger_price.clone());
                request.price = Some(order.price.clone());
                request.quantity = Some(order.quantity.clone());
                request.time_in_force = order.time_in_force.map(Into::into);
                request.post_only = order.post_only;
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
                request.expire_at_ms = order.expire_at;
                request.reduce_only = order.reduce_only;
                bracket(&mut request, &order.bracket);
            }
            PlaceOrder::TrailingStop(order) => {
                request.symbol = order.symbol.clone();
                request.side = order.side.into();
                request.order_type = OrderType::TrailingStop;
                request.quantity = Some(order.quantity.clone());
                request.trailing_offset = Some(order.trailing_offset.clone());
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
                request.reduce_only = order.reduce_only;
            }
            PlaceOrder::TrailingStopBps(order) => {
                request.symbol = order.symbol.clone();
                request.side = order.side.into();
                request.order_type = OrderType::TrailingStop;
                request.quantity = Some(order.quantity.clone());
                request.trailing_bps = Some(order.trailing_bps);
                request.client_order_id = order.client_order_id.clone();
                request.stp = order.stp.map(Into::into);
                request.reduce_only = order.reduce_only;
            }
        }
        request
    }
}

/// A field that may be left out but not sent as `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
/// At least one field (the document says so with `minProperties`, set in `openapi.rs`).
#[schema(example = json!({"price": "50100", "quantity": "0.005"}))]
pub struct AmendOrder {
    /// The new limit price.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub price: Option<String>,
    /// The new remaining quantity. Lower at the same price keeps the order's place.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FillDto {
    pub trade_id: String,
    pub price: String,
    pub quantity: String,
    pub fee: String,
    pub liquidity: LiquidityDto,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: String,
    pub client_order_id: Option<String>,
    pub symbol: String,
    pub side: SideDto,
    #[serde(rename = "type")]
    pub kind: OrderKindDto,
    pub price: Option<String>,
    pub quantity: Option<String>,
    pub quote_amount: Option<String>,
    pub filled_quantity: String,
    pub remaining_quantity: String,
    /// The value of what filled, in the quote asset.
    pub filled_value: String,
    pub average_price: Option<String>,
    /// Fees paid, in the quote asset.
    pub fees: String,
    pub status: OrderStatusDto,
    /// Why it was cancelled (see the cancel reasons in docs/errors.md).
    pub reason: Option<String>,
    pub time_in_force: TimeInForceDto,
    pub post_only: bool,
    pub stp: StpDto,
    pub expire_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// A conditional order's trigger price (a trailing stop's current stop).
    pub trigger_price: Option<String>,
    /// A trailing stop's distance, as a price or in basis points.
    pub trailing_offset: Option<String>,
    pub trailing_bps: Option<u32>,
    /// When its trigger fired.
    pub triggered_at: Option<String>,
    /// Why the order its trigger made was refused (an engine code, docs/errors.md).
    pub trigger_refused: Option<String>,
    pub reduce_only: bool,
    /// The other leg of its one-cancels-the-other pair.
    pub oco_order_id: Option<String>,
    /// The bracket entry it protects.
    pub parent_order_id: Option<String>,
    /// The protection it carries, as a bracket entry.
    pub bracket: Option<BracketDto>,
    /// Fills from this request, on placement and amendment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fills: Vec<FillDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// `main` (the default) or one of the caller's sub-account ids.
    #[param(pattern = r"^(main|[0-9]{1,19})$")]
    pub account: Option<String>,
    /// Only orders on this symbol.
    #[param(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: Option<String>,
    /// `open`, `closed` or `all` (default).
    #[param(inline)]
    pub status: Option<OrderStatusQueryDto>,
    #[param(inline)]
    pub side: Option<SideDto>,
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// A filter over every account's orders.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AllOrdersQuery {
    /// Only orders on this symbol.
    #[param(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: Option<String>,
    /// `open`, `closed` or `all` (default).
    #[param(inline)]
    pub status: Option<OrderStatusQueryDto>,
    #[param(inline)]
    pub side: Option<SideDto>,
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SymbolQuery {
    /// `main` (the default) or one of the caller's sub-account ids.
    #[param(pattern = r"^(main|[0-9]{1,19})$")]
    pub account: Option<String>,
    /// Only this symbol.
    #[param(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: Option<String>,
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CancelAllQuery {
    /// `main` (the default) or one of the caller's sub-account ids.
    #[param(pattern = r"^(main|[0-9]{1,19})$")]
    pub account: Option<String>,
    /// Only orders on this symbol.
    #[param(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CancelAllResponse {
    pub cancelled: Vec<String>,
}

// ------------------------------------------------------------------ market

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssetDto {
    pub code: String,
    /// Decimal places of amounts.
    pub decimals: u8,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstrumentDto {
    pub symbol: String,
    pub base: String,
    pub quote: String,
    pub status: InstrumentStatusDto,
    pub tick_size: String,
    pub lot_size: String,
    pub min_quantity: String,
    pub max_quantity: String,
    pub min_notional: String,
    pub price_decimals: u8,
    pub quantity_decimals: u8,
    /// Limit prices must lie within this many basis points of the reference price.
    pub price_band_bps: u32,
    pub maker_fee_bps: u16,
    pub taker_fee_bps: u16,
    pub reference_price: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TickerDto {
    pub symbol: String,
    pub last: Option<String>,
    pub open_24h: Option<String>,
    pub high_24h: Option<String>,
    pub low_24h: Option<String>,
    pub volume_24h: String,
    pub quote_volume_24h: String,
    pub trades_24h: u64,
    /// Percent, two decimals, e.g. `-1.25`.
    pub change_pct_24h: String,
    pub best_bid: Option<String>,
    pub best_bid_quantity: Option<String>,
    pub best_ask: Option<String>,
    pub best_ask_quantity: Option<String>,
    pub status: InstrumentStatusDto,
    pub time: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepthLevelDto {
    pub price: String,
    pub quantity: String,
    pub orders: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepthDto {
    pub symbol: String,
    /// Compare with the `seq` of WebSocket `book` deltas.
    pub seq: u64,
    pub bids: Vec<DepthLevelDto>,
    pub asks: Vec<DepthLevelDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DepthQuery {
    /// Levels per side, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub levels: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicTradeDto {
    pub id: String,
    pub price: String,
    pub quantity: String,
    /// The taker's side.
    pub side: SideDto,
    pub time: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LimitQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// A candle interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum IntervalDto {
    #[serde(rename = "1m")]
    OneMinute,
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "4h")]
    FourHours,
    #[serde(rename = "1d")]
    OneDay,
}

impl From<IntervalDto> for bourse_market::Interval {
    fn from(interval: IntervalDto) -> bourse_market::Interval {
        use bourse_market::Interval;
        match interval {
            IntervalDto::OneMinute => Interval::M1,
            IntervalDto::FiveMinutes => Interval::M5,
            IntervalDto::FifteenMinutes => Interval::M15,
            IntervalDto::OneHour => Interval::H1,
            IntervalDto::FourHours => Interval::H4,
            IntervalDto::OneDay => Interval::D1,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandleDto {
    /// Milliseconds since the Unix epoch.
    pub open_time: u64,
    pub open: String,
    pub high: String,
    pub low: String,
    pub close: String,
    pub volume: String,
    pub quote_volume: String,
    pub trades: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandleQuery {
    /// Default `1m`.
    #[param(inline)]
    pub interval: Option<IntervalDto>,
    /// 1 to 1000 (default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Only candles that open at or before this time (milliseconds since the epoch).
    #[param(minimum = 0, maximum = 10000000000000.0)]
    pub end: Option<u64>,
}

// ------------------------------------------------------------------ system

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SequenceDto {
    /// Last command applied by the engine.
    pub applied: u64,
    /// Last command made durable by the journal.
    pub durable: u64,
    /// Last command acknowledged and published.
    pub released: u64,
    /// Last command in the read models.
    pub projected: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyState {
    /// Working.
    Ok,
    /// Not working, but the venue trades on without it (the read-model database).
    Degraded,
    /// Not working, and the venue cannot acknowledge commands (the journal).
    Unavailable,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusDto {
    pub version: String,
    /// `demo` or `production`.
    pub profile: String,
    pub uptime_secs: u64,
    pub journal: DependencyState,
    pub journal_error: Option<String>,
    pub database: DependencyState,
    pub sequence: SequenceDto,
    pub last_snapshot: Option<u64>,
    pub instruments: usize,
    pub websocket_connections: usize,
    pub registration_open: bool,
    pub faucet_enabled: bool,
    pub time: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthDto {
    /// `ok`, or why not.
    pub status: String,
}

/// One dependency of the venue, as readiness sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DependencyDto {
    pub state: DependencyState,
    /// What is wrong, when something is.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessDto {
    /// `ok` when the venue takes orders, else why not.
    pub status: String,
    /// The journal: `ok` or `unavailable`.
    pub journal: DependencyDto,
    /// The read-model database: `ok`, or `degraded` while it does not answer.
    pub database: DependencyDto,
    /// The read models: `ok`, or `degraded` while they lag far behind.
    pub read_models: DependencyDto,
}

// ------------------------------------------------------------------ admin

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "carol", "role": "compliance"}))]
pub struct CreateUser {
    #[schema(min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9._-]{3,32}$")]
    pub username: String,
    /// Generated (and returned once) when absent.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
    pub role: RoleDto,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: UserDto,
    /// The generated password, when none was given: shown this once.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
/// At least one field (the document says so with `minProperties`, set in `openapi.rs`).
#[schema(example = json!({"disabled": true}))]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub role: Option<RoleDto>,
    /// A disabled user cannot log in, and their tokens and keys stop working.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "halted"}))]
pub struct InstrumentStatusRequest {
    /// Closing cancels every resting order.
    pub status: InstrumentStatusDto,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstrumentStatusChanged {
    pub symbol: String,
    pub status: InstrumentStatusDto,
}
