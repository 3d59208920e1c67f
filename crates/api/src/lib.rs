//! Bourse's HTTP face: REST under `/api/v1`, the WebSocket API, authentication, rate
//! limits, CORS, security headers, request ids and the OpenAPI document.
//!
//! It translates and holds no business rule: every request is parsed, handed to a use
//! case of `bourse-service`, and its result or error rendered (the envelope, one
//! status per error code). It is the only crate that knows HTTP; only the `bourse`
//! binary depends on it.

pub mod auth;
pub mod dispatch;
pub mod dto;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod state;
pub mod trace;
pub mod ws;

pub use error::{ApiError, Result};
pub use state::{ApiConfig, AppState, WsConfig};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use bourse_service::Code;
use std::net::SocketAddr;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Instrument;

tokio::task_local! {
    /// The id of the request being served, for error envelopes.
    pub static REQUEST_ID: String;
    /// The trace id of the request being served, for error envelopes.
    pub static TRACE_ID: String;
}

/// Now, in RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    bourse_types::Timestamp(state::now_nanos()).to_rfc3339(3)
}

/// The request id of the request being served ("" outside one).
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The trace id of the request being served ("" outside one).
pub fn current_trace_id() -> String {
    TRACE_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The API: `/api/v1/...`, `/healthz` and `/readyz`; other paths are 404s.
pub fn router(state: AppState) -> Router {
    router_with_site(
        state,
        Router::new().fallback(not_found),
        get(routes::system::docs_unavailable),
    )
}

/// The API with `site` serving every other path (the binary's dashboard) and `docs`
/// the browsable reference at `/api/v1/docs` (built with the dashboard), behind the
/// same request ids, rate limits, logs and security headers.
pub fn router_with_site(
    state: AppState,
    site: Router<AppState>,
    docs: axum::routing::MethodRouter<AppState>,
) -> Router {
    let api = Router::new()
        .merge(routes::auth::router())
        .merge(routes::account::router())
        .merge(routes::subaccounts::router())
        .merge(routes::orders::router())
        .merge(routes::risk::router())
        .merge(routes::strategies::router())
        .merge(routes::live::router())
        .merge(routes::market::router())
        .merge(routes::system::router())
        .merge(routes::admin::router())
        .route("/ws", get(ws::upgrade))
        .route("/docs", docs)
        .route_layer(middleware::from_fn(metrics::label_route))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let cors = cors(&state.config.cors_origins);
    Router::new()
        .nest("/api/v1", api)
        .merge(routes::system::probes().route_layer(middleware::from_fn(metrics::label_route)))
        .merge(site)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal("a handler panicked").into_envelope(&current_request_id())
            },
        ))
        .layer(cors)
        .with_state(state)
}

/// `404` in the envelope.
pub async fn not_found() -> ApiError {
    ApiError::new(Code::NotFound, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        Code::MethodNotAllowed,
        "this route does not take that method",
    )
}

/// The size of a request's header block as it came: every name and value, with the
/// separators and line ends of HTTP/1.1.
fn header_bytes(request: &Request) -> usize {
    request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum::<usize>()
        + request.uri().to_string().len()
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("traceparent"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("traceparent"),
            header::RETRY_AFTER,
        ])
}

/// Content-Security-Policy of every response: only this origin's scripts; styles may be
/// inline (the dashboard's component library sets them).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

fn request_id(request: &Request) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(new_request_id, str::to_string)
}

/// A fresh request id: 16 hex digits, a per-process random prefix and a counter, so
/// ids never repeat within a process and rarely across restarts, with no system call.
fn new_request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU32, Ordering};
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let prefix = *PREFIX.get_or_init(|| u32::from_le_bytes(auth::random_bytes::<4>()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix:08x}{n:08x}")
}

/// Every request: an id (taken from `x-request-id` when valid, else made), its trace
/// (the caller's when it sent a valid `traceparent`), the per-address rate limit, a
/// log line, the ids and security headers on the response.
async fn request_context(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let id = request_id(&request);
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let parent = request
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(trace::parse_traceparent);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        trace_id = tracing::field::Empty,
        %method,
        %path
    );
    let trace = trace::start(&span, parent.as_ref());
    span.record("trace_id", trace.trace_id.as_str());
    let too_large = if request.headers().len() > state.config.headers_max {
        Some(format!(
            "the request has more than {} headers",
            state.config.headers_max
        ))
    } else if header_bytes(&request) > state.config.header_bytes_max {
        Some(format!(
            "the request's headers are over {} bytes",
            state.config.header_bytes_max
        ))
    } else {
        None
    };
    if let Some(why) = too_large {
        let response = TRACE_ID.sync_scope(trace.trace_id.clone(), || {
            ApiError::new(Code::HeadersTooLarge, why).into_envelope(&id)
        });
        return finish(&id, &trace, response);
    }
    let started = Instant::now();
    // Probes and scrapes are never rate limited: an orchestrator must always see them.
    let probe = path == "/healthz" || path == "/readyz" || path == "/metrics";
    let site = !path.starts_with("/api/") && !probe;
    state.metrics.in_flight.inc();
    let limited = if probe {
        Ok(())
    } else {
        state.limit_address(address.ip())
    };
    let response = match limited {
        Err(error) => TRACE_ID.sync_scope(trace.trace_id.clone(), || error.into_envelope(&id)),
        Ok(()) => {
            REQUEST_ID
                .scope(
                    id.clone(),
                    TRACE_ID.scope(trace.trace_id.clone(), next.run(request)),
                )
                .instrument(span.clone())
                .await
        }
    };
    state.metrics.in_flight.dec();
    let status = response.status();
    let elapsed = started.elapsed();
    let route = response.extensions().get::<metrics::RouteLabel>().cloned();
    let route = match &route {
        Some(metrics::RouteLabel(route)) => route,
        None if site => metrics::SITE_ROUTE,
        None => metrics::UNMATCHED_ROUTE,
    };
    state.metrics.request(
        metrics::method_label(&method),
        route,
        status.as_u16(),
        elapsed,
    );
    let elapsed_us = elapsed.as_micros() as u64;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), elapsed_us, client = %address, "request failed");
        } else if status.is_client_error() || elapsed_us > 1_000_000 {
            tracing::info!(status = status.as_u16(), elapsed_us, client = %address, "request");
        } else {
            tracing::debug!(status = status.as_u16(), elapsed_us, client = %address, "request");
        }
    });
    finish(&id, &trace, response)
}

/// The request id, the trace and the security headers on a response.
fn finish(id: &str, trace: &trace::TraceIds, mut response: Response) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert("x-request-id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&trace.traceparent()) {
        headers.insert("traceparent", value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}
