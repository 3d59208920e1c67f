//! Public market data: assets, instruments, tickers, depth, trades, candles. Served
//! from memory (built from released events); no authentication needed.

use super::ok;
use crate::dto::{
    AssetDto, CandleDto, CandleQuery, DepthDto, DepthLevelDto, DepthQuery, Envelope, InstrumentDto,
    InstrumentStatusDto, LimitQuery, PublicTradeDto, TickerDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bourse_market::{Candle, Interval, Ticker};
use bourse_service::Catalog;
use bourse_service::{Code, ServiceError};
use bourse_types::InstrumentId;

/// Depth levels per side, at most.
pub const DEPTH_LEVELS_MAX: u32 = 500;
/// Public trades per request, at most.
pub const TRADES_LIMIT_MAX: u32 = 500;
/// Candles per request, at most.
pub const CANDLES_LIMIT_MAX: u32 = 1_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets", get(assets))
        .route("/instruments", get(instruments))
        .route("/markets/tickers", get(tickers))
        .route("/markets/{symbol}/ticker", get(ticker))
        .route("/markets/{symbol}/depth", get(depth))
        .route("/markets/{symbol}/trades", get(trades))
        .route("/markets/{symbol}/candles", get(candles))
}

/// Listed assets.
#[utoipa::path(get, path = "/api/v1/assets", tag = "market", operation_id = "listAssets", responses((status = 200, body = Envelope<Vec<AssetDto>>)))]
pub async fn assets(State(state): State<AppState>) -> axum::Json<Envelope<Vec<AssetDto>>> {
    let catalog = state.service.catalog();
    ok(catalog
        .assets()
        .iter()
        .map(|a| AssetDto {
            code: a.code.to_string(),
            decimals: a.scale,
        })
        .collect())
}

/// Listed instruments and their trading rules.
#[utoipa::path(get, path = "/api/v1/instruments", tag = "market", operation_id = "listInstruments", responses((status = 200, body = Envelope<Vec<InstrumentDto>>)))]
pub async fn instruments(
    State(state): State<AppState>,
) -> axum::Json<Envelope<Vec<InstrumentDto>>> {
    let catalog = state.service.catalog();
    let market = state.service.market();
    ok(catalog
        .instruments()
        .iter()
        .map(|i| instrument_dto(&catalog, &market, i))
        .collect())
}

/// An instrument and its trading rules.
pub fn instrument_dto(
    catalog: &Catalog,
    market: &bourse_market::MarketData,
    i: &bourse_types::Instrument,
) -> InstrumentDto {
    let spec = i.spec();
    InstrumentDto {
        symbol: i.symbol().to_string(),
        base: catalog.code_of(i.base()),
        quote: catalog.code_of(i.quote()),
        status: market
            .ticker(i.id())
            .map_or(InstrumentStatusDto::Trading, |t| t.status.into()),
        tick_size: i.format_price(i.tick_size()),
        lot_size: i.format_qty(i.lot_size()),
        min_quantity: i.format_qty(spec.min_qty),
        max_quantity: i.format_qty(spec.max_qty),
        min_notional: i.format_notional(spec.min_notional),
        price_decimals: i.price_scale(),
        quantity_decimals: i.base_scale(),
        price_band_bps: spec.price_band_bps,
        maker_fee_bps: spec.maker_fee_bps,
        taker_fee_bps: spec.taker_fee_bps,
        reference_price: spec.reference_price.map(|p| i.format_price(p)),
    }
}

/// Percent with two decimals from basis points, without floating point.
fn percent(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    let bps = bps.unsigned_abs();
    format!("{sign}{}.{:02}", bps / 100, bps % 100)
}

pub fn ticker_dto(catalog: &Catalog, ticker: &Ticker, now: &str) -> TickerDto {
    let id = ticker.instrument;
    let price = |p: Option<bourse_types::Price>| p.map(|p| catalog.price(id, p.raw()));
    TickerDto {
        symbol: catalog.symbol_of(id),
        last: price(ticker.last),
        open_24h: price(ticker.open_24h),
        high_24h: price(ticker.high_24h),
        low_24h: price(ticker.low_24h),
        volume_24h: catalog.qty(id, ticker.volume_24h.raw()),
        quote_volume_24h: catalog.notional(id, ticker.quote_volume_24h.raw()),
        trades_24h: ticker.trades_24h,
        change_pct_24h: percent(ticker.change_bps),
        best_bid: price(ticker.best_bid.map(|b| b.0)),
        best_bid_quantity: ticker.best_bid.map(|b| catalog.qty(id, b.1.raw())),
        best_ask: price(ticker.best_ask.map(|a| a.0)),
        best_ask_quantity: ticker.best_ask.map(|a| catalog.qty(id, a.1.raw())),
        status: ticker.status.into(),
        time: now.to_string(),
    }
}

pub fn candle_dto(catalog: &Catalog, instrument: InstrumentId, candle: &Candle) -> CandleDto {
    CandleDto {
        open_time: candle.open_time,
        open: catalog.price(instrument, candle.open.raw()),
        high: catalog.price(instrument, candle.high.raw()),
        low: catalog.price(instrument, candle.low.raw()),
        close: catalog.price(instrument, candle.close.raw()),
        volume: catalog.qty(instrument, candle.volume.raw()),
        quote_volume: catalog.notional(instrument, candle.quote_volume.raw()),
        trades: candle.trades,
    }
}

