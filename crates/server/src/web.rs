//! What the binary serves outside `/api/v1`: the landing page. The dashboard will be
//! served from here.

use axum::http::{Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

const LANDING: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bourse</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:48px auto;padding:0 16px;color:#1f2328}
code{background:#f6f8fa;padding:2px 5px;border-radius:4px}a{color:#0969da}</style></head>
<body><h1>Bourse is running</h1>
<p>This venue serves its API under <code>/api/v1</code>.</p>
<ul>
<li><a href="/api/v1/docs">API documentation</a> (browsable, works offline) and the <a href="/api/v1/openapi.json">OpenAPI document</a></li>
<li><a href="/api/v1/system/status">System status</a>, <a href="/api/v1/markets/tickers">live tickers</a></li>
<li>WebSocket: <code>/api/v1/ws</code></li>
</ul>
<p>The web dashboard is not part of this build yet.</p>
</body></html>"#;

/// Serves the landing page at `/`; anything else is a 404 in the API's envelope.
pub async fn serve(method: Method, uri: Uri) -> Response {
    if method == Method::GET && (uri.path() == "/" || uri.path() == "/index.html") {
        return (StatusCode::OK, Html(LANDING)).into_response();
    }
    bourse_api::not_found().await.into_response()
}
