//! Reading the journal back: recovery at startup, and full verification.
//!
//! Recovery loads the newest valid snapshot, then replays the journal records after it.
//! Every record is checked: its checksum, that its sequence number is the next one, and
//! that it names the previous record's hash. A torn tail (a last record cut short by a
//! crash) is truncated and reported; any other damage, gap or broken link stops
//! recovery with an error that names the file and the byte offset. Nothing is skipped.

use crate::fs::{DataDir, FileSystem};
use crate::log::{HEAD_FILE, SEGMENT_HEADER_LEN, Tail, parse_segment_name, read_segment_header};
use crate::pipeline::Released;
use crate::record::{self, Damage, RecordHash, ZERO_HASH};
use crate::snapshot::{self, SnapshotInfo};
use bourse_engine::{Engine, EngineLimits, StateHash, decode_recorded};
use bourse_types::Timestamp;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{file} at byte {offset}: {what}")]
    Corrupt {
        file: PathBuf,
        offset: u64,
        what: String,
    },
    #[error(
        "{file}: the journal skips from sequence {expected} to {found} (a segment or records are missing)"
    )]
    Gap {
        file: PathBuf,
        expected: u64,
        found: u64,
    },
    #[error(
        "{file} at byte {offset}: record {seq} does not name the previous record's hash (the hash chain is broken)"
    )]
    BrokenChain {
        file: PathBuf,
        offset: u64,
        seq: u64,
    },
    #[error(
        "the journal ends at sequence {journal} but the snapshot is at {snapshot}: journal records are missing"
    )]
    JournalBehindSnapshot { journal: u64, snapshot: u64 },
    #[error("{file} is missing: the journal's HEAD names it as the newest segment")]
    MissingSegment { file: PathBuf },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> RecoveryError + '_ {
    move |source| RecoveryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A last record cut short by a crash, removed by recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    pub file: PathBuf,
    pub offset: u64,
    pub bytes_removed: u64,
}

/// What recovery found and did.
#[derive(Debug, Clone)]
pub struct RecoveryReport {
    pub snapshot: Option<SnapshotInfo>,
    /// Snapshots that could not be used, newest first, with the reason.
    pub snapshots_rejected: Vec<(u64, String)>,
    pub segments_read: usize,
    pub records_replayed: u64,
    pub torn_tail: Option<TornTail>,
    pub last_seq: u64,
    pub state_hash: StateHash,
    pub duration: Duration,
}

/// A recovered engine and where the journal continues.
#[derive(Debug)]
pub struct Recovered {
    pub engine: Engine,
    pub tail: Tail,
    pub report: RecoveryReport,
}

/// One valid record met by a scan.
#[derive(Debug, Clone, Copy)]
pub struct Scanned<'a> {
    pub seq: u64,
    pub ts: u64,
    pub payload: &'a [u8],
    pub hash: RecordHash,
    pub file: &'a Path,
    pub offset: u64,
}

/// Where a scan ended.
#[derive(Debug, Clone)]
pub struct ScanEnd {
    pub tail: Tail,
    pub torn_tail: Option<TornTail>,
    pub segments_read: usize,
    pub records: u64,
}

/// Journal segments in `dir`, sorted by first sequence number.
pub fn segments(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<(u64, PathBuf)>, RecoveryError> {
    let names = match fs.list(dir) {
        Ok(names) => names,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error(dir)(error)),
    };
    let mut segments = Vec::new();
    let mut head = None;
    for name in names {
        if name == HEAD_FILE {
            let path = dir.join(&name);
            let text = fs.read(&path).map_err(io_error(&path))?;
            let named = std::str::from_utf8(&text)
                .ok()
                .and_then(|t| parse_segment_name(t.trim()));
            head = Some(named.ok_or_else(|| RecoveryError::Corrupt {
                file: path,
                offset: 0,
                what: "HEAD does not name a segment".to_string(),
            })?);
            continue;
        }
        match parse_segment_name(&name) {
            Some(first) => segments.push((first, dir.join(&name))),
            None => {
                tracing::warn!(file = %dir.join(&name).display(), "ignoring a file that is not a journal segment")
            }
        }
    }
    segments.sort();
    if let Some(head) = head
        && segments.last().is_none_or(|(newest, _)| *newest < head)
    {
        return Err(RecoveryError::MissingSegment {
            file: dir.join(crate::log::segment_name(head)),
        });
    }
    Ok(segments)
}

