//! The API's request and response bodies and query strings: the contract, documented
//! in the OpenAPI document with the constraints the handlers check. Money, prices and
//! quantities are decimal strings; ids are strings (they may exceed what JSON numbers
//! hold exactly); times are RFC 3339 in UTC, except where a field says milliseconds.

mod account;
mod admin;
mod auth;
mod backtests;
mod conditional;
mod enums;
mod live;
mod market;
mod orders;
mod risk;
mod stats;
mod subaccounts;
mod system;

pub use account::*;
pub use admin::*;
pub use auth::*;
pub use backtests::*;
pub use conditional::{
    BracketDto, ConditionalLimitType, ConditionalMarketType, OcoDto, PlaceOco, StopLimitOrder,
    StopMarketOrder, TrailingStopBpsOrder, TrailingStopOrder, TrailingType,
};
pub use enums::*;
pub use live::*;
pub use market::*;
pub use orders::*;
pub use risk::*;
pub use stats::{StatsDto, StatsSampleDto, stats_sample_dto};
pub use subaccounts::*;
pub use system::*;

use bourse_engine::OrderStatus;
use bourse_store::Role;
use bourse_types::{InstrumentStatus, Side, StpMode, TimeInForce};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The latest time, in milliseconds since the epoch, a request may name (the year
/// 2286): far enough, and within what every JSON number and database holds.
pub const TIME_MS_MAX: u64 = 10_000_000_000_000;

/// The longest refresh token accepted.
pub const REFRESH_TOKEN_LEN_MAX: usize = 256;

/// A positive decimal number as the API takes it: digits, optionally a point and more
/// digits, not all zero; no sign, exponent, spaces or grouping. (The schemas spell it
/// out in each field; a test checks they agree with this.)
pub const POSITIVE_DECIMAL_PATTERN: &str =
    r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$";

/// Every successful response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// Always true.
    pub success: bool,
    pub data: T,
    /// Always null.
    #[schema(value_type = Option<Object>)]
    pub error: Option<()>,
    pub timestamp: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pagination {
    pub page: u32,
    pub limit: u32,
    pub total: u64,
    pub total_pages: u64,
    pub has_next: bool,
    pub has_prev: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

/// An empty object, for answers with nothing to say.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Empty {}

/// `page` (from 1) and `limit` (1 to 500, default 50).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}
