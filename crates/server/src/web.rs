//! What the binary serves outside `/api/v1`: the web dashboard, built from `web/` and
//! embedded at compile time (see `build.rs`). Hashed files under `/assets/` are cached
//! for a year; any other path that is not a file is a dashboard route and gets
//! `index.html`. Files are sent gzipped to clients that accept it (compressed at build
//! time). A binary built without npm serves a page that says so.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

/// A file of the dashboard, embedded at build time.
#[derive(Clone, Copy)]
struct EmbeddedFile {
    /// Its URL path, such as `/assets/index-1a2b3c.js`.
    url: &'static str,
    body: &'static [u8],
    /// The gzipped body, when the build made one (it does when that is smaller).
    gzip: Option<&'static [u8]>,
    /// The content type.
    kind: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bourse</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:48px auto;padding:0 16px;color:#1f2328}
code{background:#f6f8fa;padding:2px 5px;border-radius:4px}a{color:#0969da}</style></head>
<body><h1>Bourse is running</h1>
<p>This binary was built without its web dashboard: Node.js and npm were not found when it
was compiled. Install them and build again to get the dashboard at this address.</p>
<ul>
<li><a href="/api/v1/docs">API documentation</a> (browsable, works offline) and the <a href="/api/v1/openapi.json">OpenAPI document</a></li>
<li><a href="/api/v1/system/status">System status</a>, <a href="/api/v1/markets/tickers">live tickers</a></li>
<li>WebSocket: <code>/api/v1/ws</code></li>
</ul>
</body></html>"#;

/// Whether the dashboard is part of this binary.
pub fn dashboard_embedded() -> bool {
    asset("/index.html").is_some()
}

fn asset(path: &str) -> Option<EmbeddedFile> {
    ASSETS.iter().find(|file| file.url == path).copied()
}

/// Whether the client accepts gzip (`Accept-Encoding`, not refused with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                let p = p.replace(' ', "");
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn file(asset: EmbeddedFile, gzip_ok: bool, cache: &'static str) -> Response {
    let gzipped = asset.gzip.filter(|_| gzip_ok);
    let mut response = (StatusCode::OK, gzipped.unwrap_or(asset.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if asset.gzip.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if gzipped.is_some() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

const DOCS_NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bourse API</title></head>
<body><h1>Bourse API</h1><p>The browsable reference is part of the web dashboard, which this
binary was built without (Node.js and npm were not found when it was compiled). The
<a href="/api/v1/openapi.json">OpenAPI document</a> describes every route.</p></body></html>"#;

/// `/api/v1/docs`: the API reference (Swagger UI, built with the dashboard), always
/// revalidated so that it follows the binary.
pub async fn docs(request_headers: HeaderMap) -> Response {
    match asset("/docs.html") {
        Some(found) => file(found, accepts_gzip(&request_headers), "no-cache"),
        None => (StatusCode::OK, Html(DOCS_NOT_BUILT)).into_response(),
    }
}

/// Serves the dashboard; API paths that reach here are 404s in the API's envelope.
pub async fn serve(method: Method, uri: Uri, request_headers: HeaderMap) -> Response {
    let gzip = accepts_gzip(&request_headers);
    let path = uri.path();
    if path == "/api"
        || path.starts_with("/api/")
        || (method != Method::GET && method != Method::HEAD)
    {
        return bourse_api::not_found().await.into_response();
    }
    if path.starts_with("/assets/") {
        return match asset(path) {
            Some(found) => file(found, gzip, "public, max-age=31536000, immutable"),
            None => bourse_api::not_found().await.into_response(),
        };
    }
    if path != "/" && path != "/index.html" {
        if let Some(found) = asset(path) {
            return file(found, gzip, "public, max-age=3600");
        }
        // A missing file is a 404; a path without an extension is a dashboard route.
        let last = path.rsplit('/').next().unwrap_or("");
        if last.contains('.') {
            return bourse_api::not_found().await.into_response();
        }
    }
    match asset("/index.html") {
        Some(found) => file(found, gzip, "no-cache"),
        None => (StatusCode::OK, Html(NOT_BUILT)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in accept {
            map.append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(&headers(&["gzip, deflate, br"])));
        assert!(accepts_gzip(&headers(&["br;q=1.0, GZIP;q=0.5"])));
        assert!(accepts_gzip(&headers(&["identity", "*"])));
        assert!(!accepts_gzip(&headers(&[])));
        assert!(!accepts_gzip(&headers(&["br, deflate"])));
        assert!(!accepts_gzip(&headers(&["gzip;q=0"])));
        assert!(!accepts_gzip(&headers(&["gzip; q=0.0, br"])));
    }
}
