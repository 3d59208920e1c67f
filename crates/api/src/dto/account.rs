//! Balances, the demo faucet, transfers and the caller's fills.

use super::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceDto {
    pub asset: String,
    /// What may be spent or held.
    pub available: String,
    /// Reserved by open orders and pending withdrawals.
    pub held: String,
    pub total: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"asset": "USD", "amount": "10000"}))]
pub struct FaucetRequest {
    /// An asset code, e.g. `USD`.
    #[schema(pattern = r"^[A-Za-z0-9]{1,12}$")]
    pub asset: String,
    /// A positive decimal amount, at most the faucet's limit for the asset.
    #[schema(
        pattern = r"^([0-9]{0,19}[1-9][0-9]{0,19}(\.[0-9]{1,18})?|[0-9]{1,20}\.[0-9]{0,17}[1-9][0-9]{0,17})$"
    )]
    pub amount: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferKindDto {
    Deposit,
    Withdrawal,
    /// Funds that reached this account from another of the venue's accounts.
    TransferIn,
    /// Funds that left this account for another of the venue's accounts.
    TransferOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatusDto {
    Pending,
    Posted,
    Voided,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferDto {
    pub id: String,
    pub asset: String,
    pub kind: TransferKindDto,
    /// For a transfer between two of the caller's accounts: the other one (`main` or
    /// a sub-account id).
    pub counterparty: Option<String>,
    pub amount: String,
    pub posted_amount: Option<String>,
    pub status: TransferStatusDto,
    pub created_at: String,
    pub updated_at: String,
}

/// One of the caller's fills.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyTradeDto {
    pub id: String,
    pub symbol: String,
    pub order_id: String,
    /// The caller's side.
    pub side: SideDto,
    pub price: String,
    pub quantity: String,
    /// Price times quantity, in the quote asset.
    pub value: String,
    /// The caller's fee, in the quote asset.
    pub fee: String,
    pub liquidity: LiquidityDto,
    pub time: String,
}
