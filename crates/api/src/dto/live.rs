//! Live strategies and signals.

use super::{EquityPointDto, IntervalDto, ParamValueDto, StatisticsDto};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// The most parameters a request gives.
pub const STRATEGY_PARAMS_MAX: usize = 32;

/// A live strategy to make: a built-in with its parameters, on one symbol and
/// timeframe, trading from a sub-account of the caller.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "trend", "strategy": "sma_crossover", "symbol": "BTC-USD", "timeframe": "1m", "params": {"fast": 10, "slow": 30}}))]
pub struct CreateStrategy {
    /// 1 to 40 characters: letters, digits, spaces, `-`, `_`, `.`; unique among the
    /// caller's strategies.
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$"
    )]
    pub name: String,
    /// A built-in strategy's name (`GET /api/v1/strategies/builtins`).
    #[schema(min_length = 1, max_length = 64)]
    pub strategy: String,
    #[schema(min_length = 1, max_length = 32)]
    pub symbol: String,
    pub timeframe: IntervalDto,
    /// Parameters by name (at most 32); those not given take their defaults.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValueDto>,
    /// One of the caller's sub-account ids to trade from (none trades for another
    /// strategy); absent: a new sub-account named `strategy <name>` is opened.
    #[schema(pattern = r"^[0-9]{1,19}$")]
    pub account: Option<String>,
}

/// New parameters for a strategy.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"params": {"fast": 12, "slow": 40}}))]
pub struct UpdateParams {
    /// Parameters by name (at most 32); those not given take their defaults.
    pub params: BTreeMap<String, ParamValueDto>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategyStatusDto {
    Created,
    Running,
    Paused,
    Stopped,
    Failed,
}

/// How a strategy has done, from its own fills.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StrategyPerformanceDto {
    /// Closed bars acted on.
    pub bars: u64,
    /// The open time of the last bar acted on (milliseconds).
    pub last_bar: Option<u64>,
    pub orders: u64,
    /// Orders the venue refused.
    pub rejected: u64,
    pub fills: u64,
    pub signals: u64,
    /// What it holds of the base asset.
    pub position: String,
    /// Its cash in the quote asset.
    pub cash: String,
    /// Cash plus the position at the last close.
    pub equity: String,
    /// Equity less the starting cash.
    pub pnl: String,
    /// The report's figures over its bars (as a backtest's); `null` before two bars.
    pub statistics: Option<StatisticsDto>,
    /// At most 2,000 points.
    pub equity_curve: Vec<EquityPointDto>,
}

/// A live strategy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StrategyDto {
    pub id: String,
    pub name: String,
    /// The built-in it runs.
    pub strategy: String,
    pub symbol: String,
    pub timeframe: IntervalDto,
    /// The parameters in force, defaults filled in.
    pub params: BTreeMap<String, ParamValueDto>,
    pub status: StrategyStatusDto,
    /// Why the venue stopped it (status `failed`).
    pub error: Option<String>,
    /// The sub-account it trades from (an `account` parameter value).
    pub account: String,
    pub created_at: String,
    pub updated_at: String,
    pub performance: StrategyPerformanceDto,
}

/// A decision a live strategy made (the same form a backtest records).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionDto {
    /// Milliseconds since the epoch.
    pub time: u64,
    /// How many bars it had acted on.
    pub bar: u64,
    /// `place`, `cancel`, `cancel_all`, `signal`, `timer`, with its details.
    #[schema(value_type = Object)]
    pub action: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignalSideDto {
    Buy,
    Sell,
    Hold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrengthDto {
    Weak,
    Moderate,
    Strong,
    VeryStrong,
}

/// An indicator value behind a signal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorValueDto {
    pub name: String,
    pub value: f64,
}

/// What a strategy thinks of a market.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignalDto {
    pub id: String,
    pub strategy_id: String,
    pub symbol: String,
    pub timeframe: IntervalDto,
    pub side: SignalSideDto,
    /// 0 to 1.
    pub confidence: f64,
    pub strength: StrengthDto,
    pub entry: String,
    pub stop_loss: Option<String>,
    pub take_profit: Option<String>,
    /// Reward over risk: the target's distance from the entry over the stop's.
    pub risk_reward: Option<f64>,
    pub indicators: Vec<IndicatorValueDto>,
    pub time: String,
}

/// Which signals to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SignalQuery {
    /// Only this strategy's.
    #[param(pattern = r"^[0-9]{1,19}$")]
    pub strategy_id: Option<String>,
    #[param(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: Option<String>,
    #[param(inline)]
    pub timeframe: Option<IntervalDto>,
    #[param(inline)]
    pub side: Option<SignalSideDto>,
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The latest signal of a symbol and timeframe.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LatestSignalQuery {
    #[param(pattern = r"^[A-Za-z0-9]{1,12}-[A-Za-z0-9]{1,12}$")]
    pub symbol: String,
    #[param(inline)]
    pub timeframe: IntervalDto,
}
