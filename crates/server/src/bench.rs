//! `bourse bench`: the load generator.
//!
//! - `rest`: many clients, each on its own keep-alive connection and its own user,
//!   place limit orders over REST as fast as the venue answers; buys and sells cross, so
//!   the book stays shallow and every other order trades. Prints orders/s and the
//!   round-trip latency of each order (from sending the request to reading the
//!   acknowledgement, which comes only once the order is durable).
//! - `ws`: the same over the WebSocket (`op: place`), one order in flight per connection.
//! - `healthz`: the same clients without users, each sending `GET /healthz`: the HTTP
//!   stack (middleware included) with nothing behind it, the floor under `rest`.
//! - `fanout`: many WebSocket subscribers to one trades topic while orders that trade
//!   are placed at a fixed rate; prints the publish-to-receive latency of every
//!   delivery (the server stamps each message when it publishes it).
//!
//! By default it starts its own `bourse serve` (this binary) on a temporary data
//! directory with the simulator off and rate limits lifted, and stops it afterwards;
//! `--url` points it at a running venue instead (which must allow registration and the
//! faucet). Every loop is bounded by `--duration`.

use crate::client::Http;
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub url: Option<String>,
    pub clients: usize,
    pub duration: Duration,
    pub subscribers: usize,
    /// Trades per second in fan-out mode.
    pub rate: u32,
    pub simulator: bool,
}

/// A venue started for the benchmark, stopped on drop.
struct Spawned {
    child: Child,
    dir: std::path::PathBuf,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_venue(simulator: bool) -> anyhow::Result<(Spawned, SocketAddr)> {
    let dir = std::env::temp_dir().join(format!("bourse-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let exe = std::env::current_exe().context("locating this binary")?;
    let mut child = Command::new(exe)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env(
            "BOURSE_SIMULATOR_ENABLED",
            if simulator { "true" } else { "false" },
        )
        .env("BOURSE_RATE_LIMITS_USER_PER_SECOND", "10000000")
        .env("BOURSE_RATE_LIMITS_USER_BURST", "10000000")
        .env("BOURSE_RATE_LIMITS_ADDRESS_PER_SECOND", "10000000")
        .env("BOURSE_RATE_LIMITS_ADDRESS_BURST", "10000000")
        .env("BOURSE_WEBSOCKET_CONNECTIONS_MAX", "20000")
        .env("BOURSE_ADMIN_PASSWORD", "bench-admin-password")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting `bourse serve`")?;
    let stdout = child.stdout.take().context("the venue's output")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let Some(line) = lines.next() else {
            bail!("the venue exited before it listened")
        };
        let line = line?;
        if let Some(rest) = line.strip_prefix("Bourse is listening on http://") {
            break rest
                .trim()
                .parse::<SocketAddr>()
                .context("the venue's address")?;
        }
    };
    // Keep draining its output so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((Spawned { child, dir }, addr))
}

fn parse_url(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url
        .strip_prefix("http://")
        .context("--url must be http://HOST:PORT")?;
    let host = rest.trim_end_matches('/');
    use std::net::ToSocketAddrs;
    host.to_socket_addrs()?
        .next()
        .context("--url does not resolve")
}

struct User {
    token: String,
}

async fn make_users(addr: SocketAddr, count: usize) -> anyhow::Result<Vec<User>> {
    let tag = bourse_api::auth::hex(&bourse_api::auth::random_bytes::<4>());
    let mut users = Vec::with_capacity(count);
    let mut http = Http::connect(addr).await?;
    for i in 0..count {
        let username = format!("bench-{tag}-{i}");
        let response = http
            .json(
                "POST",
                "/api/v1/auth/register",
                None,
                Some(&json!({"username": username, "password": "bench-password-1"})),
            )
            .await?;
        if response.status != 201 {
            bail!(
                "registering {username}: {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
        }
        let token = response.data()["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for (asset, amount) in [("USD", "100000"), ("BTC", "2")] {
            let response = http
                .json(
                    "POST",
                    "/api/v1/faucet",
                    Some(&token),
                    Some(&json!({"asset": asset, "amount": amount})),
                )
                .await?;
            if response.status != 201 {
                bail!(
                    "funding {username}: {} {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                );
            }
        }
        users.push(User { token });
    }
    // One session that has ended, so that every request's session check looks in a
    // table that is not empty (the check's slow path) rather than skip it.
    let response = http
        .json(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(&json!({"username": format!("bench-{tag}-gone"), "password": "bench-password-1"})),
        )
        .await?;
    let refresh = response.data()["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    http.json(
        "POST",
        "/api/v1/auth/logout",
        None,
        Some(&json!({"refresh_token": refresh})),
    )
    .await?;
    Ok(users)
}

/// Small read buffers: tungstenite zeroes the buffer up to this size on every read.
fn ws_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(8 * 1024)
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("histogram bounds")
}

fn order_body(side: &str) -> String {
    json!({"symbol": "BTC-USD", "side": side, "type": "limit", "price": "65000.00", "quantity": "0.0010"}).to_string()
}

/// Counts of answers by error code, and the latencies of successes.
struct Outcome {
    ok: u64,
    errors: BTreeMap<String, u64>,
    latency: Histogram<u64>,
}

fn merge(outcomes: Vec<Outcome>) -> Outcome {
    let mut total = Outcome {
        ok: 0,
        errors: BTreeMap::new(),
        latency: new_histogram(),
    };
    for outcome in outcomes {
        total.ok += outcome.ok;
        for (code, n) in outcome.errors {
            *total.errors.entry(code).or_default() += n;
        }
        let _ = total.latency.add(&outcome.latency);
    }
    total
}

/// What the load clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    /// `POST /api/v1/orders`.
    Rest,
    /// `op: place` on a WebSocket.
    WebSocket,
    /// `GET /healthz`: the HTTP stack with no work behind it.
    Healthz,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::Rest => "rest",
            Load::WebSocket => "websocket",
            Load::Healthz => "healthz",
        }
    }

