//! The backtest's side of the market: working orders, filled along each bar's path
//! by the fill model (see [`super::fills`]).

use super::fills::FillModel;
use crate::bar::Bar;
use crate::portfolio::{Fill, Portfolio};
use crate::strategy::{OpenOrder, OrderIntent, OrderType, OrderUpdate};
use bourse_types::{Instrument, Price, Qty, Side, fee_floor};

/// The most orders a strategy may have working in a backtest (the venue has its own
/// limit); more are refused.
pub const WORKING_ORDERS_MAX: usize = 256;
/// Bracket legs are numbered from here, apart from the strategy's own numbers.
pub const LEG_ID_BASE: u64 = 1 << 62;

#[derive(Debug, Clone, Copy)]
struct Working {
    id: u64,
    intent: OrderIntent,
    /// The first bar it may fill in.
    active_from: usize,
    /// The other leg of a bracket, cancelled when this one fills.
    sibling: Option<u64>,
}

/// Something the strategy hears of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Fill(Fill),
    Update(OrderUpdate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Market orders fill at the open.
    Markets,
    /// Resting orders the open is already beyond fill there.
    Gap,
    /// Along the path: towards `targets[segment]`, now at `at`.
    Path {
        segment: usize,
        at: Price,
    },
    Done,
}

/// Where a bar's processing stands.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    index: usize,
    bar: Bar,
    phase: Phase,
    targets: [Price; 3],
}

pub struct Broker {
    model: FillModel,
    instrument: Instrument,
    orders: Vec<Working>,
    next_leg: u64,
    deferred: Vec<OrderUpdate>,
    /// Counts changes to the working orders, so that their list is rebuilt only when
    /// it changed.
    version: u64,
}

impl Broker {
    pub fn new(model: FillModel, instrument: &Instrument) -> Broker {
        Broker {
            model,
            instrument: *instrument,
            orders: Vec::new(),
            next_leg: LEG_ID_BASE,
            deferred: Vec::new(),
            version: 0,
        }
    }

    /// Nothing is working and nothing is waiting to be told: a bar cannot fill.
    pub fn is_idle(&self) -> bool {
        self.orders.is_empty() && self.deferred.is_empty()
    }

