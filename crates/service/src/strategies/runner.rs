//! The strategy runner: one task that owns every running and paused strategy, feeds
//! each the closed candles of its symbol and timeframe and the fills and ends of its
//! sub-account's orders, and carries out what it decides through the same use cases
//! as a user's requests (so the same command path, risk limits and rules).
//!
//! A strategy sees a candle once the venue's clock has passed its end. Its calls run
//! under `catch_unwind`: a strategy whose code panics is stopped as failed, its orders
//! cancelled, and the venue goes on. After each step the runner saves what it needs to
//! resume (portfolio, open orders, the first and last bar acted on); a strategy
//! resumed after a restart is replayed over the recorded bars it acted on (its
//! decisions not acted on again), then goes on from the next, and an order it decides
//! again carries the same client order id, so the venue refuses the duplicate and the
//! runner adopts the order already placed. A fresh start acts from the next bar to
//! close, cold: indicators warm up on live bars, as in a backtest from its first bar.

use super::{
    Control, ControlKind, OwnerEvent, Performance, STRATEGIES_RUNNING_MAX, STRATEGY_DECISIONS_KEPT,
    STRATEGY_EQUITY_POINTS_MAX, STRATEGY_REPLAY_BARS_MAX, SignalBody, StrategyNotice,
    StrategyStatus, StrategyView, risk_reward,
};
use crate::orders::{OrderType as VenueOrderType, PlaceOrder};
use crate::{Actor, Code, Detail, ErrorCode, Result, Scopes, Service, ServiceError};
use bourse_engine::RejectCode;
use bourse_market::Interval;
use bourse_store::{Role, SignalRow};
use bourse_strategy::backtest::{Decision, TIMERS_MAX};
use bourse_strategy::builtins::find;
use bourse_strategy::params::Params;
use bourse_strategy::portfolio::{Fill, Portfolio};
use bourse_strategy::report::{EquityPoint, RunRecord, Statistics, thin};
use bourse_strategy::rounding::to_f64;
use bourse_strategy::signal::Strength;
use bourse_strategy::strategy::{Action, OpenOrder, OrderIntent, OrderType, OrderUpdate};
use bourse_strategy::{Bar, Context, Strategy};
use bourse_telemetry::names;
use bourse_types::{Amount, Instrument, OrderId, Price, Qty};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the runner looks for closed candles.
pub const STRATEGY_STEP: Duration = Duration::from_millis(250);
/// Venue order ids a strategy remembers with its own numbers for them.
const ORDER_IDS_KEPT: usize = 4_096;
/// How deep the answers to a strategy's own actions (a refusal it reacts to) may go
/// in one step.
const REACTION_DEPTH_MAX: usize = 4;

/// One of a strategy's orders the venue holds open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Tracked {
    venue: u64,
    id: u64,
    intent: OrderIntent,
    remaining: Qty,
}

/// What a strategy needs to resume, saved after each step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    portfolio: Portfolio,
    next_id: u64,
    /// The open time of the first and the last bar acted on.
    first_bar_ms: Option<u64>,
    last_bar_ms: Option<u64>,
    open: Vec<Tracked>,
    /// Venue order id to the strategy's number, newest last.
    ids: VecDeque<(u64, u64)>,
    equity: Vec<EquityPoint>,
    bars: u64,
    bars_in_market: u64,
    timers: Vec<u64>,
    orders: u64,
    rejected: u64,
    fills: u64,
    signals: u64,
    dropped: u64,
    first_close: Option<Price>,
    last_close: Option<Price>,
}

impl Saved {
    fn new(cash: Amount) -> Saved {
        Saved {
            portfolio: Portfolio::new(cash),
            next_id: 1,
            first_bar_ms: None,
            last_bar_ms: None,
            open: Vec::new(),
            ids: VecDeque::new(),
            equity: Vec::new(),
            bars: 0,
            bars_in_market: 0,
            timers: Vec::new(),
            orders: 0,
            rejected: 0,
            fills: 0,
            signals: 0,
            dropped: 0,
            first_close: None,
            last_close: None,
        }
    }

    fn strategy_number(&self, venue: u64) -> Option<u64> {
        self.ids
            .iter()
            .rev()
            .find(|(v, _)| *v == venue)
            .map(|(_, id)| *id)
    }

    fn remember(&mut self, venue: u64, id: u64) {
        if self.ids.len() >= ORDER_IDS_KEPT {
            self.ids.pop_front();
        }
        self.ids.push_back((venue, id));
    }
}

/// A strategy the runner holds.
struct Live {
    id: u64,
    user_id: u64,
    actor: Actor,
    instrument: Instrument,
    interval: Interval,
    strategy: Box<dyn Strategy>,
    saved: Saved,
    paused: bool,
    dirty: bool,
    decisions: VecDeque<Decision>,
}

