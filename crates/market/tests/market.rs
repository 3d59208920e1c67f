//! Market data against the engine it mirrors, and the simulator driving a real engine.

use bourse_bench::{MixParams, exchange_mix};
use bourse_engine::{Command, Engine, EngineLimits};
use bourse_journal::Released;
use bourse_market::{Interval, MarketData, SimConfig, SimInstrument, Simulator, Update};
use bourse_types::{InstrumentId, Price, Qty, Side, Timestamp};
use std::collections::BTreeMap;

/// Applies commands to an engine as the venue would and returns them as released.
struct Driver {
    engine: Engine,
}

impl Driver {
    fn new() -> Driver {
        Driver {
            engine: Engine::new(EngineLimits::default()),
        }
    }

    fn apply(&mut self, ts: u64, command: Command) -> Released {
        let seq = self.engine.seq() + 1;
        let events = self.engine.apply(seq, Timestamp(ts), &command).unwrap();
        Released {
            seq,
            ts: Timestamp(ts),
            command,
            events,
        }
    }
}

/// price, total quantity, orders
type Level = (Price, Qty, u32);

fn engine_depth(engine: &Engine, instrument: InstrumentId) -> (Vec<Level>, Vec<Level>) {
    (
        engine.depth(instrument, Side::Buy, usize::MAX),
        engine.depth(instrument, Side::Sell, usize::MAX),
    )
}

/// A client's copy of the book, kept from a snapshot and deltas.
#[derive(Default)]
struct ClientBook {
    seq: u64,
    bids: BTreeMap<Price, Qty>,
    asks: BTreeMap<Price, Qty>,
}

impl ClientBook {
    fn apply(&mut self, delta: &bourse_market::DepthDelta) {
        assert_eq!(delta.seq, self.seq + 1, "deltas arrive without gaps");
        self.seq = delta.seq;
        for (side, levels) in [(&mut self.bids, &delta.bids), (&mut self.asks, &delta.asks)] {
            for (price, qty) in levels {
                if qty.is_zero() {
                    side.remove(price);
                } else {
                    side.insert(*price, *qty);
                }
            }
        }
    }
}

#[test]
fn depth_from_events_matches_the_engine_book_and_deltas_rebuild_it() {
    depth_matches(0);
}

/// The same with a tenth of the open orders stop orders, some of which fire and trade
/// inside the commands of others.
#[test]
fn depth_matches_the_engine_book_with_stop_orders() {
    depth_matches(10);
}

fn depth_matches(stop_share_pct: u64) {
    let workload = exchange_mix(MixParams {
        commands: 30_000,
        accounts: 40,
        resting_orders: 300,
        price_spread_ticks: 120,
        stop_share_pct,
        ..MixParams::default()
    });
    if stop_share_pct > 0 {
        assert!(workload.stats.triggered > 10, "{:?}", workload.stats);
    }
    let mut driver = Driver::new();
    for command in workload.setup.iter().chain(&workload.prefill) {
        driver.apply(1, command.clone());
    }
    // Start part-way, as a server restarting on a recovered engine does.
    let mut data = MarketData::from_engine(&driver.engine);
    let instrument = InstrumentId(0);
    let start = data.depth(instrument, usize::MAX).unwrap();
    let mut client = ClientBook {
        seq: start.seq,
        bids: start.bids.iter().map(|(p, q, _)| (*p, *q)).collect(),
        asks: start.asks.iter().map(|(p, q, _)| (*p, *q)).collect(),
    };
    let mut trades = 0;
    for (i, chunk) in workload.commands.chunks(37).enumerate() {
        let batch: Vec<Released> = chunk
            .iter()
            .map(|command| driver.apply(1_000_000 * (i as u64 + 2), command.clone()))
            .collect();
        for update in data.apply(&batch) {
            match update {
                Update::Depth(delta) => client.apply(&delta),
                Update::Trade(_) => trades += 1,
                _ => {}
            }
        }
        let ours = data.depth(instrument, usize::MAX).unwrap();
        assert_eq!(
            (ours.bids.clone(), ours.asks.clone()),
            engine_depth(&driver.engine, instrument),
            "after batch {i}"
        );
        let client_bids: Vec<(Price, Qty)> =
            client.bids.iter().rev().map(|(p, q)| (*p, *q)).collect();
        let client_asks: Vec<(Price, Qty)> = client.asks.iter().map(|(p, q)| (*p, *q)).collect();
        assert_eq!(
            client_bids,
            ours.bids
                .iter()
                .map(|(p, q, _)| (*p, *q))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            client_asks,
            ours.asks
                .iter()
                .map(|(p, q, _)| (*p, *q))
                .collect::<Vec<_>>()
        );
    }
    assert!(trades > 1_000, "the mix trades ({trades})");
    let ticker = data.ticker(instrument).unwrap();
    assert_eq!(
        ticker.best_bid.map(|b| b.0),
        driver
            .engine
            .depth(instrument, Side::Buy, 1)
            .first()
            .map(|l| l.0)
    );
    assert!(ticker.trades_24h > 0 && ticker.last.is_some());
    assert_eq!(data.trades(instrument, 5).len(), 5);
    assert!(!data.candles(instrument, Interval::M1, 10, None).is_empty());
}

