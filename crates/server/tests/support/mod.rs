//! Test servers: a real `bourse serve` in this process on an ephemeral port, with a
//! temporary data directory and SQLite or a fresh PostgreSQL schema.
#![allow(dead_code)]

pub mod postgres;

use bourse::client::{Http, Response};
use bourse::config::Config;
use bourse::serve::{Running, start_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const JWT_SECRET: &str = "a-test-secret-that-signs-tokens";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub running: Option<Running>,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub config: Config,
    schema: Option<(String, String)>,
}

fn unique(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{name}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// The configuration tests start from: no simulator, fixed secrets, generous limits.
pub fn test_config(dir: &std::path::Path) -> Config {
    let mut config = Config::defaults(bourse::config::Profile::Demo);
    config.server.addr = "127.0.0.1:0".parse().unwrap();
    config.data.dir = dir.to_path_buf();
    config.simulator.enabled = false;
    config.auth.jwt_secret = JWT_SECRET.to_string();
    config.rate_limits.user_per_second = 10_000;
    config.rate_limits.user_burst = 10_000;
    config.rate_limits.address_per_second = 10_000;
    config.rate_limits.address_burst = 10_000;
    config
}

impl TestServer {
    /// A server on the given database, or `None` (with a printed reason) when that
    /// database is not configured.
    pub async fn start(name: &str, db: Db, tweak: impl FnOnce(&mut Config)) -> Option<TestServer> {
        if std::env::var("RUST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let dir = std::env::temp_dir().join(format!("bourse-it-{}", unique(name)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut config = test_config(&dir);
        let mut schema = None;
        if db == Db::Postgres {
            let Ok(url) = std::env::var("BOURSE_TEST_POSTGRES_URL") else {
                println!(
                    "BOURSE_TEST_POSTGRES_URL is not set: skipping the PostgreSQL run of {name}"
                );
                return None;
            };
            let name = unique(&format!("bourse_it_{name}"));
            config.data.database_url = url.clone();
            config.data.database_schema = name.clone();
            schema = Some((url, name));
        }
        tweak(&mut config);
        let running = start_with(config.clone(), Some(ADMIN_PASSWORD.to_string()))
            .await
            .expect("the server starts");
        Some(TestServer {
            addr: running.addr,
            running: Some(running),
            dir,
            config,
            schema,
        })
    }

    /// Starts again on the same data directory and database.
    pub async fn restart(mut self) -> TestServer {
        self.running
            .take()
            .unwrap()
            .stop()
            .await
            .expect("a clean stop");
        let mut config = self.config.clone();
        config.server.addr = "127.0.0.1:0".parse().unwrap();
        let running = start_with(config, None).await.expect("the server restarts");
        self.addr = running.addr;
        self.running = Some(running);
        self
    }

    pub async fn http(&self) -> Http {
        Http::connect(self.addr).await.unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("a clean stop");
        }
        if let Some((url, schema)) = self.schema.take() {
            bourse_store::Store::drop_schema(&url, &schema)
                .await
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Registers a user; returns (access token, refresh token, user id).
    pub async fn register(&self, username: &str) -> (String, String, String) {
        let mut http = self.http().await;
        let response = http
            .json(
                "POST",
                "/api/v1/auth/register",
                None,
                Some(&json!({"username": username, "password": "password-123"})),
            )
            .await
            .unwrap();
        assert_eq!(
            response.status,
            201,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        let data = response.data();
        (
            data["access_token"].as_str().unwrap().to_string(),
            data["refresh_token"].as_str().unwrap().to_string(),
            data["user"]["id"].as_str().unwrap().to_string(),
        )
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        let mut http = self.http().await;
        http.json(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&json!({"username": username, "password": password})),
        )
        .await
        .unwrap()
    }

    pub async fn faucet(&self, token: &str, asset: &str, amount: &str) {
        let mut http = self.http().await;
        let response = http
            .json(
                "POST",
                "/api/v1/faucet",
                Some(token),
                Some(&json!({"asset": asset, "amount": amount})),
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

    pub async fn ws(&self, token: Option<&str>) -> Ws {
        let path = match token {
            Some(token) => format!("ws://{}/api/v1/ws?token={token}", self.addr),
            None => format!("ws://{}/api/v1/ws", self.addr),
        };
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let (socket, _) = tokio_tungstenite::client_async(path, stream)
            .await
            .expect("websocket upgrade");
        Ws { socket }
    }
}

pub struct Ws {
    pub socket: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
}

impl Ws {
    pub async fn send(&mut self, value: Value) {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await
            .unwrap();
    }

    /// The next JSON message, waiting at most five seconds.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.socket.next())
                .await
                .expect("a message within 5 s")
                .expect("the socket is open")
                .expect("a valid frame");
            if let Message::Text(text) = message {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// Every JSON message that comes within `window` (reading also answers the
    /// venue's pings, so a test that waits long is not taken for idle).
    pub async fn drain(&mut self, window: Duration) -> Vec<Value> {
        let until = tokio::time::Instant::now() + window;
        let mut messages = Vec::new();
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(until, self.socket.next()).await {
            if let Message::Text(text) = message {
                messages.push(serde_json::from_str(&text).unwrap());
            }
        }
        messages
    }

    /// Reads until a message satisfies `matches` (bounded), returning it.
    pub async fn until(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..500 {
            let message = self.next().await;
            if matches(&message) {
                return message;
            }
        }
        panic!("no {what} among 500 messages");
    }
}
