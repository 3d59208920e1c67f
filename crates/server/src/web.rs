//! What the binary serves outside `/api/v1`: the web dashboard, built from `web/` and
//! embedded at compile time (see `build.rs`). Hashed files under `/assets/` are cached
//! for a year; any other path that is not a file is a dashboard route and gets
//! `index.html`. A binary built without npm serves a page that says so.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

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

fn asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    ASSETS
        .iter()
        .find(|(url, _, _)| *url == path)
        .map(|(_, body, kind)| (*body, *kind))
}

fn file(body: &'static [u8], kind: &'static str, cache: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// Serves the dashboard; API paths that reach here are 404s in the API's envelope.
pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api"
        || path.starts_with("/api/")
        || (method != Method::GET && method != Method::HEAD)
    {
        return bourse_api::not_found().await.into_response();
    }
    if path.starts_with("/assets/") {
        return match asset(path) {
            Some((body, kind)) => file(body, kind, "public, max-age=31536000, immutable"),
            None => bourse_api::not_found().await.into_response(),
        };
    }
    if path != "/" && path != "/index.html" {
        if let Some((body, kind)) = asset(path) {
            return file(body, kind, "public, max-age=3600");
        }
        // A missing file is a 404; a path without an extension is a dashboard route.
        let last = path.rsplit('/').next().unwrap_or("");
        if last.contains('.') {
            return bourse_api::not_found().await.into_response();
        }
    }
    match asset("/index.html") {
        Some((body, kind)) => file(body, kind, "no-cache"),
        None => (StatusCode::OK, Html(NOT_BUILT)).into_response(),
    }
}
