//! Assets and instruments, with the trading rules an order must satisfy.

use crate::decimal::{MAX_SCALE, ValueError, parse_decimal};
use crate::{Amount, AssetCode, AssetId, InstrumentId, Price, Qty, Symbol};
use serde::{Deserialize, Serialize};

/// Basis points in one whole: fees and price bands are expressed in these.
pub const BPS_DENOMINATOR: u32 = 10_000;

/// What an operator asks for when listing an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetSpec {
    pub code: AssetCode,
    /// Decimal places of the asset's minor unit: balances are integers of `10^-scale`.
    pub scale: u8,
}

/// A listed asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub id: AssetId,
    pub code: AssetCode,
    pub scale: u8,
}

impl Asset {
    /// Parses a positive amount of this asset.
    pub fn parse_amount(&self, text: &str) -> Result<Amount, ValueError> {
        match parse_decimal(text, self.scale)? {
            0 => Err(ValueError::Zero),
            raw => Ok(Amount::from_raw(raw)),
        }
    }

    pub fn format_amount(&self, amount: Amount) -> String {
        amount.to_decimal(self.scale)
    }
}

/// Whether an instrument accepts orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstrumentStatus {
    /// Orders are accepted and matched.
    #[default]
    Trading,
    /// New orders and amendments are refused; cancels still work; resting orders stay.
    Halted,
    /// Every resting order was cancelled and nothing is accepted.
    Closed,
}

impl InstrumentStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            InstrumentStatus::Trading => "trading",
            InstrumentStatus::Halted => "halted",
            InstrumentStatus::Closed => "closed",
        }
    }
}

/// What an operator asks for when listing an instrument. Raw values are in the units
/// described in [`crate::Price`], [`crate::Qty`] and [`crate::Amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentSpec {
    pub base: AssetId,
    pub quote: AssetId,
    /// Decimal places of prices.
    pub price_scale: u8,
    pub tick_size: Price,
    pub lot_size: Qty,
    pub min_qty: Qty,
    pub max_qty: Qty,
    /// The smallest order value in minor units of the quote asset.
    pub min_notional: Amount,
    /// Limit prices must lie within this many basis points of the reference price.
    pub price_band_bps: u32,
    pub maker_fee_bps: u16,
    pub taker_fee_bps: u16,
    /// Used as the reference price until the first trade.
    pub reference_price: Option<Price>,
}

/// Why an instrument or asset specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("{0}")]
    Invalid(&'static str),
}

/// A listed instrument: a validated [`InstrumentSpec`] plus what follows from it. The
/// fields are private so that every `Instrument` satisfies the rules checked in
/// [`Instrument::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    id: InstrumentId,
    symbol: Symbol,
    spec: InstrumentSpec,
    base_scale: u8,
    quote_scale: u8,
    /// `price_raw * qty_raw / notional_divisor` is the notional in quote minor units.
    notional_divisor: u128,
    /// The same divisor when it fits in a `u64` (else zero), for the fast path.
    notional_divisor_u64: u64,
}

