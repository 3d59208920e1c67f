//! The platform end to end: a real server on an ephemeral port, a user's whole journey
//! over REST and the WebSocket, on SQLite always and on PostgreSQL when
//! `BOURSE_TEST_POSTGRES_URL` is set.

mod support;

use serde_json::{Value, json};
use support::{Db, TestServer};

fn s(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
}

async fn walkthrough(db: Db) {
    let Some(server) = TestServer::start("walk", db, |_| {}).await else {
        return;
    };
    let (alice, _, _) = server.register("alice").await;
    let (bob, _, _) = server.register("bob").await;
    let mut http = server.http().await;

    // Money in.
    server.faucet(&alice, "USD", "50000").await;
    server.faucet(&bob, "BTC", "2").await;
    let balances = http
        .json("GET", "/api/v1/balances", Some(&alice), None)
        .await
        .unwrap();
    assert_eq!(balances.status, 200);
    let usd = balances
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USD")
        .cloned()
        .unwrap();
    assert_eq!(
        (s(&usd["available"]), s(&usd["held"])),
        ("50000.000000", "0.000000")
    );

    // Live updates for Alice.
    let mut ws = server.ws(Some(&alice)).await;
    ws.send(json!({"op": "subscribe", "id": 1, "topics": ["orders", "balances", "book:BTC-USD", "trades:BTC-USD"]})).await;
    let snapshot = ws
        .until("book snapshot", |m| m["type"] == "book_snapshot")
        .await;
    assert_eq!(snapshot["symbol"], "BTC-USD");
    let book_seq = snapshot["seq"].as_u64().unwrap();
    ws.until("subscription", |m| m["type"] == "subscribed")
        .await;

    // Bob's ask rests; Alice's bid takes part of it.
    let ask = http
        .json(
            "POST",
            "/api/v1/orders",
            Some(&bob),
            Some(&json!({"symbol": "BTC-USD", "side": "sell", "type": "limit", "price": "65000.00", "quantity": "0.5", "client_order_id": "bob-ask-1"})),
        )
        .await
        .unwrap();
    assert_eq!(ask.status, 201, "{}", String::from_utf8_lossy(&ask.body));
    let ask = ask.data();
    assert_eq!(
        (s(&ask["status"]), s(&ask["remaining_quantity"])),
        ("open", "0.50000000")
    );
    let delta = ws.until("book delta", |m| m["type"] == "book_delta").await;
    assert_eq!(
        delta["seq"].as_u64().unwrap(),
        book_seq + 1,
        "deltas continue the snapshot's sequence"
    );
    assert_eq!(delta["asks"], json!([["65000.00", "0.50000000"]]));

    let bid = http
        .json(
            "POST",
            "/api/v1/orders",
            Some(&alice),
            Some(&json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "65100.00", "quantity": "0.2"})),
        )
        .await
        .unwrap();
    assert_eq!(bid.status, 201);
    let bid = bid.data();
    assert_eq!(s(&bid["status"]), "filled");
    assert_eq!(bid["fills"].as_array().unwrap().len(), 1);
    assert_eq!(s(&bid["fills"][0]["price"]), "65000.00");
    // 0.2 x 65000 = 13000.00 at a 20 bps taker fee = 26.00.
    assert_eq!(
        (
            s(&bid["filled_value"]),
            s(&bid["fees"]),
            s(&bid["average_price"])
        ),
        ("13000.000000", "26.000000", "65000.00")
    );

    let trade = ws.until("public trade", |m| m["type"] == "trade").await;
    assert_eq!((s(&trade["price"]), s(&trade["side"])), ("65000.00", "buy"));
    let fill = ws
        .until("own fill", |m| m["type"] == "order" && m["event"] == "fill")
        .await;
    assert_eq!(
        (s(&fill["liquidity"]), s(&fill["quantity"])),
        ("taker", "0.20000000")
    );
    let balance = ws
        .until("balance", |m| m["type"] == "balance" && m["asset"] == "USD")
        .await;
    assert_eq!(s(&balance["available"]), "36974.000000");

    // Balances and fills through REST, for both sides.
    let balances = http
        .json("GET", "/api/v1/balances", Some(&alice), None)
        .await
        .unwrap()
        .data();
    let btc = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "BTC")
        .cloned()
        .unwrap();
    assert_eq!(s(&btc["available"]), "0.20000000");
    let bob_balances = http
        .json("GET", "/api/v1/balances", Some(&bob), None)
        .await
        .unwrap()
        .data();
    let bob_usd = bob_balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USD")
        .cloned()
        .unwrap();
    // 13000 less the 10 bps maker fee.
    assert_eq!(s(&bob_usd["available"]), "12987.000000");
    let bob_btc = bob_balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "BTC")
        .cloned()
        .unwrap();
    assert_eq!(
        (s(&bob_btc["available"]), s(&bob_btc["held"])),
        ("1.50000000", "0.30000000")
    );
    let trades = http
        .json("GET", "/api/v1/trades", Some(&alice), None)
        .await
        .unwrap()
        .data();
    assert_eq!(trades["pagination"]["total"], 1);
    assert_eq!(
        (
            s(&trades["items"][0]["side"]),
            s(&trades["items"][0]["liquidity"])
        ),
        ("buy", "taker")
    );
    let bob_trades = http
        .json("GET", "/api/v1/trades?symbol=BTC-USD", Some(&bob), None)
        .await
        .unwrap()
        .data();
    assert_eq!(
        (
            s(&bob_trades["items"][0]["side"]),
            s(&bob_trades["items"][0]["fee"])
        ),
        ("sell", "13.000000")
    );

    // Bob cancels the rest; his orders list and filters agree.
    let ask_id = s(&ask["id"]).to_string();
    let cancelled = http
        .json(
            "POST",
            &format!("/api/v1/orders/{ask_id}/cancel"),
            Some(&bob),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        cancelled.status,
        200,
        "{}",
        String::from_utf8_lossy(&cancelled.body)
    );
    let cancelled = cancelled.data();
    assert_eq!(
        (
            s(&cancelled["status"]),
            s(&cancelled["reason"]),
            s(&cancelled["filled_quantity"])
        ),
        ("cancelled", "REQUESTED", "0.20000000")
    );
    let again = http
        .json(
            "POST",
            &format!("/api/v1/orders/{ask_id}/cancel"),
            Some(&bob),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "ORDER_CLOSED"),
        "an order that has ended cannot be cancelled again"
    );
    let read_back = http
        .json("GET", &format!("/api/v1/orders/{ask_id}"), Some(&bob), None)
        .await
        .unwrap();
    assert_eq!(
        (read_back.status, s(&read_back.data()["status"])),
        (200, "cancelled"),
        "a cancelled order stays readable"
    );
    let open = http
        .json("GET", "/api/v1/orders?status=open", Some(&bob), None)
        .await
        .unwrap()
        .data();
    assert_eq!(open["pagination"]["total"], 0);
    let all = http
        .json(
            "GET",
            "/api/v1/orders?status=all&symbol=btc-usd&limit=1",
            Some(&bob),
            None,
        )
        .await
        .unwrap()
        .data();
    assert_eq!(
        all["pagination"],
        json!({"page": 1, "limit": 1, "total": 1, "total_pages": 1, "has_next": false, "has_prev": false})
    );
    let one = http
        .json("GET", &format!("/api/v1/orders/{ask_id}"), Some(&bob), None)
        .await
        .unwrap()
        .data();
    assert_eq!(s(&one["client_order_id"]), "bob-ask-1");

    // Amend: a resting bid moved up, then down in size (keeping its place).
    let rest = http
        .json(
            "POST",
            "/api/v1/orders",
            Some(&alice),
            Some(&json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "64000.00", "quantity": "0.3", "post_only": true})),
        )
        .await
        .unwrap()
        .data();
    let rest_id = s(&rest["id"]).to_string();
    let amended = http
        .json(
            "PATCH",
            &format!("/api/v1/orders/{rest_id}"),
            Some(&alice),
            Some(&json!({"price": "64500.00", "quantity": "0.1"})),
        )
        .await
        .unwrap();
    assert_eq!(
        amended.status,
        200,
        "{}",
        String::from_utf8_lossy(&amended.body)
    );
    assert_eq!(
        (
            s(&amended.data()["price"]),
            s(&amended.data()["remaining_quantity"])
        ),
        ("64500.00", "0.10000000")
    );
    let order_events: Vec<Value> = vec![
        ws.until("accepted", |m| {
            m["type"] == "order" && m["event"] == "accepted" && m["order_id"] == rest_id.as_str()
        })
        .await,
        ws.until("amended", |m| {
            m["type"] == "order" && m["event"] == "amended"
        })
        .await,
    ];
    assert_eq!(s(&order_events[1]["price"]), "64500.00");

    // Trading over the WebSocket, on the same connection.
    ws.send(json!({"op": "cancel", "id": 9, "order_id": rest_id}))
        .await;
    let result = ws
        .until("cancel result", |m| m["type"] == "result" && m["id"] == 9)
        .await;
    assert_eq!(s(&result["data"]["status"]), "cancelled");
    ws.send(json!({"op": "place", "id": 10, "order": {"symbol": "BTC-USD", "side": "buy", "type": "market", "quote_amount": "100"}})).await;
    // No ask is left: the market order is accepted and its unfilled budget cancelled.
    let result = ws.until("place result", |m| m["id"] == 10).await;
    assert_eq!(
        (
            s(&result["type"]),
            s(&result["data"]["status"]),
            s(&result["data"]["reason"])
        ),
        ("result", "cancelled", "UNFILLED")
    );
    ws.send(json!({"op": "place", "id": 11, "order": {"symbol": "NOPE-USD", "side": "buy", "type": "limit", "price": "1", "quantity": "1"}})).await;
    let result = ws.until("place error", |m| m["id"] == 11).await;
    assert_eq!(
        (s(&result["type"]), s(&result["code"])),
        ("error", "UNKNOWN_SYMBOL")
    );

    // Cancel-all and transfers.
    for price in ["60000.00", "60001.00"] {
        http.json(
            "POST",
            "/api/v1/orders",
            Some(&alice),
            Some(&json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": price, "quantity": "0.01"})),
        )
        .await
        .unwrap();
    }
    let all = http
        .json(
            "DELETE",
            "/api/v1/orders?symbol=BTC-USD",
            Some(&alice),
            None,
        )
        .await
        .unwrap()
        .data();
    assert_eq!(all["cancelled"].as_array().unwrap().len(), 2);
    let transfers = http
        .json("GET", "/api/v1/transfers", Some(&alice), None)
        .await
        .unwrap()
        .data();
    assert_eq!(
        (
            transfers["pagination"]["total"].as_u64(),
            s(&transfers["items"][0]["status"])
        ),
        (Some(1), "posted")
    );

    // Public market data.
    let depth = http
        .json("GET", "/api/v1/markets/BTC-USD/depth?levels=5", None, None)
        .await
        .unwrap()
        .data();
    assert!(depth["seq"].as_u64().unwrap() > book_seq);
    let tape = http
        .json("GET", "/api/v1/markets/BTC-USD/trades", None, None)
        .await
        .unwrap()
        .data();
    assert_eq!(s(&tape[0]["price"]), "65000.00");
    let ticker = http
        .json("GET", "/api/v1/markets/BTC-USD/ticker", None, None)
        .await
        .unwrap()
        .data();
    assert_eq!(
        (s(&ticker["last"]), s(&ticker["volume_24h"])),
        ("65000.00", "0.20000000")
    );
    let candles = http
        .json(
            "GET",
            "/api/v1/markets/BTC-USD/candles?interval=1m",
            None,
            None,
        )
        .await
        .unwrap()
        .data();
    assert_eq!(s(&candles[0]["close"]), "65000.00");
    let instruments = http
        .json("GET", "/api/v1/instruments", None, None)
        .await
        .unwrap()
        .data();
    let symbols: Vec<&str> = instruments
        .as_array()
        .unwrap()
        .iter()
        .map(|i| s(&i["symbol"]))
        .collect();
    assert_eq!(symbols, ["BTC-USD", "ETH-USD", "EUR-USD", "AAPL-USD"]);
    let status = http
        .json("GET", "/api/v1/system/status", None, None)
        .await
        .unwrap()
        .data();
    assert_eq!(s(&status["journal"]), "ok");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_trades_end_to_end_on_sqlite() {
    walkthrough(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_trades_end_to_end_on_postgres() {
    walkthrough(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart_and_client_order_ids_stay_unique() {
    let server = TestServer::start("restart", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (carol, _, _) = server.register("carol").await;
    server.faucet(&carol, "USD", "1000").await;
    let order = json!({"symbol": "ETH-USD", "side": "buy", "type": "limit", "price": "3400.00", "quantity": "0.1", "client_order_id": "retry-me"});
    let mut http = server.http().await;
    let placed = http
        .json("POST", "/api/v1/orders", Some(&carol), Some(&order))
        .await
        .unwrap();
    assert_eq!(
        placed.status,
        201,
        "{}",
        String::from_utf8_lossy(&placed.body)
    );
    let placed = placed.data();
    assert!(placed["id"].is_string());
    let server = server.restart().await;
    let mut http = server.http().await;
    // The session survives (tokens are signed with the stored secret), and so does the order.
    let open = http
        .json("GET", "/api/v1/orders?status=open", Some(&carol), None)
        .await
        .unwrap();
    assert_eq!(open.status, 200, "{}", String::from_utf8_lossy(&open.body));
    assert_eq!(open.data()["items"][0]["id"], placed["id"]);
    let retry = http
        .json("POST", "/api/v1/orders", Some(&carol), Some(&order))
        .await
        .unwrap();
    assert_eq!(
        (retry.status, retry.code().as_str()),
        (409, "DUPLICATE_CLIENT_ORDER_ID")
    );
    assert_eq!(retry.json()["error"]["details"]["order_id"], placed["id"]);
    let balances = http
        .json("GET", "/api/v1/balances", Some(&carol), None)
        .await
        .unwrap()
        .data();
    let usd = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USD")
        .cloned()
        .unwrap();
    // 340 at a 20 bps worst-case fee: 340.68 held.
    assert_eq!(
        (s(&usd["available"]), s(&usd["held"])),
        ("659.320000", "340.680000")
    );
    let data_dir = server.dir.clone();
    let server = server.restart().await;
    assert!(
        data_dir.join("snapshots").read_dir().unwrap().count() >= 1,
        "a clean stop writes a snapshot"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_production_profile_closes_registration_and_the_faucet() {
    let server = TestServer::start("production", Db::Sqlite, |config| {
        config.profile = bourse::config::Profile::Production;
        config.auth.registration_open = false;
        config.faucet.enabled = false;
    })
    .await
    .unwrap();
    let mut http = server.http().await;
    let response = http
        .json(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(&json!({"username": "eve", "password": "password-123"})),
        )
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "REGISTRATION_CLOSED")
    );
    let admin = server.login("admin", support::ADMIN_PASSWORD).await.data();
    let token = s(&admin["access_token"]).to_string();
    let response = http
        .json(
            "POST",
            "/api/v1/faucet",
            Some(&token),
            Some(&json!({"asset": "USD", "amount": "1"})),
        )
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "FAUCET_DISABLED")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_after_a_write_does_not_wait_for_the_projection_round() {
    // Rounds of ten minutes: only the reader's request gets its write made in time.
    let server = TestServer::start("read-flush", Db::Sqlite, |config| {
        config.data.projection_interval_ms = 600_000;
    })
    .await
    .unwrap();
    let (dave, _, _) = server.register("dave").await;
    server.faucet(&dave, "USD", "1000").await;
    let mut http = server.http().await;
    let order = json!({"symbol": "ETH-USD", "side": "buy", "type": "limit", "price": "3400.00", "quantity": "0.1"});
    let placed = http
        .json("POST", "/api/v1/orders", Some(&dave), Some(&order))
        .await
        .unwrap();
    assert_eq!(
        placed.status,
        201,
        "{}",
        String::from_utf8_lossy(&placed.body)
    );
    let id = s(&placed.data()["id"]).to_string();
    let fetched = http
        .json("GET", &format!("/api/v1/orders/{id}"), Some(&dave), None)
        .await
        .unwrap();
    assert_eq!(
        fetched.status,
        200,
        "{}",
        String::from_utf8_lossy(&fetched.body)
    );
    assert_eq!(s(&fetched.data()["status"]), "open");
    let second = http
        .json("POST", "/api/v1/orders", Some(&dave), Some(&order))
        .await
        .unwrap()
        .data();
    let open = http
        .json("GET", "/api/v1/orders?status=open", Some(&dave), None)
        .await
        .unwrap()
        .data();
    let ids: Vec<&str> = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| s(&o["id"]))
        .collect();
    assert!(ids.contains(&s(&second["id"])), "{open}");
    server.stop().await;
}
