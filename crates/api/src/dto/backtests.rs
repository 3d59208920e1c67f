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
    /// Make it a parameter sweep: every set of the grid (or a random sample of it) over
    /// `params`, ranked (docs/strategies.md, "Parameter sweeps").
    pub sweep: Option<SweepDto>,
}

/// Grid: every combination; random: `samples` of them drawn with `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SweepKindDto {
    Grid,
    Random,
}

/// The statistic a sweep ranks by (higher is better; for the drawdown, lower).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankByDto {
    TotalReturn,
    Sharpe,
    Sortino,
    Calmar,
    ProfitFactor,
    WinRate,
    Sqn,
    MaxDrawdown,
}

/// The values one parameter takes in a sweep.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepValuesDto {
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    #[schema(min_items = 1, max_items = 100)]
    pub values: Vec<ParamValueDto>,
}

/// Walk-forward: the bars cut into `windows` parts, each chosen on its first
/// `in_sample` share and tested on the rest.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalkForwardDto {
    #[schema(minimum = 1, maximum = 20)]
    pub windows: u32,
    #[schema(minimum = 0.1, maximum = 0.9)]
    pub in_sample: f64,
}

/// A sweep: at most 1,000 parameter sets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepDto {
    pub kind: SweepKindDto,
    /// The swept parameters (at most 8) and their values.
    #[schema(min_items = 1, max_items = 8)]
    pub values: Vec<SweepValuesDto>,
    /// Random: how many sets to draw (default 100).
    #[schema(minimum = 1, maximum = 1000)]
    pub samples: Option<u32>,
    /// Random: the seed of the draw (default 1).
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub seed: Option<u64>,
    pub rank_by: RankByDto,
    pub walk_forward: Option<WalkForwardDto>,
}

/// The most parameters one sweep varies.
pub const SWEEP_VALUES_MAX: usize = 8;
/// The most values one swept parameter takes.
pub const SWEEP_VALUES_PER_PARAM_MAX: usize = 100;
/// Random sweeps: the sets drawn when none is said.
pub const SWEEP_SAMPLES_DEFAULT: u32 = 100;
/// The longest name of a swept parameter.
pub const SWEEP_PARAM_NAME_MAX: usize = 64;

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
        if let Some(sweep) = &self.sweep {
            sweep.check()?;
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

impl SweepDto {
    /// What the schema says and serde does not check.
    pub fn check(&self) -> Result<(), bourse_service::ServiceError> {
        use bourse_service::{SWEEP_SETS_MAX, ServiceError};
        use bourse_strategy::sweep::{IN_SAMPLE_MAX, IN_SAMPLE_MIN, WALK_FORWARD_WINDOWS_MAX};
        if self.values.is_empty() || self.values.len() > SWEEP_VALUES_MAX {
            return Err(ServiceError::field(
                "sweep.values",
                format!("a sweep varies 1 to {SWEEP_VALUES_MAX} parameters"),
            ));
        }
        for v in &self.values {
            if v.name.is_empty() || v.name.len() > SWEEP_PARAM_NAME_MAX {
                return Err(ServiceError::field(
                    "sweep.values.name",
                    format!("a parameter's name has 1 to {SWEEP_PARAM_NAME_MAX} characters"),
                ));
            }
            if v.values.is_empty() || v.values.len() > SWEEP_VALUES_PER_PARAM_MAX {
                return Err(ServiceError::field(
                    "sweep.values.values",
                    format!("a swept parameter takes 1 to {SWEEP_VALUES_PER_PARAM_MAX} values"),
                ));
            }
        }
        if let Some(w) = &self.walk_forward
            && (!(1..=WALK_FORWARD_WINDOWS_MAX).contains(&(w.windows as usize))
                || !(IN_SAMPLE_MIN..=IN_SAMPLE_MAX).contains(&w.in_sample))
        {
            return Err(ServiceError::field(
                "sweep.walk_forward",
                format!(
                    "walk-forward takes 1 to {WALK_FORWARD_WINDOWS_MAX} windows and an in-sample share of {IN_SAMPLE_MIN} to {IN_SAMPLE_MAX}"
                ),
            ));
        }
        if self
            .samples
            .is_some_and(|n| n == 0 || n as usize > SWEEP_SETS_MAX)
        {
            return Err(ServiceError::field(
                "sweep.samples",
                format!("a sample draws 1 to {SWEEP_SETS_MAX} sets"),
            ));
        }
        Ok(())
    }
}

/// One row of a sweep's table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepRowDto {
    /// 1 for the best.
    pub rank: u32,
    pub params: BTreeMap<String, ParamValueDto>,
    /// The ranking statistic; `null` when undefined (it ranks last).
    pub score: Option<f64>,
    pub statistics: StatisticsDto,
}

/// One walk-forward window: the set chosen in sample and how it did out of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepWindowDto {
    pub in_sample_from: String,
    pub out_of_sample_from: String,
    pub out_of_sample_to: String,
    pub params: BTreeMap<String, ParamValueDto>,
    pub in_sample: StatisticsDto,
    pub out_of_sample: StatisticsDto,
}

/// A finished sweep: every set ranked best first, and the walk-forward windows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepResultDto {
    pub rank_by: RankByDto,
    /// The threads it ran on.
    pub threads: u32,
    pub rows: Vec<SweepRowDto>,
    pub windows: Vec<SweepWindowDto>,
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

/// What progress counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgressUnitDto {
    Bars,
    Runs,
}

/// How far a backtest has come, in bars (a sweep: in runs).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ProgressDto {
    pub done: u64,
    pub total: u64,
    pub unit: ProgressUnitDto,
}

/// A backtest's status or progress, on the `backtests` topic (at most 4 a second
/// while it runs, and once at each change of status).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacktestProgressMessage {
    pub id: String,
    pub status: BacktestStatusDto,
    pub progress: ProgressDto,
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
    /// A sweep: what it tries.
    pub sweep: Option<SweepDto>,
    /// A sweep: its table, once done, and only on `GET /api/v1/backtests/{id}`.
    pub sweep_result: Option<SweepResultDto>,
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
