//! `bourse serve`: the composition root. Recovers the engine and the read models,
//! starts the durable pipeline, the release dispatcher, the projector, the market
//! simulator and the HTTP server, and shuts them down in order.

use crate::config::{Config, Fsync, absolute};
use anyhow::{Context, bail};
use bourse_api::dispatch::{Batch, ReleasedBatch};
use bourse_api::ratelimit::Limit;
use bourse_api::ws::Close;
use bourse_api::{ApiConfig, AppState, WsConfig};
use bourse_engine::{Command, Event};
use bourse_journal::{
    DataDir, DirLock, FsyncPolicy, PipelineConfig, PipelineMetrics, ReleaseSink, Released, StdFs,
    Venue,
};
use bourse_market::{Interval, MarketData, PublicTrade, Simulator};
use bourse_service::{
    ENDED_ORDERS_KEPT_DEFAULT, FaucetConfig, LimitChange, LiveAccounts, LiveBalance, Service,
    ServiceConfig, ServiceParts,
};
use bourse_store::{NewUser, Projector, Role, Store};
use bourse_telemetry::{Counter, Gauge, Histogram, Telemetry, names};
use bourse_types::{
    Amount, Asset, AssetCode, AssetId, AssetSpec, Instrument, InstrumentId, InstrumentSpec, Price,
    Qty, Side, Timestamp, TradeId, parse_decimal,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, watch};

/// Hands released batches to the dispatcher; blocks (backpressure) when it lags.
struct ChannelSink(mpsc::Sender<ReleasedBatch>);

impl ReleaseSink for ChannelSink {
    fn released(&mut self, batch: &[Released]) {
        if self
            .0
            .blocking_send((Instant::now(), Arc::new(batch.to_vec())))
            .is_err()
        {
            tracing::warn!("the dispatcher is gone; released events are not published");
        }
    }
}

/// What a running server is made of, for a clean stop.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Asks the server to stop and waits until it has.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.done.await.context("the server task failed")?
    }

    /// Waits until the server stops by itself (a signal).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.done.await.context("the server task failed")?
    }
}

pub(crate) async fn connect_store(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    let schema =
        (!config.data.database_schema.is_empty()).then_some(config.data.database_schema.as_str());
    Store::connect_with(
        &url,
        schema,
        Duration::from_millis(config.data.database_timeout_ms.max(1)),
    )
    .await
    .with_context(|| format!("connecting to the database ({})", redact(&url)))
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Creates the admin account on first start; prints its password once. The password
/// is `admin_password` when given (from `BOURSE_ADMIN_PASSWORD`), else random.
async fn ensure_admin(store: &Store, admin_password: Option<String>) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let (password, given) = match admin_password {
        Some(password) if !password.is_empty() => (password, true),
        _ => (bourse_api::auth::random_password(), false),
    };
    bourse_api::auth::check_password(&password)
        .map_err(|e| anyhow::anyhow!("BOURSE_ADMIN_PASSWORD: {}", e.message()))?;
    let hash = bourse_api::auth::hash_password(&password)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    store
        .create_user(NewUser {
            username: "admin",
            password_hash: &hash,
            role: Role::Admin,
            created_at: bourse_api::state::now_nanos(),
        })
        .await?;
    if given {
        println!("Created the admin account `admin` with the password from BOURSE_ADMIN_PASSWORD.");
    } else {
        println!("Created the admin account `admin` with the password: {password}");
        println!("It is shown only this once; change it after logging in.");
    }
    tracing::info!("admin account created");
    Ok(())
}

/// How long one write of the read models may take before it counts as failed (a
/// database that hangs rather than refuses).
const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest wait between two tries to write the read models while the database
/// is away.
const FLUSH_RETRY_MAX: Duration = Duration::from_secs(5);

/// What the projector task works with.
struct ProjectorTask {
    projector: Projector,
    input: mpsc::Receiver<Batch>,
    projected: watch::Sender<u64>,
    interval: Duration,
    flush: Arc<Notify>,
    /// Whether the database answers; shared with the use cases.
    database_up: Arc<AtomicBool>,
    /// Rows held in memory, at most, while the database is away.
    backlog_max: usize,
    /// Rows a round gathers before it writes, at most.
    round_rows_max: usize,
    metrics: ProjectorMetrics,
}

/// The projector's series.
struct ProjectorMetrics {
    round: Arc<Histogram>,
    write: Arc<Histogram>,
    backlog: Arc<Gauge>,
}

impl ProjectorMetrics {
    fn new(telemetry: &Telemetry) -> ProjectorMetrics {
        ProjectorMetrics {
            round: telemetry.histogram(&names::PROJECTOR_ROUND).get(&[]),
            write: telemetry.histogram(&names::DB_QUERY).get(&["write"]),
            backlog: telemetry.gauge(&names::PROJECTOR_BACKLOG).get(&[]),
        }
    }
}

