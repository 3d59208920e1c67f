//! Orders: place, amend, cancel, cancel all, and read them back.
//!
//! Commands go through the engine and answer once durable. Reads of open and
//! recently ended orders come from the live view; the history comes from the read
//! models.

use crate::Service;
use crate::actor::Actor;
use crate::catalog::{Catalog, parse_amount, parse_price, parse_qty};
use crate::error::{Code, Detail, Result, ServiceError};
use bourse_engine::{
    Attached, Command, Conditions, Event, NewOrder, OrderKind, OrderRecord, OrderRef, RejectCode,
    TrailingOffset, Trigger,
};
use bourse_journal::Released;
use bourse_store::{OrderFilter, Page};
use bourse_types::{
    Amount, ClientOrderId, OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp,
    TradeId,
};

/// What kind of order a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    Limit,
    Market,
    /// A market order once the price falls (a sell) or rises (a buy) to the trigger.
    StopMarket,
    /// A limit order once the price falls (a sell) or rises (a buy) to the trigger.
    StopLimit,
    /// A market order once the price rises (a sell) or falls (a buy) to the trigger.
    TakeProfitMarket,
    /// A limit order once the price rises (a sell) or falls (a buy) to the trigger.
    TakeProfitLimit,
    /// A stop-market order whose stop follows the best price reached.
    TrailingStop,
}

impl OrderType {
    /// Whether the order has a limit price (else it trades at market).
    pub const fn is_limit(self) -> bool {
        matches!(
            self,
            OrderType::Limit | OrderType::StopLimit | OrderType::TakeProfitLimit
        )
    }

    /// Whether the order waits for a trigger.
    pub const fn is_conditional(self) -> bool {
        !matches!(self, OrderType::Limit | OrderType::Market)
    }

    /// The type an order record has, from its kind and trigger.
    pub fn of(record: &OrderRecord) -> OrderType {
        let limit = matches!(record.kind, OrderKind::Limit { .. });
        match (record.trigger, limit) {
            (None, true) => OrderType::Limit,
            (None, false) => OrderType::Market,
            (Some(Trigger::Stop { .. }), true) => OrderType::StopLimit,
            (Some(Trigger::Stop { .. }), false) => OrderType::StopMarket,
            (Some(Trigger::TakeProfit { .. }), true) => OrderType::TakeProfitLimit,
            (Some(Trigger::TakeProfit { .. }), false) => OrderType::TakeProfitMarket,
            (Some(Trigger::TrailingStop { .. }), _) => OrderType::TrailingStop,
        }
    }
}

/// A placement as a client asks for it; values are decimal strings, checked here
/// against the instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceOrder {
    pub symbol: String,
    pub side: Side,
    pub order_type: OrderType,
    /// Required for limit orders.
    pub price: Option<String>,
    /// Required, except for a market buy that gives `quote_amount`.
    pub quantity: Option<String>,
    /// A market buy may spend a quote amount (fees included) instead.
    pub quote_amount: Option<String>,
    /// GTC for limit orders and IOC for market orders by default.
    pub time_in_force: Option<TimeInForce>,
    pub post_only: bool,
    pub client_order_id: Option<String>,
    pub stp: Option<StpMode>,
    /// For GTD: milliseconds since the Unix epoch.
    pub expire_at_ms: Option<u64>,
    /// The last price that fires a stop or take-profit order.
    pub trigger_price: Option<String>,
    /// A trailing stop's distance from the best price, as a price...
    pub trailing_offset: Option<String>,
    /// ...or in basis points of it.
    pub trailing_bps: Option<u32>,
    /// Refuse the order unless it reduces a position.
    pub reduce_only: bool,
    /// A bracket: the stop-loss trigger and take-profit limit price protecting what
    /// this order fills.
    pub stop_loss: Option<String>,
    pub take_profit: Option<String>,
}

/// A one-cancels-the-other pair as placed, each leg with the fills it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOco {
    pub first: PlacedOrder,
    pub second: PlacedOrder,
}

/// Which side of a trade an order was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liquidity {
    Maker,
    Taker,
}

impl Liquidity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Liquidity::Maker => "maker",
            Liquidity::Taker => "taker",
        }
    }
}

