//! Reference data: listing assets and instruments, changing an instrument's rules and
//! status, the trading day, the engine's capacity limits.

use crate::book::Book;
use crate::command::{EngineLimits, InstrumentUpdate, OrderKind, TrailingOffset, Trigger};
use crate::engine::*;
use crate::event::{CommandKind, Event, RejectCode, Rejection};
use crate::risk::required_hold;
use bourse_types::{
    Amount, Asset, AssetId, AssetSpec, CancelReason, Instrument, InstrumentId, InstrumentSpec,
    InstrumentStatus, MAX_SCALE, OrderId, Side, Timestamp,
};

/// Seconds in a day: the trading day's start is below it.
pub const DAY_SECS: u32 = 86_400;

impl Engine {
    pub(crate) fn list_asset(&mut self, spec: &AssetSpec, out: &mut Vec<Event>) {
        let reject = |code| Event::Rejected(Rejection::of(CommandKind::ListAsset, code));
        if spec.scale > MAX_SCALE {
            return out.push(reject(RejectCode::InvalidSpec));
        }
        if self.asset_codes.contains_key(&spec.code) {
            return out.push(reject(RejectCode::DuplicateAsset));
        }
        if self.assets.len() >= self.limits.assets_max as usize
            || self.assets.len() > usize::from(u16::MAX)
        {
            return out.push(reject(RejectCode::CapacityExceeded));
        }
        let asset = Asset {
            id: AssetId(self.assets.len() as u16),
            code: spec.code,
            scale: spec.scale,
        };
        self.assets.push(asset);
        self.asset_codes.insert(asset.code, asset.id);
        self.ledger.add_asset(asset.id);
        out.push(Event::AssetListed(asset));
    }

    pub(crate) fn list_instrument(&mut self, spec: &InstrumentSpec, out: &mut Vec<Event>) {
        let reject = |code| Event::Rejected(Rejection::of(CommandKind::ListInstrument, code));
        let (Some(base), Some(quote)) = (
            self.assets.get(usize::from(spec.base.0)),
            self.assets.get(usize::from(spec.quote.0)),
        ) else {
            return out.push(reject(RejectCode::UnknownAsset));
        };
        if self.instruments.len() >= self.limits.instruments_max as usize {
            return out.push(reject(RejectCode::CapacityExceeded));
        }
        let id = InstrumentId(self.instruments.len() as u32);
        let Ok(instrument) = Instrument::new(id, *spec, base, quote) else {
            return out.push(reject(RejectCode::InvalidSpec));
        };
        if self.symbols.contains_key(&instrument.symbol()) {
            return out.push(reject(RejectCode::DuplicateInstrument));
        }
        self.symbols.insert(instrument.symbol(), id);
        self.books.books.push(Book::new(instrument.tick_size()));
        let mut state = InstrumentState::new(instrument, InstrumentStatus::Trading, None);
        // The day's PnL of a position in it starts from its reference price (an engine
        // that keeps no positions yet starts days when it starts them).
        if self.positions_live {
            state.day_open = state.reference();
        }
        self.instruments.push(state);
        self.conditionals.add_instrument();
        out.push(Event::InstrumentListed(Box::new(instrument)));
    }

    pub(crate) fn set_instrument_status(
        &mut self,
        instrument: InstrumentId,
        status: InstrumentStatus,
        out: &mut Vec<Event>,
    ) {
        if self.instruments.get(instrument.0 as usize).is_none() {
            let rejection = Rejection::of(
                CommandKind::SetInstrumentStatus,
                RejectCode::UnknownInstrument,
            );
            return out.push(Event::Rejected(rejection));
        }
        if status == InstrumentStatus::Closed {
            self.cancel_instrument(instrument, CancelReason::Admin, out);
        }
        self.instruments[instrument.0 as usize].status = status;
        out.push(Event::InstrumentStatusChanged { instrument, status });
    }

    pub(crate) fn set_limits(&mut self, limits: &EngineLimits, out: &mut Vec<Event>) {
        let values = [
            limits.assets_max,
            limits.instruments_max,
            limits.owners_max,
            limits.orders_open_max,
            limits.orders_open_per_owner_max,
            limits.client_order_ids_retained_max,
            limits.transfer_ids_retained_max,
            limits.transfers_pending_max,
        ];
        if values.contains(&0) {
            let rejection = Rejection::of(CommandKind::SetLimits, RejectCode::InvalidSpec);
            return out.push(Event::Rejected(rejection));
        }
        self.limits = *limits;
        out.push(Event::LimitsChanged(*limits));
    }
}

impl Engine {
    pub(crate) fn set_trading_day(&mut self, start_secs: u32, out: &mut Vec<Event>) {
        if start_secs >= DAY_SECS {
            let rejection = Rejection::of(CommandKind::SetTradingDay, RejectCode::InvalidSpec);
            return out.push(Event::Rejected(rejection));
        }
        self.trading_day_start = start_secs;
        // DAY orders already open keep the expiry they were given.
        self.day_ends = Timestamp(0);
        self.roll_day();
        out.push(Event::TradingDayChanged { start_secs });
    }

