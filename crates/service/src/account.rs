//! The caller's money: balances, the demo faucet, deposits and withdrawals, fills.

use crate::Service;
use crate::actor::Actor;
use crate::catalog::parse_amount;
use crate::error::{Code, Result, ServiceError};
use crate::live::LiveBalance;
use bourse_engine::{Command, Event, TransferEvent, TransferRequest};
use bourse_store::{Page, TradeRow, TransferRow};
use bourse_types::{Asset, Timestamp, TransferId};
use std::collections::HashMap;

/// The demo faucet: on or off, and the largest amount per request, per asset code.
#[derive(Debug, Clone, Default)]
pub struct FaucetConfig {
    pub enabled: bool,
    pub max_per_request: HashMap<String, String>,
}

/// A faucet deposit as made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaucetDeposit {
    pub asset: Asset,
    pub transfer: TransferEvent,
    pub ts: Timestamp,
}

/// The transfer id of a faucet request: derived from the caller's idempotency key
/// (so a retry is recognised as a duplicate), else random.
fn faucet_transfer_id(user_id: u64, idempotency_key: Option<&str>) -> TransferId {
    let id = match idempotency_key {
        Some(key) => {
            let digest = blake3::hash(format!("faucet:{user_id}:{key}").as_bytes());
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&digest.as_bytes()[..8]);
            u64::from_le_bytes(bytes)
        }
        None => {
            let mut bytes = [0u8; 8];
            getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
            u64::from_le_bytes(bytes)
        }
    };
    TransferId(id >> 1)
}

impl Service {
    /// The caller's balance in every listed asset (zero where none was ever held),
    /// from the live view once it includes everything released.
    pub async fn balances(&self, actor: &Actor) -> Result<Vec<(Asset, LiveBalance)>> {
        actor.require_read()?;
        self.wait_views().await?;
        let live = self.live();
        let held = live.balances(actor.owner);
        Ok(self
            .catalog()
            .assets()
            .iter()
            .map(|asset| {
                let balance = held
                    .iter()
                    .find(|(a, _)| *a == asset.id)
                    .map_or_else(LiveBalance::default, |(_, b)| *b);
                (*asset, balance)
            })
            .collect())
    }

    /// Demo money, credited at once when the faucet is on, up to its per-request limit.
    pub async fn faucet(
        &self,
        actor: &Actor,
        asset: &str,
        amount: &str,
        idempotency_key: Option<&str>,
    ) -> Result<FaucetDeposit> {
        actor.require_trade()?;
        let faucet = &self.config().faucet;
        if !faucet.enabled {
            return Err(ServiceError::new(
                Code::FaucetDisabled,
                "the demo faucet is disabled on this venue",
            ));
        }
        let asset = self.catalog().code(asset)?;
        let amount = parse_amount(asset.scale, "amount", amount)?;
        if let Some(max) = faucet.max_per_request.get(asset.code.as_str()) {
            let max = parse_amount(asset.scale, "faucet limit", max)?;
            if amount > max {
                return Err(ServiceError::new(
                    Code::FaucetLimit,
                    format!(
                        "the faucet gives at most {} {} per request",
                        asset.format_amount(max),
                        asset.code
                    ),
                )
                .with_detail(crate::error::Detail::Field("amount".to_string())));
            }
        }
        let released = self
            .execute(Command::Deposit(TransferRequest {
                id: faucet_transfer_id(actor.owner.0, idempotency_key),
                owner: actor.owner,
                asset: asset.id,
                amount,
                pending: false,
            }))
            .await?;
        for event in &released.events {
            match event {
                Event::Rejected(r) => return Err(ServiceError::rejected(r.code)),
                Event::Transfer(transfer) => {
                    tracing::info!(user = actor.user_id, asset = %asset.code, amount = %asset.format_amount(amount), "faucet deposit");
                    return Ok(FaucetDeposit {
                        asset,
                        transfer: *transfer,
                        ts: released.ts,
                    });
                }
                _ => {}
            }
        }
        Err(ServiceError::internal("a deposit produced no transfer"))
    }

    /// The caller's deposits and withdrawals, newest first.
    pub async fn transfers(&self, actor: &Actor, page: Page) -> Result<(Vec<TransferRow>, u64)> {
        actor.require_read()?;
        self.wait_for_reads().await;
        self.query(self.store().transfers_of(actor.owner.0, page))
            .await
    }

    /// The caller's fills, newest first, on one symbol or all.
    pub async fn my_trades(
        &self,
        actor: &Actor,
        symbol: Option<&str>,
        page: Page,
    ) -> Result<(Vec<TradeRow>, u64)> {
        actor.require_read()?;
        let instrument = match symbol {
            Some(symbol) => Some(self.catalog().symbol(symbol)?.id().0),
            None => None,
        };
        self.wait_for_reads().await;
        self.query(self.store().trades_of(actor.owner.0, instrument, page))
            .await
    }
}
