//! A fresh demo venue starts with a generated past: candles of every interval up to
//! its start, ending at the price live trading starts from, continued by live candles;
//! and after the read models are rebuilt, the next start writes the same past again.

mod support;

use bourse::serve::start_with;
use serde_json::Value;
use support::{Db, TestServer};

async fn candles(server: &TestServer, interval: &str, limit: u32) -> Vec<Value> {
    let mut http = server.http().await;
    let answer = http
        .json(
            "GET",
            &format!("/api/v1/markets/BTC-USD/candles?interval={interval}&limit={limit}"),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    answer.data().as_array().unwrap().clone()
}

fn time(candle: &Value) -> u64 {
    candle["open_time"].as_u64().unwrap()
}

async fn history(db: Db) {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let Some(server) = TestServer::start("history", db, |config| {
        config.simulator.history_days = 2;
        // The past is the simulator's: it is generated with the simulator on.
        config.simulator.enabled = true;
    })
    .await
    else {
        return;
    };
    let start_minute = before - before % 60_000;
    let hours = candles(&server, "1h", 1_000).await;
    assert!(
        (48..=50).contains(&hours.len()),
        "{} hourly candles for two days",
        hours.len()
    );
    let minutes = candles(&server, "1m", 1_000).await;
    assert_eq!(minutes.len(), 1_000);
    let generated: Vec<&Value> = minutes.iter().filter(|c| time(c) < start_minute).collect();
    assert!(generated.len() >= 999, "{}", generated.len());
    for pair in generated.windows(2) {
        assert_eq!(time(pair[1]), time(pair[0]) + 60_000, "one candle a minute");
        assert_eq!(pair[1]["open"], pair[0]["close"]);
    }
    // The last generated minute closes at the reference price live trading starts from.
    assert_eq!(generated.last().unwrap()["close"], "65000.00");
    let daily = candles(&server, "1d", 10).await;
    assert!((2..=3).contains(&daily.len()), "{daily:?}");

    // Read models rebuilt: the same past comes back.
    let mut server = server;
    let config = server.config.clone();
    server.running.take().unwrap().stop().await.unwrap();
    let schema =
        (!config.data.database_schema.is_empty()).then_some(config.data.database_schema.as_str());
    let store = bourse_store::Store::connect(&config.database_url(), schema)
        .await
        .unwrap();
    store.reset_read_models().await.unwrap();
    drop(store);
    let mut again = config.clone();
    again.server.addr = "127.0.0.1:0".parse().unwrap();
    let running = start_with(again, None).await.unwrap();
    server.addr = running.addr;
    server.running = Some(running);
    let rebuilt = candles(&server, "1h", 1_000).await;
    let cut = |list: &[Value]| -> Vec<Value> {
        list.iter()
            .filter(|c| time(c) + 3_600_000 <= start_minute)
            .cloned()
            .collect()
    };
    assert!(!cut(&hours).is_empty());
    assert_eq!(cut(&rebuilt), cut(&hours), "the same generated hours");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_venue_has_a_past_on_sqlite() {
    history(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_venue_has_a_past_on_postgres() {
    history(Db::Postgres).await;
}
