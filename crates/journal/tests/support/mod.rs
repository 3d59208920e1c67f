//! Helpers for the journal's tests: temporary data directories, a file system that
//! fails on demand, and a way to run commands through a venue and collect replies.
#![allow(dead_code)]

use bourse_bench::{MixParams, exchange_mix};
use bourse_engine::Command;
use bourse_journal::{
    AppendFile, DataDir, FileSystem, NoSink, PipelineConfig, Released, StdFs, Unavailable, Venue,
    recover,
};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A directory under the system's temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "bourse-journal-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn data(&self) -> DataDir {
        DataDir::new(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Commands from the exchange-core mix: listing, funding, then orders.
pub fn commands(count: usize) -> Vec<Command> {
    let workload = exchange_mix(MixParams {
        commands: count,
        accounts: 20,
        resting_orders: 50,
        price_spread_ticks: 40,
        ..MixParams::default()
    });
    workload
        .setup
        .into_iter()
        .chain(workload.prefill)
        .chain(workload.commands)
        .collect()
}

pub fn small_segments() -> PipelineConfig {
    PipelineConfig {
        segment_bytes_max: 2 << 10,
        batch_commands_max: 32,
        journal_queue_max: 1,
        snapshot_every_commands: 0,
        snapshot_every: None,
        ..PipelineConfig::default()
    }
}

pub fn start(fs: Arc<dyn FileSystem>, dir: &DataDir, config: PipelineConfig) -> Venue {
    let recovered = recover(fs.as_ref(), dir).expect("recovery");
    Venue::start(
        fs,
        dir.clone(),
        config,
        recovered,
        Box::new(NoSink),
        bourse_journal::system_clock(),
    )
    .expect("venue starts")
}

/// Submits every command and waits for every reply (bounded wait).
pub fn run_all(venue: &Venue, commands: &[Command]) -> Vec<Result<Released, Unavailable>> {
    let (tx, rx) = channel();
    for (i, command) in commands.iter().enumerate() {
        let tx = tx.clone();
        venue.submit(
            command.clone(),
            Box::new(move |result| {
                let _ = tx.send((i, result));
            }),
        );
    }
    collect(rx, commands.len())
}

pub fn collect(
    rx: Receiver<(usize, Result<Released, Unavailable>)>,
    n: usize,
) -> Vec<Result<Released, Unavailable>> {
    let mut results: Vec<Option<Result<Released, Unavailable>>> = (0..n).map(|_| None).collect();
    for _ in 0..n {
        let (i, result) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("every command is answered");
        results[i] = Some(result);
    }
    results
        .into_iter()
        .map(|r| r.expect("answered once"))
        .collect()
}

/// A file system that fails on demand: `fail_sync_after` successful syncs, or
/// `fail_write_after` bytes written (as a full disk would).
#[derive(Default)]
pub struct FaultyFs {
    pub syncs_left: Mutex<Option<u64>>,
    pub bytes_left: Mutex<Option<u64>>,
}

impl FaultyFs {
    pub fn failing_sync_after(syncs: u64) -> Arc<FaultyFs> {
        Arc::new(FaultyFs {
            syncs_left: Mutex::new(Some(syncs)),
            bytes_left: Mutex::new(None),
        })
    }

    pub fn full_after(bytes: u64) -> Arc<FaultyFs> {
        Arc::new(FaultyFs {
            syncs_left: Mutex::new(None),
            bytes_left: Mutex::new(Some(bytes)),
        })
    }
}

struct FaultyFile {
    inner: Box<dyn AppendFile>,
    fs: Arc<FaultyFs>,
}

impl AppendFile for FaultyFile {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut left = self.fs.bytes_left.lock().unwrap();
        if let Some(room) = left.as_mut() {
            if (bytes.len() as u64) > *room {
                // Like a full disk: part of the write lands, then the error.
                let fits = *room as usize;
                self.inner.write_all(&bytes[..fits])?;
                *room = 0;
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "No space left on device",
                ));
            }
            *room -= bytes.len() as u64;
        }
        self.inner.write_all(bytes)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        let mut left = self.fs.syncs_left.lock().unwrap();
        if let Some(count) = left.as_mut() {
            if *count == 0 {
                return Err(io::Error::other("Input/output error (injected)"));
            }
            *count -= 1;
        }
        self.inner.sync_data()
    }
}

/// Delegates to the real file system, injecting faults into appended files.
pub struct Faulty(pub Arc<FaultyFs>);

impl FileSystem for Faulty {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        StdFs.create_dir_all(path)
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        StdFs.list(dir)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        StdFs.read(path)
    }
    fn append(&self, path: &Path) -> io::Result<Box<dyn AppendFile>> {
        Ok(Box::new(FaultyFile {
            inner: StdFs.append(path)?,
            fs: self.0.clone(),
        }))
    }
    fn create(&self, path: &Path) -> io::Result<Box<dyn AppendFile>> {
        Ok(Box::new(FaultyFile {
            inner: StdFs.create(path)?,
            fs: self.0.clone(),
        }))
    }
    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        StdFs.truncate(path, len)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        StdFs.rename(from, to)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        StdFs.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        StdFs.sync_dir(dir)
    }
}

/// The journal's segment files, oldest first.
pub fn segment_files(dir: &DataDir) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.journal())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    files.sort();
    files
}
