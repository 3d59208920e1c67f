//! Bourse's use cases: what a request means, once, for every front door.
//!
//! REST, the WebSocket, bots and (later) the exchange-compatible dialect, gRPC and
//! strategies are adapters: they authenticate, parse their own wire format, call a use
//! case here with typed input and an [`Actor`], and render its typed result or
//! [`ServiceError`] back. Here a request is checked against the caller's rights, turned
//! into an engine command, submitted, waited on until durable, and its released events
//! turned into a result. A rule added here holds for every door at once.
//!
//! It owns the in-memory views every door reads: the catalog of assets and
//! instruments, the market data, and the live view of open orders and balances, all
//! kept from released events ([`Service::apply_released`]). It knows no HTTP and no
//! wire format (it keeps backtests in the store as JSON text, a storage format).

mod account;
mod actor;
mod backtests;
mod catalog;
mod error;
mod listing;
mod live;
mod orders;
mod risk;
mod stats;
mod strategies;
mod subaccounts;

pub use account::{FaucetConfig, FaucetDeposit};
pub use actor::{Actor, Scopes};
pub use backtests::{
    BACKTEST_BARS_MAX, BACKTEST_CASH_DEFAULT, BACKTEST_NOTICE_INTERVAL, BACKTESTS_PER_USER_MAX,
    BACKTESTS_RUNNING_MAX, BACKTESTS_WAITING_MAX, BacktestNotice, BacktestRequest, BacktestSpec,
    BacktestView, SWEEP_SETS_MAX, SweepPlan, SweepRequest,
};
pub use bourse_telemetry::stats::StatsSample;
pub use catalog::{Catalog, average_price, parse_amount, parse_price, parse_qty, value_error};
pub use error::{
    Code, DATABASE_RETRY_AFTER_SECS, Detail, ErrorCode, Result, ServiceError, reject_message,
};
pub use listing::{InstrumentChanges, NewInstrument};
pub use live::{ENDED_ORDERS_KEPT_DEFAULT, LiveAccounts, LiveBalance};
pub use orders::{
    Fill, Liquidity, OrderList, OrderStatusFilter, OrderType, PlaceOrder, PlacedOco, PlacedOrder,
};
pub use risk::{
    HaltRequest, HaltTarget, HaltView, InstrumentRisk, Limit, LimitChange, LimitSource,
    PanicOutcome, PositionView, QuoteRisk, RISK_OVERVIEWS_MAX, RiskDefaults, RiskOverview,
};
pub use stats::{STATS_INTERVAL, STATS_SAMPLES_MAX};
pub use strategies::{
    Performance, STRATEGIES_PER_USER_MAX, STRATEGIES_RUNNING_MAX, STRATEGY_EQUITY_POINTS_MAX,
    STRATEGY_NAME_MAX, STRATEGY_REPLAY_BARS_MAX, STRATEGY_STEP, SignalView, StrategyNotice,
    StrategyRequest, StrategyStatus, StrategyView, client_order_id, risk_reward,
};
pub use subaccounts::{
    AccountRef, SUBACCOUNT_NAME_MAX, SUBACCOUNT_OWNER_BASE, SUBACCOUNTS_PER_USER_MAX, Subaccount,
    TransferDone,
};

use bourse_engine::{Command, Engine, EngineLimits, Event};
use bourse_journal::{Released, SubmitError, Venue};
use bourse_market::MarketData;
use bourse_store::Store;
use bourse_telemetry::{Family, Histogram, Telemetry, names};
use bourse_types::OwnerId;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, oneshot, watch};
use tracing::Instrument;

/// How often a read waiting for the read models looks whether the database is still up.
const DATABASE_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// How the use cases behave; every bound has a name.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub faucet: FaucetConfig,
    /// How long a read waits for the read models to catch up with the caller's writes.
    pub read_wait: Duration,
    /// How long a command may wait for its acknowledgement.
    pub command_timeout: Duration,
    /// How long a read-model query may take before the database counts as unavailable.
    pub database_timeout: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            faucet: FaucetConfig {
                enabled: true,
                max_per_request: Default::default(),
            },
            read_wait: Duration::from_secs(2),
            command_timeout: Duration::from_secs(10),
            database_timeout: Duration::from_secs(1),
        }
    }
}