impl Instrument {
    /// Checks `spec` against its assets and derives the instrument.
    ///
    /// The key rule is exactness: the notional of one tick times one lot must be a whole
    /// number of quote minor units, so every valid (price, quantity) pair has an exact
    /// value and no trade ever rounds money.
    pub fn new(
        id: InstrumentId,
        spec: InstrumentSpec,
        base: &Asset,
        quote: &Asset,
    ) -> Result<Instrument, SpecError> {
        let invalid = |why| Err(SpecError::Invalid(why));
        if base.id != spec.base || quote.id != spec.quote {
            return invalid("assets do not match the specification");
        }
        if spec.base == spec.quote {
            return invalid("base and quote must differ");
        }
        if spec.price_scale > MAX_SCALE {
            return invalid("price scale is larger than 18");
        }
        if spec.tick_size.is_zero() || spec.lot_size.is_zero() {
            return invalid("tick size and lot size must be positive");
        }
        let lot = spec.lot_size.raw();
        if spec.min_qty.raw() < lot || !spec.min_qty.raw().is_multiple_of(lot) {
            return invalid("minimum quantity must be a positive multiple of the lot size");
        }
        if spec.max_qty < spec.min_qty || !spec.max_qty.raw().is_multiple_of(lot) {
            return invalid(
                "maximum quantity must be a multiple of the lot size, at least the minimum",
            );
        }
        if spec.price_band_bps == 0 || spec.price_band_bps > BPS_DENOMINATOR {
            return invalid("price band must be between 1 and 10000 basis points");
        }
        if u32::from(spec.maker_fee_bps) > BPS_DENOMINATOR
            || u32::from(spec.taker_fee_bps) > BPS_DENOMINATOR
        {
            return invalid("fees must be at most 10000 basis points");
        }
        let exponent = i32::from(spec.price_scale) + i32::from(base.scale) - i32::from(quote.scale);
        if !(0..=36).contains(&exponent) {
            return invalid("price scale plus base scale must be at least the quote scale");
        }
        let notional_divisor = 10u128.pow(exponent as u32);
        let tick_lot = u128::from(spec.tick_size.raw()) * u128::from(lot);
        if tick_lot % notional_divisor != 0 {
            return invalid("one tick times one lot must be a whole number of quote minor units");
        }
        if let Some(reference) = spec.reference_price
            && (reference.is_zero() || reference.raw() % spec.tick_size.raw() != 0)
        {
            return invalid("reference price must be a positive multiple of the tick size");
        }
        let instrument = Instrument {
            id,
            symbol: Symbol::from_pair(base.code, quote.code),
            spec,
            base_scale: base.scale,
            quote_scale: quote.scale,
            notional_divisor,
            notional_divisor_u64: u64::try_from(notional_divisor).unwrap_or(0),
        };
        Ok(instrument)
    }

    pub const fn id(&self) -> InstrumentId {
        self.id
    }
    pub const fn symbol(&self) -> Symbol {
        self.symbol
    }
    pub const fn spec(&self) -> &InstrumentSpec {
        &self.spec
    }
    pub const fn base(&self) -> AssetId {
        self.spec.base
    }
    pub const fn quote(&self) -> AssetId {
        self.spec.quote
    }
    pub const fn price_scale(&self) -> u8 {
        self.spec.price_scale
    }
    pub const fn base_scale(&self) -> u8 {
        self.base_scale
    }
    pub const fn quote_scale(&self) -> u8 {
        self.quote_scale
    }
    pub const fn tick_size(&self) -> Price {
        self.spec.tick_size
    }
    pub const fn lot_size(&self) -> Qty {
        self.spec.lot_size
    }
    pub const fn maker_fee_bps(&self) -> u16 {
        self.spec.maker_fee_bps
    }
    pub const fn taker_fee_bps(&self) -> u16 {
        self.spec.taker_fee_bps
    }
    /// The larger of the two fees: what a hold must cover, since a resting order may
    /// trade as maker or taker.
    pub fn max_fee_bps(&self) -> u16 {
        self.spec.maker_fee_bps.max(self.spec.taker_fee_bps)
    }

    /// The value of `qty` at `price` in quote minor units, exact by construction, or
    /// `None` if it does not fit in a `u64`.
    #[inline]
    pub fn notional(&self, price: Price, qty: Qty) -> Option<Amount> {
        // Most products fit in 64 bits, where division is several times cheaper.
        if self.notional_divisor_u64 != 0
            && let Some(product) = price.raw().checked_mul(qty.raw())
        {
            return Some(Amount::from_raw(product / self.notional_divisor_u64));
        }
        let product = u128::from(price.raw()) * u128::from(qty.raw());
        u64::try_from(product / self.notional_divisor)
            .ok()
            .map(Amount::from_raw)
    }

