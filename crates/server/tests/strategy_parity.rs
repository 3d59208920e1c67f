//! Parity: one strategy with one set of parameters, run as a backtest over recorded
//! candles and run live through the venue's real path (the strategy runner, the
//! order use case, the journal and the engine) on a venue whose market replays the
//! same candles one by one, makes the same decisions and sends the same orders.
//!
//! The live market is given what the backtest's fill model assumes: before the candle
//! on which the backtest decided an order closes, a market maker rests the other side
//! at the next candle's open (the backtest fills market orders there, here without
//! slippage), so both runs book the same fills. Live, the strategy's market buys go as
//! immediate-or-cancel limits capped above the last close, and fill at that open too. Daily candles in the past are closed
//! for the venue at once, and no trade of the test closes a candle of its own (today's
//! candle closes at midnight).

mod support;

use bourse_market::{Candle, Interval};
use bourse_strategy::Bar;
use bourse_strategy::backtest::{BacktestConfig, FillModel, run};
use bourse_strategy::bar::{WalkSpec, random_walk};
use bourse_strategy::builtins::find;
use bourse_strategy::params::{ParamValue, Params};
use bourse_strategy::strategy::{Action, OrderType};
use bourse_types::{Amount, Price, Qty, Side};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Db, TestServer};

const DAY_MS: u64 = 86_400_000;
/// How long the test waits for the runner to act on one candle.
const STEP_WAIT: Duration = Duration::from_secs(20);

fn params() -> Params {
    let mut params = Params::new();
    params.insert("fast".into(), ParamValue::Number(3.0));
    params.insert("slow".into(), ParamValue::Number(8.0));
    // The default allocation (95% of the equity): live, a strategy's market buy holds
    // its protection price, not the band's top, so it spends what its backtest spends.
    params
}

fn candle(bar: &Bar) -> Candle {
    Candle {
        open_time: bar.open_time,
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume: bar.volume,
        quote_volume: Amount::ZERO,
        trades: 1,
    }
}

/// What a decision is, apart from when and how it is numbered.
fn describe(action: &Action) -> String {
    match action {
        Action::Place { intent, .. } => format!(
            "place {:?} {} {}",
            intent.side,
            match intent.order_type {
                OrderType::Market => "market".to_string(),
                OrderType::Limit { price } => format!("limit {}", price.raw()),
                OrderType::Stop { trigger } => format!("stop {}", trigger.raw()),
            },
            intent.qty.raw()
        ),
        Action::Signal(signal) => format!("signal {} {}", signal.side.as_str(), signal.entry.raw()),
        Action::Cancel { id } => format!("cancel {id}"),
        Action::CancelAll => "cancel_all".to_string(),
        Action::Timer { at_ms } => format!("timer {at_ms}"),
    }
}

fn live_describe(action: &Value) -> String {
    match action["action"].as_str().unwrap() {
        "place" => {
            let intent = &action["intent"];
            let side = if intent["side"] == "Buy" || intent["side"] == "buy" {
                "Buy"
            } else {
                "Sell"
            };
            let kind = match intent["order_type"]["type"].as_str().unwrap() {
                "market" => "market".to_string(),
                "limit" => format!("limit {}", intent["order_type"]["price"]),
                other => format!(
                    "stop {}",
                    intent["order_type"][if other == "stop" { "trigger" } else { "price" }]
                ),
            };
            format!("place {side} {kind} {}", intent["qty"])
        }
        "signal" => format!(
            "signal {} {}",
            action["side"].as_str().unwrap(),
            action["entry"]
        ),
        other => other.to_string(),
    }
}