/// The projector task: applies batches as they come, writes them in one transaction per
/// round, and publishes the sequence number reached.
///
/// A round gathers batches until `interval` has passed since the previous write began
/// (or `round_rows_max` rows, `queues.projector_round_rows_max`), so under load an order placed and filled within a round is
/// written once, and the database sees few large transactions; an idle projector
/// writes the first batch at once, and a reader waiting for its own write (`flush`)
/// ends the round early.
///
/// When a write fails (the database is away), nothing is lost: the rows stay in memory,
/// batches keep being folded into them up to `backlog_max` rows, and the write is
/// tried again with a growing pause. Past the backlog bound the projector stops
/// taking batches, which holds the venue back (the release channel fills) rather than
/// grow without limit.
async fn run_projector(mut task: ProjectorTask) {
    let mut last_write = tokio::time::Instant::now() - task.interval;
    while let Some(batch) = task.input.recv().await {
        for released in batch.iter() {
            task.projector.apply(released);
        }
        let mut deadline = last_write + task.interval;
        while task.projector.pending_rows() < task.round_rows_max {
            let next = if tokio::time::Instant::now() >= deadline {
                task.input.try_recv().ok()
            } else {
                tokio::select! {
                    next = tokio::time::timeout_at(deadline, task.input.recv()) => next.ok().flatten(),
                    () = task.flush.notified() => {
                        // Take what has arrived, then write.
                        deadline = tokio::time::Instant::now();
                        task.input.try_recv().ok()
                    }
                }
            };
            let Some(batch) = next else { break };
            for released in batch.iter() {
                task.projector.apply(released);
            }
        }
        last_write = tokio::time::Instant::now();
        let round_started = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            task.metrics
                .backlog
                .set(task.projector.pending_rows() as i64);
            let write_started = Instant::now();
            let result = match tokio::time::timeout(FLUSH_TIMEOUT, task.projector.flush()).await {
                Ok(result) => result,
                Err(_) => Err(bourse_store::StoreError::Timeout(FLUSH_TIMEOUT)),
            };
            task.metrics.write.observe_duration(write_started.elapsed());
            match result {
                Ok(()) => {
                    task.metrics.round.observe_duration(round_started.elapsed());
                    task.metrics
                        .backlog
                        .set(task.projector.pending_rows() as i64);
                    if !task.database_up.swap(true, Ordering::Relaxed) {
                        tracing::info!(
                            seq = task.projector.projected_seq(),
                            "read models written again: the database is back"
                        );
                    }
                    break;
                }
                Err(error) => {
                    if task.database_up.swap(false, Ordering::Relaxed) {
                        tracing::error!(%error, "read models could not be written; holding them in memory and retrying");
                    }
                    // Keep folding what arrives while waiting to try again.
                    let retry_at = tokio::time::Instant::now() + delay;
                    while task.projector.pending_rows() < task.backlog_max {
                        match tokio::time::timeout_at(retry_at, task.input.recv()).await {
                            Ok(Some(batch)) => {
                                for released in batch.iter() {
                                    task.projector.apply(released);
                                }
                            }
                            Ok(None) | Err(_) => break,
                        }
                    }
                    tokio::time::sleep_until(retry_at).await;
                    delay = (delay * 2).min(FLUSH_RETRY_MAX);
                }
            }
        }
        task.projected.send_replace(task.projector.projected_seq());
    }
    tracing::info!(seq = task.projector.projected_seq(), "projector stopped");
}

/// The configured instruments as a fresh venue lists them: assets and instruments take
/// ids in the configuration's order (a venue listed before may hold other ids).
pub(crate) fn configured_instruments(config: &Config) -> anyhow::Result<Vec<Instrument>> {
    let assets: HashMap<String, (AssetId, u8)> = config
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.clone(), (AssetId(i as u16), a.decimals)))
        .collect();
    let asset = |id: AssetId| -> anyhow::Result<Asset> {
        let (code, &(_, scale)) = assets
            .iter()
            .find(|(_, (a, _))| *a == id)
            .context("an instrument's asset is not configured")?;
        Ok(Asset {
            id,
            code: AssetCode::new(code).map_err(|e| anyhow::anyhow!("asset {code}: {e}"))?,
            scale,
        })
    };
    config
        .instruments
        .iter()
        .enumerate()
        .map(|(i, configured)| {
            let spec = instrument_spec(configured, &assets)?;
            Instrument::new(
                InstrumentId(i as u32),
                spec,
                &asset(spec.base)?,
                &asset(spec.quote)?,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", configured.symbol))
        })
        .collect()
}