/// One fill of an order, from the command that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub trade_id: TradeId,
    pub price: Price,
    pub qty: Qty,
    pub fee: Amount,
    pub liquidity: Liquidity,
}

/// An order as a placement or amendment left it, with the fills that command made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub order: OrderRecord,
    pub fills: Vec<Fill>,
}

/// Which orders a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrderStatusFilter {
    Open,
    Closed,
    #[default]
    All,
}

/// A page of orders and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderList {
    pub orders: Vec<OrderRecord>,
    pub total: u64,
}

/// Turns a request into an engine order, checking its form; the engine checks the
/// trading rules.
fn new_order(catalog: &Catalog, owner: u64, request: &PlaceOrder) -> Result<NewOrder> {
    let instrument = catalog.symbol(&request.symbol)?;
    let conditional = request.order_type.is_conditional();
    let kind = match request.order_type {
        _ if request.order_type.is_limit() => {
            if request.quote_amount.is_some() {
                return Err(ServiceError::field(
                    "quote_amount",
                    "quote_amount is for market buys only",
                ));
            }
            let price = request
                .price
                .as_deref()
                .ok_or_else(|| ServiceError::field("price", "a limit order needs a price"))?;
            let qty = request
                .quantity
                .as_deref()
                .ok_or_else(|| ServiceError::field("quantity", "a limit order needs a quantity"))?;
            OrderKind::Limit {
                price: parse_price(&instrument, "price", price)?,
                qty: parse_qty(&instrument, "quantity", qty)?,
            }
        }
        _ => {
            if request.price.is_some() {
                return Err(ServiceError::field("price", "a market order has no price"));
            }
            match (&request.quantity, &request.quote_amount) {
                (_, Some(_)) if conditional => {
                    return Err(ServiceError::field(
                        "quote_amount",
                        "a conditional order gives a quantity, not quote_amount",
                    ));
                }
                (Some(qty), None) => OrderKind::Market {
                    qty: parse_qty(&instrument, "quantity", qty)?,
                },
                (None, Some(quote)) => {
                    if request.side != Side::Buy {
                        return Err(ServiceError::field(
                            "quote_amount",
                            "only a market buy may give quote_amount",
                        ));
                    }
                    OrderKind::MarketBudget {
                        quote: parse_amount(instrument.quote_scale(), "quote_amount", quote)?,
                    }
                }
                _ => {
                    return Err(ServiceError::field(
                        "quantity",
                        "a market order gives either quantity or quote_amount",
                    ));
                }
            }
        }
    };
    let tif = match request.time_in_force {
        Some(tif) => tif,
        None if matches!(kind, OrderKind::Limit { .. }) => TimeInForce::Gtc,
        None => TimeInForce::Ioc,
    };
    let client_order_id = request
        .client_order_id
        .as_deref()
        .map(|c| {
            ClientOrderId::new(c).map_err(|e| {
                ServiceError::field(
                    "client_order_id",
                    format!("client_order_id: {e} (1 to 36 of letters, digits and `._:-`)"),
                )
            })
        })
        .transpose()?;
    let price_of = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|p| parse_price(&instrument, field, p))
            .transpose()
    };
    let trigger_price = price_of("trigger_price", &request.trigger_price)?;
    let trailing_offset = price_of("trailing_offset", &request.trailing_offset)?;
    let trigger = match request.order_type {
        OrderType::StopMarket | OrderType::StopLimit => Some(Trigger::Stop {
            price: trigger_price.ok_or_else(|| {
                ServiceError::field("trigger_price", "a stop order needs a trigger_price")
            })?,
        }),
        OrderType::TakeProfitMarket | OrderType::TakeProfitLimit => Some(Trigger::TakeProfit {
            price: trigger_price.ok_or_else(|| {
                ServiceError::field("trigger_price", "a take-profit order needs a trigger_price")
            })?,
        }),
        OrderType::TrailingStop => Some(Trigger::TrailingStop {
            offset: match (trailing_offset, request.trailing_bps) {
                (Some(distance), None) => TrailingOffset::Price(distance),
                (None, Some(bps)) => TrailingOffset::Bps(bps),
                _ => {
                    return Err(ServiceError::field(
                        "trailing_offset",
                        "a trailing stop gives either trailing_offset or trailing_bps",
                    ));
                }
            },
        }),
        OrderType::Limit | OrderType::Market => None,
    };
    if trigger_price.is_some()
        && !matches!(
            trigger,
            Some(Trigger::Stop { .. } | Trigger::TakeProfit { .. })
        )
    {
        return Err(ServiceError::field(
            "trigger_price",
            "trigger_price is for stop and take-profit orders",
        ));
    }
    if (trailing_offset.is_some() || request.trailing_bps.is_some())
        && request.order_type != OrderType::TrailingStop
    {
        return Err(ServiceError::field(
            "trailing_offset",
            "trailing_offset and trailing_bps are for trailing stops",
        ));
    }
    let stop_loss = price_of("stop_loss", &request.stop_loss)?;
    let take_profit = price_of("take_profit", &request.take_profit)?;
    let attached = (stop_loss.is_some() || take_profit.is_some()).then_some(Attached {
        stop_loss,
        take_profit,
    });
    Ok(NewOrder {
        owner: OwnerId(owner),
        instrument: instrument.id(),
        side: request.side,
        kind,
        tif,
        post_only: request.post_only,
        stp: request.stp.unwrap_or_default(),
        client_order_id,
        expire_at: request.expire_at_ms.map(Timestamp::from_millis),
        reduce_only: request.reduce_only,
        conditions: Conditions { trigger, attached }.boxed(),
    })
}

