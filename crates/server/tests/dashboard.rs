//! The web dashboard as the binary serves it: `index.html` at `/` and at every
//! dashboard route, hashed assets with long caching, 404s for missing files and for
//! API paths, and the security headers on all of it.

mod support;

use support::{Db, TestServer};

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

#[tokio::test]
async fn the_dashboard_is_served_with_routes_assets_and_headers() {
    let server = TestServer::start("dashboard", Db::Sqlite, |_| {})
        .await
        .unwrap();
    let mut http = server.http().await;

    let root = http.send("GET", "/", &[], None).await.unwrap();
    assert_eq!(root.status, 200);
    assert_eq!(
        root.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = root.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(root.header("x-request-id").is_some());
    let html = text(&root.body);

    if !bourse::web::dashboard_embedded() {
        // Built without npm: a page that says how to get the dashboard.
        assert!(html.contains("built without its web dashboard"), "{html}");
        println!("this build has no dashboard (npm was missing): checked the fallback page only");
        server.stop().await;
        return;
    }
    assert!(html.contains("<div id=\"root\"></div>"), "{html}");
    assert_eq!(root.header("cache-control"), Some("no-cache"));

    // Dashboard routes are the same page; the browser's router takes over.
    for route in [
        "/trading/BTC-USD",
        "/portfolio",
        "/settings",
        "/login",
        "/index.html",
    ] {
        let page = http.send("GET", route, &[], None).await.unwrap();
        assert_eq!(page.status, 200, "{route}");
        assert_eq!(text(&page.body), html, "{route}");
    }

    // Every script and stylesheet the page names is there, cached for good.
    let assets: Vec<&str> = html
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert!(assets.iter().any(|a| a.ends_with(".js")), "{html}");
    for asset in &assets {
        let file = http.send("GET", asset, &[], None).await.unwrap();
        assert_eq!(file.status, 200, "{asset}");
        assert!(!file.body.is_empty(), "{asset}");
        let kind = file.header("content-type").unwrap_or_default();
        if asset.ends_with(".js") {
            assert_eq!(kind, "text/javascript; charset=utf-8");
        } else if asset.ends_with(".css") {
            assert_eq!(kind, "text/css; charset=utf-8");
        }
        assert_eq!(
            file.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
    // Browsers that accept gzip get the build-time gzipped copy of the large files.
    let script = assets.iter().find(|a| a.ends_with(".js")).unwrap();
    let plain = http.send("GET", script, &[], None).await.unwrap();
    let gzipped = http
        .send("GET", script, &[("Accept-Encoding", "gzip, br")], None)
        .await
        .unwrap();
    assert_eq!(gzipped.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"), "{script}");
    assert_eq!(&gzipped.body[..2], &[0x1f, 0x8b]);
    assert!(gzipped.body.len() < plain.body.len());
    assert_eq!(gzipped.header("vary"), Some("accept-encoding"));

    let icon = http.send("GET", "/favicon.svg", &[], None).await.unwrap();
    assert_eq!(icon.status, 200);
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));

    // Missing files, other methods and unknown API paths are 404s in the envelope.
    for (method, path) in [
        ("GET", "/assets/missing-0000.js"),
        ("GET", "/nothing.png"),
        ("GET", "/api"),
        ("GET", "/api/v2/orders"),
        ("GET", "/api/v1/no-such-route"),
        ("POST", "/"),
        ("GET", "/.vite/manifest.json"),
    ] {
        let response = http.send(method, path, &[], None).await.unwrap();
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(response.code(), "NOT_FOUND", "{method} {path}");
    }
    server.stop().await;
}
