//! Live statistics for the Monitoring page: the metrics registry sampled every
//! [`STATS_INTERVAL`] into a bounded ring of the last [`STATS_SAMPLES_MAX`] samples
//! (ten minutes). Each sample is computed from two collections of the registry, so it
//! shows what `/metrics` shows.

use crate::{Actor, Result, Service};
use bourse_store::Role;
use bourse_telemetry::FamilySnapshot;
use bourse_telemetry::stats::{StatsSample, sample};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How often the sampler takes a sample.
pub const STATS_INTERVAL: Duration = Duration::from_secs(1);

/// Samples kept: ten minutes at one a second.
pub const STATS_SAMPLES_MAX: usize = 600;

/// The ring of samples and the collection the next one starts from.
#[derive(Debug, Default)]
pub(crate) struct StatsRing {
    samples: VecDeque<StatsSample>,
    last: Option<(Instant, Vec<FamilySnapshot>)>,
}

impl Service {
    /// Takes a sample: collects the registry and compares it with the previous
    /// collection. Called by the sampler every [`STATS_INTERVAL`]; the first call only
    /// starts the series. Returns the new sample.
    pub fn sample_stats(&self) -> Option<StatsSample> {
        let now = Instant::now();
        let collected = self.telemetry().collect();
        let time_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut ring = self.0.stats.lock().unwrap_or_else(|e| e.into_inner());
        let taken = ring.last.as_ref().map(|(at, before)| {
            sample(
                before,
                &collected,
                now.duration_since(*at).as_secs_f64(),
                time_ns,
            )
        });
        ring.last = Some((now, collected));
        if let Some(taken) = &taken {
            if ring.samples.len() >= STATS_SAMPLES_MAX {
                ring.samples.pop_front();
            }
            ring.samples.push_back(taken.clone());
        }
        taken
    }

    /// The samples of the last minutes, oldest first. Administrators only.
    pub fn stats(&self, actor: &Actor) -> Result<Vec<StatsSample>> {
        actor.require_role(&[Role::Admin])?;
        let ring = self.0.stats.lock().unwrap_or_else(|e| e.into_inner());
        Ok(ring.samples.iter().cloned().collect())
    }
}
