//! Bourse's metrics.
//!
//! [`names`] holds every metric's name, help, unit and labels; [`metric`] the counters,
//! gauges and histograms that the hot paths update with relaxed atomic additions;
//! [`Telemetry`] the registry that the venue's parts share and that a scrape reads with
//! [`Telemetry::collect`]. The exposition format is not here: the binary encodes what
//! `collect` returns with a Prometheus client library, so no other crate depends on one.

pub mod metric;
pub mod names;
pub mod process;
pub mod stats;

pub use metric::{Counter, Family, Gauge, Histogram, HistogramSnapshot};
pub use names::{Kind, Spec, Unit};

use process::ProcessStats;
use std::sync::{Arc, Mutex};

/// A value of one series at the moment of a scrape.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Counter(u64),
    CounterF(f64),
    Gauge(i64),
    GaugeF(f64),
    Histogram(HistogramSnapshot),
}

/// One series: its label pairs (in the spec's order) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

/// One metric at the moment of a scrape.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilySnapshot {
    pub spec: &'static Spec,
    pub series: Vec<Series>,
}

impl Value {
    /// The value as a number: a histogram's count.
    pub fn as_f64(&self) -> f64 {
        match self {
            Value::Counter(v) => *v as f64,
            Value::CounterF(v) | Value::GaugeF(v) => *v,
            Value::Gauge(v) => *v as f64,
            Value::Histogram(h) => h.count as f64,
        }
    }
}

impl FamilySnapshot {
    /// The sum of a counter's or gauge's series whose labels include every pair of
    /// `filter` (histograms: their counts).
    pub fn sum_where(&self, filter: &[(&str, &str)]) -> f64 {
        self.series
            .iter()
            .filter(|s| {
                filter
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|s| s.value.as_f64())
            .sum()
    }
}

enum Registered {
    Counter(Arc<Family<Counter>>),
    Gauge(Arc<Family<Gauge>>),
    Histogram(Arc<Family<Histogram>>),
}

impl Registered {
    fn spec(&self) -> &'static Spec {
        match self {
            Registered::Counter(f) => f.spec(),
            Registered::Gauge(f) => f.spec(),
            Registered::Histogram(f) => f.spec(),
        }
    }
}

type Hook = Box<dyn Fn() + Send + Sync>;

/// The registry: every metric family of the venue, created on first use, and the hooks
/// that refresh gauges read from elsewhere (the pipeline's watermarks, the database
/// pool) before each collection.
#[derive(Default)]
pub struct Telemetry {
    families: Mutex<Vec<Registered>>,
    hooks: Mutex<Vec<Hook>>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Telemetry")
            .field("families", &families.len())
            .finish_non_exhaustive()
    }
}

impl Telemetry {
    pub fn new() -> Arc<Telemetry> {
        Arc::new(Telemetry::default())
    }

    /// The counter family of `spec`.
    ///
    /// # Panics
    /// If `spec` is not a counter, or was registered as another type.
    pub fn counter(&self, spec: &'static Spec) -> Arc<Family<Counter>> {
        assert_eq!(spec.kind, Kind::Counter, "{}", spec.base);
        self.registered(
            spec,
            || Registered::Counter(Arc::new(Family::new(spec))),
            |r| match r {
                Registered::Counter(f) => Some(f.clone()),
                _ => None,
            },
        )
    }

    /// The gauge family of `spec`.
    ///
    /// # Panics
    /// If `spec` is not a gauge, or was registered as another type.
    pub fn gauge(&self, spec: &'static Spec) -> Arc<Family<Gauge>> {
        assert_eq!(spec.kind, Kind::Gauge, "{}", spec.base);
        self.registered(
            spec,
            || Registered::Gauge(Arc::new(Family::new(spec))),
            |r| match r {
                Registered::Gauge(f) => Some(f.clone()),
                _ => None,
            },
        )
    }

    /// The histogram family of `spec`.
    ///
    /// # Panics
    /// If `spec` is not a histogram, or was registered as another type.
    pub fn histogram(&self, spec: &'static Spec) -> Arc<Family<Histogram>> {
        assert_eq!(spec.kind, Kind::Histogram, "{}", spec.base);
        self.registered(
            spec,
            || Registered::Histogram(Arc::new(Family::new(spec))),
            |r| match r {
                Registered::Histogram(f) => Some(f.clone()),
                _ => None,
            },
        )
    }

