//! The shapes of conditional orders (stop, take profit, trailing stop), brackets and
//! one-cancels-the-other pairs (docs/orders.md).

use super::{MarketTimeInForceDto, PlaceOrder, SideDto, StpDto, TimeInForceDto};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A conditional market order's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionalMarketType {
    /// A market order once the last price falls to `trigger_price` (a sell) or rises to
    /// it (a buy): a stop loss, or a stop entry.
    StopMarket,
    /// A market order once the last price rises to `trigger_price` (a sell) or falls to
    /// it (a buy).
    TakeProfitMarket,
}

/// A conditional limit order's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionalLimitType {
    /// A limit order at `price` once the last price falls to `trigger_price` (a sell)
    /// or rises to it (a buy).
    StopLimit,
    /// A limit order at `price` once the last price rises to `trigger_price` (a sell)
    /// or falls to it (a buy).
    TakeProfitLimit,
}

/// `trailing_stop`: the one value of a trailing stop's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum TrailingType {
    #[serde(rename = "trailing_stop")]
    TrailingStop,
}

/// Protection attached to an entry order: for what the entry fills, a stop-market
/// order of the other side at `stop_loss` and a limit order at `take_profit`, one
/// cancelling the other. At least one of the two (the document says so with
/// `minProperties`, set in `openapi.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stop_loss": "48000", "take_profit": "55000"}))]
pub struct BracketDto {
    /// The stop-loss trigger price: below a buy entry's price, above a sell's.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub stop_loss: Option<String>,
    /// The take-profit limit price: above a buy entry's price, below a sell's.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub take_profit: Option<String>,
}

/// A stop-market or take-profit-market order: waits, holding its funds, until the
/// last price reaches `trigger_price`, then trades at market.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "stop_market", "symbol": "BTC-USD", "side": "sell", "trigger_price": "48000", "quantity": "0.01"}))]
pub struct StopMarketOrder {
    #[serde(rename = "type")]
    pub kind: ConditionalMarketType,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: SideDto,
    /// The last price that fires it, on the instrument's tick.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub trigger_price: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: String,
    /// How the market order it becomes trades: `IOC` by default.
    pub time_in_force: Option<MarketTimeInForceDto>,
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
    /// Refuse it unless it reduces a position (a sell no larger than the holding).
    #[serde(default)]
    pub reduce_only: bool,
    pub bracket: Option<BracketDto>,
}

/// A stop-limit or take-profit-limit order: waits until the last price reaches
/// `trigger_price`, then becomes a limit order at `price`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "stop_limit", "symbol": "BTC-USD", "side": "buy", "trigger_price": "52000", "price": "52100", "quantity": "0.01"}))]
pub struct StopLimitOrder {
    #[serde(rename = "type")]
    pub kind: ConditionalLimitType,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: SideDto,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub trigger_price: String,
    /// The limit price of the order it becomes.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub price: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: String,
    /// `GTC` by default; `GTD` and `DAY` expire it, waiting or resting.
    pub time_in_force: Option<TimeInForceDto>,
    #[serde(default)]
    pub post_only: bool,
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
    #[schema(minimum = 0, maximum = 10000000000000.0)]
    pub expire_at: Option<u64>,
    #[serde(default)]
    pub reduce_only: bool,
    pub bracket: Option<BracketDto>,
}

/// A trailing stop by a price distance: a stop-market order whose stop follows the
/// best price reached since it was placed (the highest for a sell, less the distance;
/// the lowest for a buy, plus it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "trailing_stop", "symbol": "BTC-USD", "side": "sell", "quantity": "0.01", "trailing_offset": "500"}))]
pub struct TrailingStopOrder {
    #[serde(rename = "type")]
    pub kind: TrailingType,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: SideDto,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: String,
    /// The distance, a multiple of the tick.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub trailing_offset: String,
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
    #[serde(default)]
    pub reduce_only: bool,
}

/// A trailing stop by basis points of the best price (1 to 5,000; the stop rounds to
/// the tick away from the price).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"type": "trailing_stop", "symbol": "BTC-USD", "side": "sell", "quantity": "0.01", "trailing_bps": 150}))]
pub struct TrailingStopBpsOrder {
    #[serde(rename = "type")]
    pub kind: TrailingType,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    pub side: SideDto,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub quantity: String,
    #[schema(minimum = 1, maximum = 5000)]
    pub trailing_bps: u32,
    #[schema(min_length = 1, max_length = 36, pattern = r"^[A-Za-z0-9._:-]{1,36}$")]
    pub client_order_id: Option<String>,
    pub stp: Option<StpDto>,
    #[serde(default)]
    pub reduce_only: bool,
}

/// Two orders, one cancelling the other: same symbol, side and quantity, at least one
/// conditional and at most one resting (typically a take-profit limit and a stop).
/// When one fills or triggers, the other is cancelled; cancelling one cancels both.
/// The pair holds once, what the larger leg needs.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "first": {"type": "limit", "symbol": "BTC-USD", "side": "sell", "price": "55000", "quantity": "0.01"},
    "second": {"type": "stop_market", "symbol": "BTC-USD", "side": "sell", "trigger_price": "48000", "quantity": "0.01"}
}))]
pub struct PlaceOco {
    pub first: PlaceOrder,
    pub second: PlaceOrder,
}

/// Both legs of a pair, as placed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcoDto {
    pub first: super::OrderDto,
    pub second: super::OrderDto,
}