/// Reads segments in order, starting with the one that holds `from_seq`, checking every
/// record, and calls `each` for each record at or after `from_seq`. With `repair`, a
/// torn tail in the last segment is truncated; without, it is only reported.
pub fn scan(
    fs: &dyn FileSystem,
    dir: &Path,
    from_seq: u64,
    repair: bool,
    mut each: impl FnMut(Scanned<'_>) -> Result<(), RecoveryError>,
) -> Result<ScanEnd, RecoveryError> {
    let all = segments(fs, dir)?;
    let mut end = ScanEnd {
        tail: Tail {
            next_seq: 1,
            last_hash: ZERO_HASH,
            segment: None,
        },
        torn_tail: None,
        segments_read: 0,
        records: 0,
    };
    if all.is_empty() {
        return Ok(end);
    }
    // Start with the segment holding the record before `from_seq`, so that its hash is
    // known and the first record handed on is checked against it.
    let before = from_seq.saturating_sub(1).max(1);
    let start = all
        .iter()
        .rposition(|(first, _)| *first <= before)
        .unwrap_or(0);
    let mut expected = all[start].0;
    let mut prev: Option<RecordHash> = (expected == 1).then_some(ZERO_HASH);
    let last_index = all.len() - 1;
    for (index, (first, path)) in all.iter().enumerate().skip(start) {
        let is_last = index == last_index;
        let bytes = fs.read(path).map_err(io_error(path))?;
        end.segments_read += 1;
        if bytes.len() < SEGMENT_HEADER_LEN && is_last {
            // A crash while creating the segment: nothing in it was ever acknowledged.
            if repair {
                fs.truncate(path, 0).map_err(io_error(path))?;
            }
            end.torn_tail = Some(TornTail {
                file: path.clone(),
                offset: 0,
                bytes_removed: bytes.len() as u64,
            });
            end.tail.segment = Some((path.clone(), 0));
            break;
        }
        let header_first = read_segment_header(&bytes).map_err(|what| RecoveryError::Corrupt {
            file: path.clone(),
            offset: 0,
            what,
        })?;
        if header_first != *first {
            return Err(RecoveryError::Corrupt {
                file: path.clone(),
                offset: 0,
                what: format!(
                    "the header says the segment starts at {header_first}, its name says {first}"
                ),
            });
        }
        if *first != expected {
            return Err(RecoveryError::Gap {
                file: path.clone(),
                expected,
                found: *first,
            });
        }
        let mut offset = SEGMENT_HEADER_LEN;
        while offset < bytes.len() {
            let rest = &bytes[offset..];
            let record = match record::decode(rest) {
                Ok(record) => record,
                Err(damage) => {
                    let torn = is_last && is_torn(rest, damage);
                    if !torn {
                        return Err(RecoveryError::Corrupt {
                            file: path.clone(),
                            offset: offset as u64,
                            what: match damage {
                                Damage::Truncated => "the record is cut short".to_string(),
                                Damage::BadLength => "the record length is impossible".to_string(),
                                Damage::BadChecksum => {
                                    "the record checksum does not match".to_string()
                                }
                            },
                        });
                    }
                    if repair {
                        fs.truncate(path, offset as u64).map_err(io_error(path))?;
                    }
                    end.torn_tail = Some(TornTail {
                        file: path.clone(),
                        offset: offset as u64,
                        bytes_removed: rest.len() as u64,
                    });
                    break;
                }
            };
            if record.seq != expected {
                return Err(RecoveryError::Gap {
                    file: path.clone(),
                    expected,
                    found: record.seq,
                });
            }
            if prev.is_some_and(|hash| hash != record.prev) {
                return Err(RecoveryError::BrokenChain {
                    file: path.clone(),
                    offset: offset as u64,
                    seq: record.seq,
                });
            }
            let hash = record.hash(rest);
            if record.seq >= from_seq {
                each(Scanned {
                    seq: record.seq,
                    ts: record.ts,
                    payload: record.payload,
                    hash,
                    file: path,
                    offset: offset as u64,
                })?;
            }
            prev = Some(hash);
            expected += 1;
            end.records += 1;
            offset += record.size;
        }
        let size = end
            .torn_tail
            .as_ref()
            .filter(|t| &t.file == path)
            .map_or(bytes.len() as u64, |t| t.offset);
        end.tail.segment = Some((path.clone(), size));
    }
    end.tail.next_seq = expected;
    end.tail.last_hash = prev.unwrap_or(ZERO_HASH);
    Ok(end)
}

/// Whether damage at the end of the last segment looks like a write cut short by a
/// crash rather than corruption: the damaged record reaches the end of the file, or
/// nothing but zeros follows.
fn is_torn(rest: &[u8], damage: Damage) -> bool {
    match damage {
        Damage::Truncated => true,
        Damage::BadChecksum => {
            let len = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
            8 + len >= rest.len()
        }
        Damage::BadLength => rest.iter().all(|&b| b == 0),
    }
}

/// The newest usable snapshot, if any, and the snapshots rejected on the way.
type SnapshotSearch = (Option<(SnapshotInfo, Engine)>, Vec<(u64, String)>);

/// Loads the newest valid snapshot before `before`; the others are reported, not
/// silently ignored.
fn load_snapshot_before(
    fs: &dyn FileSystem,
    dir: &DataDir,
    before: u64,
) -> Result<SnapshotSearch, RecoveryError> {
    let snapshots_dir = dir.snapshots();
    let mut rejected = Vec::new();
    let all = snapshot::list(fs, &snapshots_dir).map_err(io_error(&snapshots_dir))?;
    for seq in all.into_iter().filter(|seq| *seq < before) {
        let path = snapshots_dir.join(snapshot::snapshot_name(seq));
        let loaded = fs
            .read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| snapshot::decode(&bytes));
        match loaded {
            Ok(found) => return Ok((Some(found), rejected)),
            Err(why) => {
                tracing::warn!(file = %path.display(), %why, "snapshot is not usable; trying an older one");
                rejected.push((seq, why));
            }
        }
    }
    Ok((None, rejected))
}

