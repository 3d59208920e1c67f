//! Live strategies and their signals over REST: create, list, read, start, pause,
//! stop, panic, new parameters, decisions; signals listed with filters and the latest
//! per symbol and timeframe. The work is the service's.

use super::strategies::{ms_time, statistics_dto};
use super::{created, ok, page, paginated, parse_id};
use crate::auth::Auth;
use crate::dto::{
    CreateStrategy, DecisionDto, Envelope, EquityPointDto, IndicatorValueDto, LatestSignalQuery,
    Paginated, ParamValueDto, STRATEGY_PARAMS_MAX, SignalDto, SignalQuery, SignalSideDto,
    StrategyDto, StrategyPerformanceDto, StrategyStatusDto, StrengthDto, UpdateParams,
};
use crate::error::{ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use bourse_service::{
    Catalog, ServiceError, SignalView, StrategyRequest, StrategyStatus, StrategyView,
};
use bourse_store::{Page, SignalFilter};
use bourse_strategy::html::money;
use bourse_strategy::params::Params;
use bourse_strategy::signal::{SignalSide, Strength};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/strategies", post(create).get(list))
        .route("/strategies/{id}", get(get_strategy))
        .route("/strategies/{id}/start", post(start))
        .route("/strategies/{id}/pause", post(pause))
        .route("/strategies/{id}/stop", post(stop))
        .route("/strategies/{id}/panic", post(panic))
        .route("/strategies/{id}/params", put(update_params))
        .route("/strategies/{id}/decisions", get(decisions))
        .route("/signals", get(signals))
        .route("/signals/latest", get(latest_signal))
}

fn status_dto(status: StrategyStatus) -> StrategyStatusDto {
    match status {
        StrategyStatus::Created => StrategyStatusDto::Created,
        StrategyStatus::Running => StrategyStatusDto::Running,
        StrategyStatus::Paused => StrategyStatusDto::Paused,
        StrategyStatus::Stopped => StrategyStatusDto::Stopped,
        StrategyStatus::Failed => StrategyStatusDto::Failed,
    }
}

/// A strategy as the API shows it.
pub fn strategy_dto(catalog: &Catalog, view: &StrategyView) -> StrategyDto {
    let instrument = catalog.symbol(&view.symbol).ok();
    let scale = instrument.map_or(0, |i| i.quote_scale());
    let p = &view.performance;
    let start = p.equity_curve.first().map_or(p.cash, |e| e.equity);
    StrategyDto {
        id: view.id.to_string(),
        name: view.name.clone(),
        strategy: view.builtin.clone(),
        symbol: view.symbol.clone(),
        timeframe: view.timeframe.into(),
        params: view
            .params
            .iter()
            .map(|(k, v)| (k.clone(), ParamValueDto::from(v)))
            .collect(),
        status: status_dto(view.status),
        error: view.error.clone(),
        account: view.subaccount_id.to_string(),
        created_at: ms_time(view.created_at_ms),
        updated_at: ms_time(view.updated_at_ms),
        performance: StrategyPerformanceDto {
            bars: p.bars,
            last_bar: p.last_bar_ms,
            orders: p.orders,
            rejected: p.rejected,
            fills: p.fills,
            signals: p.signals,
            position: instrument.map_or_else(
                || p.position.raw().to_string(),
                |i| i.format_qty(p.position),
            ),
            cash: money(p.cash, scale),
            equity: money(p.equity, scale),
            pnl: money(p.equity - start, scale),
            statistics: p.statistics.as_ref().map(|s| statistics_dto(s, scale)),
            equity_curve: p
                .equity_curve
                .iter()
                .map(|e| EquityPointDto {
                    time: e.time_ms,
                    equity: money(e.equity, scale),
                })
                .collect(),
        },
    }
}

/// A signal as the API shows it.
pub fn signal_dto(signal: &SignalView) -> SignalDto {
    SignalDto {
        id: signal.id.to_string(),
        strategy_id: signal.strategy_id.to_string(),
        symbol: signal.symbol.clone(),
        timeframe: bourse_market::Interval::parse(&signal.timeframe)
            .unwrap_or(bourse_market::Interval::M1)
            .into(),
        side: match signal.side {
            SignalSide::Buy => SignalSideDto::Buy,
            SignalSide::Sell => SignalSideDto::Sell,
            SignalSide::Hold => SignalSideDto::Hold,
        },
        confidence: signal.confidence,
        strength: match signal.strength {
            Strength::Weak => StrengthDto::Weak,
            Strength::Moderate => StrengthDto::Moderate,
            Strength::Strong => StrengthDto::Strong,
            Strength::VeryStrong => StrengthDto::VeryStrong,
        },
        entry: signal.entry.clone(),
        stop_loss: signal.stop_loss.clone(),
        take_profit: signal.take_profit.clone(),
        risk_reward: signal.risk_reward,
        indicators: signal
            .indicators
            .iter()
            .map(|(name, value)| IndicatorValueDto {
                name: name.clone(),
                value: *value,
            })
            .collect(),
        time: ms_time(signal.time_ms),
    }
}

