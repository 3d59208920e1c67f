//! Positions, risk limits and their use, the kill switch, the panic button, and
//! listing administration.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One position, valued at the instrument's last price. Amounts are in the quote
/// asset; PnL is signed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionDto {
    pub symbol: String,
    /// The base asset held through the instrument.
    pub quantity: String,
    /// The average entry price (cost basis over quantity, rounded down).
    pub entry_price: Option<String>,
    /// The cost basis of the quantity (average-cost method).
    pub cost: String,
    /// The last trade price (the reference price before the first trade).
    pub mark_price: Option<String>,
    /// The quantity's value at the mark price.
    pub value: String,
    pub unrealized_pnl: String,
    /// Realised PnL, fees not deducted.
    pub realized_pnl: String,
    /// Fees paid trading the instrument.
    pub fees: String,
    /// Realised plus unrealised PnL since the trading day began.
    pub day_pnl: String,
    /// When the position last opened (went from nothing to something).
    pub opened_at: Option<String>,
}

/// Where a limit in force comes from: the account's own or the venue's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitSourceDto {
    Own,
    Default,
}

/// A limit in force (`null` when there is none) and where it comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LimitDto {
    pub limit: Option<String>,
    pub source: Option<LimitSourceDto>,
}

/// An account's risk in one quote asset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteRiskDto {
    pub asset: String,
    /// The largest value of one order.
    pub order_notional_max: LimitDto,
    /// The value of the open orders (both sides, conditional ones included).
    pub open_notional: String,
    pub open_notional_max: LimitDto,
    /// Today's PnL (signed): realised plus unrealised since the trading day began.
    pub daily_pnl: String,
    /// The largest loss of a trading day.
    pub daily_loss_max: LimitDto,
    /// Whether the daily loss limit has been reached today: until the next trading
    /// day only cancels and orders that reduce a position are accepted.
    pub breached: bool,
}

/// An account's position limit on one instrument and its use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstrumentRiskDto {
    pub symbol: String,
    pub position: String,
    /// Open buys, resting and conditional, which the position limit counts too.
    pub open_buys: String,
    pub position_max: LimitDto,
}

/// A kill switch thrown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HaltDto {
    /// `venue`, `instrument` or `account`.
    pub scope: HaltScopeDto,
    /// The instrument halted (scope `instrument`).
    pub symbol: Option<String>,
    /// The account halted (scope `account`).
    pub user_id: Option<String>,
    /// The admin who threw it.
    pub by: String,
    pub reason: String,
    pub since: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HaltScopeDto {
    Venue,
    Instrument,
    Account,
}

/// An account's limits, how much of each is used, and the halts that concern it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskDto {
    pub user_id: String,
    /// Open orders, resting and conditional.
    pub open_orders: u32,
    pub open_orders_max: LimitDto,
    pub quotes: Vec<QuoteRiskDto>,
    pub instruments: Vec<InstrumentRiskDto>,
    pub halts: Vec<HaltDto>,
    /// The trading day starts this many seconds after 00:00 UTC.
    pub trading_day_start_secs: u32,
    /// When the current trading day ends.
    pub trading_day_ends: String,
}

/// A limit per asset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssetLimitDto {
    pub asset: String,
    pub limit: String,
}

/// A limit per instrument.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstrumentLimitDto {
    pub symbol: String,
    pub limit: String,
}

/// The venue's default limits: what every account without its own has.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskDefaultsDto {
    pub open_orders_max: Option<u32>,
    pub order_notional_max: Vec<AssetLimitDto>,
    pub open_notional_max: Vec<AssetLimitDto>,
    pub daily_loss_max: Vec<AssetLimitDto>,
    pub position_max: Vec<InstrumentLimitDto>,
    pub trading_day_start_secs: u32,
}

/// `position_max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum PositionLimitKind {
    #[serde(rename = "position_max")]
    PositionMax,
}

/// The limits kept per quote asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetLimitKind {
    /// The largest value of one order.
    OrderNotionalMax,
    /// The largest value of all open orders together.
    OpenNotionalMax,
    /// The largest loss of a trading day.
    DailyLossMax,
}

/// `open_orders_max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CountLimitKind {
    #[serde(rename = "open_orders_max")]
    OpenOrdersMax,
}

