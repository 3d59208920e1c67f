//! Risk through the REST API and the WebSocket: a bracket whose entry fills, then the
//! stop fires and the take profit is cancelled, with positions and balances checked at
//! each step; the kill switch on an instrument; limits set by an admin; the panic
//! button. On SQLite always and on PostgreSQL when `BOURSE_TEST_POSTGRES_URL` is set.

mod support;

use bourse::client::Http;
use serde_json::{Value, json};
use support::{Db, TestServer};

fn s(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
}

async fn post(http: &mut Http, path: &str, token: &str, body: Value) -> (u16, Value) {
    let response = http
        .json("POST", path, Some(token), Some(&body))
        .await
        .unwrap();
    let json = response.json();
    (response.status, json)
}

async fn get(http: &mut Http, path: &str, token: &str) -> Value {
    let response = http.json("GET", path, Some(token), None).await.unwrap();
    assert_eq!(
        response.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&response.body)
    );
    response.data()
}

async fn balance(http: &mut Http, token: &str, asset: &str) -> (String, String) {
    let balances = get(http, "/api/v1/balances", token).await;
    let b = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == asset)
        .cloned()
        .unwrap_or_else(|| json!({"available": "none", "held": "none"}));
    (s(&b["available"]).to_string(), s(&b["held"]).to_string())
}

async fn open_orders(http: &mut Http, token: &str) -> Vec<Value> {
    let page = get(http, "/api/v1/orders?status=open", token).await;
    page["items"].as_array().unwrap().clone()
}

