//! Backtests as a use case: a built-in strategy over the venue's stored candles (its
//! generated past, recorded and imported candles), run in the background with
//! progress, cancellable, its summary kept in the store.
//!
//! A backtest may be a parameter sweep ([`sweep`]): the same queue, the same rows,
//! its result the ranked table instead of one report. Every change of status and,
//! at most every [`BACKTEST_NOTICE_INTERVAL`], its progress is announced
//! ([`BacktestNotice`]) for the `backtests` topic.
//!
//! A backtest is recorded (queued) before the answer; at most
//! [`BACKTESTS_RUNNING_MAX`] run at once, the others wait in turn, and no more than
//! [`BACKTESTS_WAITING_MAX`] wait (beyond that: `OVERLOADED`). A backtest that was
//! queued or running when the venue stopped ends as failed at the next start.

mod sweep;

pub use sweep::{SWEEP_SETS_MAX, SweepPlan, SweepRequest};

use crate::{Actor, Code, Result, Service, ServiceError, now_ms, parse_amount};
use bourse_market::{Candle, Interval};
use bourse_store::{BacktestRow, BacktestStatus, Page};
use bourse_strategy::Bar;
use bourse_strategy::backtest::{
    BacktestConfig, BacktestError, BacktestSummary, FillModel, SLIPPAGE_BPS_MAX, run,
};
use bourse_strategy::builtins::find;
use bourse_strategy::params::{ParamValue, Params};
use bourse_strategy::sweep::SweepOutcome;
use bourse_telemetry::names;
use bourse_types::Amount;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Backtests running at once on the venue (the engine keeps a core of its own).
pub const BACKTESTS_RUNNING_MAX: usize = 1;
/// Backtests waiting for their turn, on the whole venue.
pub const BACKTESTS_WAITING_MAX: usize = 16;
/// Backtests one user may have queued or running.
pub const BACKTESTS_PER_USER_MAX: usize = 4;
/// The most bars one backtest reads.
pub const BACKTEST_BARS_MAX: u32 = 1_000_000;
/// Starting cash when none is given, in the quote asset.
pub const BACKTEST_CASH_DEFAULT: &str = "100000";
/// How often a running backtest announces its progress, at most.
pub const BACKTEST_NOTICE_INTERVAL: Duration = Duration::from_millis(250);
/// Notices kept for a slow listener (it then misses the oldest; the next carries the
/// whole progress).
pub const BACKTEST_NOTICES_BUFFER: usize = 1_024;
/// Why a backtest that was running when the venue stopped failed.
pub const INTERRUPTED: &str = "the venue stopped while it ran; run it again";

/// What a caller asks for.
#[derive(Debug, Clone)]
pub struct BacktestRequest {
    pub strategy: String,
    pub params: Params,
    pub symbol: String,
    pub timeframe: Interval,
    pub from_ms: Option<u64>,
    pub to_ms: Option<u64>,
    /// Starting cash in the quote asset (decimal).
    pub cash: Option<String>,
    pub slippage_bps: Option<u32>,
    pub touch: bool,
    /// Make it a sweep over these parameter sets.
    pub sweep: Option<SweepRequest>,
}

/// The request as checked and kept: parameters with their defaults, cash in minor
/// units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestSpec {
    pub strategy: String,
    pub params: BTreeMap<String, ParamValue>,
    pub symbol: String,
    pub timeframe: String,
    pub from_ms: u64,
    pub to_ms: u64,
    pub cash: Amount,
    pub fill_model: FillModel,
    /// Present when it is a sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepPlan>,
}

/// A backtest as the caller sees it.
#[derive(Debug, Clone)]
pub struct BacktestView {
    pub id: u64,
    pub owner: u64,
    pub status: BacktestStatus,
    pub created_at_ms: u64,
    pub finished_at_ms: Option<u64>,
    pub spec: BacktestSpec,
    /// Bars (a sweep: runs) done and in all, while it runs (and at its end).
    pub progress: Option<(u64, u64)>,
    pub summary: Option<BacktestSummary>,
    /// A sweep's ranked table, once done.
    pub sweep: Option<SweepOutcome>,
    pub error: Option<String>,
}

