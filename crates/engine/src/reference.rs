//! Reference data: listing assets and instruments, an instrument's status, the
//! engine's capacity limits.

use crate::command::EngineLimits;
use crate::engine::*;
use crate::event::{CommandKind, Event, RejectCode, Rejection};
use bourse_types::{
    Asset, AssetId, AssetSpec, Instrument, InstrumentId, InstrumentSpec, InstrumentStatus,
    MAX_SCALE,
};

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
        self.books
            .books
            .push(crate::book::Book::new(instrument.tick_size()));
        self.instruments.push(InstrumentState::new(
            instrument,
            InstrumentStatus::Trading,
            None,
        ));
        out.push(Event::InstrumentListed(instrument));
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
            self.cancel_instrument(instrument, out);
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