pub(crate) fn instrument_spec(
    config: &crate::config::InstrumentConfig,
    assets: &HashMap<String, (AssetId, u8)>,
) -> anyhow::Result<InstrumentSpec> {
    let (base, quote) = config
        .symbol
        .split_once('-')
        .with_context(|| format!("instrument {:?} is not BASE-QUOTE", config.symbol))?;
    let &(base_id, base_scale) = assets
        .get(base)
        .with_context(|| format!("{}: no asset {base}", config.symbol))?;
    let &(quote_id, quote_scale) = assets
        .get(quote)
        .with_context(|| format!("{}: no asset {quote}", config.symbol))?;
    let decimal = |text: &str, scale: u8, what: &str| {
        parse_decimal(text, scale)
            .map_err(|e| anyhow::anyhow!("{} {what} {text:?}: {e}", config.symbol))
    };
    let reference = decimal(
        &config.reference_price,
        config.price_decimals,
        "reference_price",
    )?;
    Ok(InstrumentSpec {
        base: base_id,
        quote: quote_id,
        price_scale: config.price_decimals,
        tick_size: Price::from_raw(decimal(
            &config.tick_size,
            config.price_decimals,
            "tick_size",
        )?),
        lot_size: Qty::from_raw(decimal(&config.lot_size, base_scale, "lot_size")?),
        min_qty: Qty::from_raw(decimal(&config.min_quantity, base_scale, "min_quantity")?),
        max_qty: Qty::from_raw(decimal(&config.max_quantity, base_scale, "max_quantity")?),
        min_notional: Amount::from_raw(decimal(&config.min_notional, quote_scale, "min_notional")?),
        price_band_bps: config.price_band_bps,
        maker_fee_bps: config.maker_fee_bps,
        taker_fee_bps: config.taker_fee_bps,
        reference_price: (reference > 0).then_some(Price::from_raw(reference)),
    })
}

/// The meta key that keeps the risk configuration last applied.
const RISK_CONFIG_META: &str = "risk_config_applied";

/// Applies the configured default risk limits and trading day, as journaled commands,
/// when they differ from what was applied last (kept in the meta table): an admin's
/// change through the API stands until the configuration changes.
/// Makes, updates and starts the configured strategies (`[[strategies]]`): a strategy
/// its user lacks is made (and funded once, from the user's main account); one whose
/// parameters differ gets the configured ones; `start` starts one that is not live.
async fn ensure_strategies(state: &AppState, config: &Config) -> anyhow::Result<()> {
    use bourse_service::{AccountRef, Scopes, StrategyRequest, StrategyStatus};
    let service = &state.service;
    let refused =
        |what: &str, e: bourse_service::ServiceError| anyhow::anyhow!("{what}: {}", e.message);
    for (index, entry) in config.strategies.iter().enumerate() {
        let what = format!("strategies[{index}] ({:?})", entry.name);
        let user = state
            .store()
            .user_by_name(&entry.user)
            .await?
            .with_context(|| {
                format!(
                    "{what}: no user {:?} (add one with `bourse user add`)",
                    entry.user
                )
            })?;
        let actor = bourse_service::Actor::new(user.id, user.role, Scopes::ALL, false);
        let timeframe = Interval::parse(&entry.timeframe).with_context(|| {
            format!(
                "{what}: timeframe {:?} is not one of 1m, 5m, 15m, 1h, 4h, 1d",
                entry.timeframe
            )
        })?;
        let params: bourse_strategy::params::Params = entry.params.clone().into_iter().collect();
        let existing = service
            .strategies(&actor)
            .map_err(|e| refused(&what, e))?
            .into_iter()
            .find(|s| s.name == entry.name);
        let view = match existing {
            Some(view) => {
                let wanted = bourse_strategy::builtins::find(&view.builtin)
                    .with_context(|| format!("{what}: no built-in {:?}", view.builtin))?
                    .build(&params)
                    .map_err(|e| anyhow::anyhow!("{what}: {e}"))?
                    .1;
                let wanted: std::collections::BTreeMap<String, _> = wanted
                    .values()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                if wanted != view.params {
                    service
                        .update_strategy(&actor, view.id, params)
                        .await
                        .map_err(|e| refused(&what, e))?
                } else {
                    view
                }
            }
            None => {
                let view = service
                    .create_strategy(
                        &actor,
                        StrategyRequest {
                            name: entry.name.clone(),
                            builtin: entry.strategy.clone(),
                            symbol: entry.symbol.clone(),
                            timeframe,
                            params,
                            account: None,
                        },
                    )
                    .await
                    .map_err(|e| refused(&what, e))?;
                if let Some(funding) = &entry.funding {
                    let quote = service
                        .catalog()
                        .symbol(&view.symbol)
                        .map_err(|e| refused(&what, e))?
                        .quote();
                    let code = service.catalog().code_of(quote);
                    service
                        .internal_transfer(
                            &actor,
                            AccountRef::Main,
                            AccountRef::Sub(view.subaccount_id),
                            &code,
                            funding,
                            Some(&format!("config-strategy:{}", view.id)),
                        )
                        .await
                        .map_err(|e| refused(&format!("{what}: funding"), e))?;
                }
                tracing::info!(strategy = view.id, name = %view.name, "configured strategy made");
                view
            }
        };
        if entry.start
            && !matches!(
                view.status,
                StrategyStatus::Running | StrategyStatus::Paused
            )
        {
            service
                .start_strategy(&actor, view.id)
                .await
                .map_err(|e| refused(&what, e))?;
        }
    }
    Ok(())
}

