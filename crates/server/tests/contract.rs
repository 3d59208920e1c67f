//! The API's contract as clients rely on it: the OpenAPI document says where each
//! parameter goes and what each operation answers; answers made before a handler runs
//! carry the envelope; WebSocket closes carry their codes; refresh tokens expire
//! without ending anything; logout ends access at once.

mod support;

use bourse_api::auth::new_refresh_token;
use bourse_store::RefreshTokenRow;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Db, TestServer};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn s(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation.is_object() && operation.get("responses").is_some() {
                all.push((path.clone(), method.clone(), operation.clone()));
            }
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_puts_parameters_where_they_go_and_lists_what_each_operation_answers() {
    let server = TestServer::start("document", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let mut http = server.http().await;
    let document = http
        .send("GET", "/api/v1/openapi.json", &[], None)
        .await
        .unwrap()
        .json();
    let depth = &document["paths"]["/api/v1/markets/{symbol}/depth"]["get"]["parameters"];
    let levels = depth
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "levels")
        .expect("levels is documented");
    assert_eq!(levels["in"], "query");
    assert_ne!(levels["required"], true);
    assert_eq!(levels["schema"]["maximum"], 500);
    let operations = operations(&document);
    assert!(operations.len() >= 35);
    for (path, method, operation) in &operations {
        let label = format!("{method} {path}");
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" {
                let name = s(&parameter["name"]);
                assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{label}: path parameter {name} is not in the template"
                );
            }
        }
        let responses = operation["responses"].as_object().unwrap();
        let has = |status: &str| responses.contains_key(status);
        for status in ["431", "500"] {
            assert!(has(status), "{label} documents {status}");
        }
        if path.starts_with("/api/v1/") {
            assert!(has("429") && has("503"), "{label} documents 429 and 503");
        }
        if operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
        {
            assert!(has("401") && has("403"), "{label} documents 401 and 403");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(has(status), "{label} documents {status}");
            }
            let content = &operation["requestBody"]["content"]["application/json"];
            assert!(
                !content["schema"].is_null(),
                "{label} documents its request body"
            );
        }
        assert!(
            operation["operationId"].is_string(),
            "{label} has an operationId"
        );
    }
    // The order lifecycle's statuses are an enum the dashboard follows.
    let statuses = &document["components"]["schemas"]["OrderStatusDto"]["enum"];
    assert_eq!(
        statuses,
        &json!([
            "open",
            "partially_filled",
            "filled",
            "cancelled",
            "expired",
            "untriggered"
        ])
    );
    // Placing an order links to reading, amending and cancelling it.
    let links = &document["paths"]["/api/v1/orders"]["post"]["responses"]["201"]["links"];
    for (name, target) in [
        ("GetOrder", "getOrder"),
        ("AmendOrder", "amendOrder"),
        ("CancelOrder", "cancelOrder"),
    ] {
        assert_eq!(links[name]["operationId"], target);
        assert_eq!(links[name]["parameters"]["id"], "$response.body#/data/id");
    }
    // Limit, market, market buy by amount, stop or take-profit (market, limit) and the
    // trailing stop by a distance or in basis points are distinct shapes.
    let place = &document["components"]["schemas"]["PlaceOrder"];
    assert_eq!(place["oneOf"].as_array().map(Vec::len), Some(7));
    // Bodies that must name a field say so.
    for schema in [
        "AmendOrder",
        "UpdateUser",
        "BracketDto",
        "InstrumentChangesDto",
    ] {
        assert_eq!(
            document["components"]["schemas"][schema]["minProperties"], 1,
            "{schema}"
        );
    }
    // Setting limits and halting are told apart by `kind` and `scope`.
    for (schema, shapes) in [("LimitChangeDto", 3), ("HaltRequestDto", 3)] {
        assert_eq!(
            document["components"]["schemas"][schema]["oneOf"]
                .as_array()
                .map(Vec::len),
            Some(shapes),
            "{schema}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_made_before_a_handler_runs_carry_the_envelope() {
    let server = TestServer::start("early", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let mut http = server.http().await;
    let check = |response: &bourse::client::Response, status: u16, code: &str| {
        assert_eq!(
            (response.status, response.code().as_str()),
            (status, code),
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        let envelope = response.json();
        assert_eq!(envelope["success"], false);
        assert_eq!(
            envelope["request_id"].as_str(),
            response.header("x-request-id")
        );
    };
    // Too many headers, then headers too large: both over the API's limits and under
    // the protocol layer's, so the API answers.
    let names: Vec<String> = (0..150).map(|n| format!("X-Extra-{n}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let response = http
        .send("GET", "/api/v1/assets", &many, None)
        .await
        .unwrap();
    check(&response, 431, "HEADERS_TOO_LARGE");
    let mut http = server.http().await;
    let big = "x".repeat(20 * 1024);
    let response = http
        .send("GET", "/api/v1/assets", &[("X-Big", big.as_str())], None)
        .await
        .unwrap();
    check(&response, 431, "HEADERS_TOO_LARGE");
    // The WebSocket route without an upgrade.
    let mut http = server.http().await;
    let response = http.send("GET", "/api/v1/ws", &[], None).await.unwrap();
    check(&response, 426, "UPGRADE_REQUIRED");
    assert_eq!(response.header("upgrade"), Some("websocket"));
    // A method the route does not take: 405 with the methods it does.
    let response = http.send("PUT", "/api/v1/orders", &[], None).await.unwrap();
    check(&response, 405, "METHOD_NOT_ALLOWED");
    let allow = response.header("allow").unwrap_or_default().to_string();
    for method in ["GET", "POST", "DELETE"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    let response = http
        .send("DELETE", "/api/v1/orders/1", &[], None)
        .await
        .unwrap();
    check(&response, 405, "METHOD_NOT_ALLOWED");
    let response = http.send("POST", "/healthz", &[], None).await.unwrap();
    check(&response, 405, "METHOD_NOT_ALLOWED");
    server.stop().await;
}

/// A WebSocket client whose socket receives into a small buffer, so that a client
/// that stops reading holds the venue's writes back quickly.
async fn tight_ws(
    server: &TestServer,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(server.addr).await.unwrap();
    let url = format!("ws://{}/api/v1/ws?token={token}", server.addr);
    tokio_tungstenite::client_async(url, stream)
        .await
        .expect("websocket upgrade")
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_told_1008_before_its_connection_ends() {
    let server = TestServer::start("slow", Db::Sqlite, |config| {
        config.websocket.queue_len_max = 16;
        config.websocket.close_timeout_ms = 30_000;
    })
    .await
    .unwrap();
    let (token, _, _) = server.register("laggard").await;
    server.faucet(&token, "BTC", "1").await;
    // A deep book, so that each book snapshot is large.
    let mut http = server.http().await;
    for n in 0..250u32 {
        let price = format!("{}.{:02}", 65_000 + n / 100, n % 100);
        let response = http
            .json(
                "POST",
                "/api/v1/orders",
                Some(&token),
                Some(&json!({"type": "limit", "symbol": "BTC-USD", "side": "sell", "price": price, "quantity": "0.0001"})),
            )
            .await
            .unwrap();
        assert_eq!(
            response.status,
            201,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
    }
    let mut ws = tight_ws(&server, &token).await;
    let hub = &server.running.as_ref().unwrap().state.hub;
    let slow_before = hub.metrics().slow_consumers.get();
    // Ask for the snapshot again and again without reading the answers.
    let started = Instant::now();
    let mut sent = 0;
    while hub.metrics().slow_consumers.get() == slow_before {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the queue never filled ({sent} requests)"
        );
        for op in ["unsubscribe", "subscribe"] {
            let message = json!({"op": op, "topics": ["book:BTC-USD"]}).to_string();
            if ws.send(Message::Text(message.into())).await.is_err() {
                break;
            }
        }
        sent += 1;
    }
    println!(
        "the queue filled after {sent} snapshot requests, in {:?}",
        started.elapsed()
    );
    // Reading again, the client gets what was on its way and then the close frame.
    let deadline = Instant::now() + Duration::from_secs(30);
    let close = loop {
        let message = tokio::time::timeout_at(deadline.into(), ws.next())
            .await
            .expect("the close frame within 30 s");
        match message {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("the connection ended without a close frame: {other:?}"),
        }
    };
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Policy);
    assert_eq!(close.reason.as_str(), "slow consumer: queue full");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_is_answered_1009() {
    let server = TestServer::start("oversized", Db::Sqlite, |_| {})
        .await
        .unwrap();
    for size in [70 * 1024, 400 * 1024] {
        let mut ws = server.ws(None).await;
        let message = json!({"op": "ping", "id": "x".repeat(size)}).to_string();
        ws.socket.send(Message::Text(message.into())).await.unwrap();
        let close = loop {
            let message = tokio::time::timeout(Duration::from_secs(10), ws.socket.next())
                .await
                .expect("an answer within 10 s");
            match message {
                Some(Ok(Message::Close(frame))) => break frame,
                Some(Ok(_)) => {}
                other => panic!("{size} bytes: no close frame: {other:?}"),
            }
        };
        let close = close.expect("a close code");
        assert_eq!(close.code, CloseCode::Size, "{size} bytes");
        assert_eq!(close.reason.as_str(), "message too big");
    }
    // A message within the limit is answered.
    let mut ws = server.ws(None).await;
    ws.send(json!({"op": "ping", "id": 7})).await;
    assert_eq!(ws.next().await, json!({"type": "pong", "id": 7}));
    // One that is not of the protocol gets an error, and the connection stays.
    ws.send(json!({"op": "place", "id": 8})).await;
    let error = ws.next().await;
    assert_eq!(
        (s(&error["type"]), s(&error["code"])),
        ("error", "VALIDATION_ERROR")
    );
    ws.send(json!({"op": "ping", "id": 9})).await;
    assert_eq!(ws.next().await["type"], "pong");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_refresh_token_is_expired_every_time_and_ends_nothing() {
    let server = TestServer::start("expired", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (access, live_refresh, user_id) = server.register("ernie").await;
    // A second token of the same session, already past its lifetime.
    let store = server.running.as_ref().unwrap().state.store().clone();
    let live_id = live_refresh.split('.').next().unwrap();
    let family = store.refresh_token(live_id).await.unwrap().unwrap().family;
    let expired = new_refresh_token();
    let now = bourse::client::now_nanos();
    store
        .insert_refresh_token(&RefreshTokenRow {
            id: expired.id.clone(),
            user_id: user_id.parse().unwrap(),
            family,
            token_hash: expired.secret_hash.clone(),
            created_at: now - 3_000_000_000,
            expires_at: now - 1_000_000_000,
            used_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
    let mut http = server.http().await;
    for attempt in 0..2 {
        let response = http
            .json(
                "POST",
                "/api/v1/auth/refresh",
                None,
                Some(&json!({"refresh_token": expired.token})),
            )
            .await
            .unwrap();
        assert_eq!(
            (response.status, response.code().as_str()),
            (401, "TOKEN_EXPIRED"),
            "attempt {attempt}"
        );
    }
    // Nothing was revoked: the session's access and refresh tokens still work.
    let me = http
        .json("GET", "/api/v1/me", Some(&access), None)
        .await
        .unwrap();
    assert_eq!(me.status, 200);
    let rotated = http
        .json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": live_refresh})),
        )
        .await
        .unwrap();
    assert_eq!(
        rotated.status,
        200,
        "{}",
        String::from_utf8_lossy(&rotated.body)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_and_a_password_change_end_access_at_once_and_across_a_restart() {
    let server = TestServer::start("sessions", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (access, refresh, _) = server.register("sally").await;
    let mut http = server.http().await;
    assert_eq!(
        http.json("GET", "/api/v1/me", Some(&access), None)
            .await
            .unwrap()
            .status,
        200
    );
    let out = http
        .json(
            "POST",
            "/api/v1/auth/logout",
            None,
            Some(&json!({"refresh_token": refresh})),
        )
        .await
        .unwrap();
    assert_eq!(out.status, 200);
    let after = http
        .json("GET", "/api/v1/me", Some(&access), None)
        .await
        .unwrap();
    assert_eq!(
        (after.status, after.code().as_str()),
        (401, "TOKEN_INVALID"),
        "the access token of a logged-out session is refused at once"
    );
    // The WebSocket refuses it too.
    let mut ws = server.ws(None).await;
    ws.send(json!({"op": "auth", "token": access, "id": 1}))
        .await;
    assert_eq!(ws.next().await["code"], "TOKEN_INVALID");

    // Two sessions; a password change in one ends both and answers a third.
    let one = server.login("sally", "password-123").await.data();
    let two = server.login("sally", "password-123").await.data();
    let changed = http
        .json(
            "POST",
            "/api/v1/me/password",
            Some(s(&one["access_token"])),
            Some(&json!({"current_password": "password-123", "new_password": "password-456"})),
        )
        .await
        .unwrap();
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    let three = changed.data();
    for (name, session) in [("the changing one", &one), ("the other one", &two)] {
        let response = http
            .json("GET", "/api/v1/me", Some(s(&session["access_token"])), None)
            .await
            .unwrap();
        assert_eq!(response.status, 401, "{name} has ended");
        let refreshed = http
            .json(
                "POST",
                "/api/v1/auth/refresh",
                None,
                Some(&json!({"refresh_token": s(&session["refresh_token"])})),
            )
            .await
            .unwrap();
        assert_eq!(refreshed.status, 401, "{name}'s refresh token has ended");
    }
    let response = http
        .json("GET", "/api/v1/me", Some(s(&three["access_token"])), None)
        .await
        .unwrap();
    assert_eq!(response.status, 200, "the new session works");

    // A restart remembers which sessions ended.
    let server = server.restart().await;
    let mut http = server.http().await;
    for token in [access.as_str(), s(&two["access_token"])] {
        let response = http
            .json("GET", "/api/v1/me", Some(token), None)
            .await
            .unwrap();
        assert_eq!(response.status, 401, "still ended after a restart");
    }
    let response = http
        .json("GET", "/api/v1/me", Some(s(&three["access_token"])), None)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    server.stop().await;
}
