//! Every metric the venue exposes: its name, help, unit, type and labels, in one place.
//! docs/metrics.md documents each of them (a test keeps the two in step), and nothing
//! else names a metric.
//!
//! Names follow Prometheus' conventions: a `bourse_` prefix, base units (seconds,
//! bytes) as a suffix, `_total` on counters (added by the exposition). Labels take a
//! bounded set of values: command kinds, reject codes, route templates, statuses; never
//! a user, an account or an order.

/// What kind of metric a spec describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// The unit a metric's name ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    None,
    Seconds,
    Bytes,
}

impl Unit {
    pub const fn suffix(self) -> &'static str {
        match self {
            Unit::None => "",
            Unit::Seconds => "seconds",
            Unit::Bytes => "bytes",
        }
    }
}

/// The buckets of a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buckets {
    /// [`crate::metric::LATENCY_BOUNDS_NS`], in seconds.
    Latency,
    /// [`crate::metric::SIZE_BOUNDS`].
    Sizes,
}

/// One metric.
#[derive(Debug, PartialEq, Eq)]
pub struct Spec {
    /// The name without its unit and without `_total`.
    pub base: &'static str,
    pub help: &'static str,
    pub unit: Unit,
    pub kind: Kind,
    pub labels: &'static [&'static str],
    /// Histograms only.
    pub buckets: Buckets,
}

impl Spec {
    /// The family's name: the base and the unit (`bourse_http_request_seconds`).
    pub fn family(&self) -> String {
        match self.unit {
            Unit::None => self.base.to_string(),
            unit => format!("{}_{}", self.base, unit.suffix()),
        }
    }

    /// The name queries use: the family's, with `_total` for a counter.
    pub fn series(&self) -> String {
        match self.kind {
            Kind::Counter => format!("{}_total", self.family()),
            _ => self.family(),
        }
    }
}

const fn counter(base: &'static str, help: &'static str, labels: &'static [&'static str]) -> Spec {
    Spec {
        base,
        help,
        unit: Unit::None,
        kind: Kind::Counter,
        labels,
        buckets: Buckets::Sizes,
    }
}

const fn gauge(base: &'static str, help: &'static str, labels: &'static [&'static str]) -> Spec {
    Spec {
        base,
        help,
        unit: Unit::None,
        kind: Kind::Gauge,
        labels,
        buckets: Buckets::Sizes,
    }
}

const fn latency(base: &'static str, help: &'static str, labels: &'static [&'static str]) -> Spec {
    Spec {
        base,
        help,
        unit: Unit::Seconds,
        kind: Kind::Histogram,
        labels,
        buckets: Buckets::Latency,
    }
}

const fn with_unit(spec: Spec, unit: Unit) -> Spec {
    Spec { unit, ..spec }
}

// The engine and the journal.
pub static COMMANDS: Spec = counter(
    "bourse_commands",
    "Commands the engine applied, by kind and outcome (rejected when the engine refused it).",
    &["kind", "outcome"],
);
pub static REJECTIONS: Spec = counter(
    "bourse_rejections",
    "Commands the engine refused, by reject code.",
    &["code"],
);
pub static ENGINE_APPLY: Spec = latency(
    "bourse_engine_apply",
    "Time the core thread spent applying one batch of commands to the engine.",
    &[],
);
pub static SUBMIT_QUEUE_DEPTH: Spec = gauge(
    "bourse_submit_queue_depth",
    "Submissions waiting in the bounded queue in front of the sequencer.",
    &[],
);
pub static JOURNAL_GROUP_COMMANDS: Spec = Spec {
    base: "bourse_journal_group_commands",
    help: "Commands in one group commit of the journal.",
    unit: Unit::None,
    kind: Kind::Histogram,
    labels: &[],
    buckets: Buckets::Sizes,
};
pub static JOURNAL_WRITE: Spec = latency(
    "bourse_journal_write",
    "Time to write one group of commands to the journal's segment (before the sync).",
    &[],
);
pub static JOURNAL_FSYNC: Spec = latency(
    "bourse_journal_fsync",
    "Time to make one group durable (fdatasync of the segment).",
    &[],
);
pub static JOURNAL_WRITTEN: Spec = with_unit(
    counter(
        "bourse_journal_written",
        "Bytes appended to the journal.",
        &[],
    ),
    Unit::Bytes,
);
pub static JOURNAL_SEQUENCE: Spec = gauge(
    "bourse_journal_sequence",
    "The pipeline's watermarks: the last sequence number applied by the engine, made durable by the journal, and released to the callers.",
    &["watermark"],
);
pub static JOURNAL_DURABLE_LAG: Spec = gauge(
    "bourse_journal_durable_lag",
    "Commands applied by the engine and not yet durable (applied minus durable watermark).",
    &[],
);
pub static JOURNAL_AVAILABLE: Spec = gauge(
    "bourse_journal_available",
    "1 while the journal makes commands durable; 0 once it failed and the venue refuses commands.",
    &[],
);
pub static SNAPSHOT: Spec = latency(
    "bourse_snapshot",
    "Time to write one snapshot of the engine's state.",
    &[],
);
pub static DISPATCH_DELAY: Spec = latency(
    "bourse_dispatch_delay",
    "Time from the release of durable events to their dispatch to read models and subscribers.",
    &[],
);
pub static COMMAND_ROUNDTRIP: Spec = latency(
    "bourse_command_roundtrip",
    "Time from a use case's submission of a command to its durable answer, by command kind.",
    &["kind"],
);
pub static TRADES: Spec = counter("bourse_trades", "Trades executed by the engine.", &[]);

