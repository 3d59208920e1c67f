//! The compliance gate's cost per order with the default policies: a decision (the
//! input document in, every `deny` evaluated, the reasons out) timed one at a time on
//! one thread, p50 / p99 / p99.9, beside the interpreter's floor (a set of one package
//! whose `deny` is never true, the same inputs) and the engine applying one command of
//! the exchange-core mix on the same machine in the same run (the baseline).
//!
//! Run with `cargo bench -p bourse-bench --bench compliance`. Options: `--orders N`
//! (default 200,000 decisions), `--commands N` (default 1,000,000 engine commands).

use bourse_bench::{MixParams, exchange_mix, group};
use bourse_compliance::{Policies, PolicyFile, PolicySet};
use bourse_engine::{Engine, EngineLimits};
use bourse_types::Timestamp;
use hdrhistogram::Histogram;
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;

/// The order inputs cycle through these notionals (USD, whole units): most well
/// under the limit, some at it and some over it.
const NOTIONALS: [u64; 8] = [50, 1_200, 25_000, 640, 1_000_000, 1_000_001, 9, 300_000];

fn input(i: usize) -> serde_json::Value {
    let notional = NOTIONALS[i % NOTIONALS.len()];
    json!({
        "action": if i % 5 == 4 { "amend_order" } else { "place_order" },
        "user": {"id": 1000 + (i % 64) as u64, "role": "trader", "flags": []},
        "order": {
            "symbol": "BTC-USD", "side": "buy", "type": "limit",
            "price": "50000.00", "quantity": "0.5",
            "quote_asset": "USD", "quote_unit": 1_000_000u64,
            "notional_minor": notional * 1_000_000, "notional": notional.to_string(),
        },
        "stats": {"orders_last_hour": (i % 120) as u64, "cancels_last_minute": 0,
                  "notional_today": {"USD": 5_000_000_000u64}},
    })
}

/// Decides `orders` times over the inputs; prints the figures, answers the seconds.
fn measure(name: &str, policies: &Policies, inputs: &[serde_json::Value], orders: usize) -> f64 {
    // Warm the thread's engine and the caches.
    for input in inputs.iter().take(256) {
        black_box(policies.decide(input));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    let mut denied = 0usize;
    let started = Instant::now();
    for n in 0..orders {
        let input = &inputs[n % inputs.len()];
        let t = Instant::now();
        let decision = policies.decide(input);
        hist.saturating_record(t.elapsed().as_nanos() as u64);
        denied += usize::from(!decision.allowed);
        black_box(decision);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "   {name} (revision {}): {} decisions/s, {} denied; p50 {:.1} us, p99 {:.1} us, p99.9 {:.1} us, max {:.1} us",
        policies.revision(),
        group((orders as f64 / elapsed) as u64),
        group(denied as u64),
        hist.value_at_quantile(0.5) as f64 / 1e3,
        hist.value_at_quantile(0.99) as f64 / 1e3,
        hist.value_at_quantile(0.999) as f64 / 1e3,
        hist.max() as f64 / 1e3,
    );
    elapsed
}

fn main() {
    let mut orders = 200_000usize;
    let mut commands = 1_000_000usize;
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let number = || {
            args.get(i + 1)
                .and_then(|v| v.replace('_', "").parse::<usize>().ok())
        };
        match args[i].as_str() {
            "--orders" => orders = number().expect("--orders N").max(1),
            "--commands" => commands = number().expect("--commands N").max(1),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }

    let inputs: Vec<serde_json::Value> = (0..1024).map(input).collect();
    let policies = PolicySet::defaults()
        .compile()
        .expect("the defaults compile");
    println!(
        "== the compliance gate, one thread, {} decisions each",
        group(orders as u64)
    );
    let elapsed = measure("default policies", &policies, &inputs, orders);
    let never = PolicySet::from_parts(
        vec![PolicyFile {
            name: "never.rego".to_string(),
            source: "package bourse.policies.never\n\nimport rego.v1\n\ndeny contains \"never\" if false\n"
                .to_string(),
        }],
        Some("{}"),
    )
    .and_then(|set| set.compile())
    .expect("the floor's set compiles");
    measure("floor: one deny never true", &never, &inputs, orders);

    // The baseline: the engine's cost per command of the mix, in the same run.
    let workload = exchange_mix(MixParams {
        commands,
        ..MixParams::default()
    });
    let mut engine = Engine::new(EngineLimits::default());
    let mut out = Vec::with_capacity(256);
    let mut seq = 0u64;
    for command in workload.setup.iter().chain(&workload.prefill) {
        seq += 1;
        out.clear();
        engine
            .apply_into(seq, Timestamp(seq), command, &mut out)
            .unwrap();
    }
    let started = Instant::now();
    for command in &workload.commands {
        seq += 1;
        out.clear();
        engine
            .apply_into(seq, Timestamp(seq), command, &mut out)
            .unwrap();
        black_box(out.len());
    }
    let per_command = started.elapsed().as_secs_f64() / workload.commands.len() as f64;
    let per_decision = elapsed / orders as f64;
    println!(
        "== baseline: the engine, exchange-core mix of {} commands: {} ops/s ({:.2} us a command)",
        group(workload.commands.len() as u64),
        group((1.0 / per_command) as u64),
        per_command * 1e6
    );
    println!(
        "   a decision with the default policies costs {:.1} engine commands",
        per_decision / per_command
    );
}