/// The engine's refusal, if the command was refused.
pub(crate) fn rejection(released: &Released) -> Option<ServiceError> {
    released.events.iter().find_map(|event| match event {
        Event::Rejected(r) => {
            let mut error = ServiceError::rejected(r.code);
            if r.code == RejectCode::DuplicateClientOrderId
                && let Some(order) = r.order
            {
                error = error.with_detail(Detail::ExistingOrder(order));
            }
            Some(error)
        }
        _ => None,
    })
}

/// The fills an order had in one command, as the taker.
fn taker_fills(released: &Released, order: OrderId) -> Vec<Fill> {
    released
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Trade(t) if t.taker_order == order => Some(Fill {
                trade_id: t.id,
                price: t.price,
                qty: t.qty,
                fee: t.taker_fee,
                liquidity: Liquidity::Taker,
            }),
            _ => None,
        })
        .collect()
}

/// The `n`th order a placement accepted, as its events leave it (`n` is 0 for a
/// single order; a one-cancels-the-other pair has two).
fn accepted_order(released: &Released, id: Option<OrderId>) -> Result<OrderRecord> {
    let accepted = released
        .events
        .iter()
        .find_map(|e| match e {
            Event::OrderAccepted(a) if id.is_none_or(|id| a.order == id) => Some(a.clone()),
            _ => None,
        })
        .ok_or_else(|| ServiceError::internal("a placement produced no acceptance"))?;
    let mut order = OrderRecord::accepted(&accepted, released.seq, released.ts);
    for event in &released.events {
        order.apply(event, released.seq, released.ts);
    }
    Ok(order)
}

/// The order as its placement's events leave it.
fn placed_order(released: &Released) -> Result<PlacedOrder> {
    if let Some(error) = rejection(released) {
        return Err(error);
    }
    let order = accepted_order(released, None)?;
    let fills = taker_fills(released, order.id);
    Ok(PlacedOrder { order, fills })
}

fn unknown_order() -> ServiceError {
    ServiceError::rejected(RejectCode::UnknownOrder).with_message("no such order")
}

fn order_closed(order: &OrderRecord) -> ServiceError {
    ServiceError::new(
        Code::OrderClosed,
        format!(
            "the order has ended ({}); it can no longer be changed",
            order.status.as_str()
        ),
    )
}

impl Service {
    /// Places an order for the caller.
    pub async fn place_order(&self, actor: &Actor, request: &PlaceOrder) -> Result<PlacedOrder> {
        actor.require_trade()?;
        let order = new_order(&self.catalog(), actor.owner.0, request)?;
        self.ensure_account(actor.owner.0).await?;
        let released = self.execute(Command::Place(order)).await?;
        placed_order(&released)
    }

