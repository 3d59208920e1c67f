//! Snapshots: the whole engine state at a sequence number, in one file.
//!
//! ```text
//! offset size  field
//! 0      4     magic "BRSS"
//! 4      2     format version
//! 6      2     reserved (zero)
//! 8      8     seq: the last command the state includes
//! 16     32    state hash (BLAKE3 of the canonical state image)
//! 48     8     body length
//! 56     4     CRC32C of the body
//! 60     4     reserved (zero)
//! 64     ...   body: `Engine::encode_state`
//! ```
//!
//! A snapshot is written atomically (temporary file, fsync, rename, fsync of the
//! directory) and only once the journal has made its sequence number durable, so a
//! snapshot never contains a command the journal could lose.

use crate::fs::FileSystem;
use bourse_engine::{Engine, StateHash};
use std::io;
use std::path::{Path, PathBuf};

pub const SNAPSHOT_MAGIC: [u8; 4] = *b"BRSS";
pub const SNAPSHOT_VERSION: u16 = 1;
/// Bytes before the body.
pub const HEADER_LEN: usize = 64;
const SUFFIX: &str = ".snap";

pub fn snapshot_name(seq: u64) -> String {
    format!("{seq:020}{SUFFIX}")
}

pub fn parse_snapshot_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Encodes the engine's state as a snapshot file's bytes.
pub fn encode(engine: &Engine) -> Vec<u8> {
    let body = engine.encode_state();
    let hash = StateHash(*blake3::hash(&body).as_bytes());
    debug_assert_eq!(hash, engine.state_hash());
    let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
    bytes.extend_from_slice(&SNAPSHOT_MAGIC);
    bytes.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&[0; 2]);
    bytes.extend_from_slice(&engine.seq().to_le_bytes());
    bytes.extend_from_slice(&hash.0);
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32c::crc32c(&body).to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&body);
    bytes
}

/// What a snapshot file's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub seq: u64,
    pub state_hash: StateHash,
    pub body_len: u64,
}

/// Reads and checks a snapshot: header, checksum, that the body hashes to the recorded
/// state hash, decoding (which checks every engine invariant), and the sequence
/// number. The recorded hash is that of the image as written: a snapshot of an older
/// state format decodes into today's engine, whose own state hash differs.
pub fn decode(bytes: &[u8]) -> Result<(SnapshotInfo, Engine), String> {
    if bytes.len() < HEADER_LEN || bytes[0..4] != SNAPSHOT_MAGIC {
        return Err("not a snapshot (bad magic or cut short)".to_string());
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != SNAPSHOT_VERSION {
        return Err(format!(
            "snapshot format version {version} is not supported"
        ));
    }
    let seq = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&bytes[16..48]);
    let body_len = u64::from_le_bytes(bytes[48..56].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(bytes[56..60].try_into().expect("4 bytes"));
    let body = &bytes[HEADER_LEN..];
    if body.len() as u64 != body_len {
        return Err(format!(
            "body is {} bytes, header says {body_len}",
            body.len()
        ));
    }
    if crc32c::crc32c(body) != crc {
        return Err("body checksum does not match".to_string());
    }
    let engine = Engine::decode_state(body).map_err(|e| e.to_string())?;
    let info = SnapshotInfo {
        seq,
        state_hash: StateHash(hash),
        body_len,
    };
    if engine.seq() != seq {
        return Err(format!(
            "state is at sequence {}, header says {seq}",
            engine.seq()
        ));
    }
    let actual = StateHash(*blake3::hash(body).as_bytes());
    if actual != info.state_hash {
        return Err(format!(
            "state hash {actual} differs from the recorded {}",
            info.state_hash
        ));
    }
    if body.first() == Some(&bourse_engine::STATE_VERSION) && engine.state_hash() != actual {
        return Err(format!(
            "the state decodes to {}, not to the recorded {actual}",
            engine.state_hash()
        ));
    }
    Ok((info, engine))
}

/// Writes a snapshot of `engine` into `dir` atomically; returns its path.
pub fn write(fs: &dyn FileSystem, dir: &Path, engine: &Engine) -> io::Result<PathBuf> {
    fs.create_dir_all(dir)?;
    let path = dir.join(snapshot_name(engine.seq()));
    fs.write_atomic(&path, &encode(engine))?;
    Ok(path)
}

/// Snapshot sequence numbers present in `dir`, newest first.
pub fn list(fs: &dyn FileSystem, dir: &Path) -> io::Result<Vec<u64>> {
    let names = match fs.list(dir) {
        Ok(names) => names,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut seqs: Vec<u64> = names
        .iter()
        .filter_map(|n| parse_snapshot_name(n))
        .collect();
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    Ok(seqs)
}

/// Removes all but the newest `keep` snapshots, and leftover temporary files.
pub fn prune(fs: &dyn FileSystem, dir: &Path, keep: usize) -> io::Result<()> {
    for seq in list(fs, dir)?.into_iter().skip(keep.max(1)) {
        fs.remove(&dir.join(snapshot_name(seq)))?;
    }
    for name in fs.list(dir)? {
        if name.ends_with(".tmp") {
            fs.remove(&dir.join(name))?;
        }
    }
    fs.sync_dir(dir)
}
