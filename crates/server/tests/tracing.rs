//! Tracing: a request's `traceparent` joins the caller's trace (its trace id comes back
//! in the response, its error envelopes and its log lines), and with
//! `tracing.otlp_endpoint` pointed at a local OTLP receiver the request's spans, and the
//! command's under it, arrive there. Its own process: it installs the global
//! subscriber.

mod support;

use bourse::cli::LogFormat;
use bourse::client::Http;
use bourse::config::TracingConfig;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Db, TestServer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const PLACE_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PLACE_PARENT: &str = "00f067aa0ba902b7";
const ERROR_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An OTLP/HTTP receiver: each POST's body decoded, its spans sent on.
async fn receive(listener: tokio::net::TcpListener, spans: tokio::sync::mpsc::Sender<Span>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let spans = spans.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stream);
            loop {
                let mut length = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).await.unwrap();
                let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        for span in scope.spans {
                            let _ = spans.send(span).await;
                        }
                    }
                }
                let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                if reader.get_mut().write_all(answer).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[test]
fn a_traceparent_is_joined_reported_and_its_spans_exported() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let port = std_listener.local_addr().unwrap().port();
    let logs = Arc::new(Mutex::new(Vec::new()));
    let capture = Capture(logs.clone());
    let guard = bourse::logging::init(
        &LogFormat::Json,
        &TracingConfig {
            otlp_endpoint: format!("http://127.0.0.1:{port}"),
            service_name: "bourse-test".to_string(),
        },
        move || capture.clone(),
    )
    .expect("the subscriber installs");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (spans_tx, mut spans_rx) = tokio::sync::mpsc::channel::<Span>(10_000);
    let (error_trace_seen, fresh_trace) = runtime.block_on(async {
        tokio::spawn(receive(
            tokio::net::TcpListener::from_std(std_listener).unwrap(),
            spans_tx,
        ));
        let server = TestServer::start("tracing", Db::Sqlite, |_| {}).await.unwrap();
        let (token, _, _) = server.register("tracer").await;
        server.faucet(&token, "USD", "100000").await;
        let mut http = Http::connect(server.addr).await.unwrap();
        let auth = format!("Bearer {token}");

        // An order placed within the caller's trace.
        let parent = format!("00-{PLACE_TRACE}-{PLACE_PARENT}-01");
        let body = json!({"type": "limit", "symbol": "BTC-USD", "side": "buy", "price": "60000.00", "quantity": "0.0010"}).to_string();
        let placed = http
            .send(
                "POST",
                "/api/v1/orders",
                &[("authorization", auth.as_str()), ("traceparent", parent.as_str()), ("content-type", "application/json")],
                Some(body.as_bytes()),
            )
            .await
            .unwrap();
        assert_eq!(placed.status, 201, "{}", String::from_utf8_lossy(&placed.body));
        let answered = placed.header("traceparent").unwrap().to_string();
        assert!(answered.starts_with(&format!("00-{PLACE_TRACE}-")), "{answered}");
        assert!(!answered.contains(PLACE_PARENT), "the response names the request's own span");

        // An error within another trace: its envelope and its log line carry it.
        let parent = format!("00-{ERROR_TRACE}-b7ad6b7169203331-01");
        let missing = http
            .send("GET", "/api/v1/orders/999999", &[("authorization", auth.as_str()), ("traceparent", parent.as_str())], None)
            .await
            .unwrap();
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["trace_id"], ERROR_TRACE, "{}", String::from_utf8_lossy(&missing.body));

        // No traceparent, or a malformed one: a new trace, reported the same way.
        let fresh = http
            .send("GET", "/api/v1/orders/999998", &[("authorization", auth.as_str()), ("traceparent", "00-zz-bad-01")], None)
            .await
            .unwrap();
        let fresh_trace = fresh.json()["trace_id"].as_str().unwrap().to_string();
        assert_eq!(fresh_trace.len(), 32);
        assert_ne!(fresh_trace, ERROR_TRACE);
        assert!(fresh.header("traceparent").unwrap().contains(&fresh_trace));
        server.stop().await;
        let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
        let seen = text
            .lines()
            .any(|line| line.contains(ERROR_TRACE) && line.contains("\"status\":404"));
        (seen, fresh_trace)
    });
    assert!(
        error_trace_seen,
        "the 404's log line carries the caller's trace id"
    );
    let _ = fresh_trace;

    // The spans reach the receiver: the request's under the caller's span, the
    // command's under the request's.
    guard.flush();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut spans: Vec<Span> = Vec::new();
    let found = runtime.block_on(async {
        loop {
            let request = spans.iter().find(|s| {
                hex(&s.trace_id) == PLACE_TRACE
                    && s.name == "request"
                    && hex(&s.parent_span_id) == PLACE_PARENT
            });
            if let Some(request) = request {
                let command = spans
                    .iter()
                    .find(|s| s.name == "command" && s.parent_span_id == request.span_id);
                if let Some(command) = command {
                    return Some((request.clone(), command.clone()));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, spans_rx.recv()).await {
                Ok(Some(span)) => spans.push(span),
                _ => return None,
            }
        }
    });
    let (request, command) = found.unwrap_or_else(|| {
        panic!(
            "no request and command spans of the trace arrived; got {:?}",
            spans
                .iter()
                .map(|s| (&s.name, hex(&s.trace_id)))
                .collect::<Vec<_>>()
        )
    });
    assert_eq!(hex(&command.trace_id), PLACE_TRACE);
    let kind = command
        .attributes
        .iter()
        .find(|a| a.key == "kind")
        .and_then(|a| a.value.as_ref())
        .map(|v| format!("{v:?}"));
    assert!(
        kind.is_some_and(|k| k.contains("place")),
        "{:?}",
        command.attributes
    );
    assert!(command.end_time_unix_nano >= command.start_time_unix_nano);
    assert!(request.end_time_unix_nano >= command.end_time_unix_nano);
    drop(guard);
}