// Risk.
pub static RISK_STOP_TRIGGERS: Spec = counter(
    "bourse_risk_stop_triggers",
    "Conditional orders (stops, take-profits, trailing stops) that triggered.",
    &[],
);
pub static RISK_LOSS_LIMIT_BREACHES: Spec = counter(
    "bourse_risk_loss_limit_breaches",
    "Accounts that reached their daily loss limit.",
    &[],
);
pub static RISK_PANICS: Spec = counter(
    "bourse_risk_panics",
    "Panic-button presses (an account's orders cancelled).",
    &[],
);
pub static RISK_TRADING_HALTED: Spec = gauge(
    "bourse_risk_trading_halted",
    "1 while the venue-wide kill switch halts trading.",
    &[],
);

// HTTP.
pub static HTTP_REQUESTS: Spec = counter(
    "bourse_http_requests",
    "HTTP requests answered, by method, route template and status.",
    &["method", "route", "status"],
);
pub static HTTP_REQUEST_DURATION: Spec = latency(
    "bourse_http_request",
    "Time to answer an HTTP request, by method and route template.",
    &["method", "route"],
);
pub static HTTP_IN_FLIGHT: Spec = gauge(
    "bourse_http_requests_in_flight",
    "HTTP requests being answered.",
    &[],
);
pub static RATE_LIMIT_REFUSALS: Spec = counter(
    "bourse_rate_limit_refusals",
    "Requests refused by a rate limit, by the limit's scope.",
    &["scope"],
);

// WebSocket.
pub static WS_CONNECTIONS: Spec = gauge(
    "bourse_ws_connections_open",
    "WebSocket connections open.",
    &[],
);
pub static WS_CONNECTIONS_OPENED: Spec = counter(
    "bourse_ws_connections_opened",
    "WebSocket connections accepted.",
    &[],
);
pub static WS_SUBSCRIPTIONS: Spec = gauge(
    "bourse_ws_subscriptions",
    "Topic subscriptions held by open WebSocket connections.",
    &[],
);
pub static WS_MESSAGES_SENT: Spec = counter(
    "bourse_ws_messages_sent",
    "Messages queued to WebSocket subscribers.",
    &[],
);
pub static WS_SLOW_CONSUMERS: Spec = counter(
    "bourse_ws_slow_consumers",
    "WebSocket connections closed because their queue was full (a client that does not read).",
    &[],
);

// Read models.
pub static PROJECTOR_LAG: Spec = gauge(
    "bourse_projector_lag",
    "Sequence numbers released by the engine and not yet written to the read models.",
    &[],
);
pub static PROJECTOR_ROUND: Spec = latency(
    "bourse_projector_round",
    "Time to write one round of read-model rows to the database.",
    &[],
);
pub static PROJECTOR_BACKLOG: Spec = gauge(
    "bourse_projector_backlog",
    "Read-model rows held in memory waiting to be written.",
    &[],
);
pub static DB_POOL_CONNECTIONS: Spec = gauge(
    "bourse_db_pool_connections",
    "Connections of the read-model database pool, by state (idle, in_use).",
    &["state"],
);
pub static DB_POOL_MAX: Spec = gauge(
    "bourse_db_pool_max_connections",
    "Most connections the read-model database pool opens.",
    &[],
);
pub static DB_QUERY: Spec = latency(
    "bourse_db_query",
    "Time of read-model database work, by operation (read: a query of a request; write: a projector transaction).",
    &["op"],
);

// The simulator.
pub static SIMULATOR_ORDERS: Spec = counter(
    "bourse_simulator_orders",
    "Orders the market simulator submitted.",
    &[],
);

// Backtests.
pub static BACKTESTS: Spec = counter(
    "bourse_backtests",
    "Backtests that ended, by how: done, failed, cancelled.",
    &["status"],
);
pub static BACKTESTS_ACTIVE: Spec = gauge(
    "bourse_backtests_active",
    "Backtests queued or running.",
    &[],
);
pub static BACKTEST_BARS: Spec = counter(
    "bourse_backtest_bars",
    "Bars the venue's backtests have run through.",
    &[],
);