/// 24-hour tickers of every instrument.
#[utoipa::path(get, path = "/api/v1/markets/tickers", tag = "market", operation_id = "listTickers", responses((status = 200, body = Envelope<Vec<TickerDto>>)))]
pub async fn tickers(State(state): State<AppState>) -> axum::Json<Envelope<Vec<TickerDto>>> {
    let catalog = state.service.catalog();
    let market = state.service.market();
    let now = crate::now_rfc3339();
    ok(catalog
        .instruments()
        .iter()
        .filter_map(|i| market.ticker(i.id()))
        .map(|t| ticker_dto(&catalog, &t, &now))
        .collect())
}

/// One instrument's 24-hour ticker.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/ticker", tag = "market", operation_id = "getTicker", params(("symbol" = String, Path, example = "BTC-USD", pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")),
    responses((status = 200, body = Envelope<TickerDto>), (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn ticker(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
) -> Result<axum::Json<Envelope<TickerDto>>> {
    let catalog = state.service.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let ticker = state
        .service
        .market()
        .ticker(instrument.id())
        .ok_or_else(|| ApiError::new(Code::UnknownSymbol, "no market data yet"))?;
    Ok(ok(ticker_dto(&catalog, &ticker, &crate::now_rfc3339())))
}

/// Aggregated order book levels.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/depth", tag = "market", operation_id = "getDepth",
    params(("symbol" = String, Path, example = "BTC-USD", pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$"), DepthQuery),
    responses((status = 200, body = Envelope<DepthDto>), (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope), (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn depth(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<DepthQuery>,
) -> Result<axum::Json<Envelope<DepthDto>>> {
    let levels = query.levels.unwrap_or(50);
    if !(1..=DEPTH_LEVELS_MAX).contains(&levels) {
        return Err(ApiError(ServiceError::field(
            "levels",
            format!("levels is between 1 and {DEPTH_LEVELS_MAX}"),
        )));
    }
    let catalog = state.service.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let depth = state
        .service
        .market()
        .depth(instrument.id(), levels as usize)
        .ok_or_else(|| ApiError::new(Code::UnknownSymbol, "no market data yet"))?;
    let convert = |levels: &[(bourse_types::Price, bourse_types::Qty, u32)]| {
        levels
            .iter()
            .map(|(p, q, n)| DepthLevelDto {
                price: instrument.format_price(*p),
                quantity: instrument.format_qty(*q),
                orders: *n,
            })
            .collect()
    };
    Ok(ok(DepthDto {
        symbol: instrument.symbol().to_string(),
        seq: depth.seq,
        bids: convert(&depth.bids),
        asks: convert(&depth.asks),
    }))
}

/// The newest public trades, newest first.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/trades", tag = "market", operation_id = "listPublicTrades",
    params(("symbol" = String, Path, example = "BTC-USD", pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$"), LimitQuery),
    responses((status = 200, body = Envelope<Vec<PublicTradeDto>>), (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope), (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn trades(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<LimitQuery>,
) -> Result<axum::Json<Envelope<Vec<PublicTradeDto>>>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=TRADES_LIMIT_MAX).contains(&limit) {
        return Err(ApiError(ServiceError::field(
            "limit",
            format!("limit is between 1 and {TRADES_LIMIT_MAX}"),
        )));
    }
    let catalog = state.service.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let trades = state
        .service
        .market()
        .trades(instrument.id(), limit as usize);
    Ok(ok(trades
        .iter()
        .map(|t| PublicTradeDto {
            id: t.id.0.to_string(),
            price: instrument.format_price(t.price),
            quantity: instrument.format_qty(t.qty),
            side: t.aggressor.into(),
            time: t.ts.to_rfc3339(3),
        })
        .collect()))
}

/// OHLCV candles, oldest first.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/candles", tag = "market", operation_id = "listCandles",
    params(("symbol" = String, Path, example = "BTC-USD", pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$"), CandleQuery),
    responses((status = 200, body = Envelope<Vec<CandleDto>>), (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn candles(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<CandleQuery>,
) -> Result<axum::Json<Envelope<Vec<CandleDto>>>> {
    let interval = query.interval.map_or(Interval::M1, Into::into);
    if query.end.is_some_and(|end| end > crate::dto::TIME_MS_MAX) {
        return Err(ApiError(ServiceError::field(
            "end",
            format!("end is at most {}", crate::dto::TIME_MS_MAX),
        )));
    }
    let limit = query.limit.unwrap_or(200);
    if !(1..=CANDLES_LIMIT_MAX).contains(&limit) {
        return Err(ApiError(ServiceError::field(
            "limit",
            format!("limit is between 1 and {CANDLES_LIMIT_MAX}"),
        )));
    }
    let catalog = state.service.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let candles =
        state
            .service
            .market()
            .candles(instrument.id(), interval, limit as usize, query.end);
    Ok(ok(candles
        .iter()
        .map(|c| candle_dto(&catalog, instrument.id(), c))
        .collect()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_from_basis_points() {
        assert_eq!(super::percent(125), "1.25");
        assert_eq!(super::percent(-5), "-0.05");
        assert_eq!(super::percent(0), "0.00");
    }
}