async fn bracket_and_kill_switch(db: Db) {
    let Some(server) = TestServer::start("risk", db, |_| {}).await else {
        return;
    };
    let (alice, _, alice_id) = server.register("alice").await;
    let (bob, _, _) = server.register("bob").await;
    let (carol, _, _) = server.register("carol").await;
    server.faucet(&alice, "USD", "100000").await;
    server.faucet(&bob, "BTC", "2").await;
    server.faucet(&carol, "USD", "100000").await;
    let mut http = server.http().await;

    let mut ws = server.ws(Some(&alice)).await;
    ws.send(json!({"op": "subscribe", "id": 1, "topics": ["orders", "positions", "risk"]}))
        .await;
    ws.until("subscription", |m| m["type"] == "subscribed")
        .await;

    // Bob's ask rests; Alice's bracket entry takes it all.
    let (status, _) = post(
        &mut http,
        "/api/v1/orders",
        &bob,
        json!({"symbol": "BTC-USD", "side": "sell", "type": "limit", "price": "65000", "quantity": "0.5"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, entry) = post(
        &mut http,
        "/api/v1/orders",
        &alice,
        json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "65000", "quantity": "0.5",
               "bracket": {"stop_loss": "62000", "take_profit": "70000"}}),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    let entry = &entry["data"];
    assert_eq!(s(&entry["status"]), "filled");
    assert_eq!(
        entry["bracket"],
        json!({"stop_loss": "62000.00", "take_profit": "70000.00"})
    );
    let entry_id = s(&entry["id"]).to_string();

    // The protection: a stop-market sell waiting at 62,000 and a take-profit limit
    // sell resting at 70,000, one cancelling the other, both for the 0.5 filled.
    let open = open_orders(&mut http, &alice).await;
    assert_eq!(open.len(), 2, "{open:?}");
    let stop = open.iter().find(|o| o["type"] == "stop_market").unwrap();
    let take = open.iter().find(|o| o["type"] == "limit").unwrap();
    assert_eq!(
        (
            s(&stop["status"]),
            s(&stop["trigger_price"]),
            s(&stop["quantity"])
        ),
        ("untriggered", "62000.00", "0.50000000")
    );
    assert_eq!(
        (s(&take["status"]), s(&take["price"])),
        ("open", "70000.00")
    );
    for leg in [stop, take] {
        assert_eq!(s(&leg["parent_order_id"]), entry_id);
        assert_eq!(s(&leg["side"]), "sell");
    }
    assert_eq!(stop["oco_order_id"], take["id"]);
    assert_eq!(take["oco_order_id"], stop["id"]);
    let (stop_id, take_id) = (s(&stop["id"]).to_string(), s(&take["id"]).to_string());

    // Alice paid 32,500 and a 20 bps taker fee of 65; the pair holds the 0.5 BTC once.
    assert_eq!(
        balance(&mut http, &alice, "USD").await,
        ("67435.000000".to_string(), "0.000000".to_string())
    );
    assert_eq!(
        balance(&mut http, &alice, "BTC").await,
        ("0.00000000".to_string(), "0.50000000".to_string())
    );
    let positions = get(&mut http, "/api/v1/positions", &alice).await;
    let position = &positions[0];
    assert_eq!(
        (
            s(&position["symbol"]),
            s(&position["quantity"]),
            s(&position["entry_price"]),
            s(&position["cost"]),
            s(&position["realized_pnl"]),
            s(&position["fees"])
        ),
        (
            "BTC-USD",
            "0.50000000",
            "65000.00",
            "32500.000000",
            "0.000000",
            "65.000000"
        )
    );
    let message = ws.until("position", |m| m["type"] == "position").await;
    assert_eq!(s(&message["quantity"]), "0.50000000");

    // Carol bids 1 at 62,000; Bob sells 0.1 into it: the last price reaches the stop.
    let (status, _) = post(
        &mut http,
        "/api/v1/orders",
        &carol,
        json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "62000", "quantity": "1"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post(
        &mut http,
        "/api/v1/orders",
        &bob,
        json!({"symbol": "BTC-USD", "side": "sell", "type": "limit", "price": "62000", "quantity": "0.1"}),
    )
    .await;
    assert_eq!(status, 201);
    // The stop's partner goes first, releasing the hold they share; then it fires.
    let cancelled = ws
        .until("the take profit's cancel", |m| {
            m["type"] == "order" && m["event"] == "cancelled" && m["order_id"] == take_id.as_str()
        })
        .await;
    assert_eq!(s(&cancelled["reason"]), "OCO_SIBLING");
    let fired = ws
        .until("trigger", |m| {
            m["type"] == "risk" && m["event"] == "triggered"
        })
        .await;
    assert_eq!(
        (s(&fired["order_id"]), s(&fired["price"])),
        (stop_id.as_str(), "62000.00")
    );

    let stop = get(&mut http, &format!("/api/v1/orders/{stop_id}"), &alice).await;
    assert_eq!(s(&stop["status"]), "filled");
    assert!(stop["triggered_at"].is_string());
    let take = get(&mut http, &format!("/api/v1/orders/{take_id}"), &alice).await;
    assert_eq!(
        (s(&take["status"]), s(&take["reason"])),
        ("cancelled", "OCO_SIBLING")
    );
    assert!(open_orders(&mut http, &alice).await.is_empty());

    // Sold 0.5 at 62,000: 31,000 less a 62 fee; the position is closed with a loss of
    // 1,500 (fees apart: 65 + 62).
    assert_eq!(
        balance(&mut http, &alice, "USD").await,
        ("98373.000000".to_string(), "0.000000".to_string())
    );
    assert_eq!(
        balance(&mut http, &alice, "BTC").await,
        ("0.00000000".to_string(), "0.00000000".to_string())
    );
    let positions = get(&mut http, "/api/v1/positions", &alice).await;
    let position = &positions[0];
    assert_eq!(
        (
            s(&position["quantity"]),
            s(&position["realized_pnl"]),
            s(&position["fees"]),
            s(&position["unrealized_pnl"])
        ),
        ("0.00000000", "-1500.000000", "127.000000", "0.000000")
    );

    // The kill switch on BTC-USD: Carol's rest is cancelled, new orders are refused,
    // cancels still answer.
    let admin = server.login("admin", support::ADMIN_PASSWORD).await.data();
    let admin = s(&admin["access_token"]).to_string();
    let (status, halts) = post(
        &mut http,
        "/api/v1/admin/halts",
        &admin,
        json!({"scope": "instrument", "symbol": "BTC-USD", "reason": "feed under review"}),
    )
    .await;
    assert_eq!(status, 200, "{halts}");
    assert_eq!(
        (
            s(&halts["data"][0]["scope"]),
            s(&halts["data"][0]["symbol"]),
            s(&halts["data"][0]["reason"])
        ),
        ("instrument", "BTC-USD", "feed under review")
    );
    let halted = ws
        .until("halt", |m| m["type"] == "risk" && m["event"] == "halted")
        .await;
    assert_eq!(s(&halted["symbol"]), "BTC-USD");
    let carol_orders = open_orders(&mut http, &carol).await;
    assert!(carol_orders.is_empty(), "{carol_orders:?}");
    let (status, refused) = post(
        &mut http,
        "/api/v1/orders",
        &alice,
        json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "62000", "quantity": "0.01"}),
    )
    .await;
    assert_eq!(
        (status, s(&refused["error"]["code"])),
        (409, "INSTRUMENT_HALTED")
    );
    let response = http
        .json(
            "DELETE",
            "/api/v1/orders?symbol=BTC-USD",
            Some(&carol),
            None,
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "cancels are always accepted");
    let seen = get(&mut http, "/api/v1/halts", &bob).await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    let risk = get(&mut http, "/api/v1/risk/limits", &alice).await;
    assert_eq!(s(&risk["halts"][0]["symbol"]), "BTC-USD");

    // Resumed: trading is back.
    let (status, halts) = post(
        &mut http,
        "/api/v1/admin/halts/resume",
        &admin,
        json!({"scope": "instrument", "symbol": "BTC-USD", "reason": "feed checked"}),
    )
    .await;
    assert_eq!((status, halts["data"].as_array().unwrap().len()), (200, 0));
    let (status, _) = post(
        &mut http,
        "/api/v1/orders",
        &alice,
        json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "62000", "quantity": "0.01"}),
    )
    .await;
    assert_eq!(status, 201);

    // An admin sets Alice's limits; her risk shows them and their use.
    let response = http
        .json(
            "PUT",
            &format!("/api/v1/admin/accounts/{alice_id}/limits"),
            Some(&admin),
            Some(&json!({"changes": [
                {"kind": "open_orders_max", "value": 1},
                {"kind": "order_notional_max", "asset": "USD", "value": "1000"}
            ]})),
        )
        .await
        .unwrap();
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let risk = response.data();
    assert_eq!(risk["open_orders"], 1);
    assert_eq!(
        risk["open_orders_max"],
        json!({"limit": "1", "source": "own"})
    );
    let (status, refused) = post(
        &mut http,
        "/api/v1/orders",
        &alice,
        json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "62000", "quantity": "0.01"}),
    )
    .await;
    assert_eq!(
        (status, s(&refused["error"]["code"])),
        (409, "OPEN_ORDERS_LIMIT")
    );

    // The panic button cancels everything.
    let (status, panic) = post(
        &mut http,
        "/api/v1/account/panic",
        &alice,
        json!({"flatten": true}),
    )
    .await;
    assert_eq!(status, 200, "{panic}");
    assert_eq!(panic["data"]["cancelled"].as_array().unwrap().len(), 1);
    assert!(open_orders(&mut http, &alice).await.is_empty());

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bracket_stops_out_and_the_kill_switch_halts_an_instrument_on_sqlite() {
    bracket_and_kill_switch(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bracket_stops_out_and_the_kill_switch_halts_an_instrument_on_postgres() {
    bracket_and_kill_switch(Db::Postgres).await;
}
