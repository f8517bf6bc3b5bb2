//! The web UI, embedded in the binary (rust-embed): the waiter app, the kitchen display, the
//! dashboard and the setup wizard, served by the box itself, so tablets need nothing from the
//! internet. `cargo build` needs no Node: the UI is plain HTML, CSS and JavaScript modules.
//!
//! Every path outside `/api` is the UI: a file if there is one, else the `index.html` of the
//! app it falls under (`/waiter/table/4` → `waiter/index.html`), else a 404 page.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../web-ui/static/"]
struct Assets;

/// `t` is the guests' page a table's QR code opens (`/t/{token}`).
const APPS: [&str; 5] = ["waiter", "kds", "dashboard", "setup", "t"];

fn serve(path: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let mime = file.metadata.mimetype();
    let mut response = (StatusCode::OK, file.data.into_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // The service worker keeps the app usable offline; the browser must always ask for fresh
    // copies when the box is there (an update replaces the whole UI at once).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Some(response)
}

/// The fallback of the whole router: UI files and app pages; JSON 404 under `/api`.
pub async fn ui(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return comanda_api::ApiError::not_found("no such route; see /api/v1/openapi.json").into_response();
    }
    if path.is_empty() {
        return serve("index.html").unwrap_or_else(not_found);
    }
    // Browsers ask for /favicon.ico on their own; the icon is an SVG.
    if path == "favicon.ico" {
        return serve("favicon.svg").unwrap_or_else(not_found);
    }
    if let Some(found) = serve(path) {
        return found;
    }
    let app = path.split('/').next().unwrap_or_default();
    if APPS.contains(&app) {
        return serve(&format!("{app}/index.html")).unwrap_or_else(not_found);
    }
    not_found()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><title>Not found</title><p>Not found. <a href=\"/\">Comanda</a></p>",
    )
        .into_response()
}
