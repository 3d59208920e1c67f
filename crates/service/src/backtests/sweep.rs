//! A backtest that is a parameter sweep: one built-in over a grid or a random sample
//! of parameter sets on every core, ranked by a chosen statistic, optionally with
//! walk-forward windows. It is queued, run, listed and cancelled as a backtest; its
//! progress counts runs instead of bars.

use crate::{Code, Result, ServiceError};
use bourse_strategy::backtest::BacktestConfig;
use bourse_strategy::bar::Bar;
use bourse_strategy::builtins::Builtin;
use bourse_strategy::params::Params;
use bourse_strategy::sweep::{
    RankBy, Space, SweepError, SweepOutcome, SweepSpec, WalkForward, check_walk_forward,
    combinations, planned_runs, sweep,
};
use serde::{Deserialize, Serialize};

/// The most parameter sets a sweep over the API runs (the command line allows more).
pub const SWEEP_SETS_MAX: usize = 1_000;

/// What a caller asks for with a backtest to make it a sweep.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    pub space: Space,
    pub rank_by: RankBy,
    pub walk_forward: Option<WalkForward>,
}

/// A sweep as checked and kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPlan {
    pub space: Space,
    pub rank_by: RankBy,
    pub walk_forward: Option<WalkForward>,
    /// The parameter sets it tries.
    pub sets: u64,
    /// The backtests it runs (its progress counts up to this).
    pub runs: u64,
}

fn invalid(e: SweepError) -> ServiceError {
    ServiceError::new(Code::InvalidParameters, e.to_string())
}

/// Checks a sweep over `base` (the backtest's parameters with their defaults): every
/// set it holds must be a valid set of the built-in, and there are at most
/// [`SWEEP_SETS_MAX`].
pub(crate) fn plan(builtin: &Builtin, base: &Params, request: SweepRequest) -> Result<SweepPlan> {
    let sets = combinations(base, &request.space).map_err(invalid)?;
    if sets.len() > SWEEP_SETS_MAX {
        return Err(ServiceError::new(
            Code::InvalidParameters,
            format!(
                "the sweep holds {} parameter sets; at most {SWEEP_SETS_MAX} run in one sweep (sample it instead)",
                sets.len()
            ),
        ));
    }
    for set in &sets {
        builtin
            .build(set)
            .map_err(|e| ServiceError::new(Code::InvalidParameters, e.to_string()))?;
    }
    if let Some(walk) = &request.walk_forward {
        check_walk_forward(walk).map_err(invalid)?;
    }
    Ok(SweepPlan {
        runs: planned_runs(sets.len(), request.walk_forward),
        sets: sets.len() as u64,
        space: request.space,
        rank_by: request.rank_by,
        walk_forward: request.walk_forward,
    })
}

/// The threads a sweep runs on: every core.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs the sweep; `progress` hears the runs done and answers whether to go on. An
/// empty error means it was cancelled.
pub(crate) fn run(
    builtin: &Builtin,
    base: Params,
    plan: &SweepPlan,
    bars: &[Bar],
    config: &BacktestConfig,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> std::result::Result<SweepOutcome, String> {
    let spec = SweepSpec {
        builtin,
        base,
        space: plan.space.clone(),
        rank_by: plan.rank_by,
        threads: threads(),
        walk_forward: plan.walk_forward,
    };
    sweep(&spec, bars, config, progress).map_err(|e| match e {
        SweepError::Backtest(bourse_strategy::backtest::BacktestError::Cancelled(_)) => {
            String::new()
        }
        other => other.to_string(),
    })
}
