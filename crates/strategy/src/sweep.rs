//! Parameter sweeps: one built-in over a grid (or a random sample) of parameters, run
//! on every core, ranked by a chosen statistic; and walk-forward analysis, which picks
//! the best parameters on each in-sample window and runs them on the window after it,
//! so that overfitting shows as the gap between the two.

use crate::backtest::{BacktestConfig, BacktestError, run};
use crate::bar::Bar;
use crate::builtins::Builtin;
use crate::params::{ParamError, ParamValue, Params};
use crate::report::Statistics;
use bourse_types::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// The most parameter sets one sweep runs.
pub const SWEEP_RUNS_MAX: usize = 10_000;
/// The most walk-forward windows.
pub const WALK_FORWARD_WINDOWS_MAX: usize = 20;
/// The share of each walk-forward window a set is chosen on, at least and at most.
pub const IN_SAMPLE_MIN: f64 = 0.1;
pub const IN_SAMPLE_MAX: f64 = 0.9;

/// The statistic a sweep ranks by; higher is better except for the drawdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    TotalReturn,
    Sharpe,
    Sortino,
    Calmar,
    ProfitFactor,
    WinRate,
    Sqn,
    MaxDrawdown,
}

impl RankBy {
    pub const ALL: [RankBy; 8] = [
        RankBy::TotalReturn,
        RankBy::Sharpe,
        RankBy::Sortino,
        RankBy::Calmar,
        RankBy::ProfitFactor,
        RankBy::WinRate,
        RankBy::Sqn,
        RankBy::MaxDrawdown,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RankBy::TotalReturn => "total_return",
            RankBy::Sharpe => "sharpe",
            RankBy::Sortino => "sortino",
            RankBy::Calmar => "calmar",
            RankBy::ProfitFactor => "profit_factor",
            RankBy::WinRate => "win_rate",
            RankBy::Sqn => "sqn",
            RankBy::MaxDrawdown => "max_drawdown",
        }
    }

    pub fn parse(text: &str) -> Option<RankBy> {
        RankBy::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The statistic, when defined.
    pub fn value(self, stats: &Statistics) -> Option<f64> {
        match self {
            RankBy::TotalReturn => Some(stats.total_return),
            RankBy::Sharpe => stats.sharpe,
            RankBy::Sortino => stats.sortino,
            RankBy::Calmar => stats.calmar,
            RankBy::ProfitFactor => stats.profit_factor,
            RankBy::WinRate => stats.win_rate,
            RankBy::Sqn => stats.sqn,
            RankBy::MaxDrawdown => Some(stats.max_drawdown),
        }
    }

    /// A score where higher is better and an undefined statistic ranks last.
    fn score(self, stats: &Statistics) -> f64 {
        match self.value(stats) {
            Some(v) if self == RankBy::MaxDrawdown => -v,
            Some(v) => v,
            None => f64::NEG_INFINITY,
        }
    }
}

/// Which parameter sets to try.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Space {
    /// Every combination of the listed values.
    Grid {
        values: Vec<(String, Vec<ParamValue>)>,
    },
    /// `samples` combinations drawn (with `seed`) from the listed values.
    Random {
        values: Vec<(String, Vec<ParamValue>)>,
        samples: usize,
        seed: u64,
    },
}

/// Walk-forward windows: the bars cut into `windows` consecutive parts, each split
/// into its first `in_sample` share (where parameters are chosen) and the rest (where
/// they are tested).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WalkForward {
    pub windows: usize,
    pub in_sample: f64,
}

/// A sweep's request.
#[derive(Debug, Clone)]
pub struct SweepSpec<'a> {
    pub builtin: &'a Builtin,
    /// Parameters every run shares (the swept ones override them).
    pub base: Params,
    pub space: Space,
    pub rank_by: RankBy,
    pub threads: usize,
    pub walk_forward: Option<WalkForward>,
}

/// One parameter set's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub params: Params,
    pub statistics: Statistics,
    pub score: Option<f64>,
}