/// A call into a strategy.
enum Call<'a> {
    Bar(&'a Bar),
    Fill(&'a Fill),
    Update(&'a OrderUpdate),
    Timer,
}

/// The text of a panic's payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

impl Live {
    /// Calls the strategy; answers its actions, or why its code failed.
    fn call(&mut self, now_ms: u64, call: Call<'_>) -> std::result::Result<Vec<Action>, String> {
        let open: Vec<OpenOrder> = self
            .saved
            .open
            .iter()
            .map(|t| OpenOrder {
                id: t.id,
                intent: t.intent,
                remaining: t.remaining,
            })
            .collect();
        let mut actions = Vec::new();
        let saved = &mut self.saved;
        let strategy = &mut self.strategy;
        let instrument = &self.instrument;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut cx = Context::new(
                now_ms,
                instrument,
                &saved.portfolio,
                &open,
                saved.last_close,
                &mut saved.next_id,
                &mut actions,
                &mut saved.dropped,
            );
            match call {
                Call::Bar(bar) => strategy.on_bar(bar, &mut cx),
                Call::Fill(fill) => strategy.on_fill(fill, &mut cx),
                Call::Update(update) => strategy.on_order(update, &mut cx),
                Call::Timer => strategy.on_timer(&mut cx),
            }
        }));
        match outcome {
            Ok(()) => Ok(actions),
            Err(payload) => Err(format!(
                "the strategy's code panicked: {}",
                panic_text(payload.as_ref())
            )),
        }
    }

    fn performance(&self) -> Performance {
        let saved = &self.saved;
        let equity = match saved.last_close {
            Some(close) => saved.portfolio.equity(&self.instrument, close),
            None => saved.portfolio.cash(),
        };
        let scale = self.instrument.price_scale();
        let statistics = (saved.equity.len() >= 2).then(|| {
            Statistics::of(&RunRecord {
                equity: &saved.equity,
                trades: saved.portfolio.trades(),
                bars_in_market: saved.bars_in_market,
                bars: saved.bars,
                bar_ms: self.interval.millis(),
                first_close: saved.first_close.map_or(0.0, |p| to_f64(p.raw(), scale)),
                last_close: saved.last_close.map_or(0.0, |p| to_f64(p.raw(), scale)),
            })
        });
        Performance {
            bars: saved.bars,
            last_bar_ms: saved.last_bar_ms,
            orders: saved.orders,
            rejected: saved.rejected,
            fills: saved.fills,
            signals: saved.signals,
            position: saved.portfolio.position(),
            cash: saved.portfolio.cash(),
            equity,
            statistics,
            equity_curve: saved.equity.clone(),
        }
    }

    /// Keeps a decision with the index of its bar, numbered as a backtest numbers
    /// them: a bar's (or a timer's) call by the bar that closed, a fill's or an order
    /// update's by the bar forming when it came.
    fn record(&mut self, now_ms: u64, bar: u64, action: &Action) {
        if self.decisions.len() >= STRATEGY_DECISIONS_KEPT {
            self.decisions.pop_front();
        }
        self.decisions.push_back(Decision {
            time_ms: now_ms,
            bar,
            action: action.clone(),
        });
    }
}

/// How far above the last close a strategy's market buy may pay, in basis points.
pub const STRATEGY_BUY_PROTECTION_BPS: u64 = 200;

/// The highest price a strategy's market buy pays: [`STRATEGY_BUY_PROTECTION_BPS`]
/// above the last close, down to the tick.
fn buy_cap(instrument: &Instrument, last_close: Price) -> Price {
    let tick = instrument.spec().tick_size.raw().max(1);
    let cap =
        u128::from(last_close.raw()) * u128::from(10_000 + STRATEGY_BUY_PROTECTION_BPS) / 10_000;
    let cap = u64::try_from(cap).unwrap_or(u64::MAX);
    Price::from_raw(cap / tick * tick)
}

/// The venue's order for an intent, with the strategy's client order id. A market buy
/// is sent as an immediate-or-cancel limit at [`buy_cap`] of the last close: it trades
/// as a market order would unless the price ran away, and it holds that cap (plus the
/// fee) instead of the top of the price band, so that a strategy can spend what its
/// backtest spends.
fn place_request(
    instrument: &Instrument,
    strategy: u64,
    id: u64,
    intent: &OrderIntent,
    last_close: Option<Price>,
) -> PlaceOrder {
    let mut time_in_force = None;
    let (order_type, price, trigger) = match (intent.order_type, intent.side, last_close) {
        (OrderType::Market, bourse_types::Side::Buy, Some(close)) => {
            time_in_force = Some(bourse_types::TimeInForce::Ioc);
            (
                VenueOrderType::Limit,
                Some(buy_cap(instrument, close)),
                None,
            )
        }
        (OrderType::Market, _, _) => (VenueOrderType::Market, None, None),
        (OrderType::Limit { price }, _, _) => (VenueOrderType::Limit, Some(price), None),
        (OrderType::Stop { trigger }, _, _) => (VenueOrderType::StopMarket, None, Some(trigger)),
    };
    PlaceOrder {
        symbol: instrument.symbol().to_string(),
        side: intent.side,
        order_type,
        price: price.map(|p| instrument.format_price(p)),
        quantity: Some(instrument.format_qty(intent.qty)),
        quote_amount: None,
        time_in_force,
        post_only: false,
        client_order_id: Some(client_order_id(strategy, id)),
        stp: None,
        expire_at_ms: None,
        trigger_price: trigger.map(|p| instrument.format_price(p)),
        trailing_offset: None,
        trailing_bps: None,
        reduce_only: false,
        stop_loss: intent.stop_loss.map(|p| instrument.format_price(p)),
        take_profit: intent.take_profit.map(|p| instrument.format_price(p)),
    }
}

