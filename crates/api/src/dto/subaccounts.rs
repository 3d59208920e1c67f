//! Sub-accounts and the moves of funds between a user's accounts, and the `account`
//! query parameter of every view of one account.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which of the caller's accounts a view shows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// `main` (the default) or one of the caller's sub-account ids.
    #[param(pattern = r"^(main|[0-9]{1,19})$")]
    pub account: Option<String>,
}

/// One of the caller's accounts, and a page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountPageQuery {
    /// `main` (the default) or one of the caller's sub-account ids.
    #[param(pattern = r"^(main|[0-9]{1,19})$")]
    pub account: Option<String>,
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "grid bot"}))]
pub struct NewSubaccount {
    /// 1 to 40 characters: letters, digits, spaces, `-`, `_`, `.`; unique among the
    /// caller's sub-accounts.
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$"
    )]
    pub name: String,
}

/// A sub-account: an account of its own in the engine, linked to its user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubaccountDto {
    /// What `account` parameters name it by.
    pub id: String,
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "main", "to": "1", "asset": "USD", "amount": "2500"}))]
pub struct InternalTransferRequest {
    /// `main` or one of the caller's sub-account ids.
    #[schema(pattern = r"^(main|[0-9]{1,19})$")]
    pub from: String,
    /// `main` or one of the caller's sub-account ids; not `from`.
    #[schema(pattern = r"^(main|[0-9]{1,19})$")]
    pub to: String,
    /// An asset code, e.g. `USD`.
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}$")]
    pub asset: String,
    /// A positive decimal amount, at most what `from` has available.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub amount: String,
}

/// An internal transfer as made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InternalTransferDto {
    pub id: String,
    pub from: String,
    pub to: String,
    pub asset: String,
    pub amount: String,
    pub created_at: String,
}
