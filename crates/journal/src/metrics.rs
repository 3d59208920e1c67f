//! The pipeline's metrics, resolved once so that the core and writer threads update
//! plain atomics. The core thread tallies a batch's commands and events in local
//! counts and adds them to the shared counters once per batch.

use bourse_engine::{Command, Engine, Event, HaltScope, RejectCode};
use bourse_telemetry::{Counter, Gauge, Histogram, Telemetry, names};
use std::sync::Arc;

/// Outcome labels of `bourse_commands_total`, by index.
const OUTCOMES: [&str; 2] = ["accepted", "rejected"];

/// The pipeline's series.
#[derive(Debug, Clone)]
pub struct PipelineMetrics {
    commands: Arc<[[Arc<Counter>; 2]]>,
    rejections: Arc<[Arc<Counter>]>,
    trades: Arc<Counter>,
    stop_triggers: Arc<Counter>,
    loss_breaches: Arc<Counter>,
    panics: Arc<Counter>,
    halted: Arc<Gauge>,
    pub(crate) apply: Arc<Histogram>,
    pub(crate) submit_queue_depth: Arc<Gauge>,
    pub(crate) group_commands: Arc<Histogram>,
    pub(crate) write: Arc<Histogram>,
    pub(crate) fsync: Arc<Histogram>,
    pub(crate) written_bytes: Arc<Counter>,
    pub(crate) snapshot: Arc<Histogram>,
}

impl PipelineMetrics {
    /// Registers (or finds) the pipeline's series in `telemetry`: every command kind,
    /// outcome and reject code, so that each series exists from the start.
    pub fn new(telemetry: &Telemetry) -> PipelineMetrics {
        let commands = telemetry.counter(&names::COMMANDS);
        let rejections = telemetry.counter(&names::REJECTIONS);
        let one_c = |spec| telemetry.counter(spec).get(&[]);
        let one_h = |spec| telemetry.histogram(spec).get(&[]);
        PipelineMetrics {
            commands: Command::KIND_NAMES
                .iter()
                .map(|kind| OUTCOMES.map(|outcome| commands.get(&[kind, outcome])))
                .collect(),
            rejections: RejectCode::ALL
                .iter()
                .map(|code| rejections.get(&[code.code()]))
                .collect(),
            trades: one_c(&names::TRADES),
            stop_triggers: one_c(&names::RISK_STOP_TRIGGERS),
            loss_breaches: one_c(&names::RISK_LOSS_LIMIT_BREACHES),
            panics: one_c(&names::RISK_PANICS),
            halted: telemetry.gauge(&names::RISK_TRADING_HALTED).get(&[]),
            apply: one_h(&names::ENGINE_APPLY),
            submit_queue_depth: telemetry.gauge(&names::SUBMIT_QUEUE_DEPTH).get(&[]),
            group_commands: one_h(&names::JOURNAL_GROUP_COMMANDS),
            write: one_h(&names::JOURNAL_WRITE),
            fsync: one_h(&names::JOURNAL_FSYNC),
            written_bytes: telemetry.counter(&names::JOURNAL_WRITTEN).get(&[]),
            snapshot: one_h(&names::SNAPSHOT),
        }
    }
}

impl PipelineMetrics {
    /// Sets the kill-switch gauge from the engine's halts.
    pub(crate) fn note_halts(&self, engine: &Engine) {
        let halted = engine.halts().any(|(scope, _)| *scope == HaltScope::Venue);
        self.halted.set(i64::from(halted));
    }
}

/// A batch's counts, kept on the core thread.
#[derive(Debug)]
pub(crate) struct Tally {
    commands: Vec<[u64; 2]>,
    rejections: Vec<u64>,
    trades: u64,
    stop_triggers: u64,
    loss_breaches: u64,
    panics: u64,
    halt_changed: bool,
}

impl Tally {
    pub(crate) fn new() -> Tally {
        Tally {
            commands: vec![[0; 2]; Command::KIND_NAMES.len()],
            rejections: vec![0; RejectCode::ALL.len()],
            trades: 0,
            stop_triggers: 0,
            loss_breaches: 0,
            panics: 0,
            halt_changed: false,
        }
    }

    /// Counts one applied command by its events.
    pub(crate) fn count(&mut self, command: &Command, events: &[Event]) {
        let mut rejected = false;
        for event in events {
            match event {
                Event::Rejected(r) => {
                    rejected = true;
                    self.rejections[r.code as usize] += 1;
                }
                Event::Trade(_) => self.trades += 1,
                Event::OrderTriggered { .. } => self.stop_triggers += 1,
                Event::DailyLossBreached(_) => self.loss_breaches += 1,
                Event::Panicked { .. } => self.panics += 1,
                Event::HaltChanged { .. } => self.halt_changed = true,
                _ => {}
            }
        }
        self.commands[command.kind_index()][usize::from(rejected)] += 1;
    }

    /// Adds the counts to the shared counters and starts again from zero.
    pub(crate) fn flush(&mut self, metrics: &PipelineMetrics, engine: &Engine) {
        if std::mem::take(&mut self.halt_changed) {
            metrics.note_halts(engine);
        }
        for (counts, counters) in self.commands.iter_mut().zip(metrics.commands.iter()) {
            for (n, counter) in counts.iter_mut().zip(counters) {
                counter.add(std::mem::take(n));
            }
        }
        for (n, counter) in self.rejections.iter_mut().zip(metrics.rejections.iter()) {
            counter.add(std::mem::take(n));
        }
        metrics.trades.add(std::mem::take(&mut self.trades));
        metrics
            .stop_triggers
            .add(std::mem::take(&mut self.stop_triggers));
        metrics
            .loss_breaches
            .add(std::mem::take(&mut self.loss_breaches));
        metrics.panics.add(std::mem::take(&mut self.panics));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_codes_index_their_own_list() {
        for (i, code) in RejectCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i, "{}", code.code());
        }
    }
}