    /// What is counted, and what happens to it.
    fn unit(self) -> (&'static str, &'static str) {
        match self {
            Load::Rest | Load::WebSocket => ("orders", "acknowledged"),
            Load::Healthz => ("requests", "answered"),
        }
    }
}

fn report(load: Load, clients: usize, elapsed: Duration, outcome: &Outcome) {
    let h = &outcome.latency;
    let (mode, (unit, verb)) = (load.name(), load.unit());
    println!(
        "{mode}: {clients} clients, {:.1} s: {} {unit} {verb}, {:.0} {unit}/s; round trip p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        outcome.ok,
        outcome.ok as f64 / elapsed.as_secs_f64(),
        h.value_at_quantile(0.50) as f64 / 1e6,
        h.value_at_quantile(0.99) as f64 / 1e6,
        h.value_at_quantile(0.999) as f64 / 1e6,
        h.max() as f64 / 1e6,
    );
    if !outcome.errors.is_empty() {
        println!("  errors: {:?}", outcome.errors);
    }
}

/// One REST client: orders with `token`, or, without one, `GET /healthz`.
async fn rest_client(
    addr: SocketAddr,
    token: Option<String>,
    first_buy: bool,
    until: Instant,
) -> anyhow::Result<Outcome> {
    let mut http = Http::connect(addr).await?;
    let auth = token.as_ref().map(|t| format!("Bearer {t}"));
    let bodies = [order_body("buy"), order_body("sell")];
    let order_headers = [
        ("Authorization", auth.as_deref().unwrap_or_default()),
        ("Content-Type", "application/json"),
    ];
    let (method, path, headers, expected): (_, _, &[(&str, &str)], _) = if auth.is_some() {
        ("POST", "/api/v1/orders", &order_headers, 201)
    } else {
        ("GET", "/healthz", &[], 200)
    };
    let mut outcome = Outcome {
        ok: 0,
        errors: BTreeMap::new(),
        latency: new_histogram(),
    };
    let mut n = usize::from(!first_buy);
    while Instant::now() < until {
        let body = auth.is_some().then(|| bodies[n % 2].as_bytes());
        n += 1;
        let started = Instant::now();
        let response = http.send(method, path, headers, body).await?;
        let elapsed = started.elapsed().as_nanos() as u64;
        if response.status == expected {
            outcome.ok += 1;
            let _ = outcome.latency.record(elapsed.max(1));
        } else {
            *outcome
                .errors
                .entry(format!("{} {}", response.status, response.code()))
                .or_default() += 1;
        }
    }
    Ok(outcome)
}

