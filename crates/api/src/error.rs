//! The API's error: a use-case error rendered as the error envelope,
//!
//! ```json
//! {"success": false, "data": null,
//!  "error": {"code": "INSUFFICIENT_FUNDS", "message": "...", "details": null},
//!  "request_id": "...", "timestamp": "..."}
//! ```
//!
//! with the HTTP status of its code. [`status`] maps every code a client can receive
//! to exactly one status, with exhaustive matches: a new code cannot silently become a
//! 400. Internal errors are logged with their cause and never leak it to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bourse_engine::RejectCode;
use bourse_service::{Code, Detail, ErrorCode, ServiceError};
use bourse_types::ValueError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// An error on its way to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(pub ServiceError);

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Always false.
    pub success: bool,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    pub error: ErrorBody,
    /// The request id, also in the `x-request-id` response header.
    pub request_id: String,
    /// The W3C trace id of the request (the caller's when it sent a `traceparent`),
    /// also in the response's `traceparent` header and the venue's log lines.
    pub trace_id: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code from the catalog (docs/errors.md).
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// More about the error, when there is more: `{"field": ...}` for the field that
    /// failed validation, `{"order_id": ...}` for the existing order of a duplicate
    /// client order id.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

/// The one HTTP status of an engine rejection. The engine refuses well-formed
/// commands for what the venue's rules or state say (funds, the price band, the
/// instrument's tick, lot and limits, the book, the time): 409. Unknown things are
/// 404, a halted or reserved account 403, the engine's capacity 503.
pub const fn reject_status(code: RejectCode) -> StatusCode {
    match code {
        RejectCode::UnknownOrder
        | RejectCode::NotOwner
        | RejectCode::UnknownAccount
        | RejectCode::UnknownInstrument
        | RejectCode::UnknownAsset
        | RejectCode::UnknownTransfer => StatusCode::NOT_FOUND,
        RejectCode::AccountHalted | RejectCode::ReservedAccount => StatusCode::FORBIDDEN,
        RejectCode::CapacityExceeded => StatusCode::SERVICE_UNAVAILABLE,
        RejectCode::DuplicateClientOrderId
        | RejectCode::DuplicateTransferId
        | RejectCode::AccountExists
        | RejectCode::DuplicateAsset
        | RejectCode::DuplicateInstrument
        | RejectCode::InstrumentHalted
        | RejectCode::InstrumentClosed
        | RejectCode::TooManyOpenOrders
        | RejectCode::InsufficientFunds
        | RejectCode::PriceOutOfBand
        | RejectCode::InvalidTick
        | RejectCode::InvalidLot
        | RejectCode::InvalidPrice
        | RejectCode::InvalidQuantity
        | RejectCode::InvalidAmount
        | RejectCode::QuantityBelowMin
        | RejectCode::QuantityAboveMax
        | RejectCode::NotionalBelowMin
        | RejectCode::NoReferencePrice
        | RejectCode::PostOnlyWouldTake
        | RejectCode::FokNotFillable
        | RejectCode::InvalidTimeInForce
        | RejectCode::InvalidExpiry
        | RejectCode::InvalidOrder
        | RejectCode::InvalidAmend
        | RejectCode::InvalidSpec
        | RejectCode::AmountOverflow
        | RejectCode::PositionLimit
        | RejectCode::OrderNotionalLimit
        | RejectCode::OpenNotionalLimit
        | RejectCode::OpenOrdersLimit
        | RejectCode::DailyLossLimit
        | RejectCode::ReduceOnly
        | RejectCode::VenueHalted
        | RejectCode::InvalidTrigger
        | RejectCode::TriggerWouldFire
        | RejectCode::InvalidOco
        | RejectCode::WouldStrandOrders
        | RejectCode::SameAccount => StatusCode::CONFLICT,
    }
}

