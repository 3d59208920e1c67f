//! Segment files and the appending side of the journal.
//!
//! The journal is a directory of segment files named after the sequence number of
//! their first record (`00000000000000000001.seg`). Each starts with a 16-byte header
//! (`BRSJ`, format version, first sequence number) followed by records (see
//! [`crate::record`]). A segment is closed and a new one started once it reaches the
//! configured size; records never span segments.

use crate::fs::{AppendFile, FileSystem};
use crate::record::{self, RecordHash};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SEGMENT_MAGIC: [u8; 4] = *b"BRSJ";
pub const SEGMENT_VERSION: u16 = 1;
pub const SEGMENT_HEADER_LEN: usize = 16;
const SEGMENT_SUFFIX: &str = ".seg";

/// When the journal calls `fdatasync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// After every group of records, before any of them is acknowledged.
    Batch,
    /// Never: for backtests and benchmarks of the engine alone. A crash loses
    /// whatever the operating system had not written.
    Never,
}

/// The file that names the newest segment, rewritten atomically at every roll, so
/// that losing the newest segment is noticed rather than read as a shorter journal.
pub const HEAD_FILE: &str = "HEAD";

pub fn segment_name(first_seq: u64) -> String {
    format!("{first_seq:020}{SEGMENT_SUFFIX}")
}

/// The first sequence number of a segment, from its file name.
pub fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SEGMENT_SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub fn segment_header(first_seq: u64) -> [u8; SEGMENT_HEADER_LEN] {
    let mut header = [0u8; SEGMENT_HEADER_LEN];
    header[0..4].copy_from_slice(&SEGMENT_MAGIC);
    header[4..6].copy_from_slice(&SEGMENT_VERSION.to_le_bytes());
    header[8..16].copy_from_slice(&first_seq.to_le_bytes());
    header
}

/// Checks a segment header; returns the first sequence number it names.
pub fn read_segment_header(bytes: &[u8]) -> Result<u64, String> {
    if bytes.len() < SEGMENT_HEADER_LEN {
        return Err("segment header is cut short".to_string());
    }
    if bytes[0..4] != SEGMENT_MAGIC {
        return Err("not a journal segment (bad magic)".to_string());
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != SEGMENT_VERSION {
        return Err(format!("segment format version {version} is not supported"));
    }
    Ok(u64::from_le_bytes(
        bytes[8..16].try_into().expect("8 bytes"),
    ))
}

/// Where appending resumes: the next sequence number, the hash of the last record, and
/// the segment to continue (with its current size), if any.
#[derive(Debug, Clone)]
pub struct Tail {
    pub next_seq: u64,
    pub last_hash: RecordHash,
    pub segment: Option<(PathBuf, u64)>,
}

/// What one [`JournalLog::append`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Appended {
    /// Bytes written to the segment.
    pub bytes: u64,
    /// Time the write took.
    pub write: Duration,
    /// Time the sync took, when the policy synced.
    pub sync: Option<Duration>,
}

/// The journal's appending side. Not thread-safe: one writer thread owns it.
pub struct JournalLog {
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    file: Option<Box<dyn AppendFile>>,
    size: u64,
    segment_bytes_max: u64,
    fsync: FsyncPolicy,
    next_seq: u64,
    last_hash: RecordHash,
    buf: Vec<u8>,
}

impl std::fmt::Debug for JournalLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalLog")
            .field("dir", &self.dir)
            .field("size", &self.size)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl JournalLog {
    pub fn open(
        fs: Arc<dyn FileSystem>,
        dir: &Path,
        tail: Tail,
        segment_bytes_max: u64,
        fsync: FsyncPolicy,
    ) -> io::Result<JournalLog> {
        fs.create_dir_all(dir)?;
        let (file, size) = match &tail.segment {
            // A segment that lost its header to a crash during its creation (recovery
            // emptied it) gets its header back before anything is appended.
            Some((path, size)) if *size < SEGMENT_HEADER_LEN as u64 => {
                let first = path
                    .file_name()
                    .and_then(|n| parse_segment_name(&n.to_string_lossy()))
                    .ok_or_else(|| {
                        io::Error::other(format!("{} is not a segment name", path.display()))
                    })?;
                if first != tail.next_seq {
                    return Err(io::Error::other(format!(
                        "{} would start at {first}, but the journal continues at {}",
                        path.display(),
                        tail.next_seq
                    )));
                }
                let mut file = fs.create(path)?;
                file.write_all(&segment_header(first))?;
                file.sync_data()?;
                fs.sync_dir(dir)?;
                fs.write_atomic(
                    &dir.join(HEAD_FILE),
                    format!("{}\n", segment_name(first)).as_bytes(),
                )?;
                (Some(file), SEGMENT_HEADER_LEN as u64)
            }
            Some((path, size)) => (Some(fs.append(path)?), *size),
            None => (None, 0),
        };
        Ok(JournalLog {
            fs,
            dir: dir.to_path_buf(),
            file,
            size,
            segment_bytes_max,
            fsync,
            next_seq: tail.next_seq,
            last_hash: tail.last_hash,
            buf: Vec::with_capacity(1 << 20),
        })
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn last_hash(&self) -> RecordHash {
        self.last_hash
    }

    /// Appends records with consecutive sequence numbers starting at
    /// [`JournalLog::next_seq`], in one write, and makes them durable per the fsync
    /// policy. After an error the log must not be used again: what reached the disk is
    /// sorted out by recovery.
    pub fn append<'a>(
        &mut self,
        records: impl IntoIterator<Item = (u64, u64, &'a [u8])>,
    ) -> io::Result<Appended> {
        self.buf.clear();
        let mut hash = self.last_hash;
        let mut seq = self.next_seq;
        for (record_seq, ts, payload) in records {
            assert_eq!(record_seq, seq, "journal: records must be consecutive");
            hash = record::encode(&mut self.buf, seq, ts, &hash, payload);
            seq += 1;
        }
        if self.buf.is_empty() {
            return Ok(Appended::default());
        }
        // A group is never split: segments end between groups, so they may run a
        // little past the size limit.
        if self.file.is_none() || self.size >= self.segment_bytes_max {
            self.roll()?;
        }
        let file = self.file.as_mut().expect("a segment is open after roll");
        let started = Instant::now();
        file.write_all(&self.buf)?;
        let written = Instant::now();
        let sync = if self.fsync == FsyncPolicy::Batch {
            file.sync_data()?;
            Some(written.elapsed())
        } else {
            None
        };
        self.size += self.buf.len() as u64;
        self.next_seq = seq;
        self.last_hash = hash;
        Ok(Appended {
            bytes: self.buf.len() as u64,
            write: written - started,
            sync,
        })
    }

    /// Closes the current segment (durably) and starts a new one.
    fn roll(&mut self) -> io::Result<()> {
        if let Some(mut file) = self.file.take() {
            file.sync_data()?;
        }
        let path = self.dir.join(segment_name(self.next_seq));
        let mut file = self.fs.append(&path)?;
        file.write_all(&segment_header(self.next_seq))?;
        file.sync_data()?;
        self.fs.sync_dir(&self.dir)?;
        self.fs.write_atomic(
            &self.dir.join(HEAD_FILE),
            format!("{}\n", segment_name(self.next_seq)).as_bytes(),
        )?;
        self.file = Some(file);
        self.size = SEGMENT_HEADER_LEN as u64;
        Ok(())
    }

    /// Makes everything appended durable, whatever the policy.
    pub fn sync(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.sync_data(),
            None => Ok(()),
        }
    }
}