fn params_of(given: BTreeMap<String, ParamValueDto>) -> Result<Params> {
    if given.len() > STRATEGY_PARAMS_MAX {
        return Err(ServiceError::field(
            "params",
            format!("at most {STRATEGY_PARAMS_MAX} parameters"),
        )
        .into());
    }
    Ok(given.into_iter().map(|(k, v)| (k, v.into())).collect())
}

/// Makes a live strategy (status `created`): a built-in with its parameters, trading
/// from a sub-account of the caller (a new one unless `account` names one). Recorded
/// before the answer. Fund its sub-account with `POST /api/v1/transfers/internal`,
/// then start it.
#[utoipa::path(post, path = "/api/v1/strategies", tag = "strategies", operation_id = "createStrategy",
    request_body = CreateStrategy,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = Envelope<StrategyDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_STRATEGY, UNKNOWN_SYMBOL, UNKNOWN_ACCOUNT", body = ErrorEnvelope),
              (status = 409, description = "INVALID_PARAMETERS, STRATEGY_NAME_TAKEN, TOO_MANY_STRATEGIES, ACCOUNT_IN_USE, ACCOUNT_NAME_TAKEN, TOO_MANY_SUBACCOUNTS", body = ErrorEnvelope)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<CreateStrategy>,
) -> Result<(StatusCode, axum::Json<Envelope<StrategyDto>>)> {
    let account = body
        .account
        .as_deref()
        .map(|a| parse_id(a, "account"))
        .transpose()?;
    let view = state
        .service
        .create_strategy(
            &actor,
            StrategyRequest {
                name: body.name,
                builtin: body.strategy,
                symbol: body.symbol,
                timeframe: body.timeframe.into(),
                params: params_of(body.params)?,
                account,
            },
        )
        .await?;
    Ok(created(strategy_dto(&state.service.catalog(), &view)))
}

/// The caller's live strategies, oldest first, with their status and performance.
#[utoipa::path(get, path = "/api/v1/strategies", tag = "strategies", operation_id = "listStrategies",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<StrategyDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<axum::Json<Envelope<Vec<StrategyDto>>>> {
    let views = state.service.strategies(&actor)?;
    let catalog = state.service.catalog();
    Ok(ok(views
        .iter()
        .map(|v| strategy_dto(&catalog, v))
        .collect()))
}

fn strategy_id(text: &str) -> Result<u64> {
    parse_id(text, "a strategy id")
}

/// One of the caller's strategies.
#[utoipa::path(get, path = "/api/v1/strategies/{id}", tag = "strategies", operation_id = "getStrategy",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<StrategyDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope)))]
pub async fn get_strategy(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<StrategyDto>>> {
    let view = state.service.strategy(&actor, strategy_id(&id)?)?;
    Ok(ok(strategy_dto(&state.service.catalog(), &view)))
}

/// Starts a strategy, or resumes a paused one. A fresh start takes the sub-account's
/// available quote balance as its cash and acts from the next candle to close (its
/// indicators warm up on live candles, as a backtest's do from its first).
#[utoipa::path(post, path = "/api/v1/strategies/{id}/start", tag = "strategies", operation_id = "startStrategy",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<StrategyDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope),
              (status = 503, description = "OVERLOADED: as many strategies run as the venue allows", body = ErrorEnvelope)))]
pub async fn start(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<StrategyDto>>> {
    let view = state
        .service
        .start_strategy(&actor, strategy_id(&id)?)
        .await?;
    Ok(ok(strategy_dto(&state.service.catalog(), &view)))
}

/// Pauses a running strategy: it no longer acts on candles; its orders stay and their
/// fills are booked.
#[utoipa::path(post, path = "/api/v1/strategies/{id}/pause", tag = "strategies", operation_id = "pauseStrategy",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<StrategyDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope),
              (status = 409, description = "STRATEGY_NOT_RUNNING", body = ErrorEnvelope)))]
