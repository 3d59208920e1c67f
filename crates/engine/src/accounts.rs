//! Owners and their accounts: slots, opening accounts per asset, halting.

use crate::book::OwnerOrders;
use crate::engine::*;
use crate::event::{CommandKind, Event, RejectCode, Rejection};
use crate::ledger::{self, AccountIdx};
use bourse_types::{AssetId, OwnerId};

impl Engine {
    pub(crate) fn owner_slot(&self, owner: OwnerId) -> Result<u32, RejectCode> {
        if ledger::is_system(owner) {
            return Err(RejectCode::ReservedAccount);
        }
        self.owner_index
            .get(&owner)
            .copied()
            .ok_or(RejectCode::UnknownAccount)
    }

    pub(crate) fn create_owner(&mut self, owner: OwnerId) -> Result<u32, RejectCode> {
        if self.owners.len() >= self.limits.owners_max as usize {
            return Err(RejectCode::CapacityExceeded);
        }
        let slot = u32::try_from(self.owners.len()).map_err(|_| RejectCode::CapacityExceeded)?;
        self.owners.push(OwnerState::new(owner, false));
        self.owner_index.insert(owner, slot);
        self.books.owners.push(OwnerOrders::default());
        Ok(slot)
    }

    /// An owner's account in an asset, if open.
    #[inline]
    pub(crate) fn owner_account(&self, slot: u32, asset: AssetId) -> Option<AccountIdx> {
        let account = *self.owners[slot as usize]
            .accounts
            .get(usize::from(asset.0))?;
        (account != NO_ACCOUNT).then_some(account)
    }

    /// An owner's account in an asset, opened if missing.
    pub(crate) fn open_owner_account(&mut self, slot: u32, asset: AssetId) -> AccountIdx {
        if let Some(account) = self.owner_account(slot, asset) {
            return account;
        }
        let owner = &mut self.owners[slot as usize];
        let account = self.ledger.open(owner.id, asset);
        let index = usize::from(asset.0);
        if owner.accounts.len() <= index {
            owner.accounts.resize(index + 1, NO_ACCOUNT);
        }
        owner.accounts[index] = account;
        account
    }

    /// Fills every owner's account table from the ledger (after a restore).
    pub(crate) fn index_owner_accounts(&mut self) {
        for (idx, account) in self.ledger.accounts().iter().enumerate() {
            if let Some(&slot) = self.owner_index.get(&account.owner) {
                let accounts = &mut self.owners[slot as usize].accounts;
                let index = usize::from(account.asset.0);
                if accounts.len() <= index {
                    accounts.resize(index + 1, NO_ACCOUNT);
                }
                accounts[index] = idx as AccountIdx;
            }
        }
    }

    pub(crate) fn open_account(&mut self, owner: OwnerId, out: &mut Vec<Event>) {
        let reject =
            |code| Event::Rejected(Rejection::of(CommandKind::OpenAccount, code).owner(owner));
        match self.owner_slot(owner) {
            Ok(_) => out.push(reject(RejectCode::AccountExists)),
            Err(RejectCode::UnknownAccount) => match self.create_owner(owner) {
                Ok(_) => out.push(Event::AccountOpened { owner }),
                Err(code) => out.push(reject(code)),
            },
            Err(code) => out.push(reject(code)),
        }
    }

    pub(crate) fn set_account_halted(
        &mut self,
        owner: OwnerId,
        halted: bool,
        out: &mut Vec<Event>,
    ) {
        match self.owner_slot(owner) {
            Ok(slot) => {
                self.owners[slot as usize].halted = halted;
                out.push(Event::AccountStatusChanged { owner, halted });
            }
            Err(code) => {
                let rejection = Rejection::of(CommandKind::SetAccountHalted, code).owner(owner);
                out.push(Event::Rejected(rejection));
            }
        }
    }
}