    fn registered<T>(
        &self,
        spec: &'static Spec,
        make: impl FnOnce() -> Registered,
        pick: impl Fn(&Registered) -> Option<T>,
    ) -> T {
        let mut families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = families.iter().find(|r| std::ptr::eq(r.spec(), spec)) {
            return pick(found)
                .unwrap_or_else(|| panic!("{} registered as another type", spec.base));
        }
        let made = make();
        let picked = pick(&made).expect("made as asked");
        families.push(made);
        picked
    }

    /// Runs `hook` before every collection (to refresh gauges read from elsewhere).
    pub fn on_collect(&self, hook: impl Fn() + Send + Sync + 'static) {
        self.hooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(hook));
    }

    /// Every metric now: the registered families in the order of [`names::ALL`] (others
    /// after them), then the process's figures.
    pub fn collect(&self) -> Vec<FamilySnapshot> {
        for hook in self.hooks.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            hook();
        }
        let families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<FamilySnapshot> = families.iter().map(snapshot).collect();
        drop(families);
        let rank = |spec: &Spec| {
            names::ALL
                .iter()
                .position(|s| std::ptr::eq(*s, spec))
                .unwrap_or(usize::MAX)
        };
        out.sort_by_key(|f| rank(f.spec));
        out.extend(process_families(&ProcessStats::read()));
        out
    }
}

fn labels(spec: &'static Spec, values: Vec<String>) -> Vec<(&'static str, String)> {
    spec.labels.iter().copied().zip(values).collect()
}

fn snapshot(registered: &Registered) -> FamilySnapshot {
    let spec = registered.spec();
    let series = match registered {
        Registered::Counter(f) => f
            .all()
            .into_iter()
            .map(|(v, m)| Series {
                labels: labels(spec, v),
                value: Value::Counter(m.get()),
            })
            .collect(),
        Registered::Gauge(f) => f
            .all()
            .into_iter()
            .map(|(v, m)| Series {
                labels: labels(spec, v),
                value: Value::Gauge(m.get()),
            })
            .collect(),
        Registered::Histogram(f) => f
            .all()
            .into_iter()
            .map(|(v, m)| Series {
                labels: labels(spec, v),
                value: Value::Histogram(m.snapshot()),
            })
            .collect(),
    };
    FamilySnapshot { spec, series }
}

fn process_families(stats: &ProcessStats) -> Vec<FamilySnapshot> {
    let one = |spec: &'static Spec, value: Option<Value>| {
        value.map(|value| FamilySnapshot {
            spec,
            series: vec![Series {
                labels: vec![],
                value,
            }],
        })
    };
    let gauge = |v: Option<u64>| v.map(|v| Value::Gauge(i64::try_from(v).unwrap_or(i64::MAX)));
    [
        one(&names::PROCESS_CPU, stats.cpu_seconds.map(Value::CounterF)),
        one(&names::PROCESS_RESIDENT_MEMORY, gauge(stats.resident_bytes)),
        one(&names::PROCESS_VIRTUAL_MEMORY, gauge(stats.virtual_bytes)),
        one(&names::PROCESS_OPEN_FDS, gauge(stats.open_fds)),
        one(&names::PROCESS_MAX_FDS, gauge(stats.max_fds)),
        one(
            &names::PROCESS_START_TIME,
            stats.start_time_seconds.map(Value::GaugeF),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_shared_and_collected_in_the_documented_order() {
        let t = Telemetry::new();
        t.counter(&names::TRADES).get(&[]).add(3);
        t.counter(&names::COMMANDS)
            .get(&["place", "accepted"])
            .inc();
        assert_eq!(t.counter(&names::TRADES).get(&[]).get(), 3);
        let depth = t.gauge(&names::SUBMIT_QUEUE_DEPTH).get(&[]);
        t.on_collect(move || depth.set(7));
        let all = t.collect();
        let names: Vec<String> = all.iter().map(|f| f.spec.family()).collect();
        let commands = names.iter().position(|n| n == "bourse_commands").unwrap();
        let trades = names.iter().position(|n| n == "bourse_trades").unwrap();
        assert!(commands < trades);
        let depth = all
            .iter()
            .find(|f| f.spec == &names::SUBMIT_QUEUE_DEPTH)
            .unwrap();
        assert_eq!(depth.series[0].value, Value::Gauge(7));
        let cmds = &all[commands];
        assert_eq!(cmds.sum_where(&[("kind", "place")]), 1.0);
        assert_eq!(
            cmds.series[0].labels,
            vec![
                ("kind", "place".to_string()),
                ("outcome", "accepted".to_string())
            ]
        );
    }

    #[test]
    #[should_panic(expected = "bourse_trades")]
    fn a_spec_is_not_registered_under_another_type() {
        let t = Telemetry::new();
        t.gauge(&names::TRADES);
    }
}
