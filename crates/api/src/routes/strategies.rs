//! Strategies over REST: the built-ins and their parameters, and backtests (start,
//! list, read, cancel, and the report as an HTML page). The work is the service's.

use super::{ok, page, paginated, parse_id, time};
use crate::auth::Auth;
use crate::dto::{
    BacktestDto, BacktestQuery, BacktestStatusDto, BacktestSummaryDto, BacktestTradeDto,
    BuiltinDto, DrawdownPointDto, Envelope, EquityPointDto, Paginated, ParamSpecDto, ParamTypeDto,
    ParamValueDto, ProgressDto, ProgressUnitDto, RankByDto, SWEEP_SAMPLES_DEFAULT, StartBacktest,
    StatisticsDto, SweepDto, SweepKindDto, SweepResultDto, SweepRowDto, SweepValuesDto,
    SweepWindowDto, WalkForwardDto,
};
use crate::error::{ErrorEnvelope, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bourse_service::{BacktestRequest, BacktestView, Catalog, ServiceError, SweepRequest};
use bourse_store::BacktestStatus;
use bourse_strategy::backtest::BacktestSummary;
use bourse_strategy::builtins::BUILTINS;
use bourse_strategy::html::{ReportPage, money, render};
use bourse_strategy::params::{ParamKind, ParamValue};
use bourse_strategy::report::Statistics;
use bourse_strategy::sweep::{RankBy, Space, SweepOutcome, WalkForward};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/strategies/builtins", get(builtins))
        .route("/backtests", post(start).get(list))
        .route("/backtests/{id}", get(get_backtest))
        .route("/backtests/{id}/cancel", post(cancel))
        .route("/backtests/{id}/report", get(report))
}

