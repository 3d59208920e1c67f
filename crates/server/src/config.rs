//! Configuration: built-in defaults for the chosen profile, then the TOML file, then
//! `BOURSE_<SECTION>_<KEY>` environment variables, then command-line flags. Every key is
//! documented in docs/config.md; unknown keys are an error, not ignored.

use anyhow::{Context, bail};
use bourse_api::{ApiConfig, WsConfig};
use bourse_engine::EngineLimits;
use bourse_journal::PipelineConfig;
use bourse_market::{SimConfig, SimInstrument};
use bourse_service::ServiceConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Which built-in defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Open registration, the faucet on.
    Demo,
    /// Registration and the faucet off.
    Production,
}

impl Profile {
    pub const fn as_str(self) -> &'static str {
        match self {
            Profile::Demo => "demo",
            Profile::Production => "production",
        }
    }

    pub fn parse(text: &str) -> anyhow::Result<Profile> {
        match text {
            "demo" => Ok(Profile::Demo),
            "production" => Ok(Profile::Production),
            _ => bail!("profile is `demo` or `production`, not {text:?}"),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When the journal syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fsync {
    /// One `fdatasync` per group commit, before anything in it is acknowledged.
    Batch,
    /// Never (backtests only: a crash loses acknowledged commands).
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub profile: Profile,
    pub server: ServerConfig,
    pub data: DataConfig,
    pub journal: JournalConfig,
    /// The engine's capacity limits, applied (journaled) when they change.
    pub engine: EngineLimits,
    pub queues: QueueConfig,
    pub auth: AuthConfig,
    pub faucet: FaucetConfig,
    pub rate_limits: RateLimitConfig,
    pub websocket: WebSocketConfig,
    pub simulator: SimulatorConfig,
    pub risk: RiskConfig,
    pub tracing: TracingConfig,
    pub assets: Vec<AssetConfig>,
    pub instruments: Vec<InstrumentConfig>,
    /// Live strategies the venue makes (and starts) at start when missing.
    pub strategies: Vec<StrategyConfig>,
}

/// A live strategy from the configuration: made for `user` at start when that user has
/// none of that name (funded from the user's main account with `funding`), given
/// `params` when they differ from the ones in force, and started with `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyConfig {
    /// An existing user's name.
    pub user: String,
    pub name: String,
    /// A built-in (`bourse strategies` lists them).
    pub strategy: String,
    pub symbol: String,
    #[serde(default = "default_timeframe")]
    pub timeframe: String,
    #[serde(default)]
    pub params: BTreeMap<String, bourse_strategy::params::ParamValue>,
    /// Quote moved into its sub-account when it is made (decimal; none when absent).
    #[serde(default)]
    pub funding: Option<String>,
    /// Start it when it is not running or paused.
    #[serde(default)]
    pub start: bool,
}

fn default_timeframe() -> String {
    "1m".to_string()
}

/// The default risk limits of every account without its own, and the trading day's
/// start. Applied (as journaled commands) at start when they differ from what was
/// applied last; an admin's change through the API stands until this changes again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskConfig {
    /// Seconds after 00:00 UTC (0 to 86,399).
    pub trading_day_start_secs: u32,
    /// The most open orders per account (0: no limit).
    pub open_orders_max: u32,
    /// By quote asset code: the largest value of one order.
    pub order_notional_max: BTreeMap<String, String>,
    /// By quote asset code: the largest value of all open orders.
    pub open_notional_max: BTreeMap<String, String>,
    /// By quote asset code: the largest loss of a trading day.
    pub daily_loss_max: BTreeMap<String, String>,
    /// By symbol: the largest position, base units.
    pub position_max: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    /// The largest request header block answered normally; larger ones get 431.
    pub header_bytes_max: usize,
    /// The most headers a request may have; more get 431.
    pub headers_max: usize,
    pub read_wait_ms: u64,
    pub command_timeout_ms: u64,
    /// Seconds to let requests in flight finish on shutdown.
    pub shutdown_grace_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub dir: PathBuf,
    /// Empty: SQLite in the data directory. `postgres://...` for PostgreSQL.
    pub database_url: String,
    /// PostgreSQL schema for the tables (empty: the connection's default).
    pub database_schema: String,
    /// Under load, read-model writes are gathered for up to this long per transaction;
    /// an idle venue writes at once, and so does a request that reads its own write.
    pub projection_interval_ms: u64,
    /// How long a read-model query may take before the database counts as
    /// unavailable (503 `DATABASE_UNAVAILABLE`).
    pub database_timeout_ms: u64,
    /// Read-model rows held in memory while the database is away; past this the venue
    /// slows down rather than grow.
    pub projection_backlog_max: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    pub fsync: Fsync,
    pub segment_mb: u64,
    pub batch_commands_max: usize,
    pub submit_queue_max: usize,
    /// Commands in one submission to the sequencer's queue, at most.
    pub submit_batch_max: usize,
    /// Groups handed to the journal writer and not yet durable, at most.
    pub groups_in_flight_max: usize,
    pub snapshot_every_commands: u64,
    pub snapshot_every_secs: u64,
    pub snapshots_retained: usize,
}

