//! `bourse healthcheck --url URL`: asks a venue's probe and exits 0 when it answers
//! 2xx in time, 1 otherwise. For container health checks, where the image has no
//! HTTP client of its own. Plain HTTP only (a probe is asked on the pod's own
//! address), one request, no redirects.

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The most bytes of an answer read: the status line is all that matters.
const ANSWER_BYTES_MAX: usize = 16 * 1024;

/// Where a probe is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeUrl {
    pub host: String,
    pub port: u16,
    pub path: String,
}

/// Parses `http://HOST[:PORT][/PATH]`.
pub fn parse_url(url: &str) -> anyhow::Result<ProbeUrl> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!("{url:?}: only http:// URLs are probed");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        bail!("{url:?} names no host");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            let port = port
                .parse::<u16>()
                .with_context(|| format!("{url:?}: the port {port:?} is not a number"))?;
            (host, port)
        }
        _ => (authority, 80),
    };
    let host = host.trim_matches(['[', ']']);
    if host.is_empty() {
        bail!("{url:?} names no host");
    }
    Ok(ProbeUrl {
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

/// Asks the probe; the status code when it answered within `timeout`.
pub fn probe(url: &str, timeout: Duration) -> anyhow::Result<u16> {
    let target = parse_url(url)?;
    let deadline = Instant::now() + timeout;
    let address = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .with_context(|| format!("resolving {}", target.host))?
        .next()
        .with_context(|| format!("{} has no address", target.host))?;
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .with_context(|| format!("connecting to {address}"))?;
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .context("no answer in time")
    };
    stream.set_write_timeout(Some(left()?))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: bourse-healthcheck\r\nConnection: close\r\n\r\n",
        target.path, target.host
    );
    stream
        .write_all(request.as_bytes())
        .context("sending the request")?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") && answer.len() < ANSWER_BYTES_MAX {
        stream.set_read_timeout(Some(left()?))?;
        let n = stream.read(&mut buf).context("reading the answer")?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&answer);
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .with_context(|| {
            format!(
                "not an HTTP answer: {:?}",
                line.lines().next().unwrap_or("")
            )
        })?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_bad_ones_refused() {
        assert_eq!(
            parse_url("http://127.0.0.1:8080/healthz").unwrap(),
            ProbeUrl {
                host: "127.0.0.1".into(),
                port: 8080,
                path: "/healthz".into()
            }
        );
        assert_eq!(parse_url("http://localhost").unwrap().port, 80);
        assert_eq!(parse_url("http://localhost").unwrap().path, "/");
        assert_eq!(parse_url("http://[::1]:9000/readyz").unwrap().host, "::1");
        assert!(parse_url("https://example.com/").is_err());
        assert!(parse_url("http://:80/").is_err());
        assert!(parse_url("http://host:port/").is_err());
    }
}
