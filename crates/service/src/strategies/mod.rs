//! Live strategies as a use case: a built-in strategy with its parameters, bound to a
//! sub-account of its user, run by the venue on closed candles through the same
//! command path, risk limits and rules as a user's orders.
//!
//! A strategy's row (what it is, its status, its parameters) is written before every
//! answer that changes it; the runner ([`runner`]) owns the running strategies, saves
//! what it needs to resume after each step, and gives each order a client order id
//! made of the strategy's id and its own number for the order, so that a strategy
//! resumed after a restart that decides an order again is refused as a duplicate
//! instead of sending it twice. Signals are stored before they are published.

mod runner;

use crate::subaccounts::Subaccount;
use crate::{Actor, Code, Result, Service, ServiceError};
use bourse_market::Interval;
use bourse_store::{NewStrategy, Page, SignalFilter, SignalRow, StrategyRow};
use bourse_strategy::builtins::find;
use bourse_strategy::params::{ParamValue, Params};
use bourse_strategy::report::{EquityPoint, Statistics};
use bourse_strategy::signal::{SignalSide, Strength};
use bourse_types::{OrderId, OwnerId, Price, Qty, Side};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, RwLock};
use tokio::sync::{broadcast, mpsc, oneshot};

pub use runner::{STRATEGY_STEP, client_order_id};

/// How many strategies one user may have (whatever their status).
pub const STRATEGIES_PER_USER_MAX: usize = 10;
/// How many strategies may run (or be paused) on the venue at once.
pub const STRATEGIES_RUNNING_MAX: usize = 64;
/// The longest name of a strategy, in characters.
pub const STRATEGY_NAME_MAX: usize = 40;
/// The most recorded bars a resumed strategy is replayed over (the newest it acted on;
/// its decisions on them are not acted on again).
pub const STRATEGY_REPLAY_BARS_MAX: usize = 10_000;
/// Fills and order ends of strategies' orders waiting for the runner; beyond it a
/// strategy whose event is lost stops as failed (it no longer knows its position).
pub const STRATEGY_EVENTS_MAX: usize = 65_536;
/// Lifecycle requests waiting for the runner.
pub const STRATEGY_CONTROLS_MAX: usize = 64;
/// Notices (status, performance, signals) waiting for the front doors; a front door
/// that falls further behind skips the oldest.
pub const STRATEGY_NOTICES_MAX: usize = 1_024;
/// Equity points a strategy keeps for its curve; when full, every other one goes.
pub const STRATEGY_EQUITY_POINTS_MAX: usize = 2_000;
/// Decisions a strategy keeps, newest last.
pub const STRATEGY_DECISIONS_KEPT: usize = 1_000;

/// Where a strategy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyStatus {
    /// Made, never started.
    Created,
    Running,
    /// Not acting on bars; its orders stay and its fills are booked.
    Paused,
    /// Stopped by its user (its orders cancelled; after a panic, its position sold).
    Stopped,
    /// Stopped by the venue: its code panicked, or it lost track of its orders.
    Failed,
}

impl StrategyStatus {
    pub const ALL: [StrategyStatus; 5] = [
        StrategyStatus::Created,
        StrategyStatus::Running,
        StrategyStatus::Paused,
        StrategyStatus::Stopped,
        StrategyStatus::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            StrategyStatus::Created => "created",
            StrategyStatus::Running => "running",
            StrategyStatus::Paused => "paused",
            StrategyStatus::Stopped => "stopped",
            StrategyStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<StrategyStatus> {
        StrategyStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the runner holds it (running or paused).
    pub const fn is_live(self) -> bool {
        matches!(self, StrategyStatus::Running | StrategyStatus::Paused)
    }
}

/// What a caller asks for.
#[derive(Debug, Clone)]
pub struct StrategyRequest {
    pub name: String,
    pub builtin: String,
    pub symbol: String,
    pub timeframe: Interval,
    pub params: Params,
    /// The sub-account to trade from; `None` opens one named after the strategy.
    pub account: Option<u64>,
}

/// A strategy's performance, from its own fills (the same accounting and report as a
/// backtest's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Performance {
    /// Closed bars acted on.
    pub bars: u64,
    pub last_bar_ms: Option<u64>,
    pub orders: u64,
    /// Orders the venue refused.
    pub rejected: u64,
    pub fills: u64,
    pub signals: u64,
    /// Base held, minor units.
    pub position: Qty,
    /// Quote minor units.
    pub cash: i64,
    pub equity: i64,
    pub statistics: Option<Statistics>,
    pub equity_curve: Vec<EquityPoint>,
}

/// A strategy as the caller sees it.
#[derive(Debug, Clone)]
pub struct StrategyView {
    pub id: u64,
    pub user_id: u64,
    pub subaccount_id: u64,
    pub owner: OwnerId,
    pub name: String,
    pub builtin: String,
    pub symbol: String,
    pub timeframe: Interval,
    pub params: BTreeMap<String, ParamValue>,
    pub status: StrategyStatus,
    pub error: Option<String>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub performance: Performance,
}

/// A signal as kept and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalView {
    pub id: u64,
    pub strategy_id: u64,
    pub symbol: String,
    pub timeframe: String,
    pub side: SignalSide,
    pub confidence: f64,
    pub entry: String,
    pub stop_loss: Option<String>,
    pub take_profit: Option<String>,
    /// Reward over risk, from the entry, stop and target; absent without both.
    pub risk_reward: Option<f64>,
    pub strength: Strength,
    pub indicators: Vec<(String, f64)>,
    pub time_ms: u64,
}

