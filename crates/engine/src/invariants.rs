//! The invariants the engine keeps, checked after every command by the property tests
//! and after every restore.

use crate::engine::*;
use crate::ledger::{self, CLEARING};
use crate::risk::required_hold;
use bourse_types::{AssetId, InstrumentId, OrderId, OwnerId, Side};
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
                    let own = required_hold(instrument, side, order.price, order.leaves);
                    let needed = self.linked_hold(order.id, own);
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
        for c in self.conditionals.all() {
            let instrument = &self.instruments[c.instrument.0 as usize].instrument;
            let asset = if c.side == Side::Buy {
                instrument.quote()
            } else {
                instrument.base()
            };
            let needed = self.linked_hold(c.id, c.required(instrument));
            if needed != Some(c.held) {
                return Err(format!(
                    "conditional {}: holds {:?}, needs {:?}",
                    c.id, c.held, needed
                ));
            }
            if self.ledger.find(c.owner, asset) != Some(c.hold_account) {
                return Err(format!("conditional {}: holds on the wrong account", c.id));
            }
            *expected_debits.entry((c.owner, asset)).or_default() += u128::from(c.held.raw());
            *expected_credits.entry((CLEARING, asset)).or_default() += u128::from(c.held.raw());
        }
        self.check_links()?;
        self.check_positions()?;
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

    /// Pairs are symmetric, open, and rest at most one leg; counts agree.
    fn check_links(&self) -> Result<(), String> {
        let open =
            |id: OrderId| self.books.find(id).is_some() || self.conditionals.get(id).is_some();
        for (id, link) in &self.links {
            if !open(*id) {
                return Err(format!("{id}: linked but not open"));
            }
            let linked = self
                .books
                .find(*id)
                .is_none_or(|slot| self.books.order(slot).linked);
            if !linked {
                return Err(format!("{id}: rests unmarked as linked"));
            }
            if let Some(partner) = link.oco {
                if self.links.get(&partner).and_then(|l| l.oco) != Some(*id) {
                    return Err(format!("{id}: its pair with {partner} is one-sided"));
                }
                if self.books.find(*id).is_some() && self.books.find(partner).is_some() {
                    return Err(format!("{id} and {partner}: both legs rest"));
                }
            }
        }
        let mut counts = vec![0u32; self.owners.len()];
        for c in self.conditionals.all() {
            counts[c.owner_slot as usize] += 1;
        }
        for (slot, owner) in self.owners.iter().enumerate() {
            if owner.conditionals != counts[slot] {
                return Err(format!("{}: conditional order count is wrong", owner.id));
            }
        }
        Ok(())
    }

    /// Positions are sorted, and each instrument's holders are those with a position.
    fn check_positions(&self) -> Result<(), String> {
        for (slot, owner) in self.owners.iter().enumerate() {
            if !owner.positions.is_sorted_by_key(|p| p.instrument) {
                return Err(format!("{}: positions out of order", owner.id));
            }
            for p in &owner.positions {
                let Some(state) = self.instruments.get(p.instrument.0 as usize) else {
                    return Err(format!("{}: a position in an unknown instrument", owner.id));
                };
                if self.holders_kept && state.holders.contains(&(slot as u32)) == p.qty.is_zero() {
                    return Err(format!(
                        "{}: holder set disagrees at {}",
                        owner.id, p.instrument
                    ));
                }
                if p.qty.is_zero() && p.cost != 0 {
                    return Err(format!("{}: cost without a position", owner.id));
                }
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

    /// Rebuilds the expiry schedule from the open orders (after a restore).
    pub(crate) fn rebuild_expiries(&mut self) {
        let mut entries: Vec<_> = self
            .all_order_slots()
            .into_iter()
            .filter_map(|slot| {
                let order = self.books.order(slot);
                order.expire_at.map(|at| Reverse((at, order.id)))
            })
            .collect();
        entries.extend(
            self.conditionals
                .all()
                .into_iter()
                .filter_map(|c| c.expire_at.map(|at| Reverse((at, c.id)))),
        );
        self.expiries = entries.into();
    }
}