/// Recovers the engine from a data directory: the newest valid snapshot, then every
/// journal record after it. A torn tail is truncated.
pub fn recover(fs: &dyn FileSystem, dir: &DataDir) -> Result<Recovered, RecoveryError> {
    recover_with_events(fs, dir, u64::MAX, |_| {})
}

/// Like [`recover`], and hands `on_released` every journaled command from `events_from`
/// on, with the events it produced, in order: what a consumer that stopped at
/// `events_from - 1` (the read models) missed. The snapshot it starts from is the
/// newest one before `events_from`, or none.
pub fn recover_with_events(
    fs: &dyn FileSystem,
    dir: &DataDir,
    events_from: u64,
    mut on_released: impl FnMut(Released),
) -> Result<Recovered, RecoveryError> {
    let started = Instant::now();
    let (loaded, snapshots_rejected) = load_snapshot_before(fs, dir, events_from)?;
    let (info, mut engine) = match loaded {
        Some((info, engine)) => (Some(info), engine),
        None => (None, Engine::new(EngineLimits::default())),
    };
    let base = engine.seq();
    let journal = dir.journal();
    let mut replayed = 0u64;
    let end = scan(fs, &journal, base + 1, true, |record| {
        let (command, version) =
            decode_recorded(record.payload).map_err(|error| RecoveryError::Corrupt {
                file: record.file.to_path_buf(),
                offset: record.offset,
                what: format!("record {} does not decode: {error}", record.seq),
            })?;
        let events = engine
            .apply_recorded(record.seq, Timestamp(record.ts), &command, version)
            .map_err(|error| RecoveryError::Corrupt {
                file: record.file.to_path_buf(),
                offset: record.offset,
                what: error.to_string(),
            })?;
        if record.seq >= events_from {
            on_released(Released {
                seq: record.seq,
                ts: Timestamp(record.ts),
                command,
                events,
            });
        }
        replayed += 1;
        Ok(())
    })?;
    let journal_last = end.tail.next_seq - 1;
    if journal_last < base {
        return Err(RecoveryError::JournalBehindSnapshot {
            journal: journal_last,
            snapshot: base,
        });
    }
    if let Some(torn) = &end.torn_tail {
        tracing::warn!(
            file = %torn.file.display(),
            offset = torn.offset,
            bytes = torn.bytes_removed,
            "truncated a torn journal tail (a write cut short by a crash; it was never acknowledged)"
        );
    }
    let report = RecoveryReport {
        snapshot: info,
        snapshots_rejected,
        segments_read: end.segments_read,
        records_replayed: replayed,
        torn_tail: end.torn_tail.clone(),
        last_seq: engine.seq(),
        state_hash: engine.state_hash(),
        duration: started.elapsed(),
    };
    Ok(Recovered {
        engine,
        tail: end.tail,
        report,
    })
}