/// What the front doors hear about strategies: for the user's `strategies` and
/// `signals` topics.
#[derive(Debug, Clone)]
pub enum StrategyNotice {
    Changed(Box<StrategyView>),
    Signal {
        user_id: u64,
        signal: Box<SignalView>,
    },
}

/// A fill or an end of an order of a strategy's sub-account, from the released
/// events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OwnerEvent {
    Fill {
        owner: OwnerId,
        order: OrderId,
        side: Side,
        price: Price,
        qty: Qty,
        fee: u64,
        time_ms: u64,
        /// Nothing of the order is left.
        done: bool,
    },
    Ended {
        owner: OwnerId,
        order: OrderId,
    },
}

/// What a lifecycle request asks of the runner.
#[derive(Debug)]
pub(crate) enum ControlKind {
    Start,
    Pause,
    Stop { panic: bool },
    Update { params: Params },
}

#[derive(Debug)]
pub(crate) struct Control {
    id: u64,
    kind: ControlKind,
    reply: oneshot::Sender<Result<()>>,
}

/// The strategies of the venue, shared by the use cases and the runner.
#[derive(Debug)]
pub(crate) struct Registry {
    views: Mutex<HashMap<u64, StrategyView>>,
    /// Owners of running and paused strategies, to their strategy.
    owners: RwLock<HashMap<u64, u64>>,
    events: mpsc::Sender<OwnerEvent>,
    /// Strategies whose event did not fit in the queue.
    lost: Mutex<HashSet<u64>>,
    control: mpsc::Sender<Control>,
    receivers: Mutex<Option<(mpsc::Receiver<OwnerEvent>, mpsc::Receiver<Control>)>>,
    notices: broadcast::Sender<StrategyNotice>,
    /// The newest decisions of each live strategy, as the runner last saved them.
    decisions: Mutex<HashMap<u64, Vec<bourse_strategy::backtest::Decision>>>,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        let (events, events_rx) = mpsc::channel(STRATEGY_EVENTS_MAX);
        let (control, control_rx) = mpsc::channel(STRATEGY_CONTROLS_MAX);
        Registry {
            views: Mutex::new(HashMap::new()),
            owners: RwLock::new(HashMap::new()),
            events,
            lost: Mutex::new(HashSet::new()),
            control,
            receivers: Mutex::new(Some((events_rx, control_rx))),
            notices: broadcast::channel(STRATEGY_NOTICES_MAX).0,
            decisions: Mutex::new(HashMap::new()),
        }
    }

    fn views(&self) -> std::sync::MutexGuard<'_, HashMap<u64, StrategyView>> {
        self.views.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands a fill or order end to the runner if it concerns a live strategy.
    pub(crate) fn note(&self, event: OwnerEvent) {
        let owner = match event {
            OwnerEvent::Fill { owner, .. } | OwnerEvent::Ended { owner, .. } => owner,
        };
        let strategy = {
            let owners = self.owners.read().unwrap_or_else(|e| e.into_inner());
            if owners.is_empty() {
                return;
            }
            owners.get(&owner.0).copied()
        };
        let Some(strategy) = strategy else { return };
        if self.events.try_send(event).is_err() {
            self.lost
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(strategy);
        }
    }

    pub(crate) fn has_owners(&self) -> bool {
        !self
            .owners
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }
}

