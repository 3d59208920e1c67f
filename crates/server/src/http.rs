//! The HTTP/1.1 server loop: accepts connections, serves each with hyper under the
//! venue's limits, and stops gracefully.
//!
//! It is ours rather than `axum::serve` for one reason: the protocol layer's own
//! limits must sit above the API's, so that a request over the API's header limits
//! reaches the API and gets its answer in the error envelope (431
//! `HEADERS_TOO_LARGE`), instead of a bare 431 from the protocol layer. Only requests
//! beyond [`HttpLimits`] (far beyond the API's) are refused by hyper itself.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// The protocol layer's hard limits.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// The largest request head (line and headers) read at all.
    pub head_bytes_max: usize,
    /// The most headers a request may have at all.
    pub headers_max: usize,
    /// A client that has not sent a whole request head in this long is disconnected.
    pub head_read_timeout: Duration,
}

impl HttpLimits {
    /// Limits above the API's own (`header_bytes_max`, `headers_max`).
    pub fn above(header_bytes_max: usize, headers_max: usize) -> HttpLimits {
        HttpLimits {
            head_bytes_max: (header_bytes_max * 4).max(HEAD_BYTES_FLOOR),
            headers_max: (headers_max * 4).max(HEADERS_FLOOR),
            head_read_timeout: HEAD_READ_TIMEOUT,
        }
    }
}

/// hyper's smallest buffer is 8 KiB; these floors keep well above the API's defaults.
const HEAD_BYTES_FLOOR: usize = 256 * 1024;
const HEADERS_FLOOR: usize = 400;
const HEAD_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then lets the connections
/// finish what they are doing (each is told to close after its current request) and
/// returns once all have. Accepted sockets get `TCP_NODELAY`, so small responses and
/// WebSocket messages go out at once, not after the peer's delayed acknowledgement.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a clone; when all are gone, every connection is.
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY could not be set");
        }
        let app = app.clone();
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let service = tower::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                app.clone().oneshot(request.map(Body::new))
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.head_read_timeout)
                .max_buf_size(limits.head_bytes_max)
                .max_headers(limits.headers_max);
            let connection = builder
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .with_upgrades();
            let mut connection = pin!(connection);
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::trace!(%error, "connection ended with an error");
                        }
                        break;
                    }
                    changed = stop.changed(), if !stopping => {
                        if changed.is_err() || *stop.borrow() {
                            // Finish the request in flight, then close.
                            connection.as_mut().graceful_shutdown();
                            stopping = true;
                        }
                    }
                }
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_rx);
    done_tx.closed().await;
}