    /// Changes with every change to the working orders.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn place(&mut self, id: u64, intent: OrderIntent, active_from: usize) {
        self.version += 1;
        if self.orders.len() >= WORKING_ORDERS_MAX {
            self.deferred.push(OrderUpdate::Rejected {
                order: id,
                reason: format!("more than {WORKING_ORDERS_MAX} working orders"),
            });
            return;
        }
        if intent.qty.is_zero() {
            self.deferred.push(OrderUpdate::Rejected {
                order: id,
                reason: "quantity is zero".to_string(),
            });
            return;
        }
        self.orders.push(Working {
            id,
            intent,
            active_from,
            sibling: None,
        });
    }

    pub fn cancel(&mut self, id: u64) {
        self.version += 1;
        self.orders.retain(|o| o.id != id);
    }

    pub fn cancel_all(&mut self) {
        self.version += 1;
        self.orders.clear();
    }

    pub fn open_orders(&self, into: &mut Vec<OpenOrder>) {
        into.clear();
        into.extend(self.orders.iter().map(|o| OpenOrder {
            id: o.id,
            intent: o.intent,
            remaining: o.intent.qty,
        }));
    }

    pub fn begin_bar(&mut self, index: usize, bar: &Bar) -> Step {
        let targets = if bar.close >= bar.open {
            [bar.low, bar.high, bar.close]
        } else {
            [bar.high, bar.low, bar.close]
        };
        Step {
            index,
            bar: *bar,
            phase: Phase::Markets,
            targets,
        }
    }

    /// Fills (or refuses) the next order the bar reaches; answers whether the bar may
    /// hold more.
    pub fn next_fill(
        &mut self,
        step: &mut Step,
        portfolio: &mut Portfolio,
        events: &mut Vec<Event>,
    ) -> bool {
        if !self.deferred.is_empty() {
            events.extend(self.deferred.drain(..).map(Event::Update));
            return true;
        }
        let active = |o: &Working| o.active_from <= step.index;
        let tick = self.instrument.tick_size().raw();
        loop {
            match step.phase {
                Phase::Markets => {
                    let open = step.bar.open;
                    if let Some(at) = self
                        .orders
                        .iter()
                        .position(|o| active(o) && o.intent.order_type == OrderType::Market)
                    {
                        let side = self.orders[at].intent.side;
                        let price = self.model.slipped(open, side, tick);
                        self.fill(at, price, false, step, portfolio, events);
                        return true;
                    }
                    step.phase = Phase::Gap;
                }
                Phase::Gap => {
                    let open = step.bar.open;
                    let touch = self.model.touch;
                    let beyond = |o: &Working| match (o.intent.order_type, o.intent.side) {
                        (OrderType::Limit { price }, Side::Buy) => {
                            open < price || (touch && open == price)
                        }
                        (OrderType::Limit { price }, Side::Sell) => {
                            open > price || (touch && open == price)
                        }
                        (OrderType::Stop { trigger }, Side::Buy) => open >= trigger,
                        (OrderType::Stop { trigger }, Side::Sell) => open <= trigger,
                        (OrderType::Market, _) => false,
                    };
                    if let Some(at) = self.orders.iter().position(|o| active(o) && beyond(o)) {
                        let order = self.orders[at];
                        let price = match order.intent.order_type {
                            OrderType::Stop { .. } => {
                                self.model.slipped(open, order.intent.side, tick)
                            }
                            _ => open,
                        };
                        self.fill(at, price, false, step, portfolio, events);
                        return true;
                    }
                    step.phase = Phase::Path {
                        segment: 0,
                        at: open,
                    };
                }
                Phase::Path { segment, at } => {
                    let target = step.targets[segment];
                    if let Some((index, reached)) = self.first_reached(step.index, at, target) {
                        let order = self.orders[index];
                        let (price, maker) = match order.intent.order_type {
                            OrderType::Stop { .. } => {
                                (self.model.slipped(reached, order.intent.side, tick), false)
                            }
                            _ => (reached, true),
                        };
                        step.phase = Phase::Path {
                            segment,
                            at: reached,
                        };
                        self.fill(index, price, maker, step, portfolio, events);
                        return true;
                    }
                    step.phase = if segment + 1 < step.targets.len() {
                        Phase::Path {
                            segment: segment + 1,
                            at: target,
                        }
                    } else {
                        Phase::Done
                    };
                }
                Phase::Done => return false,
            }
        }
    }

    /// The active resting order the path from `at` to `target` reaches first, and the
    /// price where it does.
    fn first_reached(&self, bar: usize, at: Price, target: Price) -> Option<(usize, Price)> {
        let touch = self.model.touch;
        let down = target < at;
        let mut best: Option<(usize, Price, u64)> = None;
        for (index, order) in self.orders.iter().enumerate() {
            if order.active_from > bar {
                continue;
            }
            let reached = match (order.intent.order_type, order.intent.side, down) {
                // Falling: buy limits it trades through, sell stops it reaches.
                (OrderType::Limit { price }, Side::Buy, true) => {
                    (price <= at && (target < price || (touch && target == price))).then_some(price)
                }
                (OrderType::Stop { trigger }, Side::Sell, true) => {
                    (trigger <= at && target <= trigger).then_some(trigger)
                }
                // Rising: sell limits and buy stops.
                (OrderType::Limit { price }, Side::Sell, false) => {
                    (price >= at && (target > price || (touch && target == price))).then_some(price)
                }
                (OrderType::Stop { trigger }, Side::Buy, false) => {
                    (trigger >= at && target >= trigger).then_some(trigger)
                }
                _ => None,
            };
            if let Some(price) = reached {
                let distance = price.raw().abs_diff(at.raw());
                if best.is_none_or(|(_, _, d)| distance < d) {
                    best = Some((index, price, distance));
                }
            }
        }
        best.map(|(index, price, _)| (index, price))
    }

    /// Fills the order at `at` at `price` (wholly), books it and reports it; a bracket
    /// entry opens its legs, a leg cancels its sibling. A fill the portfolio cannot
    /// take refuses the order instead.
    fn fill(
        &mut self,
        at: usize,
        price: Price,
        maker: bool,
        step: &Step,
        portfolio: &mut Portfolio,
        events: &mut Vec<Event>,
    ) {
        self.version += 1;
        let order = self.orders.remove(at);
        let qty = order.intent.qty;
        let bps = if maker {
            self.instrument.maker_fee_bps()
        } else {
            self.instrument.taker_fee_bps()
        };
        let fee = self
            .instrument
            .notional(price, qty)
            .map(|n| fee_floor(n, bps))
            .unwrap_or_default();
        let fill = Fill {
            order: order.id,
            side: order.intent.side,
            price,
            qty,
            fee,
            time_ms: step.bar.open_time,
        };
        if let Err(why) = portfolio.book(&self.instrument, &fill) {
            if let Some(sibling) = order.sibling {
                self.cancel(sibling);
            }
            events.push(Event::Update(OrderUpdate::Rejected {
                order: order.id,
                reason: why.to_string(),
            }));
            return;
        }
        if let Some(sibling) = order.sibling {
            self.cancel(sibling);
            events.push(Event::Update(OrderUpdate::Cancelled { order: sibling }));
        }
        self.open_legs(&order.intent, qty, step.index);
        events.push(Event::Fill(fill));
    }

    /// The stop loss and take profit of a bracket entry that filled `qty`, working at
    /// once (they may fill later in the same bar).
    fn open_legs(&mut self, entry: &OrderIntent, qty: Qty, bar: usize) {
        let exit = match entry.side {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        };
        let legs: Vec<OrderIntent> = [
            entry.stop_loss.map(|p| OrderIntent::stop(exit, p, qty)),
            entry.take_profit.map(|p| OrderIntent::limit(exit, p, qty)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let ids: Vec<u64> = legs
            .iter()
            .map(|_| {
                self.next_leg += 1;
                self.next_leg
            })
            .collect();
        self.version += 1;
        for (i, intent) in legs.into_iter().enumerate() {
            let sibling = ids.iter().copied().find(|&other| other != ids[i]);
            self.orders.push(Working {
                id: ids[i],
                intent,
                active_from: bar,
                sibling,
            });
        }
    }
}
