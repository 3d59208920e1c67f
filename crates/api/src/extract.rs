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
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
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
