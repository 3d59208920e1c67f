//! Backtests over the API: the built-ins for a form, a backtest over the venue's
//! generated past that gives the library's own answer for the same candles, its
//! listing, report and refusals, and a backtest the venue stopped during failing at
//! the next start.

mod support;

use bourse_strategy::Bar;
use bourse_strategy::backtest::{BacktestConfig, FillModel, run};
use bourse_strategy::builtins::find;
use bourse_strategy::html::money;
use bourse_strategy::params::{ParamValue, Params};
use bourse_types::{Amount, Price, Qty};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Db, TestServer};

/// How long a test waits for a backtest of a few thousand bars to end.
const FINISH_DEADLINE: Duration = Duration::from_secs(30);

async fn start(db: Db) -> Option<TestServer> {
    TestServer::start("backtests", db, |config| {
        config.simulator.history_days = 2;
        // The past is the simulator's: it is generated with the simulator on.
        config.simulator.enabled = true;
    })
    .await
}

async fn finished(server: &TestServer, token: &str, id: &str) -> Value {
    let mut http = server.http().await;
    let deadline = Instant::now() + FINISH_DEADLINE;
    loop {
        let answer = http
            .json("GET", &format!("/api/v1/backtests/{id}"), Some(token), None)
            .await
            .unwrap();
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let data = answer.data();
        if matches!(
            data["status"].as_str(),
            Some("done" | "failed" | "cancelled")
        ) {
            return data;
        }
        assert!(
            Instant::now() < deadline,
            "the backtest did not end: {data}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts a backtest; answers it as queued (the request must be accepted).
async fn start_backtest(server: &TestServer, token: &str, body: Value) -> Value {
    let mut http = server.http().await;
    let answer = http
        .json("POST", "/api/v1/backtests", Some(token), Some(&body))
        .await
        .unwrap();
    assert_eq!(
        answer.status,
        202,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.data()
}

/// A backtest request that is refused: its status, code and message.
async fn refused(server: &TestServer, token: &str, body: Value) -> (u16, String, String) {
    let mut http = server.http().await;
    let answer = http
        .json("POST", "/api/v1/backtests", Some(token), Some(&body))
        .await
        .unwrap();
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (answer.status, answer.code(), message)
}

fn raw(text: &str, scale: u32) -> u64 {
    bourse_types::parse_decimal(text, scale as u8).unwrap()
}

async fn walkthrough(db: Db) {
    let Some(server) = start(db).await else {
        return;
    };
    let (token, _, _) = server.register("quant").await;
    let (other, _, _) = server.register("someone").await;
    let mut http = server.http().await;

    let builtins = http
        .json("GET", "/api/v1/strategies/builtins", Some(&token), None)
        .await
        .unwrap()
        .data();
    let names: Vec<&str> = builtins
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sma_crossover",
            "rsi_reversion",
            "bollinger_breakout",
            "macd_trend",
            "grid"
        ]
    );
    assert_eq!(builtins[0]["params"][0]["name"], "fast");
    assert_eq!(builtins[0]["params"][0]["type"], "integer");
    assert_eq!(builtins[0]["params"][2]["options"], json!(["sma", "ema"]));

    let started = start_backtest(
        &server,
        &token,
        json!({"strategy": "sma_crossover", "params": {"fast": 5, "slow": 20}, "symbol": "BTC-USD", "timeframe": "15m", "slippage_bps": 0}),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_string();
    assert_eq!(
        started["params"]["average"], "sma",
        "defaults are filled in"
    );
    let done = finished(&server, &token, &id).await;
    assert_eq!(done["status"], "done", "{done}");
    let summary = &done["summary"];
    let bars = summary["bars"].as_u64().unwrap();
    assert!(
        (190..=194).contains(&bars),
        "two days of 15-minute bars: {bars}"
    );
    assert_eq!(
        done["progress"],
        json!({"done": bars, "total": bars, "unit": "bars"})
    );
    assert!(summary["trades_total"].as_u64().unwrap() > 0);
    assert!(
        done["fill_model"]
            .as_str()
            .unwrap()
            .contains("0 bps slippage")
    );

    // The same candles through the library give the same answer.
    let candles = http
        .json(
            "GET",
            "/api/v1/markets/BTC-USD/candles?interval=15m&limit=1000",
            None,
            None,
        )
        .await
        .unwrap()
        .data();
    let bars_in: Vec<Bar> = candles
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Bar {
            open_time: c["open_time"].as_u64().unwrap(),
            open: Price::from_raw(raw(c["open"].as_str().unwrap(), 2)),
            high: Price::from_raw(raw(c["high"].as_str().unwrap(), 2)),
            low: Price::from_raw(raw(c["low"].as_str().unwrap(), 2)),
            close: Price::from_raw(raw(c["close"].as_str().unwrap(), 2)),
            volume: Qty::from_raw(raw(c["volume"].as_str().unwrap(), 8)),
        })
        .take(bars as usize)
        .collect();
    let (mut strategy, _) = find("sma_crossover")
        .unwrap()
        .build(&Params::from([
            ("fast".to_string(), ParamValue::Number(5.0)),
            ("slow".to_string(), ParamValue::Number(20.0)),
        ]))
        .unwrap();
    let expected = run(
        strategy.as_mut(),
        &bars_in,
        &BacktestConfig {
            instrument: bourse_bench::demo_btc_usd(),
            bar_ms: 900_000,
            initial_cash: Amount::from_raw(100_000_000_000),
            fill_model: FillModel {
                slippage_bps: 0,
                touch: false,
            },
        },
        &mut |_| true,
    )
    .unwrap();
    assert_eq!(
        summary["statistics"]["final_equity"].as_str().unwrap(),
        money(expected.statistics.final_equity, 6)
    );
    assert_eq!(
        summary["trades_total"].as_u64().unwrap(),
        expected.trades.len() as u64
    );

    let listed = http
        .json("GET", "/api/v1/backtests", Some(&token), None)
        .await
        .unwrap()
        .data();
    assert_eq!(listed["pagination"]["total"], 1);
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert!(
        listed["items"][0]["summary"].is_null(),
        "lists leave the summary out"
    );
    let report = http
        .send(
            "GET",
            &format!("/api/v1/backtests/{id}/report"),
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
        .await
        .unwrap();
    assert_eq!(report.status, 200);
    assert!(
        report
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let page = String::from_utf8_lossy(&report.body);
    assert_eq!(page.matches("<svg").count(), 2);

    // Refusals.
    let (status, code, message) = refused(
        &server,
        &token,
        json!({"strategy": "nope", "symbol": "BTC-USD", "timeframe": "1h"}),
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "UNKNOWN_STRATEGY"));
    assert_eq!(message, "no built-in strategy \"nope\"");
    let (status, code, message) = refused(
        &server,
        &token,
        json!({"strategy": "rsi_reversion", "params": {"oversold": 80}, "symbol": "BTC-USD", "timeframe": "1h"}),
    )
    .await;
    assert_eq!((status, code.as_str()), (409, "INVALID_PARAMETERS"));
    assert_eq!(message, "`oversold` must be a number from 1 to 50");
    let (status, code, _) = refused(
        &server,
        &token,
        json!({"strategy": "grid", "symbol": "NOPE-USD", "timeframe": "1h"}),
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "UNKNOWN_SYMBOL"));
    let (status, code, _) = refused(
        &server,
        &token,
        json!({"strategy": "grid", "symbol": "BTC-USD", "timeframe": "1h", "cash": "abc"}),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "MALFORMED_DECIMAL"));
    let cancel = http
        .json(
            "POST",
            &format!("/api/v1/backtests/{id}/cancel"),
            Some(&token),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (cancel.status, cancel.code().as_str()),
        (409, "BACKTEST_FINISHED")
    );
    let theirs = http
        .json(
            "GET",
            &format!("/api/v1/backtests/{id}"),
            Some(&other),
            None,
        )
        .await
        .unwrap();
    assert_eq!((theirs.status, theirs.code().as_str()), (404, "NOT_FOUND"));

    sweep(&server, &token).await;

    // A period without candles fails with the reason.
    let empty = start_backtest(
        &server,
        &token,
        json!({"strategy": "grid", "symbol": "BTC-USD", "timeframe": "1h", "from": 1000, "to": 2000}),
    )
    .await;
    let failed = finished(&server, &token, empty["id"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(
        failed["error"],
        "0 1h candles of BTC-USD in the period: a backtest needs at least 2"
    );

    // A backtest left queued when the venue stopped fails at the next start.
    let config = server.config.clone();
    let schema =
        (!config.data.database_schema.is_empty()).then_some(config.data.database_schema.clone());
    let store = bourse_store::Store::connect(&config.database_url(), schema.as_deref())
        .await
        .unwrap();
    let user: u64 = http
        .json("GET", "/api/v1/me", Some(&token), None)
        .await
        .unwrap()
        .data()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let request = store
        .backtest(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .request;
    let orphan = store.insert_backtest(user, 1, &request).await.unwrap();
    drop(store);
    let server = server.restart().await;
    let after = finished(&server, &token, &orphan.to_string()).await;
    assert_eq!(after["status"], "failed");
    assert_eq!(
        after["error"],
        "the venue stopped while it ran; run it again"
    );
    server.stop().await;
}

/// A sweep over the API: a grid with walk-forward, its progress on the `backtests`
/// topic, its ranked table, and the refusal of one too large.
async fn sweep(server: &TestServer, token: &str) {
    let mut http = server.http().await;
    let mut ws = server.ws(Some(token)).await;
    ws.send(json!({"op": "subscribe", "id": 1, "topics": ["backtests"]}))
        .await;
    ws.until("subscription", |m| m["type"] == "subscribed")
        .await;

    let started = start_backtest(
        server,
        token,
        json!({"strategy": "sma_crossover", "symbol": "BTC-USD", "timeframe": "15m",
            "sweep": {"kind": "grid", "rank_by": "total_return",
                "values": [{"name": "fast", "values": [3, 5, 8]}, {"name": "slow", "values": [13, 21]}],
                "walk_forward": {"windows": 2, "in_sample": 0.7}}}),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_string();
    assert_eq!(started["sweep"]["kind"], "grid");
    // Six sets over the whole period and in each window's sample, and each window's
    // choice out of it: 6 * 3 + 2 runs.
    let pushed = ws
        .until("the sweep's end", |m| {
            m["type"] == "backtest" && m["id"] == id.as_str() && m["status"] == "done"
        })
        .await;
    assert_eq!(
        pushed["progress"],
        json!({"done": 20, "total": 20, "unit": "runs"})
    );
    let done = finished(server, token, &id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        done["progress"],
        json!({"done": 20, "total": 20, "unit": "runs"})
    );
    let result = &done["sweep_result"];
    assert_eq!(result["rank_by"], "total_return");
    let rows = result["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let ranks: Vec<u64> = rows.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5, 6]);
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    for row in rows {
        assert_eq!(
            row["score"].as_f64().unwrap(),
            row["statistics"]["total_return"].as_f64().unwrap()
        );
        assert_eq!(row["params"]["average"], "sma", "defaults are filled in");
    }
    let mut sets: Vec<(u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["params"]["fast"].as_f64().unwrap() as u64,
                r["params"]["slow"].as_f64().unwrap() as u64,
            )
        })
        .collect();
    sets.sort();
    assert_eq!(sets, [(3, 13), (3, 21), (5, 13), (5, 21), (8, 13), (8, 21)]);
    let windows = result["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 2);
    for w in windows {
        assert!(w["in_sample_from"].as_str().unwrap() < w["out_of_sample_from"].as_str().unwrap());
        assert!(
            w["out_of_sample_from"].as_str().unwrap() < w["out_of_sample_to"].as_str().unwrap()
        );
        assert!(w["out_of_sample"]["final_equity"].is_string());
    }
    assert!(done["summary"].is_null(), "a sweep's answer is its table");
    let report = http
        .json(
            "GET",
            &format!("/api/v1/backtests/{id}/report"),
            Some(token),
            None,
        )
        .await
        .unwrap();
    assert_eq!(report.status, 404);

    // Too many sets, and a set the strategy refuses.
    let values: Vec<u64> = (1..=40).collect();
    let slows: Vec<u64> = (50..=80).collect();
    let big = refused(
        server,
        token,
        json!({"strategy": "sma_crossover", "symbol": "BTC-USD", "timeframe": "15m",
            "sweep": {"kind": "grid", "rank_by": "sharpe",
                "values": [{"name": "fast", "values": values}, {"name": "slow", "values": slows}]}}),
    )
    .await;
    assert_eq!(
        big,
        (
            409,
            "INVALID_PARAMETERS".to_string(),
            "the sweep holds 1240 parameter sets; at most 1000 run in one sweep (sample it instead)"
                .to_string()
        )
    );
    let (status, code, message) = refused(
        server,
        token,
        json!({"strategy": "rsi_reversion", "symbol": "BTC-USD", "timeframe": "15m",
            "sweep": {"kind": "random", "samples": 5, "rank_by": "sharpe",
                "values": [{"name": "oversold", "values": [20, 80]}]}}),
    )
    .await;
    assert_eq!((status, code.as_str()), (409, "INVALID_PARAMETERS"));
    assert_eq!(message, "`oversold` must be a number from 1 to 50");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backtests_over_the_api_on_sqlite() {
    walkthrough(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backtests_over_the_api_on_postgres() {
    walkthrough(Db::Postgres).await;
}