fn venue_setup() -> Vec<Command> {
    use bourse_types::{Amount, AssetCode, AssetId, AssetSpec, InstrumentSpec};
    vec![
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("USD").unwrap(),
            scale: 6,
        }),
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("BTC").unwrap(),
            scale: 8,
        }),
        Command::ListInstrument(InstrumentSpec {
            base: AssetId(1),
            quote: AssetId(0),
            price_scale: 2,
            tick_size: Price::from_raw(1),
            lot_size: Qty::from_raw(10_000),
            min_qty: Qty::from_raw(10_000),
            max_qty: Qty::from_raw(100_000_000_000),
            min_notional: Amount::from_raw(1_000_000),
            price_band_bps: 1_000,
            maker_fee_bps: 10,
            taker_fee_bps: 20,
            reference_price: Some(Price::from_raw(6_500_000)),
        }),
    ]
}

fn sim_config(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        tick_ms: 500,
        instruments: vec![SimInstrument {
            symbol: "BTC-USD".to_string(),
            volatility_pct_per_hour: 1.5,
            levels: 5,
            half_spread_bps: 5,
            level_step_bps: 5,
            quote_size: "0.2".to_string(),
            noise_orders_per_minute: 60,
        }],
    }
}

/// Runs the simulator against an engine for `ticks` ticks; returns every command sent.
fn run_simulator(seed: u64, ticks: u64) -> (Vec<Command>, Engine, MarketData) {
    let mut driver = Driver::new();
    let mut ts = 1_700_000_000_000_000_000u64;
    for command in venue_setup() {
        driver.apply(ts, command);
    }
    let instruments: Vec<_> = driver.engine.instruments().copied().collect();
    let mut sim = Simulator::new(&sim_config(seed), &instruments, |id| {
        driver.engine.reference(id)
    });
    let mut data = MarketData::from_engine(&driver.engine);
    let mut sent = Vec::new();
    let mut batch = Vec::new();
    for command in sim.startup_commands() {
        batch.push(driver.apply(ts, command.clone()));
        sent.push(command);
    }
    for released in &batch {
        sim.observe(released);
    }
    for _ in 0..ticks {
        ts += sim.tick_ms() * 1_000_000;
        let mut batch = Vec::new();
        for command in sim.tick(Timestamp(ts)) {
            batch.push(driver.apply(ts, command.clone()));
            sent.push(command);
        }
        for released in &batch {
            sim.observe(released);
        }
        data.apply(&batch);
        driver.engine.check_invariants().unwrap();
    }
    (sent, driver.engine, data)
}

#[test]
fn the_simulator_keeps_a_live_two_sided_market() {
    let (sent, engine, data) = run_simulator(7, 1_200);
    let instrument = InstrumentId(0);
    let depth = data.depth(instrument, 100).unwrap();
    assert!(
        depth.bids.len() >= 3 && depth.asks.len() >= 3,
        "quotes on both sides: {depth:?}"
    );
    assert!(depth.bids[0].0 < depth.asks[0].0);
    let ticker = data.ticker(instrument).unwrap();
    assert!(ticker.trades_24h > 100, "noise traders trade: {ticker:?}");
    // Ten minutes of ticks give ten one-minute candles.
    assert!(data.candles(instrument, Interval::M1, 100, None).len() >= 9);
    // Quotes are amended, not piled up: makers keep about their configured levels.
    let maker_orders = engine.open_orders(bourse_types::OwnerId(bourse_market::SIM_OWNER_BASE + 1));
    assert!(
        maker_orders.len() <= 10,
        "{} maker orders",
        maker_orders.len()
    );
    let amends = sent
        .iter()
        .filter(|c| matches!(c, Command::Amend { .. }))
        .count();
    assert!(
        amends > 100,
        "quotes follow the fair value ({amends} amendments)"
    );
}

#[test]
fn the_simulator_is_deterministic_for_a_seed() {
    let (a, engine_a, _) = run_simulator(11, 200);
    let (b, engine_b, _) = run_simulator(11, 200);
    assert_eq!(a, b);
    assert_eq!(engine_a.state_hash(), engine_b.state_hash());
    let (c, _, _) = run_simulator(12, 200);
    assert_ne!(a, c, "another seed, another market");
}

#[test]
fn a_restarted_simulator_cancels_what_it_left_resting() {
    let (_, engine, _) = run_simulator(3, 50);
    let instruments: Vec<_> = engine.instruments().copied().collect();
    let mut sim = Simulator::new(&sim_config(3), &instruments, |id| engine.reference(id));
    let commands = sim.startup_commands();
    let cancels = commands
        .iter()
        .filter(|c| matches!(c, Command::CancelAll { .. }))
        .count();
    assert_eq!(cancels, sim.owners().len());
    assert!(matches!(commands.last(), Some(Command::Deposit(_))));
}
