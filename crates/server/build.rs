//! Builds the web dashboard (`web/`) with npm and Vite and embeds its files in the
//! binary, so that the README's one run command serves the dashboard on a fresh
//! machine that has Node.js and npm.
//!
//! `BOURSE_WEB_DIST=DIR` embeds an already built dashboard instead. Without npm the
//! binary is built without the dashboard and serves a page that says so.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let web = manifest.join("../../web");
    println!("cargo:rerun-if-env-changed=BOURSE_WEB_DIST");
    for input in [
        "src",
        "index.html",
        "docs.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
        "public",
        "scripts",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }

    let dist = match std::env::var_os("BOURSE_WEB_DIST") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => build(&web, &out.join("web")),
    };
    let mut files = Vec::new();
    if let Some(dist) = &dist {
        collect(dist, dist, &mut files);
    }
    files.sort();
    let mut table =
        String::from("/// The dashboard's files.\nstatic ASSETS: &[EmbeddedFile] = &[\n");
    for (url, path) in files.iter().filter(|(url, _)| !url.ends_with(".gz")) {
        let gz_url = format!("{url}.gz");
        let gz = match files.iter().find(|(other, _)| *other == gz_url) {
            Some((_, gz)) => format!("Some(include_bytes!({:?}))", gz.display().to_string()),
            None => "None".to_string(),
        };
        let _ = writeln!(
            table,
            "    EmbeddedFile {{ url: {url:?}, body: include_bytes!({:?}), gzip: {gz}, kind: {:?} }},",
            path.display().to_string(),
            content_type(url)
        );
    }
    table.push_str("];\n");
    std::fs::write(out.join("web_assets.rs"), table).expect("write web_assets.rs");
}

/// Runs `npm ci` (which installs exactly what the lock file says and never rewrites it)
/// when `node_modules` is missing or older than the lock file, then `vite build` into
/// `dest`. None (with a warning) when npm is missing or fails.
fn build(web: &Path, dest: &Path) -> Option<PathBuf> {
    let modified = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH)
    };
    let installed = web.join("node_modules/.package-lock.json");
    if !installed.exists() || modified(&installed) < modified(&web.join("package-lock.json")) {
        let ok = run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(web),
            "npm ci",
        );
        if !ok {
            return None;
        }
    }
    let vite = web.join("node_modules/vite/bin/vite.js");
    let ok = run(
        Command::new("node")
            .arg(vite)
            .args(["build", "--logLevel", "warn", "--emptyOutDir", "--outDir"])
            .arg(dest)
            .current_dir(web),
        "vite build",
    );
    if !ok {
        return None;
    }
    // Gzipped copies for browsers that accept them; without them files go uncompressed.
    run(
        Command::new("node")
            .arg("scripts/compress.mjs")
            .arg(dest)
            .current_dir(web),
        "compressing the dashboard",
    );
    Some(dest.to_path_buf())
}

fn run(command: &mut Command, what: &str) -> bool {
    match command.status() {
        Ok(status) if status.success() => true,
        Ok(status) => {
            println!("cargo:warning=the dashboard is not embedded: {what} failed ({status})");
            false
        }
        Err(error) => {
            println!(
                "cargo:warning=the dashboard is not embedded: {what} could not start ({error}); install Node.js and npm"
            );
            false
        }
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // `.vite/manifest.json` is for the bundle report, not for browsers.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let url = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
            let absolute = path.canonicalize().unwrap_or(path);
            files.push((url, absolute));
        }
    }
}

fn content_type(url: &str) -> &'static str {
    match url.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