async fn ws_client(
    addr: SocketAddr,
    token: String,
    first_buy: bool,
    until: Instant,
) -> anyhow::Result<Outcome> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut socket, _) = tokio_tungstenite::client_async_with_config(
        format!("ws://{addr}/api/v1/ws?token={token}"),
        stream,
        Some(ws_config()),
    )
    .await?;
    let mut outcome = Outcome {
        ok: 0,
        errors: BTreeMap::new(),
        latency: new_histogram(),
    };
    let mut n = u64::from(!first_buy);
    while Instant::now() < until {
        let side = if n % 2 == 0 { "buy" } else { "sell" };
        n += 1;
        let message = format!(
            r#"{{"op":"place","id":{n},"order":{{"symbol":"BTC-USD","side":"{side}","type":"limit","price":"65000.00","quantity":"0.0010"}}}}"#
        );
        let started = Instant::now();
        socket.send(Message::Text(message.into())).await?;
        let id_field = format!("\"id\":{n},");
        loop {
            let Some(frame) = socket.next().await else {
                bail!("the venue closed the WebSocket")
            };
            let Message::Text(text) = frame? else {
                continue;
            };
            if !text.contains(&id_field) {
                continue;
            }
            if text.contains("\"type\":\"result\"") {
                outcome.ok += 1;
                let _ = outcome
                    .latency
                    .record((started.elapsed().as_nanos() as u64).max(1));
            } else {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                let code = value["code"].as_str().unwrap_or("?").to_string();
                *outcome.errors.entry(code).or_default() += 1;
            }
            break;
        }
    }
    Ok(outcome)
}

async fn load(addr: SocketAddr, options: &BenchOptions, load: Load) -> anyhow::Result<()> {
    let tokens: Vec<Option<String>> = if load == Load::Healthz {
        vec![None; options.clients]
    } else {
        make_users(addr, options.clients)
            .await?
            .into_iter()
            .map(|user| Some(user.token))
            .collect()
    };
    let until = Instant::now() + options.duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            match (load, token) {
                (Load::WebSocket, Some(token)) => ws_client(addr, token, i % 2 == 0, until).await,
                (_, token) => rest_client(addr, token, i % 2 == 0, until).await,
            }
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.context("a client task failed")??);
    }
    let elapsed = started.elapsed();
    report(load, options.clients, elapsed, &merge(outcomes));
    Ok(())
}

async fn fanout(addr: SocketAddr, options: &BenchOptions) -> anyhow::Result<()> {
    let users = make_users(addr, 2).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let deliveries = Arc::new(AtomicU64::new(0));
    let mut subscribers = Vec::new();
    for _ in 0..options.subscribers {
        let mut subscriber = Subscriber::connect(addr, "trades:BTC-USD").await?;
        let mut stopped = stopped.clone();
        let deliveries = deliveries.clone();
        subscribers.push(tokio::spawn(async move {
            let mut latency = new_histogram();
            loop {
                let message = tokio::select! {
                    message = subscriber.next() => message,
                    _ = stopped.changed() => break,
                };
                let Ok(message) = message else { break };
                let now = crate::client::now_nanos();
                if let Some(published) = published_ns(message) {
                    let _ = latency.record(now.saturating_sub(published).max(1));
                    deliveries.fetch_add(1, Ordering::Relaxed);
                }
            }
            latency
        }));
    }
    println!(
        "fanout: {} subscribers connected; publishing about {} trades/s for {:?}",
        options.subscribers, options.rate, options.duration
    );
    // The publisher: a sell rests, a buy takes it, `rate` times a second.
    let mut http = Http::connect(addr).await?;
    let (seller, buyer) = (users[0].token.clone(), users[1].token.clone());
    let (sell, buy) = (order_body("sell"), order_body("buy"));
    let started = Instant::now();
    let mut trades = 0u64;
    let interval = Duration::from_secs_f64(1.0 / f64::from(options.rate.max(1)));
    while started.elapsed() < options.duration {
        let due = started + interval * (trades as u32);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        for (token, body) in [(&seller, &sell), (&buyer, &buy)] {
            let auth = format!("Bearer {token}");
            let headers = [
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ];
            let placed = http
                .send("POST", "/api/v1/orders", &headers, Some(body.as_bytes()))
                .await?;
            if placed.status != 201 {
                bail!(
                    "publishing orders failed: {} {}",
                    placed.status,
                    placed.code()
                );
            }
        }
        trades += 1;
    }
    // Let the last messages arrive, then stop the subscribers.
    let expected = trades * options.subscribers as u64;
    await_deliveries(&deliveries, expected).await;
    let _ = stop.send(true);
    let mut latency = new_histogram();
    for subscriber in subscribers {
        let _ = latency.add(&subscriber.await.context("a subscriber task failed")?);
    }
    println!(
        "fanout: {trades} trades to {} subscribers: {} of {expected} deliveries; publish-to-receive p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        options.subscribers,
        deliveries.load(Ordering::Relaxed),
        latency.value_at_quantile(0.50) as f64 / 1e6,
        latency.value_at_quantile(0.99) as f64 / 1e6,
        latency.value_at_quantile(0.999) as f64 / 1e6,
        latency.max() as f64 / 1e6,
    );
    Ok(())
}

