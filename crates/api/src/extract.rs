//! Extractors whose rejections are the API's own errors, so that a malformed body, an
//! unknown field, a wrong type or a bad query string gets the same envelope and a
//! stable code like every other error, never a bare text response.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use bourse_service::Code;
use serde::de::DeserializeOwned;

/// `Json<T>` with the API's errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "the body must be JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = match axum::body::Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(
                    Code::PayloadTooLarge,
                    "the request body is too large",
                ));
            }
            Err(rejection) => return Err(ApiError::new(Code::InvalidJson, rejection.body_text())),
        };
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::JsonDataError(error)) => {
                // JSON Schema counts `8.0` as an integer: a body that only differs by
                // such numbers is read again with them as integers.
                if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes)
                    && integral(&mut value)
                    && let Ok(parsed) = serde_json::from_value::<T>(value)
                {
                    return Ok(Json(parsed));
                }
                Err(json_error(JsonRejection::JsonDataError(error)))
            }
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

/// Whether the request says its body is JSON (`application/json`, or a `+json` type).
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Turns every number with a zero fraction (`8.0`) into an integer; returns whether
/// anything changed.
fn integral(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_u64() && !n.is_i64() => {
            let Some(f) = n.as_f64() else { return false };
            if f.fract() != 0.0 || !f.is_finite() {
                return false;
            }
            if (0.0..=u64::MAX as f64).contains(&f) {
                *value = Value::from(f as u64);
                true
            } else if (i64::MIN as f64..0.0).contains(&f) {
                *value = Value::from(f as i64);
                true
            } else {
                false
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| integral(v) | changed),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |changed, v| integral(v) | changed),
        _ => false,
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // serde's message names the field and what was wrong with it.
            ApiError::validation(error.body_text().replace(
                "Failed to deserialize the JSON body into the target type: ",
                "",
            ))
        }
        JsonRejection::JsonSyntaxError(error) => ApiError::new(
            Code::InvalidJson,
            error
                .body_text()
                .replace("Failed to parse the request body as JSON: ", ""),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            Code::UnsupportedMediaType,
            "the body must be JSON with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(Code::PayloadTooLarge, "the request body is too large")
        }
        other => ApiError::new(Code::InvalidJson, other.body_text()),
    }
}

/// `Query<T>` with the API's errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(error)) => {
                Err(ApiError::validation(error.body_text().replace(
                    "Failed to deserialize query string: ",
                    "query string: ",
                )))
            }
            Err(other) => Err(ApiError::validation(other.body_text())),
        }
    }
}

/// `Path<T>` with the API's errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => {
                Err(ApiError::validation(format!("path: {}", error.body_text())))
            }
            Err(other) => Err(ApiError::validation(other.body_text())),
        }
    }
}
