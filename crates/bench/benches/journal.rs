//! The durability benchmark: commands per second through the whole pipeline with
//! fsync on, acknowledgement latency, and recovery time.
//!
//! Run with `cargo bench -p bourse-bench --bench journal`. Options:
//! `--commands N` (default 3,000,000) for the throughput runs, `--recovery N` (default
//! 10,000,000) journaled commands for the recovery run (0 to skip), `--runs R` (default
//! 3) runs at full speed, of which the median sets the paced rate, `--dir PATH` for
//! the data directory's parent (default: the system's temporary directory; it must be
//! on the disk you want to measure), `--metrics-ab P` to measure only what metrics
//! cost: P pairs of alternating runs without and with the pipeline's metrics, durable
//! (fsync per group) and then with fsync off (where the core thread is the limit),
//! printing each run, the medians and the spread.
//!
//! Throughput: two producer threads submit the exchange-core mix in chunks of 64
//! commands, each keeping at most 1,024 commands unacknowledged (so latency measures
//! the pipeline, not an unbounded queue). Every command is journaled, fsynced in a
//! group commit, applied by the engine and released only once durable. Latency is from
//! the submission of a command's chunk to its acknowledgement. A second run paces the
//! producers at half the measured throughput to show latency under moderate load.

use bourse_bench::{MixParams, exchange_mix, group};
use bourse_engine::Command;
use bourse_journal::{
    DataDir, FsyncPolicy, NoSink, PipelineConfig, PipelineMetrics, Released, StdFs, Unavailable,
    Venue, recover,
};
use bourse_telemetry::Telemetry;
use hdrhistogram::Histogram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const PRODUCERS: usize = 2;
const CHUNK: usize = 64;
const WINDOW: u64 = 1_024;