/// A strategy's client order id for its order `id`: `st<strategy>-<id>`.
pub fn client_order_id(strategy: u64, id: u64) -> String {
    format!("st{strategy}-{id}")
}

struct Runner {
    service: Service,
    live: BTreeMap<u64, Live>,
}

impl Service {
    /// Starts the strategy runner (once), which first resumes the strategies that
    /// were running or paused.
    pub fn spawn_strategy_runner(&self) -> Option<tokio::task::JoinHandle<()>> {
        let (events, control) = self
            .strategy_registry()
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        let runner = Runner {
            service: self.clone(),
            live: BTreeMap::new(),
        };
        Some(tokio::spawn(runner.run(events, control)))
    }

    /// The newest decisions of one of the caller's strategies (at most
    /// [`STRATEGY_DECISIONS_KEPT`]), oldest first; empty unless it is live.
    pub fn strategy_decisions(&self, actor: &Actor, id: u64) -> Result<Vec<Decision>> {
        self.strategy(actor, id)?;
        Ok(self
            .strategy_registry()
            .decisions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
            .unwrap_or_default())
    }
}

impl Runner {
    async fn run(
        mut self,
        mut events: mpsc::Receiver<OwnerEvent>,
        mut control: mpsc::Receiver<Control>,
    ) {
        let resume: Vec<(u64, StrategyStatus)> = self
            .registry_views()
            .into_iter()
            .filter(|v| v.status.is_live())
            .map(|v| (v.id, v.status))
            .collect();
        for (id, status) in resume {
            match self.begin(id, true).await {
                Ok(()) => {
                    if status == StrategyStatus::Paused
                        && let Some(live) = self.live.get_mut(&id)
                    {
                        live.paused = true;
                    }
                    tracing::info!(strategy = id, "strategy resumed");
                }
                Err(e) => self.fail(id, &e.message).await,
            }
        }
        let mut tick = tokio::time::interval(STRATEGY_STEP);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                request = control.recv() => match request {
                    Some(request) => {
                        let answer = self.control(request.id, request.kind).await;
                        let _ = request.reply.send(answer);
                    }
                    None => return,
                },
                event = events.recv() => match event {
                    Some(event) => self.event(event).await,
                    None => return,
                },
                _ = tick.tick() => self.step(&mut events).await,
            }
            self.save().await;
        }
    }

    fn registry_views(&self) -> Vec<StrategyView> {
        self.service
            .strategy_registry()
            .views()
            .values()
            .cloned()
            .collect()
    }

    fn view(&self, id: u64) -> Result<StrategyView> {
        self.service
            .strategy_registry()
            .views()
            .get(&id)
            .cloned()
            .ok_or_else(|| ServiceError::new(Code::NotFound, format!("no strategy {id}")))
    }

    async fn control(&mut self, id: u64, kind: ControlKind) -> Result<()> {
        let view = self.view(id)?;
        match kind {
            ControlKind::Start => {
                if let Some(live) = self.live.get_mut(&id) {
                    live.paused = false;
                } else {
                    if self.live.len() >= STRATEGIES_RUNNING_MAX {
                        return Err(ServiceError::overloaded(format!(
                            "{STRATEGIES_RUNNING_MAX} strategies run on this venue; stop one first"
                        )));
                    }
                    self.begin(id, false).await?;
                }
                self.set_status(id, StrategyStatus::Running, None, None)
                    .await?;
            }
            ControlKind::Pause => {
                let Some(live) = self.live.get_mut(&id) else {
                    return Err(not_live(&view));
                };
                live.paused = true;
                self.set_status(id, StrategyStatus::Paused, None, None)
                    .await?;
            }
            ControlKind::Stop { panic } => {
                self.end(id, panic).await?;
                self.set_status(id, StrategyStatus::Stopped, None, None)
                    .await?;
            }
            ControlKind::Update { params } => {
                let text = serde_json::to_string(&super::resolve(&view.builtin, &params)?)
                    .map_err(ServiceError::internal)?;
                if let Some(live) = self.live.get_mut(&id) {
                    let builtin = find(&view.builtin)
                        .ok_or_else(|| ServiceError::internal("the built-in is gone"))?;
                    let (strategy, _) = builtin
                        .build(&params)
                        .map_err(|e| ServiceError::new(Code::InvalidParameters, e.to_string()))?;
                    live.strategy = strategy;
                    let bars = self.acted_bars(id).await?;
                    if let Some(live) = self.live.get_mut(&id) {
                        replay(live, &bars);
                    }
                }
                self.set_status(id, view.status, view.error.as_deref(), Some(&text))
                    .await?;
            }
        }
        Ok(())
    }

    /// Takes a strategy into the runner: fresh (cash from its sub-account, acting from
    /// the next bar to close) or, with `resume`, from what it saved.
    async fn begin(&mut self, id: u64, resume: bool) -> Result<()> {
        let view = self.view(id)?;
        let builtin = find(&view.builtin).ok_or_else(|| {
            ServiceError::new(
                Code::UnknownStrategy,
                format!("no built-in {:?}", view.builtin),
            )
        })?;
        let params: Params = view.params.clone();
        let (strategy, _) = builtin
            .build(&params)
            .map_err(|e| ServiceError::new(Code::InvalidParameters, e.to_string()))?;
        let instrument = self.service.catalog().symbol(&view.symbol)?;
        let saved = match resume {
            true => {
                let rows = self
                    .service
                    .query(self.service.store().strategies())
                    .await?;
                rows.into_iter()
                    .find(|r| r.id == id)
                    .and_then(|r| r.state)
                    .and_then(|text| serde_json::from_str::<Saved>(&text).ok())
            }
            false => None,
        };
        // A strategy with nothing saved (it never finished a step) starts fresh.
        let resume = saved.is_some();
        let saved = match saved {
            Some(saved) => saved,
            None => {
                let cash = self
                    .service
                    .live()
                    .balances(view.owner)
                    .iter()
                    .find(|(asset, _)| *asset == instrument.quote())
                    .map_or(Amount::ZERO, |(_, b)| b.available);
                if cash.raw() > i64::MAX as u64 {
                    return Err(ServiceError::validation(
                        "the sub-account's cash is too large",
                    ));
                }
                Saved::new(cash)
            }
        };
        let actor = Actor {
            owner: view.owner,
            ..Actor::new(view.user_id, Role::Trader, Scopes::ALL, false)
        };
        self.service.ensure_account(view.owner.0).await?;
        let live = Live {
            id,
            user_id: view.user_id,
            actor,
            instrument,
            interval: view.timeframe,
            strategy,
            saved,
            paused: false,
            dirty: true,
            decisions: VecDeque::new(),
        };
        self.live.insert(id, live);
        if resume {
            let bars = self.acted_bars(id).await?;
            if let Some(live) = self.live.get_mut(&id) {
                replay(live, &bars);
            }
        } else if let Some(last) = self.closed_bars(id, STEP_BARS).last()
            && let Some(live) = self.live.get_mut(&id)
        {
            // A fresh start acts from the next bar to close; its curve starts with its
            // cash at the close of the last one.
            live.saved.last_bar_ms = Some(last.open_time);
            live.saved.first_bar_ms = None;
            live.saved.equity = vec![EquityPoint {
                time_ms: last.open_time + live.interval.millis(),
                equity: live.saved.portfolio.cash(),
            }];
        }
        self.service
            .strategy_registry()
            .owners
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(view.owner.0, id);
        self.gauge();
        Ok(())
    }

    /// Takes a strategy out: its orders cancelled, with `panic` its position sold.
    async fn end(&mut self, id: u64, panic: bool) -> Result<()> {
        let view = self.view(id)?;
        let actor = Actor {
            owner: view.owner,
            ..Actor::new(view.user_id, Role::Trader, Scopes::ALL, false)
        };
        if panic {
            self.service.panic(&actor, true).await?;
        } else if self.live.contains_key(&id) {
            self.service.cancel_all(&actor, None).await?;
        }
        if let Some(mut live) = self.live.remove(&id) {
            live.dirty = true;
            self.persist(&mut live).await;
        }
        self.service
            .strategy_registry()
            .owners
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&view.owner.0);
        self.service
            .strategy_registry()
            .decisions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        self.gauge();
        Ok(())
    }

    /// Stops a strategy the venue can no longer run, and says why.
    async fn fail(&mut self, id: u64, why: &str) {
        tracing::error!(strategy = id, why, "strategy failed");
        self.service
            .telemetry()
            .counter(&names::STRATEGY_FAILURES)
            .get(&[])
            .inc();
        if let Err(e) = self.end(id, false).await {
            tracing::warn!(strategy = id, error = %e.message, "a failed strategy's orders could not be cancelled");
        }
        if let Err(e) = self
            .set_status(id, StrategyStatus::Failed, Some(why), None)
            .await
        {
            tracing::error!(strategy = id, error = %e.message, "a strategy's failure could not be recorded");
        }
    }

    async fn set_status(
        &mut self,
        id: u64,
        status: StrategyStatus,
        error: Option<&str>,
        params: Option<&str>,
    ) -> Result<()> {
        let mut view = self.view(id)?;
        let params = match params {
            Some(text) => text.to_string(),
            None => serde_json::to_string(&view.params).map_err(ServiceError::internal)?,
        };
        let now = crate::now_ms();
        self.service
            .query(
                self.service
                    .store()
                    .update_strategy(id, status.as_str(), error, &params, now),
            )
            .await?;
        view.status = status;
        view.error = error.map(str::to_string);
        view.params = serde_json::from_str(&params).map_err(ServiceError::internal)?;
        view.updated_at_ms = now;
        if let Some(live) = self.live.get(&id) {
            view.performance = live.performance();
        }
        self.service
            .strategy_registry()
            .views()
            .insert(id, view.clone());
        self.service.notify(&view);
        Ok(())
    }

    fn gauge(&self) {
        self.service
            .telemetry()
            .gauge(&names::STRATEGIES_RUNNING)
            .get(&[])
            .set(self.live.len() as i64);
    }

    /// The recorded bars a strategy has acted on, from its first to its last (at most
    /// [`STRATEGY_REPLAY_BARS_MAX`], the newest).
    async fn acted_bars(&mut self, id: u64) -> Result<Vec<Bar>> {
        let Some(live) = self.live.get(&id) else {
            return Ok(Vec::new());
        };
        let (Some(first), Some(last)) = (live.saved.first_bar_ms, live.saved.last_bar_ms) else {
            return Ok(Vec::new());
        };
        let span = live
            .interval
            .millis()
            .saturating_mul(STRATEGY_REPLAY_BARS_MAX as u64);
        let from = first.max(last.saturating_sub(span));
        let candles = self
            .service
            .query(self.service.store().candles_between(
                live.instrument.id().0,
                live.interval,
                from,
                last + 1,
                STRATEGY_REPLAY_BARS_MAX as u32,
            ))
            .await?;
        Ok(candles.iter().map(crate::backtests::bar).collect())
    }

    /// The closed candles of a strategy's symbol and timeframe, newest `limit`,
    /// oldest first.
    fn closed_bars(&self, id: u64, limit: usize) -> Vec<Bar> {
        let Some(live) = self.live.get(&id) else {
            return Vec::new();
        };
        let market = self.service.market();
        let now_ms = market.now().millis();
        let length = live.interval.millis();
        market
            .candles(live.instrument.id(), live.interval, limit, None)
            .iter()
            .filter(|c| c.open_time + length <= now_ms)
            .map(crate::backtests::bar)
            .collect()
    }

    /// Hands over every fill and order end already queued, so that a strategy knows
    /// what its orders did before it sees the next bar.
    async fn drain(&mut self, events: &mut mpsc::Receiver<OwnerEvent>) {
        while let Ok(event) = events.try_recv() {
            self.event(event).await;
        }
    }

    /// One round: strategies that lost events fail; each running one acts on the
    /// bars that closed since its last, each bar after what its orders did.
    async fn step(&mut self, events: &mut mpsc::Receiver<OwnerEvent>) {
        self.drain(events).await;
        let lost: Vec<u64> = self
            .service
            .strategy_registry()
            .lost
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        for id in lost {
            if self.live.contains_key(&id) {
                self.fail(
                    id,
                    "it lost track of its orders: the venue's queue of strategy events was full",
                )
                .await;
            }
        }
        let ids: Vec<u64> = self.live.keys().copied().collect();
        for id in ids {
            let bars = self.closed_bars(id, STEP_BARS);
            let Some(live) = self.live.get_mut(&id) else {
                continue;
            };
            if live.paused {
                continue;
            }
            let fresh: Vec<Bar> = bars
                .into_iter()
                .filter(|b| live.saved.last_bar_ms.is_none_or(|last| b.open_time > last))
                .collect();
            for bar in fresh {
                if let Err(why) = self.on_bar(id, &bar).await {
                    self.fail(id, &why).await;
                    break;
                }
                self.drain(events).await;
            }
        }
    }

    async fn on_bar(&mut self, id: u64, bar: &Bar) -> std::result::Result<(), String> {
        let Some(live) = self.live.get_mut(&id) else {
            return Ok(());
        };
        let close_ms = bar.open_time + live.interval.millis();
        let saved = &mut live.saved;
        saved.last_bar_ms = Some(bar.open_time);
        saved.first_bar_ms.get_or_insert(bar.open_time);
        saved.last_close = Some(bar.close);
        saved.first_close.get_or_insert(bar.close);
        saved.bars += 1;
        if !saved.portfolio.position().is_zero() {
            saved.bars_in_market += 1;
        }
        if saved.equity.len() >= STRATEGY_EQUITY_POINTS_MAX {
            saved.equity = thin(&saved.equity, STRATEGY_EQUITY_POINTS_MAX / 2);
        }
        let equity = saved.portfolio.equity(&live.instrument, bar.close);
        saved.equity.push(EquityPoint {
            time_ms: close_ms,
            equity,
        });
        live.dirty = true;
        let index = live.saved.bars - 1;
        let actions = live.call(close_ms, Call::Bar(bar))?;
        self.act(id, close_ms, index, actions).await?;
        let due = self
            .live
            .get(&id)
            .is_some_and(|l| l.saved.timers.iter().any(|&at| at <= close_ms));
        if due && let Some(live) = self.live.get_mut(&id) {
            live.saved.timers.retain(|&at| at > close_ms);
            let index = live.saved.bars - 1;
            let actions = live.call(close_ms, Call::Timer)?;
            self.act(id, close_ms, index, actions).await?;
        }
        Ok(())
    }

    /// A fill or an order end of a strategy's sub-account.
    async fn event(&mut self, event: OwnerEvent) {
        let owner = match event {
            OwnerEvent::Fill { owner, .. } | OwnerEvent::Ended { owner, .. } => owner,
        };
        let id = self
            .service
            .strategy_registry()
            .owners
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&owner.0)
            .copied();
        let Some(id) = id else { return };
        let Some(live) = self.live.get_mut(&id) else {
            return;
        };
        live.dirty = true;
        let outcome = match event {
            OwnerEvent::Fill {
                order,
                side,
                price,
                qty,
                fee,
                time_ms,
                done,
                ..
            } => {
                let number = live.saved.strategy_number(order.0).unwrap_or(0);
                let fill = Fill {
                    order: number,
                    side,
                    price,
                    qty,
                    fee: Amount::from_raw(fee),
                    time_ms,
                };
                if let Err(e) = live.saved.portfolio.book(&live.instrument, &fill) {
                    tracing::warn!(strategy = id, error = %e, "a fill could not be booked in the strategy's portfolio");
                }
                live.saved.fills += 1;
                if let Some(open) = live.saved.open.iter_mut().find(|t| t.venue == order.0) {
                    open.remaining = Qty::from_raw(open.remaining.raw().saturating_sub(qty.raw()));
                }
                if done {
                    live.saved.open.retain(|t| t.venue != order.0);
                }
                let forming = live.saved.bars;
                match live.call(time_ms, Call::Fill(&fill)) {
                    Ok(actions) => self.act(id, time_ms, forming, actions).await,
                    Err(why) => Err(why),
                }
            }
            OwnerEvent::Ended { order, .. } => {
                let was_open = live.saved.open.iter().any(|t| t.venue == order.0);
                live.saved.open.retain(|t| t.venue != order.0);
                match live.saved.strategy_number(order.0) {
                    Some(number) if was_open => {
                        let now_ms = self.service.market().now().millis();
                        let update = OrderUpdate::Cancelled { order: number };
                        let forming = live.saved.bars;
                        match live.call(now_ms, Call::Update(&update)) {
                            Ok(actions) => self.act(id, now_ms, forming, actions).await,
                            Err(why) => Err(why),
                        }
                    }
                    _ => Ok(()),
                }
            }
        };
        if let Err(why) = outcome {
            self.fail(id, &why).await;
        }
    }

    /// Carries out a strategy's actions, and what it decides about their outcome.
    async fn act(
        &mut self,
        id: u64,
        now_ms: u64,
        bar: u64,
        actions: Vec<Action>,
    ) -> std::result::Result<(), String> {
        let mut work = vec![(actions, 0usize)];
        while let Some((actions, depth)) = work.pop() {
            for action in actions {
                let Some(live) = self.live.get_mut(&id) else {
                    return Ok(());
                };
                live.record(now_ms, bar, &action);
                let reaction = match action {
                    Action::Place { id: number, intent } => self.place(id, number, intent).await,
                    Action::Cancel { id: number } => {
                        let venue = live
                            .saved
                            .open
                            .iter()
                            .find(|t| t.id == number)
                            .map(|t| t.venue);
                        if let Some(venue) = venue {
                            let actor = live.actor;
                            // An order that ended meanwhile needs no cancel.
                            let _ = self.service.cancel_order(&actor, OrderId(venue)).await;
                        }
                        None
                    }
                    Action::CancelAll => {
                        let actor = live.actor;
                        let symbol = live.instrument.symbol().to_string();
                        if let Err(e) = self.service.cancel_all(&actor, Some(&symbol)).await {
                            tracing::warn!(strategy = id, error = %e.message, "a strategy's cancel-all was refused");
                        }
                        None
                    }
                    Action::Signal(signal) => {
                        self.signal(id, now_ms, signal).await;
                        None
                    }
                    Action::Timer { at_ms } => {
                        if live.saved.timers.len() < TIMERS_MAX {
                            live.saved.timers.push(at_ms);
                        } else {
                            live.saved.dropped += 1;
                        }
                        None
                    }
                };
                if let Some(update) = reaction
                    && depth < REACTION_DEPTH_MAX
                    && let Some(live) = self.live.get_mut(&id)
                {
                    let more = live.call(now_ms, Call::Update(&update))?;
                    work.push((more, depth + 1));
                }
            }
        }
        Ok(())
    }

    /// Places a strategy's order; answers the update it hears when it is refused.
    async fn place(&mut self, id: u64, number: u64, intent: OrderIntent) -> Option<OrderUpdate> {
        let live = self.live.get_mut(&id)?;
        let request = place_request(&live.instrument, id, number, &intent, live.saved.last_close);
        let actor = live.actor;
        let placed = self.service.place_order(&actor, &request).await;
        let telemetry = self.service.telemetry().clone();
        let live = self.live.get_mut(&id)?;
        let order = match placed {
            Ok(placed) => placed.order,
            Err(error) => match (error.code, &error.detail) {
                // Placed before a restart: the venue holds it already.
                (
                    ErrorCode::Rejected(RejectCode::DuplicateClientOrderId),
                    Some(Detail::ExistingOrder(existing)),
                ) => match self.service.order(&actor, *existing).await {
                    Ok(order) => order,
                    Err(_) => return None,
                },
                _ => {
                    live.saved.rejected += 1;
                    telemetry
                        .counter(&names::STRATEGY_ORDERS)
                        .get(&["rejected"])
                        .inc();
                    return Some(OrderUpdate::Rejected {
                        order: number,
                        reason: error.message,
                    });
                }
            },
        };
        // Its fills on arrival reach the runner's queue once the views include the
        // order's command.
        let _ = self.service.wait_dispatched(order.seq).await;
        let live = self.live.get_mut(&id)?;
        live.saved.orders += 1;
        telemetry
            .counter(&names::STRATEGY_ORDERS)
            .get(&["accepted"])
            .inc();
        if live.saved.strategy_number(order.id.0).is_none() {
            live.saved.remember(order.id.0, number);
        }
        // What filled on arrival comes as fills from the released events, which book
        // it and reduce what is left; the order is tracked while the venue holds it.
        if order.is_open() && !live.saved.open.iter().any(|t| t.venue == order.id.0) {
            live.saved.open.push(Tracked {
                venue: order.id.0,
                id: number,
                intent,
                remaining: order.leaves,
            });
        }
        None
    }

    /// Stores a strategy's signal, then publishes it.
    async fn signal(&mut self, id: u64, now_ms: u64, signal: bourse_strategy::signal::Signal) {
        let Some(live) = self.live.get_mut(&id) else {
            return;
        };
        live.saved.signals += 1;
        let instrument = live.instrument;
        let body = SignalBody {
            confidence: signal.confidence,
            entry: instrument.format_price(signal.entry),
            stop_loss: signal.stop_loss.map(|p| instrument.format_price(p)),
            take_profit: signal.take_profit.map(|p| instrument.format_price(p)),
            risk_reward: risk_reward(signal.entry, signal.stop_loss, signal.take_profit),
            indicators: signal.indicators.clone(),
        };
        let Ok(text) = serde_json::to_string(&body) else {
            return;
        };
        let mut row = SignalRow {
            id: 0,
            strategy_id: id,
            user_id: live.user_id,
            symbol: instrument.symbol().to_string(),
            timeframe: live.interval.as_str().to_string(),
            side: signal.side.as_str().to_string(),
            strength: Strength::of(signal.confidence).as_str().to_string(),
            time_ms: now_ms,
            body: text,
        };
        let user_id = live.user_id;
        match self
            .service
            .query(self.service.store().insert_signal(&row))
            .await
        {
            Ok(signal_id) => row.id = signal_id,
            Err(e) => {
                tracing::warn!(strategy = id, error = %e.message, "a signal could not be stored");
                return;
            }
        }
        self.service
            .telemetry()
            .counter(&names::SIGNALS)
            .get(&[signal.side.as_str()])
            .inc();
        if let Ok(view) = super::signal_view(row) {
            let _ = self
                .service
                .strategy_registry()
                .notices
                .send(StrategyNotice::Signal {
                    user_id,
                    signal: Box::new(view),
                });
        }
    }

    /// Saves the strategies that changed, and tells the front doors.
    async fn save(&mut self) {
        let ids: Vec<u64> = self
            .live
            .iter()
            .filter(|(_, l)| l.dirty)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(mut live) = self.live.remove(&id) else {
                continue;
            };
            self.persist(&mut live).await;
            self.live.insert(id, live);
        }
    }

    async fn persist(&mut self, live: &mut Live) {
        if !live.dirty {
            return;
        }
        live.dirty = false;
        let Ok(text) = serde_json::to_string(&live.saved) else {
            return;
        };
        if let Err(e) = self
            .service
            .query(
                self.service
                    .store()
                    .save_strategy_state(live.id, &text, crate::now_ms()),
            )
            .await
        {
            // Kept dirty: the next round saves it again.
            live.dirty = true;
            tracing::warn!(strategy = live.id, error = %e.message, "a strategy's state could not be saved");
            return;
        }
        self.service
            .strategy_registry()
            .decisions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(live.id, live.decisions.iter().cloned().collect());
        let view = {
            let mut views = self.service.strategy_registry().views();
            let Some(view) = views.get_mut(&live.id) else {
                return;
            };
            view.performance = live.performance();
            view.clone()
        };
        self.service.notify(&view);
    }
}