    /// The largest quantity, in whole lots, whose notional at `price` is at most
    /// `amount`.
    pub fn qty_for_notional(&self, price: Price, amount: Amount) -> Qty {
        let lot = u128::from(self.spec.lot_size.raw());
        let lot_value = u128::from(price.raw()) * lot / self.notional_divisor;
        if lot_value == 0 {
            return Qty::MAX;
        }
        let lots = u128::from(amount.raw()) / lot_value;
        let largest = u128::from(u64::MAX) / lot * lot;
        Qty::from_raw(u64::try_from((lots * lot).min(largest)).unwrap_or(0))
    }

    /// Checks that a price is positive and on the tick grid.
    pub fn check_price(&self, price: Price) -> Result<(), ValueError> {
        if price.is_zero() {
            return Err(ValueError::Zero);
        }
        if !price.raw().is_multiple_of(self.spec.tick_size.raw()) {
            return Err(ValueError::NotMultipleOfTick);
        }
        Ok(())
    }

    /// Checks that a quantity is positive and a whole number of lots.
    pub fn check_qty(&self, qty: Qty) -> Result<(), ValueError> {
        if qty.is_zero() {
            return Err(ValueError::Zero);
        }
        if !qty.raw().is_multiple_of(self.spec.lot_size.raw()) {
            return Err(ValueError::NotMultipleOfLot);
        }
        Ok(())
    }

    /// Parses a decimal price string and checks it against the tick size.
    pub fn parse_price(&self, text: &str) -> Result<Price, ValueError> {
        let price = Price::from_raw(parse_decimal(text, self.spec.price_scale)?);
        self.check_price(price)?;
        Ok(price)
    }

    /// Parses a decimal quantity string and checks it against the lot size.
    pub fn parse_qty(&self, text: &str) -> Result<Qty, ValueError> {
        let qty = Qty::from_raw(parse_decimal(text, self.base_scale)?);
        self.check_qty(qty)?;
        Ok(qty)
    }

    pub fn format_price(&self, price: Price) -> String {
        price.to_decimal(self.spec.price_scale)
    }

    pub fn format_qty(&self, qty: Qty) -> String {
        qty.to_decimal(self.base_scale)
    }

    pub fn format_notional(&self, amount: Amount) -> String {
        amount.to_decimal(self.quote_scale)
    }