/// Hands the runner the fills and order ends of live strategies' sub-accounts.
pub(crate) fn note_released(registry: &Registry, released: &bourse_journal::Released) {
    let time_ms = released.ts.millis();
    for event in &released.events {
        match event {
            bourse_engine::Event::Trade(t) => {
                registry.note(OwnerEvent::Fill {
                    owner: t.maker_owner,
                    order: t.maker_order,
                    side: t.aggressor.opposite(),
                    price: t.price,
                    qty: t.qty,
                    fee: t.maker_fee.raw(),
                    time_ms,
                    done: t.maker_leaves.is_zero(),
                });
                registry.note(OwnerEvent::Fill {
                    owner: t.taker_owner,
                    order: t.taker_order,
                    side: t.aggressor,
                    price: t.price,
                    qty: t.qty,
                    fee: t.taker_fee.raw(),
                    time_ms,
                    done: t.taker_leaves.is_zero(),
                });
            }
            bourse_engine::Event::OrderCancelled { order, owner, .. }
            | bourse_engine::Event::OrderExpired { order, owner, .. } => {
                registry.note(OwnerEvent::Ended {
                    owner: *owner,
                    order: *order,
                });
            }
            _ => {}
        }
    }
}

fn unknown_strategy_id(id: u64) -> ServiceError {
    ServiceError::new(Code::NotFound, format!("you have no strategy {id}"))
}

/// Checks a strategy's name: as a sub-account's.
fn check_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if length == 0
        || length > STRATEGY_NAME_MAX
        || name.trim() != name
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
    {
        return Err(ServiceError::field(
            "name",
            format!(
                "a name has 1 to {STRATEGY_NAME_MAX} letters, digits, spaces, '-', '_' and '.', and does not start or end with a space"
            ),
        ));
    }
    Ok(())
}

/// The parameters in force for `builtin`, checked, with defaults filled in.
fn resolve(builtin: &str, params: &Params) -> Result<BTreeMap<String, ParamValue>> {
    let builtin = find(builtin).ok_or_else(|| {
        ServiceError::new(
            Code::UnknownStrategy,
            format!("no built-in strategy {builtin:?}"),
        )
    })?;
    let (_, resolved) = builtin
        .build(params)
        .map_err(|e| ServiceError::new(Code::InvalidParameters, e.to_string()))?;
    Ok(resolved
        .values()
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect())
}

fn view_of(row: StrategyRow, owner: OwnerId) -> Result<StrategyView> {
    let corrupt = |what: &str| ServiceError::internal(format!("strategy {}: {what}", row.id));
    Ok(StrategyView {
        id: row.id,
        user_id: row.user_id,
        subaccount_id: row.subaccount_id,
        owner,
        timeframe: Interval::parse(&row.timeframe).ok_or_else(|| corrupt("its timeframe"))?,
        params: serde_json::from_str(&row.params).map_err(|_| corrupt("its parameters"))?,
        status: StrategyStatus::parse(&row.status).ok_or_else(|| corrupt("its status"))?,
        error: row.error,
        created_at_ms: row.created_at,
        updated_at_ms: row.updated_at,
        name: row.name,
        builtin: row.builtin,
        symbol: row.symbol,
        performance: Performance::default(),
    })
}

/// Reward over risk of a signal: how far the target is from the entry over how far
/// the stop is.
pub fn risk_reward(entry: Price, stop: Option<Price>, target: Option<Price>) -> Option<f64> {
    let (stop, target) = (stop?, target?);
    let risk = entry.raw().abs_diff(stop.raw());
    let reward = entry.raw().abs_diff(target.raw());
    (risk > 0).then(|| reward as f64 / risk as f64)
}

impl Service {
    pub(crate) fn strategy_registry(&self) -> &Registry {
        &self.0.strategies
    }

    /// What the front doors hear about strategies and signals.
    pub fn strategy_notices(&self) -> broadcast::Receiver<StrategyNotice> {
        self.0.strategies.notices.subscribe()
    }