    /// Places a one-cancels-the-other pair for the caller: when one leg fills or
    /// triggers, the other is cancelled.
    pub async fn place_oco(
        &self,
        actor: &Actor,
        first: &PlaceOrder,
        second: &PlaceOrder,
    ) -> Result<PlacedOco> {
        actor.require_trade()?;
        let (a, b) = {
            let catalog = self.catalog();
            (
                new_order(&catalog, actor.owner.0, first).map_err(|e| e.in_field("first"))?,
                new_order(&catalog, actor.owner.0, second).map_err(|e| e.in_field("second"))?,
            )
        };
        self.ensure_account(actor.owner.0).await?;
        let released = self
            .execute(Command::PlaceOco {
                first: Box::new(a),
                second: Box::new(b),
            })
            .await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        let ids: Vec<OrderId> = released
            .events
            .iter()
            .filter_map(|e| match e {
                Event::OrderAccepted(a) if a.oco().is_some() => Some(a.order),
                _ => None,
            })
            .collect();
        let (Some(&low), Some(&high)) = (ids.iter().min(), ids.iter().max()) else {
            return Err(ServiceError::internal("a pair produced no acceptance"));
        };
        let leg = |id| -> Result<PlacedOrder> {
            Ok(PlacedOrder {
                order: accepted_order(&released, Some(id))?,
                fills: taker_fills(&released, id),
            })
        };
        Ok(PlacedOco {
            first: leg(low)?,
            second: leg(high)?,
        })
    }

    /// An open or recently ended order of the caller's, from the live view once it
    /// includes `seq`.
    async fn live_order(&self, actor: &Actor, id: OrderId, seq: u64) -> Result<OrderRecord> {
        self.wait_dispatched(seq).await?;
        self.live()
            .order(id)
            .filter(|o| o.owner == actor.owner)
            .cloned()
            .ok_or_else(unknown_order)
    }

    /// Why an order the engine does not hold open cannot be changed: it has ended
    /// (`ORDER_CLOSED`), or the caller has no such order (`UNKNOWN_ORDER`).
    async fn not_open(&self, actor: &Actor, id: OrderId) -> ServiceError {
        let known = self
            .live()
            .order(id)
            .filter(|o| o.owner == actor.owner)
            .cloned();
        let known = match known {
            Some(order) => Some(order),
            None => {
                self.wait_for_reads().await;
                self.query(self.store().order(id.0))
                    .await
                    .ok()
                    .flatten()
                    .filter(|o| o.owner == actor.owner)
            }
        };
        match known {
            Some(order) if !order.is_open() => order_closed(&order),
            _ => unknown_order().with_message("no such open order"),
        }
    }

    /// Cancels one of the caller's orders; answers the order as the cancel left it.
    pub async fn cancel_order(&self, actor: &Actor, id: OrderId) -> Result<OrderRecord> {
        actor.require_trade()?;
        let released = self
            .execute(Command::Cancel {
                owner: actor.owner,
                order: OrderRef::Id(id),
            })
            .await?;
        if let Some(error) = rejection(&released) {
            if error.code == crate::ErrorCode::Rejected(RejectCode::UnknownOrder) {
                return Err(self.not_open(actor, id).await);
            }
            return Err(error);
        }
        self.live_order(actor, id, released.seq).await
    }

