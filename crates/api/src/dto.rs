//! The API's request and response bodies: the contract, documented in the OpenAPI
//! document. Money, prices and quantities are decimal strings; ids are strings (they
//! may exceed what JSON numbers hold exactly); times are RFC 3339 in UTC, except where
//! a field says milliseconds.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every successful response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// Always true.
    pub success: bool,
    pub data: T,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub error: Option<()>,
    pub timestamp: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    pub page: u32,
    pub limit: u32,
    pub total: u64,
    pub total_pages: u64,
    pub has_next: bool,
    pub has_prev: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

/// `page` (from 1) and `limit` (1 to 500, default 50).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub limit: Option<u32>,
}

// ------------------------------------------------------------------ auth

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// 3 to 32 characters: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// 8 to 128 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub username: String,
    /// `admin`, `trader`, `compliance` or `auditor`.
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
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
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRequest {
    /// A label, 1 to 64 characters.
    pub name: String,
    /// Any of `read`, `trade`.
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    /// The key, shown this once: send it as `X-API-Key`.
    pub key: String,
    pub api_key: ApiKeyDto,
}

// ------------------------------------------------------------------ account

#[derive(Debug, Serialize, ToSchema)]
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
pub struct FaucetRequest {
    pub asset: String,
    /// A positive decimal amount, at most the faucet's limit for the asset.
    pub amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDto {
    pub id: String,
    pub asset: String,
    /// `deposit` or `withdrawal`.
    pub kind: String,
    pub amount: String,
    pub posted_amount: Option<String>,
    /// `pending`, `posted` or `voided`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One of the caller's fills.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTradeDto {
    pub id: String,
    pub symbol: String,
    pub order_id: String,
    /// The caller's side.
    pub side: String,
    pub price: String,
    pub quantity: String,
    /// Price times quantity, in the quote asset.
    pub value: String,
    /// The caller's fee, in the quote asset.
    pub fee: String,
    /// `maker` or `taker`.
    pub liquidity: String,
    pub time: String,
}

// ------------------------------------------------------------------ orders

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// For example `BTC-USD`.
    pub symbol: String,
    /// `buy` or `sell`.
    pub side: String,
    /// `limit` or `market`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Required for limit orders.
    pub price: Option<String>,
    /// Required, except for a market buy that gives `quote_amount`.
    pub quantity: Option<String>,
    /// A market buy may spend a quote amount (fees included) instead of buying a quantity.
    pub quote_amount: Option<String>,
    /// `GTC` (limit default), `IOC` (market default), `FOK` or `GTD`.
    pub time_in_force: Option<String>,
    /// Refuse the order rather than let it take liquidity.
    #[serde(default)]
    pub post_only: bool,
    /// Your own id, unique per account (1 to 36 of letters, digits, `._:-`).
    pub client_order_id: Option<String>,
    /// Self-trade prevention: `cancel_newest` (default), `cancel_oldest`, `cancel_both`.
    pub stp: Option<String>,
    /// For GTD: expiry in milliseconds since the Unix epoch.
    pub expire_at: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendOrder {
    pub price: Option<String>,
    /// The new remaining quantity. Lower at the same price keeps the order's place.
    pub quantity: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FillDto {
    pub trade_id: String,
    pub price: String,
    pub quantity: String,
    pub fee: String,
    /// `maker` or `taker`.
    pub liquidity: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: String,
    pub client_order_id: Option<String>,
    pub symbol: String,
    pub side: String,
    /// `limit`, `market` or `market_budget`.
    #[serde(rename = "type")]
    pub kind: String,
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
    /// `open`, `partially_filled`, `filled`, `cancelled` or `expired`.
    pub status: String,
    /// Why it was cancelled (see the cancel reasons in docs/errors.md).
    pub reason: Option<String>,
    pub time_in_force: String,
    pub post_only: bool,
    pub stp: String,
    pub expire_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Fills from this request, on placement and amendment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fills: Vec<FillDto>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub symbol: Option<String>,
    /// `open`, `closed` or `all` (default).
    pub status: Option<String>,
    pub side: Option<String>,
    pub page: Option<u32>,
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SymbolQuery {
    pub symbol: Option<String>,
    pub page: Option<u32>,
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancelAllResponse {
    pub cancelled: Vec<String>,
}

// ------------------------------------------------------------------ market

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetDto {
    pub code: String,
    /// Decimal places of amounts.
    pub decimals: u8,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentDto {
    pub symbol: String,
    pub base: String,
    pub quote: String,
    /// `trading`, `halted` or `closed`.
    pub status: String,
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

#[derive(Debug, Serialize, ToSchema)]
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
    pub status: String,
    pub time: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepthLevelDto {
    pub price: String,
    pub quantity: String,
    pub orders: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepthDto {
    pub symbol: String,
    /// Compare with the `seq` of WebSocket `book` deltas.
    pub seq: u64,
    pub bids: Vec<DepthLevelDto>,
    pub asks: Vec<DepthLevelDto>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DepthQuery {
    /// Levels per side, 1 to 500 (default 50).
    pub levels: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTradeDto {
    pub id: String,
    pub price: String,
    pub quantity: String,
    /// The taker's side.
    pub side: String,
    pub time: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LimitQuery {
    /// 1 to 500 (default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CandleQuery {
    /// `1m`, `5m`, `15m`, `1h`, `4h` or `1d` (default `1m`).
    pub interval: Option<String>,
    /// 1 to 1000 (default 200).
    pub limit: Option<u32>,
    /// Only candles that open at or before this time (milliseconds).
    pub end: Option<u64>,
}

// ------------------------------------------------------------------ system

#[derive(Debug, Serialize, ToSchema)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusDto {
    pub version: String,
    /// `demo` or `production`.
    pub profile: String,
    pub uptime_secs: u64,
    /// `ok` or `unavailable`.
    pub journal: String,
    pub journal_error: Option<String>,
    pub sequence: SequenceDto,
    pub last_snapshot: Option<u64>,
    pub instruments: usize,
    pub websocket_connections: usize,
    pub registration_open: bool,
    pub faucet_enabled: bool,
    pub time: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    /// `ok`, or why not.
    pub status: String,
}

// ------------------------------------------------------------------ admin

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    /// Generated (and returned once) when absent.
    pub password: Option<String>,
    /// `admin`, `trader`, `compliance` or `auditor`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: UserDto,
    /// The generated password, when none was given: shown this once.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub role: Option<String>,
    /// A disabled user cannot log in, and their tokens and keys stop working.
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentStatusRequest {
    /// `trading`, `halted` or `closed` (closing cancels every resting order).
    pub status: String,
}