    /// New trading rules for an instrument. Refused when a resting or conditional
    /// order would be left off the new tick or lot grid. A fee change moves the holds
    /// of the instrument's open buys to what they now need; a buy whose owner cannot
    /// cover more is cancelled (reason `ADMIN`).
    pub(crate) fn update_instrument(
        &mut self,
        id: InstrumentId,
        update: &InstrumentUpdate,
        out: &mut Vec<Event>,
    ) {
        let reject = |code| Event::Rejected(Rejection::of(CommandKind::UpdateInstrument, code));
        let Some(state) = self.instruments.get(id.0 as usize) else {
            return out.push(reject(RejectCode::UnknownInstrument));
        };
        let old = state.instrument;
        let mut spec: InstrumentSpec = *old.spec();
        if let Some(v) = update.tick_size {
            spec.tick_size = v;
        }
        if let Some(v) = update.lot_size {
            spec.lot_size = v;
        }
        if let Some(v) = update.min_qty {
            spec.min_qty = v;
        }
        if let Some(v) = update.max_qty {
            spec.max_qty = v;
        }
        if let Some(v) = update.min_notional {
            spec.min_notional = v;
        }
        if let Some(v) = update.price_band_bps {
            spec.price_band_bps = v;
        }
        if let Some(v) = update.maker_fee_bps {
            spec.maker_fee_bps = v;
        }
        if let Some(v) = update.taker_fee_bps {
            spec.taker_fee_bps = v;
        }
        let base = self.assets[usize::from(old.base().0)];
        let quote = self.assets[usize::from(old.quote().0)];
        let Ok(new) = Instrument::new(id, spec, &base, &quote) else {
            return out.push(reject(RejectCode::InvalidSpec));
        };
        if self.would_strand(id, &new) {
            return out.push(reject(RejectCode::WouldStrandOrders));
        }
        let state = &mut self.instruments[id.0 as usize];
        state.instrument = new;
        state.update_band();
        if new.tick_size() != old.tick_size() {
            self.rebuild_book(id);
        }
        out.push(Event::InstrumentUpdated(Box::new(new)));
        if new.max_fee_bps() != old.max_fee_bps() {
            self.rehold_buys(id, out);
        }
    }

    /// Whether an open order of the instrument is off the new instrument's grid.
    fn would_strand(&self, id: InstrumentId, new: &Instrument) -> bool {
        let on_grid = |price: bourse_types::Price| new.check_price(price).is_ok();
        let on_lot = |qty: bourse_types::Qty| new.check_qty(qty).is_ok();
        for side in [Side::Buy, Side::Sell] {
            for slot in self.books.side_orders(id, side) {
                let o = self.books.order(slot);
                if !on_grid(o.price) || !on_lot(o.leaves) {
                    return true;
                }
            }
        }
        self.conditionals.of_instrument(id).into_iter().any(|c| {
            let kind_ok = match c.kind {
                OrderKind::Limit { price, qty } => on_grid(price) && on_lot(qty),
                OrderKind::Market { qty } => on_lot(qty),
                OrderKind::MarketBudget { .. } => true,
            };
            let trigger_ok = match c.trigger {
                Trigger::Stop { .. } | Trigger::TakeProfit { .. } => on_grid(c.trigger_price),
                Trigger::TrailingStop { offset } => match offset {
                    TrailingOffset::Price(d) => on_grid(d),
                    TrailingOffset::Bps(_) => true,
                },
            };
            !kind_ok || !trigger_ok
        })
    }

    /// Puts an instrument's resting orders into a book of its new tick, each level's
    /// queue in the order it had.
    fn rebuild_book(&mut self, id: InstrumentId) {
        let mut orders = Vec::new();
        for side in [Side::Buy, Side::Sell] {
            for slot in self.books.side_orders(id, side) {
                orders.push(self.books.remove(slot));
            }
        }
        let tick = self.instruments[id.0 as usize].instrument.tick_size();
        self.books.books[id.0 as usize] = Book::new(tick);
        for order in orders {
            self.books.insert(order);
        }
        // The owner lists are in id order; re-inserting appended at their tails.
        let mut slots: Vec<(OrderId, u32)> = self
            .all_order_slots()
            .into_iter()
            .map(|slot| (self.books.order(slot).id, slot))
            .collect();
        slots.sort_unstable();
        self.books
            .relink_owner_lists(slots.into_iter().map(|(_, slot)| slot));
    }

    /// Moves the holds of an instrument's open buys to what the new fees need.
    fn rehold_buys(&mut self, id: InstrumentId, out: &mut Vec<Event>) {
        let instrument = self.instruments[id.0 as usize].instrument;
        let clearing = self.ledger.system(instrument.quote()).clearing;
        let mut short: Vec<OrderId> = Vec::new();
        for slot in self.books.side_orders(id, Side::Buy) {
            let o = self.books.order(slot);
            let (order_id, account, held) = (o.id, o.hold_account, o.held);
            let own = required_hold(&instrument, Side::Buy, o.price, o.leaves);
            let Some(need) = self.linked_hold(order_id, own) else {
                short.push(order_id);
                continue;
            };
            if need > held && self.ledger.available(account).raw() < need.raw() - held.raw() {
                short.push(order_id);
                continue;
            }
            self.adjust_hold(account, clearing, held, need);
            self.books.order_mut(slot).held = need;
        }
        let conditional: Vec<(OrderId, crate::ledger::AccountIdx, Amount)> = self
            .conditionals
            .of_instrument(id)
            .into_iter()
            .filter(|c| c.side == Side::Buy)
            .map(|c| (c.id, c.hold_account, c.held))
            .collect();
        for (order_id, account, held) in conditional {
            let own = self
                .conditionals
                .get(order_id)
                .and_then(|c| c.required(&instrument));
            let Some(need) = self.linked_hold(order_id, own) else {
                short.push(order_id);
                continue;
            };
            if need > held && self.ledger.available(account).raw() < need.raw() - held.raw() {
                short.push(order_id);
                continue;
            }
            self.adjust_hold(account, clearing, held, need);
            let qty = self.conditionals.get(order_id).map(|c| c.qty());
            if let Some(qty) = qty {
                self.conditionals.resize(order_id, qty, need);
            }
        }
        for order_id in short {
            self.cancel_open(order_id, CancelReason::Admin, out);
        }
    }
}