async fn ensure_risk_defaults(state: &AppState, config: &Config) -> anyhow::Result<()> {
    let wanted = serde_json::to_string(&config.risk)?;
    let store = state.store();
    if store.meta(RISK_CONFIG_META).await?.as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    let venue = bourse_service::Actor::new(0, Role::Admin, bourse_service::Scopes::ALL, false);
    let current = state
        .service
        .risk_defaults(&venue)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let risk = &config.risk;
    let mut changes = vec![LimitChange::OpenOrdersMax {
        count: (risk.open_orders_max > 0).then_some(risk.open_orders_max),
    }];
    let per_asset = |configured: &std::collections::BTreeMap<String, String>,
                     current: &[(Asset, Amount)],
                     make: fn(String, Option<String>) -> LimitChange| {
        let mut out: Vec<LimitChange> = configured
            .iter()
            .map(|(asset, value)| make(asset.clone(), Some(value.clone())))
            .collect();
        out.extend(
            current
                .iter()
                .filter(|(a, _)| !configured.contains_key(a.code.as_str()))
                .map(|(a, _)| make(a.code.to_string(), None)),
        );
        out
    };
    changes.extend(per_asset(
        &risk.order_notional_max,
        &current.order_notional_max,
        |asset, amount| LimitChange::OrderNotionalMax { asset, amount },
    ));
    changes.extend(per_asset(
        &risk.open_notional_max,
        &current.open_notional_max,
        |asset, amount| LimitChange::OpenNotionalMax { asset, amount },
    ));
    changes.extend(per_asset(
        &risk.daily_loss_max,
        &current.daily_loss_max,
        |asset, amount| LimitChange::DailyLossMax { asset, amount },
    ));
    changes.extend(
        risk.position_max
            .iter()
            .map(|(symbol, qty)| LimitChange::PositionMax {
                symbol: symbol.clone(),
                qty: Some(qty.clone()),
            }),
    );
    changes.extend(
        current
            .position_max
            .iter()
            .filter(|(i, _)| !risk.position_max.contains_key(i.symbol().as_str()))
            .map(|(i, _)| LimitChange::PositionMax {
                symbol: i.symbol().to_string(),
                qty: None,
            }),
    );
    state
        .service
        .set_risk_limits(&venue, None, &changes)
        .await
        .map_err(|e| anyhow::anyhow!("the configured risk limits: {}", e.message))?;
    if current.trading_day_start_secs != risk.trading_day_start_secs {
        state
            .service
            .set_trading_day(&venue, risk.trading_day_start_secs)
            .await
            .map_err(|e| anyhow::anyhow!("risk.trading_day_start_secs: {}", e.message))?;
    }
    store.set_meta(RISK_CONFIG_META, &wanted).await?;
    tracing::info!("applied the configured risk defaults");
    Ok(())
}