fn builtin_dtos() -> Vec<BuiltinDto> {
    BUILTINS
        .iter()
        .map(|b| BuiltinDto {
            name: b.name.to_string(),
            title: b.title.to_string(),
            description: b.description.to_string(),
            params: b
                .params
                .iter()
                .map(|p| {
                    let (kind, min, max, default, options) = match p.kind {
                        ParamKind::Integer { min, max, default } => (
                            ParamTypeDto::Integer,
                            Some(min as f64),
                            Some(max as f64),
                            ParamValueDto::Number(default as f64),
                            Vec::new(),
                        ),
                        ParamKind::Number { min, max, default } => (
                            ParamTypeDto::Number,
                            Some(min),
                            Some(max),
                            ParamValueDto::Number(default),
                            Vec::new(),
                        ),
                        ParamKind::Choice { options, default } => (
                            ParamTypeDto::Choice,
                            None,
                            None,
                            ParamValueDto::Text(default.to_string()),
                            options.iter().map(|o| o.to_string()).collect(),
                        ),
                    };
                    ParamSpecDto {
                        name: p.name.to_string(),
                        description: p.description.to_string(),
                        kind,
                        min,
                        max,
                        default,
                        options,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The built-in strategies and their parameters (ranges and defaults), for a form.
#[utoipa::path(get, path = "/api/v1/strategies/builtins", tag = "strategies", operation_id = "listBuiltinStrategies",
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Vec<BuiltinDto>>),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn builtins(Auth(actor): Auth) -> Result<axum::Json<Envelope<Vec<BuiltinDto>>>> {
    actor.require_read()?;
    Ok(ok(builtin_dtos()))
}

fn rank_by(dto: RankByDto) -> RankBy {
    match dto {
        RankByDto::TotalReturn => RankBy::TotalReturn,
        RankByDto::Sharpe => RankBy::Sharpe,
        RankByDto::Sortino => RankBy::Sortino,
        RankByDto::Calmar => RankBy::Calmar,
        RankByDto::ProfitFactor => RankBy::ProfitFactor,
        RankByDto::WinRate => RankBy::WinRate,
        RankByDto::Sqn => RankBy::Sqn,
        RankByDto::MaxDrawdown => RankBy::MaxDrawdown,
    }
}

fn rank_by_dto(rank: RankBy) -> RankByDto {
    match rank {
        RankBy::TotalReturn => RankByDto::TotalReturn,
        RankBy::Sharpe => RankByDto::Sharpe,
        RankBy::Sortino => RankByDto::Sortino,
        RankBy::Calmar => RankByDto::Calmar,
        RankBy::ProfitFactor => RankByDto::ProfitFactor,
        RankBy::WinRate => RankByDto::WinRate,
        RankBy::Sqn => RankByDto::Sqn,
        RankBy::MaxDrawdown => RankByDto::MaxDrawdown,
    }
}

fn sweep_request(dto: SweepDto) -> SweepRequest {
    let values = dto
        .values
        .into_iter()
        .map(|v| (v.name, v.values.into_iter().map(ParamValue::from).collect()))
        .collect();
    let space = match dto.kind {
        SweepKindDto::Grid => Space::Grid { values },
        SweepKindDto::Random => Space::Random {
            values,
            samples: dto.samples.unwrap_or(SWEEP_SAMPLES_DEFAULT) as usize,
            seed: dto.seed.unwrap_or(1),
        },
    };
    SweepRequest {
        space,
        rank_by: rank_by(dto.rank_by),
        walk_forward: dto.walk_forward.map(|w| WalkForward {
            windows: w.windows as usize,
            in_sample: w.in_sample,
        }),
    }
}

fn sweep_dto(plan: &bourse_service::SweepPlan) -> SweepDto {
    let (kind, values, samples, seed) = match &plan.space {
        Space::Grid { values } => (SweepKindDto::Grid, values, None, None),
        Space::Random {
            values,
            samples,
            seed,
        } => (
            SweepKindDto::Random,
            values,
            Some(*samples as u32),
            Some(*seed),
        ),
    };
    SweepDto {
        kind,
        values: values
            .iter()
            .map(|(name, values)| SweepValuesDto {
                name: name.clone(),
                values: values.iter().map(ParamValueDto::from).collect(),
            })
            .collect(),
        samples,
        seed,
        rank_by: rank_by_dto(plan.rank_by),
        walk_forward: plan.walk_forward.map(|w| WalkForwardDto {
            windows: w.windows as u32,
            in_sample: w.in_sample,
        }),
    }
}

fn params_dto(params: &bourse_strategy::params::Params) -> BTreeMap<String, ParamValueDto> {
    params
        .iter()
        .map(|(k, v)| (k.clone(), ParamValueDto::from(v)))
        .collect()
}

fn sweep_result_dto(outcome: &SweepOutcome, scale: u8) -> SweepResultDto {
    SweepResultDto {
        rank_by: rank_by_dto(outcome.rank_by),
        threads: outcome.threads as u32,
        rows: outcome
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| SweepRowDto {
                rank: i as u32 + 1,
                params: params_dto(&row.params),
                score: row.score,
                statistics: statistics_dto(&row.statistics, scale),
            })
            .collect(),
        windows: outcome
            .windows
            .iter()
            .map(|w| SweepWindowDto {
                in_sample_from: ms_time(w.in_sample_from_ms),
                out_of_sample_from: ms_time(w.out_of_sample_from_ms),
                out_of_sample_to: ms_time(w.out_of_sample_to_ms),
                params: params_dto(&w.params),
                in_sample: statistics_dto(&w.in_sample, scale),
                out_of_sample: statistics_dto(&w.out_of_sample, scale),
            })
            .collect(),
    }
}

/// What progress counts for a backtest (a sweep counts runs).
pub fn progress_dto(done: u64, total: u64, sweep: bool) -> ProgressDto {
    ProgressDto {
        done,
        total,
        unit: if sweep {
            ProgressUnitDto::Runs
        } else {
            ProgressUnitDto::Bars
        },
    }
}

pub fn status_dto(status: BacktestStatus) -> BacktestStatusDto {
    match status {
        BacktestStatus::Queued => BacktestStatusDto::Queued,
        BacktestStatus::Running => BacktestStatusDto::Running,
        BacktestStatus::Done => BacktestStatusDto::Done,
        BacktestStatus::Failed => BacktestStatusDto::Failed,
        BacktestStatus::Cancelled => BacktestStatusDto::Cancelled,
    }
}

pub fn ms_time(ms: u64) -> String {
    time(ms.saturating_mul(1_000_000))
}

/// A run's figures, money in the quote asset of `scale` decimals.
pub fn statistics_dto(s: &Statistics, scale: u8) -> StatisticsDto {
    let opt = |v: Option<i64>| v.map(|v| money(v, scale));
    StatisticsDto {
        start_equity: money(s.start_equity, scale),
        final_equity: money(s.final_equity, scale),
        total_return: s.total_return,
        cagr: s.cagr,
        sharpe: s.sharpe,
        sortino: s.sortino,
        calmar: s.calmar,
        max_drawdown: s.max_drawdown,
        max_drawdown_start: s.max_drawdown_start_ms.map(ms_time),
        max_drawdown_end: s.max_drawdown_end_ms.map(ms_time),
        max_drawdown_duration_secs: s.max_drawdown_duration_ms / 1_000,
        trades: s.trades,
        win_rate: s.win_rate,
        profit_factor: s.profit_factor,
        expectancy: s.expectancy,
        sqn: s.sqn,
        exposure: s.exposure,
        average_trade: opt(s.average_trade),
        best_trade: opt(s.best_trade),
        worst_trade: opt(s.worst_trade),
        average_holding_secs: s.average_holding_ms.map(|ms| ms / 1_000),
        fees: money(s.fees, scale),
        buy_and_hold_return: s.buy_and_hold_return,
    }
}

fn summary_dto(summary: &BacktestSummary, scale: u8) -> BacktestSummaryDto {
    BacktestSummaryDto {
        bars: summary.bars,
        statistics: statistics_dto(&summary.statistics, scale),
        equity: summary
            .equity
            .iter()
            .map(|p| EquityPointDto {
                time: p.time_ms,
                equity: money(p.equity, scale),
            })
            .collect(),
        drawdown: summary
            .drawdown
            .iter()
            .map(|(t, d)| DrawdownPointDto {
                time: *t,
                drawdown: *d,
            })
            .collect(),
        trades: summary
            .trades
            .iter()
            .map(|t| BacktestTradeDto {
                entry_time: ms_time(t.entry_ms),
                exit_time: ms_time(t.exit_ms),
                cost: money(t.entry_value, scale),
                pnl: money(t.pnl, scale),
                fees: money(t.fees, scale),
            })
            .collect(),
        trades_total: summary.trades_total,
        rejected: summary.rejected,
        signals_total: summary.signals_total,
    }
}

fn quote_scale(catalog: &Catalog, symbol: &str) -> u8 {
    catalog.symbol(symbol).map_or(0, |i| i.quote_scale())
}

pub fn backtest_dto(catalog: &Catalog, view: &BacktestView) -> BacktestDto {
    let spec = &view.spec;
    let scale = quote_scale(catalog, &spec.symbol);
    BacktestDto {
        id: view.id.to_string(),
        status: status_dto(view.status),
        strategy: spec.strategy.clone(),
        params: params_dto(&spec.params),
        symbol: spec.symbol.clone(),
        timeframe: bourse_market::Interval::parse(&spec.timeframe)
            .unwrap_or(bourse_market::Interval::H1)
            .into(),
        from: spec.from_ms,
        to: spec.to_ms,
        cash: spec.cash.to_decimal(scale),
        slippage_bps: spec.fill_model.slippage_bps,
        touch: spec.fill_model.touch,
        fill_model: spec.fill_model.describe(),
        created_at: ms_time(view.created_at_ms),
        finished_at: view.finished_at_ms.map(ms_time),
        progress: view
            .progress
            .map(|(done, total)| progress_dto(done, total, spec.sweep.is_some())),
        error: view.error.clone(),
        summary: view.summary.as_ref().map(|s| summary_dto(s, scale)),
        sweep: spec.sweep.as_ref().map(sweep_dto),
        sweep_result: view.sweep.as_ref().map(|o| sweep_result_dto(o, scale)),
    }
}

/// Start a backtest: a built-in strategy over the venue's stored candles of one
/// instrument (its generated past and what traded since), through the fill model of
/// docs/strategies.md. It is recorded, then runs in the background: read its progress
/// with `GET /api/v1/backtests/{id}`.
#[utoipa::path(post, path = "/api/v1/backtests", tag = "strategies", operation_id = "startBacktest",
    request_body = StartBacktest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 202, description = "the backtest, queued", body = Envelope<BacktestDto>),
              (status = 400, description = "VALIDATION_ERROR or a malformed decimal: the request does not fit the schema", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "UNKNOWN_STRATEGY or UNKNOWN_SYMBOL", body = ErrorEnvelope),
              (status = 409, description = "INVALID_PARAMETERS: a parameter the strategy does not take, of the wrong type or out of its range (in any set of a sweep), or a sweep of more than 1,000 sets; TOO_MANY_DECIMALS for the cash", body = ErrorEnvelope),
              (status = 503, description = "OVERLOADED: the caller has 4 backtests queued or running, or the venue's queue is full", body = ErrorEnvelope)))]
