//! The metric types: counters, gauges and histograms that a hot path updates with one
//! or two relaxed atomic additions, and families of them keyed by a bounded set of
//! label values.

use crate::names::Spec;
use rustc_hash::FxHashMap;
use std::hash::Hasher;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Series a family holds at most. A family never grows past it: label values beyond
/// it are counted in one series whose every label is [`OVERFLOW_LABEL`].
pub const SERIES_PER_FAMILY_MAX: usize = 2_048;

/// The label value of the series that takes what a full family cannot hold.
pub const OVERFLOW_LABEL: &str = "other";

/// A monotonic count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add(&self, n: u64) {
        if n > 0 {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn set(&self, v: i64) {
        self.0.store(v, Ordering::Relaxed);
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds of latency buckets, in nanoseconds: 250 ns to 10 s.
pub const LATENCY_BOUNDS_NS: &[u64] = &[
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Upper bounds of size buckets (commands in a group): powers of two to 16,384.
pub const SIZE_BOUNDS: &[u64] = &[
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 2_048, 4_096, 8_192, 16_384,
];

/// A distribution of integer observations (nanoseconds, counts) over fixed buckets.
/// Observing is a search over the bounds and two relaxed atomic additions; reading it
/// takes no lock. The exposed value is the integer times `scale` (1e-9 turns
/// nanoseconds into seconds).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [u64],
    scale: f64,
    /// One per bound, then the one above the last bound (`+Inf`).
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
}

/// A histogram's state at one moment, cumulative as Prometheus exposes it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound, observations at or below it)`, the last bound `+Inf`.
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    pub fn new(bounds: &'static [u64], scale: f64) -> Histogram {
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]));
        Histogram {
            bounds,
            scale,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
        }
    }

    /// A latency histogram observed in nanoseconds and exposed in seconds.
    pub fn latency() -> Histogram {
        Histogram::new(LATENCY_BOUNDS_NS, 1e-9)
    }

    /// A size histogram (counts of things).
    pub fn sizes() -> Histogram {
        Histogram::new(SIZE_BOUNDS, 1.0)
    }

    pub fn observe(&self, v: u64) {
        let i = self.bounds.partition_point(|&b| b < v);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
    }

    /// Observes a duration in nanoseconds.
    pub fn observe_duration(&self, d: std::time::Duration) {
        self.observe(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// The cumulative buckets, the sum and the count (the `+Inf` bucket, so that the
    /// two always agree even while other threads observe).
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut total = 0u64;
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for (i, bucket) in self.buckets.iter().enumerate() {
            total += bucket.load(Ordering::Relaxed);
            let upper = self
                .bounds
                .get(i)
                .map_or(f64::INFINITY, |&b| b as f64 * self.scale);
            buckets.push((upper, total));
        }
        HistogramSnapshot {
            buckets,
            sum: self.sum.load(Ordering::Relaxed) as f64 * self.scale,
            count: total,
        }
    }

    /// The value at or below which `q` (0..=1) of the observations lie, as the upper
    /// bound of the bucket that holds it (scaled), or `None` with no observations.
    pub fn quantile_upper_bound(&self, q: f64) -> Option<f64> {
        quantile_upper_bound(&self.snapshot().buckets, q)
    }
}

/// The upper bound of the bucket holding quantile `q` of cumulative `buckets`.
pub fn quantile_upper_bound(buckets: &[(f64, u64)], q: f64) -> Option<f64> {
    let count = buckets.last()?.1;
    if count == 0 {
        return None;
    }
    let rank = ((q.clamp(0.0, 1.0) * count as f64).ceil() as u64).max(1);
    let (upper, _) = buckets.iter().find(|(_, c)| *c >= rank)?;
    // Past the last bound there is no upper bound; answer the last finite one.
    if upper.is_infinite() {
        buckets.iter().rev().nth(1).map(|(b, _)| *b)
    } else {
        Some(*upper)
    }
}

/// A metric that a family can hold.
pub trait Metric: Send + Sync + 'static {
    fn make(spec: &Spec) -> Self;
}

impl Metric for Counter {
    fn make(_: &Spec) -> Self {
        Counter::default()
    }
}

impl Metric for Gauge {
    fn make(_: &Spec) -> Self {
        Gauge::default()
    }
}

impl Metric for Histogram {
    fn make(spec: &Spec) -> Self {
        match spec.buckets {
            crate::names::Buckets::Latency => Histogram::latency(),
            crate::names::Buckets::Sizes => Histogram::sizes(),
        }
    }
}

/// A family's series by the hash of their label values (collisions share a list).
type SeriesMap<M> = FxHashMap<u64, Vec<(Box<[Box<str>]>, Arc<M>)>>;

/// The series of one metric, keyed by the values of its labels (in the order of the
/// spec's label names). Looking a series up takes a shared lock; a hot path resolves
/// its series once and keeps the `Arc`.
#[derive(Debug)]
pub struct Family<M> {
    spec: &'static Spec,
    series: RwLock<SeriesMap<M>>,
}