/// A backtest's status or progress changed.
#[derive(Debug, Clone)]
pub struct BacktestNotice {
    pub id: u64,
    pub owner: u64,
    pub status: BacktestStatus,
    pub sweep: bool,
    /// Bars (a sweep: runs) done and in all.
    pub done: u64,
    pub total: u64,
}

/// A backtest in the venue's hands.
#[derive(Debug)]
struct Job {
    owner: u64,
    done: AtomicU64,
    total: AtomicU64,
    running: AtomicBool,
    cancel: AtomicBool,
}

/// The backtests queued or running.
#[derive(Debug)]
pub(crate) struct Jobs {
    jobs: Mutex<HashMap<u64, Arc<Job>>>,
    turn: tokio::sync::Semaphore,
    notices: broadcast::Sender<BacktestNotice>,
}

impl Jobs {
    pub(crate) fn new() -> Jobs {
        Jobs {
            jobs: Mutex::new(HashMap::new()),
            turn: tokio::sync::Semaphore::new(BACKTESTS_RUNNING_MAX),
            notices: broadcast::channel(BACKTEST_NOTICES_BUFFER).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Announces a running backtest's progress, at most every
/// [`BACKTEST_NOTICE_INTERVAL`]; tells it whether to go on.
struct Progress {
    id: u64,
    sweep: bool,
    job: Arc<Job>,
    notices: broadcast::Sender<BacktestNotice>,
    last: Mutex<Instant>,
}

impl Progress {
    fn report(&self, done: u64) -> bool {
        self.job.done.store(done, Ordering::Relaxed);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= BACKTEST_NOTICE_INTERVAL {
            *last = Instant::now();
            let _ = self.notices.send(BacktestNotice {
                id: self.id,
                owner: self.job.owner,
                status: BacktestStatus::Running,
                sweep: self.sweep,
                done,
                total: self.job.total.load(Ordering::Relaxed),
            });
        }
        !self.job.cancel.load(Ordering::Relaxed)
    }
}

pub(crate) fn bar(candle: &Candle) -> Bar {
    Bar {
        open_time: candle.open_time,
        open: candle.open,
        high: candle.high,
        low: candle.low,
        close: candle.close,
        volume: candle.volume,
    }
}

fn unknown_backtest() -> ServiceError {
    ServiceError::new(Code::NotFound, "no such backtest")
}

impl Service {
    fn view(&self, row: BacktestRow) -> Result<BacktestView> {
        let spec: BacktestSpec = serde_json::from_str(&row.request)
            .map_err(|e| ServiceError::internal(format!("a stored backtest request: {e}")))?;
        let stored = |e: serde_json::Error| {
            ServiceError::internal(format!("a stored backtest summary: {e}"))
        };
        let (summary, sweep) = match (&spec.sweep, row.summary.as_deref()) {
            (_, None) => (None, None),
            (None, Some(text)) => (
                Some(serde_json::from_str::<BacktestSummary>(text).map_err(stored)?),
                None,
            ),
            (Some(_), Some(text)) => (
                None,
                Some(serde_json::from_str::<SweepOutcome>(text).map_err(stored)?),
            ),
        };
        let job = self.0.backtests.lock().get(&row.id).cloned();
        let (status, progress) = match &job {
            Some(job) => (
                if job.running.load(Ordering::Relaxed) {
                    BacktestStatus::Running
                } else {
                    row.status
                },
                Some((
                    job.done.load(Ordering::Relaxed),
                    job.total.load(Ordering::Relaxed),
                )),
            ),
            None => (
                row.status,
                match (&spec.sweep, &summary, &sweep) {
                    (Some(plan), _, Some(_)) => Some((plan.runs, plan.runs)),
                    (None, Some(s), _) => Some((s.bars, s.bars)),
                    _ => None,
                },
            ),
        };
        Ok(BacktestView {
            id: row.id,
            owner: row.owner,
            status,
            created_at_ms: row.created_at,
            finished_at_ms: row.finished_at,
            spec,
            progress,
            summary,
            sweep,
            error: row.error,
        })
    }

    /// Checks a request, records it and starts it in the background; answers it queued.
    pub async fn start_backtest(
        &self,
        actor: &Actor,
        request: BacktestRequest,
    ) -> Result<BacktestView> {
        actor.require_read()?;
        let builtin = find(&request.strategy).ok_or_else(|| {
            ServiceError::new(
                Code::UnknownStrategy,
                format!("no built-in strategy {:?}", request.strategy),
            )
        })?;
        let (_, resolved) = builtin
            .build(&request.params)
            .map_err(|e| ServiceError::new(Code::InvalidParameters, e.to_string()))?;
        let instrument = self.catalog().symbol(&request.symbol)?;
        let quote_scale = instrument.quote_scale();
        let cash = parse_amount(
            quote_scale,
            "cash",
            request.cash.as_deref().unwrap_or(BACKTEST_CASH_DEFAULT),
        )?;
        if cash.raw() > i64::MAX as u64 {
            return Err(ServiceError::field("cash", "cash is too large"));
        }
        let slippage_bps = request
            .slippage_bps
            .unwrap_or(FillModel::default().slippage_bps);
        if slippage_bps > SLIPPAGE_BPS_MAX {
            return Err(ServiceError::field(
                "slippage_bps",
                format!("slippage_bps is at most {SLIPPAGE_BPS_MAX}"),
            ));
        }
        let base: Params = resolved
            .values()
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let sweep = request
            .sweep
            .map(|s| sweep::plan(builtin, &base, s))
            .transpose()?;
        let now = now_ms();
        let to_ms = request.to_ms.unwrap_or(now);
        // A period that holds no candle (`from` at or after `to`) is not refused: the
        // backtest fails with the number of candles it found.
        let from_ms = request.from_ms.unwrap_or(0);
        {
            let jobs = self.0.backtests.lock();
            if jobs.values().filter(|j| j.owner == actor.user_id).count() >= BACKTESTS_PER_USER_MAX
            {
                return Err(ServiceError::overloaded(format!(
                    "you have {BACKTESTS_PER_USER_MAX} backtests queued or running; wait for one to end"
                )));
            }
            if jobs.len() >= BACKTESTS_RUNNING_MAX + BACKTESTS_WAITING_MAX {
                return Err(ServiceError::overloaded(
                    "the venue's backtest queue is full; retry shortly",
                ));
            }
        }
        let spec = BacktestSpec {
            strategy: builtin.name.to_string(),
            params: base,
            symbol: instrument.symbol().to_string(),
            timeframe: request.timeframe.as_str().to_string(),
            from_ms,
            to_ms,
            cash,
            fill_model: FillModel {
                slippage_bps,
                touch: request.touch,
            },
            sweep,
        };
        let text = serde_json::to_string(&spec).map_err(ServiceError::internal)?;
        let id = self
            .query(self.store().insert_backtest(actor.user_id, now, &text))
            .await?;
        let job = Arc::new(Job {
            owner: actor.user_id,
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            running: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
        });
        self.0.backtests.lock().insert(id, job.clone());
        self.backtest_gauge();
        let service = self.clone();
        let interval = request.timeframe;
        tokio::spawn(async move { service.run_backtest(id, spec, interval, job).await });
        self.backtest(actor, id).await
    }

    fn backtest_gauge(&self) {
        let active = self.0.backtests.lock().len();
        self.0
            .telemetry
            .gauge(&names::BACKTESTS_ACTIVE)
            .get(&[])
            .set(active as i64);
    }

    async fn run_backtest(&self, id: u64, spec: BacktestSpec, interval: Interval, job: Arc<Job>) {
        let outcome = self.backtest_outcome(id, &spec, interval, &job).await;
        let (status, text, error) = match outcome {
            Ok(text) => (BacktestStatus::Done, Some(text), None),
            Err(BacktestEnd::Cancelled) => (BacktestStatus::Cancelled, None, None),
            Err(BacktestEnd::Failed(why)) => (BacktestStatus::Failed, None, Some(why)),
        };
        if let Err(e) = self
            .store()
            .update_backtest(
                id,
                status,
                Some(now_ms()),
                text.as_deref(),
                error.as_deref(),
            )
            .await
        {
            tracing::error!(backtest = id, error = %e, "a backtest's end could not be recorded");
        }
        self.0.backtests.lock().remove(&id);
        self.backtest_gauge();
        self.0
            .telemetry
            .counter(&names::BACKTESTS)
            .get(&[status.as_str()])
            .inc();
        self.backtest_notice(id, &job, status, spec.sweep.is_some());
    }

    fn backtest_notice(&self, id: u64, job: &Job, status: BacktestStatus, sweep: bool) {
        let _ = self.0.backtests.notices.send(BacktestNotice {
            id,
            owner: job.owner,
            status,
            sweep,
            done: job.done.load(Ordering::Relaxed),
            total: job.total.load(Ordering::Relaxed),
        });
    }

    /// What the front doors hear about backtests.
    pub fn backtest_notices(&self) -> broadcast::Receiver<BacktestNotice> {
        self.0.backtests.notices.subscribe()
    }

    async fn backtest_outcome(
        &self,
        id: u64,
        spec: &BacktestSpec,
        interval: Interval,
        job: &Arc<Job>,
    ) -> std::result::Result<String, BacktestEnd> {
        let failed = |why: String| BacktestEnd::Failed(why);
        let _turn = self
            .0
            .backtests
            .turn
            .acquire()
            .await
            .map_err(|_| failed("the venue is stopping".to_string()))?;
        if job.cancel.load(Ordering::Relaxed) {
            return Err(BacktestEnd::Cancelled);
        }
        job.running.store(true, Ordering::Relaxed);
        self.backtest_notice(id, job, BacktestStatus::Running, spec.sweep.is_some());
        let _ = self
            .store()
            .update_backtest(id, BacktestStatus::Running, None, None, None)
            .await;
        let instrument = self
            .catalog()
            .symbol(&spec.symbol)
            .map_err(|e| failed(e.message.clone()))?;
        let candles = self
            .store()
            .candles_between(
                instrument.id().0,
                interval,
                spec.from_ms,
                spec.to_ms,
                BACKTEST_BARS_MAX + 1,
            )
            .await
            .map_err(|e| failed(format!("reading the candles: {e}")))?;
        if candles.len() > BACKTEST_BARS_MAX as usize {
            return Err(failed(format!(
                "more than {BACKTEST_BARS_MAX} bars in the period; narrow it"
            )));
        }
        if candles.len() < 2 {
            return Err(failed(format!(
                "{} {} candles of {} in the period: a backtest needs at least 2",
                candles.len(),
                spec.timeframe,
                spec.symbol
            )));
        }
        let bars: Vec<Bar> = candles.iter().map(bar).collect();
        job.total.store(
            spec.sweep.as_ref().map_or(bars.len() as u64, |p| p.runs),
            Ordering::Relaxed,
        );
        let params: Params = spec.params.clone();
        let builtin = find(&spec.strategy).ok_or_else(|| failed("the strategy is gone".into()))?;
        let config = BacktestConfig {
            instrument,
            bar_ms: interval.millis(),
            initial_cash: spec.cash,
            fill_model: spec.fill_model,
        };
        let bars_counter = self.0.telemetry.counter(&names::BACKTEST_BARS).get(&[]);
        let progress = Progress {
            id,
            sweep: spec.sweep.is_some(),
            job: job.clone(),
            notices: self.0.backtests.notices.clone(),
            last: Mutex::new(Instant::now()),
        };
        let plan = spec.sweep.clone();
        let ran = tokio::task::spawn_blocking(move || {
            if let Some(plan) = plan {
                let outcome = sweep::run(builtin, params, &plan, &bars, &config, &|done| {
                    progress.report(done)
                })?;
                // Every run read every bar (walk-forward windows: a share of them).
                bars_counter.add(bars.len() as u64 * plan.sets);
                return serde_json::to_string(&outcome).map_err(|e| e.to_string());
            }
            let (mut strategy, _) = builtin.build(&params).map_err(|e| e.to_string())?;
            let mut last = 0;
            let outcome = run(strategy.as_mut(), &bars, &config, &mut |done| {
                bars_counter.add(done - last);
                last = done;
                progress.report(done)
            });
            let summary = outcome.map(|o| o.summary()).map_err(|e| match e {
                BacktestError::Cancelled(_) => String::new(),
                other => other.to_string(),
            })?;
            serde_json::to_string(&summary).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| failed(format!("the backtest stopped: {e}")))?;
        match ran {
            Ok(summary) => Ok(summary),
            Err(why) if why.is_empty() => Err(BacktestEnd::Cancelled),
            Err(why) => Err(failed(why)),
        }
    }

    /// One of the caller's backtests, with its summary once done.
    pub async fn backtest(&self, actor: &Actor, id: u64) -> Result<BacktestView> {
        actor.require_read()?;
        let row = self
            .query(self.store().backtest(id))
            .await?
            .filter(|r| r.owner == actor.user_id)
            .ok_or_else(unknown_backtest)?;
        self.view(row)
    }

    /// The caller's backtests, newest first, without their summaries.
    pub async fn backtests(&self, actor: &Actor, page: Page) -> Result<(Vec<BacktestView>, u64)> {
        actor.require_read()?;
        let (rows, total) = self
            .query(self.store().backtests(actor.user_id, page))
            .await?;
        let views = rows
            .into_iter()
            .map(|r| self.view(r))
            .collect::<Result<Vec<_>>>()?;
        Ok((views, total))
    }

    /// Stops one of the caller's backtests that has not ended; answers it as it stands.
    pub async fn cancel_backtest(&self, actor: &Actor, id: u64) -> Result<BacktestView> {
        let view = self.backtest(actor, id).await?;
        if view.status.is_finished() {
            return Err(ServiceError::new(
                Code::BacktestFinished,
                format!("the backtest has ended ({})", view.status.as_str()),
            ));
        }
        let job = self.0.backtests.lock().get(&id).cloned();
        if let Some(job) = job {
            job.cancel.store(true, Ordering::Relaxed);
            if !job.running.load(Ordering::Relaxed) {
                // Still waiting for its turn: it ends now (its task will find it so).
                self.query(self.store().update_backtest(
                    id,
                    BacktestStatus::Cancelled,
                    Some(now_ms()),
                    None,
                    None,
                ))
                .await?;
                self.0.backtests.lock().remove(&id);
                self.backtest_gauge();
                self.backtest_notice(
                    id,
                    &job,
                    BacktestStatus::Cancelled,
                    view.spec.sweep.is_some(),
                );
            }
        }
        // It ends within a progress step; answer once it has.
        for _ in 0..CANCEL_WAIT_STEPS {
            if !self.0.backtests.lock().contains_key(&id) {
                break;
            }
            tokio::time::sleep(CANCEL_WAIT_STEP).await;
        }
        self.backtest(actor, id).await
    }

    /// At start: backtests the last run left queued or running end as failed.
    pub async fn recover_backtests(&self) -> Result<u64> {
        self.query(
            self.store()
                .fail_unfinished_backtests(now_ms(), INTERRUPTED),
        )
        .await
    }
}

/// How long a cancel waits for the backtest to stop before answering it as it stands.
const CANCEL_WAIT_STEP: Duration = Duration::from_millis(10);
const CANCEL_WAIT_STEPS: u32 = 200;

/// How a backtest ended other than done.
enum BacktestEnd {
    Cancelled,
    Failed(String),
}
