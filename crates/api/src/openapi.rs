//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs,
//! then completed by rules that follow from the code every request passes through
//! ([`Contract`]): the answers of the shared middleware and extractors (rate limits,
//! header limits, authentication, JSON bodies, query strings), and the links from a
//! created resource to the operations on it.

use crate::error::ErrorEnvelope;
use crate::routes::{
    account, admin, auth, live, market, orders, risk, strategies, subaccounts, system,
};
use crate::ws::protocol::{ClientMessage, ServerMessage};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Bourse API",
        version = "1",
        description = "The REST API of a Bourse venue. Money, prices and quantities are decimal strings; \
ids are strings. Every response under `/api/v1` is an envelope: `{success, data, error, timestamp}`; \
errors carry a stable `code` (see the error catalog, docs/errors.md), each code with one HTTP status, \
and the `request_id` also sent in the `x-request-id` header. Authenticate with \
`Authorization: Bearer <access token>` (from `/auth/login`) or `X-API-Key: <key>`. Rate limits answer \
429 with `Retry-After`; a read-model database that does not answer gives 503 `DATABASE_UNAVAILABLE` \
with `Retry-After` (trading goes on). The WebSocket API is at `/api/v1/ws` (see its entry and the \
`ClientMessage` and `ServerMessage` schemas)."
    ),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout, auth::me, auth::change_password,
        auth::create_api_key, auth::list_api_keys, auth::revoke_api_key,
        account::balances, account::faucet, account::transfers, account::my_trades,
        subaccounts::list, subaccounts::open, subaccounts::transfer,
        orders::place, orders::place_oco, orders::list, orders::get_order, orders::cancel, orders::amend,
        orders::cancel_all,
        risk::positions, risk::my_risk, risk::halts, risk::panic,
        market::assets, market::instruments, market::tickers, market::ticker, market::depth, market::trades,
        market::candles,
        system::status, system::healthz, system::readyz, system::metrics, openapi_json, docs_page,
        admin::list_users, admin::create_user, admin::update_user, admin::set_instrument_status, admin::all_orders,
        admin::list_asset, admin::list_instrument, admin::update_instrument, admin::stats,
        risk::accounts_risk, risk::account_risk, risk::account_positions, risk::set_account_limits,
        risk::defaults, risk::set_defaults, risk::set_trading_day, risk::halt, risk::resume,
        strategies::builtins, strategies::start, strategies::list, strategies::get_backtest,
        strategies::cancel, strategies::report,
        live::create, live::list, live::get_strategy, live::start, live::pause, live::stop, live::panic,
        live::update_params, live::decisions, live::signals, live::latest_signal,
    ),
    components(schemas(ClientMessage, ServerMessage, ErrorEnvelope)),
    modifiers(&Security, &Contract),
    tags(
        (name = "auth", description = "Accounts, sessions and API keys"),
        (name = "account", description = "Balances, the demo faucet, transfers and fills; sub-accounts and transfers between a user's accounts (every view of one account takes `account`: `main` or a sub-account id)"),
        (name = "orders", description = "Placing, amending and cancelling orders: limit, market, stop and take-profit (market or limit), trailing stops, brackets and one-cancels-the-other pairs (docs/orders.md)"),
        (name = "risk", description = "Positions and PnL, risk limits and their use, halts, the panic button"),
        (name = "market", description = "Public market data"),
        (name = "strategies", description = "Built-in strategies, backtests over the venue's stored candles, live strategies trading from sub-accounts, and their signals (docs/strategies.md)"),
        (name = "websocket", description = "Live data and trading over one connection, at `/api/v1/ws`: see the WebSocket API above"),
        (name = "system", description = "Status, health and documentation"),
        (name = "admin", description = "Staff: users, listings and trading rules, every account's orders and risk, limits, the kill switch, live statistics"),
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

/// Completes every operation with the answers of the code it shares with the others.
struct Contract;

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))),
            )
            .build(),
    )
}

