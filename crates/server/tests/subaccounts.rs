//! Sub-accounts through the REST API and the WebSocket: opened and listed, funded by
//! internal transfers from the main account, traded in with `?account=`, every view
//! of one account kept apart, another user's sub-account unknown, and all of it there
//! again after a restart. On SQLite always and on PostgreSQL when
//! `BOURSE_TEST_POSTGRES_URL` is set.

mod support;

use bourse::client::Http;
use serde_json::{Value, json};
use support::{Db, TestServer};

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

async fn available(http: &mut Http, token: &str, account: &str, asset: &str) -> String {
    let balances = get(http, &format!("/api/v1/balances?account={account}"), token).await;
    let balance = balances
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == asset)
        .cloned()
        .unwrap();
    s(&balance["available"]).to_string()
}

async fn transfer(
    http: &mut Http,
    token: &str,
    from: &str,
    to: &str,
    amount: &str,
) -> (u16, Value) {
    call(
        http,
        "POST",
        "/api/v1/transfers/internal",
        token,
        Some(json!({"from": from, "to": to, "asset": "USD", "amount": amount})),
    )
    .await
}

async fn sub_accounts(db: Db) {
    let Some(server) = TestServer::start("subaccounts", db, |_| {}).await else {
        return;
    };
    let (alice, _, _) = server.register("alice").await;
    let (bob, _, _) = server.register("bob").await;
    server.faucet(&alice, "USD", "10000").await;
    let mut http = server.http().await;

    // Opening: a name of its own per user, checked.
    let (status, grid) = call(
        &mut http,
        "POST",
        "/api/v1/subaccounts",
        &alice,
        Some(json!({"name": "grid"})),
    )
    .await;
    assert_eq!(status, 201, "{grid}");
    let grid = s(&grid["data"]["id"]).to_string();
    let (status, body) = call(
        &mut http,
        "POST",
        "/api/v1/subaccounts",
        &alice,
        Some(json!({"name": "grid"})),
    )
    .await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (409, "ACCOUNT_NAME_TAKEN")
    );
    let (status, body) = call(
        &mut http,
        "POST",
        "/api/v1/subaccounts",
        &alice,
        Some(json!({"name": "bad;name"})),
    )
    .await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (400, "VALIDATION_ERROR")
    );
    let (status, _) = call(
        &mut http,
        "POST",
        "/api/v1/subaccounts",
        &bob,
        Some(json!({"name": "grid"})),
    )
    .await;
    assert_eq!(status, 201, "another user may use the same name");
    let listed = get(&mut http, "/api/v1/subaccounts", &alice).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (s(&listed[0]["id"]), s(&listed[0]["name"])),
        (grid.as_str(), "grid")
    );

    // Funding: an internal transfer, all or nothing from what is available.
    let (status, moved) = transfer(&mut http, &alice, "main", &grid, "2500").await;
    assert_eq!(status, 201, "{moved}");
    assert_eq!(
        (
            s(&moved["data"]["from"]),
            s(&moved["data"]["to"]),
            s(&moved["data"]["amount"])
        ),
        ("main", grid.as_str(), "2500.000000")
    );
    assert_eq!(
        available(&mut http, &alice, "main", "USD").await,
        "7500.000000"
    );
    assert_eq!(
        available(&mut http, &alice, &grid, "USD").await,
        "2500.000000"
    );
    let (status, body) = transfer(&mut http, &alice, &grid, "main", "2500.01").await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (409, "INSUFFICIENT_FUNDS")
    );
    let (status, body) = transfer(&mut http, &alice, &grid, &grid, "1").await;
    assert_eq!((status, s(&body["error"]["code"])), (409, "SAME_ACCOUNT"));
    let (status, body) = transfer(&mut http, &alice, "main", "999999", "1").await;
    assert_eq!(
        (status, s(&body["error"]["code"])),
        (404, "UNKNOWN_ACCOUNT")
    );
    assert_eq!(s(&body["error"]["details"]["field"]), "to");

    // Another user's sub-account is unknown to bob, in every view.
    for path in [
        format!("/api/v1/balances?account={grid}"),
        format!("/api/v1/orders?account={grid}"),
        format!("/api/v1/positions?account={grid}"),
    ] {
        let (status, body) = call(&mut http, "GET", &path, &bob, None).await;
        assert_eq!(
            (status, s(&body["error"]["code"])),
            (404, "UNKNOWN_ACCOUNT"),
            "{path}"
        );
    }
    let (status, _) = transfer(&mut http, &bob, &grid, "main", "1").await;
    assert_eq!(status, 404);

    // Trading in the sub-account: its order, its held funds, its stream.
    let mut ws = server.ws(Some(&alice)).await;
    ws.send(json!({"op": "subscribe", "id": 1, "topics": [format!("orders:{grid}")]}))
        .await;
    ws.until("subscription", |m| m["type"] == "subscribed")
        .await;
    let (status, order) = call(
        &mut http,
        "POST",
        &format!("/api/v1/orders?account={grid}"),
        &alice,
        Some(json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "60000", "quantity": "0.01"})),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let order_id = s(&order["data"]["id"]).to_string();
    let pushed = ws
        .until("the sub-account's order", |m| m["type"] == "order")
        .await;
    assert_eq!(s(&pushed["order_id"]), order_id);
    let open = get(
        &mut http,
        &format!("/api/v1/orders?status=open&account={grid}"),
        &alice,
    )
    .await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let open = get(&mut http, "/api/v1/orders?status=open", &alice).await;
    assert!(
        open["items"].as_array().unwrap().is_empty(),
        "the main account has no orders"
    );
    assert_eq!(
        available(&mut http, &alice, &grid, "USD").await,
        "1898.800000",
        "600 and the most fee it may pay are held"
    );
    let (status, _) = call(
        &mut http,
        "GET",
        &format!("/api/v1/orders/{order_id}"),
        &alice,
        None,
    )
    .await;
    assert_eq!(
        status, 404,
        "the order belongs to the sub-account, not the main one"
    );
    let (status, cancelled) = call(
        &mut http,
        "POST",
        &format!("/api/v1/orders/{order_id}/cancel?account={grid}"),
        &alice,
        None,
    )
    .await;
    assert_eq!(
        (status, s(&cancelled["data"]["status"])),
        (200, "cancelled")
    );

    // Transfers as each account sees them.
    let seen = get(
        &mut http,
        &format!("/api/v1/transfers?account={grid}"),
        &alice,
    )
    .await;
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        (s(&items[0]["kind"]), s(&items[0]["counterparty"])),
        ("transfer_in", "main")
    );
    let seen = get(&mut http, "/api/v1/transfers", &alice).await;
    let out = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "transfer_out")
        .cloned()
        .unwrap();
    assert_eq!(s(&out["counterparty"]), grid);

    // Everything is there after a restart.
    let server = server.restart().await;
    let mut http = server.http().await;
    let listed = get(&mut http, "/api/v1/subaccounts", &alice).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        available(&mut http, &alice, &grid, "USD").await,
        "2500.000000"
    );
    let (status, moved) = transfer(&mut http, &alice, &grid, "main", "2500").await;
    assert_eq!(status, 201, "{moved}");
    assert_eq!(
        available(&mut http, &alice, "main", "USD").await,
        "10000.000000"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_accounts_keep_money_and_orders_apart_on_sqlite() {
    sub_accounts(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_accounts_keep_money_and_orders_apart_on_postgres() {
    sub_accounts(Db::Postgres).await;
}