/// The bounds of the queues between the venue's parts (in batches of released
/// commands unless said otherwise). When one is full, the part before it waits: the
/// venue slows down rather than grow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// From the core thread to the release dispatcher.
    pub release_batches_max: usize,
    /// From the dispatcher to the fan-out (the projector and the simulator).
    pub dispatched_batches_max: usize,
    /// Into the projector (the read models).
    pub projector_batches_max: usize,
    /// Into the simulator; when full, the simulator misses batches (it only learns
    /// the market from them) rather than slow the venue.
    pub simulator_batches_max: usize,
    /// Released commands per batch while the read models catch up from the journal at
    /// start.
    pub catch_up_batch_commands: usize,
    /// Read-model rows one projector round gathers before it writes, at most.
    pub projector_round_rows_max: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            release_batches_max: 256,
            dispatched_batches_max: 64,
            projector_batches_max: 64,
            simulator_batches_max: 1_024,
            catch_up_batch_commands: 1_000,
            projector_round_rows_max: 50_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub registration_open: bool,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    /// Empty: a random secret is made on first start and kept in the database.
    pub jwt_secret: String,
    /// Ended sessions remembered in memory (each for an access token's lifetime).
    pub revoked_sessions_max: usize,
    /// API keys kept verified in memory.
    pub api_key_cache_max: usize,
    /// Refuse the access tokens of ended sessions at once (logout, reuse, password
    /// change, disabled user). Off only to measure the check's cost.
    pub session_revocation: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaucetConfig {
    pub enabled: bool,
    /// The largest amount per request, by asset code.
    pub max_per_request: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub user_per_second: u32,
    pub user_burst: u32,
    pub address_per_second: u32,
    pub address_burst: u32,
    pub entries_max: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocketConfig {
    pub queue_len_max: usize,
    pub heartbeat_secs: u64,
    pub idle_timeout_secs: u64,
    pub subscriptions_max: usize,
    pub connections_max: usize,
    /// The largest client message; a larger one closes the connection with 1009.
    pub message_bytes_max: usize,
    /// How long a close frame may take to write before the connection is dropped.
    pub close_timeout_ms: u64,
}

/// Where spans go. Off by default: the trace id is still in every request's log lines,
/// error envelopes and `traceparent` response header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracingConfig {
    /// An OTLP/HTTP (protobuf) traces endpoint, such as
    /// `http://otel-collector:4318/v1/traces` (a URL without a path gets `/v1/traces`);
    /// empty: no export.
    pub otlp_endpoint: String,
    /// The `service.name` of exported spans.
    pub service_name: String,
}