/// Waits until `expected` deliveries have been counted, at most two seconds: a message
/// still missing then is reported as missing, not waited for.
async fn await_deliveries(deliveries: &AtomicU64, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while deliveries.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The `published_ns` stamp of a message, if it has one.
fn published_ns(message: &[u8]) -> Option<u64> {
    const FIELD: &[u8] = b"\"published_ns\":";
    let at = message.windows(FIELD.len()).position(|w| w == FIELD)? + FIELD.len();
    let digits = message[at..].iter().take_while(|b| b.is_ascii_digit());
    let mut value = 0u64;
    let mut any = false;
    for digit in digits {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
        any = true;
    }
    any.then_some(value)
}

/// A WebSocket subscriber that does only what the fan-out measurement needs, so that
/// the generator takes as little as possible of the CPU it shares with the venue: the
/// opening handshake, one masked `subscribe` frame, then server frames (unmasked,
/// RFC 6455) parsed in place in one buffer. Pings are answered; text messages are
/// returned whole.
struct Subscriber {
    stream: tokio::net::TcpStream,
    buffer: Vec<u8>,
    /// Bytes of `buffer` already returned.
    consumed: usize,
    /// Bytes of `buffer` filled.
    filled: usize,
    /// A message arriving in fragments.
    fragments: Vec<u8>,
    message: Vec<u8>,
}

/// A client frame: FIN, `opcode`, masked (RFC 6455 requires clients to mask).
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x5a, 0x17, 0xc3, 0x9e];
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

impl Subscriber {
    async fn connect(addr: SocketAddr, topic: &str) -> anyhow::Result<Subscriber> {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let request = format!(
            "GET /api/v1/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: YmVuY2gtc3Vic2NyaWJlcg==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut subscriber = Subscriber {
            stream,
            buffer: vec![0; 64 * 1024],
            consumed: 0,
            filled: 0,
            fragments: Vec::new(),
            message: Vec::new(),
        };
        // The response head ends with an empty line; frames may follow in the same read.
        let head_end = loop {
            let head = &subscriber.buffer[..subscriber.filled];
            if let Some(at) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if subscriber.fill().await? == 0 {
                bail!("the venue closed the connection during the WebSocket handshake");
            }
        };
        let head = String::from_utf8_lossy(&subscriber.buffer[..head_end]).into_owned();
        if !head.starts_with("HTTP/1.1 101") {
            bail!(
                "the venue refused the WebSocket: {}",
                head.lines().next().unwrap_or("")
            );
        }
        subscriber.consumed = head_end;
        let subscribe = json!({"op": "subscribe", "id": 1, "topics": [topic]}).to_string();
        subscriber
            .stream
            .write_all(&client_frame(0x1, subscribe.as_bytes()))
            .await?;
        loop {
            let reply = subscriber.next().await?;
            if reply.windows(12).any(|w| w == b"\"subscribed\"") {
                return Ok(subscriber);
            }
            if reply.windows(7).any(|w| w == b"\"error\"") {
                bail!("subscribing to {topic}: {}", String::from_utf8_lossy(reply));
            }
        }
    }

