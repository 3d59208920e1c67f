//! The demo venue's generated past: written when a venue first starts with an empty
//! journal (see `bourse_market::history` and docs/config.md, `simulator.history_days`),
//! and written again, identically, when the read models lost it.

use crate::config::Config;
use anyhow::Context as _;
use bourse_market::SimInstrument;
use bourse_market::history::{HistorySpec, generate};
use bourse_store::{CandleSource, Store};
use bourse_types::{Instrument, Price};
use serde::{Deserialize, Serialize};

/// Meta keys of the generated pasts, one per instrument: `history:<instrument id>`.
const META_PREFIX: &str = "history:";

/// What one instrument's past was generated from: enough to generate it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Generated {
    instrument: Instrument,
    sim: SimInstrument,
    seed: u64,
    end_ms: u64,
    end_price: Price,
    days: u32,
}

impl Generated {
    fn spec(&self) -> HistorySpec<'_> {
        HistorySpec {
            instrument: &self.instrument,
            sim: &self.sim,
            seed: self.seed,
            end_ms: self.end_ms,
            end_price: self.end_price,
            days: self.days,
        }
    }
}

async fn write(store: &Store, generated: &Generated) -> anyhow::Result<u64> {
    let id = generated.instrument.id().0;
    let mut written = 0;
    for (interval, candles) in generate(&generated.spec()) {
        store
            .insert_candles(id, interval, &candles, CandleSource::Generated)
            .await
            .with_context(|| format!("writing the generated {} candles", interval.as_str()))?;
        written += candles.len() as u64;
    }
    Ok(written)
}

/// A seed of its own for each instrument, from the simulator's.
fn instrument_seed(seed: u64, symbol: &str) -> u64 {
    symbol.bytes().fold(seed ^ 0x6869_7374_6f72_7900, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes what the read models should hold of generated pasts: again what an earlier
/// start generated, if the candles are gone; and, on a fresh venue (`fresh`: nothing
/// journaled yet) with the simulator on, a new past for every simulated instrument
/// ending at `now_ms`. Runs before the projector opens, so that live candles continue
/// from the last generated ones.
pub async fn ensure(
    store: &Store,
    config: &Config,
    fresh: bool,
    now_ms: u64,
) -> anyhow::Result<()> {
    for (key, value) in store.meta_with_prefix(META_PREFIX).await? {
        let generated: Generated = serde_json::from_str(&value)
            .with_context(|| format!("reading the meta entry {key}"))?;
        let id = generated.instrument.id().0;
        if store
            .count_candles(id, bourse_market::Interval::M1, CandleSource::Generated)
            .await?
            == 0
        {
            let written = write(store, &generated).await?;
            tracing::info!(symbol = %generated.instrument.symbol(), candles = written, "generated history written again");
        }
    }
    let days = config.simulator.history_days;
    if !fresh || !config.simulator.enabled || days == 0 {
        return Ok(());
    }
    let instruments = crate::serve::configured_instruments(config)?;
    for sim in &config.simulator.instruments {
        let Some(instrument) = instruments
            .iter()
            .find(|i| i.symbol().as_str() == sim.symbol)
        else {
            continue;
        };
        let Some(end_price) = instrument.spec().reference_price else {
            continue;
        };
        let key = format!("{META_PREFIX}{}", instrument.id().0);
        if store.meta(&key).await?.is_some() {
            continue;
        }
        let generated = Generated {
            instrument: *instrument,
            sim: sim.clone(),
            seed: instrument_seed(config.simulator.seed, &sim.symbol),
            end_ms: now_ms,
            end_price,
            days,
        };
        let started = std::time::Instant::now();
        let written = write(store, &generated).await?;
        // Recorded once written: a start that fails before this writes it all again.
        store
            .set_meta(&key, &serde_json::to_string(&generated)?)
            .await?;
        tracing::info!(
            symbol = %sim.symbol,
            days,
            candles = written,
            took_ms = started.elapsed().as_millis() as u64,
            "history generated"
        );
    }
    Ok(())
}

/// Checks, once the venue has listed its instruments, that each generated past belongs
/// to the instrument it was generated for.
pub async fn check_listed(store: &Store, listed: &[Instrument]) -> anyhow::Result<()> {
    for (key, value) in store.meta_with_prefix(META_PREFIX).await? {
        let generated: Generated = serde_json::from_str(&value)
            .with_context(|| format!("reading the meta entry {key}"))?;
        let id = generated.instrument.id();
        let symbol = generated.instrument.symbol();
        if !listed.iter().any(|i| i.id() == id && i.symbol() == symbol) {
            tracing::error!(%symbol, id = id.0, "the generated history's instrument is not listed under that id");
        }
    }
    Ok(())
}