pub async fn pause(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<StrategyDto>>> {
    let view = state
        .service
        .pause_strategy(&actor, strategy_id(&id)?)
        .await?;
    Ok(ok(strategy_dto(&state.service.catalog(), &view)))
}

/// Stops a strategy and cancels its orders; what it holds stays in its sub-account.
#[utoipa::path(post, path = "/api/v1/strategies/{id}/stop", tag = "strategies", operation_id = "stopStrategy",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<StrategyDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope)))]
pub async fn stop(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<StrategyDto>>> {
    let view = state
        .service
        .stop_strategy(&actor, strategy_id(&id)?, false)
        .await?;
    Ok(ok(strategy_dto(&state.service.catalog(), &view)))
}

/// The strategy's panic button: stops it, cancels its orders and sells its positions
/// at market (its sub-account's panic, nobody else's).
#[utoipa::path(post, path = "/api/v1/strategies/{id}/panic", tag = "strategies", operation_id = "panicStrategy",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<StrategyDto>),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope)))]
pub async fn panic(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<StrategyDto>>> {
    let view = state
        .service
        .stop_strategy(&actor, strategy_id(&id)?, true)
        .await?;
    Ok(ok(strategy_dto(&state.service.catalog(), &view)))
}

/// New parameters, checked against the built-in's ranges; a live strategy goes on
/// with them, replayed over the candles it acted on so that its indicators are warm.
#[utoipa::path(put, path = "/api/v1/strategies/{id}/params", tag = "strategies", operation_id = "updateStrategyParams",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    request_body = UpdateParams,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<StrategyDto>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE, FORBIDDEN", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope),
              (status = 409, description = "INVALID_PARAMETERS", body = ErrorEnvelope)))]
pub async fn update_params(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Json(body): Json<UpdateParams>,
) -> Result<axum::Json<Envelope<StrategyDto>>> {
    let params = params_of(body.params)?;
    let view = state
        .service
        .update_strategy(&actor, strategy_id(&id)?, params)
        .await?;
    Ok(ok(strategy_dto(&state.service.catalog(), &view)))
}

/// The newest decisions (at most 1,000) of a live strategy, oldest first.
#[utoipa::path(get, path = "/api/v1/strategies/{id}/decisions", tag = "strategies", operation_id = "strategyDecisions",
    params(("id" = String, Path, description = "the strategy's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<DecisionDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope)))]
pub async fn decisions(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<Vec<DecisionDto>>>> {
    let decisions = state
        .service
        .strategy_decisions(&actor, strategy_id(&id)?)?;
    Ok(ok(decisions
        .iter()
        .map(|d| DecisionDto {
            time: d.time_ms,
            bar: d.bar,
            action: serde_json::to_value(&d.action).unwrap_or_default(),
        })
        .collect()))
}

/// The caller's strategies' signals, newest first.
#[utoipa::path(get, path = "/api/v1/signals", tag = "strategies", operation_id = "listSignals",
    params(SignalQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<SignalDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn signals(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<SignalQuery>,
) -> Result<axum::Json<Envelope<Paginated<SignalDto>>>> {
    let page = page(query.page, query.limit)?;
    let filter = SignalFilter {
        user_id: actor.user_id,
        strategy_id: query
            .strategy_id
            .as_deref()
            .map(|s| parse_id(s, "strategy_id"))
            .transpose()?,
        symbol: query.symbol,
        timeframe: query
            .timeframe
            .map(|t| bourse_market::Interval::from(t).as_str().to_string()),
        side: query.side.map(|s| {
            match s {
                SignalSideDto::Buy => "buy",
                SignalSideDto::Sell => "sell",
                SignalSideDto::Hold => "hold",
            }
            .to_string()
        }),
    };
    let (signals, total) = state.service.signals(&actor, filter, page).await?;
    Ok(ok(paginated(
        signals.iter().map(signal_dto).collect(),
        page,
        total,
    )))
}

/// The latest of the caller's signals on a symbol and timeframe (`data` is `null`
/// when there is none).
#[utoipa::path(get, path = "/api/v1/signals/latest", tag = "strategies", operation_id = "latestSignal",
    params(LatestSignalQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Option<SignalDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_SYMBOL", body = ErrorEnvelope)))]
pub async fn latest_signal(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<LatestSignalQuery>,
) -> Result<axum::Json<Envelope<Option<SignalDto>>>> {
    let filter = SignalFilter {
        user_id: actor.user_id,
        symbol: Some(query.symbol),
        timeframe: Some(
            bourse_market::Interval::from(query.timeframe)
                .as_str()
                .to_string(),
        ),
        ..SignalFilter::default()
    };
    let (signals, _) = state
        .service
        .signals(&actor, filter, Page { page: 1, limit: 1 })
        .await?;
    Ok(ok(signals.first().map(signal_dto)))
}
