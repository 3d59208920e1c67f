//! The engine benchmark: exchange-core's order mix on one thread.
//!
//! Run with `cargo bench -p bourse-bench --bench engine`. Optional arguments:
//! `--commands N` (default 3,000,000), `--seed S` (default 1), `--runs R` (default 5),
//! `--bourse-only` (skip the comparison, for profiling), `--stop-share P` (the share
//! of open orders, in percent, that are stop orders in the second mix; default 10;
//! 0 skips it).
//!
//! After the plain mix it runs the same mix with about a tenth of the open orders
//! being stop-market orders (conditional orders in the engine, placed away from the
//! price and cancelled in proportion; some fire as the price wanders), and prints its
//! throughput and latency beside the plain mix's.
//!
//! It prints, for Bourse's engine and for the `orderbook-rs` crate driven with the same
//! commands: throughput (commands per second, best and median of the runs, timed without
//! per-command clocks) and per-command latency percentiles from a separate run that
//! times each command (an HDR histogram, nanoseconds; the clock read itself, a few tens
//! of nanoseconds, is included). Then the ratio of the two throughputs.
//!
//! Both books get identical commands and identical order ids. Bourse does more per
//! command than orderbook-rs: every order holds funds in a double-entry ledger, every
//! fill moves money and fees, and every command emits events.

use bourse_bench::{MixParams, Workload, exchange_mix, group};
use bourse_engine::{Command, Engine, EngineLimits, Event, OrderKind, OrderRef};
use bourse_types::{Side, TimeInForce, Timestamp};
use hdrhistogram::Histogram;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let mut params = MixParams::default();
    let mut runs = 5usize;
    let mut compare = true;
    let mut stop_share = 10u64;
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = || {
            args.get(i + 1)
                .and_then(|v| v.replace('_', "").parse::<u64>().ok())
        };
        match args[i].as_str() {
            "--commands" => params.commands = value().expect("--commands N") as usize,
            "--seed" => params.seed = value().expect("--seed S"),
            "--runs" => runs = value().expect("--runs R") as usize,
            "--stop-share" => stop_share = value().expect("--stop-share P"),
            "--bourse-only" => {
                compare = false;
                i += 1;
                continue;
            }
            // `cargo bench` passes --bench; anything else is ignored.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }

    let started = Instant::now();
    let workload = exchange_mix(params);
    describe(&workload, params, "exchange-core mix", started);

    let bourse = measure(
        "bourse engine",
        runs,
        || BourseRun::new(&workload),
        |run| run.throughput(&workload),
        |run, hist| run.latency(&workload, hist),
    );
    if stop_share > 0 {
        let stop_params = MixParams {
            stop_share_pct: stop_share,
            ..params
        };
        let started = Instant::now();
        let stops = exchange_mix(stop_params);
        println!();
        describe(
            &stops,
            stop_params,
            &format!("the same mix with {stop_share}% of the open orders stop orders"),
            started,
        );
        let with_stops = measure(
            "bourse engine, stop mix",
            runs,
            || BourseRun::new(&stops),
            |run| run.throughput(&stops),
            |run, hist| run.latency(&stops, hist),
        );
        println!(
            "stop mix against the plain mix (median throughput): {:.1}%",
            with_stops / bourse * 100.0
        );
    }
    if !compare {
        return;
    }
    println!();
    let other = measure(
        "orderbook-rs 0.15.3",
        runs.min(3),
        || OrderbookRsRun::new(&workload),
        |run| run.throughput(&workload),
        |run, hist| run.latency(&workload, hist),
    );
    println!();
    println!(
        "ratio (median throughput, plain mix): {:.1}x",
        bourse / other
    );
}

/// Prints what a generated workload contains.
fn describe(workload: &Workload, params: MixParams, name: &str, started: Instant) {
    let stats = &workload.stats;
    let n = workload.commands.len();
    let pct = |k: usize| k as f64 * 100.0 / n as f64;
    println!(
        "workload: {name}, seed {}, {} commands",
        params.seed,
        group(n as u64)
    );
    println!(
        "  mix: {:.1}% move, {:.1}% GTC, {:.1}% cancel, {:.1}% IOC; {} trades; {} rejected",
        pct(stats.moves),
        pct(stats.gtc),
        pct(stats.cancels),
        pct(stats.ioc),
        group(stats.trades as u64),
        stats.rejected
    );
    println!(
        "  book: {} orders on {} levels at the start, {} on {} at the end ({} accounts); generated in {:.1} s",
        stats.resting_at_start,
        stats.levels_at_start,
        stats.resting_at_end,
        stats.levels_at_end,
        params.accounts,
        started.elapsed().as_secs_f64()
    );
    if params.stop_share_pct > 0 {
        println!(
            "  stops: {} open at the start, {} at the end; {} placed, {} cancelled, {} fired",
            stats.stops_at_start,
            stats.stops_at_end,
            group(stats.stops as u64),
            group(stats.stop_cancels as u64),
            group(stats.triggered as u64)
        );
    }
    println!();
}