pub async fn start(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Json(body): Json<StartBacktest>,
) -> Result<(StatusCode, axum::Json<Envelope<BacktestDto>>)> {
    body.check()?;
    let request = BacktestRequest {
        strategy: body.strategy,
        params: body
            .params
            .into_iter()
            .map(|(k, v)| (k, ParamValue::from(v)))
            .collect(),
        symbol: body.symbol,
        timeframe: body.timeframe.into(),
        from_ms: body.from,
        to_ms: body.to,
        cash: body.cash,
        slippage_bps: body.slippage_bps,
        touch: body.touch,
        sweep: body.sweep.map(sweep_request),
    };
    let view = state.service.start_backtest(&actor, request).await?;
    Ok((
        StatusCode::ACCEPTED,
        ok(backtest_dto(&state.service.catalog(), &view)),
    ))
}

/// The caller's backtests, newest first, without their summaries.
#[utoipa::path(get, path = "/api/v1/backtests", tag = "strategies", operation_id = "listBacktests", params(BacktestQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<Paginated<BacktestDto>>),
              (status = 400, description = "VALIDATION_ERROR", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Query(query): Query<BacktestQuery>,
) -> Result<axum::Json<Envelope<Paginated<BacktestDto>>>> {
    let page = page(query.page, query.limit)?;
    let (views, total) = state.service.backtests(&actor, page).await?;
    let catalog = state.service.catalog();
    let items = views.iter().map(|v| backtest_dto(&catalog, v)).collect();
    Ok(ok(paginated(items, page, total)))
}

