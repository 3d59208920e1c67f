//! The live statistics of the Monitoring page.

use bourse_service::StatsSample;
use serde::Serialize;
use utoipa::ToSchema;

/// One sample: rates over the interval before `time`, latency percentiles of what was
/// observed in it (absent when nothing was), and levels at `time`. The same numbers a
/// Prometheus query of `/metrics` gives (`rate`, `histogram_quantile`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsSampleDto {
    /// When the sample was taken (RFC 3339).
    pub time: String,
    /// Seconds since the previous sample.
    pub interval_secs: f64,
    pub commands_per_sec: f64,
    /// Order placements (single orders and one-cancels-the-other pairs), accepted or
    /// refused.
    pub orders_per_sec: f64,
    pub rejections_per_sec: f64,
    pub trades_per_sec: f64,
    pub http_requests_per_sec: f64,
    /// Answers with a 5xx status.
    pub http_server_errors_per_sec: f64,
    /// Answers with a 4xx status.
    pub http_client_errors_per_sec: f64,
    /// Order round trip inside the venue (submission to durable answer), milliseconds.
    pub order_p50_ms: Option<f64>,
    pub order_p99_ms: Option<f64>,
    /// HTTP answer time over every route, milliseconds.
    pub http_p50_ms: Option<f64>,
    pub http_p99_ms: Option<f64>,
    /// The journal's fsync, milliseconds.
    pub fsync_p99_ms: Option<f64>,
    /// Commands applied and not yet durable.
    pub journal_lag: i64,
    /// Sequence numbers released and not yet in the read models.
    pub projector_lag: i64,
    pub submit_queue_depth: i64,
    pub ws_connections: i64,
    pub ws_subscriptions: i64,
    pub ws_messages_per_sec: f64,
    /// CPU over the interval, percent of one core.
    pub cpu_percent: Option<f64>,
    pub resident_bytes: Option<i64>,
}

/// The samples of the last minutes, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsDto {
    /// Milliseconds between samples.
    pub interval_ms: u64,
    /// Samples kept at most.
    pub samples_max: usize,
    pub samples: Vec<StatsSampleDto>,
}

fn ms(secs: Option<f64>) -> Option<f64> {
    secs.map(|s| (s * 1e6).round() / 1e3)
}

fn rounded(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub fn stats_sample_dto(s: &StatsSample) -> StatsSampleDto {
    StatsSampleDto {
        time: bourse_types::Timestamp(s.time_ns).to_rfc3339(3),
        interval_secs: (s.interval_secs * 1e3).round() / 1e3,
        commands_per_sec: rounded(s.commands_per_sec),
        orders_per_sec: rounded(s.orders_per_sec),
        rejections_per_sec: rounded(s.rejections_per_sec),
        trades_per_sec: rounded(s.trades_per_sec),
        http_requests_per_sec: rounded(s.http_requests_per_sec),
        http_server_errors_per_sec: rounded(s.http_server_errors_per_sec),
        http_client_errors_per_sec: rounded(s.http_client_errors_per_sec),
        order_p50_ms: ms(s.order_p50_secs),
        order_p99_ms: ms(s.order_p99_secs),
        http_p50_ms: ms(s.http_p50_secs),
        http_p99_ms: ms(s.http_p99_secs),
        fsync_p99_ms: ms(s.fsync_p99_secs),
        journal_lag: s.journal_lag,
        projector_lag: s.projector_lag,
        submit_queue_depth: s.submit_queue_depth,
        ws_connections: s.ws_connections,
        ws_subscriptions: s.ws_subscriptions,
        ws_messages_per_sec: rounded(s.ws_messages_per_sec),
        cpu_percent: s.cpu_percent.map(rounded),
        resident_bytes: s.resident_bytes,
    }
}
