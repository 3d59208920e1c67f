//! Built-in strategies and backtests: what the Backtests page asks and shows.

use super::{IntervalDto, TIME_MS_MAX};
use bourse_strategy::params::ParamValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// The most parameters a request may give.
pub const BACKTEST_PARAMS_MAX: usize = 32;

impl From<bourse_market::Interval> for IntervalDto {
    fn from(interval: bourse_market::Interval) -> IntervalDto {
        use bourse_market::Interval;
        match interval {
            Interval::M1 => IntervalDto::OneMinute,
            Interval::M5 => IntervalDto::FiveMinutes,
            Interval::M15 => IntervalDto::FifteenMinutes,
            Interval::H1 => IntervalDto::OneHour,
            Interval::H4 => IntervalDto::FourHours,
            Interval::D1 => IntervalDto::OneDay,
        }
    }
}

/// A parameter's value: a number, or a word for a choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ParamValueDto {
    Number(f64),
    Text(String),
}

impl From<ParamValueDto> for ParamValue {
    fn from(value: ParamValueDto) -> ParamValue {
        match value {
            ParamValueDto::Number(n) => ParamValue::Number(n),
            ParamValueDto::Text(t) => ParamValue::Text(t),
        }
    }
}

impl From<&ParamValue> for ParamValueDto {
    fn from(value: &ParamValue) -> ParamValueDto {
        match value {
            ParamValue::Number(n) => ParamValueDto::Number(*n),
            ParamValue::Text(t) => ParamValueDto::Text(t.clone()),
        }
    }
}

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamTypeDto {
    Integer,
    Number,
    Choice,
}

/// One parameter of a built-in strategy, as its form shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParamSpecDto {
    pub name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: ParamTypeDto,
    /// Integers and numbers: the range.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub default: ParamValueDto,
    /// Choices: the words.
    pub options: Vec<String>,
}

/// A built-in strategy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuiltinDto {
    pub name: String,
    pub title: String,
    pub description: String,
    pub params: Vec<ParamSpecDto>,
}

/// A backtest to run: a built-in over the venue's stored candles of one instrument.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBacktest {
    /// A built-in strategy's name (`GET /api/v1/strategies/builtins`).
    #[schema(min_length = 1, max_length = 64)]
    pub strategy: String,
    /// Parameters by name (at most 32); those not given take their defaults.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValueDto>,
    #[schema(min_length = 1, max_length = 32)]
    pub symbol: String,
    pub timeframe: IntervalDto,
    /// Only candles that open at or after this time (milliseconds since the epoch;
    /// default: the first stored).
    #[schema(minimum = 0, maximum = 10000000000000.0)]
    pub from: Option<u64>,
    /// Only candles that open before this time (milliseconds; default: now).
    #[schema(minimum = 1, maximum = 10000000000000.0)]
    pub to: Option<u64>,
    /// Starting cash in the quote asset (default 100000).
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub cash: Option<String>,
    /// Slippage of market and stop fills, 0 to 1,000 basis points (default 5).
    #[schema(minimum = 0, maximum = 1000)]
    pub slippage_bps: Option<u32>,
    /// Fill limit orders when the price only reaches them (default: trades through).
    #[serde(default)]
    pub touch: bool,
}

impl StartBacktest {
    /// What the schema says and serde does not check.
    pub fn check(&self) -> Result<(), bourse_service::ServiceError> {
        use bourse_service::ServiceError;
        if self.params.len() > BACKTEST_PARAMS_MAX {
            return Err(ServiceError::field(
                "params",
                format!("at most {BACKTEST_PARAMS_MAX} parameters"),
            ));
        }
        for (name, time) in [("from", self.from), ("to", self.to)] {
            if time.is_some_and(|t| t > TIME_MS_MAX) {
                return Err(ServiceError::field(
                    name,
                    format!("{name} is at most {TIME_MS_MAX}"),
                ));
            }
        }
        Ok(())
    }
}

/// Where a backtest stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BacktestStatusDto {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

/// How far a backtest has come, in bars.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ProgressDto {
    pub done: u64,
    pub total: u64,
}

/// The report's figures (docs/strategies.md, "The report"); money in the quote asset,
/// ratios as fractions, `null` where a figure is undefined.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatisticsDto {
    pub start_equity: String,
    pub final_equity: String,
    pub total_return: f64,
    pub cagr: f64,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub calmar: Option<f64>,
    pub max_drawdown: f64,
    pub max_drawdown_start: Option<String>,
    pub max_drawdown_end: Option<String>,
    pub max_drawdown_duration_secs: u64,
    pub trades: u64,
    pub win_rate: Option<f64>,
    pub profit_factor: Option<f64>,
    pub expectancy: Option<f64>,
    pub sqn: Option<f64>,
    pub exposure: f64,
    pub average_trade: Option<String>,
    pub best_trade: Option<String>,
    pub worst_trade: Option<String>,
    pub average_holding_secs: Option<u64>,
    pub fees: String,
    pub buy_and_hold_return: f64,
}

/// A point of the equity curve.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EquityPointDto {
    /// Milliseconds since the epoch.
    pub time: u64,
    pub equity: String,
}

/// A point of the drawdown curve: the fall from the peak so far, as a fraction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrawdownPointDto {
    /// Milliseconds since the epoch.
    pub time: u64,
    pub drawdown: f64,
}

/// A closed round trip.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacktestTradeDto {
    pub entry_time: String,
    pub exit_time: String,
    /// What the position cost to open.
    pub cost: String,
    /// The result after fees.
    pub pnl: String,
    pub fees: String,
}

/// What a finished backtest produced: statistics, curves thinned to at most 2,000
/// points, the first 1,000 trades.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacktestSummaryDto {
    pub bars: u64,
    pub statistics: StatisticsDto,
    pub equity: Vec<EquityPointDto>,
    pub drawdown: Vec<DrawdownPointDto>,
    pub trades: Vec<BacktestTradeDto>,
    pub trades_total: u64,
    /// Orders refused when they came to fill (not enough cash or position).
    pub rejected: u64,
    pub signals_total: u64,
}

/// A backtest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacktestDto {
    pub id: String,
    pub status: BacktestStatusDto,
    pub strategy: String,
    /// The parameters in force, defaults filled in.
    pub params: BTreeMap<String, ParamValueDto>,
    pub symbol: String,
    pub timeframe: IntervalDto,
    /// Milliseconds since the epoch.
    pub from: u64,
    pub to: u64,
    pub cash: String,
    pub slippage_bps: u32,
    pub touch: bool,
    /// The fill model, in words (docs/strategies.md).
    pub fill_model: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub progress: Option<ProgressDto>,
    pub error: Option<String>,
    /// Present once done, and only on `GET /api/v1/backtests/{id}`.
    pub summary: Option<BacktestSummaryDto>,
}

/// Paging through the caller's backtests.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BacktestQuery {
    /// From 1 (default 1).
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}