struct Inner {
    config: ServiceConfig,
    store: Store,
    venue: Arc<Venue>,
    catalog: RwLock<Catalog>,
    market: RwLock<MarketData>,
    live: RwLock<LiveAccounts>,
    /// The last sequence number the in-memory views include.
    dispatched: watch::Sender<u64>,
    /// The last sequence number the read models include.
    projected: watch::Receiver<u64>,
    /// Asks the projector to write what it has gathered at once: a reader waits for it.
    read_flush: Arc<Notify>,
    /// Whether the read-model database answered the last time it was used.
    database_up: Arc<AtomicBool>,
    /// Owners the engine knows, so that a first order opens the account first.
    known_owners: Mutex<HashSet<u64>>,
    /// The engine's limits as last set, to tell whether the configuration changes them.
    limits: Mutex<Option<EngineLimits>>,
    telemetry: Arc<Telemetry>,
    /// Submission to durable answer, by [`Command::kind_index`]; a kind's series is
    /// made when the kind is first submitted.
    roundtrip: Vec<OnceLock<Arc<Histogram>>>,
    roundtrip_family: Arc<Family<Histogram>>,
    /// Read-model queries of requests.
    db_read: Arc<Histogram>,
    stats: Mutex<stats::StatsRing>,
    backtests: backtests::Jobs,
    subaccounts: RwLock<subaccounts::Subaccounts>,
    strategies: strategies::Registry,
}

/// The use cases and the views they read. Cheap to clone.
#[derive(Clone)]
pub struct Service(Arc<Inner>);

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}

/// What a service is built from.
#[derive(Debug)]
pub struct ServiceParts {
    pub config: ServiceConfig,
    pub store: Store,
    pub venue: Arc<Venue>,
    pub market: MarketData,
    pub live: LiveAccounts,
    pub projected: watch::Receiver<u64>,
    pub read_flush: Arc<Notify>,
    /// Whether the read-model database answers; the projector reports into it too.
    pub database_up: Arc<AtomicBool>,
    /// Where the use cases count what they do.
    pub telemetry: Arc<Telemetry>,
}

/// The wall clock in milliseconds since the Unix epoch, for rows the store keeps.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

impl Service {
    /// A service for a venue recovered from `engine` (read before the venue takes it).
    pub fn new(parts: ServiceParts, engine: &Engine) -> Service {
        let seq = engine.seq();
        let db_read = parts.telemetry.histogram(&names::DB_QUERY).get(&["read"]);
        Service(Arc::new(Inner {
            roundtrip: Command::KIND_NAMES
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
            roundtrip_family: parts.telemetry.histogram(&names::COMMAND_ROUNDTRIP),
            db_read,
            stats: Mutex::new(stats::StatsRing::default()),
            backtests: {
                // Every series exists from the start, so that a scrape shows them all.
                for status in ["done", "failed", "cancelled"] {
                    parts.telemetry.counter(&names::BACKTESTS).get(&[status]);
                }
                parts.telemetry.gauge(&names::BACKTESTS_ACTIVE).get(&[]);
                parts.telemetry.counter(&names::BACKTEST_BARS).get(&[]);
                backtests::Jobs::new()
            },
            subaccounts: RwLock::default(),
            strategies: {
                parts.telemetry.gauge(&names::STRATEGIES_RUNNING).get(&[]);
                parts.telemetry.counter(&names::STRATEGY_FAILURES).get(&[]);
                for result in ["accepted", "rejected"] {
                    parts
                        .telemetry
                        .counter(&names::STRATEGY_ORDERS)
                        .get(&[result]);
                }
                for side in ["buy", "sell", "hold"] {
                    parts.telemetry.counter(&names::SIGNALS).get(&[side]);
                }
                strategies::Registry::new()
            },
            telemetry: parts.telemetry,
            catalog: RwLock::new(Catalog::from_engine(engine)),
            market: RwLock::new(parts.market),
            live: RwLock::new(parts.live),
            dispatched: watch::Sender::new(seq),
            projected: parts.projected,
            read_flush: parts.read_flush,
            database_up: parts.database_up,
            known_owners: Mutex::new(engine.owners().map(|o| o.0).collect()),
            limits: Mutex::new(Some(*engine.limits())),
            config: parts.config,
            store: parts.store,
            venue: parts.venue,
        }))
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.0.config
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn venue(&self) -> &Arc<Venue> {
        &self.0.venue
    }

    /// The venue's metrics registry.
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.0.telemetry
    }