    /// Amends one of the caller's open orders: a new price and/or remaining quantity.
    pub async fn amend_order(
        &self,
        actor: &Actor,
        id: OrderId,
        price: Option<&str>,
        quantity: Option<&str>,
    ) -> Result<PlacedOrder> {
        actor.require_trade()?;
        // An order answered a moment ago may not be in the live view yet.
        self.wait_views().await?;
        let current = self
            .live()
            .order(id)
            .filter(|o| o.owner == actor.owner && o.is_open())
            .map(|o| o.instrument);
        let Some(instrument) = current else {
            return Err(self.not_open(actor, id).await);
        };
        let instrument = self
            .catalog()
            .instrument(instrument)
            .copied()
            .ok_or_else(|| ServiceError::internal("an order on an unknown instrument"))?;
        let price = price
            .map(|p| parse_price(&instrument, "price", p))
            .transpose()?;
        let qty = quantity
            .map(|q| parse_qty(&instrument, "quantity", q))
            .transpose()?;
        if price.is_none() && qty.is_none() {
            return Err(ServiceError::validation(
                "give a new price, a new quantity, or both",
            ));
        }
        let released = self
            .execute(Command::Amend {
                owner: actor.owner,
                order: OrderRef::Id(id),
                price,
                qty,
            })
            .await?;
        if let Some(error) = rejection(&released) {
            if error.code == crate::ErrorCode::Rejected(RejectCode::UnknownOrder) {
                return Err(self.not_open(actor, id).await);
            }
            return Err(error);
        }
        let fills = taker_fills(&released, id);
        let order = self.live_order(actor, id, released.seq).await?;
        Ok(PlacedOrder { order, fills })
    }

    /// Cancels all of the caller's open orders, or those on one symbol; answers the
    /// orders cancelled.
    pub async fn cancel_all(&self, actor: &Actor, symbol: Option<&str>) -> Result<Vec<OrderId>> {
        actor.require_trade()?;
        let instrument = match symbol {
            Some(symbol) => Some(self.catalog().symbol(symbol)?.id()),
            None => None,
        };
        self.ensure_account(actor.owner.0).await?;
        let released = self
            .execute(Command::CancelAll {
                owner: Some(actor.owner),
                instrument,
            })
            .await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        Ok(released
            .events
            .iter()
            .filter_map(|e| match e {
                Event::OrderCancelled { order, .. } => Some(*order),
                _ => None,
            })
            .collect())
    }

    /// One of the caller's orders: from the live view while it is open or just ended,
    /// else from the read models.
    pub async fn order(&self, actor: &Actor, id: OrderId) -> Result<OrderRecord> {
        actor.require_read()?;
        self.wait_views().await?;
        if let Some(order) = self.live().order(id).filter(|o| o.owner == actor.owner) {
            return Ok(order.clone());
        }
        self.wait_for_reads().await;
        match self.query(self.store().order(id.0)).await? {
            Some(order) if order.owner == actor.owner => Ok(order),
            _ => Err(unknown_order()),
        }
    }

    /// Orders matching a filter, newest first: the caller's (`owner`), or everyone's
    /// for staff (`None`, checked by the caller's role). Open orders of one owner come
    /// from the live view; anything else from the read models.
    pub async fn orders(
        &self,
        owner: Option<u64>,
        symbol: Option<&str>,
        side: Option<Side>,
        status: OrderStatusFilter,
        page: Page,
    ) -> Result<OrderList> {
        let instrument = match symbol {
            Some(symbol) => Some(self.catalog().symbol(symbol)?.id()),
            None => None,
        };
        if let (Some(owner), OrderStatusFilter::Open) = (owner, status) {
            self.wait_views().await?;
            let live = self.live();
            let matching: Vec<&OrderRecord> = live
                .open_orders(OwnerId(owner))
                .filter(|o| instrument.is_none_or(|i| o.instrument == i))
                .filter(|o| side.is_none_or(|s| o.side == s))
                .collect();
            let start = usize::try_from(u64::from(page.page.max(1) - 1) * u64::from(page.limit))
                .unwrap_or(usize::MAX);
            return Ok(OrderList {
                total: matching.len() as u64,
                orders: matching
                    .into_iter()
                    .skip(start)
                    .take(page.limit as usize)
                    .cloned()
                    .collect(),
            });
        }
        let filter = OrderFilter {
            owner,
            instrument: instrument.map(|i| i.0),
            side,
            status: match status {
                OrderStatusFilter::Open => bourse_store::OrderStatusFilter::Open,
                OrderStatusFilter::Closed => bourse_store::OrderStatusFilter::Closed,
                OrderStatusFilter::All => bourse_store::OrderStatusFilter::All,
            },
        };
        self.wait_for_reads().await;
        let (orders, total) = self.query(self.store().orders(filter, page)).await?;
        Ok(OrderList { orders, total })
    }
}
