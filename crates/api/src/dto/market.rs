//! Public market data: assets, instruments, tickers, depth, trades, candles.

use super::*;

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
