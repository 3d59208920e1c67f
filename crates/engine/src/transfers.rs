//! Deposits and withdrawals, immediate or two-phase (pending, then posted or voided).

use crate::command::{InternalTransfer, TransferRequest};
use crate::engine::*;
use crate::event::{
    CommandKind, Event, RejectCode, Rejection, TransferEvent, TransferKind, TransferState,
};
use crate::ledger::{self, EXTERNAL, PendingTransfer};
use bourse_types::{Amount, AssetId, OwnerId, TransferId};

impl Engine {
    pub(crate) fn check_transfer(&self, request: &TransferRequest) -> Result<(), RejectCode> {
        if request.amount.is_zero() {
            return Err(RejectCode::InvalidAmount);
        }
        if usize::from(request.asset.0) >= self.assets.len() {
            return Err(RejectCode::UnknownAsset);
        }
        if ledger::is_system(request.owner) {
            return Err(RejectCode::ReservedAccount);
        }
        if self.ledger.transfer_id_known(request.id) {
            return Err(RejectCode::DuplicateTransferId);
        }
        if request.pending
            && self.ledger.pending.len() >= self.limits.transfers_pending_max as usize
        {
            return Err(RejectCode::CapacityExceeded);
        }
        Ok(())
    }

    /// The slot and account of an owner that may send `amount` of `asset` out of its
    /// account: known, not halted, with that much available.
    fn spendable(
        &self,
        owner: OwnerId,
        asset: AssetId,
        amount: Amount,
    ) -> Result<(u32, ledger::AccountIdx), RejectCode> {
        let slot = self.owner_slot(owner)?;
        if self.owners[slot as usize].halted {
            return Err(RejectCode::AccountHalted);
        }
        let account = self
            .owner_account(slot, asset)
            .ok_or(RejectCode::InsufficientFunds)?;
        if self.ledger.available(account) < amount {
            return Err(RejectCode::InsufficientFunds);
        }
        Ok((slot, account))
    }

    pub(crate) fn deposit(&mut self, request: &TransferRequest, out: &mut Vec<Event>) {
        let checked = self.check_transfer(request).and_then(|()| {
            self.ledger
                .supply_after(request.asset, request.amount)
                .ok_or(RejectCode::AmountOverflow)?;
            match self.owner_slot(request.owner) {
                Ok(slot) => Ok(slot),
                Err(RejectCode::UnknownAccount) => self.create_owner(request.owner),
                Err(code) => Err(code),
            }
        });
        let slot = match checked {
            Ok(slot) => slot,
            Err(code) => {
                let rejection = Rejection::transfer(CommandKind::Deposit, code, request);
                return out.push(Event::Rejected(rejection));
            }
        };
        let user = self.open_owner_account(slot, request.asset);
        let external = self.ledger.system(request.asset).external;
        self.ledger
            .remember_transfer_id(request.id, self.limits.transfer_ids_retained_max);
        let state = if request.pending {
            self.ledger.hold(external, user, request.amount);
            self.ledger.pending.insert(
                request.id,
                PendingTransfer {
                    id: request.id,
                    debit: EXTERNAL,
                    credit: request.owner,
                    asset: request.asset,
                    amount: request.amount,
                },
            );
            TransferState::Pending
        } else {
            self.ledger.transfer(external, user, request.amount);
            self.position_transfer(slot, request.asset, request.amount.raw(), true);
            TransferState::Posted
        };
        out.push(Event::Transfer(TransferEvent {
            id: request.id,
            kind: TransferKind::Deposit,
            owner: request.owner,
            asset: request.asset,
            amount: request.amount,
            state,
        }));
    }

    pub(crate) fn withdraw(&mut self, request: &TransferRequest, out: &mut Vec<Event>) {
        let checked = self
            .check_transfer(request)
            .and_then(|()| self.spendable(request.owner, request.asset, request.amount));
        let (slot, user) = match checked {
            Ok(found) => found,
            Err(code) => {
                return out.push(Event::Rejected(Rejection::transfer(
                    CommandKind::Withdraw,
                    code,
                    request,
                )));
            }
        };
        let external = self.ledger.system(request.asset).external;
        self.ledger
            .remember_transfer_id(request.id, self.limits.transfer_ids_retained_max);
        let state = if request.pending {
            self.ledger.hold(user, external, request.amount);
            self.ledger.pending.insert(
                request.id,
                PendingTransfer {
                    id: request.id,
                    debit: request.owner,
                    credit: EXTERNAL,
                    asset: request.asset,
                    amount: request.amount,
                },
            );
            TransferState::Pending
        } else {
            self.ledger.transfer(user, external, request.amount);
            self.position_transfer(slot, request.asset, request.amount.raw(), false);
            TransferState::Posted
        };
        out.push(Event::Transfer(TransferEvent {
            id: request.id,
            kind: TransferKind::Withdrawal,
            owner: request.owner,
            asset: request.asset,
            amount: request.amount,
            state,
        }));
    }

