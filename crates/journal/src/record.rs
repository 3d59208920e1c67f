//! The journal's record framing.
//!
//! ```text
//! offset size  field
//! 0      4     len      bytes after the crc field (32 + payload), little-endian
//! 4      4     crc      CRC32C of the len field followed by those bytes
//! 8      8     seq      sequence number
//! 16     8     ts       timestamp, nanoseconds since the Unix epoch
//! 24     16    prev     hash of the previous record (zeros before the first)
//! 40     ...   payload  the encoded command (it starts with its format version)
//! ```
//!
//! A record's hash is the first 16 bytes of BLAKE3 over everything from `seq` to the
//! end of the payload. Since that span contains `prev`, the records form a hash chain:
//! changing any record changes every hash after it.

/// Bytes before the payload.
pub const HEADER_LEN: usize = 40;
/// The largest payload accepted: far above any command, small enough that a corrupt
/// length cannot make recovery allocate without bound.
pub const PAYLOAD_LEN_MAX: usize = 1 << 20;

/// A record's hash (truncated BLAKE3).
pub type RecordHash = [u8; 16];

pub const ZERO_HASH: RecordHash = [0; 16];

/// Appends one record to `buf` and returns its hash.
pub fn encode(
    buf: &mut Vec<u8>,
    seq: u64,
    ts: u64,
    prev: &RecordHash,
    payload: &[u8],
) -> RecordHash {
    debug_assert!(payload.len() <= PAYLOAD_LEN_MAX);
    let start = buf.len();
    let len = (HEADER_LEN - 8 + payload.len()) as u32;
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(&ts.to_le_bytes());
    buf.extend_from_slice(prev);
    buf.extend_from_slice(payload);
    let body = &buf[start + 8..];
    let hash = hash_body(body);
    let crc = crc32c::crc32c_append(crc32c::crc32c(&len.to_le_bytes()), body);
    buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    hash
}

fn hash_body(body: &[u8]) -> RecordHash {
    let digest = blake3::hash(body);
    let mut hash = ZERO_HASH;
    hash.copy_from_slice(&digest.as_bytes()[..16]);
    hash
}

/// A record read back from bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub seq: u64,
    pub ts: u64,
    pub prev: RecordHash,
    pub payload: &'a [u8],
    /// Total bytes the record occupies.
    pub size: usize,
}

impl Record<'_> {
    /// The record's hash, for chaining to the next.
    pub fn hash(&self, bytes_at_record: &[u8]) -> RecordHash {
        hash_body(&bytes_at_record[8..self.size])
    }
}

/// Why bytes at some offset are not a valid record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// The bytes end before the record does: a write cut short.
    Truncated,
    /// The length field is impossible.
    BadLength,
    /// The checksum does not match.
    BadChecksum,
}

/// Parses the record at the start of `bytes`.
pub fn decode(bytes: &[u8]) -> Result<Record<'_>, Damage> {
    if bytes.len() < HEADER_LEN {
        return Err(Damage::Truncated);
    }
    let len = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
    if !(HEADER_LEN - 8..=HEADER_LEN - 8 + PAYLOAD_LEN_MAX).contains(&len) {
        return Err(Damage::BadLength);
    }
    let size = 8 + len;
    if bytes.len() < size {
        return Err(Damage::Truncated);
    }
    let crc = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    let body = &bytes[8..size];
    if crc32c::crc32c_append(crc32c::crc32c(&bytes[0..4]), body) != crc {
        return Err(Damage::BadChecksum);
    }
    let mut prev = ZERO_HASH;
    prev.copy_from_slice(&bytes[24..40]);
    Ok(Record {
        seq: u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")),
        ts: u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes")),
        prev,
        payload: &bytes[HEADER_LEN..size],
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_chain() {
        let mut buf = Vec::new();
        let first = encode(&mut buf, 1, 100, &ZERO_HASH, b"one");
        let second = encode(&mut buf, 2, 200, &first, b"second payload");
        let a = decode(&buf).unwrap();
        assert_eq!(
            (a.seq, a.ts, a.payload, a.prev),
            (1, 100, &b"one"[..], ZERO_HASH)
        );
        assert_eq!(a.hash(&buf), first);
        let b = decode(&buf[a.size..]).unwrap();
        assert_eq!((b.seq, b.prev), (2, first));
        assert_eq!(b.hash(&buf[a.size..]), second);
        assert_eq!(a.size + b.size, buf.len());
    }

    #[test]
    fn damage_is_detected() {
        let mut buf = Vec::new();
        encode(&mut buf, 7, 1, &ZERO_HASH, b"payload");
        assert_eq!(decode(&buf[..buf.len() - 1]), Err(Damage::Truncated));
        assert_eq!(decode(&buf[..10]), Err(Damage::Truncated));
        for i in 0..buf.len() {
            let mut flipped = buf.clone();
            flipped[i] ^= 0x40;
            assert!(decode(&flipped).is_err(), "flip at {i} went unnoticed");
        }
        let mut huge = buf.clone();
        huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&huge), Err(Damage::BadLength));
    }
}