/// Runs `runs` throughput passes and one latency pass; prints them; returns the median
/// throughput.
fn measure<R>(
    name: &str,
    runs: usize,
    prepare: impl Fn() -> R,
    throughput: impl Fn(&mut R) -> f64,
    latency: impl Fn(&mut R, &mut Histogram<u64>),
) -> f64 {
    let mut rates: Vec<f64> = (0..runs)
        .map(|_| {
            let mut run = prepare();
            throughput(&mut run)
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let best = rates[rates.len() - 1];
    let mut hist =
        Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds");
    let mut run = prepare();
    latency(&mut run, &mut hist);
    println!(
        "{name}: {} ops/s median, {} best of {runs}; latency p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns",
        group(median as u64),
        group(best as u64),
        hist.value_at_quantile(0.50),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        group(hist.max())
    );
    median
}

struct BourseRun {
    engine: Engine,
    seq: u64,
    out: Vec<Event>,
}

impl BourseRun {
    fn new(workload: &Workload) -> BourseRun {
        let mut run = BourseRun {
            engine: Engine::new(EngineLimits::default()),
            seq: 0,
            out: Vec::with_capacity(256),
        };
        for command in workload.setup.iter().chain(&workload.prefill) {
            run.apply(command);
        }
        run
    }

    #[inline]
    fn apply(&mut self, command: &Command) {
        self.seq += 1;
        self.out.clear();
        self.engine
            .apply_into(self.seq, Timestamp(self.seq), command, &mut self.out)
            .expect("consecutive sequence");
    }

    fn throughput(&mut self, workload: &Workload) -> f64 {
        let started = Instant::now();
        for command in &workload.commands {
            self.apply(command);
            black_box(self.out.len());
        }
        workload.commands.len() as f64 / started.elapsed().as_secs_f64()
    }

    fn latency(&mut self, workload: &Workload, hist: &mut Histogram<u64>) {
        for command in &workload.commands {
            let started = Instant::now();
            self.apply(command);
            black_box(self.out.len());
            hist.saturating_record(started.elapsed().as_nanos() as u64);
        }
    }
}

use orderbook_rs::OrderBook;
use pricelevel::{Id, OrderUpdate, Price as ObPrice};

/// `orderbook-rs` driven with the same commands and ids.
struct OrderbookRsRun {
    book: OrderBook<()>,
}

impl OrderbookRsRun {
    fn new(workload: &Workload) -> OrderbookRsRun {
        let run = OrderbookRsRun {
            book: OrderBook::new("BTC-USD"),
        };
        for (command, id) in workload.prefill.iter().zip(&workload.prefill_ids) {
            run.apply(command, *id);
        }
        run
    }

    #[inline]
    fn apply(&self, command: &Command, placed: Option<bourse_types::OrderId>) {
        match command {
            Command::Place(order) => {
                let (OrderKind::Limit { price, qty }, Some(id)) = (order.kind, placed) else {
                    return;
                };
                let side = match order.side {
                    Side::Buy => pricelevel::Side::Buy,
                    Side::Sell => pricelevel::Side::Sell,
                };
                let tif = match order.tif {
                    TimeInForce::Ioc => pricelevel::TimeInForce::Ioc,
                    _ => pricelevel::TimeInForce::Gtc,
                };
                let _ = black_box(self.book.add_limit_order(
                    Id::from_u64(id.0),
                    u128::from(price.raw()),
                    qty.raw(),
                    side,
                    tif,
                    None,
                ));
            }
            Command::Amend {
                order: OrderRef::Id(id),
                price: Some(price),
                ..
            } => {
                let _ = black_box(self.book.update_order(OrderUpdate::UpdatePrice {
                    order_id: Id::from_u64(id.0),
                    new_price: ObPrice::new(u128::from(price.raw())),
                }));
            }
            Command::Cancel {
                order: OrderRef::Id(id),
                ..
            } => {
                let _ = black_box(self.book.cancel_order(Id::from_u64(id.0)));
            }
            _ => {}
        }
    }

    fn throughput(&mut self, workload: &Workload) -> f64 {
        let started = Instant::now();
        for (command, id) in workload.commands.iter().zip(&workload.placed_ids) {
            self.apply(command, *id);
        }
        workload.commands.len() as f64 / started.elapsed().as_secs_f64()
    }

    fn latency(&mut self, workload: &Workload, hist: &mut Histogram<u64>) {
        for (command, id) in workload.commands.iter().zip(&workload.placed_ids) {
            let started = Instant::now();
            self.apply(command, *id);
            hist.saturating_record(started.elapsed().as_nanos() as u64);
        }
        black_box(self.book.best_bid());
    }
}
