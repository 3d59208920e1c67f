//! Live statistics for people: rates, latency percentiles and levels computed from two
//! collections of the registry a moment apart, so that the dashboard shows the same
//! numbers a Prometheus query of `/metrics` would (`rate(...)`, `histogram_quantile`).

use crate::names::{self, Spec};
use crate::{FamilySnapshot, Value};

/// One second (or so) of the venue, as the Monitoring page charts it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsSample {
    /// When the later collection was taken, in nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// The seconds between the two collections.
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
    /// The order round trip (`bourse_command_roundtrip_seconds{kind="place"}`) over the
    /// interval, in seconds; `None` when no order was placed.
    pub order_p50_secs: Option<f64>,
    pub order_p99_secs: Option<f64>,
    /// Every HTTP request's latency over the interval.
    pub http_p50_secs: Option<f64>,
    pub http_p99_secs: Option<f64>,
    /// The journal's fsync latency over the interval.
    pub fsync_p99_secs: Option<f64>,
    /// Commands applied and not yet durable.
    pub journal_lag: i64,
    /// Sequence numbers released and not yet in the read models.
    pub projector_lag: i64,
    pub submit_queue_depth: i64,
    pub ws_connections: i64,
    pub ws_subscriptions: i64,
    pub ws_messages_per_sec: f64,
    /// CPU used over the interval, in percent of one core.
    pub cpu_percent: Option<f64>,
    pub resident_bytes: Option<i64>,
}

/// Which series of a family count, by their labels.
type Filter<'a> = &'a dyn Fn(&[(&str, String)]) -> bool;

fn family<'a>(all: &'a [FamilySnapshot], spec: &'static Spec) -> Option<&'a FamilySnapshot> {
    all.iter().find(|f| std::ptr::eq(f.spec, spec))
}

fn sum(all: &[FamilySnapshot], spec: &'static Spec, filter: Filter<'_>) -> f64 {
    family(all, spec).map_or(0.0, |f| {
        f.series
            .iter()
            .filter(|s| filter(&s.labels))
            .map(|s| s.value.as_f64())
            .sum()
    })
}

fn level(all: &[FamilySnapshot], spec: &'static Spec, filter: Filter<'_>) -> i64 {
    sum(all, spec, filter) as i64
}

fn any(_: &[(&str, String)]) -> bool {
    true
}

fn label_is<'a>(
    key: &'a str,
    accept: &'a dyn Fn(&str) -> bool,
) -> impl Fn(&[(&str, String)]) -> bool + 'a {
    move |labels| labels.iter().any(|(k, v)| *k == key && accept(v))
}

/// The cumulative buckets of a histogram family, summed over the series `filter` keeps.
fn buckets(all: &[FamilySnapshot], spec: &'static Spec, filter: Filter<'_>) -> Vec<(f64, u64)> {
    let mut out: Vec<(f64, u64)> = Vec::new();
    if let Some(f) = family(all, spec) {
        for series in f.series.iter().filter(|s| filter(&s.labels)) {
            if let Value::Histogram(h) = &series.value {
                if out.is_empty() {
                    out = h.buckets.iter().map(|(b, _)| (*b, 0)).collect();
                }
                for (slot, (_, c)) in out.iter_mut().zip(&h.buckets) {
                    slot.1 += c;
                }
            }
        }
    }
    out
}

/// The quantile `q` of what a histogram observed between two collections, interpolated
/// within its bucket as Prometheus' `histogram_quantile` does; `None` with nothing
/// observed.
pub fn interval_quantile(before: &[(f64, u64)], after: &[(f64, u64)], q: f64) -> Option<f64> {
    let delta: Vec<(f64, u64)> = after
        .iter()
        .enumerate()
        .map(|(i, (b, c))| (*b, c.saturating_sub(before.get(i).map_or(0, |x| x.1))))
        .collect();
    let count = delta.last()?.1;
    if count == 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * count as f64;
    let mut lower = 0.0;
    let mut below = 0u64;
    for (upper, cumulative) in &delta {
        if *cumulative as f64 >= rank && *cumulative > below {
            if upper.is_infinite() {
                return Some(lower);
            }
            let within = (rank - below as f64) / (*cumulative - below) as f64;
            return Some(lower + (upper - lower) * within.clamp(0.0, 1.0));
        }
        if upper.is_finite() {
            lower = *upper;
        }
        below = *cumulative;
    }
    Some(lower)
}