    /// The lowest and highest limit prices allowed around `reference`, on the tick
    /// grid. The low bound is never below one tick.
    pub fn price_band(&self, reference: Price) -> (Price, Price) {
        let tick = u128::from(self.spec.tick_size.raw());
        let reference = u128::from(reference.raw());
        let bps = u128::from(self.spec.price_band_bps);
        let denominator = u128::from(BPS_DENOMINATOR);
        let low = (reference * (denominator - bps)).div_ceil(denominator);
        let low = low.div_ceil(tick) * tick;
        let high = reference * (denominator + bps) / denominator / tick * tick;
        let to_price = |raw: u128| Price::from_raw(u64::try_from(raw).unwrap_or(u64::MAX));
        (to_price(low.max(tick)), to_price(high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(id: u16, code: &str, scale: u8) -> Asset {
        Asset {
            id: AssetId(id),
            code: AssetCode::new(code).unwrap(),
            scale,
        }
    }

    fn btc_usd() -> InstrumentSpec {
        InstrumentSpec {
            base: AssetId(0),
            quote: AssetId(1),
            price_scale: 2,
            tick_size: Price::from_raw(1),
            lot_size: Qty::from_raw(10_000),
            min_qty: Qty::from_raw(10_000),
            max_qty: Qty::from_raw(100_000_000_000),
            min_notional: Amount::from_raw(1_000_000),
            price_band_bps: 1_000,
            maker_fee_bps: 10,
            taker_fee_bps: 20,
            reference_price: Some(Price::from_raw(5_000_000)),
        }
    }

    fn build(spec: InstrumentSpec) -> Result<Instrument, SpecError> {
        Instrument::new(
            InstrumentId(0),
            spec,
            &asset(0, "BTC", 8),
            &asset(1, "USD", 6),
        )
    }

    #[test]
    fn parses_and_values_orders_exactly() {
        let btc = build(btc_usd()).unwrap();
        assert_eq!(btc.symbol().as_str(), "BTC-USD");
        let price = btc.parse_price("50000.01").unwrap();
        let qty = btc.parse_qty("0.0003").unwrap();
        // 50000.01 * 0.0003 = 15.000003 USD = 15000003 micro-dollars.
        assert_eq!(btc.notional(price, qty), Some(Amount::from_raw(15_000_003)));
        assert_eq!(btc.parse_qty("0.00015"), Err(ValueError::NotMultipleOfLot));
        assert_eq!(btc.parse_qty("0"), Err(ValueError::Zero));
        assert_eq!(
            btc.parse_price("1.001"),
            Err(ValueError::TooManyDecimals { max: 2 })
        );
        assert_eq!(btc.parse_price("-1"), Err(ValueError::Negative));
    }

    #[test]
    fn tick_grid_is_enforced() {
        let mut spec = btc_usd();
        spec.tick_size = Price::from_raw(50);
        spec.reference_price = Some(Price::from_raw(5_000_000));
        let btc = build(spec).unwrap();
        assert_eq!(btc.parse_price("100.50"), Ok(Price::from_raw(10_050)));
        assert_eq!(
            btc.parse_price("100.25"),
            Err(ValueError::NotMultipleOfTick)
        );
    }

    #[test]
    fn refuses_inexact_or_inconsistent_specs() {
        let mut spec = btc_usd();
        spec.lot_size = Qty::from_raw(1); // 0.01 USD * 1 satoshi is not whole micro-dollars
        spec.min_qty = Qty::from_raw(1);
        assert!(build(spec).is_err());

        let mut spec = btc_usd();
        spec.min_qty = Qty::from_raw(15_000);
        assert!(build(spec).is_err());

        let mut spec = btc_usd();
        spec.max_qty = Qty::from_raw(0);
        assert!(build(spec).is_err());

        let mut spec = btc_usd();
        spec.price_band_bps = 0;
        assert!(build(spec).is_err());

        let mut spec = btc_usd();
        spec.taker_fee_bps = 10_001;
        assert!(build(spec).is_err());

        let mut spec = btc_usd();
        spec.quote = AssetId(0);
        assert!(build(spec).is_err());
    }

    #[test]
    fn price_band_is_on_the_tick_grid() {
        let mut spec = btc_usd();
        spec.tick_size = Price::from_raw(100);
        let btc = build(spec).unwrap();
        // 10% around 50000.00 is 45000.00 ..= 55000.00.
        let (low, high) = btc.price_band(Price::from_raw(5_000_000));
        assert_eq!((low.raw(), high.raw()), (4_500_000, 5_500_000));
        // Around 1.00 (100 raw) the band is 0.90..1.10, rounded inward to whole ticks of
        // 1.00, and never below one tick.
        let (low, high) = btc.price_band(Price::from_raw(100));
        assert_eq!((low.raw(), high.raw()), (100, 100));
    }

    #[test]
    fn quantity_for_a_budget_rounds_down_to_lots() {
        let btc = build(btc_usd()).unwrap();
        // At 50000.00, 20 USD buys 0.0004 BTC (0.0004 * 50000 = 20).
        let qty = btc.qty_for_notional(Price::from_raw(5_000_000), Amount::from_raw(20_000_000));
        assert_eq!(qty, Qty::from_raw(40_000));
        let qty = btc.qty_for_notional(Price::from_raw(5_000_000), Amount::from_raw(19_999_999));
        assert_eq!(qty, Qty::from_raw(30_000));
    }
}
