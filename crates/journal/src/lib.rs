//! Bourse's durability: nothing is acknowledged before it is durable, and a restart
//! comes back exactly as it was.
//!
//! This crate owns the sequencer and the release gate ([`Venue`]), the hash-chained
//! journal of commands with group commit ([`log`], [`record`]), snapshots
//! ([`snapshot`]) and recovery ([`recover`], [`verify`]). Every file operation goes
//! through the [`FileSystem`] seam.
//!
//! It owns no business rule: the engine decides what a command does; this crate only
//! makes the engine's input durable and releases the engine's output once it is.

pub mod fs;
pub mod log;
mod metrics;
mod pipeline;
pub mod record;
mod recovery;
pub mod snapshot;

pub use fs::{AppendFile, DataDir, DirLock, FileSystem, StdFs};
pub use log::{Appended, FsyncPolicy, JournalLog, Tail};
pub use metrics::PipelineMetrics;
pub use pipeline::{
    Clock, Health, NoSink, PipelineConfig, ReleaseSink, Released, Reply, ShutdownReport,
    SubmitError, Unavailable, Venue, system_clock,
};
pub use recovery::{
    Recovered, RecoveryError, RecoveryReport, ScanEnd, Scanned, TornTail, VerifyReport, recover,
    recover_with_events, scan, segments, verify,
};
