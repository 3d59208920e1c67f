//! The pipeline that makes the engine durable.
//!
//! ```text
//!  submit() --(bounded queue)--> core thread: stamp seq + time, encode
//!                                    |  \--(bounded queue)--> writer thread: append, fsync
//!                                    |                                |
//!                                    v                                v
//!                              engine.apply            durable watermark (atomic)
//!                                    |                                |
//!                                    +--> release gate: events wait until the
//!                                         watermark covers their sequence number,
//!                                         then go to the sink and to the caller
//! ```
//!
//! The core thread is the sequencer and the engine at once: stamping is a counter
//! and a clock read, and a hop between two threads would cost more than it saves on a
//! machine with few cores. What matters is that journal I/O and matching overlap: a
//! group of commands is handed to the writer before the engine applies it, and the
//! writer commits each group with one `fdatasync` while the engine works on the next.
//!
//! Nothing is acknowledged before it is durable. If a write or fsync fails, the
//! pipeline stops: every command not yet acknowledged, and every later one, is answered
//! [`Unavailable`], and the engine's state (which is ahead of the disk) is never
//! published. A restart recovers exactly what the journal holds.

use crate::fs::{DataDir, FileSystem};
use crate::log::{FsyncPolicy, JournalLog};
use crate::metrics::{PipelineMetrics, Tally};
use crate::recovery::Recovered;
use crate::snapshot;
use bourse_engine::{Command, Engine, Event, encode_command_into};
use bourse_telemetry::Gauge;
use bourse_types::Timestamp;
use std::collections::VecDeque;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{
    Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError, sync_channel,
};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Tuning and limits of the pipeline. Every queue has a bound.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// A segment is closed once it reaches this size.
    pub segment_bytes_max: u64,
    pub fsync: FsyncPolicy,
    /// Commands per group commit, at most.
    pub batch_commands_max: usize,
    /// Submissions (each of up to `submit_batch_max` commands) waiting for the core.
    pub submit_queue_max: usize,
    pub submit_batch_max: usize,
    /// Groups handed to the writer and not yet durable, at most.
    pub journal_queue_max: usize,
    /// Take a snapshot after this many commands (0: never by count).
    pub snapshot_every_commands: u64,
    /// Take a snapshot at least this often when commands arrive (None: never by time).
    pub snapshot_every: Option<Duration>,
    pub snapshots_retained: usize,
    /// Where the pipeline counts what it does; `None` counts nothing (benchmarks of
    /// the bare pipeline).
    pub metrics: Option<PipelineMetrics>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            segment_bytes_max: 64 << 20,
            fsync: FsyncPolicy::Batch,
            batch_commands_max: 8_192,
            submit_queue_max: 4_096,
            submit_batch_max: 1_024,
            journal_queue_max: 4,
            snapshot_every_commands: 1_000_000,
            snapshot_every: Some(Duration::from_secs(600)),
            snapshots_retained: 3,
            metrics: None,
        }
    }
}

/// A command the engine applied and the journal made durable, with its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    pub seq: u64,
    pub ts: Timestamp,
    pub command: Command,
    pub events: Vec<Event>,
}

/// The journal cannot make commands durable: the command was not acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "JOURNAL_UNAVAILABLE: the journal cannot make commands durable; the command was not acknowledged"
)]
pub struct Unavailable;

/// How a submitter hears back: called once, on the core thread, so it must be quick
/// (send on a channel, complete a future).
pub type Reply = Box<dyn FnOnce(Result<Released, Unavailable>) + Send>;

/// Receives every released command, in sequence order, in batches. Called on the core
/// thread before the submitters hear back: a slow sink slows the venue, which is the
/// intended backpressure.
pub trait ReleaseSink: Send + 'static {
    fn released(&mut self, batch: &[Released]);
}

/// A sink that drops everything.
#[derive(Debug, Default)]
pub struct NoSink;

impl ReleaseSink for NoSink {
    fn released(&mut self, _batch: &[Released]) {}
}

/// The source of command timestamps (nanoseconds since the Unix epoch).
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    })
}

/// The pipeline's state as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The last sequence number applied by the engine.
    pub applied_seq: u64,
    /// The last sequence number the journal made durable.
    pub durable_seq: u64,
    /// The last sequence number acknowledged to submitters.
    pub released_seq: u64,
    /// Why the journal stopped, if it did.
    pub journal_error: Option<String>,
    /// The last snapshot written, if any since start.
    pub last_snapshot_seq: Option<u64>,
}

