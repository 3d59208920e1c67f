//! The read-model database is a dependency that can fail, not the record: while it is
//! away the venue goes on trading from the engine's own state, reads that need the
//! database answer 503 `DATABASE_UNAVAILABLE` quickly, readiness stays up, and when the
//! database returns the read models catch up with everything acknowledged.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::postgres::OwnPostgres;
use support::{Db, TestServer};

fn s(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_venue_trades_on_while_its_read_model_database_is_away() {
    let Some(pg) = OwnPostgres::start("outage", free_port()) else {
        assert!(
            std::env::var("BOURSE_TEST_POSTGRES_URL").is_err(),
            "PostgreSQL is configured for the tests, so its server programs must be installed"
        );
        return;
    };
    let url = pg.url();
    let server = TestServer::start("outage", Db::Sqlite, |config| {
        config.data.database_url = url;
        config.data.database_timeout_ms = 1_000;
    })
    .await
    .unwrap();
    let (token, _, _) = server.register("otto").await;
    server.faucet(&token, "USD", "100000").await;
    let mut http = server.http().await;
    let place = |price: &str| json!({"type": "limit", "symbol": "BTC-USD", "side": "buy", "price": price, "quantity": "0.01"});
    let mut ids = Vec::new();
    for price in ["64000.00", "64001.00", "64002.00"] {
        let response = http
            .json("POST", "/api/v1/orders", Some(&token), Some(&place(price)))
            .await
            .unwrap();
        assert_eq!(response.status, 201);
        ids.push(s(&response.data()["id"]).to_string());
    }

    pg.stop();
    println!("the read-model database is stopped");

    // Trading goes on: place, cancel and amend, open orders, balances.
    let placed = http
        .json(
            "POST",
            "/api/v1/orders",
            Some(&token),
            Some(&place("64003.00")),
        )
        .await
        .unwrap();
    assert_eq!(
        placed.status,
        201,
        "{}",
        String::from_utf8_lossy(&placed.body)
    );
    ids.push(s(&placed.data()["id"]).to_string());
    let cancelled = http
        .json(
            "POST",
            &format!("/api/v1/orders/{}/cancel", ids[0]),
            Some(&token),
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
    assert_eq!(s(&cancelled.data()["status"]), "cancelled");
    let amended = http
        .json(
            "PATCH",
            &format!("/api/v1/orders/{}", ids[1]),
            Some(&token),
            Some(&json!({"quantity": "0.005"})),
        )
        .await
        .unwrap();
    assert_eq!(
        amended.status,
        200,
        "{}",
        String::from_utf8_lossy(&amended.body)
    );
    assert_eq!(s(&amended.data()["remaining_quantity"]), "0.00500000");
    let open = http
        .json("GET", "/api/v1/orders?status=open", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(open.status, 200);
    assert_eq!(open.data()["pagination"]["total"], 3);
    let one = http
        .json(
            "GET",
            &format!("/api/v1/orders/{}", ids[2]),
            Some(&token),
            None,
        )
        .await
        .unwrap();
    assert_eq!(one.status, 200);
    let balances = http
        .json("GET", "/api/v1/balances", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(balances.status, 200);

    // Reads that need the database answer 503 with Retry-After, quickly.
    for path in [
        "/api/v1/orders?status=all",
        "/api/v1/trades",
        "/api/v1/transfers",
    ] {
        let started = Instant::now();
        let response = tokio::time::timeout(
            Duration::from_secs(20),
            http.json("GET", path, Some(&token), None),
        )
        .await
        .expect("an answer within 20 s")
        .unwrap();
        println!(
            "{path} answered {} in {:?}",
            response.status,
            started.elapsed()
        );
        assert_eq!(
            (response.status, response.code().as_str()),
            (503, "DATABASE_UNAVAILABLE"),
            "{path}"
        );
        assert!(response.header("retry-after").is_some());
    }
    let ready = http.send("GET", "/readyz", &[], None).await.unwrap();
    assert_eq!(ready.status, 200, "ready while the journal takes orders");
    let ready = ready.json();
    assert_eq!(ready["database"]["state"], "degraded");
    assert_eq!(ready["journal"]["state"], "ok");

    pg.resume();
    println!("the read-model database is back");
    // The read models catch up with every acknowledged order.
    let started = Instant::now();
    let all = loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the read models did not catch up within 60 s"
        );
        let response = http
            .json("GET", "/api/v1/orders?status=all", Some(&token), None)
            .await
            .unwrap();
        if response.status == 200 && response.data()["pagination"]["total"] == 4 {
            break response.data();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "caught up {:?} after the database returned",
        started.elapsed()
    );
    let status_of = |id: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .map(|o| {
                (
                    s(&o["status"]).to_string(),
                    s(&o["remaining_quantity"]).to_string(),
                )
            })
    };
    assert_eq!(status_of(&ids[0]).unwrap().0, "cancelled");
    assert_eq!(status_of(&ids[1]).unwrap().1, "0.00500000");
    assert_eq!(status_of(&ids[3]).unwrap().0, "open");
    let ready = http.send("GET", "/readyz", &[], None).await.unwrap().json();
    assert_eq!(ready["database"]["state"], "ok");
    server.stop().await;
    drop(pg);
}