/// What a full verification found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub segments: usize,
    pub records: u64,
    pub last_seq: u64,
    pub state_hash: StateHash,
    /// Snapshots whose recorded state hash was compared with the replayed state.
    pub snapshots_checked: Vec<u64>,
    /// Problems that do not stop the scan: snapshots that do not match or cannot be
    /// read, a torn tail.
    pub problems: Vec<String>,
}

/// Verifies a whole data directory without changing it: every record from the first,
/// the hash chain from genesis, a replay from an empty engine, and each snapshot's
/// recorded state hash against the replayed state at its sequence number.
pub fn verify(fs: &dyn FileSystem, dir: &DataDir) -> Result<VerifyReport, RecoveryError> {
    let journal = dir.journal();
    let first = segments(fs, &journal)?.first().map(|(first, _)| *first);
    let mut problems = Vec::new();
    if let Some(first) = first
        && first != 1
    {
        return Err(RecoveryError::Gap {
            file: journal.join(crate::log::segment_name(first)),
            expected: 1,
            found: first,
        });
    }
    let snapshots_dir = dir.snapshots();
    let mut snapshots: Vec<u64> =
        snapshot::list(fs, &snapshots_dir).map_err(io_error(&snapshots_dir))?;
    snapshots.sort_unstable();
    let mut pending = snapshots.iter().copied().peekable();
    let mut checked = Vec::new();
    let mut engine = Engine::new(EngineLimits::default());
    let mut check_snapshots =
        |engine: &Engine, problems: &mut Vec<String>, checked: &mut Vec<u64>| {
            while let Some(&seq) = pending.peek() {
                if seq > engine.seq() {
                    break;
                }
                pending.next();
                let path = snapshots_dir.join(snapshot::snapshot_name(seq));
                match fs
                    .read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|b| snapshot::decode(&b))
                {
                    // The snapshot's state as this build reads it, against the replay (a
                    // snapshot of an older format records the hash of its own image).
                    Ok((_, restored))
                        if seq == engine.seq() && restored.state_hash() == engine.state_hash() =>
                    {
                        checked.push(seq)
                    }
                    Ok((_, restored)) => problems.push(format!(
                        "{}: holds the state {} at {seq}, the journal replays to {}",
                        path.display(),
                        restored.state_hash(),
                        engine.state_hash()
                    )),
                    Err(why) => problems.push(format!("{}: {why}", path.display())),
                }
            }
        };
    check_snapshots(&engine, &mut problems, &mut checked);
    let end = scan(fs, &journal, 1, false, |record| {
        let (command, version) =
            decode_recorded(record.payload).map_err(|error| RecoveryError::Corrupt {
                file: record.file.to_path_buf(),
                offset: record.offset,
                what: format!("record {} does not decode: {error}", record.seq),
            })?;
        engine
            .apply_recorded(record.seq, Timestamp(record.ts), &command, version)
            .map_err(|error| RecoveryError::Corrupt {
                file: record.file.to_path_buf(),
                offset: record.offset,
                what: error.to_string(),
            })?;
        check_snapshots(&engine, &mut problems, &mut checked);
        Ok(())
    })?;
    for seq in pending {
        problems.push(format!(
            "snapshot {seq} is beyond the end of the journal ({})",
            engine.seq()
        ));
    }
    if let Some(torn) = &end.torn_tail {
        problems.push(format!(
            "{}: a torn tail of {} bytes at byte {} (recovery will truncate it)",
            torn.file.display(),
            torn.bytes_removed,
            torn.offset
        ));
    }
    Ok(VerifyReport {
        segments: end.segments_read,
        records: end.records,
        last_seq: engine.seq(),
        state_hash: engine.state_hash(),
        snapshots_checked: checked,
        problems,
    })
}
