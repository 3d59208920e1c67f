//! Route handlers, one module per area; each exports its own `router()`.

pub mod account;
pub mod admin;
pub mod auth;
pub mod live;
pub mod market;
pub mod orders;
pub mod risk;
pub mod strategies;
pub mod subaccounts;
pub mod system;

use crate::dto::{Envelope, Paginated, Pagination};
use crate::error::{ApiError, Result};
use axum::Json;
use axum::http::StatusCode;
use bourse_service::ServiceError;
use bourse_store::Page;
use bourse_types::Timestamp;
use serde::Serialize;

pub const PAGE_LIMIT_MAX: u32 = 500;
/// The last page number accepted, so that an offset always fits the databases.
pub const PAGE_MAX: u32 = 1_000_000;
pub const PAGE_LIMIT_DEFAULT: u32 = 50;

/// A success envelope.
pub fn ok<T: Serialize>(data: T) -> Json<Envelope<T>> {
    Json(Envelope {
        success: true,
        data,
        error: None,
        timestamp: crate::now_rfc3339(),
    })
}

/// A success envelope with `201 Created`.
pub fn created<T: Serialize>(data: T) -> (StatusCode, Json<Envelope<T>>) {
    (StatusCode::CREATED, ok(data))
}

/// Checks and defaults paging parameters.
pub fn page(page: Option<u32>, limit: Option<u32>) -> Result<Page> {
    let page = page.unwrap_or(1);
    let limit = limit.unwrap_or(PAGE_LIMIT_DEFAULT);
    if !(1..=PAGE_MAX).contains(&page) {
        return Err(ApiError(ServiceError::field(
            "page",
            format!("page is between 1 and {PAGE_MAX}"),
        )));
    }
    if !(1..=PAGE_LIMIT_MAX).contains(&limit) {
        return Err(ApiError(ServiceError::field(
            "limit",
            format!("limit is between 1 and {PAGE_LIMIT_MAX}"),
        )));
    }
    Ok(Page { page, limit })
}

pub fn paginated<T>(items: Vec<T>, page: Page, total: u64) -> Paginated<T> {
    let total_pages = total.div_ceil(u64::from(page.limit));
    Paginated {
        items,
        pagination: Pagination {
            page: page.page,
            limit: page.limit,
            total,
            total_pages,
            has_next: u64::from(page.page) < total_pages,
            has_prev: page.page > 1,
        },
    }
}

/// RFC 3339 with milliseconds from nanoseconds since the Unix epoch.
pub fn time(nanos: u64) -> String {
    Timestamp(nanos).to_rfc3339(3)
}

/// The caller acting on the account a request's `account` parameter names (`main`
/// or one of their sub-account ids; the main account when absent).
pub fn in_account(
    state: &crate::state::AppState,
    actor: &bourse_service::Actor,
    account: Option<&str>,
) -> Result<bourse_service::Actor> {
    let account = account
        .map(|text| {
            bourse_service::AccountRef::parse(text).ok_or_else(|| {
                ApiError(ServiceError::field(
                    "account",
                    "account is `main` or a sub-account id",
                ))
            })
        })
        .transpose()?;
    Ok(state.service.in_account(actor, account)?)
}

/// How an engine owner appears to its user: `main`, or its sub-account's id.
pub fn account_label(state: &crate::state::AppState, owner: bourse_types::OwnerId) -> String {
    state
        .service
        .subaccount_of_owner(owner)
        .map_or_else(|| "main".to_string(), |sub| sub.id.to_string())
}

/// Parses a numeric id from a path.
pub fn parse_id(text: &str, what: &str) -> Result<u64> {
    text.parse().map_err(|_| {
        ApiError(ServiceError::field(
            "id",
            format!("{what} must be a number, not {text:?}"),
        ))
    })
}