    pub(crate) fn settle_pending(
        &mut self,
        id: TransferId,
        post: Option<Option<Amount>>,
        out: &mut Vec<Event>,
    ) {
        let command = if post.is_some() {
            CommandKind::PostTransfer
        } else {
            CommandKind::VoidTransfer
        };
        let Some(pending) = self.ledger.pending.get(&id).copied() else {
            let mut rejection = Rejection::of(command, RejectCode::UnknownTransfer);
            rejection.transfer = Some(id);
            return out.push(Event::Rejected(rejection));
        };
        let posted = match post {
            Some(amount) => amount.unwrap_or(pending.amount),
            None => Amount::ZERO,
        };
        if post.is_some() && (posted.is_zero() || posted > pending.amount) {
            let mut rejection = Rejection::of(command, RejectCode::InvalidAmount);
            rejection.transfer = Some(id);
            return out.push(Event::Rejected(rejection));
        }
        self.ledger.pending.remove(&id);
        let debit = self.ledger.open(pending.debit, pending.asset);
        let credit = self.ledger.open(pending.credit, pending.asset);
        self.ledger.post_hold(debit, credit, posted);
        self.ledger.release_hold(
            debit,
            credit,
            Amount::from_raw(pending.amount.raw() - posted.raw()),
        );
        let (kind, owner) = if pending.debit == EXTERNAL {
            (TransferKind::Deposit, pending.credit)
        } else {
            (TransferKind::Withdrawal, pending.debit)
        };
        if post.is_some()
            && let Some(&slot) = self.owner_index.get(&owner)
        {
            let incoming = kind == TransferKind::Deposit;
            self.position_transfer(slot, pending.asset, posted.raw(), incoming);
        }
        let (amount, state) = match post {
            Some(_) => (posted, TransferState::Posted),
            None => (pending.amount, TransferState::Voided),
        };
        out.push(Event::Transfer(TransferEvent {
            id,
            kind,
            owner,
            asset: pending.asset,
            amount,
            state,
        }));
    }

    pub(crate) fn post_transfer(
        &mut self,
        id: TransferId,
        amount: Option<Amount>,
        out: &mut Vec<Event>,
    ) {
        self.settle_pending(id, Some(amount), out);
    }

    pub(crate) fn void_transfer(&mut self, id: TransferId, out: &mut Vec<Event>) {
        self.settle_pending(id, None, out);
    }

    /// Funds from one owner to another: refused unless `from` has `amount` available
    /// and may move money (not halted); `to` is created when new.
    pub(crate) fn internal_transfer(&mut self, request: &InternalTransfer, out: &mut Vec<Event>) {
        let checked = self.check_internal_transfer(request);
        let (from_slot, from_account, to_slot) = match checked {
            Ok(found) => found,
            Err(code) => {
                let mut rejection = Rejection::of(CommandKind::Transfer, code).owner(request.from);
                rejection.transfer = Some(request.id);
                return out.push(Event::Rejected(rejection));
            }
        };
        let to_account = self.open_owner_account(to_slot, request.asset);
        self.ledger
            .remember_transfer_id(request.id, self.limits.transfer_ids_retained_max);
        self.ledger
            .transfer(from_account, to_account, request.amount);
        self.position_transfer(from_slot, request.asset, request.amount.raw(), false);
        self.position_transfer(to_slot, request.asset, request.amount.raw(), true);
        out.push(Event::InternalTransfer(*request));
    }

    fn check_internal_transfer(
        &mut self,
        request: &InternalTransfer,
    ) -> Result<(u32, ledger::AccountIdx, u32), RejectCode> {
        if request.amount.is_zero() {
            return Err(RejectCode::InvalidAmount);
        }
        if usize::from(request.asset.0) >= self.assets.len() {
            return Err(RejectCode::UnknownAsset);
        }
        if ledger::is_system(request.from) || ledger::is_system(request.to) {
            return Err(RejectCode::ReservedAccount);
        }
        if request.from == request.to {
            return Err(RejectCode::SameAccount);
        }
        if self.ledger.transfer_id_known(request.id) {
            return Err(RejectCode::DuplicateTransferId);
        }
        let (from_slot, from_account) =
            self.spendable(request.from, request.asset, request.amount)?;
        let to_slot = match self.owner_slot(request.to) {
            Ok(slot) => slot,
            Err(RejectCode::UnknownAccount) => self.create_owner(request.to)?,
            Err(code) => return Err(code),
        };
        Ok((from_slot, from_account, to_slot))
    }
}