/// How many of the newest candles a step looks at for closed bars.
const STEP_BARS: usize = 64;

fn not_live(view: &StrategyView) -> ServiceError {
    ServiceError::new(
        Code::StrategyNotRunning,
        format!("the strategy is {}, not running", view.status.as_str()),
    )
}

/// Replays the bars a resumed (or re-parametrised) strategy has acted on, so that its
/// indicators and its own state are as they were; its decisions on them are not acted
/// on again and its order numbers do not move.
fn replay(live: &mut Live, bars: &[Bar]) {
    let mut next_id = live.saved.next_id;
    let mut dropped = 0;
    for bar in bars {
        let mut actions = Vec::new();
        let strategy = &mut live.strategy;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut cx = Context::new(
                bar.open_time + live.interval.millis(),
                &live.instrument,
                &live.saved.portfolio,
                &[],
                Some(bar.close),
                &mut next_id,
                &mut actions,
                &mut dropped,
            );
            strategy.on_bar(bar, &mut cx);
        }));
        if outcome.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A strategy whose code has a bug.
    struct Faulty;

    impl Strategy for Faulty {
        fn on_bar(&mut self, _bar: &Bar, _cx: &mut Context<'_>) {
            let levels: Vec<u64> = Vec::new();
            let _ = levels[usize::from(u8::MAX)];
        }
    }

    fn live(strategy: Box<dyn Strategy>) -> Live {
        Live {
            id: 1,
            user_id: 7,
            actor: Actor::new(7, Role::Trader, Scopes::ALL, false),
            instrument: bourse_bench::demo_btc_usd(),
            interval: Interval::M1,
            strategy,
            saved: Saved::new(Amount::from_raw(1_000_000_000)),
            paused: false,
            dirty: false,
            decisions: VecDeque::new(),
        }
    }

    fn bar() -> Bar {
        Bar {
            open_time: 60_000,
            open: Price::from_raw(6_500_000),
            high: Price::from_raw(6_510_000),
            low: Price::from_raw(6_490_000),
            close: Price::from_raw(6_505_000),
            volume: Qty::from_raw(100_000_000),
        }
    }

    #[test]
    fn a_strategy_whose_code_panics_is_reported_not_propagated() {
        let mut live = live(Box::new(Faulty));
        let why = live.call(120_000, Call::Bar(&bar())).unwrap_err();
        assert!(why.starts_with("the strategy's code panicked: "), "{why}");
        assert!(why.contains("index out of bounds"), "{why}");
        // Replaying stops at the fault instead of taking the runner down.
        replay(&mut live, &[bar(), bar()]);
    }

    #[test]
    fn intents_become_venue_orders_with_the_strategys_client_order_ids() {
        let instrument = bourse_bench::demo_btc_usd();
        let stop = OrderIntent::stop(
            bourse_types::Side::Sell,
            Price::from_raw(6_400_000),
            Qty::from_raw(1_000_000),
        );
        let request = place_request(&instrument, 4, 17, &stop, None);
        assert_eq!(request.client_order_id.as_deref(), Some("st4-17"));
        assert_eq!(request.order_type, VenueOrderType::StopMarket);
        assert_eq!(request.trigger_price.as_deref(), Some("64000.00"));
        assert_eq!(request.quantity.as_deref(), Some("0.01000000"));
        assert_eq!(request.price, None);
        let entry = OrderIntent::limit(
            bourse_types::Side::Buy,
            Price::from_raw(6_500_000),
            Qty::from_raw(1_000_000),
        )
        .with_bracket(
            Some(Price::from_raw(6_300_000)),
            Some(Price::from_raw(6_800_000)),
        );
        let request = place_request(&instrument, 4, 18, &entry, None);
        assert_eq!(request.order_type, VenueOrderType::Limit);
        assert_eq!(
            (
                request.price.as_deref(),
                request.stop_loss.as_deref(),
                request.take_profit.as_deref()
            ),
            (Some("65000.00"), Some("63000.00"), Some("68000.00"))
        );
    }

    #[test]
    fn a_market_buy_goes_as_an_immediate_limit_capped_above_the_last_close() {
        let instrument = bourse_bench::demo_btc_usd();
        let buy = OrderIntent::market(bourse_types::Side::Buy, Qty::from_raw(1_000_000));
        let request = place_request(&instrument, 4, 19, &buy, Some(Price::from_raw(6_500_099)));
        assert_eq!(request.order_type, VenueOrderType::Limit);
        assert_eq!(request.time_in_force, Some(bourse_types::TimeInForce::Ioc));
        // 65000.99 plus 2%: 66301.0098, down to the tick.
        assert_eq!(request.price.as_deref(), Some("66301.00"));
        let sell = OrderIntent::market(bourse_types::Side::Sell, Qty::from_raw(1_000_000));
        let request = place_request(&instrument, 4, 20, &sell, Some(Price::from_raw(6_500_099)));
        assert_eq!(
            (request.order_type, request.price),
            (VenueOrderType::Market, None)
        );
    }

    #[test]
    fn saved_state_remembers_a_bounded_number_of_order_ids() {
        let mut saved = Saved::new(Amount::ZERO);
        for venue in 0..(ORDER_IDS_KEPT as u64 + 10) {
            saved.remember(venue, venue + 1_000);
        }
        assert_eq!(saved.ids.len(), ORDER_IDS_KEPT);
        assert_eq!(saved.strategy_number(9), None, "the oldest are forgotten");
        assert_eq!(
            saved.strategy_number(ORDER_IDS_KEPT as u64 + 9),
            Some(ORDER_IDS_KEPT as u64 + 1_009)
        );
        let text = serde_json::to_string(&saved).unwrap();
        assert_eq!(serde_json::from_str::<Saved>(&text).unwrap(), saved);
    }
}