fn main() {
    let mut commands = 3_000_000usize;
    let mut recovery = 10_000_000usize;
    let mut runs = 3usize;
    let mut metrics_ab = 0usize;
    let mut parent = std::env::temp_dir();
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let number = || {
            args.get(i + 1)
                .and_then(|v| v.replace('_', "").parse::<usize>().ok())
        };
        match args[i].as_str() {
            "--commands" => commands = number().expect("--commands N"),
            "--recovery" => recovery = number().expect("--recovery N"),
            "--runs" => runs = number().expect("--runs R").max(1),
            "--metrics-ab" => metrics_ab = number().expect("--metrics-ab P").max(1),
            "--dir" => parent = PathBuf::from(args.get(i + 1).expect("--dir PATH")),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }

    let workload = exchange_mix(MixParams {
        commands,
        ..MixParams::default()
    });
    let stream: Vec<Command> = workload
        .setup
        .iter()
        .chain(&workload.prefill)
        .chain(&workload.commands)
        .cloned()
        .collect();
    println!(
        "workload: exchange-core mix, {} commands ({} setup and prefill), fsync per group commit",
        stream.len(),
        workload.setup.len() + workload.prefill.len()
    );

    if metrics_ab > 0 {
        for fsync in [FsyncPolicy::Batch, FsyncPolicy::Never] {
            metrics_cost(&parent, &stream, fsync, metrics_ab);
        }
        return;
    }

    let mut rates = Vec::new();
    for run_no in 1..=runs {
        let (rate, hist) = run(&parent, "max", &stream, None, FsyncPolicy::Batch, false);
        report(
            &format!("durable, as fast as it goes (run {run_no} of {runs})"),
            rate,
            &hist,
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    let rate = rates[rates.len() / 2];
    println!(
        "median durable throughput: {} commands/s",
        group(rate as u64)
    );
    let (rate_paced, hist_paced) = run(
        &parent,
        "paced",
        &stream,
        Some(rate / 2.0),
        FsyncPolicy::Batch,
        false,
    );
    report(
        &format!("durable, paced at {} commands/s", group(rate as u64 / 2)),
        rate_paced,
        &hist_paced,
    );

    if recovery > 0 {
        measure_recovery(&parent, recovery);
    }
}

/// Alternating runs without and with the pipeline's metrics: each run's figures, then
/// per variant the median and the spread (lowest to highest) and the ratio of medians.
fn metrics_cost(parent: &std::path::Path, stream: &[Command], fsync: FsyncPolicy, pairs: usize) {
    let label = match fsync {
        FsyncPolicy::Batch => "durable (fsync per group)",
        FsyncPolicy::Never => "fsync off (the core thread is the limit)",
    };
    let mut off = Vec::new();
    let mut on = Vec::new();
    for pair in 1..=pairs {
        for metrics in [false, true] {
            let (rate, hist) = run(parent, "ab", stream, None, fsync, metrics);
            report(
                &format!(
                    "{label}, metrics {} (pair {pair} of {pairs})",
                    if metrics { "on" } else { "off" }
                ),
                rate,
                &hist,
            );
            if metrics { &mut on } else { &mut off }.push((rate, hist.value_at_quantile(0.99)));
        }
    }
    let summary = |runs: &mut Vec<(f64, u64)>| {
        let mut rates: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let mut p99s: Vec<u64> = runs.iter().map(|r| r.1).collect();
        rates.sort_by(f64::total_cmp);
        p99s.sort_unstable();
        (
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            p99s[p99s.len() / 2],
        )
    };
    let (off_med, off_lo, off_hi, off_p99) = summary(&mut off);
    let (on_med, on_lo, on_hi, on_p99) = summary(&mut on);
    println!(
        "{label}: metrics off median {} commands/s (spread {} to {}), ack p99 median {} us",
        group(off_med as u64),
        group(off_lo as u64),
        group(off_hi as u64),
        off_p99 / 1_000
    );
    println!(
        "{label}: metrics on  median {} commands/s (spread {} to {}), ack p99 median {} us",
        group(on_med as u64),
        group(on_lo as u64),
        group(on_hi as u64),
        on_p99 / 1_000
    );
    println!(
        "{label}: with metrics the median is {:.1}% of without",
        100.0 * on_med / off_med
    );
}

fn report(name: &str, rate: f64, hist: &Histogram<u64>) {
    println!(
        "{name}: {} commands/s; ack latency p50 {} us, p99 {} us, p99.9 {} us, max {} us",
        group(rate as u64),
        hist.value_at_quantile(0.50) / 1_000,
        hist.value_at_quantile(0.99) / 1_000,
        hist.value_at_quantile(0.999) / 1_000,
        hist.max() / 1_000
    );
}

struct TempData(PathBuf);

impl TempData {
    fn new(parent: &std::path::Path, name: &str) -> TempData {
        let path = parent.join(format!("bourse-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        TempData(path)
    }
}

impl Drop for TempData {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start(dir: &DataDir, fsync: FsyncPolicy, metrics: bool) -> Venue {
    let recovered = recover(&StdFs, dir).expect("recovery");
    let config = PipelineConfig {
        fsync,
        snapshot_every_commands: 0,
        snapshot_every: None,
        metrics: metrics.then(|| PipelineMetrics::new(&Telemetry::new())),
        ..PipelineConfig::default()
    };
    Venue::start(
        Arc::new(StdFs),
        dir.clone(),
        config,
        recovered,
        Box::new(NoSink),
        bourse_journal::system_clock(),
    )
    .expect("venue starts")
}

/// Per producer: acknowledged count, with a condition to wait on.
struct Progress {
    acked: AtomicU64,
    lock: Mutex<()>,
    changed: Condvar,
}

fn run(
    parent: &std::path::Path,
    name: &str,
    stream: &[Command],
    pace: Option<f64>,
    fsync: FsyncPolicy,
    metrics: bool,
) -> (f64, Histogram<u64>) {
    let temp = TempData::new(parent, name);
    let dir = DataDir::new(&temp.0);
    let venue = Arc::new(start(&dir, fsync, metrics));
    let latencies = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap(),
    ));
    // The setup must be in place before the order flow starts.
    let setup_end = stream
        .iter()
        .position(|c| matches!(c, Command::Place(_)))
        .unwrap_or(0);
    submit_and_wait(&venue, &stream[..setup_end]);

    let orders = &stream[setup_end..];
    let per_producer = orders.len().div_ceil(PRODUCERS);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for (p, part) in orders.chunks(per_producer).enumerate() {
            let venue = venue.clone();
            let latencies = latencies.clone();
            scope.spawn(move || {
                produce(
                    p,
                    &venue,
                    part,
                    &latencies,
                    pace.map(|r| r / PRODUCERS as f64),
                )
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let rate = orders.len() as f64 / elapsed;
    let venue = Arc::try_unwrap(venue).unwrap_or_else(|_| panic!("producers finished"));
    venue.shutdown();
    let hist = latencies.lock().unwrap().clone();
    (rate, hist)
}

fn produce(
    _id: usize,
    venue: &Venue,
    part: &[Command],
    latencies: &Arc<Mutex<Histogram<u64>>>,
    pace: Option<f64>,
) {
    let progress = Arc::new(Progress {
        acked: AtomicU64::new(0),
        lock: Mutex::new(()),
        changed: Condvar::new(),
    });
    let started = Instant::now();
    let mut submitted = 0u64;
    let total = part.len() as u64;
    for chunk in part.chunks(CHUNK) {
        if let Some(rate) = pace {
            // Open loop: submit on schedule, whatever the acknowledgements do.
            let due = started + Duration::from_secs_f64(submitted as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        // Keep at most WINDOW commands unacknowledged.
        {
            let mut guard = progress.lock.lock().unwrap();
            while submitted - progress.acked.load(Ordering::Acquire) + chunk.len() as u64 > WINDOW {
                guard = progress.changed.wait(guard).unwrap();
            }
        }
        let at = Instant::now();
        let batch = chunk
            .iter()
            .map(|command| {
                let progress = progress.clone();
                let latencies = latencies.clone();
                let reply: bourse_journal::Reply =
                    Box::new(move |result: Result<Released, Unavailable>| {
                        result.expect("acknowledged");
                        let _ = latencies
                            .lock()
                            .unwrap()
                            .record(at.elapsed().as_nanos() as u64);
                        let acked = progress.acked.fetch_add(1, Ordering::Release) + 1;
                        // Wake the producer once per chunk, not per command.
                        if acked.is_multiple_of(CHUNK as u64) || acked == total {
                            let _guard = progress.lock.lock().unwrap();
                            progress.changed.notify_one();
                        }
                    });
                (command.clone(), reply)
            })
            .collect();
        venue.submit_batch(batch);
        submitted += chunk.len() as u64;
    }
    let mut guard = progress.lock.lock().unwrap();
    while progress.acked.load(Ordering::Acquire) < submitted {
        guard = progress.changed.wait(guard).unwrap();
    }
}

fn submit_and_wait(venue: &Venue, commands: &[Command]) {
    let (tx, rx) = std::sync::mpsc::channel();
    for command in commands {
        let tx = tx.clone();
        venue.submit(
            command.clone(),
            Box::new(move |r| tx.send(r.is_ok()).unwrap()),
        );
    }
    for _ in commands {
        assert!(rx.recv().unwrap());
    }
}

fn measure_recovery(parent: &std::path::Path, count: usize) {
    let temp = TempData::new(parent, "recovery");
    let dir = DataDir::new(&temp.0);
    let workload = exchange_mix(MixParams {
        commands: count,
        ..MixParams::default()
    });
    let stream: Vec<Command> = workload
        .setup
        .into_iter()
        .chain(workload.prefill)
        .chain(workload.commands)
        .collect();
    let venue = start(&dir, FsyncPolicy::Never, false);
    let written = Instant::now();
    for chunk in stream.chunks(1_024) {
        venue.submit_batch(
            chunk
                .iter()
                .map(|c| (c.clone(), Box::new(|_| {}) as bourse_journal::Reply))
                .collect(),
        );
    }
    let shutdown = venue.shutdown().expect("clean shutdown");
    let written = written.elapsed();
    // Recovery from the journal alone: remove the shutdown snapshot.
    let _ = std::fs::remove_dir_all(dir.snapshots());
    let bytes: u64 = std::fs::read_dir(dir.journal())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let started = Instant::now();
    let recovered = recover(&StdFs, &dir).expect("recovery");
    let took = started.elapsed();
    assert_eq!(
        recovered.report.state_hash, shutdown.state_hash,
        "recovery reaches the same state"
    );
    println!(
        "recovery: {} journaled commands ({} MB, written in {:.1} s) replayed from an empty engine in {:.2} s ({} commands/s), state hash matches",
        group(recovered.report.records_replayed),
        bytes / 1_000_000,
        written.as_secs_f64(),
        took.as_secs_f64(),
        group((recovered.report.records_replayed as f64 / took.as_secs_f64()) as u64)
    );
}