impl Default for TracingConfig {
    fn default() -> Self {
        TracingConfig {
            otlp_endpoint: String::new(),
            service_name: "bourse".to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    pub enabled: bool,
    pub seed: u64,
    pub tick_ms: u64,
    /// Days of generated 1-minute candles a fresh venue starts with (0: none).
    pub history_days: u32,
    pub instruments: Vec<SimInstrument>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetConfig {
    pub code: String,
    pub decimals: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentConfig {
    pub symbol: String,
    pub price_decimals: u8,
    pub tick_size: String,
    pub lot_size: String,
    pub min_quantity: String,
    pub max_quantity: String,
    pub min_notional: String,
    pub price_band_bps: u32,
    pub maker_fee_bps: u16,
    pub taker_fee_bps: u16,
    pub reference_price: String,
}

fn asset(code: &str, decimals: u8) -> AssetConfig {
    AssetConfig {
        code: code.to_string(),
        decimals,
    }
}

#[allow(clippy::too_many_arguments)]
fn instrument(
    symbol: &str,
    price_decimals: u8,
    tick: &str,
    lot: &str,
    max: &str,
    min_notional: &str,
    band_bps: u32,
    fees: (u16, u16),
    reference: &str,
) -> InstrumentConfig {
    InstrumentConfig {
        symbol: symbol.to_string(),
        price_decimals,
        tick_size: tick.to_string(),
        lot_size: lot.to_string(),
        min_quantity: lot.to_string(),
        max_quantity: max.to_string(),
        min_notional: min_notional.to_string(),
        price_band_bps: band_bps,
        maker_fee_bps: fees.0,
        taker_fee_bps: fees.1,
        reference_price: reference.to_string(),
    }
}

fn sim(
    symbol: &str,
    volatility: f64,
    half_spread: u32,
    step: u32,
    size: &str,
    noise: u32,
) -> SimInstrument {
    SimInstrument {
        symbol: symbol.to_string(),
        volatility_pct_per_hour: volatility,
        levels: 5,
        half_spread_bps: half_spread,
        level_step_bps: step,
        quote_size: size.to_string(),
        noise_orders_per_minute: noise,
    }
}

impl Config {
    /// The built-in defaults of a profile. Each part's defaults are defined once, by
    /// the part (the API, the use cases, the pipeline, the engine); this only gathers
    /// them and adds the binary's own.
    pub fn defaults(profile: Profile) -> Config {
        let demo = profile == Profile::Demo;
        let api = ApiConfig::default();
        let ws = WsConfig::default();
        let service = ServiceConfig::default();
        let pipeline = PipelineConfig::default();
        let secs = |d: std::time::Duration| d.as_secs();
        let millis = |d: std::time::Duration| d.as_millis() as u64;
        Config {
            profile,
            server: ServerConfig {
                addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
                cors_origins: Vec::new(),
                body_limit_bytes: api.body_limit_bytes,
                header_bytes_max: api.header_bytes_max,
                headers_max: api.headers_max,
                read_wait_ms: millis(service.read_wait),
                command_timeout_ms: millis(service.command_timeout),
                shutdown_grace_secs: 10,
            },
            data: DataConfig {
                dir: PathBuf::from("data"),
                database_url: String::new(),
                database_schema: String::new(),
                projection_interval_ms: 200,
                database_timeout_ms: millis(service.database_timeout),
                projection_backlog_max: 1_000_000,
            },
            journal: JournalConfig {
                fsync: match pipeline.fsync {
                    bourse_journal::FsyncPolicy::Batch => Fsync::Batch,
                    bourse_journal::FsyncPolicy::Never => Fsync::None,
                },
                segment_mb: pipeline.segment_bytes_max >> 20,
                batch_commands_max: pipeline.batch_commands_max,
                submit_queue_max: pipeline.submit_queue_max,
                submit_batch_max: pipeline.submit_batch_max,
                groups_in_flight_max: pipeline.journal_queue_max,
                snapshot_every_commands: pipeline.snapshot_every_commands,
                snapshot_every_secs: pipeline.snapshot_every.map_or(0, secs),
                snapshots_retained: pipeline.snapshots_retained,
            },
            engine: EngineLimits::default(),
            queues: QueueConfig::default(),
            auth: AuthConfig {
                registration_open: demo,
                access_token_ttl_secs: secs(api.access_token_ttl),
                refresh_token_ttl_secs: secs(api.refresh_token_ttl),
                jwt_secret: String::new(),
                revoked_sessions_max: api.revoked_sessions_max,
                api_key_cache_max: api.api_key_cache_max,
                session_revocation: api.session_revocation,
            },
            faucet: FaucetConfig {
                enabled: demo,
                max_per_request: [
                    ("USD", "100000"),
                    ("BTC", "2"),
                    ("ETH", "50"),
                    ("EUR", "100000"),
                    ("AAPL", "500"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            },
            rate_limits: RateLimitConfig {
                user_per_second: api.user_limit.per_second,
                user_burst: api.user_limit.burst,
                address_per_second: api.address_limit.per_second,
                address_burst: api.address_limit.burst,
                entries_max: api.rate_limit_entries_max,
            },
            websocket: WebSocketConfig {
                queue_len_max: ws.queue_len_max,
                heartbeat_secs: secs(ws.heartbeat),
                idle_timeout_secs: secs(ws.idle_timeout),
                subscriptions_max: ws.subscriptions_max,
                connections_max: ws.connections_max,
                message_bytes_max: ws.message_bytes_max,
                close_timeout_ms: millis(ws.close_timeout),
            },
            risk: RiskConfig::default(),
            tracing: TracingConfig::default(),
            simulator: SimulatorConfig {
                enabled: true,
                seed: 7,
                tick_ms: 500,
                history_days: 30,
                instruments: vec![
                    sim("BTC-USD", 1.5, 4, 4, "0.25", 30),
                    sim("ETH-USD", 2.0, 5, 5, "3", 24),
                    sim("EUR-USD", 0.15, 1, 1, "20000", 18),
                    sim("AAPL-USD", 0.8, 3, 3, "40", 12),
                ],
            },
            assets: vec![
                asset("USD", 6),
                asset("BTC", 8),
                asset("ETH", 8),
                asset("EUR", 2),
                asset("AAPL", 4),
            ],
            strategies: Vec::new(),
            instruments: vec![
                instrument(
                    "BTC-USD",
                    2,
                    "0.01",
                    "0.0001",
                    "1000",
                    "1",
                    1_000,
                    (10, 20),
                    "65000",
                ),
                instrument(
                    "ETH-USD",
                    2,
                    "0.01",
                    "0.001",
                    "10000",
                    "1",
                    1_000,
                    (10, 20),
                    "3500",
                ),
                instrument(
                    "EUR-USD",
                    5,
                    "0.00001",
                    "1",
                    "10000000",
                    "1",
                    200,
                    (2, 5),
                    "1.085",
                ),
                instrument(
                    "AAPL-USD",
                    2,
                    "0.01",
                    "0.0001",
                    "100000",
                    "1",
                    1_000,
                    (5, 10),
                    "190",
                ),
            ],
        }
    }

    /// Loads the configuration: defaults, `file` (if given), the environment, then
    /// `flags` (key paths like `server.addr` with their values).
    pub fn load(
        file: Option<&Path>,
        env: &BTreeMap<String, String>,
        flags: &[(&str, String)],
    ) -> anyhow::Result<Config> {
        let file_value: toml::Value = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => toml::Value::Table(Default::default()),
        };
        // The profile decides the defaults, so it is settled first.
        let mut profile = file_value
            .get("profile")
            .and_then(|v| v.as_str())
            .unwrap_or("demo")
            .to_string();
        if let Some(p) = env.get("BOURSE_PROFILE") {
            profile = p.clone();
        }
        if let Some((_, p)) = flags.iter().find(|(k, _)| *k == "profile") {
            profile = p.clone();
        }
        let profile = Profile::parse(&profile)?;
        let mut value = toml::Value::try_from(Config::defaults(profile))?;
        merge(&mut value, file_value);
        apply_env(&mut value, env)?;
        for (path, text) in flags {
            set_path(&mut value, path, text)?;
        }
        if let Some(table) = value.as_table_mut() {
            table.insert(
                "profile".to_string(),
                toml::Value::String(profile.as_str().to_string()),
            );
        }
        let config: Config = value.try_into().context("the configuration is invalid")?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.simulator.tick_ms == 0 {
            bail!("simulator.tick_ms must be positive");
        }
        if self.simulator.history_days > bourse_market::history::HISTORY_DAYS_MAX {
            bail!(
                "simulator.history_days is at most {}",
                bourse_market::history::HISTORY_DAYS_MAX
            );
        }
        Ok(())
    }

    /// The database URL: the configured one, `DATABASE_URL`, or SQLite in the data
    /// directory.
    pub fn database_url(&self) -> String {
        if !self.data.database_url.is_empty() {
            return self.data.database_url.clone();
        }
        bourse_store::sqlite_url(&absolute(&self.data.dir).join("bourse.db"))
    }

    pub fn sim_config(&self) -> SimConfig {
        SimConfig {
            seed: self.simulator.seed,
            tick_ms: self.simulator.tick_ms,
            instruments: self.simulator.instruments.clone(),
        }
    }
}

pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    }
}

/// Deep-merges `overlay` into `base`: tables merge, anything else replaces.
fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) if existing.is_table() && value.is_table() => {
                        merge(existing, value)
                    }
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// Sets `section.key` from text, typed like the value it replaces.
fn set_path(root: &mut toml::Value, path: &str, text: &str) -> anyhow::Result<()> {
    let (section, key) = match path.split_once('.') {
        Some((section, key)) => (Some(section), key),
        None => (None, path),
    };
    let table = match section {
        Some(section) => root
            .get_mut(section)
            .and_then(|v| v.as_table_mut())
            .with_context(|| format!("no configuration section {section:?}"))?,
        None => root
            .as_table_mut()
            .context("the configuration is a table")?,
    };
    let existing = table
        .get(key)
        .with_context(|| format!("no configuration key {path:?}"))?;
    let value = match existing {
        toml::Value::Boolean(_) => toml::Value::Boolean(match text {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => bail!("{path} takes true or false, not {text:?}"),
        }),
        toml::Value::Integer(_) => toml::Value::Integer(
            text.parse()
                .with_context(|| format!("{path} takes a whole number, not {text:?}"))?,
        ),
        toml::Value::Float(_) => toml::Value::Float(
            text.parse()
                .with_context(|| format!("{path} takes a number, not {text:?}"))?,
        ),
        toml::Value::Array(_) => toml::Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_string()))
                .collect(),
        ),
        _ => toml::Value::String(text.to_string()),
    };
    table.insert(key.to_string(), value);
    Ok(())
}