    /// Reads more bytes into the buffer (moving what is left to its start first).
    async fn fill(&mut self) -> std::io::Result<usize> {
        use tokio::io::AsyncReadExt;
        if self.consumed > 0 {
            self.buffer.copy_within(self.consumed..self.filled, 0);
            self.filled -= self.consumed;
            self.consumed = 0;
        }
        if self.filled == self.buffer.len() {
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        let n = self.stream.read(&mut self.buffer[self.filled..]).await?;
        self.filled += n;
        Ok(n)
    }

    /// The next whole text message.
    async fn next(&mut self) -> anyhow::Result<&[u8]> {
        use tokio::io::AsyncWriteExt;
        loop {
            let Some((fin, opcode, start, end)) = self.frame()? else {
                if self.fill().await? == 0 {
                    bail!("the venue closed the connection");
                }
                continue;
            };
            self.consumed = end;
            match opcode {
                0x1 | 0x0 if fin && self.fragments.is_empty() => {
                    self.message.clear();
                    self.message.extend_from_slice(&self.buffer[start..end]);
                    return Ok(&self.message);
                }
                0x1 | 0x0 => {
                    self.fragments.extend_from_slice(&self.buffer[start..end]);
                    if fin {
                        self.message = std::mem::take(&mut self.fragments);
                        return Ok(&self.message);
                    }
                }
                0x9 => {
                    let pong = client_frame(0xA, &self.buffer[start..end]);
                    self.stream.write_all(&pong).await?;
                }
                0x8 => bail!(
                    "the venue closed the WebSocket: {}",
                    String::from_utf8_lossy(&self.buffer[(start + 2).min(end)..end])
                ),
                _ => {}
            }
        }
    }

    /// The frame at the front of the buffer, if it is all there: (fin, opcode,
    /// payload start, payload end).
    fn frame(&self) -> anyhow::Result<Option<(bool, u8, usize, usize)>> {
        let bytes = &self.buffer[self.consumed..self.filled];
        if bytes.len() < 2 {
            return Ok(None);
        }
        if bytes[1] & 0x80 != 0 {
            bail!("the venue sent a masked frame");
        }
        let (length, header) = match bytes[1] & 0x7f {
            126 if bytes.len() >= 4 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
            127 if bytes.len() >= 10 => {
                let mut word = [0u8; 8];
                word.copy_from_slice(&bytes[2..10]);
                (usize::try_from(u64::from_be_bytes(word))?, 10)
            }
            126 | 127 => return Ok(None),
            n => (usize::from(n), 2),
        };
        if bytes.len() < header + length {
            return Ok(None);
        }
        let start = self.consumed + header;
        Ok(Some((
            bytes[0] & 0x80 != 0,
            bytes[0] & 0x0f,
            start,
            start + length,
        )))
    }
}

/// `loopback`: what this machine's loopback TCP allows a fan-out, with no venue at all.
/// Two threads (as many as the venue's API workers by default on two cores) write each
/// message with one blocking `write` per socket to half of `--subscribers` sockets;
/// the receivers read them on one thread, as `fanout`'s subscribers do, and take the
/// same latency: from the stamp in the message to its reading. Whatever the venue adds
/// on top of this is its own cost; what this prints, it cannot beat on this machine.
fn loopback(options: &BenchOptions) -> anyhow::Result<()> {
    use std::io::Write;
    const SENDERS: usize = 2;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut receivers = Vec::with_capacity(options.subscribers);
    let mut senders: Vec<Vec<std::net::TcpStream>> = (0..SENDERS).map(|_| Vec::new()).collect();
    for i in 0..options.subscribers {
        let client = runtime.block_on(tokio::net::TcpStream::connect(addr))?;
        client.set_nodelay(true)?;
        let (server, _) = listener.accept()?;
        server.set_nodelay(true)?;
        receivers.push(client);
        senders[i % SENDERS].push(server);
    }
    // A message the size of a trade message, ending in its stamp and a newline.
    let padding = "x".repeat(160);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let deliveries = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = receivers
        .into_iter()
        .map(|mut stream| {
            let mut stopped = stopped.clone();
            let deliveries = deliveries.clone();
            runtime.spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut latency = new_histogram();
                let mut buffer = vec![0u8; 16 * 1024];
                let mut filled = 0;
                loop {
                    let read = tokio::select! {
                        read = stream.read(&mut buffer[filled..]) => read,
                        _ = stopped.changed() => break,
                    };
                    let Ok(n) = read else { break };
                    if n == 0 {
                        break;
                    }
                    let now = crate::client::now_nanos();
                    filled += n;
                    let mut start = 0;
                    while let Some(end) = buffer[start..filled].iter().position(|&b| b == b'\n') {
                        if let Some(published) = published_ns(&buffer[start..start + end]) {
                            let _ = latency.record(now.saturating_sub(published).max(1));
                            deliveries.fetch_add(1, Ordering::Relaxed);
                        }
                        start += end + 1;
                    }
                    buffer.copy_within(start..filled, 0);
                    filled -= start;
                }
                latency
            })
        })
        .collect();
    // The senders wait for each message on a bounded channel of their own.
    let mut outboxes = Vec::new();
    let mut threads = Vec::new();
    for sockets in senders {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<Vec<u8>>>(1);
        outboxes.push(tx);
        threads.push(std::thread::spawn(move || -> std::io::Result<()> {
            let mut sockets = sockets;
            for message in rx {
                for socket in &mut sockets {
                    socket.write_all(&message)?;
                }
            }
            Ok(())
        }));
    }
    println!(
        "loopback: {} sockets on {SENDERS} sending threads; about {} messages/s for {:?}",
        options.subscribers, options.rate, options.duration
    );
    // The receivers run (in `block_on` below) while the messages go out, at `--rate` a
    // second.
    let publisher = std::thread::spawn({
        let duration = options.duration;
        let rate = options.rate.max(1);
        move || -> u64 {
            let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
            // A few unstamped messages first, as `fanout`'s subscribers first exchange
            // their subscription: the receivers skip them.
            for _ in 0..3 {
                let warm_up = Arc::new(format!("{{\"padding\":\"{padding}\"}}\n").into_bytes());
                for outbox in &outboxes {
                    if outbox.send(warm_up.clone()).is_err() {
                        return 0;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let started = Instant::now();
            let mut sent = 0u64;
            while started.elapsed() < duration {
                let due = started + interval * (sent as u32);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let message = Arc::new(
                    format!(
                        "{{\"padding\":\"{padding}\",\"published_ns\":{}}}\n",
                        crate::client::now_nanos()
                    )
                    .into_bytes(),
                );
                for outbox in &outboxes {
                    if outbox.send(message.clone()).is_err() {
                        return sent;
                    }
                }
                sent += 1;
            }
            sent
        }
    });
    let sent = runtime.block_on(async {
        let sent = tokio::task::spawn_blocking(move || publisher.join().unwrap_or(0))
            .await
            .unwrap_or(0);
        await_deliveries(&deliveries, sent * options.subscribers as u64).await;
        let _ = stop.send(true);
        sent
    });
    let mut latency = new_histogram();
    for task in tasks {
        let _ = latency.add(&runtime.block_on(task).context("a receiver failed")?);
    }
    for thread in threads {
        if let Ok(Err(error)) = thread.join() {
            bail!("a sender failed: {error}");
        }
    }
    println!(
        "loopback: {sent} messages to {} sockets: {} of {} deliveries; send-to-receive p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        options.subscribers,
        deliveries.load(Ordering::Relaxed),
        sent * options.subscribers as u64,
        latency.value_at_quantile(0.50) as f64 / 1e6,
        latency.value_at_quantile(0.99) as f64 / 1e6,
        latency.value_at_quantile(0.999) as f64 / 1e6,
        latency.max() as f64 / 1e6,
    );
    Ok(())
}

/// Runs one benchmark mode.
pub fn run(mode: &str, options: &BenchOptions) -> anyhow::Result<()> {
    if mode == "loopback" {
        return loopback(options);
    }
    let (spawned, addr) = match &options.url {
        Some(url) => (None, parse_url(url)?),
        None => {
            let (spawned, addr) = spawn_venue(options.simulator)?;
            println!("started a venue at {addr} for the benchmark");
            (Some(spawned), addr)
        }
    };
    // The generator runs on one thread: it shares the machine with the venue, and a
    // single-threaded runtime spends the least CPU per request or delivery (the fan-out
    // subscribers measured the same or better this way than on every core).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        match mode {
            "rest" => load(addr, options, Load::Rest).await,
            "ws" => load(addr, options, Load::WebSocket).await,
            "healthz" => load(addr, options, Load::Healthz).await,
            "fanout" => fanout(addr, options).await,
            other => bail!("unknown benchmark {other:?}"),
        }
    });
    drop(runtime);
    drop(spawned);
    result
}
