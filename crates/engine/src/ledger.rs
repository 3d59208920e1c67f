//! The double-entry ledger, after TigerBeetle's model.
//!
//! Every account belongs to one (owner, asset) and keeps four running totals: posted
//! and pending debits and credits. Every movement is a transfer that adds the same
//! amount to one account's debits and another's credits of the same asset, so per asset
//! total debits always equal total credits. A pending transfer (a hold) reserves funds;
//! it is later posted, in part or whole, or voided.
//!
//! Three system owners exist per asset: `EXTERNAL` (the outside world: deposits are
//! debited to it, withdrawals credited), `FEES` (trading fees) and `CLEARING` (the
//! counterparty of every order hold; whatever is posted to it is paid out in the same
//! step, so its posted balance is always zero).
//!
//! The ledger checks nothing about user intent: the engine checks funds before it
//! calls an operation, and the operations assert what the engine guaranteed, because a
//! ledger that would go wrong must stop rather than corrupt money.

use bourse_types::{Amount, AssetId, OwnerId, TransferId};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Owner ids at or above this value are reserved for the engine.
pub const SYSTEM_OWNER_MIN: u64 = u64::MAX - 255;
/// The outside world: banks, chains, brokers.
pub const EXTERNAL: OwnerId = OwnerId(u64::MAX);
/// Where trading fees are collected.
pub const FEES: OwnerId = OwnerId(u64::MAX - 1);
/// The counterparty of every order hold.
pub const CLEARING: OwnerId = OwnerId(u64::MAX - 2);

pub(crate) type AccountIdx = u32;

pub(crate) fn is_system(owner: OwnerId) -> bool {
    owner.0 >= SYSTEM_OWNER_MIN
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub owner: OwnerId,
    pub asset: AssetId,
    pub debits_posted: u128,
    pub credits_posted: u128,
    pub debits_pending: u128,
    pub credits_pending: u128,
}

impl Account {
    fn new(owner: OwnerId, asset: AssetId) -> Account {
        Account {
            owner,
            asset,
            debits_posted: 0,
            credits_posted: 0,
            debits_pending: 0,
            credits_pending: 0,
        }
    }

    /// Posted credits minus posted and pending debits: what may be spent or held.
    /// Meaningful for user and fee accounts, whose debits never exceed their credits.
    pub fn available(&self) -> Amount {
        let free = self
            .credits_posted
            .checked_sub(self.debits_posted)
            .and_then(|v| v.checked_sub(self.debits_pending))
            .expect("ledger: a user account's debits exceed its credits");
        Amount::from_raw(u64::try_from(free).expect("ledger: a balance exceeds the asset's supply"))
    }

    /// Funds reserved by holds.
    pub fn held(&self) -> Amount {
        Amount::from_raw(u64::try_from(self.debits_pending).expect("ledger: held exceeds supply"))
    }
}

/// A deposit or withdrawal waiting to be posted or voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTransfer {
    pub id: TransferId,
    pub debit: OwnerId,
    pub credit: OwnerId,
    pub asset: AssetId,
    pub amount: Amount,
}

/// The system accounts of one asset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SystemAccounts {
    pub external: AccountIdx,
    pub fees: AccountIdx,
    pub clearing: AccountIdx,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    accounts: Vec<Account>,
    /// The sequence number of the command that last touched each account, so that a
    /// command reports each changed balance once.
    touched_at: Vec<u64>,
    index: FxHashMap<(OwnerId, AssetId), AccountIdx>,
    system: Vec<SystemAccounts>,
    pub(crate) pending: FxHashMap<TransferId, PendingTransfer>,
    /// Every transfer id still remembered, and the same ids oldest first.
    transfer_ids: FxHashSet<TransferId>,
    transfer_id_order: VecDeque<TransferId>,
    /// Accounts touched by the current command, in first-touch order.
    pub(crate) touched: Vec<AccountIdx>,
    current_seq: u64,
}

impl Ledger {
    pub(crate) fn begin_command(&mut self, seq: u64) {
        self.current_seq = seq;
        self.touched.clear();
    }

    pub(crate) fn account(&self, idx: AccountIdx) -> &Account {
        &self.accounts[idx as usize]
    }

    pub(crate) fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    pub(crate) fn find(&self, owner: OwnerId, asset: AssetId) -> Option<AccountIdx> {
        self.index.get(&(owner, asset)).copied()
    }

    /// The account of (owner, asset), created empty if missing.
    pub(crate) fn open(&mut self, owner: OwnerId, asset: AssetId) -> AccountIdx {
        if let Some(idx) = self.find(owner, asset) {
            return idx;
        }
        let idx =
            AccountIdx::try_from(self.accounts.len()).expect("ledger: account count fits u32");
        self.accounts.push(Account::new(owner, asset));
        self.touched_at.push(0);
        self.index.insert((owner, asset), idx);
        idx
    }

    /// Creates the system accounts of a newly listed asset.
    pub(crate) fn add_asset(&mut self, asset: AssetId) {
        assert_eq!(
            usize::from(asset.0),
            self.system.len(),
            "ledger: assets are listed in order"
        );
        let accounts = SystemAccounts {
            external: self.open(EXTERNAL, asset),
            fees: self.open(FEES, asset),
            clearing: self.open(CLEARING, asset),
        };
        self.system.push(accounts);
    }

    pub(crate) fn system(&self, asset: AssetId) -> SystemAccounts {
        self.system[usize::from(asset.0)]
    }