/// The sample between collections `before` and `after`, `interval_secs` apart.
pub fn sample(
    before: &[FamilySnapshot],
    after: &[FamilySnapshot],
    interval_secs: f64,
    time_ns: u64,
) -> StatsSample {
    let dt = interval_secs.max(1e-9);
    let rate = |spec: &'static Spec, filter: Filter<'_>| {
        ((sum(after, spec, filter) - sum(before, spec, filter)) / dt).max(0.0)
    };
    let orders = |v: &str| v == "place" || v == "place_oco";
    let server_error = |v: &str| v.starts_with('5');
    let client_error = |v: &str| v.starts_with('4');
    let place = |v: &str| v == "place";
    let quantiles = |spec: &'static Spec, filter: Filter<'_>, qs: [f64; 2]| {
        let b = buckets(before, spec, filter);
        let a = buckets(after, spec, filter);
        qs.map(|q| interval_quantile(&b, &a, q))
    };
    let [order_p50_secs, order_p99_secs] = quantiles(
        &names::COMMAND_ROUNDTRIP,
        &label_is("kind", &place),
        [0.5, 0.99],
    );
    let [http_p50_secs, http_p99_secs] =
        quantiles(&names::HTTP_REQUEST_DURATION, &any, [0.5, 0.99]);
    let [_, fsync_p99_secs] = quantiles(&names::JOURNAL_FSYNC, &any, [0.5, 0.99]);
    let cpu = |all: &[FamilySnapshot]| {
        family(all, &names::PROCESS_CPU).map(|_| sum(all, &names::PROCESS_CPU, &any))
    };
    StatsSample {
        time_ns,
        interval_secs,
        commands_per_sec: rate(&names::COMMANDS, &any),
        orders_per_sec: rate(&names::COMMANDS, &label_is("kind", &orders)),
        rejections_per_sec: rate(&names::REJECTIONS, &any),
        trades_per_sec: rate(&names::TRADES, &any),
        http_requests_per_sec: rate(&names::HTTP_REQUESTS, &any),
        http_server_errors_per_sec: rate(&names::HTTP_REQUESTS, &label_is("status", &server_error)),
        http_client_errors_per_sec: rate(&names::HTTP_REQUESTS, &label_is("status", &client_error)),
        order_p50_secs,
        order_p99_secs,
        http_p50_secs,
        http_p99_secs,
        fsync_p99_secs,
        journal_lag: level(after, &names::JOURNAL_DURABLE_LAG, &any),
        projector_lag: level(after, &names::PROJECTOR_LAG, &any),
        submit_queue_depth: level(after, &names::SUBMIT_QUEUE_DEPTH, &any),
        ws_connections: level(after, &names::WS_CONNECTIONS, &any),
        ws_subscriptions: level(after, &names::WS_SUBSCRIPTIONS, &any),
        ws_messages_per_sec: rate(&names::WS_MESSAGES_SENT, &any),
        cpu_percent: match (cpu(before), cpu(after)) {
            (Some(b), Some(a)) => Some(((a - b) / dt * 100.0).max(0.0)),
            _ => None,
        },
        resident_bytes: family(after, &names::PROCESS_RESIDENT_MEMORY)
            .map(|_| level(after, &names::PROCESS_RESIDENT_MEMORY, &any)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Telemetry;

    #[test]
    fn quantiles_interpolate_within_the_bucket_like_histogram_quantile() {
        let before = [(1.0, 0), (2.0, 0), (4.0, 0), (f64::INFINITY, 0)];
        // 10 observations: 4 at or below 1, 4 in (1, 2], 2 in (2, 4].
        let after = [(1.0, 4), (2.0, 8), (4.0, 10), (f64::INFINITY, 10)];
        assert_eq!(interval_quantile(&before, &after, 0.2), Some(0.5));
        assert_eq!(interval_quantile(&before, &after, 0.6), Some(1.5));
        assert_eq!(interval_quantile(&before, &after, 0.9), Some(3.0));
        // Only what happened between the two collections counts.
        assert_eq!(interval_quantile(&after, &after, 0.5), None);
        // Past the last bound, the last finite bound.
        let over = [(1.0, 4), (2.0, 8), (4.0, 10), (f64::INFINITY, 20)];
        assert_eq!(interval_quantile(&before, &over, 0.99), Some(4.0));
    }

    #[test]
    fn a_sample_holds_the_rates_and_levels_between_two_collections() {
        let t = Telemetry::new();
        let commands = t.counter(&names::COMMANDS);
        let requests = t.counter(&names::HTTP_REQUESTS);
        let roundtrip = t.histogram(&names::COMMAND_ROUNDTRIP).get(&["place"]);
        let lag = t.gauge(&names::PROJECTOR_LAG).get(&[]);
        let before = t.collect();
        commands.get(&["place", "accepted"]).add(30);
        commands.get(&["place", "rejected"]).add(10);
        commands.get(&["cancel", "accepted"]).add(20);
        requests.get(&["GET", "/x", "200"]).add(6);
        requests.get(&["GET", "/x", "503"]).add(2);
        requests.get(&["GET", "/x", "404"]).add(4);
        for _ in 0..100 {
            roundtrip.observe(1_000_000);
        }
        lag.set(42);
        let after = t.collect();
        let s = sample(&before, &after, 2.0, 7);
        assert_eq!(s.commands_per_sec, 30.0);
        assert_eq!(s.orders_per_sec, 20.0);
        assert_eq!(s.http_requests_per_sec, 6.0);
        assert_eq!(s.http_server_errors_per_sec, 1.0);
        assert_eq!(s.http_client_errors_per_sec, 2.0);
        assert_eq!(s.projector_lag, 42);
        let p99 = s.order_p99_secs.unwrap();
        // All observations are 1 ms: in the (500 us, 1 ms] bucket.
        assert!(p99 > 0.0005 && p99 <= 0.001, "{p99}");
        assert_eq!(s.http_p99_secs, None, "no request latency was observed");
        assert_eq!(s.time_ns, 7);
    }
}
