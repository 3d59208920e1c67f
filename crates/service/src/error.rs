//! The one error of the use cases: a stable code, words for people, and typed details.
//!
//! Every code a client can receive, from any front door, is an [`ErrorCode`]: the
//! platform's own ([`Code`]), an engine rejection ([`RejectCode`]) or a value error
//! ([`ValueError`]). Front doors map codes to their wire (an HTTP status, a WebSocket
//! error message) with exhaustive matches, so a new code cannot slip through unmapped.

use bourse_engine::RejectCode;
use bourse_types::{OrderId, ValueError};

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// The platform's own error codes, beside the engine's and the value errors.
        /// Stable: clients match on them; new ones are only ever appended.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    /// A field is missing, of the wrong type, out of range, or unknown.
    Validation => "VALIDATION_ERROR",
    /// The body is not JSON, or not the JSON the route takes.
    InvalidJson => "INVALID_JSON",
    /// A body without `Content-Type: application/json`.
    UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
    /// A body over the configured limit.
    PayloadTooLarge => "PAYLOAD_TOO_LARGE",
    /// The request's header block is over the configured limit.
    HeadersTooLarge => "HEADERS_TOO_LARGE",
    /// No such route.
    NotFound => "NOT_FOUND",
    /// The route exists with another method.
    MethodNotAllowed => "METHOD_NOT_ALLOWED",
    /// The WebSocket route was called without a WebSocket upgrade.
    UpgradeRequired => "UPGRADE_REQUIRED",
    /// No credentials, or credentials in an unknown form.
    Unauthorized => "UNAUTHORIZED",
    /// Wrong username or password.
    InvalidCredentials => "INVALID_CREDENTIALS",
    /// An access or refresh token past its lifetime.
    TokenExpired => "TOKEN_EXPIRED",
    /// A token that is malformed, forged, or whose session has ended.
    TokenInvalid => "TOKEN_INVALID",
    /// A refresh token presented a second time: its whole session is revoked.
    TokenReused => "TOKEN_REUSED",
    /// The caller's role does not allow it, or the account is disabled.
    Forbidden => "FORBIDDEN",
    /// An API key without the scope the operation needs.
    InsufficientScope => "INSUFFICIENT_SCOPE",
    /// Registration is closed.
    RegistrationClosed => "REGISTRATION_CLOSED",
    /// The demo faucet is off.
    FaucetDisabled => "FAUCET_DISABLED",
    /// The username exists.
    UsernameTaken => "USERNAME_TAKEN",
    /// A password of the wrong length.
    WeakPassword => "WEAK_PASSWORD",
    /// No such instrument.
    UnknownSymbol => "UNKNOWN_SYMBOL",
    /// No such user.
    UnknownUser => "UNKNOWN_USER",
    /// No such API key (to revoke).
    UnknownApiKey => "UNKNOWN_API_KEY",
    /// An API key that is not valid (unknown, revoked or malformed).
    ApiKeyInvalid => "API_KEY_INVALID",
    /// The account holds as many live API keys as allowed.
    TooManyApiKeys => "TOO_MANY_API_KEYS",
    /// Over a rate limit.
    RateLimited => "RATE_LIMITED",
    /// The venue's bounded queue is full, or the answer took too long.
    Overloaded => "OVERLOADED",
    /// The journal cannot make commands durable.
    JournalUnavailable => "JOURNAL_UNAVAILABLE",
    /// The read-model database does not answer.
    DatabaseUnavailable => "DATABASE_UNAVAILABLE",
    /// A fault of the venue.
    Internal => "INTERNAL_ERROR",
    /// The order has ended (filled, cancelled or expired): it can no longer be
    /// cancelled or amended.
    OrderClosed => "ORDER_CLOSED",
    /// More than the demo faucet gives in one request.
    FaucetLimit => "FAUCET_LIMIT",
    /// The backtest has ended (done, failed or cancelled): it can no longer be
    /// cancelled.
    BacktestFinished => "BACKTEST_FINISHED",
    /// No built-in strategy has that name.
    UnknownStrategy => "UNKNOWN_STRATEGY",
    /// The parameters do not fit the strategy: an unknown name, a wrong type, a value
    /// out of range, or values that contradict each other.
    InvalidParameters => "INVALID_PARAMETERS",
    /// The caller has no account (sub-account) with that id.
    UnknownAccount => "UNKNOWN_ACCOUNT",
    /// The user already has a sub-account of that name.
    AccountNameTaken => "ACCOUNT_NAME_TAKEN",
    /// The user holds as many sub-accounts as allowed.
    TooManySubaccounts => "TOO_MANY_SUBACCOUNTS",
    /// The user holds as many strategies as allowed.
    TooManyStrategies => "TOO_MANY_STRATEGIES",
    /// The user already has a strategy of that name.
    StrategyNameTaken => "STRATEGY_NAME_TAKEN",
    /// The sub-account trades for another strategy.
    AccountInUse => "ACCOUNT_IN_USE",
    /// The strategy is not running (to pause it).
    StrategyNotRunning => "STRATEGY_NOT_RUNNING",
}

/// Every code a client can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Platform(Code),
    Rejected(RejectCode),
    Value(ValueError),
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Platform(code) => code.as_str(),
            ErrorCode::Rejected(code) => code.code(),
            ErrorCode::Value(error) => error.code(),
        }
    }
}