/// Lists configured assets and instruments the engine does not have yet, and applies
/// the configured limits if they differ. All as journaled commands.
async fn ensure_listings(state: &AppState, config: &Config) -> anyhow::Result<()> {
    let limits = config.engine;
    if state.service.limits_differ(&limits) {
        let released = state
            .service
            .execute(Command::SetLimits(limits))
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        if let Some(Event::Rejected(r)) = released.events.first() {
            bail!(
                "the engine refused the configured limits: {}",
                r.code.code()
            );
        }
        state.service.set_limits(limits);
    }
    let mut assets: HashMap<String, (AssetId, u8)> = state
        .service
        .catalog()
        .assets()
        .iter()
        .map(|a| (a.code.to_string(), (a.id, a.scale)))
        .collect();
    for asset in &config.assets {
        if assets.contains_key(&asset.code) {
            continue;
        }
        let code = AssetCode::new(&asset.code)
            .map_err(|e| anyhow::anyhow!("asset {:?}: {e}", asset.code))?;
        let released = state
            .service
            .execute(Command::ListAsset(AssetSpec {
                code,
                scale: asset.decimals,
            }))
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        match released.events.first() {
            Some(Event::AssetListed(listed)) => {
                assets.insert(asset.code.clone(), (listed.id, listed.scale));
                tracing::info!(asset = %asset.code, "asset listed");
            }
            Some(Event::Rejected(r)) => bail!("listing asset {}: {}", asset.code, r.code.code()),
            _ => bail!("listing asset {} gave no answer", asset.code),
        }
    }
    let listed: Vec<String> = state
        .service
        .catalog()
        .instruments()
        .iter()
        .map(|i| i.symbol().to_string())
        .collect();
    for instrument in &config.instruments {
        if listed.contains(&instrument.symbol) {
            continue;
        }
        let spec = instrument_spec(instrument, &assets)?;
        let released = state
            .service
            .execute(Command::ListInstrument(spec))
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
        match released.events.first() {
            Some(Event::InstrumentListed(_)) => {
                tracing::info!(symbol = %instrument.symbol, "instrument listed")
            }
            Some(Event::Rejected(r)) => bail!(
                "listing {}: {} (check its tick, lot and scales)",
                instrument.symbol,
                r.code.code()
            ),
            _ => bail!("listing {} gave no answer", instrument.symbol),
        }
    }
    // The dispatcher adds listings to the catalog as they are released; wait for it.
    for _ in 0..200 {
        if config
            .instruments
            .iter()
            .all(|i| state.service.catalog().symbol(&i.symbol).is_ok())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("listed instruments did not reach the catalog")
}

/// The simulator's thread: every tick, learn from what was released, then send the
/// next commands (shedding them when the venue is busy).
fn run_simulator(
    venue: Arc<Venue>,
    mut sim: Simulator,
    mut observed: mpsc::Receiver<Batch>,
    stop: Arc<AtomicBool>,
    orders: Arc<Counter>,
) {
    let noop = || -> bourse_journal::Reply { Box::new(|_| {}) };
    let is_order =
        |command: &Command| matches!(command, Command::Place(_) | Command::PlaceOco { .. });
    for command in sim.startup_commands() {
        if is_order(&command) {
            orders.inc();
        }
        venue.submit(command, noop());
    }
    let tick = Duration::from_millis(sim.tick_ms());
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(tick);
        while let Ok(batch) = observed.try_recv() {
            for released in batch.iter() {
                sim.observe(released);
            }
        }
        let now = Timestamp(bourse_api::state::now_nanos());
        for command in sim.tick(now) {
            let order = is_order(&command);
            if venue.try_submit(command, noop()).is_err() {
                break;
            }
            if order {
                orders.inc();
            }
        }
    }
    tracing::info!("simulator stopped");
}

/// Fans batches out to the projector and, when running, the simulator.
async fn fan_out(
    mut input: mpsc::Receiver<Batch>,
    projector: mpsc::Sender<Batch>,
    simulator: Option<mpsc::Sender<Batch>>,
) {
    while let Some(batch) = input.recv().await {
        if let Some(simulator) = &simulator {
            let _ = simulator.try_send(batch.clone());
        }
        if projector.send(batch).await.is_err() {
            break;
        }
    }
}

async fn shutdown_signal(mut stop: tokio::sync::oneshot::Receiver<()>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("interrupted; shutting down"),
        () = terminate => tracing::info!("terminated; shutting down"),
        _ = &mut stop => tracing::info!("stop requested; shutting down"),
    }
}

/// Starts everything; returns once the server listens. The admin password of a first
/// start comes from `BOURSE_ADMIN_PASSWORD`, or is generated and printed.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    start_with(config, std::env::var("BOURSE_ADMIN_PASSWORD").ok()).await
}

