//! The HTTP gateway: mounts every service's router under `/api/v1`, adds the health probes and
//! the OpenAPI document, and wraps everything in the layers of BRIEF §4 — request ids, tracing,
//! the 256 KiB body limit, panic catching, and one JSON error shape for every 4xx/5xx, even the
//! ones axum produces itself (unknown route, wrong method).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use comanda_api::ApiError;
use comanda_store::Store;
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const BODY_LIMIT: usize = 256 * 1024;
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(title = "Comanda", description = "The API of a Comanda box: the contract tablets, kitchen displays, installers' scripts and the cloud rely on."),
    modifiers(&BearerAuth),
    tags(
        (name = "setup", description = "First start"),
        (name = "auth", description = "Logging in and sessions"),
        (name = "staff", description = "Staff and roles"),
        (name = "shifts", description = "Clock-in and clock-out"),
        (name = "menu", description = "Categories, items, modifiers, availability"),
        (name = "tables", description = "Areas, tables, floor plan, QR codes"),
        (name = "orders", description = "Orders by seat and course, sending, voids, moves"),
        (name = "kitchen", description = "Stations and tickets"),
        (name = "billing", description = "Bills, discounts, splits, payments, refunds, receipts"),
        (name = "cash", description = "The cash drawer: sessions, X and Z reports"),
        (name = "reports", description = "Sales reports"),
        (name = "printing", description = "Printers, the print queue, receipts and test pages"),
        (name = "audit", description = "Who voided, comped, discounted, refunded, opened the drawer, changed prices"),
        (name = "events", description = "The live event stream"),
        (name = "system", description = "Health and documents"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// Any change can meet a full disk: every POST, PUT, PATCH and DELETE documents the 507
/// `insufficient_storage` that then answers (nothing was saved). Applied to the finished
/// document, once the services' paths are in it.
struct DiskFullResponses;

impl Modify for DiskFullResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
                op.responses.responses.entry("507".into()).or_insert_with(|| {
                    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
                    ResponseBuilder::new()
                        .description("The box's disk is full; nothing was saved (`insufficient_storage`)")
                        .content("application/json", body)
                        .build()
                        .into()
                });
            }
        }
    }
}

/// The whole HTTP surface: `api` holds the services' routers (relative to `/api/v1`).
pub fn router(api: OpenApiRouter, store: Store) -> Router {
    let system = OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).with_state(store.clone());
    let api = api.routes(routes!(qr_svg));
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api.routes(routes!(openapi_json)))
        .merge(system)
        .split_for_parts();
    DiskFullResponses.modify(&mut doc);
    document_shared_errors(&mut doc);
    let doc_json = Arc::new(doc.to_pretty_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")));

    let metrics = crate::metrics::Metrics::default();
    let scrape = Router::new()
        .route("/metrics", axum::routing::get(crate::metrics::endpoint))
        .with_state((metrics.clone(), store.clone()));
    router
        .merge(scrape)
        .layer(Extension(OpenApiJson(doc_json)))
        .route_layer(middleware::from_fn_with_state(metrics, crate::metrics::count))
        .fallback(crate::webui::ui)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(reject_oversized))
        .layer(middleware::from_fn(json_errors))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a handler panicked; the request was aborted").into_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

#[derive(Clone)]
struct OpenApiJson(Arc<String>);