/// One walk-forward window: the parameters chosen in sample and how they did out of
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowResult {
    pub in_sample_from_ms: u64,
    pub out_of_sample_from_ms: u64,
    pub out_of_sample_to_ms: u64,
    pub params: Params,
    pub in_sample: Statistics,
    pub out_of_sample: Statistics,
}

/// A sweep's result: every run ranked best first, and the walk-forward windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepOutcome {
    pub rank_by: RankBy,
    pub rows: Vec<SweepRow>,
    pub windows: Vec<WindowResult>,
    pub threads: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error(transparent)]
    Backtest(#[from] BacktestError),
    #[error("{0}")]
    Invalid(String),
}

/// The parameter sets a space holds, each over `base`.
pub fn combinations(base: &Params, space: &Space) -> Result<Vec<Params>, SweepError> {
    let values = match space {
        Space::Grid { values } | Space::Random { values, .. } => values,
    };
    if values.iter().any(|(_, v)| v.is_empty()) {
        return Err(SweepError::Invalid(
            "every swept parameter needs at least one value".to_string(),
        ));
    }
    let total = values
        .iter()
        .try_fold(1usize, |n, (_, v)| n.checked_mul(v.len()))
        .unwrap_or(usize::MAX);
    let pick = |mut index: usize| {
        let mut params = base.clone();
        for (name, options) in values.iter().rev() {
            params.insert(name.clone(), options[index % options.len()].clone());
            index /= options.len();
        }
        params
    };
    match space {
        Space::Grid { .. } => {
            if total > SWEEP_RUNS_MAX {
                return Err(SweepError::Invalid(format!(
                    "the grid holds {total} combinations; at most {SWEEP_RUNS_MAX} run in one sweep (sample it instead)"
                )));
            }
            Ok((0..total).map(pick).collect())
        }
        Space::Random { samples, seed, .. } => {
            if *samples == 0 || *samples > SWEEP_RUNS_MAX {
                return Err(SweepError::Invalid(format!(
                    "a sample takes 1 to {SWEEP_RUNS_MAX} combinations"
                )));
            }
            let mut rng = Rng::new(*seed);
            let mut chosen: Vec<usize> = Vec::new();
            // Distinct draws while there are enough combinations.
            while chosen.len() < (*samples).min(total) {
                let index = rng.below(total as u64) as usize;
                if !chosen.contains(&index) {
                    chosen.push(index);
                }
            }
            Ok(chosen.into_iter().map(pick).collect())
        }
    }
}

/// How many backtests a sweep of `sets` parameter sets runs: each set over all the
/// bars, then, per walk-forward window, each set in sample and the chosen one out of
/// it. Progress counts up to this.
pub fn planned_runs(sets: usize, walk_forward: Option<WalkForward>) -> u64 {
    let windows = walk_forward.map_or(0, |w| w.windows as u64);
    sets as u64 * (1 + windows) + windows
}

/// Checks walk-forward settings.
pub fn check_walk_forward(walk: &WalkForward) -> Result<(), SweepError> {
    if walk.windows == 0 || walk.windows > WALK_FORWARD_WINDOWS_MAX {
        return Err(SweepError::Invalid(format!(
            "walk-forward takes 1 to {WALK_FORWARD_WINDOWS_MAX} windows"
        )));
    }
    if !(IN_SAMPLE_MIN..=IN_SAMPLE_MAX).contains(&walk.in_sample) {
        return Err(SweepError::Invalid(format!(
            "the in-sample share must be between {IN_SAMPLE_MIN} and {IN_SAMPLE_MAX}"
        )));
    }
    Ok(())
}