/// Adds a response unless the operation documents that status already.
fn add(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| error_response(description));
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Links from an operation's answer to operations on what it created.
fn link(
    operation: &mut Operation,
    status: &str,
    links: &[(&str, &str, &str)],
    parameter: &str,
    expression: &str,
) {
    let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) else {
        return;
    };
    for (name, operation_id, description) in links {
        response.links.insert(
            (*name).to_string(),
            RefOr::T(
                LinkBuilder::new()
                    .operation_id(*operation_id)
                    .parameter(parameter, expression)
                    .description(*description)
                    .build(),
            ),
        );
    }
}

/// Request bodies that must name at least one field. (utoipa 5 writes its
/// `min_properties` attribute as `maxProperties`, so the bound is set here.)
const AT_LEAST_ONE_FIELD: &[&str] = &[
    "AmendOrder",
    "UpdateUser",
    "BracketDto",
    "InstrumentChangesDto",
];

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for name in AT_LEAST_ONE_FIELD {
                if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*name) {
                    object.min_properties = Some(1);
                }
            }
        }
        // The WebSocket protocol where readers look: the document's description.
        let info = openapi.info.description.get_or_insert_with(String::new);
        info.push_str("\n\n## The WebSocket API\n\n");
        info.push_str(WEBSOCKET_DESCRIPTION);
        let mut websocket = PathItem::default();
        websocket.summary = Some("The WebSocket API (not an HTTP operation)".to_string());
        websocket.description = Some(WEBSOCKET_DESCRIPTION.to_string());
        openapi
            .paths
            .paths
            .insert("/api/v1/ws".to_string(), websocket);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/api/v1/");
            for operation in operations(item) {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let has_params = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                // Every request: the header limit, and faults.
                add(
                    operation,
                    "431",
                    "HEADERS_TOO_LARGE: the request's headers are over `server.header_bytes_max`",
                );
                add(
                    operation,
                    "500",
                    "INTERNAL_ERROR (logged with the request id)",
                );
                if !api {
                    continue;
                }
                add(
                    operation,
                    "429",
                    "RATE_LIMITED: over the per-address or per-user rate; `Retry-After` says when to retry",
                );
                add(
                    operation,
                    "503",
                    "OVERLOADED, JOURNAL_UNAVAILABLE or DATABASE_UNAVAILABLE; `Retry-After` says when to retry",
                );
                if secured {
                    add(
                        operation,
                        "401",
                        "UNAUTHORIZED, TOKEN_EXPIRED, TOKEN_INVALID or API_KEY_INVALID",
                    );
                    add(
                        operation,
                        "403",
                        "FORBIDDEN (the account is disabled) or INSUFFICIENT_SCOPE",
                    );
                }
                if has_body {
                    add(
                        operation,
                        "400",
                        "INVALID_JSON or VALIDATION_ERROR (details.field names the field)",
                    );
                    add(
                        operation,
                        "413",
                        "PAYLOAD_TOO_LARGE: a body over `server.body_limit_bytes`",
                    );
                    add(
                        operation,
                        "415",
                        "UNSUPPORTED_MEDIA_TYPE: the body needs `Content-Type: application/json`",
                    );
                }
                if has_params {
                    add(
                        operation,
                        "400",
                        "VALIDATION_ERROR: a parameter is not valid",
                    );
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                match operation.operation_id.as_deref() {
                    Some("placeOrder") => link(
                        operation,
                        "201",
                        &[
                            ("GetOrder", "getOrder", "the order placed"),
                            ("AmendOrder", "amendOrder", "amend the order placed"),
                            ("CancelOrder", "cancelOrder", "cancel the order placed"),
                        ],
                        "id",
                        "$response.body#/data/id",
                    ),
                    Some("createApiKey") => link(
                        operation,
                        "201",
                        &[("RevokeApiKey", "revokeApiKey", "revoke the key created")],
                        "id",
                        "$response.body#/data/api_key/id",
                    ),
                    Some("createUser") => link(
                        operation,
                        "201",
                        &[("UpdateUser", "updateUser", "change the user created")],
                        "id",
                        "$response.body#/data/user/id",
                    ),
                    _ => {}
                }
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", operation_id = "openapi",
    responses((status = 200, description = "the OpenAPI 3.1 document")))]
