//! The kill switch and the panic button.
//!
//! A halt covers an account, an instrument or the whole venue. Throwing it cancels
//! every order in its scope, resting and conditional (reason `HALTED`), and refuses new
//! orders and amendments (`ACCOUNT_HALTED`, `INSTRUMENT_HALTED`, `VENUE_HALTED`) until
//! it is released; cancels are always accepted. An account halt also refuses
//! withdrawals, as `SetAccountHalted` does. Every halt keeps who threw it, why and
//! since when; releasing it is recorded the same way.
//!
//! A panic is an owner's own: every order cancelled (reason `PANIC`), and with
//! `flatten`, every position sold at market (immediate or cancel, reduce-only) for what
//! the owner holds of it, rounded down to the lot and capped at the instrument's
//! largest order. Positions that cannot be sold now are named in the event with the
//! code that refused them.

use crate::command::{HaltScope, NewOrder, OrderKind, Reason};
use crate::engine::{Engine, HaltInfo};
use crate::event::{CommandKind, Event, RejectCode, Rejection};
use crate::matching::Announce;
use bourse_types::{CancelReason, InstrumentStatus, OwnerId, Qty, Side, StpMode, TimeInForce};

impl Engine {
    pub(crate) fn halt(
        &mut self,
        scope: HaltScope,
        halted: bool,
        by: OwnerId,
        reason: &Reason,
        out: &mut Vec<Event>,
    ) {
        let reject = |code| {
            let mut rejection = Rejection::of(CommandKind::Halt, code);
            if let HaltScope::Account(owner) = scope {
                rejection.owner = Some(owner);
            }
            Event::Rejected(rejection)
        };
        let owner_slot = match scope {
            HaltScope::Account(owner) => match self.owner_slot(owner) {
                Ok(slot) => Some(slot),
                Err(code) => return out.push(reject(code)),
            },
            HaltScope::Instrument(instrument) => {
                match self.instruments.get(instrument.0 as usize) {
                    None => return out.push(reject(RejectCode::UnknownInstrument)),
                    Some(state) if state.status == InstrumentStatus::Closed => {
                        return out.push(reject(RejectCode::InstrumentClosed));
                    }
                    Some(_) => None,
                }
            }
            HaltScope::Venue => None,
        };
        if halted {
            self.halts.insert(
                scope,
                HaltInfo {
                    by,
                    reason: reason.clone(),
                    since: self.now,
                },
            );
        } else {
            self.halts.remove(&scope);
        }
        out.push(Event::HaltChanged {
            scope,
            halted,
            by,
            reason: reason.clone(),
        });
        match scope {
            HaltScope::Account(_) => {
                let slot = owner_slot.expect("an account scope has a slot");
                self.owners[slot as usize].halted = halted;
                if halted {
                    self.cancel_owner(slot, None, CancelReason::Halted, out);
                }
            }
            HaltScope::Instrument(instrument) => {
                self.instruments[instrument.0 as usize].status = if halted {
                    InstrumentStatus::Halted
                } else {
                    InstrumentStatus::Trading
                };
                if halted {
                    self.cancel_instrument(instrument, CancelReason::Halted, out);
                }
            }
            HaltScope::Venue => {
                if halted {
                    for i in 0..self.instruments.len() {
                        self.cancel_instrument(
                            bourse_types::InstrumentId(i as u32),
                            CancelReason::Halted,
                            out,
                        );
                    }
                }
            }
        }
    }

    pub(crate) fn panic(&mut self, owner: OwnerId, flatten: bool, out: &mut Vec<Event>) {
        let slot = match self.owner_slot(owner) {
            Ok(slot) => slot,
            Err(code) => {
                let rejection = Rejection::of(CommandKind::Panic, code).owner(owner);
                return out.push(Event::Rejected(rejection));
            }
        };
        self.cancel_owner(slot, None, CancelReason::Panic, out);
        // Linked orders go before anything is sold, so the sells see the funds free.
        self.settle_links(out);
        let mut unflattened = Vec::new();
        if flatten {
            let positions: Vec<_> = self.owners[slot as usize]
                .positions
                .iter()
                .filter(|p| !p.qty.is_zero())
                .map(|p| (p.instrument, p.qty))
                .collect();
            for (instrument_id, qty) in positions {
                let state = &self.instruments[instrument_id.0 as usize];
                let instrument = state.instrument;
                let available = self
                    .owner_account(slot, instrument.base())
                    .map_or(0, |a| self.ledger.available(a).raw());
                let lot = instrument.lot_size().raw();
                let sell = qty
                    .raw()
                    .min(available)
                    .min(instrument.spec().max_qty.raw());
                let sell = Qty::from_raw(sell / lot * lot);
                if sell.is_zero() || sell < instrument.spec().min_qty {
                    unflattened.push((instrument_id, RejectCode::QuantityBelowMin));
                    continue;
                }
                let order = NewOrder {
                    reduce_only: true,
                    ..NewOrder::plain(
                        owner,
                        instrument_id,
                        Side::Sell,
                        OrderKind::Market { qty: sell },
                        TimeInForce::Ioc,
                        false,
                        StpMode::CancelNewest,
                        None,
                        None,
                    )
                };
                match self.check_place(&order) {
                    Ok(plan) => {
                        let id = self.new_order_id();
                        self.run_order(&order, id, &plan, Announce::New, out);
                    }
                    Err((code, _)) => unflattened.push((instrument_id, code)),
                }
            }
        }
        out.push(Event::Panicked {
            owner,
            flatten,
            unflattened,
        });
    }

    /// The halts in force, by scope.
    pub fn halts(&self) -> impl Iterator<Item = (&HaltScope, &HaltInfo)> {
        self.halts.iter()
    }
}