/// The largest position in an instrument (base quantity): a buy is refused when the
/// position, the other open buys and the order would pass it. `value: null` clears it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionLimitChange {
    pub kind: PositionLimitKind,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub value: Option<String>,
}

/// A limit in a quote asset. `value: null` clears it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetLimitChange {
    pub kind: AssetLimitKind,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}$")]
    pub asset: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub value: Option<String>,
}

/// The most open orders, conditional ones included. `value: null` clears it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLimitChange {
    pub kind: CountLimitKind,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub value: Option<u32>,
}

/// One limit to set or clear, told apart by `kind`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LimitChangeDto {
    Position(PositionLimitChange),
    Asset(AssetLimitChange),
    Count(CountLimitChange),
}

impl<'de> Deserialize<'de> for LimitChangeDto {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let kind = value.get("kind").and_then(|k| k.as_str());
        let shape = match kind {
            Some("position_max") => serde_json::from_value(value).map(LimitChangeDto::Position),
            Some("order_notional_max" | "open_notional_max" | "daily_loss_max") => {
                serde_json::from_value(value).map(LimitChangeDto::Asset)
            }
            Some("open_orders_max") => serde_json::from_value(value).map(LimitChangeDto::Count),
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "kind: `position_max`, `order_notional_max`, `open_notional_max`, \
                     `open_orders_max` or `daily_loss_max`, not {other:?}"
                )));
            }
            None => return Err(D::Error::missing_field("kind")),
        };
        shape.map_err(D::Error::custom)
    }
}

impl LimitChangeDto {
    pub fn to_change(&self) -> bourse_service::LimitChange {
        use bourse_service::LimitChange;
        match self {
            LimitChangeDto::Position(c) => LimitChange::PositionMax {
                symbol: c.symbol.clone(),
                qty: c.value.clone(),
            },
            LimitChangeDto::Asset(c) => {
                let (asset, amount) = (c.asset.clone(), c.value.clone());
                match c.kind {
                    AssetLimitKind::OrderNotionalMax => {
                        LimitChange::OrderNotionalMax { asset, amount }
                    }
                    AssetLimitKind::OpenNotionalMax => {
                        LimitChange::OpenNotionalMax { asset, amount }
                    }
                    AssetLimitKind::DailyLossMax => LimitChange::DailyLossMax { asset, amount },
                }
            }
            LimitChangeDto::Count(c) => LimitChange::OpenOrdersMax { count: c.value },
        }
    }
}

/// Limits to set or clear, applied in order.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"changes": [
    {"kind": "daily_loss_max", "asset": "USD", "value": "5000"},
    {"kind": "open_orders_max", "value": 50},
    {"kind": "position_max", "symbol": "BTC-USD", "value": "2"}
]}))]
pub struct LimitChanges {
    #[schema(min_items = 1, max_items = 32)]
    pub changes: Vec<LimitChangeDto>,
}

/// The changes a request may carry at once.
pub const LIMIT_CHANGES_MAX: usize = 32;

/// Words for people: printable ASCII, at most 200 characters.
pub const REASON_PATTERN: &str = r"^[ -~]{0,200}$";

/// `venue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum VenueScope {
    #[serde(rename = "venue")]
    Venue,
}

/// `instrument`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum InstrumentScope {
    #[serde(rename = "instrument")]
    Instrument,
}

/// `account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum AccountScope {
    #[serde(rename = "account")]
    Account,
}

/// The whole venue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueHalt {
    pub scope: VenueScope,
    /// Why, for the record (printable ASCII, at most 200 characters).
    #[schema(pattern = r"^[ -~]{0,200}$")]
    pub reason: String,
}

/// One instrument.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentHalt {
    pub scope: InstrumentScope,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    #[schema(pattern = r"^[ -~]{0,200}$")]
    pub reason: String,
}

/// One account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountHalt {
    pub scope: AccountScope,
    #[schema(pattern = r"^[0-9]{1,19}$")]
    pub user_id: String,
    #[schema(pattern = r"^[ -~]{0,200}$")]
    pub reason: String,
}

/// What to halt or resume, told apart by `scope`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!({"scope": "instrument", "symbol": "BTC-USD", "reason": "price feed under review"}))]
pub enum HaltRequestDto {
    Venue(VenueHalt),
    Instrument(InstrumentHalt),
    Account(AccountHalt),
}

