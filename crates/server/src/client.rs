//! A small HTTP/1.1 client with keep-alive, for the load generator and the tests: one
//! connection, one request at a time, no allocation beyond the bodies. It speaks only
//! to this venue (plain HTTP on a known address).

use serde_json::Value;
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug)]
pub struct Http {
    reader: BufReader<TcpStream>,
    host: String,
    request: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The header lines as received, `Name: value` each ending in CRLF: one allocation
    /// per response, searched when a header is asked for.
    head: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The envelope's `data`.
    pub fn data(&self) -> Value {
        self.json().get("data").cloned().unwrap_or(Value::Null)
    }

    /// The envelope's error code.
    pub fn code(&self) -> String {
        self.json()
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl Http {
    pub async fn connect(addr: SocketAddr) -> io::Result<Http> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Http {
            reader: BufReader::with_capacity(64 * 1024, stream),
            host: addr.to_string(),
            request: Vec::with_capacity(1024),
        })
    }

    /// Sends a request and reads the whole response.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Response> {
        self.request.clear();
        self.request.extend_from_slice(method.as_bytes());
        self.request.push(b' ');
        self.request.extend_from_slice(path.as_bytes());
        self.request.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        self.request.extend_from_slice(self.host.as_bytes());
        self.request.extend_from_slice(b"\r\n");
        for (name, value) in headers {
            self.request.extend_from_slice(name.as_bytes());
            self.request.extend_from_slice(b": ");
            self.request.extend_from_slice(value.as_bytes());
            self.request.extend_from_slice(b"\r\n");
        }
        if let Some(body) = body {
            self.request.extend_from_slice(b"Content-Length: ");
            self.request
                .extend_from_slice(body.len().to_string().as_bytes());
            self.request.extend_from_slice(b"\r\n\r\n");
            self.request.extend_from_slice(body);
        } else {
            self.request.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        }
        self.reader.get_mut().write_all(&self.request).await?;
        self.read_response().await
    }

    /// A JSON request with an optional bearer token or API key.
    pub async fn json(
        &mut self,
        method: &str,
        path: &str,
        credential: Option<&str>,
        body: Option<&Value>,
    ) -> io::Result<Response> {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let auth = credential.map(|c| {
            if c.starts_with("bk_") {
                ("X-API-Key", c.to_string())
            } else {
                ("Authorization", format!("Bearer {c}"))
            }
        });
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        if let Some((name, value)) = &auth {
            headers.push((name, value.as_str()));
        }
        self.send(method, path, &headers, bytes.as_deref()).await
    }

    async fn read_response(&mut self) -> io::Result<Response> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
        let mut head = String::new();
        let mut length: Option<usize> = None;
        let mut chunked = false;
        loop {
            let start = head.len();
            self.reader.read_line(&mut head).await?;
            let header = head[start..].trim_end();
            if header.is_empty() {
                head.truncate(start);
                break;
            }
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| invalid(format!("bad header {header:?}")))?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                && value.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16)
                    .map_err(|_| invalid("bad chunk size"))?;
                if size == 0 {
                    line.clear();
                    self.reader.read_line(&mut line).await?;
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..]).await?;
                line.clear();
                self.reader.read_line(&mut line).await?;
            }
        } else if let Some(length) = length {
            body.resize(length, 0);
            self.reader.read_exact(&mut body).await?;
        }
        Ok(Response { status, head, body })
    }
}

/// Nanoseconds since the Unix epoch, on the same clock the venue stamps messages with.
pub fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
