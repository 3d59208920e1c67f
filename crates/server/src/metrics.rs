//! `/metrics`: the venue's registry encoded in the OpenMetrics text format by the
//! `prometheus-client` library. The registry ([`bourse_telemetry::Telemetry`]) is read
//! at each scrape; nothing here names a metric.

use bourse_telemetry::{FamilySnapshot, Kind, Telemetry, Unit, Value};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{self, Registry};
use std::sync::Arc;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Reads the venue's registry at each scrape.
#[derive(Debug)]
struct VenueCollector(Arc<Telemetry>);

impl Collector for VenueCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        for family in self.0.collect() {
            encode_family(&mut encoder, &family)?;
        }
        Ok(())
    }
}

fn encode_family(encoder: &mut DescriptorEncoder, family: &FamilySnapshot) -> std::fmt::Result {
    let spec = family.spec;
    let unit = match spec.unit {
        Unit::None => None,
        Unit::Seconds => Some(registry::Unit::Seconds),
        Unit::Bytes => Some(registry::Unit::Bytes),
    };
    let metric_type = match spec.kind {
        Kind::Counter => MetricType::Counter,
        Kind::Gauge => MetricType::Gauge,
        Kind::Histogram => MetricType::Histogram,
    };
    let mut metric = encoder.encode_descriptor(spec.base, spec.help, unit.as_ref(), metric_type)?;
    for series in &family.series {
        let labels: Vec<(&str, &str)> = series
            .labels
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let mut encoder = metric.encode_family(&labels)?;
        match &series.value {
            Value::Counter(v) => encoder.encode_counter::<NoLabelSet, _, u64>(v, None)?,
            Value::CounterF(v) => encoder.encode_counter::<NoLabelSet, _, f64>(v, None)?,
            Value::Gauge(v) => encoder.encode_gauge(v)?,
            Value::GaugeF(v) => encoder.encode_gauge(v)?,
            Value::Histogram(h) => {
                // The library takes each bucket's own count and accumulates them.
                let mut below = 0;
                let buckets: Vec<(f64, u64)> = h
                    .buckets
                    .iter()
                    .map(|&(upper, cumulative)| {
                        let own = cumulative - below;
                        below = cumulative;
                        (upper, own)
                    })
                    .collect();
                encoder.encode_histogram::<NoLabelSet>(h.sum, h.count, &buckets, None)?
            }
        }
    }
    Ok(())
}

/// A renderer of the exposition over `telemetry`, for the API's `/metrics`.
pub fn exposition(telemetry: Arc<Telemetry>) -> bourse_api::state::Exposition {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(VenueCollector(telemetry)));
    Box::new(move || {
        let mut body = String::with_capacity(64 * 1024);
        if let Err(error) = prometheus_client::encoding::text::encode(&mut body, &registry) {
            tracing::error!(%error, "encoding the metrics failed");
        }
        (body, CONTENT_TYPE)
    })
}

/// Registers the series read from the running venue at each collection: the
/// pipeline's watermarks and whether its journal works, how far the read models are
/// behind, and the read-model database's pool.
pub fn watch_venue(telemetry: &Telemetry, state: &bourse_api::AppState) {
    use bourse_telemetry::names;
    let sequence = telemetry.gauge(&names::JOURNAL_SEQUENCE);
    let (applied, durable, released) = (
        sequence.get(&["applied"]),
        sequence.get(&["durable"]),
        sequence.get(&["released"]),
    );
    let durable_lag = telemetry.gauge(&names::JOURNAL_DURABLE_LAG).get(&[]);
    let available = telemetry.gauge(&names::JOURNAL_AVAILABLE).get(&[]);
    let projector_lag = telemetry.gauge(&names::PROJECTOR_LAG).get(&[]);
    let pool = telemetry.gauge(&names::DB_POOL_CONNECTIONS);
    let (idle, in_use) = (pool.get(&["idle"]), pool.get(&["in_use"]));
    let pool_max = telemetry.gauge(&names::DB_POOL_MAX).get(&[]);
    // Present from the start, whether or not the simulator runs.
    telemetry.counter(&names::SIMULATOR_ORDERS).get(&[]);
    let venue = Arc::downgrade(&state.0);
    telemetry.on_collect(move || {
        let Some(state) = venue.upgrade() else {
            return;
        };
        let health = state.service.venue().health();
        let as_gauge = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        applied.set(as_gauge(health.applied_seq));
        durable.set(as_gauge(health.durable_seq));
        released.set(as_gauge(health.released_seq));
        durable_lag.set(as_gauge(
            health.applied_seq.saturating_sub(health.durable_seq),
        ));
        available.set(i64::from(health.journal_error.is_none()));
        projector_lag.set(as_gauge(
            health
                .released_seq
                .saturating_sub(state.service.projected_seq()),
        ));
        let db = state.service.store().pool();
        let size = i64::from(db.size());
        let free = db.num_idle() as i64;
        idle.set(free);
        in_use.set((size - free).max(0));
        pool_max.set(i64::from(db.options().get_max_connections()));
    });
}