    /// At start: the strategies the store holds; answers them, the running and
    /// paused ones to be resumed by the runner.
    pub async fn load_strategies(&self) -> Result<usize> {
        let rows = self.query(self.store().strategies()).await?;
        let mut views = self.0.strategies.views();
        for row in rows {
            let owner = OwnerId(crate::SUBACCOUNT_OWNER_BASE + row.subaccount_id);
            let view = view_of(row, owner)?;
            views.insert(view.id, view);
        }
        Ok(views.len())
    }

    fn strategy_view(&self, actor: &Actor, id: u64) -> Result<StrategyView> {
        self.0
            .strategies
            .views()
            .get(&id)
            .filter(|v| v.user_id == actor.user_id)
            .cloned()
            .ok_or_else(|| unknown_strategy_id(id))
    }

    /// One of the caller's strategies.
    pub fn strategy(&self, actor: &Actor, id: u64) -> Result<StrategyView> {
        actor.require_read()?;
        self.strategy_view(actor, id)
    }

    /// The caller's strategies, oldest first.
    pub fn strategies(&self, actor: &Actor) -> Result<Vec<StrategyView>> {
        actor.require_read()?;
        let mut mine: Vec<StrategyView> = self
            .0
            .strategies
            .views()
            .values()
            .filter(|v| v.user_id == actor.user_id)
            .cloned()
            .collect();
        mine.sort_by_key(|v| v.id);
        Ok(mine)
    }

    /// Makes a strategy (created, not started), recorded before the answer.
    pub async fn create_strategy(
        &self,
        actor: &Actor,
        request: StrategyRequest,
    ) -> Result<StrategyView> {
        actor.require_trade()?;
        check_name(&request.name)?;
        let params = resolve(&request.builtin, &request.params)?;
        let instrument = self.catalog().symbol(&request.symbol)?;
        let held = self
            .0
            .strategies
            .views()
            .values()
            .filter(|v| v.user_id == actor.user_id)
            .count();
        if held >= STRATEGIES_PER_USER_MAX {
            return Err(ServiceError::new(
                Code::TooManyStrategies,
                format!("a user may have at most {STRATEGIES_PER_USER_MAX} strategies"),
            ));
        }
        if self
            .0
            .strategies
            .views()
            .values()
            .any(|v| v.user_id == actor.user_id && v.name == request.name)
        {
            return Err(name_taken());
        }
        let sub: Subaccount = match request.account {
            Some(id) => self
                .subaccount(actor, id)
                .map_err(|e| e.with_detail(crate::Detail::Field("account".into())))?,
            None => {
                self.open_subaccount(actor, &format!("strategy {}", request.name))
                    .await?
            }
        };
        if self
            .0
            .strategies
            .views()
            .values()
            .any(|v| v.subaccount_id == sub.id)
        {
            return Err(ServiceError::new(
                Code::AccountInUse,
                format!("sub-account {} trades for another strategy", sub.id),
            )
            .with_detail(crate::Detail::Field("account".into())));
        }
        let text = serde_json::to_string(&params).map_err(ServiceError::internal)?;
        let row = self
            .query(self.store().insert_strategy(NewStrategy {
                user_id: actor.user_id,
                subaccount_id: sub.id,
                name: &request.name,
                builtin: &request.builtin,
                symbol: instrument.symbol().as_str(),
                timeframe: request.timeframe.as_str(),
                params: &text,
                status: StrategyStatus::Created.as_str(),
                created_at: crate::now_ms(),
            }))
            .await
            .map_err(|e| match e.code {
                crate::ErrorCode::Platform(Code::AccountNameTaken) => name_taken(),
                _ => e,
            })?;
        let view = view_of(row, sub.owner)?;
        self.0.strategies.views().insert(view.id, view.clone());
        tracing::info!(user = actor.user_id, strategy = view.id, builtin = %view.builtin, "strategy created");
        self.notify(&view);
        Ok(view)
    }

    fn notify(&self, view: &StrategyView) {
        let _ = self
            .0
            .strategies
            .notices
            .send(StrategyNotice::Changed(Box::new(view.clone())));
    }

    async fn control(&self, actor: &Actor, id: u64, kind: ControlKind) -> Result<StrategyView> {
        actor.require_trade()?;
        self.strategy_view(actor, id)?;
        let (reply, answer) = oneshot::channel();
        self.0
            .strategies
            .control
            .try_send(Control { id, kind, reply })
            .map_err(|_| ServiceError::overloaded("the strategy runner is busy; retry shortly"))?;
        answer
            .await
            .map_err(|_| ServiceError::overloaded("the strategy runner is not running"))??;
        self.strategy_view(actor, id)
    }