impl From<Code> for ErrorCode {
    fn from(code: Code) -> ErrorCode {
        ErrorCode::Platform(code)
    }
}

/// More about an error, typed; front doors render it in their own format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// The request field that failed.
    Field(String),
    /// The existing order behind a duplicate client order id.
    ExistingOrder(OrderId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<Detail>,
    /// Seconds to wait before retrying, where waiting helps.
    pub retry_after: Option<u64>,
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ServiceError {}

impl ServiceError {
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> ServiceError {
        ServiceError {
            code: code.into(),
            message: message.into(),
            detail: None,
            retry_after: None,
        }
    }

    pub fn with_detail(mut self, detail: Detail) -> ServiceError {
        self.detail = Some(detail);
        self
    }

    pub fn with_message(mut self, message: impl Into<String>) -> ServiceError {
        self.message = message.into();
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ServiceError {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// The same error about a field of a nested object: `price` becomes `first.price`.
    pub fn in_field(mut self, parent: &str) -> ServiceError {
        if let Some(Detail::Field(field)) = &self.detail {
            self.detail = Some(Detail::Field(format!("{parent}.{field}")));
        }
        self
    }

    pub fn validation(message: impl Into<String>) -> ServiceError {
        ServiceError::new(Code::Validation, message)
    }

    /// A field that failed validation, named in the details.
    pub fn field(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::validation(message).with_detail(Detail::Field(field.to_string()))
    }

    /// A decimal value that could not be used, naming the field.
    pub fn value(field: &str, error: ValueError) -> ServiceError {
        ServiceError::new(ErrorCode::Value(error), format!("{field}: {error}"))
            .with_detail(Detail::Field(field.to_string()))
    }

    pub fn rate_limited(retry_after: u64) -> ServiceError {
        ServiceError::new(Code::RateLimited, "too many requests; slow down")
            .with_retry_after(retry_after)
    }

    pub fn overloaded(message: impl Into<String>) -> ServiceError {
        ServiceError::new(Code::Overloaded, message).with_retry_after(1)
    }

    pub fn journal_unavailable() -> ServiceError {
        ServiceError::new(
            Code::JournalUnavailable,
            "the journal cannot make commands durable; the command was not acknowledged \
             (retry with the same client order id once the venue is back)",
        )
        .with_retry_after(5)
    }

    pub fn database_unavailable(retry_after: u64) -> ServiceError {
        ServiceError::new(
            Code::DatabaseUnavailable,
            "the read-model database does not answer; trading continues, and this read \
             works again once it is back",
        )
        .with_retry_after(retry_after)
    }

    /// An internal failure: the cause is logged, the client gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> ServiceError {
        tracing::error!(%cause, "internal error");
        ServiceError::new(Code::Internal, "an internal error occurred")
    }

    /// An engine rejection. Another owner's order is reported as unknown: its
    /// existence is not the caller's business.
    pub fn rejected(code: RejectCode) -> ServiceError {
        let code = if code == RejectCode::NotOwner {
            RejectCode::UnknownOrder
        } else {
            code
        };
        ServiceError::new(ErrorCode::Rejected(code), reject_message(code))
    }
}

/// Words for people for each engine rejection.
pub fn reject_message(code: RejectCode) -> &'static str {
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
        RejectCode::PositionLimit => {
            "with this buy, the position and open buys would pass the account's position limit"
        }
        RejectCode::OrderNotionalLimit => {
            "the order's value is over the account's limit for one order"
        }
        RejectCode::OpenNotionalLimit => {
            "with this order, the open orders would be worth more than the account's limit"
        }
        RejectCode::OpenOrdersLimit => "the account has as many open orders as its limit allows",
        RejectCode::DailyLossLimit => {
            "the account passed its daily loss limit: until the next trading day only cancels \
             and orders that reduce a position are accepted"
        }
        RejectCode::ReduceOnly => "a reduce-only order must be a sell no larger than the position",
        RejectCode::VenueHalted => "the venue is halted: only cancels are accepted",
        RejectCode::InvalidTrigger => {
            "the trigger is not valid (off the tick, zero, an offset out of range, or a \
             trailing stop that is not a market order)"
        }
        RejectCode::TriggerWouldFire => {
            "the trigger is already met by the last price: the order would fire at once"
        }
        RejectCode::InvalidOco => {
            "the two orders do not make a one-cancels-the-other pair: same owner, instrument, \
             side and quantity, at least one conditional, the other resting"
        }
        RejectCode::WouldStrandOrders => {
            "the change would leave open orders off the instrument's new tick or lot"
        }
        RejectCode::SameAccount => "a transfer needs two different accounts",
    }
}

impl From<bourse_store::StoreError> for ServiceError {
    fn from(error: bourse_store::StoreError) -> ServiceError {
        match error {
            bourse_store::StoreError::UsernameTaken => {
                ServiceError::new(Code::UsernameTaken, "this username is taken")
            }
            bourse_store::StoreError::NameTaken => ServiceError::new(
                Code::AccountNameTaken,
                "you have a sub-account of that name already",
            ),
            ref other if other.is_unavailable() => {
                tracing::warn!(%error, "the database does not answer");
                ServiceError::database_unavailable(DATABASE_RETRY_AFTER_SECS)
            }
            other => ServiceError::internal(other),
        }
    }
}

/// What `Retry-After` says when the database does not answer.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 5;
