//! The one error type of the API, rendered as the error envelope:
//!
//! ```json
//! {"success": false, "data": null,
//!  "error": {"code": "INSUFFICIENT_FUNDS", "message": "...", "details": null},
//!  "request_id": "...", "timestamp": "..."}
//! ```
//!
//! Internal errors are logged with their cause and never leak it to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bourse_engine::RejectCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// Seconds to wait, for 429 and 503.
    pub retry_after: Option<u64>,
}

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
    /// RFC 3339, UTC.
    pub timestamp: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code from the catalog (docs/errors.md).
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// More about the error, when there is more (the existing order of a duplicate
    /// client order id, the field that failed validation).
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::bad_request("VALIDATION_ERROR", message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many requests; slow down",
        );
        error.retry_after = Some(retry_after.max(1));
        error
    }

    pub fn overloaded() -> ApiError {
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "OVERLOADED",
            "the venue's command queue is full; retry shortly",
        );
        error.retry_after = Some(1);
        error
    }

    pub fn journal_unavailable() -> ApiError {
        let mut error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "JOURNAL_UNAVAILABLE",
            "the journal cannot make commands durable; the command was not acknowledged \
             (retry with the same client order id once the venue is back)",
        );
        error.retry_after = Some(5);
        error
    }

    /// An internal failure: the cause is logged, the client gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "an internal error occurred",
        )
    }

    /// An engine rejection with its HTTP status.
    pub fn rejected(code: RejectCode) -> ApiError {
        let status = match code {
            RejectCode::UnknownOrder
            | RejectCode::NotOwner
            | RejectCode::UnknownAccount
            | RejectCode::UnknownInstrument
            | RejectCode::UnknownAsset
            | RejectCode::UnknownTransfer => StatusCode::NOT_FOUND,
            RejectCode::DuplicateClientOrderId
            | RejectCode::DuplicateTransferId
            | RejectCode::AccountExists
            | RejectCode::DuplicateAsset
            | RejectCode::DuplicateInstrument
            | RejectCode::InstrumentHalted
            | RejectCode::InstrumentClosed
            | RejectCode::TooManyOpenOrders => StatusCode::CONFLICT,
            RejectCode::AccountHalted | RejectCode::ReservedAccount => StatusCode::FORBIDDEN,
            RejectCode::CapacityExceeded => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        // Another user's order is reported as unknown: its existence is not the
        // caller's business.
        let code = if code == RejectCode::NotOwner {
            RejectCode::UnknownOrder
        } else {
            code
        };
        ApiError::new(status, code.code(), reject_message(code))
    }

    pub fn into_envelope(self, request_id: &str) -> Response {
        let body = ErrorEnvelope {
            success: false,
            data: None,
            error: ErrorBody {
                code: self.code.to_string(),
                message: self.message,
                details: self.details,
            },
            request_id: request_id.to_string(),
            timestamp: crate::now_rfc3339(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn reject_message(code: RejectCode) -> &'static str {
    match code {
        RejectCode::InsufficientFunds => {
            "the available balance does not cover what the order must hold"
        }
        RejectCode::PriceOutOfBand => {
            "the price is outside the allowed band around the reference price"
        }
        RejectCode::InvalidTick => "the price is not a multiple of the instrument's tick size",
        RejectCode::InvalidLot => "the quantity is not a multiple of the instrument's lot size",
        RejectCode::InvalidPrice => "the price must be positive",
        RejectCode::InvalidQuantity => "the quantity must be positive",
        RejectCode::InvalidAmount => {
            "the amount must be positive and no more than what it refers to"
        }
        RejectCode::QuantityBelowMin => "the quantity is below the instrument's minimum",
        RejectCode::QuantityAboveMax => "the quantity is above the instrument's maximum",
        RejectCode::NotionalBelowMin => "the order's value is below the instrument's minimum",
        RejectCode::NoReferencePrice => {
            "market orders need a reference price, and this instrument has none yet"
        }
        RejectCode::PostOnlyWouldTake => "a post-only order would have traded on arrival",
        RejectCode::FokNotFillable => "the fill-or-kill order could not be filled in full at once",
        RejectCode::InvalidTimeInForce => "the time in force does not fit the order type",
        RejectCode::InvalidExpiry => {
            "a good-till-date order needs a future expiry, and only it may have one"
        }
        RejectCode::InvalidOrder => "the order's fields contradict each other",
        RejectCode::InvalidAmend => "the amendment changes nothing",
        RejectCode::DuplicateClientOrderId => "this client order id was already used",
        RejectCode::UnknownOrder | RejectCode::NotOwner => "no such open order",
        RejectCode::AccountHalted => "the account is halted: only cancels are accepted",
        RejectCode::UnknownAccount => "no such account",
        RejectCode::AccountExists => "the account exists",
        RejectCode::ReservedAccount => "the account id is reserved",
        RejectCode::UnknownInstrument => "no such instrument",
        RejectCode::InstrumentHalted => {
            "trading is halted on this instrument: only cancels are accepted"
        }
        RejectCode::InstrumentClosed => "the instrument is closed",
        RejectCode::UnknownAsset => "no such asset",
        RejectCode::DuplicateAsset => "an asset with this code exists",
        RejectCode::DuplicateInstrument => "an instrument with this symbol exists",
        RejectCode::InvalidSpec => "the specification is invalid",
        RejectCode::TooManyOpenOrders => "the account has as many open orders as allowed",
        RejectCode::CapacityExceeded => "the venue is at capacity",
        RejectCode::AmountOverflow => "a value is too large",
        RejectCode::DuplicateTransferId => "this transfer id was already used",
        RejectCode::UnknownTransfer => "no such pending transfer",
    }
}

impl From<bourse_store::StoreError> for ApiError {
    fn from(error: bourse_store::StoreError) -> ApiError {
        match error {
            bourse_store::StoreError::UsernameTaken => {
                ApiError::conflict("USERNAME_TAKEN", "this username is taken")
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    /// The request id comes from the request being served (see `REQUEST_ID`).
    fn into_response(self) -> Response {
        let id = crate::current_request_id();
        self.into_envelope(&id)
    }
}

/// The API's own error codes (beyond the engine's), for the catalog and its test.
pub const API_CODES: &[&str] = &[
    "VALIDATION_ERROR",
    "INVALID_JSON",
    "UNSUPPORTED_MEDIA_TYPE",
    "PAYLOAD_TOO_LARGE",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "UNAUTHORIZED",
    "INVALID_CREDENTIALS",
    "TOKEN_EXPIRED",
    "TOKEN_INVALID",
    "TOKEN_REUSED",
    "FORBIDDEN",
    "INSUFFICIENT_SCOPE",
    "REGISTRATION_CLOSED",
    "FAUCET_DISABLED",
    "USERNAME_TAKEN",
    "WEAK_PASSWORD",
    "UNKNOWN_SYMBOL",
    "UNKNOWN_USER",
    "UNKNOWN_API_KEY",
    "RATE_LIMITED",
    "OVERLOADED",
    "JOURNAL_UNAVAILABLE",
    "INTERNAL_ERROR",
];
