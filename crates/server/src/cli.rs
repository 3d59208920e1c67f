//! Command-line arguments. Every flag is documented here; `bourse help <command>`
//! prints it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "bourse",
    version,
    about = "A self-hostable trading venue in one binary."
)]
pub struct Cli {
    /// How log lines on standard error are written.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "BOURSE_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the venue: engine, journal, API, market simulator (see docs/config.md).
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Empty the read models (orders, trades, transfers, balances, candles); the next
    /// `serve` rebuilds them from the journal. The venue must not be running.
    RebuildReadModels(ConfigArgs),
    /// Read and check the journal.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Load-test a venue: `rest` and `ws` place orders from many clients, `healthz`
    /// measures the bare HTTP stack, `fanout` WebSocket delivery to many subscribers,
    /// `loopback` the machine's own floor for that fan-out (see docs/cli.md).
    Bench(BenchArgs),
    /// Recover the data directory and write a snapshot at its last command. The venue
    /// must not be running.
    Snapshot(DataDirArgs),
    /// Print the API's OpenAPI 3.1 document (the one `/api/v1/openapi.json` serves).
    Openapi,
    /// Copy the data directory into DIR while the venue runs (or not): the newest
    /// snapshot, the journal, the SQLite read models, and a manifest with the last
    /// sequence number, the state hash there and every file's hash (see
    /// docs/operations.md).
    Backup(BackupArgs),
    /// Check the backup in DIR against its manifest and make it the data directory,
    /// which must be empty or absent. The venue must not be running. A damaged or
    /// incomplete backup is refused and nothing is changed.
    Restore(BackupArgs),
    /// Ask a probe over HTTP: exit 0 when it answers 2xx within the timeout, 1
    /// otherwise (the container image's health check).
    Healthcheck(HealthcheckArgs),
    /// List the built-in strategies and their parameters (ranges and defaults).
    Strategies,
    /// Run a built-in strategy over OHLCV bars through the fill model and print its
    /// report; `--report` writes it as a self-contained HTML page with charts (see
    /// docs/strategies.md).
    Backtest(BacktestArgs),
    /// Run a built-in strategy over a grid (or a random sample) of parameters on every
    /// core, ranked by a statistic, with optional walk-forward windows.
    Sweep(SweepArgs),
    /// Bring data into the venue.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Check and test compliance policies (Rego v1; see docs/compliance.md).
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the Rego tests of a policy directory (rules named `test_...`), printing
    /// pass or fail per test as `opa test` does; exit 1 when one fails.
    Test(PolicyDirArgs),
    /// Parse the policies of a directory and its data.json, and check that they
    /// decide (the gate's joined `deny` evaluates); exit 1 on the first problem.
    Check(PolicyDirArgs),
    /// Write the default policies, their tests and data into a directory, to start
    /// from.
    Defaults(PolicyDirArgs),
}

#[derive(Debug, Args)]
pub struct PolicyDirArgs {
    /// The directory of `.rego` files and an optional `data.json`.
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Write the OHLCV bars of a CSV file into the venue's read models as imported
    /// candles of one instrument and timeframe (a candle already stored for the same
    /// time is kept). Backtests over the venue's candles use them at once; the venue's
    /// charts show them after its next start.
    Candles(ImportCandlesArgs),
}

#[derive(Debug, Args)]
pub struct ImportCandlesArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// An OHLCV CSV file (header row; time, open, high, low, close, volume).
    pub file: PathBuf,
    /// The instrument, as configured (its tick, lot and decimals check the file).
    #[arg(long)]
    pub symbol: String,
    /// The bars' length: 1m, 5m, 15m, 1h, 4h or 1d.
    #[arg(long, default_value = "1m")]
    pub timeframe: String,
}

