//! Orders: placement (every type), amendment, the order as answered, and lists.

use super::*;

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
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
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
