//! System status, liveness and readiness, and the API's own documentation.

use super::ok;
use crate::dto::{Envelope, HealthDto, SequenceDto, StatusDto};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/system/status", get(status))
        .route("/openapi.json", get(openapi))
        .route("/docs", get(docs))
        .route("/docs/docs.js", get(docs_script))
}

/// Routes outside `/api/v1`.
pub fn probes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// How far the read models may lag behind what is acknowledged and still be ready.
const READY_LAG_MAX: u64 = 10_000;

/// The venue's state: sequence numbers through the pipeline, the journal, counts.
#[utoipa::path(get, path = "/api/v1/system/status", tag = "system", responses((status = 200, body = Envelope<StatusDto>)))]
pub async fn status(State(state): State<AppState>) -> axum::Json<Envelope<StatusDto>> {
    let health = state.venue.health();
    ok(StatusDto {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile: state.config.profile.clone(),
        uptime_secs: state.started.elapsed().as_secs(),
        journal: if health.journal_error.is_none() {
            "ok"
        } else {
            "unavailable"
        }
        .to_string(),
        journal_error: health.journal_error,
        sequence: SequenceDto {
            applied: health.applied_seq,
            durable: health.durable_seq,
            released: health.released_seq,
            projected: *state.projected.borrow(),
        },
        last_snapshot: health.last_snapshot_seq,
        instruments: state.catalog().instruments().len(),
        websocket_connections: state.hub.connections(),
        registration_open: state.config.registration_open,
        faucet_enabled: state.config.faucet.enabled,
        time: crate::now_rfc3339(),
    })
}

/// Liveness: the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = HealthDto)))]
pub async fn healthz() -> axum::Json<HealthDto> {
    axum::Json(HealthDto {
        status: "ok".to_string(),
    })
}

/// Readiness: the journal acknowledges commands, the database answers, and the read
/// models are not far behind.
#[utoipa::path(get, path = "/readyz", tag = "system",
    responses((status = 200, body = HealthDto), (status = 503, body = HealthDto)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let health = state.venue.health();
    let projected = *state.projected.borrow();
    let problem = if let Some(error) = health.journal_error {
        Some(format!("journal unavailable: {error}"))
    } else if !state.store.ping().await {
        Some("the database does not answer".to_string())
    } else if health.released_seq.saturating_sub(projected) > READY_LAG_MAX {
        Some(format!(
            "read models are {} commands behind",
            health.released_seq - projected
        ))
    } else {
        None
    };
    match problem {
        None => (
            StatusCode::OK,
            axum::Json(HealthDto {
                status: "ok".to_string(),
            }),
        )
            .into_response(),
        Some(why) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(HealthDto { status: why }),
        )
            .into_response(),
    }
}

/// The OpenAPI 3.1 document of this API.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document_json(),
    )
        .into_response()
}

/// Browsable API documentation, rendered from the OpenAPI document; works offline.
pub async fn docs() -> Html<&'static str> {
    Html(include_str!("../../assets/docs.html"))
}

pub async fn docs_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/docs.js"),
    )
        .into_response()
}
