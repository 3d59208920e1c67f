//! The auth matrix, isolation between users, scopes and roles, rate limits, and bad
//! input: every malformed request gets the error envelope with a stable code and a 4xx,
//! never a 500.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bourse_api::auth::{Claims, Jwt};
use serde_json::{Value, json};
use support::{Db, JWT_SECRET, TestServer};

/// method, path, headers, body, expected status, expected code
type BadInput<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    String,
    u16,
    &'a str,
);

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(sub: &str, role: &str, exp: u64) -> Claims {
    Claims {
        sub: sub.to_string(),
        role: role.to_string(),
        iat: now_secs() - 10,
        exp,
        typ: "access".to_string(),
        sid: String::new(),
    }
}

fn s(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_that_are_expired_forged_or_unsigned_are_refused() {
    let server = TestServer::start("tokens", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (_, _, alice_id) = server.register("alice").await;
    let mut http = server.http().await;
    let jwt = Jwt::new(JWT_SECRET.as_bytes());

    let good = jwt.sign(&claims(&alice_id, "trader", now_secs() + 60));
    let response = http
        .json("GET", "/api/v1/me", Some(&good), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, s(&response.data()["username"])),
        (200, "alice")
    );

    let expired = jwt.sign(&claims(&alice_id, "trader", now_secs() - 1));
    let response = http
        .json("GET", "/api/v1/me", Some(&expired), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "TOKEN_EXPIRED")
    );

    let forged =
        Jwt::new(b"someone else's secret").sign(&claims(&alice_id, "admin", now_secs() + 60));
    let response = http
        .json("GET", "/api/v1/me", Some(&forged), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "TOKEN_INVALID")
    );

    // An admin claim pasted into a genuine token's payload.
    let parts: Vec<&str> = good.split('.').collect();
    let escalated = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(serde_json::to_vec(&claims(&alice_id, "admin", now_secs() + 60)).unwrap()),
        parts[2]
    );
    let response = http
        .json("GET", "/api/v1/admin/users", Some(&escalated), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "TOKEN_INVALID")
    );

    let payload =
        B64.encode(serde_json::to_vec(&claims(&alice_id, "admin", now_secs() + 60)).unwrap());
    let none = format!(
        "{}.{payload}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#)
    );
    let response = http
        .json("GET", "/api/v1/me", Some(&none), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "TOKEN_INVALID")
    );

    let rs256 = format!(
        "{}.{payload}.{}",
        B64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        parts[2]
    );
    let response = http
        .json("GET", "/api/v1/me", Some(&rs256), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "TOKEN_INVALID")
    );

    for header in [
        ("Authorization", "Bearer"),
        ("Authorization", "Basic YWxpY2U6cHc="),
        ("X-API-Key", "bk_nope"),
    ] {
        let response = http
            .send("GET", "/api/v1/me", &[header], None)
            .await
            .unwrap();
        assert_eq!(response.status, 401, "{header:?}");
    }
    let response = http.json("GET", "/api/v1/me", None, None).await.unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "UNAUTHORIZED")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_refresh_token_revokes_its_family() {
    let server = TestServer::start("refresh", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (_, first, _) = server.register("rita").await;
    let mut http = server.http().await;
    let rotated = http
        .json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": first})),
        )
        .await
        .unwrap();
    assert_eq!(rotated.status, 200);
    let second = s(&rotated.data()["refresh_token"]).to_string();
    assert_ne!(second, first, "refresh tokens rotate");

    // The first token comes back (stolen and replayed): the whole family dies.
    let replay = http
        .json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": first})),
        )
        .await
        .unwrap();
    assert_eq!(
        (replay.status, replay.code().as_str()),
        (401, "TOKEN_REUSED")
    );
    let after = http
        .json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": second})),
        )
        .await
        .unwrap();
    assert_eq!(
        (after.status, after.code().as_str()),
        (401, "TOKEN_INVALID"),
        "the rotated token was revoked too"
    );

    // Another login is a new family, and logout ends it.
    let login = server.login("rita", "password-123").await.data();
    let third = s(&login["refresh_token"]).to_string();
    let out = http
        .json(
            "POST",
            "/api/v1/auth/logout",
            None,
            Some(&json!({"refresh_token": third})),
        )
        .await
        .unwrap();
    assert_eq!(out.status, 200);
    let dead = http
        .json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": third})),
        )
        .await
        .unwrap();
    assert_eq!(dead.status, 401);
    let garbage = http
        .json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": "x.y"})),
        )
        .await
        .unwrap();
    assert_eq!(
        (garbage.status, garbage.code().as_str()),
        (401, "TOKEN_INVALID")
    );
    let wrong = server.login("rita", "password-456").await;
    assert_eq!(
        (wrong.status, wrong.code().as_str()),
        (401, "INVALID_CREDENTIALS")
    );
    let unknown = server.login("nobody", "password-123").await;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (401, "INVALID_CREDENTIALS")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_see_and_touch_only_their_own_orders() {
    let server = TestServer::start("isolation", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (alice, _, _) = server.register("alice").await;
    let (bob, _, _) = server.register("bob").await;
    server.faucet(&alice, "USD", "10000").await;
    let mut http = server.http().await;
    let order = http
        .json(
            "POST",
            "/api/v1/orders",
            Some(&alice),
            Some(&json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "64000", "quantity": "0.01"})),
        )
        .await
        .unwrap()
        .data();
    let id = s(&order["id"]).to_string();
    let path = format!("/api/v1/orders/{id}");
    for (method, suffix, body) in [
        ("GET", "", None),
        ("POST", "/cancel", None),
        ("PATCH", "", Some(json!({"price": "63000"}))),
    ] {
        let response = http
            .json(
                method,
                &format!("{path}{suffix}"),
                Some(&bob),
                body.as_ref(),
            )
            .await
            .unwrap();
        assert_eq!(
            (response.status, response.code().as_str()),
            (404, "UNKNOWN_ORDER"),
            "{method} by another user"
        );
    }
    let bobs = http
        .json("GET", "/api/v1/orders", Some(&bob), None)
        .await
        .unwrap()
        .data();
    assert_eq!(bobs["pagination"]["total"], 0);
    let bob_cancel_all = http
        .json("DELETE", "/api/v1/orders", Some(&bob), None)
        .await
        .unwrap()
        .data();
    assert_eq!(bob_cancel_all["cancelled"], json!([]));
    let still = http
        .json("GET", &path, Some(&alice), None)
        .await
        .unwrap()
        .data();
    assert_eq!(s(&still["status"]), "open");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_scopes_and_roles_are_enforced() {
    let server = TestServer::start("scopes", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (trader, _, _) = server.register("trader1").await;
    server.faucet(&trader, "USD", "1000").await;
    let mut http = server.http().await;
    let key = |scopes: Value| json!({"name": "bot", "scopes": scopes});
    let read_only = http
        .json(
            "POST",
            "/api/v1/api-keys",
            Some(&trader),
            Some(&key(json!(["read"]))),
        )
        .await
        .unwrap();
    assert_eq!(read_only.status, 201);
    let read_key = s(&read_only.data()["key"]).to_string();
    let trade_key = s(&http
        .json(
            "POST",
            "/api/v1/api-keys",
            Some(&trader),
            Some(&key(json!(["trade"]))),
        )
        .await
        .unwrap()
        .data()["key"])
    .to_string();
    let bad_scope = http
        .json(
            "POST",
            "/api/v1/api-keys",
            Some(&trader),
            Some(&key(json!(["admin"]))),
        )
        .await
        .unwrap();
    assert_eq!(bad_scope.status, 400);

    let order = json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "64000", "quantity": "0.001"});
    let response = http
        .json("POST", "/api/v1/orders", Some(&read_key), Some(&order))
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "INSUFFICIENT_SCOPE")
    );
    let response = http
        .json("GET", "/api/v1/balances", Some(&read_key), None)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let response = http
        .json("POST", "/api/v1/orders", Some(&trade_key), Some(&order))
        .await
        .unwrap();
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let response = http
        .json("GET", "/api/v1/balances", Some(&trade_key), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "INSUFFICIENT_SCOPE")
    );
    // Keys cannot manage keys, and a revoked key stops at once.
    let response = http
        .json("GET", "/api/v1/api-keys", Some(&read_key), None)
        .await
        .unwrap();
    assert_eq!(response.status, 403);
    let keys = http
        .json("GET", "/api/v1/api-keys", Some(&trader), None)
        .await
        .unwrap()
        .data();
    let read_id = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["scopes"] == json!(["read"]))
        .unwrap()["id"]
        .clone();
    let revoked = http
        .json(
            "DELETE",
            &format!("/api/v1/api-keys/{}", s(&read_id)),
            Some(&trader),
            None,
        )
        .await
        .unwrap();
    assert_eq!(revoked.status, 200);
    let response = http
        .json("GET", "/api/v1/balances", Some(&read_key), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (401, "API_KEY_INVALID")
    );

    // Roles: staff routes need a staff role; compliance reads everything, trades nothing.
    let admin =
        s(&server.login("admin", support::ADMIN_PASSWORD).await.data()["access_token"]).to_string();
    let response = http
        .json("GET", "/api/v1/admin/orders", Some(&trader), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "FORBIDDEN")
    );
    let created = http
        .json(
            "POST",
            "/api/v1/admin/users",
            Some(&admin),
            Some(&json!({"username": "cora", "role": "compliance"})),
        )
        .await
        .unwrap();
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let password = s(&created.data()["password"]).to_string();
    let compliance = s(&server.login("cora", &password).await.data()["access_token"]).to_string();
    let all = http
        .json("GET", "/api/v1/admin/orders", Some(&compliance), None)
        .await
        .unwrap();
    assert_eq!(
        (all.status, all.data()["pagination"]["total"].as_u64()),
        (200, Some(1))
    );
    let response = http
        .json("POST", "/api/v1/orders", Some(&compliance), Some(&order))
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "FORBIDDEN")
    );
    let response = http
        .json("GET", "/api/v1/admin/users", Some(&compliance), None)
        .await
        .unwrap();
    assert_eq!(response.status, 403);
    let users = http
        .json("GET", "/api/v1/admin/users", Some(&admin), None)
        .await
        .unwrap()
        .data();
    assert_eq!(users["pagination"]["total"], 3);

    // Disabling a user stops their tokens at once.
    let trader_id = http
        .json("GET", "/api/v1/me", Some(&trader), None)
        .await
        .unwrap()
        .data()["id"]
        .clone();
    let disabled = http
        .json(
            "PATCH",
            &format!("/api/v1/admin/users/{}", s(&trader_id)),
            Some(&admin),
            Some(&json!({"disabled": true})),
        )
        .await
        .unwrap();
    assert_eq!(
        disabled.status,
        200,
        "{}",
        String::from_utf8_lossy(&disabled.body)
    );
    let response = http
        .json("GET", "/api/v1/me", Some(&trader), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "FORBIDDEN"),
        "a disabled account is refused, and says so"
    );
    let response = http
        .json("GET", "/api/v1/balances", Some(&trade_key), None)
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (403, "FORBIDDEN"),
        "keys of a disabled user stop too"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    let server = TestServer::start("limits", Db::Sqlite, |config| {
        config.rate_limits.user_per_second = 1;
        config.rate_limits.user_burst = 3;
    })
    .await
    .unwrap();
    let (token, _, _) = server.register("speedy").await;
    let mut http = server.http().await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = http
            .json("GET", "/api/v1/me", Some(&token), None)
            .await
            .unwrap();
        if response.status == 429 {
            assert!(
                response
                    .header("retry-after")
                    .is_some_and(|v| v.parse::<u64>().unwrap() >= 1)
            );
            assert_eq!(response.code(), "RATE_LIMITED");
        }
        statuses.push(response.status);
    }
    assert_eq!(&statuses[..3], [200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_the_envelope_and_a_4xx() {
    let server = TestServer::start("input", Db::Sqlite, |config| {
        config.server.body_limit_bytes = 2_048;
    })
    .await
    .unwrap();
    let (token, _, _) = server.register("mallory").await;
    server.faucet(&token, "USD", "1000").await;
    let mut http = server.http().await;
    let auth = format!("Bearer {token}");
    let order = |extra: Value| {
        let mut body = json!({"symbol": "BTC-USD", "side": "buy", "type": "limit", "price": "64000", "quantity": "0.01"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body.to_string()
    };
    let big = "x".repeat(4_096);
    let cases: Vec<BadInput> = vec![
        (
            "POST",
            "/api/v1/orders",
            vec![],
            "{not json".to_string(),
            400,
            "INVALID_JSON",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"colour": "red"})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"post_only": "yes"})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"quantity": 5})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"price": "64,000"})),
            400,
            "MALFORMED_DECIMAL",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"price": "-1"})),
            400,
            "NEGATIVE_VALUE",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"price": "64000.001"})),
            409,
            "TOO_MANY_DECIMALS",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"quantity": "0"})),
            400,
            "ZERO_VALUE",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"quantity": "99999999999999999999"})),
            409,
            "VALUE_OVERFLOW",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"quantity": "0.00005"})),
            409,
            "INVALID_LOT",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"price": "1000000"})),
            409,
            "PRICE_OUT_OF_BAND",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"quantity": "100"})),
            409,
            "INSUFFICIENT_FUNDS",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"symbol": "DOGE-USD"})),
            404,
            "UNKNOWN_SYMBOL",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"side": "sideways"})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"time_in_force": "FOREVER"})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"client_order_id": "has spaces"})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            order(json!({"type": "stop"})),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/orders",
            vec![],
            format!("{{\"symbol\":\"{big}\"}}"),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "POST",
            "/api/v1/faucet",
            vec![],
            json!({"asset": "XXX", "amount": "1"}).to_string(),
            404,
            "UNKNOWN_ASSET",
        ),
        (
            "POST",
            "/api/v1/faucet",
            vec![],
            json!({"asset": "USD", "amount": "100000000"}).to_string(),
            409,
            "FAUCET_LIMIT",
        ),
        (
            "GET",
            "/api/v1/orders?page=0",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/orders?limit=100000",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/orders?status=weird",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/orders?surprise=1",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/orders/not-a-number",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/orders/999999",
            vec![],
            String::new(),
            404,
            "UNKNOWN_ORDER",
        ),
        (
            "GET",
            "/api/v1/markets/BTC-USD/candles?interval=7m",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/markets/BTC-USD/depth?levels=0",
            vec![],
            String::new(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "GET",
            "/api/v1/markets/NOPE/ticker",
            vec![],
            String::new(),
            404,
            "UNKNOWN_SYMBOL",
        ),
        (
            "GET",
            "/api/v1/no/such/route",
            vec![],
            String::new(),
            404,
            "NOT_FOUND",
        ),
        (
            "PUT",
            "/api/v1/orders",
            vec![],
            String::new(),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            "POST",
            "/api/v1/auth/register",
            vec![],
            json!({"username": "x", "password": "password-123"}).to_string(),
            400,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            "/api/v1/auth/register",
            vec![],
            json!({"username": "shorty", "password": "short"}).to_string(),
            400,
            "WEAK_PASSWORD",
        ),
        (
            "POST",
            "/api/v1/auth/register",
            vec![],
            json!({"username": "mallory", "password": "password-123"}).to_string(),
            409,
            "USERNAME_TAKEN",
        ),
    ];
    for (method, path, extra, body, status, code) in cases {
        let mut headers: Vec<(&str, &str)> = vec![("Authorization", auth.as_str())];
        if !body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        headers.extend(extra);
        let response = http
            .send(
                method,
                path,
                &headers,
                (!body.is_empty()).then_some(body.as_bytes()),
            )
            .await
            .unwrap();
        let envelope = response.json();
        assert_eq!(
            (response.status, response.code().as_str()),
            (status, code),
            "{method} {path} {body:.80}: {}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(envelope["success"], false);
        assert!(
            envelope["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        let id = response
            .header("x-request-id")
            .expect("a request id on every response");
        assert_eq!(
            envelope["request_id"], id,
            "the envelope carries the same request id"
        );
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
    // No content type at all.
    let response = http
        .send(
            "POST",
            "/api/v1/orders",
            &[("Authorization", auth.as_str())],
            Some(b"{}"),
        )
        .await
        .unwrap();
    assert_eq!(
        (response.status, response.code().as_str()),
        (415, "UNSUPPORTED_MEDIA_TYPE")
    );
    // A request id given by the client is kept.
    let response = http
        .send("GET", "/healthz", &[("X-Request-Id", "trace-me-123")], None)
        .await
        .unwrap();
    assert_eq!(response.header("x-request-id"), Some("trace-me-123"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_route_and_the_docs_are_served() {
    let server = TestServer::start("openapi", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let mut http = server.http().await;
    let response = http
        .send("GET", "/api/v1/openapi.json", &[], None)
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let document = response.json();
    assert!(s(&document["openapi"]).starts_with("3.1"), "OpenAPI 3.1");
    let routes = [
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/me/password"),
        ("post", "/api/v1/api-keys"),
        ("get", "/api/v1/api-keys"),
        ("delete", "/api/v1/api-keys/{id}"),
        ("get", "/api/v1/balances"),
        ("post", "/api/v1/faucet"),
        ("get", "/api/v1/transfers"),
        ("get", "/api/v1/trades"),
        ("post", "/api/v1/orders"),
        ("get", "/api/v1/orders"),
        ("delete", "/api/v1/orders"),
        ("get", "/api/v1/orders/{id}"),
        ("patch", "/api/v1/orders/{id}"),
        ("post", "/api/v1/orders/{id}/cancel"),
        ("get", "/api/v1/assets"),
        ("get", "/api/v1/instruments"),
        ("get", "/api/v1/markets/tickers"),
        ("get", "/api/v1/markets/{symbol}/ticker"),
        ("get", "/api/v1/markets/{symbol}/depth"),
        ("get", "/api/v1/markets/{symbol}/trades"),
        ("get", "/api/v1/markets/{symbol}/candles"),
        ("get", "/api/v1/system/status"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/api/v1/docs"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
        ("get", "/api/v1/admin/stats"),
        ("get", "/api/v1/admin/users"),
        ("post", "/api/v1/admin/users"),
        ("patch", "/api/v1/admin/users/{id}"),
        ("post", "/api/v1/admin/instruments/{symbol}/status"),
        ("get", "/api/v1/admin/orders"),
        ("post", "/api/v1/orders/oco"),
        ("get", "/api/v1/positions"),
        ("get", "/api/v1/risk/limits"),
        ("get", "/api/v1/halts"),
        ("post", "/api/v1/account/panic"),
        ("post", "/api/v1/admin/assets"),
        ("post", "/api/v1/admin/instruments"),
        ("patch", "/api/v1/admin/instruments/{symbol}"),
        ("get", "/api/v1/admin/risk/accounts"),
        ("get", "/api/v1/admin/accounts/{id}/risk"),
        ("get", "/api/v1/admin/accounts/{id}/positions"),
        ("put", "/api/v1/admin/accounts/{id}/limits"),
        ("get", "/api/v1/admin/risk/defaults"),
        ("put", "/api/v1/admin/risk/defaults"),
        ("put", "/api/v1/admin/risk/trading-day"),
        ("post", "/api/v1/admin/halts"),
        ("post", "/api/v1/admin/halts/resume"),
        ("get", "/api/v1/strategies/builtins"),
        ("post", "/api/v1/backtests"),
        ("get", "/api/v1/backtests"),
        ("get", "/api/v1/backtests/{id}"),
        ("post", "/api/v1/backtests/{id}/cancel"),
        ("get", "/api/v1/backtests/{id}/report"),
        ("get", "/api/v1/subaccounts"),
        ("post", "/api/v1/subaccounts"),
        ("post", "/api/v1/transfers/internal"),
        ("post", "/api/v1/strategies"),
        ("get", "/api/v1/strategies"),
        ("get", "/api/v1/strategies/{id}"),
        ("post", "/api/v1/strategies/{id}/start"),
        ("post", "/api/v1/strategies/{id}/pause"),
        ("post", "/api/v1/strategies/{id}/stop"),
        ("post", "/api/v1/strategies/{id}/panic"),
        ("put", "/api/v1/strategies/{id}/params"),
        ("get", "/api/v1/strategies/{id}/decisions"),
        ("get", "/api/v1/signals"),
        ("get", "/api/v1/signals/latest"),
    ];
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|k| !matches!(k.as_str(), "summary" | "description"))
                .count()
        })
        .sum();
    for (method, path) in routes {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
        // And the route exists: anything but 404/405 for the route itself.
        let concrete = path.replace("{id}", "1").replace("{symbol}", "BTC-USD");
        let response = http
            .send(&method.to_uppercase(), &concrete, &[], None)
            .await
            .unwrap();
        assert!(
            response.status != 405 && !(response.status == 404 && response.code() == "NOT_FOUND"),
            "{method} {concrete} gave {}",
            response.status
        );
    }
    assert_eq!(
        documented,
        routes.len(),
        "every documented operation is in this test's list"
    );
    // The WebSocket route is described, not an operation.
    let websocket = s(&document["paths"]["/api/v1/ws"]["description"]);
    for needle in ["1008", "1009", "1013", "ClientMessage", "book_delta"] {
        assert!(
            websocket.contains(needle),
            "the WebSocket description names {needle}"
        );
    }
    // The browsable reference: Swagger UI, built with the dashboard, on this origin.
    let docs = http.send("GET", "/api/v1/docs", &[], None).await.unwrap();
    assert_eq!(docs.status, 200);
    assert!(
        docs.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let page = String::from_utf8_lossy(&docs.body).to_string();
    if bourse::web::dashboard_embedded() {
        assert!(page.contains("id=\"api-docs\""), "{page}");
        let script = page
            .split("src=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .find(|src| src.starts_with("/assets/docs"))
            .expect("the page loads its script from this origin");
        let script = http.send("GET", script, &[], None).await.unwrap();
        assert_eq!(script.status, 200);
    } else {
        assert!(page.contains("/api/v1/openapi.json"));
    }
    let ready = http.send("GET", "/readyz", &[], None).await.unwrap();
    assert_eq!(ready.status, 200);
    server.stop().await;
}