#[allow(dead_code)]
fn openapi_json() {}

/// Browsable documentation of this API, served by the venue itself (no internet
/// needed), with try-it-out against this venue.
#[utoipa::path(get, path = "/api/v1/docs", tag = "system", operation_id = "docs",
    responses((status = 200, description = "an HTML page", content_type = "text/html")))]
#[allow(dead_code)]
fn docs_page() {}

/// The WebSocket route's description in the document. The route is not an HTTP
/// operation (a plain request to it answers 426 `UPGRADE_REQUIRED`), so its path item
/// carries only this description; the messages are the `ClientMessage` and
/// `ServerMessage` schemas.
pub const WEBSOCKET_DESCRIPTION: &str = "The WebSocket API. Connect with a WebSocket upgrade of \
`GET /api/v1/ws`, optionally with `?token=<access token or API key>`; a plain HTTP request answers \
426 `UPGRADE_REQUIRED`, a token that is not valid 401.

**Client messages** (the `ClientMessage` schema; an `id`, a number or a string of up to 64 \
characters, is echoed in the answer): `{\"op\":\"ping\"}` gets `pong`; \
`{\"op\":\"auth\",\"token\":\"...\"}` gets `authenticated`; \
`{\"op\":\"subscribe\",\"topics\":[...]}` and `unsubscribe` get `subscribed` / `unsubscribed`; \
`{\"op\":\"place\",\"order\":{...}}` (the body of `POST /api/v1/orders`), \
`{\"op\":\"cancel\",\"order_id\":\"...\"}` and \
`{\"op\":\"amend\",\"order_id\":\"...\",\"price\":\"...\",\"quantity\":\"...\"}` get `result` \
with the order. A message that does not parse, or a refusal, gets \
`{\"type\":\"error\",\"id\":...,\"code\":...,\"message\":...}` with a code from the error catalog.

**Topics**: `ticker:SYM`, `trades:SYM`, `book:SYM` (a `book_snapshot` carrying `seq`, then \
`book_delta`s with the next `seq`, levels as `[price, quantity]`, quantity `0` removing a level; \
on a gap, resubscribe), `candles:SYM:INTERVAL` (1m, 5m, 15m, 1h, 4h, 1d), and once \
authenticated `orders` (accepted, fill, amended, cancelled, expired) and `balances`. The \
server's messages are the `ServerMessage` schema, told apart by `type`.

**Heartbeats and limits**: the server sends `{\"type\":\"heartbeat\"}` every \
`websocket.heartbeat_secs` (15 s); a client silent for `websocket.idle_timeout_secs` (60 s) is \
disconnected. Each client has a bounded queue (`websocket.queue_len_max` messages) and at most \
`websocket.subscriptions_max` (64) subscriptions.

**Close codes**: 1000 when the venue shuts down or the client was idle; 1008 \
`slow consumer: queue full` when the client's queue fills (the frame goes out after what the \
socket already holds, within `websocket.close_timeout_ms`, else the connection is dropped); \
1009 `message too big` for a client message over `websocket.message_bytes_max` (64 KiB); 1013 \
`too many connections` when the venue holds `websocket.connections_max` connections.";

/// Spells link fields as OpenAPI does: utoipa 5 writes `Link`'s fields in snake case
/// (`operation_id`), which validators and clients do not read.
fn fix_links(document: &mut serde_json::Value) {
    let Some(paths) = document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(serde_json::Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                let Some(links) = response
                    .get_mut("links")
                    .and_then(serde_json::Value::as_object_mut)
                else {
                    continue;
                };
                for link in links.values_mut() {
                    let Some(link) = link.as_object_mut() else {
                        continue;
                    };
                    for (from, to) in [
                        ("operation_id", "operationId"),
                        ("operation_ref", "operationRef"),
                        ("request_body", "requestBody"),
                    ] {
                        if let Some(value) = link.remove(from) {
                            link.insert(to.to_string(), value);
                        }
                    }
                }
            }
        }
    }
}

/// The document as JSON, built once.
pub fn document_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        fix_links(&mut document);
        serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string())
    })
}