    /// Starts (or resumes a paused) strategy.
    pub async fn start_strategy(&self, actor: &Actor, id: u64) -> Result<StrategyView> {
        self.control(actor, id, ControlKind::Start).await
    }

    /// Pauses a running strategy: it stops acting on bars; its orders stay.
    pub async fn pause_strategy(&self, actor: &Actor, id: u64) -> Result<StrategyView> {
        self.control(actor, id, ControlKind::Pause).await
    }

    /// Stops a strategy and cancels its orders; with `panic`, also sells its positions
    /// at market (the sub-account's panic button).
    pub async fn stop_strategy(&self, actor: &Actor, id: u64, panic: bool) -> Result<StrategyView> {
        self.control(actor, id, ControlKind::Stop { panic }).await
    }

    /// New parameters, checked; a live strategy goes on with them (replayed over the
    /// bars it acted on, so that its indicators are warm).
    pub async fn update_strategy(
        &self,
        actor: &Actor,
        id: u64,
        params: Params,
    ) -> Result<StrategyView> {
        let view = self.strategy_view(actor, id)?;
        resolve(&view.builtin, &params)?;
        self.control(actor, id, ControlKind::Update { params })
            .await
    }

    /// The caller's signals matching the filter, newest first.
    pub async fn signals(
        &self,
        actor: &Actor,
        mut filter: SignalFilter,
        page: Page,
    ) -> Result<(Vec<SignalView>, u64)> {
        actor.require_read()?;
        filter.user_id = actor.user_id;
        if let Some(symbol) = &filter.symbol {
            filter.symbol = Some(self.catalog().symbol(symbol)?.symbol().to_string());
        }
        let (rows, total) = self.query(self.store().signals(&filter, page)).await?;
        let signals = rows
            .into_iter()
            .map(signal_view)
            .collect::<Result<Vec<_>>>()?;
        Ok((signals, total))
    }
}

fn name_taken() -> ServiceError {
    ServiceError::new(
        Code::StrategyNameTaken,
        "you have a strategy of that name already",
    )
    .with_detail(crate::Detail::Field("name".into()))
}

/// The stored part of a signal beyond its columns.
#[derive(Debug, Serialize, Deserialize)]
struct SignalBody {
    confidence: f64,
    entry: String,
    stop_loss: Option<String>,
    take_profit: Option<String>,
    risk_reward: Option<f64>,
    indicators: Vec<(String, f64)>,
}

fn signal_view(row: SignalRow) -> Result<SignalView> {
    let corrupt = || ServiceError::internal(format!("signal {} is not readable", row.id));
    let body: SignalBody = serde_json::from_str(&row.body).map_err(|_| corrupt())?;
    let side = match row.side.as_str() {
        "buy" => SignalSide::Buy,
        "sell" => SignalSide::Sell,
        "hold" => SignalSide::Hold,
        _ => return Err(corrupt()),
    };
    Ok(SignalView {
        id: row.id,
        strategy_id: row.strategy_id,
        symbol: row.symbol,
        timeframe: row.timeframe,
        side,
        strength: Strength::of(body.confidence),
        confidence: body.confidence,
        entry: body.entry,
        stop_loss: body.stop_loss,
        take_profit: body.take_profit,
        risk_reward: body.risk_reward,
        indicators: body.indicators,
        time_ms: row.time_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_reward_is_the_target_distance_over_the_stop_distance() {
        let p = Price::from_raw;
        assert_eq!(risk_reward(p(100), Some(p(90)), Some(p(130))), Some(3.0));
        assert_eq!(risk_reward(p(100), Some(p(110)), Some(p(80))), Some(2.0));
        assert_eq!(risk_reward(p(100), Some(p(100)), Some(p(80))), None);
        assert_eq!(risk_reward(p(100), None, Some(p(80))), None);
    }

    #[test]
    fn statuses_round_trip() {
        for status in StrategyStatus::ALL {
            assert_eq!(StrategyStatus::parse(status.as_str()), Some(status));
        }
        assert!(StrategyStatus::Paused.is_live());
        assert!(!StrategyStatus::Stopped.is_live());
    }
}
