//! The invariants the engine keeps, checked after every command by the property tests
//! and after every restore.

use crate::engine::*;
use crate::ledger::{self, CLEARING};
use crate::risk::required_hold;
use bourse_types::{AssetId, InstrumentId, OwnerId, Side};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;

impl Engine {
    /// Checks every invariant of the state; returns the first one broken. Property tests
    /// call it after every command.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.books.check()?;
        let accounts = self.ledger.accounts();
        for asset in &self.assets {
            let (mut dp, mut cp, mut dq, mut cq) = (0u128, 0u128, 0u128, 0u128);
            for account in accounts.iter().filter(|a| a.asset == asset.id) {
                dp += account.debits_posted;
                cp += account.credits_posted;
                dq += account.debits_pending;
                cq += account.credits_pending;
            }
            if dp != cp || dq != cq {
                return Err(format!("{}: debits and credits differ", asset.code));
            }
            let clearing = self.ledger.account(self.ledger.system(asset.id).clearing);
            if clearing.debits_posted != clearing.credits_posted || clearing.debits_pending != 0 {
                return Err(format!("{}: clearing holds a posted balance", asset.code));
            }
        }
        // Every pending amount is explained by an open order's hold or a pending transfer.
        let mut expected_debits: FxHashMap<(OwnerId, AssetId), u128> = FxHashMap::default();
        let mut expected_credits: FxHashMap<(OwnerId, AssetId), u128> = FxHashMap::default();
        for state in &self.instruments {
            let instrument = &state.instrument;
            for side in [Side::Buy, Side::Sell] {
                for slot in self.books.side_orders(instrument.id(), side) {
                    let order = self.books.order(slot);
                    let asset = if side == Side::Buy {
                        instrument.quote()
                    } else {
                        instrument.base()
                    };
                    let needed = required_hold(instrument, side, order.price, order.leaves);
                    if needed != Some(order.held) {
                        return Err(format!(
                            "{}: holds {:?}, needs {:?}",
                            order.id, order.held, needed
                        ));
                    }
                    if self.ledger.find(order.owner, asset) != Some(order.hold_account) {
                        return Err(format!("{}: holds on the wrong account", order.id));
                    }
                    *expected_debits.entry((order.owner, asset)).or_default() +=
                        u128::from(order.held.raw());
                    *expected_credits.entry((CLEARING, asset)).or_default() +=
                        u128::from(order.held.raw());
                }
            }
        }
        for pending in self.ledger.pending.values() {
            let amount = u128::from(pending.amount.raw());
            *expected_debits
                .entry((pending.debit, pending.asset))
                .or_default() += amount;
            *expected_credits
                .entry((pending.credit, pending.asset))
                .or_default() += amount;
        }
        for account in accounts {
            let key = (account.owner, account.asset);
            let debits = expected_debits.get(&key).copied().unwrap_or(0);
            let credits = expected_credits.get(&key).copied().unwrap_or(0);
            if account.debits_pending != debits || account.credits_pending != credits {
                return Err(format!(
                    "{} {:?}: pending {}/{} but open orders and transfers explain {}/{}",
                    account.owner,
                    account.asset,
                    account.debits_pending,
                    account.credits_pending,
                    debits,
                    credits
                ));
            }
            if !ledger::is_system(account.owner) || account.owner == ledger::FEES {
                let spent = account.debits_posted + account.debits_pending;
                if spent > account.credits_posted {
                    return Err(format!(
                        "{} {:?}: available balance is negative",
                        account.owner, account.asset
                    ));
                }
            }
        }
        for slot in self.all_order_slots() {
            let order = self.books.order(slot);
            if let Some(client_id) = order.client_order_id
                && self.client_ids.get(&(order.owner, client_id)) != Some(&order.id)
            {
                return Err(format!("{}: client order id not indexed", order.id));
            }
        }
        Ok(())
    }

    pub(crate) fn all_order_slots(&self) -> Vec<u32> {
        let mut slots = Vec::new();
        for i in 0..self.instruments.len() {
            for side in [Side::Buy, Side::Sell] {
                slots.extend(self.books.side_orders(InstrumentId(i as u32), side));
            }
        }
        slots
    }

    /// Rebuilds the expiry schedule from the resting orders (after a restore).
    pub(crate) fn rebuild_expiries(&mut self) {
        let entries: Vec<_> = self
            .all_order_slots()
            .into_iter()
            .filter_map(|slot| {
                let order = self.books.order(slot);
                order.expire_at.map(|at| Reverse((at, order.id)))
            })
            .collect();
        self.expiries = entries.into();
    }
}