    #[inline]
    fn touch(&mut self, idx: AccountIdx) {
        let at = &mut self.touched_at[idx as usize];
        if *at != self.current_seq {
            *at = self.current_seq;
            self.touched.push(idx);
        }
    }

    #[inline]
    pub(crate) fn available(&self, idx: AccountIdx) -> Amount {
        self.accounts[idx as usize].available()
    }

    /// The asset's supply held outside the external account, which bounds every
    /// balance: a deposit that would push it past `u64::MAX` is refused, so balances
    /// always fit in an [`Amount`].
    pub(crate) fn supply_after(&self, asset: AssetId, extra: Amount) -> Option<u64> {
        let external = &self.accounts[self.system(asset).external as usize];
        let out = external.debits_posted + external.debits_pending;
        let back = external.credits_posted;
        let supply = out.checked_sub(back)?;
        u64::try_from(supply + u128::from(extra.raw())).ok()
    }

    /// Reserves `amount` on `debit` in favour of `credit`. The caller has checked that
    /// `debit` has it available (or is the external account).
    #[inline]
    pub(crate) fn hold(&mut self, debit: AccountIdx, credit: AccountIdx, amount: Amount) {
        if amount.is_zero() {
            return;
        }
        let a = u128::from(amount.raw());
        let d = &mut self.accounts[debit as usize];
        d.debits_pending += a;
        debug_assert!(is_system(d.owner) || d.debits_posted + d.debits_pending <= d.credits_posted);
        self.accounts[credit as usize].credits_pending += a;
        self.touch(debit);
        self.touch(credit);
    }

    /// Turns `amount` of an existing hold into a posted transfer.
    #[inline]
    pub(crate) fn post_hold(&mut self, debit: AccountIdx, credit: AccountIdx, amount: Amount) {
        if amount.is_zero() {
            return;
        }
        let a = u128::from(amount.raw());
        let d = &mut self.accounts[debit as usize];
        d.debits_pending = d
            .debits_pending
            .checked_sub(a)
            .expect("ledger: posting more than held");
        d.debits_posted += a;
        let c = &mut self.accounts[credit as usize];
        c.credits_pending = c
            .credits_pending
            .checked_sub(a)
            .expect("ledger: posting more than held");
        c.credits_posted += a;
        self.touch(debit);
        self.touch(credit);
    }

    /// Releases `amount` of an existing hold.
    #[inline]
    pub(crate) fn release_hold(&mut self, debit: AccountIdx, credit: AccountIdx, amount: Amount) {
        if amount.is_zero() {
            return;
        }
        let a = u128::from(amount.raw());
        let d = &mut self.accounts[debit as usize];
        d.debits_pending = d
            .debits_pending
            .checked_sub(a)
            .expect("ledger: releasing more than held");
        let c = &mut self.accounts[credit as usize];
        c.credits_pending = c
            .credits_pending
            .checked_sub(a)
            .expect("ledger: releasing more than held");
        self.touch(debit);
        self.touch(credit);
    }

    /// A posted transfer. The caller has checked that `debit` can pay it.
    #[inline]
    pub(crate) fn transfer(&mut self, debit: AccountIdx, credit: AccountIdx, amount: Amount) {
        if amount.is_zero() {
            return;
        }
        let a = u128::from(amount.raw());
        let d = &mut self.accounts[debit as usize];
        d.debits_posted += a;
        assert!(
            is_system(d.owner) || d.debits_posted + d.debits_pending <= d.credits_posted,
            "ledger: transfer overdraws {}",
            d.owner
        );
        self.accounts[credit as usize].credits_posted += a;
        self.touch(debit);
        self.touch(credit);
    }

    /// Whether a transfer id was used: it is pending, or still remembered.
    pub(crate) fn transfer_id_known(&self, id: TransferId) -> bool {
        self.pending.contains_key(&id) || self.transfer_ids.contains(&id)
    }

    /// Remembers a transfer id, forgetting the oldest beyond `retained_max`. A pending
    /// transfer stays known through `pending` even when its id is forgotten here.
    pub(crate) fn remember_transfer_id(&mut self, id: TransferId, retained_max: u32) {
        self.transfer_ids.insert(id);
        self.transfer_id_order.push_back(id);
        while self.transfer_id_order.len() > retained_max as usize {
            if let Some(oldest) = self.transfer_id_order.pop_front() {
                self.transfer_ids.remove(&oldest);
            }
        }
    }

    pub(crate) fn transfer_id_order(&self) -> impl Iterator<Item = TransferId> + '_ {
        self.transfer_id_order.iter().copied()
    }

    /// Rebuilds a ledger from a state image. The caller verifies the result.
    pub(crate) fn restore(
        accounts: Vec<Account>,
        assets: usize,
        pending: Vec<PendingTransfer>,
        transfer_ids: Vec<TransferId>,
    ) -> Ledger {
        let mut ledger = Ledger::default();
        for account in accounts {
            let idx = ledger.open(account.owner, account.asset);
            ledger.accounts[idx as usize] = account;
        }
        for asset in 0..assets {
            let asset = AssetId(u16::try_from(asset).expect("asset ids fit u16"));
            let accounts = SystemAccounts {
                external: ledger.open(EXTERNAL, asset),
                fees: ledger.open(FEES, asset),
                clearing: ledger.open(CLEARING, asset),
            };
            ledger.system.push(accounts);
        }
        ledger.pending = pending.into_iter().map(|p| (p.id, p)).collect();
        ledger.transfer_ids = transfer_ids.iter().copied().collect();
        ledger.transfer_id_order = transfer_ids.into();
        ledger
    }
}
