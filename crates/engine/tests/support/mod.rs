//! A test venue driven by a tiny command language, with events rendered as text.
//!
//! Commands, one per line (values are decimal strings at the instrument's or asset's
//! scale, parsed without any trading-rule check so that the engine's checks are what
//! is tested):
//!
//! ```text
//! deposit u1 USD 1000 [pending] [x7]     withdraw u1 USD 10 [pending] [x8]
//! post x7 [amount]                        void x7
//! open u1 | halt u1 | resume u1           status BTC-USD halted|trading|closed
//! buy u1 BTC-USD 1.00 @ 100.0 [ioc|fok|gtd=T] [post] [stp=oldest|both] [id=abc]
//! sell u2 BTC-USD 1.00 market [fok]       buy u2 BTC-USD budget 100.00
//! cancel u1 o3 | cancel u1 id=abc         amend u1 o3 [price=101.0] [qty=2.00]
//! cancel-all u1 [BTC-USD] | cancel-all * [BTC-USD]
//! time 50                                 (sets the timestamp and sends a Tick)
//! limits open_per_owner=2                 (changes one limit)
//! ? u1                                    (prints u1's balances; not a command)
//! pos u1                                  (prints u1's positions; not a command)
//! ```
//!
//! Orders also take `day` (time in force DAY), `reduce`, a trigger (`stop=P`, `take=P`,
//! `trail=P` or `trail=Nbps`) and attached protection (`sl=P`, `tp=P`). More commands:
//!
//! ```text
//! oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 1.00 market stop=90.0
//! risk u1|* position BTC-USD 1.00|none    risk u1|* order_notional USD 100|none
//! risk u1|* open_notional USD 100|none    risk u1|* open_orders 3|none
//! risk u1|* daily_loss USD 50|none        day-start 3600
//! update BTC-USD [tick=1.0] [lot=0.10] [band=500] [fees=10/20]
//! kill u1|BTC-USD|venue [reason...]       revive u1|BTC-USD|venue [reason...]
//! panic u1 [flatten]
//! ```
//!
//! Position events are left out of the rendered output (as balances are); `pos`
//! shows positions.
#![allow(dead_code)]

use bourse_engine::{
    Attached, Command, Conditions, Engine, EngineLimits, Event, HaltScope, InstrumentUpdate,
    InternalTransfer, NewOrder, OrderKind, OrderRef, Reason, RiskLimit, TrailingOffset,
    TransferKind, TransferRequest, TransferState, Trigger,
};
use bourse_types::{
    Amount, AssetCode, AssetSpec, ClientOrderId, InstrumentId, InstrumentSpec, InstrumentStatus,
    OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId, parse_decimal,
};

pub struct Venue {
    pub engine: Engine,
    pub ts: u64,
    next_transfer: u64,
    /// Every command applied, with its timestamp, for replays.
    pub log: Vec<(u64, Command)>,
}

pub const USD: bourse_types::AssetId = bourse_types::AssetId(0);
pub const BTC: bourse_types::AssetId = bourse_types::AssetId(1);
pub const ETH: bourse_types::AssetId = bourse_types::AssetId(2);
pub const BTC_USD: InstrumentId = InstrumentId(0);
pub const ETH_USD: InstrumentId = InstrumentId(1);

/// Everyone gets the same generous balances.
pub const FUNDED: &str = "
deposit u1 USD 10000
deposit u1 BTC 100
deposit u1 ETH 100
deposit u2 USD 10000
deposit u2 BTC 100
deposit u2 ETH 100
deposit u3 USD 10000
deposit u3 BTC 100
deposit u3 ETH 100
";

