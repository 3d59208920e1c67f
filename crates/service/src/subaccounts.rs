//! Sub-accounts: engine owners of their own, each linked to the user who opened it,
//! so that money, orders, positions and a panic can be kept apart (a strategy trades
//! from one). Funds move between a user's accounts by journaled internal transfers.
//!
//! The rows live in the store (written before the answer) and in memory, loaded at
//! start, so that a front door can check ownership without a query.

use crate::Service;
use crate::actor::Actor;
use crate::catalog::parse_amount;
use crate::error::{Code, Detail, Result, ServiceError};
use bourse_engine::{Command, Event, InternalTransfer};
use bourse_store::SubaccountRow;
use bourse_types::{Asset, OwnerId, Timestamp, TransferId};
use std::collections::HashMap;

/// The engine owner of sub-account `id` is this base plus `id`: above every user id
/// and the simulator's owners, below the venue's system owners.
pub const SUBACCOUNT_OWNER_BASE: u64 = 1 << 40;

/// How many sub-accounts one user may open.
pub const SUBACCOUNTS_PER_USER_MAX: usize = 20;

/// The longest name of a sub-account, in characters.
pub const SUBACCOUNT_NAME_MAX: usize = 40;

/// A sub-account as the use cases know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subaccount {
    pub id: u64,
    pub owner: OwnerId,
    pub user_id: u64,
    pub name: String,
    pub created_at: u64,
}

