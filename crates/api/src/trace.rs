//! W3C trace context: a request joins the caller's trace when it sends a valid
//! `traceparent` header, and starts one otherwise. The trace id is in the request's
//! span (so in every log line of the request), in its error envelopes, and in the
//! `traceparent` header of its response, which names the request's own span. When the
//! binary exports spans (OpenTelemetry), the request's span is the OpenTelemetry span
//! and its ids are that span's; otherwise they are made here.

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use std::cell::Cell;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// A parsed `traceparent` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub parent_id: [u8; 8],
    pub sampled: bool,
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn parse_hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in text.chunks(2).enumerate() {
        out[i] = hex_value(pair[0])? << 4 | hex_value(pair[1])?;
    }
    Some(out)
}

/// Parses `traceparent` as W3C Trace Context level 1 says: `version-traceid-parentid-
/// flags` in lowercase hex; version `ff` and all-zero ids are invalid; a later version
/// may add fields after the flags, which are ignored.
pub fn parse_traceparent(value: &str) -> Option<TraceParent> {
    let bytes = value.trim().as_bytes();
    if bytes.len() < 55 {
        return None;
    }
    let version: [u8; 1] = parse_hex(&bytes[0..2])?;
    if version[0] == 0xff || bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
        return None;
    }
    // Version 00 has exactly four fields; later versions may append `-...`.
    if (version[0] == 0 && bytes.len() != 55) || (bytes.len() > 55 && bytes[55] != b'-') {
        return None;
    }
    let trace_id: [u8; 16] = parse_hex(&bytes[3..35])?;
    let parent_id: [u8; 8] = parse_hex(&bytes[36..52])?;
    let flags: [u8; 1] = parse_hex(&bytes[53..55])?;
    if trace_id == [0; 16] || parent_id == [0; 8] {
        return None;
    }
    Some(TraceParent {
        trace_id,
        parent_id,
        sampled: flags[0] & 1 == 1,
    })
}

/// The ids of a request's trace, as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TraceIds {
    pub trace_id: String,
    pub span_id: String,
    pub sampled: bool,
}

impl TraceIds {
    /// The `traceparent` header naming this request's span.
    pub fn traceparent(&self) -> String {
        format!(
            "00-{}-{}-{}",
            self.trace_id,
            self.span_id,
            if self.sampled { "01" } else { "00" }
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

thread_local! {
    /// A per-thread generator of ids, seeded from the system's randomness once.
    static IDS: Cell<u64> = Cell::new(u64::from_le_bytes(crate::auth::random_bytes::<8>()) | 1);
}

/// The next pseudo-random 64 bits (SplitMix64 over a per-thread random seed).
fn next_random() -> u64 {
    IDS.with(|state| {
        let s = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// Starts the trace of a request whose span is `span`: joins `parent` when given, and
/// returns the ids to report.
pub fn start(span: &tracing::Span, parent: Option<&TraceParent>) -> TraceIds {
    if let Some(parent) = parent {
        let remote = SpanContext::new(
            TraceId::from_bytes(parent.trace_id),
            SpanId::from_bytes(parent.parent_id),
            if parent.sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::default()
            },
            true,
            TraceState::default(),
        );
        // Without an OpenTelemetry layer this does nothing; the ids are made below.
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
    }
    let context = span.context();
    let exported = context.span().span_context().clone();
    if exported.is_valid() {
        return TraceIds {
            trace_id: hex(&exported.trace_id().to_bytes()),
            span_id: hex(&exported.span_id().to_bytes()),
            sampled: exported.is_sampled(),
        };
    }
    let trace_id = match parent {
        Some(parent) => parent.trace_id,
        None => {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&next_random().to_le_bytes());
            id[8..].copy_from_slice(&next_random().to_le_bytes());
            id
        }
    };
    TraceIds {
        trace_id: hex(&trace_id),
        span_id: hex(&(next_random() | 1).to_le_bytes()),
        sampled: parent.is_none_or(|p| p.sampled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_is_read_and_invalid_ones_are_not() {
        let parsed = parse_traceparent(VALID).unwrap();
        assert_eq!(hex(&parsed.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex(&parsed.parent_id), "00f067aa0ba902b7");
        assert!(parsed.sampled);
        assert!(
            !parse_traceparent(&VALID.replace("-01", "-00"))
                .unwrap()
                .sampled
        );
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad:?}");
        }
        // A later version may carry more fields.
        assert!(parse_traceparent(&format!("01{}-more", &VALID[2..])).is_some());
    }

    #[test]
    fn without_an_exporter_the_ids_are_the_callers_trace_or_new_ones() {
        let span = tracing::info_span!("request");
        let parent = parse_traceparent(VALID).unwrap();
        let ids = start(&span, Some(&parent));
        assert_eq!(ids.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(ids.span_id.len(), 16);
        assert_ne!(ids.span_id, "00f067aa0ba902b7", "the request's own span");
        assert!(parse_traceparent(&ids.traceparent()).is_some());
        let fresh = start(&span, None);
        assert_eq!(fresh.trace_id.len(), 32);
        assert_ne!(fresh.trace_id, start(&span, None).trace_id);
        assert!(parse_traceparent(&fresh.traceparent()).is_some());
    }
}