fn backtest_id(text: &str) -> Result<u64> {
    parse_id(text, "backtest id")
}

/// One of the caller's backtests: its progress while it runs, its summary once done.
#[utoipa::path(get, path = "/api/v1/backtests/{id}", tag = "strategies", operation_id = "getBacktest",
    params(("id" = String, Path, description = "the backtest's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Envelope<BacktestDto>),
              (status = 400, description = "VALIDATION_ERROR: the id is not a number", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND: no such backtest of the caller's", body = ErrorEnvelope)))]
pub async fn get_backtest(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<BacktestDto>>> {
    let view = state.service.backtest(&actor, backtest_id(&id)?).await?;
    Ok(ok(backtest_dto(&state.service.catalog(), &view)))
}

/// Cancel one of the caller's backtests that has not ended.
#[utoipa::path(post, path = "/api/v1/backtests/{id}/cancel", tag = "strategies", operation_id = "cancelBacktest",
    params(("id" = String, Path, description = "the backtest's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the backtest as it stands (normally cancelled)", body = Envelope<BacktestDto>),
              (status = 400, description = "VALIDATION_ERROR: the id is not a number", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND", body = ErrorEnvelope),
              (status = 409, description = "BACKTEST_FINISHED", body = ErrorEnvelope)))]
pub async fn cancel(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<axum::Json<Envelope<BacktestDto>>> {
    let view = state
        .service
        .cancel_backtest(&actor, backtest_id(&id)?)
        .await?;
    Ok(ok(backtest_dto(&state.service.catalog(), &view)))
}

/// A finished backtest's report as one HTML page that needs nothing else: parameters,
/// the fill model, statistics, equity and drawdown charts (SVG) and the trades.
#[utoipa::path(get, path = "/api/v1/backtests/{id}/report", tag = "strategies", operation_id = "backtestReport",
    params(("id" = String, Path, description = "the backtest's id", pattern = r"^[0-9]{1,19}$")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, description = "the report page", content_type = "text/html", body = String),
              (status = 400, description = "VALIDATION_ERROR: the id is not a number", body = ErrorEnvelope),
              (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorEnvelope),
              (status = 404, description = "NOT_FOUND: no such backtest, or it has no report (it is not done, or it is a sweep)", body = ErrorEnvelope)))]
pub async fn report(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let view = state.service.backtest(&actor, backtest_id(&id)?).await?;
    let Some(summary) = &view.summary else {
        return Err(ServiceError::new(
            bourse_service::Code::NotFound,
            "the backtest has no report: it is not done, or it is a sweep (its table is in the backtest)",
        )
        .into());
    };
    let instrument = state.service.catalog().symbol(&view.spec.symbol)?;
    let params = view
        .spec
        .params
        .iter()
        .map(|(k, v)| {
            let text = match v {
                ParamValue::Number(n) => n.to_string(),
                ParamValue::Text(t) => t.clone(),
            };
            (k.clone(), text)
        })
        .collect();
    let page = render(&ReportPage {
        strategy: &view.spec.strategy,
        symbol: &view.spec.symbol,
        timeframe: &view.spec.timeframe,
        params,
        instrument: &instrument,
        outcome: summary,
    });
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page))
}