pub fn btc_usd_spec() -> InstrumentSpec {
    InstrumentSpec {
        base: BTC,
        quote: USD,
        price_scale: 1,
        tick_size: Price::from_raw(10),
        lot_size: Qty::from_raw(1),
        min_qty: Qty::from_raw(1),
        max_qty: Qty::from_raw(100_000),
        min_notional: Amount::from_raw(100),
        price_band_bps: 1_000,
        maker_fee_bps: 10,
        taker_fee_bps: 20,
        reference_price: Some(Price::from_raw(1_000)),
    }
}

pub fn eth_usd_spec() -> InstrumentSpec {
    InstrumentSpec {
        base: ETH,
        quote: USD,
        price_scale: 1,
        tick_size: Price::from_raw(1),
        lot_size: Qty::from_raw(10),
        min_qty: Qty::from_raw(20),
        max_qty: Qty::from_raw(100_000),
        min_notional: Amount::from_raw(100),
        price_band_bps: 2_000,
        maker_fee_bps: 0,
        taker_fee_bps: 10,
        reference_price: None,
    }
}

impl Venue {
    /// USD, BTC and ETH (two decimals each), BTC-USD and ETH-USD.
    pub fn new() -> Venue {
        Venue::with_limits(EngineLimits::default())
    }

    pub fn with_limits(limits: EngineLimits) -> Venue {
        let mut venue = Venue {
            engine: Engine::new(limits),
            ts: 1,
            next_transfer: 1_000_000,
            log: Vec::new(),
        };
        for code in ["USD", "BTC", "ETH"] {
            venue.apply(Command::ListAsset(AssetSpec {
                code: AssetCode::new(code).unwrap(),
                scale: 2,
            }));
        }
        venue.apply(Command::ListInstrument(btc_usd_spec()));
        venue.apply(Command::ListInstrument(eth_usd_spec()));
        venue
    }

    /// Applies a command and checks every invariant afterwards.
    pub fn apply(&mut self, command: Command) -> Vec<Event> {
        let seq = self.engine.seq() + 1;
        let events = self
            .engine
            .apply(seq, Timestamp(self.ts), &command)
            .expect("sequence numbers are consecutive");
        if let Err(broken) = self.engine.check_invariants() {
            panic!("invariant broken after {command:?}: {broken}\nevents: {events:#?}");
        }
        self.log.push((self.ts, command));
        events
    }

