//! Operating a venue: a backup taken under load and restored, damaged backups refused,
//! the health check subcommand, and the live statistics for administrators.

mod support;

use bourse::client::Http;
use bourse::serve::start_with;
use bourse_journal::{DataDir, StdFs};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use support::{Db, TestServer, test_config};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bourse-ops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

async fn order(http: &mut Http, token: &str, side: &str, price: &str) -> u16 {
    let body = json!({"type": "limit", "symbol": "BTC-USD", "side": side, "price": price, "quantity": "0.0010"});
    http.json("POST", "/api/v1/orders", Some(token), Some(&body))
        .await
        .unwrap()
        .status
}

/// Waits (at most 30 s) until the load has placed `n` orders.
async fn placed_at_least(placed: &AtomicU64, n: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while placed.load(Ordering::SeqCst) < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the load placed {} of {n} orders in 30 s",
            placed.load(Ordering::SeqCst)
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_to_the_state_its_manifest_names() {
    let server = TestServer::start("backup", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let (token, _, _) = server.register("keeper").await;
    server.faucet(&token, "USD", "100000").await;
    server.faucet(&token, "BTC", "2").await;
    let mut http = server.http().await;
    let key = http
        .json(
            "POST",
            "/api/v1/api-keys",
            Some(&token),
            Some(&json!({"name": "backup-test", "scopes": ["read", "trade"]})),
        )
        .await
        .unwrap();
    assert_eq!(key.status, 201, "{}", String::from_utf8_lossy(&key.body));
    let key = key.data()["key"].as_str().unwrap().to_string();

    // Load: orders that cross and orders that rest, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let placed = Arc::new(AtomicU64::new(0));
    let load = {
        let (stop, placed, token, addr) =
            (stop.clone(), placed.clone(), token.clone(), server.addr);
        tokio::spawn(async move {
            let mut http = Http::connect(addr).await.unwrap();
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let (side, price) = match n % 3 {
                    0 => ("sell", "65000.00"),
                    1 => ("buy", "65000.00"),
                    _ => ("buy", "64000.00"),
                };
                assert_eq!(order(&mut http, &token, side, price).await, 201);
                placed.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        })
    };
    placed_at_least(&placed, 30).await;
    let backup_dir = scratch("backup");
    let report = bourse::backup::backup(&server.config, &backup_dir)
        .await
        .expect("a backup while orders flow");
    let at_backup = placed.load(Ordering::SeqCst);
    placed_at_least(&placed, at_backup + 30).await;
    stop.store(true, Ordering::SeqCst);
    load.await.unwrap();
    let manifest = &report.manifest;
    assert!(manifest.seq > 30, "the backup holds the flow up to it");
    assert_eq!(manifest.read_models, "sqlite");
    assert!(manifest.files.iter().any(|f| f.path.ends_with("bourse.db")));
    assert!(
        manifest
            .files
            .iter()
            .any(|f| f.path.starts_with("data/journal/"))
    );
    server.stop().await;

    // Restored into a new data directory: the state the manifest names.
    let restored = scratch("restored");
    let mut config = test_config(&restored);
    config.data.dir = restored.join("data");
    let restored_manifest = bourse::backup::restore(&config, &backup_dir)
        .await
        .expect("the backup restores");
    assert_eq!(&restored_manifest, manifest);
    let recovered = bourse_journal::recover(&StdFs, &DataDir::new(&config.data.dir)).unwrap();
    assert_eq!(recovered.report.last_seq, manifest.seq);
    assert_eq!(recovered.report.state_hash.to_string(), manifest.state_hash);
    drop(recovered);

    // A venue on it: the user and the API key from before the backup work, and the
    // read models answer with the orders placed before it.
    let running = start_with(config.clone(), None)
        .await
        .expect("the restored venue starts");
    let mut http = Http::connect(running.addr).await.unwrap();
    let login = http
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&json!({"username": "keeper", "password": "password-123"})),
        )
        .await
        .unwrap();
    assert_eq!(
        login.status,
        200,
        "{}",
        String::from_utf8_lossy(&login.body)
    );
    let balances = http
        .send(
            "GET",
            "/api/v1/balances",
            &[("x-api-key", key.as_str())],
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        balances.status,
        200,
        "{}",
        String::from_utf8_lossy(&balances.body)
    );
    let token = login.data()["access_token"].as_str().unwrap().to_string();
    let orders = http
        .json("GET", "/api/v1/orders?limit=100", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(
        orders.status,
        200,
        "{}",
        String::from_utf8_lossy(&orders.body)
    );
    let listed = orders.data()["items"].as_array().map_or(0, Vec::len);
    assert!(
        listed > 0,
        "the restored read models hold the orders: {}",
        String::from_utf8_lossy(&orders.body)
    );
    running.stop().await.unwrap();

    // A truncated file, a missing manifest and a non-empty target are refused, and
    // the target is left as it was.
    let damaged = scratch("damaged");
    copy_tree(&backup_dir, &damaged);
    let segment = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("data/journal/") && f.path.ends_with(".seg"))
        .max_by_key(|f| f.bytes)
        .unwrap();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(damaged.join(&segment.path))
        .unwrap();
    file.set_len(segment.bytes - 10).unwrap();
    let target = scratch("target");
    let mut config = test_config(&target);
    config.data.dir = target.join("data");
    let refused = bourse::backup::restore(&config, &damaged)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("damaged"), "{refused:#}");
    assert!(
        !config.data.dir.exists(),
        "nothing is restored from a damaged backup"
    );
    std::fs::remove_file(damaged.join("manifest.json")).unwrap();
    let refused = bourse::backup::restore(&config, &damaged)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("not a complete backup"),
        "{refused:#}"
    );
    std::fs::create_dir_all(&config.data.dir).unwrap();
    std::fs::write(config.data.dir.join("something"), b"here").unwrap();
    let refused = bourse::backup::restore(&config, &backup_dir)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("not empty"), "{refused:#}");
    // And a backup does not go into a directory that holds something.
    let refused = bourse::backup::backup(&config, &backup_dir)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("journal") || refused.to_string().contains("not empty"),
        "{refused:#}"
    );

    for dir in [backup_dir, restored, damaged, target] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_healthcheck_subcommand_exits_by_the_probes_answer() {
    let server = TestServer::start("healthcheck", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let bin = env!("CARGO_BIN_EXE_bourse");
    let run = |url: String| {
        std::process::Command::new(bin)
            .args(["healthcheck", "--url", &url, "--timeout-ms", "2000"])
            .output()
            .unwrap()
    };
    let healthy = run(format!("http://{}/healthz", server.addr));
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    let ready = run(format!("http://{}/readyz", server.addr));
    assert!(
        ready.status.success(),
        "{}",
        String::from_utf8_lossy(&ready.stderr)
    );
    let missing = run(format!("http://{}/api/v1/no-such-probe", server.addr));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("answered 404"));
    let addr = server.addr;
    server.stop().await;
    let down = run(format!("http://{addr}/healthz"));
    assert_eq!(down.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&down.stderr).contains("unhealthy"));
    let bad = run("https://example.invalid/".to_string());
    assert_eq!(bad.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_see_live_statistics_over_rest_and_websocket() {
    let server = TestServer::start("stats", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let admin = server.login("admin", support::ADMIN_PASSWORD).await;
    let admin = admin.data()["access_token"].as_str().unwrap().to_string();
    let (trader, _, _) = server.register("watcher").await;
    server.faucet(&trader, "USD", "100000").await;
    let mut http = server.http().await;

    let refused = http
        .json("GET", "/api/v1/admin/stats", Some(&trader), None)
        .await
        .unwrap();
    assert_eq!(refused.status, 403);
    let mut ws = server.ws(Some(&trader)).await;
    ws.send(json!({"op": "subscribe", "id": 1, "topics": ["stats"]}))
        .await;
    let answer = ws.next().await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "FORBIDDEN", "{answer}");

    let mut live = server.ws(Some(&admin)).await;
    live.send(json!({"op": "subscribe", "id": 1, "topics": ["stats"]}))
        .await;
    live.until("subscribed", |m| m["type"] == "subscribed")
        .await;
    // Orders between two samples show in the next one.
    for _ in 0..5 {
        assert_eq!(order(&mut http, &trader, "buy", "60000.00").await, 201);
    }
    let sample = live
        .until("a sample with the orders", |m| {
            m["type"] == "stats" && m["orders_per_sec"].as_f64().unwrap_or(0.0) > 0.0
        })
        .await;
    assert!(sample["order_p99_ms"].as_f64().unwrap() > 0.0, "{sample}");
    assert!(sample["ws_connections"].as_i64().unwrap() >= 2, "{sample}");
    assert!(sample["time"].as_str().unwrap().ends_with('Z'));

    let stats = http
        .json("GET", "/api/v1/admin/stats", Some(&admin), None)
        .await
        .unwrap();
    assert_eq!(
        stats.status,
        200,
        "{}",
        String::from_utf8_lossy(&stats.body)
    );
    let data = stats.data();
    assert_eq!(data["interval_ms"], 1000);
    assert_eq!(data["samples_max"], 600);
    let samples = data["samples"].as_array().unwrap();
    assert!(!samples.is_empty());
    let orders: f64 = samples
        .iter()
        .map(|s| s["orders_per_sec"].as_f64().unwrap() * s["interval_secs"].as_f64().unwrap())
        .sum();
    assert!(
        (orders - 5.0).abs() < 0.5,
        "the samples add up to the five orders: {orders}"
    );
    server.stop().await;
}
