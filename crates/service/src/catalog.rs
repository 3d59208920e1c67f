//! The assets and instruments the API knows by name, with the conversions between
//! decimal strings and the engine's integers.

use crate::error::{Code, Result, ServiceError};
use bourse_engine::Engine;
use bourse_types::{Amount, Asset, AssetId, Instrument, InstrumentId, Price, Qty, ValueError};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    assets: Vec<Asset>,
    instruments: Vec<Instrument>,
    by_symbol: HashMap<String, InstrumentId>,
    by_code: HashMap<String, AssetId>,
}

/// A value error naming the field.
pub fn value_error(field: &str, error: ValueError) -> ServiceError {
    ServiceError::value(field, error)
}

impl Catalog {
    pub fn from_engine(engine: &Engine) -> Catalog {
        let mut catalog = Catalog::default();
        for asset in engine.assets() {
            catalog.add_asset(*asset);
        }
        for instrument in engine.instruments() {
            catalog.add_instrument(*instrument);
        }
        catalog
    }

    pub fn add_asset(&mut self, asset: Asset) {
        if usize::from(asset.id.0) == self.assets.len() {
            self.by_code.insert(asset.code.to_string(), asset.id);
            self.assets.push(asset);
        }
    }

    pub fn add_instrument(&mut self, instrument: Instrument) {
        if instrument.id().0 as usize == self.instruments.len() {
            self.by_symbol
                .insert(instrument.symbol().to_string(), instrument.id());
            self.instruments.push(instrument);
        }
    }

    /// New trading rules of a listed instrument.
    pub fn update_instrument(&mut self, instrument: Instrument) {
        if let Some(slot) = self.instruments.get_mut(instrument.id().0 as usize) {
            *slot = instrument;
        }
    }

    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    pub fn instrument(&self, id: InstrumentId) -> Option<&Instrument> {
        self.instruments.get(id.0 as usize)
    }

    pub fn asset(&self, id: AssetId) -> Option<&Asset> {
        self.assets.get(usize::from(id.0))
    }

    /// An instrument by symbol (case-insensitive), or `UNKNOWN_SYMBOL`.
    pub fn symbol(&self, symbol: &str) -> Result<Instrument> {
        self.by_symbol
            .get(&symbol.to_ascii_uppercase())
            .and_then(|id| self.instrument(*id))
            .copied()
            .ok_or_else(|| {
                ServiceError::new(Code::UnknownSymbol, format!("no instrument {symbol:?}"))
            })
    }

    /// An asset by code (case-insensitive), or `UNKNOWN_ASSET`.
    pub fn code(&self, code: &str) -> Result<Asset> {
        self.by_code
            .get(&code.to_ascii_uppercase())
            .and_then(|id| self.asset(*id))
            .copied()
            .ok_or_else(|| {
                ServiceError::rejected(bourse_engine::RejectCode::UnknownAsset)
                    .with_message(format!("no asset {code:?}"))
            })
    }

    pub fn symbol_of(&self, id: InstrumentId) -> String {
        self.instrument(id)
            .map_or_else(|| id.to_string(), |i| i.symbol().to_string())
    }

    pub fn code_of(&self, id: AssetId) -> String {
        self.asset(id)
            .map_or_else(|| id.to_string(), |a| a.code.to_string())
    }

    pub fn amount(&self, asset: AssetId, raw: u64) -> String {
        self.asset(asset).map_or_else(
            || raw.to_string(),
            |a| a.format_amount(Amount::from_raw(raw)),
        )
    }

    pub fn price(&self, instrument: InstrumentId, raw: u64) -> String {
        self.instrument(instrument)
            .map_or_else(|| raw.to_string(), |i| i.format_price(Price::from_raw(raw)))
    }

    pub fn qty(&self, instrument: InstrumentId, raw: u64) -> String {
        self.instrument(instrument)
            .map_or_else(|| raw.to_string(), |i| i.format_qty(Qty::from_raw(raw)))
    }

    /// A quote-asset amount of an instrument.
    pub fn notional(&self, instrument: InstrumentId, raw: u64) -> String {
        self.instrument(instrument).map_or_else(
            || raw.to_string(),
            |i| i.format_notional(Amount::from_raw(raw)),
        )
    }
}

/// Parses a decimal price for an instrument; the engine checks the tick and band.
pub fn parse_price(instrument: &Instrument, field: &str, text: &str) -> Result<Price> {
    let raw = bourse_types::parse_decimal(text, instrument.price_scale())
        .map_err(|e| value_error(field, e))?;
    if raw == 0 {
        return Err(value_error(field, ValueError::Zero));
    }
    Ok(Price::from_raw(raw))
}

/// Parses a decimal quantity of an instrument's base asset; the engine checks the lot.
pub fn parse_qty(instrument: &Instrument, field: &str, text: &str) -> Result<Qty> {
    let raw = bourse_types::parse_decimal(text, instrument.base_scale())
        .map_err(|e| value_error(field, e))?;
    if raw == 0 {
        return Err(value_error(field, ValueError::Zero));
    }
    Ok(Qty::from_raw(raw))
}

/// Parses a positive decimal amount of an asset.
pub fn parse_amount(scale: u8, field: &str, text: &str) -> Result<Amount> {
    let raw = bourse_types::parse_decimal(text, scale).map_err(|e| value_error(field, e))?;
    if raw == 0 {
        return Err(value_error(field, ValueError::Zero));
    }
    Ok(Amount::from_raw(raw))
}

/// The average price of a fill: its value over its quantity, on the price scale,
/// rounded down. No floating point.
pub fn average_price(instrument: &Instrument, notional: u64, qty: u64) -> Option<Price> {
    if qty == 0 {
        return None;
    }
    let exponent = i32::from(instrument.price_scale()) + i32::from(instrument.base_scale())
        - i32::from(instrument.quote_scale());
    let scale = 10u128.checked_pow(u32::try_from(exponent).ok()?)?;
    let raw = u128::from(notional).checked_mul(scale)? / u128::from(qty);
    u64::try_from(raw).ok().map(Price::from_raw)
}