async fn call(
    http: &mut bourse::client::Http,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let response = http
        .json(method, path, Some(token), body.as_ref())
        .await
        .unwrap();
    assert!(
        response.status < 300,
        "{method} {path}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.data()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategy_decides_the_same_live_as_in_its_backtest() {
    // Today's candle closes at midnight: a run that would cross it waits it out.
    let day_left = DAY_MS
        - (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64)
            % DAY_MS;
    if day_left < 180_000 {
        tokio::time::sleep(Duration::from_millis(day_left + 1_000)).await;
    }
    let Some(server) = TestServer::start("parity", Db::Sqlite, |_| {}).await else {
        return;
    };
    let service = server.running.as_ref().unwrap().state.service.clone();
    let instrument = service.catalog().symbol("BTC-USD").unwrap();
    let bars = random_walk(&WalkSpec {
        seed: 11,
        count: 60,
        start: Price::from_raw(6_500_000),
        floor: Price::from_raw(6_000_000),
        step_max: 40_000,
        lot: instrument.spec().lot_size.raw(),
        start_ms: 1_735_689_600_000,
        bar_ms: DAY_MS,
    });

    // The backtest.
    let builtin = find("sma_crossover").unwrap();
    let (mut strategy, _) = builtin.build(&params()).unwrap();
    let cash = Amount::from_raw(100_000_000_000);
    let config = BacktestConfig {
        instrument,
        bar_ms: DAY_MS,
        initial_cash: cash,
        fill_model: FillModel {
            slippage_bps: 0,
            touch: false,
        },
    };
    let outcome = run(strategy.as_mut(), &bars, &config, &mut |_| true).unwrap();
    let expected: Vec<(u64, String)> = outcome
        .decisions
        .iter()
        .map(|d| (d.bar, describe(&d.action)))
        .collect();
    let placed: Vec<(u64, Side, Qty)> = outcome
        .decisions
        .iter()
        .filter_map(|d| match &d.action {
            Action::Place { intent, .. } => Some((d.bar, intent.side, intent.qty)),
            _ => None,
        })
        .collect();
    assert!(
        placed.len() >= 2,
        "the walk makes the backtest trade: {expected:?}"
    );

    // The live strategy, in a funded sub-account; a maker with both assets.
    let (alice, _, _) = server.register("alice").await;
    let (maker, _, _) = server.register("maker").await;
    server.faucet(&alice, "USD", "100000").await;
    server.faucet(&maker, "USD", "100000").await;
    server.faucet(&maker, "USD", "100000").await;
    for _ in 0..5 {
        server.faucet(&maker, "BTC", "2").await;
    }
    let mut http = server.http().await;
    let made = call(
        &mut http,
        "POST",
        "/api/v1/strategies",
        &alice,
        Some(json!({"name": "parity", "strategy": "sma_crossover", "symbol": "BTC-USD", "timeframe": "1d",
                    "params": {"fast": 3, "slow": 8}})),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    let account = made["account"].as_str().unwrap().to_string();
    call(
        &mut http,
        "POST",
        "/api/v1/transfers/internal",
        &alice,
        Some(json!({"from": "main", "to": account, "asset": "USD", "amount": "100000"})),
    )
    .await;
    call(
        &mut http,
        "POST",
        &format!("/api/v1/strategies/{id}/start"),
        &alice,
        None,
    )
    .await;

    // The market replays the candles one by one.
    let mut fills_expected = 0u64;
    for (index, _) in bars.iter().enumerate() {
        if let Some((_, side, qty)) = placed.iter().find(|(bar, _, _)| *bar == index as u64)
            && let Some(next) = bars.get(index + 1)
        {
            let maker_side = if *side == Side::Buy { "sell" } else { "buy" };
            call(
                &mut http,
                "POST",
                "/api/v1/orders",
                &maker,
                Some(json!({"symbol": "BTC-USD", "side": maker_side, "type": "limit",
                            "price": instrument.format_price(next.open), "quantity": instrument.format_qty(*qty)})),
            )
            .await;
            fills_expected += 1;
        }
        let prefix: Vec<Candle> = bars[..=index].iter().map(candle).collect();
        service
            .market_mut()
            .load_candles(instrument.id(), Interval::D1, prefix);
        let started = Instant::now();
        loop {
            let live = call(
                &mut http,
                "GET",
                &format!("/api/v1/strategies/{id}"),
                &alice,
                None,
            )
            .await;
            let performance = &live["performance"];
            let bars_done = performance["bars"].as_u64().unwrap();
            let fills_done = performance["fills"].as_u64().unwrap();
            if bars_done == index as u64 + 1
                && fills_done
                    >= fills_expected.saturating_sub(u64::from(
                        placed.iter().any(|(b, _, _)| *b == index as u64),
                    ))
            {
                assert_eq!(live["status"], "running", "{live}");
                break;
            }
            assert!(
                started.elapsed() < STEP_WAIT,
                "candle {index}: the strategy is at {performance}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // The last order's fill.
    let started = Instant::now();
    loop {
        let live = call(
            &mut http,
            "GET",
            &format!("/api/v1/strategies/{id}"),
            &alice,
            None,
        )
        .await;
        if live["performance"]["fills"].as_u64().unwrap() >= fills_expected {
            break;
        }
        assert!(started.elapsed() < STEP_WAIT, "the last fill: {live}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let decisions = call(
        &mut http,
        "GET",
        &format!("/api/v1/strategies/{id}/decisions"),
        &alice,
        None,
    )
    .await;
    let actual: Vec<(u64, String)> = decisions
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["bar"].as_u64().unwrap(), live_describe(&d["action"])))
        .collect();
    assert_eq!(actual, expected, "live decisions against the backtest's");
    // The orders the venue holds for the strategy: the same sides and quantities.
    let orders = call(
        &mut http,
        "GET",
        &format!("/api/v1/orders?status=all&account={account}&limit=500"),
        &alice,
        None,
    )
    .await;
    let mut sent: Vec<(String, String)> = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["side"].as_str().unwrap().to_string(),
                o["quantity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    sent.reverse();
    let wanted: Vec<(String, String)> = placed
        .iter()
        .map(|(_, side, qty)| {
            (
                (if *side == Side::Buy { "buy" } else { "sell" }).to_string(),
                instrument.format_qty(*qty),
            )
        })
        .collect();
    assert_eq!(sent, wanted);
    server.stop().await;
}