/// [`start`] with the first admin password given.
pub async fn start_with(config: Config, admin_password: Option<String>) -> anyhow::Result<Running> {
    let data_dir = absolute(&config.data.dir);
    let dir = DataDir::new(&data_dir);
    let lock = DirLock::acquire(&dir).with_context(|| format!("locking {}", data_dir.display()))?;
    let store = connect_store(&config).await?;
    let jwt_secret = if config.auth.jwt_secret.is_empty() {
        store
            .meta_init(
                "jwt_secret",
                &bourse_api::auth::hex(&bourse_api::auth::random_bytes::<32>()),
            )
            .await?
    } else {
        config.auth.jwt_secret.clone()
    };
    ensure_admin(&store, admin_password).await?;
    let telemetry = Telemetry::new();
    telemetry
        .gauge(&names::BUILD_INFO)
        .get(&[env!("CARGO_PKG_VERSION")])
        .set(1);

    // The projector starts first, so that it can catch up while the journal replays.
    let queues = &config.queues;
    let (projector_tx, projector_rx) = mpsc::channel::<Batch>(queues.projector_batches_max.max(1));
    let mut projected_seq = store.projected_seq().await?;
    let journal_end = {
        let end = bourse_journal::scan(&StdFs, &dir.journal(), u64::MAX, false, |_| Ok(()))
            .context("reading the journal")?;
        end.tail.next_seq - 1
    };
    if projected_seq > journal_end {
        tracing::warn!(
            projected_seq,
            journal_end,
            "the read models are ahead of this journal; rebuilding them"
        );
        store.reset_read_models().await?;
        projected_seq = 0;
    }
    // A fresh demo venue's past goes in before the projector reads the newest candles.
    let fresh = journal_end == 0 && projected_seq == 0;
    let now_ms = Timestamp(bourse_api::state::now_nanos()).millis();
    crate::history::ensure(&store, &config, fresh, now_ms).await?;
    let projector = Projector::open(store.clone()).await?;
    // The live view of accounts starts from the open orders the read models hold, and
    // follows the same catch-up as the projector, so both reach the journal's end.
    let mut live = LiveAccounts::new(ENDED_ORDERS_KEPT_DEFAULT);
    for order in store.open_orders().await? {
        live.load_order(order);
    }
    let live = Arc::new(Mutex::new(live));
    let (projected_watch_tx, projected_watch) = watch::channel(projector.projected_seq());
    let read_flush = Arc::new(Notify::new());
    let database_up = Arc::new(AtomicBool::new(true));
    let projector_task = tokio::spawn(run_projector(ProjectorTask {
        projector,
        input: projector_rx,
        projected: projected_watch_tx,
        interval: Duration::from_millis(config.data.projection_interval_ms),
        flush: read_flush.clone(),
        database_up: database_up.clone(),
        backlog_max: config
            .data
            .projection_backlog_max
            .max(queues.projector_round_rows_max),
        round_rows_max: queues.projector_round_rows_max.max(1),
        metrics: ProjectorMetrics::new(&telemetry),
    }));

    let recovery_dir = dir.clone();
    let catch_up_batch = queues.catch_up_batch_commands.max(1);
    let catch_up = projector_tx.clone();
    let catch_up_live = live.clone();
    let recovered = tokio::task::spawn_blocking(move || {
        let mut pending: Vec<Released> = Vec::new();
        let recovered = bourse_journal::recover_with_events(
            &StdFs,
            &recovery_dir,
            projected_seq + 1,
            |released| {
                catch_up_live
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .apply(&released);
                pending.push(released);
                if pending.len() >= catch_up_batch {
                    let _ = catch_up.blocking_send(Arc::new(std::mem::take(&mut pending)));
                }
            },
        );
        if !pending.is_empty() {
            let _ = catch_up.blocking_send(Arc::new(pending));
        }
        recovered
    })
    .await
    .context("the recovery task failed")?
    .context("recovering the journal")?;
    let report = &recovered.report;
    tracing::info!(
        last_seq = report.last_seq,
        replayed = report.records_replayed,
        snapshot = report.snapshot.map(|s| s.seq),
        state_hash = %report.state_hash,
        took_ms = report.duration.as_millis() as u64,
        "recovered"
    );
    if let Some(torn) = &report.torn_tail {
        tracing::warn!(file = %torn.file.display(), offset = torn.offset, bytes = torn.bytes_removed, "a torn journal tail was truncated");
    }

    // Market data from the recovered books, with stored candles and trades.
    let mut market = MarketData::from_engine(&recovered.engine);
    for instrument in recovered.engine.instruments() {
        for interval in Interval::ALL {
            let candles = store
                .candles(
                    instrument.id().0,
                    interval,
                    bourse_market::CANDLES_KEPT_MAX as u32,
                )
                .await?;
            market.load_candles(instrument.id(), interval, candles);
        }
        let trades = store
            .recent_trades(instrument.id().0, bourse_market::TRADES_KEPT_MAX as u32)
            .await?;
        market.load_trades(
            instrument.id(),
            trades
                .into_iter()
                .map(|t| PublicTrade {
                    id: TradeId(t.id),
                    instrument: InstrumentId(t.instrument),
                    price: Price::from_raw(t.price),
                    qty: Qty::from_raw(t.qty),
                    notional: Amount::from_raw(t.notional),
                    aggressor: if t.aggressor == "buy" {
                        Side::Buy
                    } else {
                        Side::Sell
                    },
                    ts: Timestamp(t.ts),
                })
                .collect(),
        );
    }

    let (release_tx, release_rx) =
        mpsc::channel::<ReleasedBatch>(config.queues.release_batches_max.max(1));
    let pipeline = PipelineConfig {
        segment_bytes_max: config.journal.segment_mb.max(1) << 20,
        fsync: match config.journal.fsync {
            Fsync::Batch => FsyncPolicy::Batch,
            Fsync::None => FsyncPolicy::Never,
        },
        batch_commands_max: config.journal.batch_commands_max.max(1),
        submit_queue_max: config.journal.submit_queue_max.max(1),
        submit_batch_max: config.journal.submit_batch_max.max(1),
        journal_queue_max: config.journal.groups_in_flight_max.max(1),
        snapshot_every_commands: config.journal.snapshot_every_commands,
        snapshot_every: (config.journal.snapshot_every_secs > 0)
            .then(|| Duration::from_secs(config.journal.snapshot_every_secs)),
        snapshots_retained: config.journal.snapshots_retained.max(1),
        metrics: Some(PipelineMetrics::new(&telemetry)),
    };
    let catalog_engine = recovered.engine.clone();
    let venue = Arc::new(
        Venue::start(
            Arc::new(StdFs),
            dir.clone(),
            pipeline,
            recovered,
            Box::new(ChannelSink(release_tx)),
            bourse_journal::system_clock(),
        )
        .context("starting the journal")?,
    );
    // Balances as the recovered engine holds them.
    let mut live = std::mem::replace(
        &mut *live.lock().unwrap_or_else(|e| e.into_inner()),
        LiveAccounts::new(1),
    );
    for owner in catalog_engine.owners() {
        for asset in catalog_engine.assets() {
            if let Some(balance) = catalog_engine.balance(owner, asset.id) {
                live.set_balance(
                    owner,
                    asset.id,
                    LiveBalance {
                        available: balance.available,
                        held: balance.held,
                    },
                );
            }
        }
    }
    let service = Service::new(
        ServiceParts {
            config: ServiceConfig {
                faucet: FaucetConfig {
                    enabled: config.faucet.enabled,
                    max_per_request: config.faucet.max_per_request.clone().into_iter().collect(),
                },
                read_wait: Duration::from_millis(config.server.read_wait_ms),
                command_timeout: Duration::from_millis(config.server.command_timeout_ms),
                database_timeout: Duration::from_millis(config.data.database_timeout_ms.max(1)),
            },
            store: store.clone(),
            venue: venue.clone(),
            market,
            live,
            projected: projected_watch,
            read_flush,
            database_up,
            telemetry: telemetry.clone(),
        },
        &catalog_engine,
    );
    let api_config = ApiConfig {
        profile: config.profile.as_str().to_string(),
        registration_open: config.auth.registration_open,
        access_token_ttl: Duration::from_secs(config.auth.access_token_ttl_secs.max(1)),
        refresh_token_ttl: Duration::from_secs(config.auth.refresh_token_ttl_secs.max(1)),
        user_limit: Limit {
            per_second: config.rate_limits.user_per_second,
            burst: config.rate_limits.user_burst,
        },
        address_limit: Limit {
            per_second: config.rate_limits.address_per_second,
            burst: config.rate_limits.address_burst,
        },
        rate_limit_entries_max: config.rate_limits.entries_max,
        cors_origins: config.server.cors_origins.clone(),
        body_limit_bytes: config.server.body_limit_bytes,
        header_bytes_max: config.server.header_bytes_max,
        headers_max: config.server.headers_max,
        api_key_cache_max: config.auth.api_key_cache_max.max(1),
        revoked_sessions_max: config.auth.revoked_sessions_max.max(1),
        session_revocation: config.auth.session_revocation,
        ws: WsConfig {
            queue_len_max: config.websocket.queue_len_max.max(1),
            heartbeat: Duration::from_secs(config.websocket.heartbeat_secs.max(1)),
            idle_timeout: Duration::from_secs(config.websocket.idle_timeout_secs.max(1)),
            subscriptions_max: config.websocket.subscriptions_max.max(1),
            connections_max: config.websocket.connections_max.max(1),
            message_bytes_max: config.websocket.message_bytes_max.max(1_024),
            close_timeout: Duration::from_millis(config.websocket.close_timeout_ms.max(1)),
        },
    };
    let access_ttl_nanos = api_config.access_token_ttl.as_nanos() as u64;
    let revoked_sessions = store
        .revoked_sessions_since(bourse_api::state::now_nanos().saturating_sub(access_ttl_nanos))
        .await?;
    let state = AppState::new(api_config, service, jwt_secret.as_bytes(), revoked_sessions);
    drop(catalog_engine);
    crate::metrics::watch_venue(&telemetry, &state);
    let stats_task = tokio::spawn(bourse_api::dispatch::sample_stats(Arc::downgrade(&state.0)));
    state.set_exposition(crate::metrics::exposition(telemetry.clone()));

    let (dispatched_tx, dispatched_rx) =
        mpsc::channel::<Batch>(config.queues.dispatched_batches_max.max(1));
    let dispatcher = tokio::spawn(bourse_api::dispatch::run(
        state.clone(),
        release_rx,
        dispatched_tx,
    ));
    let (sim_tx, sim_rx) = mpsc::channel::<Batch>(config.queues.simulator_batches_max.max(1));
    let simulate = config.simulator.enabled;
    let fan_out_task = tokio::spawn(fan_out(
        dispatched_rx,
        projector_tx,
        simulate.then_some(sim_tx),
    ));

    ensure_listings(&state, &config).await?;
    ensure_risk_defaults(&state, &config).await?;
    let instruments: Vec<_> = state.service.catalog().instruments().to_vec();
    crate::history::check_listed(&store, &instruments).await?;
    let subaccounts = state
        .service
        .load_subaccounts()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    tracing::debug!(subaccounts, "sub-accounts loaded");
    let strategies = state
        .service
        .load_strategies()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    tracing::debug!(strategies, "strategies loaded");
    let strategy_runner = state.service.spawn_strategy_runner();
    ensure_strategies(&state, &config).await?;
    let notices_task = tokio::spawn(bourse_api::dispatch::forward_strategy_notices(
        Arc::downgrade(&state.0),
    ));
    let backtest_notices_task = tokio::spawn(bourse_api::dispatch::forward_backtest_notices(
        Arc::downgrade(&state.0),
    ));
    let interrupted = state
        .service
        .recover_backtests()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    if interrupted > 0 {
        tracing::warn!(
            backtests = interrupted,
            "backtests the last run left unfinished failed"
        );
    }
    // Instruments listed just now start with what the store holds for them (a fresh
    // venue's generated past); nothing has traded on them yet.
    let listed: Vec<InstrumentId> = state
        .service
        .catalog()
        .instruments()
        .iter()
        .map(|i| i.id())
        .collect();
    for id in listed {
        for interval in Interval::ALL {
            if !state
                .service
                .market()
                .candles(id, interval, 1, None)
                .is_empty()
            {
                continue;
            }
            let candles = store
                .candles(id.0, interval, bourse_market::CANDLES_KEPT_MAX as u32)
                .await?;
            if !candles.is_empty() {
                state
                    .service
                    .market_mut()
                    .load_candles(id, interval, candles);
            }
        }
    }

    let stop_simulator = Arc::new(AtomicBool::new(false));
    let simulator_thread = if simulate {
        let instruments: Vec<_> = state.service.catalog().instruments().to_vec();
        let reference = |id: InstrumentId| {
            let market = state.service.market();
            market.ticker(id).and_then(|t| t.last).or_else(|| {
                state
                    .service
                    .catalog()
                    .instrument(id)
                    .and_then(|i| i.spec().reference_price)
            })
        };
        let sim = Simulator::new(&config.sim_config(), &instruments, reference);
        let venue = venue.clone();
        let stop = stop_simulator.clone();
        let orders = telemetry.counter(&names::SIMULATOR_ORDERS).get(&[]);
        Some(
            std::thread::Builder::new()
                .name("bourse-simulator".to_string())
                .spawn(move || run_simulator(venue, sim, sim_rx, stop, orders))
                .context("starting the simulator")?,
        )
    } else {
        None
    };

    let listener = tokio::net::TcpListener::bind(&config.server.addr)
        .await
        .with_context(|| format!("listening on {}", config.server.addr))?;
    let addr = listener.local_addr()?;
    let app = bourse_api::router_with_site(
        state.clone(),
        axum::Router::new().fallback(crate::web::serve),
        axum::routing::get(crate::web::docs),
    );
    let limits =
        crate::http::HttpLimits::above(config.server.header_bytes_max, config.server.headers_max);
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let grace = Duration::from_secs(config.server.shutdown_grace_secs);
    let server_state = state.clone();
    let done = tokio::spawn(async move {
        let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
        let signal_state = server_state.clone();
        let signal = async move {
            shutdown_signal(shutdown_rx).await;
            // WebSocket clients are told to go, so that the drain can finish.
            signal_state.hub.close_all(Close::SHUTDOWN);
            let _ = drained_tx.send(());
        };
        let server = crate::http::serve(listener, app, limits, signal);
        tokio::pin!(server);
        let mut drained = drained_rx;
        tokio::select! {
            () = &mut server => {}
            _ = &mut drained => {
                if tokio::time::timeout(grace, &mut server).await.is_err() {
                    tracing::warn!("requests still in flight after the grace period; stopping anyway");
                }
            }
        }
        // Strategies stop first: what they placed is durable or refused, and a
        // strategy resumed at the next start does not send it again.
        if let Some(runner) = strategy_runner {
            runner.abort();
            let _ = runner.await;
        }
        notices_task.abort();
        backtest_notices_task.abort();
        stop_simulator.store(true, Ordering::SeqCst);
        if let Some(thread) = simulator_thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        // The venue flushes the journal, releases everything and writes a snapshot.
        drop(server_state);
        let report = tokio::task::spawn_blocking(move || venue.shutdown())
            .await
            .context("stopping the venue")?;
        if let Some(report) = report {
            tracing::info!(last_seq = report.last_seq, state_hash = %report.state_hash, snapshot = ?report.snapshot, "venue stopped");
        }
        stats_task.abort();
        let _ = dispatcher.await;
        let _ = fan_out_task.await;
        let _ = projector_task.await;
        store.close().await;
        drop(lock);
        Ok(())
    });
    tracing::info!(%addr, profile = %config.profile, dashboard = crate::web::dashboard_embedded(), "listening");
    if !crate::web::dashboard_embedded() {
        tracing::warn!(
            "this binary was built without the web dashboard (npm was not found at build time)"
        );
    }
    Ok(Running {
        addr,
        state,
        shutdown: shutdown_tx,
        done,
    })
}
