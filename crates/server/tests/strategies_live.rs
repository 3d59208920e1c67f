//! Live strategies through the REST API and the WebSocket, on a venue whose simulator
//! trades: a grid made from its built-in, funded in its own sub-account, started; on
//! the first candle to close it lays its buy orders (with the strategy's client order
//! ids) and gives a signal, stored and pushed; it resumes after a restart without
//! sending its orders again; pause, stop (its orders cancelled) and the refusals of
//! bad requests.

mod support;

use bourse::client::Http;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Db, TestServer};

/// How long a test waits for a candle to close (a minute) and the runner to act.
const BAR_WAIT: Duration = Duration::from_secs(90);

fn s(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
}

async fn call(
    http: &mut Http,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let response = http
        .json(method, path, Some(token), body.as_ref())
        .await
        .unwrap();
    let json = response.json();
    (response.status, json)
}

async fn get(http: &mut Http, path: &str, token: &str) -> Value {
    let (status, body) = call(http, "GET", path, token, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body["data"].clone()
}

async fn open_orders(http: &mut Http, token: &str, account: &str) -> Vec<Value> {
    let page = get(
        http,
        &format!("/api/v1/orders?status=open&account={account}"),
        token,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// Fails the test once [`BAR_WAIT`] has passed since `started`, else waits a moment.
async fn waited(started: Instant, what: &str) {
    assert!(
        started.elapsed() < BAR_WAIT,
        "no {what} within {BAR_WAIT:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
}

async fn live_strategy(db: Db) {
    let Some(server) = TestServer::start("strategies-live", db, |config| {
        config.simulator.enabled = true;
    })
    .await
    else {
        return;
    };
    let (alice, _, _) = server.register("alice").await;
    server.faucet(&alice, "USD", "100000").await;
    let mut http = server.http().await;

    // Refusals first.
    let grid = json!({"name": "grid one", "strategy": "grid", "symbol": "BTC-USD", "timeframe": "1m",
                      "params": {"levels": 3, "spacing_pct": 0.5, "allocation": 0.5}});
    let mut unknown = grid.clone();
    unknown["strategy"] = json!("martingale");
    let (status, body) = call(
        &mut http,
        "POST",
        "/api/v1/strategies",
        &alice,
        Some(unknown),
    )
    .await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (404, "UNKNOWN_STRATEGY")
    );
    let mut bad = grid.clone();
    bad["params"]["levels"] = json!(500);
    let (status, body) = call(&mut http, "POST", "/api/v1/strategies", &alice, Some(bad)).await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (409, "INVALID_PARAMETERS")
    );

    // Made, with a sub-account of its own, funded from the main account.
    let (status, made) = call(
        &mut http,
        "POST",
        "/api/v1/strategies",
        &alice,
        Some(grid.clone()),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let made = &made["data"];
    assert_eq!(s(&made["status"]), "created");
    assert_eq!(made["params"]["levels"], json!(3.0));
    let id = s(&made["id"]).to_string();
    let account = s(&made["account"]).to_string();
    let (status, body) = call(&mut http, "POST", "/api/v1/strategies", &alice, Some(grid)).await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (409, "STRATEGY_NAME_TAKEN")
    );
    let subs = get(&mut http, "/api/v1/subaccounts", &alice).await;
    assert_eq!(s(&subs[0]["name"]), "strategy grid one");
    let (status, body) = call(
        &mut http,
        "POST",
        "/api/v1/transfers/internal",
        &alice,
        Some(json!({"from": "main", "to": account, "asset": "USD", "amount": "20000"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(
        &mut http,
        "POST",
        &format!("/api/v1/strategies/{id}/pause"),
        &alice,
        None,
    )
    .await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (409, "STRATEGY_NOT_RUNNING")
    );

    let mut ws = server.ws(Some(&alice)).await;
    ws.send(json!({"op": "subscribe", "id": 1, "topics": ["strategies", "signals"]}))
        .await;
    ws.until("subscription", |m| m["type"] == "subscribed")
        .await;

    let (status, started) = call(
        &mut http,
        "POST",
        &format!("/api/v1/strategies/{id}/start"),
        &alice,
        None,
    )
    .await;
    assert_eq!(
        (status, s(&started["data"]["status"])),
        (200, "running"),
        "{started}"
    );
    let pushed = ws
        .until("the strategy's start", |m| {
            m["type"] == "strategy" && m["status"] == "running"
        })
        .await;
    assert_eq!(s(&pushed["id"]), id);

    // The first candle to close: the grid lays its three buys, from its sub-account.
    // The socket is read while waiting, so that the venue does not close it as idle.
    let started = Instant::now();
    let mut seen = Vec::new();
    while open_orders(&mut http, &alice, &account).await.len() < 3 {
        assert!(
            started.elapsed() < BAR_WAIT,
            "no grid orders within {BAR_WAIT:?}"
        );
        seen.extend(ws.drain(Duration::from_millis(500)).await);
    }
    let orders = open_orders(&mut http, &alice, &account).await;
    for order in &orders {
        assert_eq!((s(&order["side"]), s(&order["type"])), ("buy", "limit"));
        assert!(
            s(&order["client_order_id"]).starts_with(&format!("st{id}-")),
            "{order}"
        );
    }
    assert!(open_orders(&mut http, &alice, "main").await.is_empty());

    // Its signal: stored, listed, the latest, and pushed.
    let signals = get(
        &mut http,
        &format!("/api/v1/signals?strategy_id={id}"),
        &alice,
    )
    .await;
    let first = signals["items"][0].clone();
    assert_eq!(
        (
            s(&first["side"]),
            s(&first["symbol"]),
            s(&first["timeframe"])
        ),
        ("hold", "BTC-USD", "1m")
    );
    assert_eq!(s(&first["strength"]), "strong");
    assert!(
        first["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "centre")
    );
    let latest = get(
        &mut http,
        "/api/v1/signals/latest?symbol=BTC-USD&timeframe=1m",
        &alice,
    )
    .await;
    assert_eq!(latest["id"], first["id"]);
    let none = get(
        &mut http,
        "/api/v1/signals/latest?symbol=BTC-USD&timeframe=5m",
        &alice,
    )
    .await;
    assert!(none.is_null());
    let pushed = match seen.into_iter().find(|m| m["type"] == "signal") {
        Some(message) => message,
        None => ws.until("the signal", |m| m["type"] == "signal").await,
    };
    assert_eq!(pushed["id"], first["id"]);
    let strategy = get(&mut http, &format!("/api/v1/strategies/{id}"), &alice).await;
    assert_eq!(strategy["performance"]["orders"], json!(3));
    assert_eq!(s(&strategy["performance"]["cash"]), "20000.000000");
    let decisions = get(
        &mut http,
        &format!("/api/v1/strategies/{id}/decisions"),
        &alice,
    )
    .await;
    let places = decisions
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["action"]["action"] == "place")
        .count();
    assert_eq!(places, 3);
    let bars_before = strategy["performance"]["bars"].as_u64().unwrap();
    drop(ws);

    // A restart: it resumes running, and on the next candle sends nothing twice.
    let server = server.restart().await;
    let mut http = server.http().await;
    let strategy = get(&mut http, &format!("/api/v1/strategies/{id}"), &alice).await;
    assert_eq!(s(&strategy["status"]), "running");
    let started = Instant::now();
    loop {
        let strategy = get(&mut http, &format!("/api/v1/strategies/{id}"), &alice).await;
        if strategy["performance"]["bars"].as_u64().unwrap() > bars_before {
            break;
        }
        waited(started, "a bar after the restart").await;
    }
    let orders_now = open_orders(&mut http, &alice, &account).await;
    let filled = get(
        &mut http,
        &format!("/api/v1/orders?status=closed&account={account}"),
        &alice,
    )
    .await;
    assert_eq!(
        orders_now.len() + filled["items"].as_array().unwrap().len(),
        3,
        "the grid's orders, none sent twice: {orders_now:?} {filled}"
    );

    // Pause, then stop: its orders are cancelled.
    let (status, paused) = call(
        &mut http,
        "POST",
        &format!("/api/v1/strategies/{id}/pause"),
        &alice,
        None,
    )
    .await;
    assert_eq!((status, s(&paused["data"]["status"])), (200, "paused"));
    let (status, stopped) = call(
        &mut http,
        "POST",
        &format!("/api/v1/strategies/{id}/stop"),
        &alice,
        None,
    )
    .await;
    assert_eq!((status, s(&stopped["data"]["status"])), (200, "stopped"));
    assert!(open_orders(&mut http, &alice, &account).await.is_empty());
    let (status, body) = call(
        &mut http,
        "PUT",
        &format!("/api/v1/strategies/{id}/params"),
        &alice,
        Some(json!({"params": {"levels": 0}})),
    )
    .await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (409, "INVALID_PARAMETERS")
    );
    let (status, updated) = call(
        &mut http,
        "PUT",
        &format!("/api/v1/strategies/{id}/params"),
        &alice,
        Some(json!({"params": {"levels": 4}})),
    )
    .await;
    assert_eq!(
        (status, &updated["data"]["params"]["levels"]),
        (200, &json!(4.0))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_grid_trades_from_its_sub_account_and_resumes_after_a_restart_on_sqlite() {
    live_strategy(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_strategy_is_made_funded_and_started_once() {
    let Some(server) = TestServer::start("strategies-config", Db::Sqlite, |_| {}).await else {
        return;
    };
    let (alice, _, _) = server.register("alice").await;
    server.faucet(&alice, "USD", "50000").await;
    let mut server = server;
    server.config.strategies = vec![bourse::config::StrategyConfig {
        user: "alice".into(),
        name: "configured grid".into(),
        strategy: "grid".into(),
        symbol: "BTC-USD".into(),
        timeframe: "1m".into(),
        params: [(
            "levels".to_string(),
            bourse_strategy::params::ParamValue::Number(4.0),
        )]
        .into(),
        funding: Some("10000".into()),
        start: true,
    }];
    let server = server.restart().await;
    let mut http = server.http().await;
    let listed = get(&mut http, "/api/v1/strategies", &alice).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let strategy = &listed[0];
    assert_eq!(
        (s(&strategy["name"]), s(&strategy["status"])),
        ("configured grid", "running")
    );
    assert_eq!(strategy["params"]["levels"], json!(4.0));
    let account = s(&strategy["account"]).to_string();
    let balances = get(
        &mut http,
        &format!("/api/v1/balances?account={account}"),
        &alice,
    )
    .await;
    let usd = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USD")
        .unwrap();
    assert_eq!(s(&usd["available"]), "10000.000000");

    // Started again with other parameters: the same strategy gets them; nothing is
    // made or funded twice.
    let mut server = server;
    server.config.strategies[0].params.insert(
        "levels".into(),
        bourse_strategy::params::ParamValue::Number(6.0),
    );
    let server = server.restart().await;
    let mut http = server.http().await;
    let listed = get(&mut http, "/api/v1/strategies", &alice).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["params"]["levels"], json!(6.0));
    assert_eq!(s(&listed[0]["status"]), "running");
    let balances = get(&mut http, "/api/v1/balances", &alice).await;
    let usd = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USD")
        .unwrap();
    assert_eq!(s(&usd["available"]), "40000.000000");

    // An entry for a user that does not exist stops the start, naming it.
    let mut config = server.config.clone();
    config.strategies[0].user = "nobody".into();
    config.server.addr = "127.0.0.1:0".parse().unwrap();
    let mut server = server;
    server
        .running
        .take()
        .unwrap()
        .stop()
        .await
        .expect("a clean stop");
    let failed = bourse::serve::start_with(config, None).await;
    let Err(error) = failed else {
        panic!("a start with a strategy for no user is refused");
    };
    let error = format!("{error:#}");
    assert!(error.contains("no user \"nobody\""), "{error}");
    server.stop().await;
}