/// Why `try_submit` refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("the submission queue is full")]
    Busy,
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
}

struct Shared {
    applied: AtomicU64,
    durable: AtomicU64,
    released: AtomicU64,
    last_snapshot: AtomicU64,
    failed: AtomicBool,
    error: Mutex<Option<String>>,
    /// Signalled whenever `durable` moves or the journal fails.
    durable_changed: (Mutex<()>, Condvar),
}

impl Shared {
    fn fail(&self, why: String) {
        tracing::error!(error = %why, "journal failed; the venue stops acknowledging commands");
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        self.failed.store(true, Ordering::SeqCst);
        self.notify_durable();
    }

    fn notify_durable(&self) {
        let _guard = self
            .durable_changed
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.durable_changed.1.notify_all();
    }

    /// Waits until the watermark passes `seen` or the journal fails, at most `timeout`.
    fn wait_durable_past(&self, seen: u64, timeout: Duration) {
        let guard = self
            .durable_changed
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if self.failed.load(Ordering::SeqCst) || self.durable.load(Ordering::SeqCst) > seen {
            return;
        }
        // A spurious or timed-out wake-up is harmless: the caller looks again.
        let _ = self.durable_changed.1.wait_timeout(guard, timeout);
    }

    /// Waits until `seq` is durable; false if the journal failed first.
    fn wait_durable(&self, seq: u64) -> bool {
        let mut guard = self
            .durable_changed
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        loop {
            if self.failed.load(Ordering::SeqCst) {
                return false;
            }
            if self.durable.load(Ordering::SeqCst) >= seq {
                return true;
            }
            guard = self
                .durable_changed
                .1
                .wait_timeout(guard, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// A read of the engine's state, run on the core thread between groups of commands.
type Query = Box<dyn FnOnce(&Engine) + Send>;

enum Input {
    Commands(Vec<(Command, Reply)>),
    Snapshot(Box<dyn FnOnce(io::Result<PathBuf>) + Send>),
    Query(Query),
    Shutdown,
}

/// A group of stamped, encoded commands for the writer.
struct Group {
    payloads: Vec<u8>,
    records: Vec<(u64, u64, u32, u32)>,
}

enum JournalMessage {
    Group(Group),
    /// Make everything durable regardless of the policy (clean shutdown).
    Flush,
}

/// What a clean shutdown did.
#[derive(Debug, Clone)]
pub struct ShutdownReport {
    pub last_seq: u64,
    pub state_hash: bourse_engine::StateHash,
    pub snapshot: Option<PathBuf>,
}

/// A running venue: the durable engine behind a submission queue.
pub struct Venue {
    input: SyncSender<Input>,
    /// Submissions in the queue, when the pipeline is counted.
    depth: Option<Arc<Gauge>>,
    shared: Arc<Shared>,
    submit_batch_max: usize,
    core: Mutex<Option<JoinHandle<ShutdownReport>>>,
}

impl std::fmt::Debug for Venue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Venue")
            .field("health", &self.health())
            .finish_non_exhaustive()
    }
}

impl Venue {
    /// Starts the pipeline on a recovered engine. The journal continues where recovery
    /// left it.
    pub fn start(
        fs: Arc<dyn FileSystem>,
        dir: DataDir,
        config: PipelineConfig,
        recovered: Recovered,
        sink: Box<dyn ReleaseSink>,
        clock: Clock,
    ) -> io::Result<Venue> {
        let log = JournalLog::open(
            fs.clone(),
            &dir.journal(),
            recovered.tail.clone(),
            config.segment_bytes_max,
            config.fsync,
        )?;
        let seq = recovered.engine.seq();
        if let Some(metrics) = &config.metrics {
            metrics.note_halts(&recovered.engine);
        }
        let shared = Arc::new(Shared {
            applied: AtomicU64::new(seq),
            durable: AtomicU64::new(seq),
            released: AtomicU64::new(seq),
            last_snapshot: AtomicU64::new(u64::MAX),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            durable_changed: (Mutex::new(()), Condvar::new()),
        });
        let (input_tx, input_rx) = sync_channel::<Input>(config.submit_queue_max);
        let (journal_tx, journal_rx) = sync_channel::<JournalMessage>(config.journal_queue_max);
        let (snapshot_tx, snapshot_rx) = sync_channel::<Engine>(1);

        let writer = {
            let shared = shared.clone();
            let metrics = config.metrics.clone();
            std::thread::Builder::new()
                .name("bourse-journal".to_string())
                .spawn(move || writer_loop(log, journal_rx, shared, metrics))?
        };
        let snapshotter = {
            let shared = shared.clone();
            let fs = fs.clone();
            let dir = dir.snapshots();
            let retained = config.snapshots_retained;
            let metrics = config.metrics.clone();
            std::thread::Builder::new()
                .name("bourse-snapshot".to_string())
                .spawn(move || {
                    snapshot_loop(
                        fs.as_ref(),
                        &dir,
                        retained,
                        snapshot_rx,
                        &shared,
                        metrics.as_ref(),
                    )
                })?
        };
        let core = {
            let shared = shared.clone();
            let core = Core {
                engine: recovered.engine,
                config: config.clone(),
                fs,
                snapshots_dir: dir.snapshots(),
                shared,
                journal: Some(journal_tx),
                snapshots: Some(snapshot_tx),
                sink,
                clock,
                last_ts: 0,
                pending: VecDeque::new(),
                events: Vec::with_capacity(64),
                since_snapshot: 0,
                snapshot_at: Instant::now(),
                tally: Tally::new(),
            };
            std::thread::Builder::new()
                .name("bourse-core".to_string())
                .spawn(move || core.run(input_rx, writer, snapshotter))?
        };
        Ok(Venue {
            input: input_tx,
            depth: config
                .metrics
                .as_ref()
                .map(|m| m.submit_queue_depth.clone()),
            shared,
            submit_batch_max: config.submit_batch_max,
            core: Mutex::new(Some(core)),
        })
    }

    /// Submits a command; blocks while the queue is full. `reply` hears the outcome
    /// once the command is durable (or the journal has failed).
    pub fn submit(&self, command: Command, reply: Reply) {
        self.submit_batch(vec![(command, reply)]);
    }

    /// Submits several commands, kept in order; blocks while the queue is full.
    pub fn submit_batch(&self, mut batch: Vec<(Command, Reply)>) {
        while batch.len() > self.submit_batch_max {
            let rest = batch.split_off(self.submit_batch_max);
            self.send(std::mem::replace(&mut batch, rest));
        }
        self.send(batch);
    }

    fn send(&self, batch: Vec<(Command, Reply)>) {
        self.queued(1);
        if let Err(error) = self.input.send(Input::Commands(batch)) {
            self.queued(-1);
            let Input::Commands(batch) = error.0 else {
                return;
            };
            for (_, reply) in batch {
                reply(Err(Unavailable));
            }
        }
    }

    /// Submits without waiting: refuses with [`SubmitError::Busy`] when the queue is
    /// full, so that a caller that must not block (an HTTP handler) can shed load.
    pub fn try_submit(&self, command: Command, reply: Reply) -> Result<(), SubmitError> {
        if self.shared.failed.load(Ordering::SeqCst) {
            return Err(SubmitError::Unavailable(Unavailable));
        }
        match self.input.try_send(Input::Commands(vec![(command, reply)])) {
            Ok(()) => {
                self.queued(1);
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(SubmitError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::Unavailable(Unavailable)),
        }
    }

    /// Reads the engine's state on the core thread, after every command submitted
    /// before it has been applied: `read` gets the engine (and answers through a
    /// channel of its own). That state may include commands not yet durable: a caller
    /// that answers from it waits until `engine.seq()` is released. Refuses with
    /// [`SubmitError::Busy`] when the queue is full.
    pub fn query(&self, read: impl FnOnce(&Engine) + Send + 'static) -> Result<(), SubmitError> {
        if self.shared.failed.load(Ordering::SeqCst) {
            return Err(SubmitError::Unavailable(Unavailable));
        }
        match self.input.try_send(Input::Query(Box::new(read))) {
            Ok(()) => {
                self.queued(1);
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(SubmitError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::Unavailable(Unavailable)),
        }
    }

    fn queued(&self, n: i64) {
        if let Some(depth) = &self.depth {
            depth.add(n);
        }
    }

    pub fn health(&self) -> Health {
        let last_snapshot = self.shared.last_snapshot.load(Ordering::SeqCst);
        Health {
            applied_seq: self.shared.applied.load(Ordering::SeqCst),
            durable_seq: self.shared.durable.load(Ordering::SeqCst),
            released_seq: self.shared.released.load(Ordering::SeqCst),
            journal_error: self
                .shared
                .error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            last_snapshot_seq: (last_snapshot != u64::MAX).then_some(last_snapshot),
        }
    }

    /// Whether commands are being acknowledged.
    pub fn is_available(&self) -> bool {
        !self.shared.failed.load(Ordering::SeqCst)
    }

    /// Takes a snapshot now (once its sequence number is durable) and returns its path.
    pub fn snapshot_now(&self) -> io::Result<PathBuf> {
        let (tx, rx) = sync_channel(1);
        let reply: Box<dyn FnOnce(io::Result<PathBuf>) + Send> = Box::new(move |result| {
            let _ = tx.send(result);
        });
        self.input
            .send(Input::Snapshot(reply))
            .map_err(|_| io::Error::other("the venue has stopped"))?;
        rx.recv()
            .map_err(|_| io::Error::other("the venue stopped before the snapshot"))?
    }

    /// Stops accepting, makes everything durable, answers every submitter, writes a
    /// final snapshot and stops the threads. Later submissions are answered
    /// `Unavailable`. Returns `None` if it had already stopped.
    pub fn shutdown(&self) -> Option<ShutdownReport> {
        let core = self.core.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        let _ = self.input.send(Input::Shutdown);
        core.join().ok()
    }
}

impl Drop for Venue {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Core {
    engine: Engine,
    config: PipelineConfig,
    fs: Arc<dyn FileSystem>,
    snapshots_dir: PathBuf,
    shared: Arc<Shared>,
    journal: Option<SyncSender<JournalMessage>>,
    snapshots: Option<SyncSender<Engine>>,
    sink: Box<dyn ReleaseSink>,
    clock: Clock,
    last_ts: u64,
    /// Applied, waiting for the watermark, in sequence order.
    pending: VecDeque<(Released, Reply)>,
    events: Vec<Event>,
    since_snapshot: u64,
    snapshot_at: Instant,
    tally: Tally,
}

impl Core {
    fn run(
        mut self,
        input: Receiver<Input>,
        writer: JoinHandle<()>,
        snapshotter: JoinHandle<()>,
    ) -> ShutdownReport {
        let mut stamped: Vec<(u64, u64, Command, Reply)> = Vec::new();
        let mut snapshot_requests: Vec<Box<dyn FnOnce(io::Result<PathBuf>) + Send>> = Vec::new();
        let mut queries: Vec<Query> = Vec::new();
        let mut shutting_down = false;
        while !shutting_down {
            let first = match self.pending.front() {
                None => match input.recv_timeout(Duration::from_secs(1)) {
                    Ok(message) => Some(message),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                Some((oldest, _)) => {
                    // Commands are on their way to disk, and nothing can be released
                    // before the writer moves the watermark: wait for the writer, not for
                    // submissions. A submission then costs its sender no wake-up of this
                    // thread; everything queued meanwhile is taken in one go below, which
                    // is the group the writer would have merged anyway.
                    self.shared
                        .wait_durable_past(oldest.seq - 1, Duration::from_millis(50));
                    match input.try_recv() {
                        Ok(message) => Some(message),
                        Err(TryRecvError::Empty) => None,
                        Err(TryRecvError::Disconnected) => break,
                    }
                }
            };
            let mut group = Group {
                payloads: Vec::new(),
                records: Vec::new(),
            };
            let mut next = first;
            while let Some(message) = next.take() {
                if let Some(metrics) = &self.config.metrics
                    && matches!(message, Input::Commands(_) | Input::Query(_))
                {
                    metrics.submit_queue_depth.dec();
                }
                match message {
                    Input::Commands(batch) => {
                        for (command, reply) in batch {
                            if self.shared.failed.load(Ordering::SeqCst) {
                                reply(Err(Unavailable));
                                continue;
                            }
                            let seq = self.engine.seq() + 1 + stamped.len() as u64;
                            let ts = (self.clock)().max(self.last_ts);
                            self.last_ts = ts;
                            let start = group.payloads.len() as u32;
                            encode_command_into(&command, &mut group.payloads);
                            group
                                .records
                                .push((seq, ts, start, group.payloads.len() as u32));
                            stamped.push((seq, ts, command, reply));
                        }
                    }
                    Input::Snapshot(reply) => snapshot_requests.push(reply),
                    Input::Query(query) => queries.push(query),
                    Input::Shutdown => shutting_down = true,
                }
                // A query ends the group, so that it sees the commands before it and
                // none after.
                if stamped.len() < self.config.batch_commands_max
                    && !shutting_down
                    && queries.is_empty()
                {
                    next = input.try_recv().ok();
                }
            }
            // Hand the group to the writer first, so the disk works while we match.
            if !group.records.is_empty() {
                self.send_journal(JournalMessage::Group(group));
            }
            let counted = self.config.metrics.is_some() && !stamped.is_empty();
            let started = counted.then(Instant::now);
            for (seq, ts, command, reply) in stamped.drain(..) {
                self.events.clear();
                self.engine
                    .apply_into(seq, Timestamp(ts), &command, &mut self.events)
                    .expect("the core stamps consecutive sequence numbers");
                if counted {
                    self.tally.count(&command, &self.events);
                }
                let events = std::mem::replace(&mut self.events, Vec::with_capacity(16));
                self.pending.push_back((
                    Released {
                        seq,
                        ts: Timestamp(ts),
                        command,
                        events,
                    },
                    reply,
                ));
                self.since_snapshot += 1;
            }
            if let (Some(metrics), Some(started)) = (&self.config.metrics, started) {
                metrics.apply.observe_duration(started.elapsed());
                self.tally.flush(metrics, &self.engine);
            }
            self.shared
                .applied
                .store(self.engine.seq(), Ordering::SeqCst);
            for query in queries.drain(..) {
                query(&self.engine);
            }
            self.release();
            self.maybe_snapshot(&mut snapshot_requests);
        }
        self.finish(writer, snapshotter, snapshot_requests)
    }

    fn send_journal(&mut self, message: JournalMessage) {
        let sent = self
            .journal
            .as_ref()
            .is_some_and(|journal| journal.send(message).is_ok());
        if !sent && !self.shared.failed.load(Ordering::SeqCst) {
            self.shared.fail("the journal writer stopped".to_string());
        }
    }

    /// Releases every pending command the watermark covers; answers every pending
    /// command with `Unavailable` if the journal failed.
    fn release(&mut self) {
        if self.shared.failed.load(Ordering::SeqCst) {
            for (_, reply) in self.pending.drain(..) {
                reply(Err(Unavailable));
            }
            return;
        }
        let durable = self.shared.durable.load(Ordering::SeqCst);
        let ready = self
            .pending
            .iter()
            .take_while(|(r, _)| r.seq <= durable)
            .count();
        if ready == 0 {
            return;
        }
        let (released, replies): (Vec<Released>, Vec<Reply>) = self.pending.drain(..ready).unzip();
        self.sink.released(&released);
        if let Some(last) = released.last() {
            self.shared.released.store(last.seq, Ordering::SeqCst);
        }
        for (released, reply) in released.into_iter().zip(replies) {
            reply(Ok(released));
        }
    }

    fn maybe_snapshot(&mut self, requests: &mut Vec<Box<dyn FnOnce(io::Result<PathBuf>) + Send>>) {
        if !requests.is_empty() {
            // Asked for explicitly: write it here, once durable, and answer.
            let result = self.write_snapshot_now();
            for reply in requests.drain(..) {
                reply(
                    result
                        .as_ref()
                        .map(Clone::clone)
                        .map_err(|e| io::Error::new(e.kind(), e.to_string())),
                );
            }
            return;
        }
        let by_count = self.config.snapshot_every_commands > 0
            && self.since_snapshot >= self.config.snapshot_every_commands;
        let by_time = self.since_snapshot > 0
            && self
                .config
                .snapshot_every
                .is_some_and(|every| self.snapshot_at.elapsed() >= every);
        if !(by_count || by_time) {
            return;
        }
        if let Some(snapshots) = &self.snapshots {
            // At most one snapshot in the works; if the writer is busy, try later.
            if snapshots.try_send(self.engine.clone()).is_ok() {
                self.since_snapshot = 0;
                self.snapshot_at = Instant::now();
            }
        }
    }

    fn write_snapshot_now(&mut self) -> io::Result<PathBuf> {
        let seq = self.engine.seq();
        if seq > self.shared.durable.load(Ordering::SeqCst) {
            self.send_journal(JournalMessage::Flush);
        }
        if !self.shared.wait_durable(seq) {
            return Err(io::Error::other(Unavailable.to_string()));
        }
        self.release();
        let started = Instant::now();
        let path = snapshot::write(self.fs.as_ref(), &self.snapshots_dir, &self.engine)?;
        if let Some(metrics) = &self.config.metrics {
            metrics.snapshot.observe_duration(started.elapsed());
        }
        snapshot::prune(
            self.fs.as_ref(),
            &self.snapshots_dir,
            self.config.snapshots_retained,
        )?;
        self.shared.last_snapshot.store(seq, Ordering::SeqCst);
        self.since_snapshot = 0;
        self.snapshot_at = Instant::now();
        tracing::info!(seq, path = %path.display(), "snapshot written");
        Ok(path)
    }

    fn finish(
        mut self,
        writer: JoinHandle<()>,
        snapshotter: JoinHandle<()>,
        mut requests: Vec<Box<dyn FnOnce(io::Result<PathBuf>) + Send>>,
    ) -> ShutdownReport {
        // Stop the background snapshotter first so the final snapshot is the newest.
        self.snapshots = None;
        let _ = snapshotter.join();
        let seq = self.engine.seq();
        if !self.shared.failed.load(Ordering::SeqCst) {
            self.send_journal(JournalMessage::Flush);
        }
        let durable = self.shared.wait_durable(seq);
        self.release();
        let snapshot = if durable && seq > 0 {
            match self.write_snapshot_now() {
                Ok(path) => Some(path),
                Err(error) => {
                    tracing::error!(%error, "final snapshot failed");
                    None
                }
            }
        } else {
            None
        };
        for reply in requests.drain(..) {
            reply(Err(io::Error::other("the venue is shutting down")));
        }
        self.journal = None;
        let _ = writer.join();
        ShutdownReport {
            last_seq: seq,
            state_hash: self.engine.state_hash(),
            snapshot,
        }
    }
}

/// Appends and syncs groups; the core thread hears of progress through the durable
/// watermark's condition variable.
fn writer_loop(
    mut log: JournalLog,
    input: Receiver<JournalMessage>,
    shared: Arc<Shared>,
    metrics: Option<PipelineMetrics>,
) {
    let mut groups: Vec<Group> = Vec::new();
    while let Ok(first) = input.recv() {
        let mut flush = false;
        let mut next = Some(first);
        // Merge whatever else is waiting into one write and one fsync.
        while let Some(message) = next.take() {
            match message {
                JournalMessage::Group(group) => groups.push(group),
                JournalMessage::Flush => flush = true,
            }
            next = input.try_recv().ok();
        }
        if shared.failed.load(Ordering::SeqCst) {
            groups.clear();
            continue;
        }
        let last = groups
            .iter()
            .filter_map(|g| g.records.last())
            .map(|r| r.0)
            .max();
        let count: usize = groups.iter().map(|g| g.records.len()).sum();
        let records = groups.iter().flat_map(|group| {
            group.records.iter().map(|&(seq, ts, start, end)| {
                (seq, ts, &group.payloads[start as usize..end as usize])
            })
        });
        let mut result = log.append(records).map(|appended| {
            if let Some(metrics) = metrics.as_ref().filter(|_| count > 0) {
                metrics.group_commands.observe(count as u64);
                metrics.write.observe_duration(appended.write);
                if let Some(sync) = appended.sync {
                    metrics.fsync.observe_duration(sync);
                }
                metrics.written_bytes.add(appended.bytes);
            }
        });
        if result.is_ok() && flush {
            result = log.sync();
        }
        groups.clear();
        match result {
            Ok(()) => {
                if let Some(last) = last {
                    shared.durable.store(last, Ordering::SeqCst);
                }
                shared.notify_durable();
            }
            Err(error) => shared.fail(format!("journal write failed: {error}")),
        }
    }
}

fn snapshot_loop(
    fs: &dyn FileSystem,
    dir: &std::path::Path,
    retained: usize,
    input: Receiver<Engine>,
    shared: &Shared,
    metrics: Option<&PipelineMetrics>,
) {
    while let Ok(engine) = input.recv() {
        let seq = engine.seq();
        if !shared.wait_durable(seq) {
            continue;
        }
        let started = Instant::now();
        match snapshot::write(fs, dir, &engine)
            .and_then(|path| snapshot::prune(fs, dir, retained).map(|()| path))
        {
            Ok(path) => {
                if let Some(metrics) = metrics {
                    metrics.snapshot.observe_duration(started.elapsed());
                }
                shared.last_snapshot.store(seq, Ordering::SeqCst);
                tracing::info!(seq, path = %path.display(), "snapshot written");
            }
            Err(error) => {
                tracing::error!(%error, seq, "snapshot failed; the journal still has every command")
            }
        }
    }
}