    pub fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        read(&self.0.catalog)
    }

    pub fn market(&self) -> RwLockReadGuard<'_, MarketData> {
        read(&self.0.market)
    }

    /// The market data for writing: the release dispatcher holds it while it publishes
    /// deltas, so that a snapshot taken under the read lock never interleaves with them.
    pub fn market_mut(&self) -> RwLockWriteGuard<'_, MarketData> {
        write(&self.0.market)
    }

    fn subaccounts_read(&self) -> RwLockReadGuard<'_, subaccounts::Subaccounts> {
        read(&self.0.subaccounts)
    }

    fn subaccounts_mut(&self) -> RwLockWriteGuard<'_, subaccounts::Subaccounts> {
        write(&self.0.subaccounts)
    }

    pub fn live(&self) -> RwLockReadGuard<'_, LiveAccounts> {
        read(&self.0.live)
    }

    /// The last sequence number the read models include.
    pub fn projected_seq(&self) -> u64 {
        *self.0.projected.borrow()
    }

    /// The last sequence number the in-memory views include.
    pub fn dispatched_seq(&self) -> u64 {
        *self.0.dispatched.borrow()
    }

    // ------------------------------------------------------------ released events

    /// Applies released commands to the catalog, the known owners and the live view.
    /// Called by the release dispatcher, in sequence order, before it publishes them;
    /// [`Service::mark_dispatched`] follows once the batch is published.
    pub fn apply_released(&self, batch: &[Released]) {
        let mut live = write(&self.0.live);
        let strategies = self.0.strategies.has_owners().then_some(&self.0.strategies);
        for released in batch {
            if let Some(registry) = strategies {
                strategies::note_released(registry, released);
            }
            for event in &released.events {
                match event {
                    Event::AssetListed(asset) => write(&self.0.catalog).add_asset(*asset),
                    Event::InstrumentListed(instrument) => {
                        write(&self.0.catalog).add_instrument(**instrument);
                    }
                    Event::InstrumentUpdated(instrument) => {
                        write(&self.0.catalog).update_instrument(**instrument);
                    }
                    Event::AccountOpened { owner } => self.note_owner(owner.0),
                    Event::Transfer(t) => self.note_owner(t.owner.0),
                    Event::InternalTransfer(t) => self.note_owner(t.to.0),
                    _ => {}
                }
            }
            live.apply(released);
        }
    }

    /// Says that everything up to `seq` is in the views (and published).
    pub fn mark_dispatched(&self, seq: u64) {
        self.0.dispatched.send_if_modified(|current| {
            let moved = seq > *current;
            if moved {
                *current = seq;
            }
            moved
        });
    }

    /// Waits until the in-memory views include command `seq` (bounded by the command
    /// timeout; they normally do within microseconds of its release).
    pub async fn wait_dispatched(&self, seq: u64) -> Result<()> {
        let mut dispatched = self.0.dispatched.subscribe();
        let wait = dispatched.wait_for(|current| *current >= seq);
        match tokio::time::timeout(self.0.config.command_timeout, wait).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(ServiceError::journal_unavailable()),
            Err(_) => Err(ServiceError::overloaded(
                "the venue's views fell behind; the command was applied, read it again shortly",
            )),
        }
    }

    /// Waits until the in-memory views include every command released so far, so
    /// that a caller sees what it was answered a moment ago.
    pub async fn wait_views(&self) -> Result<()> {
        self.wait_dispatched(self.0.venue.health().released_seq)
            .await
    }

    // ------------------------------------------------------------ commands

    /// Submits a command and waits for its durable outcome. Refuses at once when the
    /// venue's queue is full (`OVERLOADED`) or its journal has failed.
    pub async fn execute(&self, command: Command) -> Result<Released> {
        let started = Instant::now();
        let kind = command.kind_index();
        let roundtrip = self.0.roundtrip[kind]
            .get_or_init(|| self.0.roundtrip_family.get(&[Command::KIND_NAMES[kind]]));
        // The command's span, a child of the request's: submission to durable answer.
        let span = tracing::info_span!(
            "command",
            kind = Command::KIND_NAMES[kind],
            seq = tracing::field::Empty
        );
        let (tx, rx) = oneshot::channel();
        let reply: bourse_journal::Reply = Box::new(move |result| {
            let _ = tx.send(result);
        });
        match self.0.venue.try_submit(command, reply) {
            Ok(()) => {}
            Err(SubmitError::Busy) => {
                return Err(ServiceError::overloaded(
                    "the venue's command queue is full; retry shortly",
                ));
            }
            Err(SubmitError::Unavailable(_)) => return Err(ServiceError::journal_unavailable()),
        }
        let answer = tokio::time::timeout(self.0.config.command_timeout, rx)
            .instrument(span.clone())
            .await;
        match answer {
            Ok(Ok(Ok(released))) => {
                roundtrip.observe_duration(started.elapsed());
                span.record("seq", released.seq);
                Ok(released)
            }
            Ok(Ok(Err(_))) | Ok(Err(_)) => Err(ServiceError::journal_unavailable()),
            Err(_) => Err(ServiceError::overloaded(
                "the command was not acknowledged in time; retry with the same client order id",
            )),
        }
    }

    /// Reads the engine's state (positions, limits, halts: what the engine alone
    /// knows), answering once every command the read saw is durable and in the views.
    pub async fn engine_read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        let query = move |engine: &Engine| {
            let _ = tx.send((read(engine), engine.seq()));
        };
        match self.0.venue.query(query) {
            Ok(()) => {}
            Err(SubmitError::Busy) => {
                return Err(ServiceError::overloaded(
                    "the venue's command queue is full; retry shortly",
                ));
            }
            Err(SubmitError::Unavailable(_)) => return Err(ServiceError::journal_unavailable()),
        }
        let (value, seq) = match tokio::time::timeout(self.0.config.command_timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => return Err(ServiceError::journal_unavailable()),
            Err(_) => {
                return Err(ServiceError::overloaded(
                    "the venue did not answer in time; retry shortly",
                ));
            }
        };
        self.wait_dispatched(seq).await?;
        Ok(value)
    }

    /// Opens the user's engine account if the engine does not know it yet.
    pub async fn ensure_account(&self, user_id: u64) -> Result<()> {
        if self
            .0
            .known_owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&user_id)
        {
            return Ok(());
        }
        let released = self
            .execute(Command::OpenAccount {
                owner: OwnerId(user_id),
            })
            .await?;
        match released.events.first() {
            Some(Event::Rejected(r)) if r.code == bourse_engine::RejectCode::AccountExists => {}
            Some(Event::Rejected(r)) => return Err(ServiceError::rejected(r.code)),
            _ => {}
        }
        self.note_owner(user_id);
        Ok(())
    }

    fn note_owner(&self, owner: u64) {
        self.0
            .known_owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(owner);
    }

    /// Whether `limits` differ from the engine's limits as last set.
    pub fn limits_differ(&self, limits: &EngineLimits) -> bool {
        self.0
            .limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            != Some(limits)
    }

    pub fn set_limits(&self, limits: EngineLimits) {
        *self.0.limits.lock().unwrap_or_else(|e| e.into_inner()) = Some(limits);
    }

    // ------------------------------------------------------------ the read models

    /// Whether the read-model database answered when last used.
    pub fn database_up(&self) -> bool {
        self.0.database_up.load(Ordering::Relaxed)
    }

    /// Records whether the database answered (the projector and every query report).
    pub fn note_database(&self, up: bool) {
        let was = self.0.database_up.swap(up, Ordering::Relaxed);
        if was != up {
            if up {
                tracing::info!("the read-model database answers again");
            } else {
                tracing::warn!("the read-model database does not answer");
            }
        }
    }

    /// Runs a read-model query within the database timeout; a database that does not
    /// answer in time, or cannot be reached, is `DATABASE_UNAVAILABLE`.
    pub async fn query<T>(
        &self,
        query: impl Future<Output = bourse_store::Result<T>>,
    ) -> Result<T> {
        let timeout = self.0.config.database_timeout;
        let started = Instant::now();
        let result = match tokio::time::timeout(timeout, query).await {
            Ok(result) => result,
            Err(_) => Err(bourse_store::StoreError::Timeout(timeout)),
        };
        self.0.db_read.observe_duration(started.elapsed());
        match result {
            Ok(value) => {
                self.note_database(true);
                Ok(value)
            }
            Err(error) => {
                if error.is_unavailable() {
                    self.note_database(false);
                }
                Err(error.into())
            }
        }
    }

    /// Waits (briefly) until the read models include everything acknowledged so far,
    /// so that a read right after a write sees it. The projector is asked to write at
    /// once rather than at the end of its round. While the database is away this does
    /// not wait: the read that follows answers `DATABASE_UNAVAILABLE` at once.
    pub async fn wait_for_reads(&self) {
        if !self.database_up() {
            return;
        }
        let target = self.0.venue.health().released_seq;
        let mut projected = self.0.projected.clone();
        let deadline = tokio::time::sleep(self.0.config.read_wait);
        tokio::pin!(deadline);
        loop {
            if *projected.borrow_and_update() >= target || !self.database_up() {
                return;
            }
            self.0.read_flush.notify_one();
            tokio::select! {
                changed = projected.changed() => if changed.is_err() { return },
                // The projector marks the database down when a write fails: look again.
                () = tokio::time::sleep(DATABASE_CHECK_INTERVAL) => {}
                () = &mut deadline => return,
            }
        }
    }
}