/// The bars a backtest runs on and how it trades them.
#[derive(Debug, Args)]
pub struct BarsArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// A built-in strategy (`bourse strategies` lists them).
    #[arg(long)]
    pub strategy: String,
    /// A parameter, `name=value`; repeat for more. Unset parameters take their default.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The instrument, as configured (its tick, lot, decimals and fees apply).
    #[arg(long, default_value = "BTC-USD")]
    pub symbol: String,
    /// The bars' length: 1m, 5m, 15m, 1h, 4h or 1d.
    #[arg(long, default_value = "1h")]
    pub timeframe: String,
    /// An OHLCV CSV file (header row; time, open, high, low, close, volume). Without
    /// it, the venue's stored candles of the instrument and timeframe (its generated
    /// past, recorded and imported candles), read from its database.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Only bars at or after this time (RFC 3339, or Unix milliseconds).
    #[arg(long)]
    pub from: Option<String>,
    /// Only bars before this time (RFC 3339, or Unix milliseconds).
    #[arg(long)]
    pub to: Option<String>,
    /// Starting cash, in the quote asset.
    #[arg(long, default_value = "100000")]
    pub cash: String,
    /// Slippage of market and stop fills, in basis points.
    #[arg(long, default_value_t = 5)]
    pub slippage_bps: u32,
    /// Fill limit orders when the price only reaches them (default: trades through).
    #[arg(long)]
    pub touch: bool,
    /// Write the full result as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub bars: BarsArgs,
    /// Write the report as an HTML page (readable offline) to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub bars: BarsArgs,
    /// A swept parameter and its values, `name=v1,v2,...`; repeat for more.
    #[arg(long = "grid", value_name = "NAME=V1,V2,...", required = true)]
    pub grid: Vec<String>,
    /// Run this many combinations drawn at random instead of all of them.
    #[arg(long)]
    pub sample: Option<usize>,
    /// The seed of the random sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The statistic to rank by: total_return, sharpe, sortino, calmar,
    /// profit_factor, win_rate, sqn or max_drawdown (lowest first).
    #[arg(long, default_value = "sharpe")]
    pub rank_by: String,
    /// Threads to run on (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Walk-forward: cut the bars into this many windows, choose in each window's
    /// first part and test on the rest.
    #[arg(long)]
    pub walk_forward: Option<usize>,
    /// The in-sample share of each walk-forward window.
    #[arg(long, default_value_t = 0.7)]
    pub in_sample: f64,
    /// Rows of the ranking to print.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The backup directory (new or empty for `backup`).
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The probe to ask, `http://HOST:PORT/PATH`.
    #[arg(long, default_value = "http://127.0.0.1:8080/healthz")]
    pub url: String,
    /// How long the answer may take, in milliseconds.
    #[arg(long, default_value_t = 2_000)]
    pub timeout_ms: u64,
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Check every record, the hash chain from the first record, a replay from an
    /// empty engine, and every snapshot against the replay. Changes nothing. Exits 1
    /// when anything is wrong.
    Verify(DataDirArgs),
    /// Print journal records, one line each: sequence number, time, hash, the command
    /// and its events, with values in decimals.
    Inspect(InspectArgs),
}

/// Where the configuration comes from.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// A TOML configuration file.
    #[arg(long, env = "BOURSE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The data directory (overrides the configuration).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// `demo` or `production` (overrides the configuration).
    #[arg(long)]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The address to listen on, HOST:PORT (overrides the configuration).
    #[arg(long)]
    pub addr: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input with --password-stdin,
    /// or generated and printed once.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[arg(long)]
    pub username: String,
    /// admin, trader, compliance or auditor.
    #[arg(long, default_value = "trader")]
    pub role: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// `rest`, `ws`, `healthz`, `fanout` or `loopback`.
    pub mode: String,
    /// A running venue (http://HOST:PORT). Without it, a venue is started on a
    /// temporary data directory and stopped afterwards.
    #[arg(long)]
    pub url: Option<String>,
    /// Concurrent clients (rest, ws), each with its own connection and user.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// How long to load the venue, in seconds.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// WebSocket subscribers (fanout), or sockets (loopback).
    #[arg(long, default_value_t = 1_000)]
    pub subscribers: usize,
    /// Trades per second to publish (fanout), or messages per second (loopback).
    #[arg(long, default_value_t = 100)]
    pub rate: u32,
    /// Keep the market simulator running in the started venue.
    #[arg(long)]
    pub simulator: bool,
}

#[derive(Debug, Args)]
pub struct DataDirArgs {
    /// The data directory (journal, snapshots).
    #[arg(long, default_value = "data", env = "BOURSE_DATA_DIR")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub dir: DataDirArgs,
    /// The first sequence number to print.
    #[arg(long, default_value_t = 1)]
    pub from: u64,
    /// How many records to print at most.
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
}