/// Sections whose scalar keys environment variables may set.
const ENV_SECTIONS: &[&str] = &[
    "server",
    "data",
    "journal",
    "engine",
    "queues",
    "auth",
    "faucet",
    "rate_limits",
    "websocket",
    "simulator",
    "tracing",
];

/// `BOURSE_<SECTION>_<KEY>` overrides `section.key`; `DATABASE_URL` overrides
/// `data.database_url`. An unknown `BOURSE_` variable is an error (a typo should not
/// be silently ignored), except the few the binary reads itself.
fn apply_env(value: &mut toml::Value, env: &BTreeMap<String, String>) -> anyhow::Result<()> {
    const OTHER: &[&str] = &[
        "BOURSE_PROFILE",
        "BOURSE_CONFIG",
        "BOURSE_ADMIN_PASSWORD",
        "BOURSE_LOG_FORMAT",
        "BOURSE_DATA_DIR",
    ];
    if let Some(url) = env.get("DATABASE_URL").filter(|u| !u.is_empty()) {
        set_path(value, "data.database_url", url)?;
    }
    if let Some(dir) = env.get("BOURSE_DATA_DIR") {
        set_path(value, "data.dir", dir)?;
    }
    for (name, text) in env {
        let Some(rest) = name.strip_prefix("BOURSE_") else {
            continue;
        };
        if OTHER.contains(&name.as_str()) || name.starts_with("BOURSE_TEST_") {
            continue;
        }
        let rest = rest.to_ascii_lowercase();
        let section = ENV_SECTIONS
            .iter()
            .filter(|s| rest.starts_with(&format!("{s}_")))
            .max_by_key(|s| s.len())
            .with_context(|| format!("{name} does not name a configuration key"))?;
        let key = &rest[section.len() + 1..];
        set_path(value, &format!("{section}.{key}"), text)
            .with_context(|| format!("from {name}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("bourse-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bourse.toml");
        std::fs::write(&file, "[server]\naddr = \"127.0.0.1:9000\"\n[simulator]\nenabled = false\n[rate_limits]\nuser_burst = 7\n").unwrap();
        let config = Config::load(
            Some(&file),
            &env(&[
                ("BOURSE_SERVER_ADDR", "127.0.0.1:9001"),
                ("BOURSE_RATE_LIMITS_USER_PER_SECOND", "3"),
            ]),
            &[("data.dir", "/tmp/x".to_string())],
        )
        .unwrap();
        assert_eq!(config.server.addr, "127.0.0.1:9001".parse().unwrap());
        assert!(!config.simulator.enabled);
        assert_eq!(
            (
                config.rate_limits.user_per_second,
                config.rate_limits.user_burst
            ),
            (3, 7)
        );
        assert_eq!(config.data.dir, PathBuf::from("/tmp/x"));
        assert!(config.auth.registration_open && config.faucet.enabled);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn production_closes_registration_and_the_faucet() {
        let config = Config::load(None, &env(&[("BOURSE_PROFILE", "production")]), &[]).unwrap();
        assert!(!config.auth.registration_open && !config.faucet.enabled);
        let config = Config::load(
            None,
            &env(&[
                ("BOURSE_PROFILE", "production"),
                ("BOURSE_FAUCET_ENABLED", "true"),
            ]),
            &[],
        )
        .unwrap();
        assert!(
            config.faucet.enabled,
            "an explicit setting wins over the profile"
        );
    }

    #[test]
    fn mistakes_are_errors() {
        assert!(Config::load(None, &env(&[("BOURSE_SERVER_ADRR", "x")]), &[]).is_err());
        assert!(Config::load(None, &env(&[("BOURSE_SIMULATOR_ENABLED", "maybe")]), &[]).is_err());
        assert!(Config::load(None, &env(&[("BOURSE_SERVER_ADDR", "nowhere")]), &[]).is_err());
        assert!(Config::load(None, &env(&[("BOURSE_PROFILE", "staging")]), &[]).is_err());
        let dir = std::env::temp_dir().join(format!("bourse-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[server]\nport = 1\n").unwrap();
        assert!(Config::load(Some(&file), &BTreeMap::new(), &[]).is_err());
        std::fs::write(&file, "[engine]\nassets_maximum = 1\n").unwrap();
        assert!(
            Config::load(Some(&file), &BTreeMap::new(), &[]).is_err(),
            "the engine's limits refuse unknown keys too"
        );
        let fsync = Config::load(None, &env(&[("BOURSE_JOURNAL_FSYNC", "sometimes")]), &[]);
        assert!(format!("{:#}", fsync.unwrap_err()).contains("sometimes"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn values_are_typed_and_every_section_takes_its_variables() {
        let config = Config::load(
            None,
            &env(&[
                ("BOURSE_JOURNAL_FSYNC", "none"),
                ("BOURSE_ENGINE_ASSETS_MAX", "12"),
                ("BOURSE_QUEUES_RELEASE_BATCHES_MAX", "32"),
                ("BOURSE_TRACING_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
                ("BOURSE_SERVER_ADDR", "[::1]:9000"),
            ]),
            &[("profile", "production".to_string())],
        )
        .unwrap();
        assert_eq!(config.journal.fsync, Fsync::None);
        assert_eq!(config.engine.assets_max, 12);
        assert_eq!(config.queues.release_batches_max, 32);
        assert_eq!(config.tracing.otlp_endpoint, "http://127.0.0.1:4318");
        assert_eq!(config.server.addr, "[::1]:9000".parse().unwrap());
        assert_eq!(config.profile, Profile::Production);
    }

    #[test]
    fn the_defaults_are_those_of_the_parts() {
        let config = Config::defaults(Profile::Demo);
        let api = ApiConfig::default();
        assert_eq!(
            config.rate_limits.address_per_second,
            api.address_limit.per_second
        );
        assert_eq!(config.rate_limits.address_burst, api.address_limit.burst);
        assert_eq!(
            config.rate_limits.user_per_second,
            api.user_limit.per_second
        );
        assert_eq!(config.auth.api_key_cache_max, api.api_key_cache_max);
        assert_eq!(
            config.websocket.queue_len_max,
            WsConfig::default().queue_len_max
        );
        assert_eq!(config.engine, EngineLimits::default());
        let pipeline = PipelineConfig::default();
        assert_eq!(config.journal.submit_queue_max, pipeline.submit_queue_max);
        assert_eq!(config.journal.segment_mb << 20, pipeline.segment_bytes_max);
        assert_eq!(
            config.server.command_timeout_ms as u128,
            ServiceConfig::default().command_timeout.as_millis()
        );
    }
}
