//! System status, liveness and readiness, and the API's own documentation.

use super::ok;
use crate::dto::{
    DependencyDto, DependencyState, Envelope, HealthDto, ReadinessDto, SequenceDto, StatusDto,
};
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
}

/// Routes outside `/api/v1`.
pub fn probes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The venue's metrics in the OpenMetrics text format, for Prometheus: every series is
/// documented in docs/metrics.md. Not behind a login (as scrapers expect); the deploy
/// manifests let only the monitoring namespace reach it.
#[utoipa::path(get, path = "/metrics", tag = "system", operation_id = "metrics",
    responses((status = 200, description = "the metrics exposition",
               content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    match state.exposition() {
        Some((body, content_type)) => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        None => crate::ApiError::new(
            bourse_service::Code::NotFound,
            "this server exposes no metrics",
        )
        .into_response(),
    }
}

/// How far the read models may lag behind what is acknowledged before readiness
/// calls them degraded.
pub const READ_MODEL_LAG_DEGRADED: u64 = 10_000;

fn journal_state(state: &AppState) -> (DependencyState, Option<String>) {
    match state.service.venue().health().journal_error {
        None => (DependencyState::Ok, None),
        Some(error) => (DependencyState::Unavailable, Some(error)),
    }
}

fn database_state(state: &AppState) -> DependencyState {
    if state.service.database_up() {
        DependencyState::Ok
    } else {
        DependencyState::Degraded
    }
}

/// The venue's state: sequence numbers through the pipeline, the journal, the
/// database, counts.
#[utoipa::path(get, path = "/api/v1/system/status", tag = "system", operation_id = "systemStatus",
    responses((status = 200, body = Envelope<StatusDto>)))]
pub async fn status(State(state): State<AppState>) -> axum::Json<Envelope<StatusDto>> {
    let health = state.service.venue().health();
    let (journal, journal_error) = journal_state(&state);
    ok(StatusDto {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile: state.config.profile.clone(),
        uptime_secs: state.started.elapsed().as_secs(),
        journal,
        journal_error,
        database: database_state(&state),
        sequence: SequenceDto {
            applied: health.applied_seq,
            durable: health.durable_seq,
            released: health.released_seq,
            projected: state.service.projected_seq(),
        },
        last_snapshot: health.last_snapshot_seq,
        instruments: state.service.catalog().instruments().len(),
        websocket_connections: state.hub.connections(),
        registration_open: state.config.registration_open,
        faucet_enabled: state.service.config().faucet.enabled,
        time: crate::now_rfc3339(),
    })
}

/// Liveness: the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "system", operation_id = "healthz",
    responses((status = 200, body = HealthDto)))]
pub async fn healthz() -> axum::Json<HealthDto> {
    axum::Json(HealthDto {
        status: "ok".to_string(),
    })
}

/// Readiness: the venue takes orders (its journal makes them durable). The body
/// lists each dependency; the read-model database and the read models are
/// `degraded` while they are away or far behind, which does not make the venue
/// unready: trading goes on from the engine's own state and the read models catch
/// up. Only an unavailable journal answers 503.
#[utoipa::path(get, path = "/readyz", tag = "system", operation_id = "readyz",
    responses((status = 200, description = "ready to take orders", body = ReadinessDto),
              (status = 503, description = "the journal cannot make commands durable", body = ReadinessDto)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let health = state.service.venue().health();
    let projected = state.service.projected_seq();
    let (journal, journal_error) = journal_state(&state);
    let database = if state.service.database_up() && !state.store().ping().await {
        state.service.note_database(false);
        DependencyState::Degraded
    } else {
        database_state(&state)
    };
    let lag = health.released_seq.saturating_sub(projected);
    let read_models = if lag > READ_MODEL_LAG_DEGRADED {
        DependencyDto {
            state: DependencyState::Degraded,
            detail: Some(format!("{lag} commands behind")),
        }
    } else {
        DependencyDto {
            state: DependencyState::Ok,
            detail: None,
        }
    };
    let ready = journal == DependencyState::Ok;
    let body = ReadinessDto {
        status: match &journal_error {
            None => "ok".to_string(),
            Some(error) => format!("journal unavailable: {error}"),
        },
        journal: DependencyDto {
            state: journal,
            detail: journal_error,
        },
        database: DependencyDto {
            state: database,
            detail: (database != DependencyState::Ok)
                .then(|| "the read-model database does not answer".to_string()),
        },
        read_models,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// The OpenAPI 3.1 document of this API.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document_json(),
    )
        .into_response()
}

/// `/api/v1/docs` where the venue has no browsable reference to serve (the library's
/// router without the binary's dashboard): a pointer to the document.
pub async fn docs_unavailable() -> Html<&'static str> {
    Html(
        "<!doctype html><title>Bourse API</title><p>The browsable reference is served by the \
         <code>bourse</code> binary; the <a href=\"/api/v1/openapi.json\">OpenAPI document</a> \
         describes every route.</p>",
    )
}