    /// Runs a script and returns the rendered events (balances left out) and query
    /// output.
    pub fn run(&mut self, script: &str) -> Vec<String> {
        let mut lines = Vec::new();
        for line in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if let Some(owner) = line.strip_prefix("? ") {
                lines.extend(self.balances(owner_id(owner.trim())));
                continue;
            }
            if let Some(owner) = line.strip_prefix("pos ") {
                lines.extend(self.positions(owner_id(owner.trim())));
                continue;
            }
            let command = self.parse(line);
            for event in self.apply(command) {
                if !matches!(event, Event::Balance { .. } | Event::Position(_)) {
                    lines.push(self.render(&event));
                }
            }
        }
        lines
    }

    /// Runs a script and returns every event, balances included.
    pub fn run_raw(&mut self, script: &str) -> Vec<Event> {
        let mut events = Vec::new();
        for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let command = self.parse(line);
            events.extend(self.apply(command));
        }
        events
    }

    /// Runs a script whose every command must succeed.
    pub fn setup(&mut self, script: &str) {
        for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let command = self.parse(line);
            let events = self.apply(command);
            if let Some(rejected) = events.iter().find(|e| matches!(e, Event::Rejected(_))) {
                panic!(
                    "setup line {line:?} was rejected: {}",
                    self.render(rejected)
                );
            }
        }
    }

    pub fn balances(&self, owner: OwnerId) -> Vec<String> {
        self.engine
            .assets()
            .iter()
            .filter_map(|asset| {
                let balance = self.engine.balance(owner, asset.id)?;
                Some(format!(
                    "{owner} {} {} held {}",
                    asset.code,
                    asset.format_amount(balance.available),
                    asset.format_amount(balance.held)
                ))
            })
            .collect()
    }

    /// An owner's positions: quantity, cost basis, realised PnL and fees.
    pub fn positions(&self, owner: OwnerId) -> Vec<String> {
        self.engine
            .positions(owner)
            .iter()
            .map(|p| {
                let i = self.engine.instrument(p.instrument).unwrap();
                format!(
                    "{owner} {} {} cost {} realized {} fees {}",
                    i.symbol(),
                    i.format_qty(p.qty),
                    p.cost,
                    p.realized,
                    p.fees
                )
            })
            .collect()
    }

    fn instrument(&self, symbol: &str) -> bourse_types::Instrument {
        *self
            .engine
            .instrument_by_symbol(symbol)
            .unwrap_or_else(|| panic!("unknown symbol {symbol}"))
    }

    fn amount(&self, code: &str, text: &str) -> (bourse_types::AssetId, Amount) {
        let asset = self
            .engine
            .asset_by_code(code)
            .unwrap_or_else(|| panic!("unknown asset {code}"));
        (
            asset.id,
            Amount::from_raw(parse_decimal(text, asset.scale).unwrap()),
        )
    }

    fn transfer_id(&mut self, words: &[&str]) -> TransferId {
        match words.iter().find_map(|w| w.strip_prefix('x')) {
            Some(n) => TransferId(n.parse().unwrap()),
            None => {
                self.next_transfer += 1;
                TransferId(self.next_transfer)
            }
        }
    }

    pub fn parse(&mut self, line: &str) -> Command {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "deposit" | "withdraw" => {
                let (asset, amount) = self.amount(words[2], words[3]);
                let request = TransferRequest {
                    id: self.transfer_id(&words[4..]),
                    owner: owner_id(words[1]),
                    asset,
                    amount,
                    pending: words.contains(&"pending"),
                };
                if words[0] == "deposit" {
                    Command::Deposit(request)
                } else {
                    Command::Withdraw(request)
                }
            }
            "move" => {
                // move FROM TO ASSET AMOUNT [xN]
                let (asset, amount) = self.amount(words[3], words[4]);
                Command::Transfer(InternalTransfer {
                    id: self.transfer_id(&words[5..]),
                    from: owner_id(words[1]),
                    to: owner_id(words[2]),
                    asset,
                    amount,
                })
            }
            "post" => {
                let transfer = TransferId(words[1][1..].parse().unwrap());
                let amount = words
                    .get(2)
                    .map(|a| Amount::from_raw(parse_decimal(a, 2).unwrap()));
                Command::PostTransfer { transfer, amount }
            }
            "void" => Command::VoidTransfer {
                transfer: TransferId(words[1][1..].parse().unwrap()),
            },
            "open" => Command::OpenAccount {
                owner: owner_id(words[1]),
            },
            "halt" | "resume" => Command::SetAccountHalted {
                owner: owner_id(words[1]),
                halted: words[0] == "halt",
            },
            "status" => Command::SetInstrumentStatus {
                instrument: self.instrument(words[1]).id(),
                status: match words[2] {
                    "halted" => InstrumentStatus::Halted,
                    "closed" => InstrumentStatus::Closed,
                    _ => InstrumentStatus::Trading,
                },
            },
            "buy" | "sell" => Command::Place(self.parse_order(&words)),
            "oco" => {
                let bar = words.iter().position(|w| *w == "|").expect("oco A | B");
                Command::PlaceOco {
                    first: Box::new(self.parse_order(&words[1..bar])),
                    second: Box::new(self.parse_order(&words[bar + 1..])),
                }
            }
            "risk" => {
                let owner = (words[1] != "*").then(|| owner_id(words[1]));
                let none = words.last() == Some(&"none");
                let asset_amount = |v: &Venue| {
                    let (asset, amount) = v.amount(words[3], if none { "0" } else { words[4] });
                    (asset, (!none).then_some(amount))
                };
                let limit = match words[2] {
                    "position" => {
                        let i = self.instrument(words[3]);
                        RiskLimit::PositionMax {
                            instrument: i.id(),
                            qty: (!none).then(|| {
                                Qty::from_raw(parse_decimal(words[4], i.base_scale()).unwrap())
                            }),
                        }
                    }
                    "order_notional" => {
                        let (asset, amount) = asset_amount(self);
                        RiskLimit::OrderNotionalMax { asset, amount }
                    }
                    "open_notional" => {
                        let (asset, amount) = asset_amount(self);
                        RiskLimit::OpenNotionalMax { asset, amount }
                    }
                    "daily_loss" => {
                        let (asset, amount) = asset_amount(self);
                        RiskLimit::DailyLossMax { asset, amount }
                    }
                    "open_orders" => RiskLimit::OpenOrdersMax {
                        count: (!none).then(|| words[3].parse().unwrap()),
                    },
                    other => panic!("unknown risk limit {other}"),
                };
                Command::SetRiskLimit { owner, limit }
            }
            "day-start" => Command::SetTradingDay {
                start_secs: words[1].parse().unwrap(),
            },
            "update" => {
                let i = self.instrument(words[1]);
                let mut update = InstrumentUpdate::default();
                for word in &words[2..] {
                    let (key, value) = word.split_once('=').unwrap();
                    match key {
                        "tick" => {
                            update.tick_size = Some(Price::from_raw(
                                parse_decimal(value, i.price_scale()).unwrap(),
                            ))
                        }
                        "lot" => {
                            update.lot_size =
                                Some(Qty::from_raw(parse_decimal(value, i.base_scale()).unwrap()))
                        }
                        "band" => update.price_band_bps = Some(value.parse().unwrap()),
                        "fees" => {
                            let (maker, taker) = value.split_once('/').unwrap();
                            update.maker_fee_bps = Some(maker.parse().unwrap());
                            update.taker_fee_bps = Some(taker.parse().unwrap());
                        }
                        other => panic!("unknown instrument rule {other}"),
                    }
                }
                Command::UpdateInstrument {
                    instrument: i.id(),
                    update,
                }
            }
            "kill" | "revive" => {
                let scope = match words[1] {
                    "venue" => HaltScope::Venue,
                    w if w.starts_with('u') => HaltScope::Account(owner_id(w)),
                    symbol => HaltScope::Instrument(self.instrument(symbol).id()),
                };
                Command::Halt {
                    scope,
                    halted: words[0] == "kill",
                    by: OwnerId(900),
                    reason: Reason::new(&words[2..].join(" ")).unwrap(),
                }
            }
            "panic" => Command::Panic {
                owner: owner_id(words[1]),
                flatten: words.get(2) == Some(&"flatten"),
            },
            "cancel" => Command::Cancel {
                owner: owner_id(words[1]),
                order: order_ref(words[2]),
            },
            "amend" => {
                let instrument = self.order_instrument(&words);
                let mut price = None;
                let mut qty = None;
                for word in &words[3..] {
                    if let Some(p) = word.strip_prefix("price=") {
                        price = Some(Price::from_raw(
                            parse_decimal(p, instrument.price_scale()).unwrap(),
                        ));
                    } else if let Some(q) = word.strip_prefix("qty=") {
                        qty = Some(Qty::from_raw(
                            parse_decimal(q, instrument.base_scale()).unwrap(),
                        ));
                    }
                }
                Command::Amend {
                    owner: owner_id(words[1]),
                    order: order_ref(words[2]),
                    price,
                    qty,
                }
            }
            "cancel-all" => Command::CancelAll {
                owner: (words[1] != "*").then(|| owner_id(words[1])),
                instrument: words.get(2).map(|s| self.instrument(s).id()),
            },
            "time" => {
                self.ts = words[1].parse().unwrap();
                Command::Tick
            }
            "limits" => {
                let mut limits = *self.engine.limits();
                for word in &words[1..] {
                    let (key, value) = word.split_once('=').unwrap();
                    let value: u32 = value.parse().unwrap();
                    match key {
                        "open_per_owner" => limits.orders_open_per_owner_max = value,
                        "open" => limits.orders_open_max = value,
                        "owners" => limits.owners_max = value,
                        "client_ids" => limits.client_order_ids_retained_max = value,
                        "transfer_ids" => limits.transfer_ids_retained_max = value,
                        "pending" => limits.transfers_pending_max = value,
                        other => panic!("unknown limit {other}"),
                    }
                }
                Command::SetLimits(limits)
            }
            other => panic!("unknown command {other:?} in {line:?}"),
        }
    }

    /// The instrument of the order an amend names (by id, or BTC-USD by default).
    fn order_instrument(&self, words: &[&str]) -> bourse_types::Instrument {
        let id = match order_ref(words[2]) {
            OrderRef::Id(id) => self.engine.order(id).map(|o| o.instrument),
            OrderRef::Client(c) => self
                .engine
                .order_by_client_id(owner_id(words[1]), c)
                .and_then(|id| self.engine.order(id))
                .map(|o| o.instrument),
        };
        *self
            .engine
            .instrument(id.unwrap_or(InstrumentId(0)))
            .unwrap()
    }

    fn parse_order(&self, words: &[&str]) -> NewOrder {
        let side = if words[0] == "buy" {
            Side::Buy
        } else {
            Side::Sell
        };
        let owner = owner_id(words[1]);
        let instrument = self.instrument(words[2]);
        let price_of =
            |t: &str| Price::from_raw(parse_decimal(t, instrument.price_scale()).unwrap());
        let qty_of = |t: &str| Qty::from_raw(parse_decimal(t, instrument.base_scale()).unwrap());
        let (kind, rest, default_tif) = if words[3] == "budget" {
            let quote =
                Amount::from_raw(parse_decimal(words[4], instrument.quote_scale()).unwrap());
            (
                OrderKind::MarketBudget { quote },
                &words[5..],
                TimeInForce::Ioc,
            )
        } else if words.get(4) == Some(&"market") {
            (
                OrderKind::Market {
                    qty: qty_of(words[3]),
                },
                &words[5..],
                TimeInForce::Ioc,
            )
        } else {
            assert_eq!(words[4], "@", "expected `QTY @ PRICE` in {words:?}");
            (
                OrderKind::Limit {
                    price: price_of(words[5]),
                    qty: qty_of(words[3]),
                },
                &words[6..],
                TimeInForce::Gtc,
            )
        };
        let mut order = NewOrder {
            owner,
            instrument: instrument.id(),
            side,
            kind,
            tif: default_tif,
            post_only: false,
            stp: StpMode::CancelNewest,
            client_order_id: None,
            expire_at: None,
            reduce_only: false,
            conditions: None,
        };
        let mut conditions = Conditions::default();
        for word in rest {
            match *word {
                "gtc" => order.tif = TimeInForce::Gtc,
                "ioc" => order.tif = TimeInForce::Ioc,
                "fok" => order.tif = TimeInForce::Fok,
                "gtd" => order.tif = TimeInForce::Gtd,
                "post" => order.post_only = true,
                "stp=newest" => order.stp = StpMode::CancelNewest,
                "stp=oldest" => order.stp = StpMode::CancelOldest,
                "stp=both" => order.stp = StpMode::CancelBoth,
                w if w.starts_with("gtd=") => {
                    order.tif = TimeInForce::Gtd;
                    order.expire_at = Some(Timestamp(w[4..].parse().unwrap()));
                }
                w if w.starts_with("expire=") => {
                    order.expire_at = Some(Timestamp(w[7..].parse().unwrap()))
                }
                w if w.starts_with("id=") => {
                    order.client_order_id = Some(ClientOrderId::new(&w[3..]).unwrap())
                }
                "day" => order.tif = TimeInForce::Day,
                "reduce" => order.reduce_only = true,
                w if w.starts_with("stop=") => {
                    conditions.trigger = Some(Trigger::Stop {
                        price: price_of(&w[5..]),
                    })
                }
                w if w.starts_with("take=") => {
                    conditions.trigger = Some(Trigger::TakeProfit {
                        price: price_of(&w[5..]),
                    })
                }
                w if w.starts_with("trail=") => {
                    let offset = match w[6..].strip_suffix("bps") {
                        Some(bps) => TrailingOffset::Bps(bps.parse().unwrap()),
                        None => TrailingOffset::Price(price_of(&w[6..])),
                    };
                    conditions.trigger = Some(Trigger::TrailingStop { offset });
                }
                w if w.starts_with("sl=") => {
                    conditions
                        .attached
                        .get_or_insert_with(Attached::default)
                        .stop_loss = Some(price_of(&w[3..]))
                }
                w if w.starts_with("tp=") => {
                    conditions
                        .attached
                        .get_or_insert_with(Attached::default)
                        .take_profit = Some(price_of(&w[3..]))
                }
                other => panic!("unknown order word {other:?}"),
            }
        }
        order.conditions = conditions.boxed();
        order
    }

    pub fn render(&self, event: &Event) -> String {
        let e = &self.engine;
        let instrument = |id: InstrumentId| *e.instrument(id).unwrap();
        let asset_code = |id| e.asset(id).unwrap().code;
        match event {
            Event::AssetListed(asset) => format!("asset {} scale {}", asset.code, asset.scale),
            Event::InstrumentListed(i) => format!("instrument {}", i.symbol()),
            Event::InstrumentStatusChanged {
                instrument: i,
                status,
            } => {
                format!("status {} {}", instrument(*i).symbol(), status.as_str())
            }
            Event::LimitsChanged(_) => "limits changed".to_string(),
            Event::AccountOpened { owner } => format!("opened {owner}"),
            Event::AccountStatusChanged { owner, halted } => {
                format!("{owner} {}", if *halted { "halted" } else { "resumed" })
            }
            Event::Transfer(t) => {
                let asset = e.asset(t.asset).unwrap();
                let kind = match t.kind {
                    TransferKind::Deposit => "deposit",
                    TransferKind::Withdrawal => "withdrawal",
                };
                let state = match t.state {
                    TransferState::Pending => "pending",
                    TransferState::Posted => "posted",
                    TransferState::Voided => "voided",
                };
                format!(
                    "{} {kind} {} {} {} {state}",
                    t.id,
                    t.owner,
                    asset.format_amount(t.amount),
                    asset.code
                )
            }
            Event::OrderAccepted(a) => {
                let i = instrument(a.instrument);
                let what = match a.kind {
                    OrderKind::Limit { price, qty } => {
                        format!("{} @ {}", i.format_qty(qty), i.format_price(price))
                    }
                    OrderKind::Market { qty } => format!("{} market", i.format_qty(qty)),
                    OrderKind::MarketBudget { quote } => {
                        format!("budget {}", i.format_notional(quote))
                    }
                };
                let mut text = format!(
                    "accepted {} {} {} {} {what} {}",
                    a.order,
                    a.owner,
                    a.side.as_str(),
                    i.symbol(),
                    a.tif.as_str()
                );
                if a.post_only {
                    text.push_str(" post");
                }
                if a.reduce_only {
                    text.push_str(" reduce");
                }
                match a.trigger() {
                    Some(Trigger::Stop { .. }) => text.push_str(" stop"),
                    Some(Trigger::TakeProfit { .. }) => text.push_str(" take"),
                    Some(Trigger::TrailingStop { .. }) => text.push_str(" trail"),
                    None => {}
                }
                if let Some(p) = a.trigger_price() {
                    text.push_str(&format!(" at {}", i.format_price(p)));
                }
                if let Some(o) = a.oco() {
                    text.push_str(&format!(" oco {o}"));
                }
                if let Some(o) = a.parent() {
                    text.push_str(&format!(" parent {o}"));
                }
                if let Some(at) = a.attached() {
                    if let Some(p) = at.stop_loss {
                        text.push_str(&format!(" sl {}", i.format_price(p)));
                    }
                    if let Some(p) = at.take_profit {
                        text.push_str(&format!(" tp {}", i.format_price(p)));
                    }
                }
                if let Some(c) = a.client_order_id {
                    text.push_str(&format!(" id={c}"));
                }
                let held_asset = if a.side == Side::Buy {
                    i.quote()
                } else {
                    i.base()
                };
                text.push_str(&format!(
                    " held {}",
                    e.asset(held_asset).unwrap().format_amount(a.held)
                ));
                text
            }
            Event::Rejected(r) => {
                let mut text = format!("rejected {:?} {}", r.command, r.code.code());
                if let Some(o) = r.order {
                    text.push_str(&format!(" {o}"));
                }
                text
            }
            Event::OrderAmended {
                order,
                instrument: i,
                side,
                price,
                leaves,
                priority_kept,
                held,
                ..
            } => {
                let i = instrument(*i);
                let held_asset = if *side == Side::Buy {
                    i.quote()
                } else {
                    i.base()
                };
                format!(
                    "amended {order} {} @ {} {} held {}",
                    i.format_qty(*leaves),
                    i.format_price(*price),
                    if *priority_kept { "kept" } else { "requeued" },
                    e.asset(held_asset).unwrap().format_amount(*held)
                )
            }
            Event::OrderCancelled {
                order,
                instrument: i,
                leaves,
                reason,
                ..
            } => format!(
                "cancelled {order} {} {}",
                instrument(*i).format_qty(*leaves),
                reason.code()
            ),
            Event::OrderExpired {
                order,
                instrument: i,
                leaves,
                ..
            } => format!("expired {order} {}", instrument(*i).format_qty(*leaves)),
            Event::Trade(t) => {
                let i = instrument(t.instrument);
                format!(
                    "trade {} {} @ {} {} {} took {} {} fees {}/{} leaves {}/{}",
                    t.id,
                    i.format_qty(t.qty),
                    i.format_price(t.price),
                    t.aggressor.as_str(),
                    t.taker_order,
                    t.maker_order,
                    t.maker_owner,
                    i.format_notional(t.taker_fee),
                    i.format_notional(t.maker_fee),
                    i.format_qty(t.taker_leaves),
                    i.format_qty(t.maker_leaves),
                )
            }
            Event::Balance {
                owner,
                asset,
                available,
                held,
            } => {
                let a = e.asset(*asset).unwrap();
                format!(
                    "balance {owner} {} {} held {}",
                    asset_code(*asset),
                    a.format_amount(*available),
                    a.format_amount(*held)
                )
            }
            Event::OrderTriggered {
                order,
                instrument: i,
                last,
                ..
            } => format!(
                "triggered {order} at {}",
                instrument(*i).format_price(*last)
            ),
            Event::TriggerRefused { order, code, .. } => {
                format!("trigger refused {order} {}", code.code())
            }
            Event::TrailingStopMoved {
                order,
                instrument: i,
                trigger_price,
                ..
            } => format!(
                "trailing {order} now {}",
                instrument(*i).format_price(*trigger_price)
            ),
            Event::Position(p) => {
                let i = instrument(p.instrument);
                format!(
                    "position {} {} {} cost {} realized {} fees {}",
                    p.owner,
                    i.symbol(),
                    i.format_qty(p.qty),
                    p.cost,
                    p.realized,
                    p.fees
                )
            }
            Event::RiskLimitChanged { owner, limit } => format!(
                "risk limit {} {limit:?}",
                owner.map_or_else(|| "*".to_string(), |o| o.to_string())
            ),
            Event::DailyLossBreached(b) => format!(
                "daily loss {} {} pnl {} limit {}",
                b.owner,
                asset_code(b.asset),
                b.pnl,
                b.limit.raw()
            ),
            Event::TradingDayChanged { start_secs } => format!("day starts {start_secs}"),
            Event::InstrumentUpdated(i) => format!(
                "updated {} tick {} lot {} fees {}/{} band {}",
                i.symbol(),
                i.format_price(i.tick_size()),
                i.format_qty(i.lot_size()),
                i.maker_fee_bps(),
                i.taker_fee_bps(),
                i.spec().price_band_bps
            ),
            Event::HaltChanged {
                scope,
                halted,
                by,
                reason,
            } => {
                let scope = match scope {
                    HaltScope::Account(o) => o.to_string(),
                    HaltScope::Instrument(i) => instrument(*i).symbol().to_string(),
                    HaltScope::Venue => "venue".to_string(),
                };
                let mut text = format!(
                    "{} {scope} by {by}",
                    if *halted { "killed" } else { "revived" }
                );
                if !reason.as_str().is_empty() {
                    text.push_str(&format!(": {}", reason.as_str()));
                }
                text
            }
            Event::InternalTransfer(t) => {
                let asset = e.asset(t.asset).unwrap();
                format!(
                    "{} moved {} {} from {} to {}",
                    t.id,
                    asset.format_amount(t.amount),
                    asset.code,
                    t.from,
                    t.to
                )
            }
            Event::Panicked {
                owner,
                flatten,
                unflattened,
            } => {
                let mut text = format!("panicked {owner}");
                if *flatten {
                    text.push_str(" flatten");
                }
                for (i, code) in unflattened {
                    text.push_str(&format!(
                        " kept {} {}",
                        instrument(*i).symbol(),
                        code.code()
                    ));
                }
                text
            }
        }
    }
}