/// The one HTTP status of a value error: 400 for what is not a decimal number at all
/// (the schemas' patterns say so), 409 for a number the instrument or asset cannot
/// take (too many decimals for its scale, too large, off its tick or lot).
pub const fn value_status(error: ValueError) -> StatusCode {
    match error {
        ValueError::Empty | ValueError::Malformed | ValueError::Negative | ValueError::Zero => {
            StatusCode::BAD_REQUEST
        }
        ValueError::TooManyDecimals { .. }
        | ValueError::Overflow
        | ValueError::NotMultipleOfTick
        | ValueError::NotMultipleOfLot => StatusCode::CONFLICT,
    }
}

/// The one HTTP status of a platform code.
pub const fn code_status(code: Code) -> StatusCode {
    match code {
        Code::Validation | Code::InvalidJson | Code::WeakPassword => StatusCode::BAD_REQUEST,
        Code::UpgradeRequired => StatusCode::UPGRADE_REQUIRED,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        Code::NotFound
        | Code::UnknownSymbol
        | Code::UnknownUser
        | Code::UnknownApiKey
        | Code::UnknownStrategy
        | Code::UnknownAccount => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::Unauthorized
        | Code::InvalidCredentials
        | Code::TokenExpired
        | Code::TokenInvalid
        | Code::TokenReused
        | Code::ApiKeyInvalid => StatusCode::UNAUTHORIZED,
        Code::Forbidden
        | Code::InsufficientScope
        | Code::RegistrationClosed
        | Code::FaucetDisabled => StatusCode::FORBIDDEN,
        Code::UsernameTaken
        | Code::TooManyApiKeys
        | Code::OrderClosed
        | Code::FaucetLimit
        | Code::BacktestFinished
        | Code::InvalidParameters
        | Code::AccountNameTaken
        | Code::TooManySubaccounts
        | Code::TooManyStrategies
        | Code::StrategyNameTaken
        | Code::AccountInUse
        | Code::StrategyNotRunning => StatusCode::CONFLICT,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::Overloaded | Code::JournalUnavailable | Code::DatabaseUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The one HTTP status of every code.
pub const fn status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Platform(code) => code_status(code),
        ErrorCode::Rejected(code) => reject_status(code),
        ErrorCode::Value(error) => value_status(error),
    }
}

/// Details as JSON.
pub fn details_json(detail: &Detail) -> Value {
    match detail {
        Detail::Field(field) => serde_json::json!({ "field": field }),
        Detail::ExistingOrder(order) => serde_json::json!({ "order_id": order.0.to_string() }),
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        ApiError(error)
    }
}

impl From<bourse_store::StoreError> for ApiError {
    fn from(error: bourse_store::StoreError) -> ApiError {
        ApiError(error.into())
    }
}

impl ApiError {
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> ApiError {
        ApiError(ServiceError::new(code, message))
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError(ServiceError::validation(message))
    }

    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError(ServiceError::internal(cause))
    }

    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError(ServiceError::rate_limited(retry_after))
    }

    pub fn status(&self) -> StatusCode {
        status(self.0.code)
    }

    pub fn code(&self) -> &'static str {
        self.0.code.as_str()
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn into_envelope(self, request_id: &str) -> Response {
        let status = self.status();
        let ServiceError {
            code,
            message,
            detail,
            retry_after,
        } = self.0;
        let body = ErrorEnvelope {
            success: false,
            data: None,
            error: ErrorBody {
                code: code.as_str().to_string(),
                message,
                details: detail.as_ref().map(details_json),
            },
            request_id: request_id.to_string(),
            trace_id: crate::current_trace_id(),
            timestamp: crate::now_rfc3339(),
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for ApiError {
    /// The request id comes from the request being served (see `REQUEST_ID`).
    fn into_response(self) -> Response {
        let id = crate::current_request_id();
        self.into_envelope(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_status_and_none_is_a_success() {
        for code in Code::ALL {
            let status = code_status(*code);
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code:?}"
            );
        }
        for code in RejectCode::ALL {
            assert!(
                reject_status(*code).is_client_error() || reject_status(*code).is_server_error()
            );
        }
    }
}