impl<'de> Deserialize<'de> for HaltRequestDto {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let shape = match value.get("scope").and_then(|k| k.as_str()) {
            Some("venue") => serde_json::from_value(value).map(HaltRequestDto::Venue),
            Some("instrument") => serde_json::from_value(value).map(HaltRequestDto::Instrument),
            Some("account") => serde_json::from_value(value).map(HaltRequestDto::Account),
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "scope: `venue`, `instrument` or `account`, not {other:?}"
                )));
            }
            None => return Err(D::Error::missing_field("scope")),
        };
        shape.map_err(D::Error::custom)
    }
}

impl HaltRequestDto {
    pub fn reason(&self) -> &str {
        match self {
            HaltRequestDto::Venue(h) => &h.reason,
            HaltRequestDto::Instrument(h) => &h.reason,
            HaltRequestDto::Account(h) => &h.reason,
        }
    }
}

/// The panic button.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"flatten": true}))]
pub struct PanicRequest {
    /// Also sell every position at market.
    #[serde(default)]
    pub flatten: bool,
}

/// A position that could not be sold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnflattenedDto {
    pub symbol: String,
    /// The engine's code (docs/errors.md).
    pub code: String,
}

/// What the panic button did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PanicDto {
    /// The orders cancelled.
    pub cancelled: Vec<String>,
    /// The market sells placed to flatten positions.
    pub flatten_orders: Vec<String>,
    pub unflattened: Vec<UnflattenedDto>,
}

/// A new asset.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "SOL", "decimals": 6}))]
pub struct NewAssetDto {
    /// 1 to 12 capital letters or digits.
    #[schema(pattern = r"^[A-Z0-9]{1,12}$")]
    pub code: String,
    /// Decimal places of amounts, 0 to 18.
    #[schema(minimum = 0, maximum = 18)]
    pub decimals: u8,
}

/// A new instrument. Prices are at `price_decimals`, quantities at the base asset's
/// decimals, the minimum notional at the quote asset's; one tick times one lot must be
/// a whole number of quote minor units.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"base": "SOL", "quote": "USD", "price_decimals": 2, "tick_size": "0.01",
    "lot_size": "0.01", "min_quantity": "0.01", "max_quantity": "100000", "min_notional": "1",
    "price_band_bps": 1000, "maker_fee_bps": 10, "taker_fee_bps": 20, "reference_price": "150"}))]
pub struct NewInstrumentDto {
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}$")]
    pub base: String,
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}$")]
    pub quote: String,
    #[schema(minimum = 0, maximum = 18)]
    pub price_decimals: u8,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub tick_size: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub lot_size: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub min_quantity: String,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub max_quantity: String,
    #[schema(pattern = r"^[0-9]{1,20}(\.[0-9]{1,18})?$")]
    pub min_notional: String,
    #[schema(minimum = 1, maximum = 10000)]
    pub price_band_bps: u32,
    #[schema(minimum = 0, maximum = 1000)]
    pub maker_fee_bps: u16,
    #[schema(minimum = 0, maximum = 1000)]
    pub taker_fee_bps: u16,
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub reference_price: Option<String>,
}

/// New trading rules for an instrument; what is left out stays. At least one field
/// (`minProperties`, set in `openapi.rs`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tick_size": "0.5", "taker_fee_bps": 15}))]
pub struct InstrumentChangesDto {
    #[serde(default, deserialize_with = "super::present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub tick_size: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub lot_size: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub min_quantity: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(
        nullable = false,
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub max_quantity: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(nullable = false, pattern = r"^[0-9]{1,20}(\.[0-9]{1,18})?$")]
    pub min_notional: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(nullable = false, minimum = 1, maximum = 10000)]
    pub price_band_bps: Option<u32>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(nullable = false, minimum = 0, maximum = 1000)]
    pub maker_fee_bps: Option<u16>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(nullable = false, minimum = 0, maximum = 1000)]
    pub taker_fee_bps: Option<u16>,
}

/// When the trading day starts.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start_secs": 0}))]
pub struct TradingDayDto {
    /// Seconds after 00:00 UTC, 0 to 86,399.
    #[schema(minimum = 0, maximum = 86399)]
    pub start_secs: u32,
}

/// Which accounts' risk to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RiskPageQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Accounts per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}