// Live strategies and signals.
pub static STRATEGIES_RUNNING: Spec = gauge(
    "bourse_strategies_running",
    "Live strategies the runner holds (running or paused).",
    &[],
);
pub static STRATEGY_ORDERS: Spec = counter(
    "bourse_strategy_orders",
    "Orders live strategies sent, by result: accepted, rejected.",
    &["result"],
);
pub static STRATEGY_FAILURES: Spec = counter(
    "bourse_strategy_failures",
    "Live strategies the venue stopped (their code panicked, or they lost track of their orders).",
    &[],
);
pub static SIGNALS: Spec = counter(
    "bourse_signals",
    "Signals strategies gave, by side: buy, sell, hold.",
    &["side"],
);

// The build and the process.
pub static BUILD_INFO: Spec = gauge(
    "bourse_build_info",
    "Always 1; the version of the running binary as a label.",
    &["version"],
);
pub static PROCESS_CPU: Spec = with_unit(
    counter(
        "process_cpu",
        "User and system CPU time the process spent.",
        &[],
    ),
    Unit::Seconds,
);
pub static PROCESS_RESIDENT_MEMORY: Spec = with_unit(
    gauge("process_resident_memory", "Resident memory size.", &[]),
    Unit::Bytes,
);
pub static PROCESS_VIRTUAL_MEMORY: Spec = with_unit(
    gauge("process_virtual_memory", "Virtual memory size.", &[]),
    Unit::Bytes,
);
pub static PROCESS_OPEN_FDS: Spec = gauge("process_open_fds", "Open file descriptors.", &[]);
pub static PROCESS_MAX_FDS: Spec = gauge(
    "process_max_fds",
    "Most file descriptors the process may open.",
    &[],
);
pub static PROCESS_START_TIME: Spec = with_unit(
    gauge(
        "process_start_time",
        "Start time of the process since the Unix epoch.",
        &[],
    ),
    Unit::Seconds,
);

/// Every metric, in the order of the exposition.
pub static ALL: &[&Spec] = &[
    &COMMANDS,
    &REJECTIONS,
    &ENGINE_APPLY,
    &SUBMIT_QUEUE_DEPTH,
    &JOURNAL_GROUP_COMMANDS,
    &JOURNAL_WRITE,
    &JOURNAL_FSYNC,
    &JOURNAL_WRITTEN,
    &JOURNAL_SEQUENCE,
    &JOURNAL_DURABLE_LAG,
    &JOURNAL_AVAILABLE,
    &SNAPSHOT,
    &DISPATCH_DELAY,
    &COMMAND_ROUNDTRIP,
    &TRADES,
    &RISK_STOP_TRIGGERS,
    &RISK_LOSS_LIMIT_BREACHES,
    &RISK_PANICS,
    &RISK_TRADING_HALTED,
    &HTTP_REQUESTS,
    &HTTP_REQUEST_DURATION,
    &HTTP_IN_FLIGHT,
    &RATE_LIMIT_REFUSALS,
    &WS_CONNECTIONS,
    &WS_CONNECTIONS_OPENED,
    &WS_SUBSCRIPTIONS,
    &WS_MESSAGES_SENT,
    &WS_SLOW_CONSUMERS,
    &PROJECTOR_LAG,
    &PROJECTOR_ROUND,
    &PROJECTOR_BACKLOG,
    &DB_POOL_CONNECTIONS,
    &DB_POOL_MAX,
    &DB_QUERY,
    &SIMULATOR_ORDERS,
    &BACKTESTS,
    &BACKTESTS_ACTIVE,
    &BACKTEST_BARS,
    &STRATEGIES_RUNNING,
    &STRATEGY_ORDERS,
    &STRATEGY_FAILURES,
    &SIGNALS,
    &BUILD_INFO,
    &PROCESS_CPU,
    &PROCESS_RESIDENT_MEMORY,
    &PROCESS_VIRTUAL_MEMORY,
    &PROCESS_OPEN_FDS,
    &PROCESS_MAX_FDS,
    &PROCESS_START_TIME,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_follow_the_conventions() {
        let mut families: Vec<String> = ALL.iter().map(|s| s.family()).collect();
        families.sort();
        let n = families.len();
        families.dedup();
        assert_eq!(families.len(), n, "two metrics share a family name");
        for spec in ALL {
            let family = spec.family();
            assert!(
                family.starts_with("bourse_") || family.starts_with("process_"),
                "{family}"
            );
            assert!(
                family
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{family}"
            );
            assert!(
                !spec.base.ends_with("_total"),
                "{family}: _total comes from the type"
            );
            assert!(!spec.help.is_empty());
            if spec.kind == Kind::Histogram && spec.buckets == Buckets::Latency {
                assert_eq!(spec.unit, Unit::Seconds, "{family}");
            }
            for label in spec.labels {
                assert!(
                    *label != "le" && *label != "quantile",
                    "{family}: reserved label"
                );
            }
        }
    }
}
