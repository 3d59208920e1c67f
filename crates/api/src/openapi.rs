//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs.

use crate::routes::{account, admin, auth, market, orders, system};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Bourse API",
        version = "1",
        description = "The REST API of a Bourse venue. Money, prices and quantities are decimal strings; \
ids are strings. Every response is an envelope: `{success, data, error, timestamp}`; errors carry a \
stable `code` (see the error catalog) and the `request_id` also sent in the `x-request-id` header. \
Authenticate with `Authorization: Bearer <access token>` (from `/auth/login`) or `X-API-Key: <key>`. \
Rate limits answer 429 with `Retry-After`. The WebSocket API is at `/api/v1/ws` (see its entry)."
    ),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::me, auth::change_password,
        auth::create_api_key, auth::list_api_keys, auth::revoke_api_key,
        account::balances, account::faucet, account::transfers, account::my_trades,
        orders::place, orders::list, orders::get_order, orders::cancel, orders::amend, orders::cancel_all,
        market::assets, market::instruments, market::tickers, market::ticker, market::depth, market::trades,
        market::candles,
        system::status, system::healthz, system::readyz, openapi_json, docs_page, websocket,
        admin::list_users, admin::create_user, admin::update_user, admin::set_instrument_status, admin::all_orders,
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Accounts, sessions and API keys"),
        (name = "account", description = "Balances, the demo faucet, transfers and fills"),
        (name = "orders", description = "Placing, amending and cancelling orders"),
        (name = "market", description = "Public market data"),
        (name = "websocket", description = "Live data and trading over one connection"),
        (name = "system", description = "Status, health and documentation"),
        (name = "admin", description = "Staff: users, markets, every account's orders"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", responses((status = 200, description = "the OpenAPI 3.1 document")))]
#[allow(dead_code)]
fn openapi_json() {}

/// Browsable documentation of this API, served by the venue itself (no internet
/// needed).
#[utoipa::path(get, path = "/api/v1/docs", tag = "system", responses((status = 200, description = "an HTML page")))]
#[allow(dead_code)]
fn docs_page() {}

/// The WebSocket API. Upgrade with `GET /api/v1/ws` (optionally `?token=<access token
/// or API key>`).
///
/// Send `{"op":"subscribe","topics":[...],"id":1}` with topics `ticker:SYM`, `trades:SYM`,
/// `book:SYM`, `candles:SYM:1m` (any interval), and once authenticated (`{"op":"auth",
/// "token":"..."}`) `orders` and `balances`. A `book` subscription starts with a
/// `book_snapshot` carrying `seq`; each `book_delta` has the next `seq` and lists changed
/// levels as `[price, quantity]` (quantity `0` removes the level): on a gap, resubscribe.
/// Trade on the same connection with `{"op":"place","id":n,"order":{...}}` (the body of
/// `POST /orders`), `{"op":"cancel","id":n,"order_id":"..."}` and `{"op":"amend","id":n,
/// "order_id":"...","price":"...","quantity":"..."}`; answers come as `{"type":"result",
/// "id":n,"data":order}` or `{"type":"error","id":n,"code":...}`. The server sends
/// `{"type":"heartbeat"}` every 15 s; `{"op":"ping"}` gets `{"type":"pong"}`. Each client
/// has a bounded queue; a client that falls behind is disconnected with close code 1008,
/// reason `slow consumer: queue full`. A client silent for 60 s is disconnected.
#[utoipa::path(get, path = "/api/v1/ws", tag = "websocket",
    params(("token" = Option<String>, Query, description = "an access token or API key")),
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 401, description = "the token is not valid", body = crate::error::ErrorEnvelope)))]
#[allow(dead_code)]
fn websocket() {}

/// The document as JSON, built once.
pub fn document_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_string())
    })
}