/// The answers every route can give before its handler runs, from the shared extractors and
/// layers rather than from the route itself: a malformed id, query, header or JSON body (400),
/// a missing or stale token (401), an unknown id (404), a body too large (413), not sent as
/// JSON (415) or of the wrong shape (422). Added to each operation that has the matching
/// input, unless the route already describes that status in its own words, so a client (and
/// schemathesis) can rely on the document listing every status it may see.
fn document_shared_errors(doc: &mut utoipa::openapi::OpenApi) {
    fn add(op: &mut Operation, status: &str, description: &str) {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                    )
                    .build(),
            )
        });
    }

    for (_, item) in doc.paths.paths.iter_mut().filter(|(path, _)| path.starts_with("/api/")) {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let parameters: Vec<&ParameterIn> = op
                .parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    RefOr::T(p) => Some(&p.parameter_in),
                    RefOr::Ref(_) => None,
                })
                .collect();
            let has_path_id = parameters.iter().any(|p| **p == ParameterIn::Path);
            let has_input = !parameters.is_empty() || op.request_body.is_some();
            let has_body = op.request_body.is_some();
            let authenticated = op.security.as_ref().is_some_and(|s| !s.is_empty());
            if has_input {
                add(op, "400", "Malformed request: an id, query parameter, header or JSON body that does not parse");
            }
            if authenticated {
                add(op, "401", "Not authenticated: no bearer token, or an expired or revoked one");
            }
            if has_path_id {
                add(op, "404", "No such resource");
            }
            if has_body {
                add(op, "413", "Request body larger than 256 KiB");
                add(op, "415", "Request body not sent as application/json");
                add(op, "422", "Validation failed");
            }
        }
    }
}

/// A declared `Content-Length` over the limit is refused before the body is read; a chunked
/// body is cut off by `DefaultBodyLimit` in the extractors, which answer 413 too.
async fn reject_oversized(req: Request, next: Next) -> Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // The one route that takes files: an update streams to disk (its handler counts).
    let limit = if req.uri().path() == crate::system_update::UPDATE_PATH {
        crate::system_update::UPDATE_LIMIT
    } else {
        BODY_LIMIT as u64
    };
    if declared.is_some_and(|len| len > limit) {
        return ApiError::payload_too_large(limit as usize).into_response();
    }
    next.run(req).await
}

/// Any error answer of the API that is not already our JSON shape (axum's 405, a layer's
/// 408, …) gets it. The web UI's own pages (a 404 page) are left as they are.
async fn json_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = path.starts_with("/api") || matches!(path, "/healthz" | "/readyz" | "/metrics");
    let response = next.run(req).await;
    if !api {
        return response;
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut fixed = ApiError::from_status(status).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            fixed.headers_mut().insert(name, v.clone());
        }
    }
    fixed
}

#[derive(Serialize, ToSchema)]
struct Health {
    status: &'static str,
    /// This build's version (changes with an update).
    version: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "OK", body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok", version: crate::version() })
}

/// Readiness: the store is open, migrations ran, a read succeeds, and no check found damage.
#[utoipa::path(get, path = "/readyz", tag = "system",
    responses((status = 200, description = "OK", body = Health), (status = 503, description = "Unavailable", body = comanda_api::ErrorBody)))]
async fn readyz(State(store): State<Store>) -> Result<axum::Json<Health>, ApiError> {
    if let Some(problem) = store.damage() {
        return Err(ApiError::unavailable(format!("the database is damaged ({problem}): restore the last backup")));
    }
    store
        .read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map_err(comanda_store::StoreError::from))
        .await
        .map_err(|_| ApiError::unavailable("the database is not readable"))?;
    Ok(axum::Json(Health { status: "ready", version: crate::version() }))
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json", tag = "system", responses((status = 200, description = "The OpenAPI document")))]
async fn openapi_json(Extension(OpenApiJson(doc)): Extension<OpenApiJson>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], doc.as_str().to_owned())
        .into_response()
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct QrParams {
    /// What the code says (a URL), at most 512 characters.
    text: String,
}

/// A QR code as SVG, drawn by the box (the setup wizard shows the tablets' URL with it; no
/// internet needed).
#[utoipa::path(get, path = "/qr.svg", tag = "system", params(QrParams),
    responses((status = 200, description = "SVG", content_type = "image/svg+xml"), (status = 400, description = "Malformed request", body = comanda_api::ErrorBody)))]
async fn qr_svg(comanda_api::Query(q): comanda_api::Query<QrParams>) -> Result<Response, ApiError> {
    if q.text.is_empty() || q.text.chars().count() > 512 {
        return Err(ApiError::bad_request("text must be 1 to 512 characters"));
    }
    let code = qrcode::QrCode::new(q.text.as_bytes()).map_err(|_| ApiError::bad_request("cannot encode that text"))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).quiet_zone(true).build();
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"))], svg).into_response())
}