impl From<SubaccountRow> for Subaccount {
    fn from(row: SubaccountRow) -> Subaccount {
        Subaccount {
            owner: OwnerId(SUBACCOUNT_OWNER_BASE + row.id),
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// One of a user's accounts, as a request names it: `main`, or a sub-account's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRef {
    Main,
    Sub(u64),
}

impl AccountRef {
    /// `main` or a sub-account id in decimal.
    pub fn parse(text: &str) -> Option<AccountRef> {
        if text == "main" {
            return Some(AccountRef::Main);
        }
        if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().map(AccountRef::Sub)
    }
}

/// The sub-accounts of the venue, by engine owner.
#[derive(Debug, Default)]
pub(crate) struct Subaccounts {
    by_owner: HashMap<u64, Subaccount>,
}

/// An internal transfer as made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferDone {
    pub transfer: InternalTransfer,
    pub asset: Asset,
    pub ts: Timestamp,
}

fn unknown_account(id: u64) -> ServiceError {
    ServiceError::new(
        Code::UnknownAccount,
        format!("you have no sub-account {id}"),
    )
}

/// The transfer id of an internal transfer: derived from the caller's idempotency key
/// (so that a retry is recognised as a duplicate), else random.
fn transfer_id(user_id: u64, idempotency_key: Option<&str>) -> TransferId {
    let id = match idempotency_key {
        Some(key) => {
            let digest = blake3::hash(format!("internal:{user_id}:{key}").as_bytes());
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

/// Checks a sub-account's name: 1 to [`SUBACCOUNT_NAME_MAX`] characters of letters,
/// digits, spaces, `-`, `_` and `.`, not starting or ending with a space.
fn check_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if length == 0 || length > SUBACCOUNT_NAME_MAX {
        return Err(ServiceError::field(
            "name",
            format!("a name has 1 to {SUBACCOUNT_NAME_MAX} characters"),
        ));
    }
    if name.trim() != name
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
    {
        return Err(ServiceError::field(
            "name",
            "a name holds letters, digits, spaces, '-', '_' and '.', and does not start or end with a space",
        ));
    }
    Ok(())
}

impl Service {
    /// At start: the sub-accounts the store holds; answers how many.
    pub async fn load_subaccounts(&self) -> Result<usize> {
        let rows = self.query(self.store().subaccounts()).await?;
        let mut subaccounts = self.subaccounts_mut();
        for row in rows {
            let sub = Subaccount::from(row);
            subaccounts.by_owner.insert(sub.owner.0, sub);
        }
        Ok(subaccounts.by_owner.len())
    }

    /// The sub-account whose engine owner is `owner`, if it is one.
    pub fn subaccount_of_owner(&self, owner: OwnerId) -> Option<Subaccount> {
        self.subaccounts_read().by_owner.get(&owner.0).cloned()
    }

    /// The user an engine owner belongs to: itself, or the user of its sub-account.
    pub fn user_of_owner(&self, owner: OwnerId) -> u64 {
        self.subaccount_of_owner(owner)
            .map_or(owner.0, |sub| sub.user_id)
    }

    /// The caller's sub-account `id`.
    pub fn subaccount(&self, actor: &Actor, id: u64) -> Result<Subaccount> {
        let owner = SUBACCOUNT_OWNER_BASE
            .checked_add(id)
            .ok_or_else(|| unknown_account(id))?;
        self.subaccounts_read()
            .by_owner
            .get(&owner)
            .filter(|sub| sub.user_id == actor.user_id)
            .cloned()
            .ok_or_else(|| unknown_account(id))
    }

    /// The caller acting on one of their accounts: the main one when `account` is
    /// `None` or `main`.
    pub fn in_account(&self, actor: &Actor, account: Option<AccountRef>) -> Result<Actor> {
        let owner = self.owner_of(actor, account.unwrap_or(AccountRef::Main))?;
        Ok(Actor { owner, ..*actor })
    }

    fn owner_of(&self, actor: &Actor, account: AccountRef) -> Result<OwnerId> {
        match account {
            AccountRef::Main => Ok(OwnerId(actor.user_id)),
            AccountRef::Sub(id) => Ok(self.subaccount(actor, id)?.owner),
        }
    }

    /// The caller's sub-accounts, oldest first.
    pub fn subaccounts(&self, actor: &Actor) -> Result<Vec<Subaccount>> {
        actor.require_read()?;
        let mut mine: Vec<Subaccount> = self
            .subaccounts_read()
            .by_owner
            .values()
            .filter(|sub| sub.user_id == actor.user_id)
            .cloned()
            .collect();
        mine.sort_by_key(|sub| sub.id);
        Ok(mine)
    }

    /// Opens a sub-account for the caller, durable before the answer.
    pub async fn open_subaccount(&self, actor: &Actor, name: &str) -> Result<Subaccount> {
        actor.require_trade()?;
        check_name(name)?;
        let held = self
            .subaccounts_read()
            .by_owner
            .values()
            .filter(|sub| sub.user_id == actor.user_id)
            .count();
        if held >= SUBACCOUNTS_PER_USER_MAX {
            return Err(ServiceError::new(
                Code::TooManySubaccounts,
                format!("a user may open at most {SUBACCOUNTS_PER_USER_MAX} sub-accounts"),
            ));
        }
        let now = crate::now_ms();
        let row = self
            .query(self.store().create_subaccount(actor.user_id, name, now))
            .await
            .map_err(|e| e.with_detail(Detail::Field("name".to_string())))?;
        let sub = Subaccount::from(row);
        self.subaccounts_mut()
            .by_owner
            .insert(sub.owner.0, sub.clone());
        tracing::info!(
            user = actor.user_id,
            subaccount = sub.id,
            name,
            "sub-account opened"
        );
        Ok(sub)
    }

    /// Moves funds between two of the caller's accounts, at once and all or nothing
    /// from what the source has available.
    pub async fn internal_transfer(
        &self,
        actor: &Actor,
        from: AccountRef,
        to: AccountRef,
        asset: &str,
        amount: &str,
        idempotency_key: Option<&str>,
    ) -> Result<TransferDone> {
        actor.require_trade()?;
        let source = self
            .owner_of(actor, from)
            .map_err(|e| e.with_detail(Detail::Field("from".to_string())))?;
        let target = self
            .owner_of(actor, to)
            .map_err(|e| e.with_detail(Detail::Field("to".to_string())))?;
        let asset = self.catalog().code(asset)?;
        let amount = parse_amount(asset.scale, "amount", amount)?;
        let transfer = InternalTransfer {
            id: transfer_id(actor.user_id, idempotency_key),
            from: source,
            to: target,
            asset: asset.id,
            amount,
        };
        let released = self.execute(Command::Transfer(transfer)).await?;
        for event in &released.events {
            match event {
                Event::Rejected(r) => return Err(ServiceError::rejected(r.code)),
                Event::InternalTransfer(done) => {
                    tracing::info!(
                        user = actor.user_id,
                        from = source.0,
                        to = target.0,
                        asset = %asset.code,
                        amount = %asset.format_amount(amount),
                        "internal transfer"
                    );
                    return Ok(TransferDone {
                        transfer: *done,
                        asset,
                        ts: released.ts,
                    });
                }
                _ => {}
            }
        }
        Err(ServiceError::internal("a transfer produced no event"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_named_main_or_by_id() {
        assert_eq!(AccountRef::parse("main"), Some(AccountRef::Main));
        assert_eq!(AccountRef::parse("12"), Some(AccountRef::Sub(12)));
        assert_eq!(AccountRef::parse(""), None);
        assert_eq!(AccountRef::parse("-1"), None);
        assert_eq!(AccountRef::parse("Main"), None);
        assert_eq!(AccountRef::parse("99999999999999999999"), None);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("grid bot-1").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(" lead").is_err());
        assert!(check_name("semi;colon").is_err());
        assert!(check_name(&"x".repeat(SUBACCOUNT_NAME_MAX + 1)).is_err());
        assert!(check_name(&"x".repeat(SUBACCOUNT_NAME_MAX)).is_ok());
    }

    #[test]
    fn sub_account_owners_sit_between_users_and_system_owners() {
        const { assert!(SUBACCOUNT_OWNER_BASE > bourse_market::SIM_OWNER_BASE * 1000) };
        let sub = Subaccount::from(SubaccountRow {
            id: 3,
            user_id: 9,
            name: "a".into(),
            created_at: 0,
        });
        assert_eq!(sub.owner, OwnerId(SUBACCOUNT_OWNER_BASE + 3));
    }
}