pub fn owner_id(text: &str) -> OwnerId {
    OwnerId(text.strip_prefix('u').unwrap_or(text).parse().unwrap())
}

fn order_ref(text: &str) -> OrderRef {
    match text.strip_prefix("id=") {
        Some(client) => OrderRef::Client(ClientOrderId::new(client).unwrap()),
        None => OrderRef::Id(OrderId(text.strip_prefix('o').unwrap().parse().unwrap())),
    }
}

/// Runs `script` on a funded venue and compares the rendered events with `expected`.
/// Also checks that a replay of every command gives the same state hash, and that the
/// state survives an encode/decode round trip.
#[track_caller]
pub fn check(script: &str, expected: &str) {
    check_from(FUNDED, script, expected);
}

/// Like [`check`], from a venue set up by `setup` instead of the funded one.
#[track_caller]
pub fn check_from(setup: &str, script: &str, expected: &str) {
    let mut venue = Venue::new();
    venue.setup(setup);
    let actual = venue.run(script);
    let expected: Vec<String> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if actual != expected {
        panic!(
            "events differ\n--- expected\n{}\n--- actual\n{}\n",
            expected.join("\n"),
            actual.join("\n")
        );
    }
    let hash = venue.engine.state_hash();
    let restored = Engine::decode_state(&venue.engine.encode_state()).expect("state decodes");
    assert_eq!(restored.state_hash(), hash, "restored state differs");
    let mut replay = Engine::new(EngineLimits::default());
    for (i, (ts, command)) in venue.log.iter().enumerate() {
        replay.apply(i as u64 + 1, Timestamp(*ts), command).unwrap();
    }
    assert_eq!(replay.state_hash(), hash, "replay gives another state");
}

/// Kind of a transfer as text, for tests that look at transfers.
pub fn is_transfer(event: &Event, kind: TransferKind, state: TransferState) -> bool {
    matches!(event, Event::Transfer(t) if t.kind == kind && t.state == state)
}