impl<M: Metric> Family<M> {
    pub fn new(spec: &'static Spec) -> Family<M> {
        Family {
            spec,
            series: RwLock::new(FxHashMap::default()),
        }
    }

    pub fn spec(&self) -> &'static Spec {
        self.spec
    }

    /// The series for `values` (one per label of the spec), created on first use.
    pub fn get(&self, values: &[&str]) -> Arc<M> {
        debug_assert_eq!(values.len(), self.spec.labels.len(), "{}", self.spec.base);
        let key = key_hash(values);
        {
            let series = self.series.read().unwrap_or_else(|e| e.into_inner());
            if let Some(found) = find(&series, key, values) {
                return found;
            }
        }
        let mut series = self.series.write().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = find(&series, key, values) {
            return found;
        }
        let held: usize = series.values().map(Vec::len).sum();
        if held >= SERIES_PER_FAMILY_MAX {
            let overflow: Vec<&str> = vec![OVERFLOW_LABEL; values.len()];
            let okey = key_hash(&overflow);
            if let Some(found) = find(&series, okey, &overflow) {
                return found;
            }
            let metric = Arc::new(M::make(self.spec));
            series
                .entry(okey)
                .or_default()
                .push((boxed(&overflow), metric.clone()));
            return metric;
        }
        let metric = Arc::new(M::make(self.spec));
        series
            .entry(key)
            .or_default()
            .push((boxed(values), metric.clone()));
        metric
    }

    /// Every series with its label values, sorted by them (a stable exposition).
    pub fn all(&self) -> Vec<(Vec<String>, Arc<M>)> {
        let series = self.series.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<(Vec<String>, Arc<M>)> = series
            .values()
            .flatten()
            .map(|(values, metric)| {
                (
                    values.iter().map(|v| v.to_string()).collect(),
                    metric.clone(),
                )
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

fn boxed(values: &[&str]) -> Box<[Box<str>]> {
    values.iter().map(|v| Box::<str>::from(*v)).collect()
}

fn find<M>(series: &SeriesMap<M>, key: u64, values: &[&str]) -> Option<Arc<M>> {
    series.get(&key)?.iter().find_map(|(held, metric)| {
        (held.len() == values.len() && held.iter().zip(values).all(|(a, b)| &**a == *b))
            .then(|| metric.clone())
    })
}

fn key_hash(values: &[&str]) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    for value in values {
        hasher.write(value.as_bytes());
        hasher.write_u8(0xff);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names;

    #[test]
    fn a_histogram_counts_each_observation_in_the_first_bucket_that_holds_it() {
        let h = Histogram::new(&[10, 20, 30], 1.0);
        for v in [0, 10, 11, 20, 29, 31, 1_000] {
            h.observe(v);
        }
        let s = h.snapshot();
        assert_eq!(
            s.buckets,
            vec![(10.0, 2), (20.0, 4), (30.0, 5), (f64::INFINITY, 7)]
        );
        assert_eq!(s.count, 7);
        assert_eq!(s.sum, 1_101.0);
    }

    #[test]
    fn latency_is_observed_in_nanoseconds_and_exposed_in_seconds() {
        let h = Histogram::latency();
        h.observe_duration(std::time::Duration::from_micros(3));
        let s = h.snapshot();
        assert!((s.sum - 3e-6).abs() < 1e-15);
        let first = s.buckets.iter().find(|(_, c)| *c == 1).unwrap();
        assert!((first.0 - 5e-6).abs() < 1e-15, "{first:?}");
    }

    #[test]
    fn quantiles_are_the_upper_bound_of_the_bucket_holding_them() {
        let h = Histogram::new(&[1, 2, 4, 8], 1.0);
        assert_eq!(h.quantile_upper_bound(0.5), None);
        for v in [1, 1, 1, 1, 1, 1, 1, 1, 3, 7] {
            h.observe(v);
        }
        assert_eq!(h.quantile_upper_bound(0.5), Some(1.0));
        assert_eq!(h.quantile_upper_bound(0.9), Some(4.0));
        assert_eq!(h.quantile_upper_bound(0.99), Some(8.0));
        h.observe(100);
        assert_eq!(h.quantile_upper_bound(1.0), Some(8.0));
    }

    #[test]
    fn a_family_gives_one_series_per_label_values_and_stops_growing_at_its_bound() {
        let family: Family<Counter> = Family::new(&names::HTTP_REQUESTS);
        family.get(&["GET", "/a", "200"]).inc();
        family.get(&["GET", "/a", "200"]).inc();
        family.get(&["GET", "/b", "200"]).inc();
        let all = family.all();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].0, vec!["GET", "/a", "200"]);
        assert_eq!(all[0].1.get(), 2);
        for i in 0..SERIES_PER_FAMILY_MAX + 10 {
            family.get(&["GET", &format!("/{i}"), "200"]).inc();
        }
        let all = family.all();
        assert_eq!(all.len(), SERIES_PER_FAMILY_MAX + 1);
        let overflow = all
            .iter()
            .find(|(v, _)| v.iter().all(|v| v == OVERFLOW_LABEL))
            .unwrap();
        assert!(overflow.1.get() >= 10);
    }
}
