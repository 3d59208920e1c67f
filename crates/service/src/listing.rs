//! Listing administration: new assets and instruments, and changes to an instrument's
//! trading rules. Each is a journaled command; the engine checks the rules (and refuses
//! a change that would leave open orders off the new grid).

use crate::Service;
use crate::actor::Actor;
use crate::error::{Result, ServiceError};
use crate::orders::rejection;
use bourse_engine::{Command, Event, InstrumentUpdate};
use bourse_store::Role;
use bourse_types::{
    Amount, Asset, AssetCode, AssetSpec, Instrument, InstrumentSpec, Price, Qty, parse_decimal,
};

/// A new instrument as a request gives it: values are decimal strings at the scales
/// they are in (prices at `price_scale`, quantities at the base asset's, the minimum
/// notional at the quote asset's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstrument {
    pub base: String,
    pub quote: String,
    pub price_scale: u8,
    pub tick_size: String,
    pub lot_size: String,
    pub min_qty: String,
    pub max_qty: String,
    pub min_notional: String,
    pub price_band_bps: u32,
    pub maker_fee_bps: u16,
    pub taker_fee_bps: u16,
    pub reference_price: Option<String>,
}

/// New trading rules for an instrument; what is `None` stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstrumentChanges {
    pub tick_size: Option<String>,
    pub lot_size: Option<String>,
    pub min_qty: Option<String>,
    pub max_qty: Option<String>,
    pub min_notional: Option<String>,
    pub price_band_bps: Option<u32>,
    pub maker_fee_bps: Option<u16>,
    pub taker_fee_bps: Option<u16>,
}

fn decimal(field: &str, text: &str, scale: u8) -> Result<u64> {
    parse_decimal(text, scale).map_err(|e| ServiceError::value(field, e))
}

impl Service {
    /// Lists a new asset (admin).
    pub async fn list_asset(&self, actor: &Actor, code: &str, scale: u8) -> Result<Asset> {
        actor.require_role(&[Role::Admin])?;
        let code = AssetCode::new(code).map_err(|e| {
            ServiceError::field(
                "code",
                format!("code: {e} (1 to 12 capital letters or digits)"),
            )
        })?;
        let released = self
            .execute(Command::ListAsset(AssetSpec { code, scale }))
            .await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        let asset = released
            .events
            .iter()
            .find_map(|e| match e {
                Event::AssetListed(a) => Some(*a),
                _ => None,
            })
            .ok_or_else(|| ServiceError::internal("a listing produced no asset"))?;
        tracing::info!(admin = actor.user_id, asset = %asset.code, "asset listed");
        Ok(asset)
    }

    /// Lists a new instrument (admin).
    pub async fn list_instrument(&self, actor: &Actor, spec: &NewInstrument) -> Result<Instrument> {
        actor.require_role(&[Role::Admin])?;
        let (base, quote) = {
            let catalog = self.catalog();
            (catalog.code(&spec.base)?, catalog.code(&spec.quote)?)
        };
        let price = |field: &str, text: &str| decimal(field, text, spec.price_scale);
        let spec = InstrumentSpec {
            base: base.id,
            quote: quote.id,
            price_scale: spec.price_scale,
            tick_size: Price::from_raw(price("tick_size", &spec.tick_size)?),
            lot_size: Qty::from_raw(decimal("lot_size", &spec.lot_size, base.scale)?),
            min_qty: Qty::from_raw(decimal("min_qty", &spec.min_qty, base.scale)?),
            max_qty: Qty::from_raw(decimal("max_qty", &spec.max_qty, base.scale)?),
            min_notional: Amount::from_raw(decimal(
                "min_notional",
                &spec.min_notional,
                quote.scale,
            )?),
            price_band_bps: spec.price_band_bps,
            maker_fee_bps: spec.maker_fee_bps,
            taker_fee_bps: spec.taker_fee_bps,
            reference_price: spec
                .reference_price
                .as_deref()
                .map(|p| price("reference_price", p).map(Price::from_raw))
                .transpose()?,
        };
        let released = self.execute(Command::ListInstrument(spec)).await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        let instrument = released
            .events
            .iter()
            .find_map(|e| match e {
                Event::InstrumentListed(i) => Some(**i),
                _ => None,
            })
            .ok_or_else(|| ServiceError::internal("a listing produced no instrument"))?;
        tracing::info!(admin = actor.user_id, symbol = %instrument.symbol(), "instrument listed");
        Ok(instrument)
    }

    /// Changes an instrument's trading rules (admin).
    pub async fn update_instrument(
        &self,
        actor: &Actor,
        symbol: &str,
        changes: &InstrumentChanges,
    ) -> Result<Instrument> {
        actor.require_role(&[Role::Admin])?;
        let instrument = self.catalog().symbol(symbol)?;
        let base_scale = instrument.base_scale();
        let qty = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|t| decimal(field, t, base_scale).map(Qty::from_raw))
                .transpose()
        };
        let update = InstrumentUpdate {
            tick_size: changes
                .tick_size
                .as_deref()
                .map(|t| decimal("tick_size", t, instrument.price_scale()).map(Price::from_raw))
                .transpose()?,
            lot_size: qty("lot_size", &changes.lot_size)?,
            min_qty: qty("min_qty", &changes.min_qty)?,
            max_qty: qty("max_qty", &changes.max_qty)?,
            min_notional: changes
                .min_notional
                .as_deref()
                .map(|t| decimal("min_notional", t, instrument.quote_scale()).map(Amount::from_raw))
                .transpose()?,
            price_band_bps: changes.price_band_bps,
            maker_fee_bps: changes.maker_fee_bps,
            taker_fee_bps: changes.taker_fee_bps,
        };
        if update == InstrumentUpdate::default() {
            return Err(ServiceError::validation("give at least one rule to change"));
        }
        let released = self
            .execute(Command::UpdateInstrument {
                instrument: instrument.id(),
                update,
            })
            .await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        let updated = released
            .events
            .iter()
            .find_map(|e| match e {
                Event::InstrumentUpdated(i) => Some(**i),
                _ => None,
            })
            .ok_or_else(|| ServiceError::internal("a change produced no instrument"))?;
        tracing::info!(admin = actor.user_id, symbol = %updated.symbol(), ?update, "instrument rules changed");
        Ok(updated)
    }
}