/// Runs every parameter set over `bars` on `threads` threads; answers the statistics
/// in the order of `sets`. `progress` hears the runs done so far, counting from
/// `before` (the runs of earlier phases); answering `false` stops.
fn run_all(
    builtin: &Builtin,
    sets: &[Params],
    bars: &[Bar],
    config: &BacktestConfig,
    threads: usize,
    before: u64,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Vec<Statistics>, SweepError> {
    // Every set is checked first, so a bad one fails the sweep before any runs.
    for set in sets {
        builtin.build(set)?;
    }
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<Statistics, SweepError>>>> =
        Mutex::new(vec![None; sets.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, sets.len().max(1)) {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(set) = sets.get(index) else {
                        return;
                    };
                    let outcome = builtin
                        .build(set)
                        .map_err(SweepError::from)
                        .and_then(|(mut strategy, _)| {
                            run(strategy.as_mut(), bars, config, &mut |_| {
                                !stop.load(Ordering::Relaxed)
                            })
                            .map_err(SweepError::from)
                        })
                        .map(|o| o.statistics);
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(outcome);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if !progress(before + finished) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    if stop.load(Ordering::Relaxed) {
        return Err(SweepError::Backtest(BacktestError::Cancelled(
            done.load(Ordering::Relaxed),
        )));
    }
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(SweepError::Invalid("a run did not finish".into()))))
        .collect()
}

fn ranked(rank_by: RankBy, sets: Vec<Params>, stats: Vec<Statistics>) -> Vec<SweepRow> {
    let mut rows: Vec<SweepRow> = sets
        .into_iter()
        .zip(stats)
        .map(|(params, statistics)| SweepRow {
            score: rank_by.value(&statistics),
            params,
            statistics,
        })
        .collect();
    // Best first; ties keep the order the sets were given in.
    rows.sort_by(|a, b| {
        rank_by
            .score(&b.statistics)
            .total_cmp(&rank_by.score(&a.statistics))
    });
    rows
}

/// Runs a sweep (and its walk-forward windows, if asked) over `bars`.
pub fn sweep(
    spec: &SweepSpec<'_>,
    bars: &[Bar],
    config: &BacktestConfig,
    progress: &(dyn Fn(u64) -> bool + Sync),
) -> Result<SweepOutcome, SweepError> {
    let sets = combinations(&spec.base, &spec.space)?;
    if let Some(walk) = &spec.walk_forward {
        check_walk_forward(walk)?;
    }
    let stats = run_all(spec.builtin, &sets, bars, config, spec.threads, 0, progress)?;
    let mut done = sets.len() as u64;
    let rows = ranked(spec.rank_by, sets.clone(), stats);
    let mut windows = Vec::new();
    if let Some(walk) = spec.walk_forward {
        let size = bars.len() / walk.windows;
        for w in 0..walk.windows {
            let window = &bars[w * size..(w + 1) * size];
            let split = (window.len() as f64 * walk.in_sample) as usize;
            let (inside, outside) = window.split_at(split);
            if inside.is_empty() || outside.is_empty() {
                return Err(SweepError::Invalid(
                    "too few bars for that many walk-forward windows".to_string(),
                ));
            }
            let stats = run_all(
                spec.builtin,
                &sets,
                inside,
                config,
                spec.threads,
                done,
                progress,
            )?;
            done += sets.len() as u64;
            let best = ranked(spec.rank_by, sets.clone(), stats)
                .into_iter()
                .next()
                .ok_or_else(|| SweepError::Invalid("nothing to sweep".to_string()))?;
            let (mut strategy, _) = spec.builtin.build(&best.params)?;
            let tested = run(strategy.as_mut(), outside, config, &mut |_| true)?;
            done += 1;
            if !progress(done) {
                return Err(SweepError::Backtest(BacktestError::Cancelled(done)));
            }
            windows.push(WindowResult {
                in_sample_from_ms: inside[0].open_time,
                out_of_sample_from_ms: outside[0].open_time,
                out_of_sample_to_ms: outside[outside.len() - 1].open_time + config.bar_ms,
                params: best.params,
                in_sample: best.statistics,
                out_of_sample: tested.statistics,
            });
        }
    }
    Ok(SweepOutcome {
        rank_by: spec.rank_by,
        rows,
        windows,
        threads: spec.threads,
    })
}
