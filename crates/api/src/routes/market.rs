//! Public market data: assets, instruments, tickers, depth, trades, candles. Served
//! from memory (built from released events); no authentication needed.

use super::ok;
use crate::catalog::Catalog;
use crate::dto::{
    AssetDto, CandleDto, CandleQuery, DepthDto, DepthLevelDto, DepthQuery, Envelope, InstrumentDto,
    LimitQuery, PublicTradeDto, TickerDto,
};
use crate::error::{ApiError, ErrorEnvelope, Result};
use crate::extract::{Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bourse_market::{Candle, Interval, Ticker};
use bourse_types::InstrumentId;

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
#[utoipa::path(get, path = "/api/v1/assets", tag = "market", responses((status = 200, body = Envelope<Vec<AssetDto>>)))]
pub async fn assets(State(state): State<AppState>) -> axum::Json<Envelope<Vec<AssetDto>>> {
    let catalog = state.catalog();
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
#[utoipa::path(get, path = "/api/v1/instruments", tag = "market", responses((status = 200, body = Envelope<Vec<InstrumentDto>>)))]
pub async fn instruments(
    State(state): State<AppState>,
) -> axum::Json<Envelope<Vec<InstrumentDto>>> {
    let catalog = state.catalog();
    let market = state.market();
    ok(catalog
        .instruments()
        .iter()
        .map(|i| {
            let spec = i.spec();
            InstrumentDto {
                symbol: i.symbol().to_string(),
                base: catalog.code_of(i.base()),
                quote: catalog.code_of(i.quote()),
                status: market
                    .ticker(i.id())
                    .map_or("trading", |t| t.status.as_str())
                    .to_string(),
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
        })
        .collect())
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
        status: ticker.status.as_str().to_string(),
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
#[utoipa::path(get, path = "/api/v1/markets/tickers", tag = "market", responses((status = 200, body = Envelope<Vec<TickerDto>>)))]
pub async fn tickers(State(state): State<AppState>) -> axum::Json<Envelope<Vec<TickerDto>>> {
    let catalog = state.catalog();
    let market = state.market();
    let now = crate::now_rfc3339();
    ok(catalog
        .instruments()
        .iter()
        .filter_map(|i| market.ticker(i.id()))
        .map(|t| ticker_dto(&catalog, &t, &now))
        .collect())
}

/// One instrument's 24-hour ticker.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/ticker", tag = "market", params(("symbol" = String, Path, example = "BTC-USD")),
    responses((status = 200, body = Envelope<TickerDto>), (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn ticker(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
) -> Result<axum::Json<Envelope<TickerDto>>> {
    let catalog = state.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let ticker = state
        .market()
        .ticker(instrument.id())
        .ok_or_else(|| ApiError::not_found("UNKNOWN_SYMBOL", "no market data yet"))?;
    Ok(ok(ticker_dto(&catalog, &ticker, &crate::now_rfc3339())))
}

/// Aggregated order book levels.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/depth", tag = "market",
    params(("symbol" = String, Path, example = "BTC-USD"), DepthQuery),
    responses((status = 200, body = Envelope<DepthDto>), (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn depth(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<DepthQuery>,
) -> Result<axum::Json<Envelope<DepthDto>>> {
    let levels = query.levels.unwrap_or(50);
    if !(1..=500).contains(&levels) {
        return Err(ApiError::validation("levels is between 1 and 500"));
    }
    let catalog = state.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let depth = state
        .market()
        .depth(instrument.id(), levels as usize)
        .ok_or_else(|| ApiError::not_found("UNKNOWN_SYMBOL", "no market data yet"))?;
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
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/trades", tag = "market",
    params(("symbol" = String, Path, example = "BTC-USD"), LimitQuery),
    responses((status = 200, body = Envelope<Vec<PublicTradeDto>>), (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn trades(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<LimitQuery>,
) -> Result<axum::Json<Envelope<Vec<PublicTradeDto>>>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit is between 1 and 500"));
    }
    let catalog = state.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let trades = state.market().trades(instrument.id(), limit as usize);
    Ok(ok(trades
        .iter()
        .map(|t| PublicTradeDto {
            id: t.id.0.to_string(),
            price: instrument.format_price(t.price),
            quantity: instrument.format_qty(t.qty),
            side: t.aggressor.as_str().to_string(),
            time: t.ts.to_rfc3339(3),
        })
        .collect()))
}

/// OHLCV candles, oldest first.
#[utoipa::path(get, path = "/api/v1/markets/{symbol}/candles", tag = "market",
    params(("symbol" = String, Path, example = "BTC-USD"), CandleQuery),
    responses((status = 200, body = Envelope<Vec<CandleDto>>), (status = 400, body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn candles(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    Query(query): Query<CandleQuery>,
) -> Result<axum::Json<Envelope<Vec<CandleDto>>>> {
    let interval = match query.interval.as_deref() {
        None => Interval::M1,
        Some(text) => Interval::parse(text).ok_or_else(|| {
            ApiError::validation(format!(
                "interval is 1m, 5m, 15m, 1h, 4h or 1d, not {text:?}"
            ))
        })?,
    };
    let limit = query.limit.unwrap_or(200);
    if !(1..=1_000).contains(&limit) {
        return Err(ApiError::validation("limit is between 1 and 1000"));
    }
    let catalog = state.catalog();
    let instrument = catalog.symbol(&symbol)?;
    let candles = state
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
