//! The HTTP and WebSocket face's metrics: requests by method, route template and
//! status, their latency, requests in flight, rate-limit refusals, the WebSocket hub's
//! traffic and the dispatcher's delay. Route labels are the router's templates
//! (`/api/v1/orders/{id}`), never raw paths, so their number is bounded by the routes.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use bourse_telemetry::{Counter, Family, Gauge, Histogram, Telemetry, names};
use std::sync::Arc;

/// The route label of a request that matched no API route (404 answers, the
/// dashboard's static files).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The route label of the dashboard and its files, served for every other path.
pub const SITE_ROUTE: &str = "site";

/// The template of the route that answered, carried from the router to the outer
/// middleware in the response's extensions.
#[derive(Debug, Clone)]
pub struct RouteLabel(pub Arc<str>);

/// Records the matched route's template on the response (a route layer: it runs only
/// for requests that matched a route).
pub async fn label_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| Arc::<str>::from(m.as_str()));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

/// The API's series, resolved once.
#[derive(Debug, Clone)]
pub struct ApiMetrics {
    requests: Arc<Family<Counter>>,
    durations: Arc<Family<Histogram>>,
    pub in_flight: Arc<Gauge>,
    refusals: Arc<Family<Counter>>,
    pub dispatch_delay: Arc<Histogram>,
    pub hub: HubMetrics,
}

/// The WebSocket hub's series.
#[derive(Debug, Clone)]
pub struct HubMetrics {
    pub connections: Arc<Gauge>,
    pub connections_opened: Arc<Counter>,
    pub subscriptions: Arc<Gauge>,
    pub messages_sent: Arc<Counter>,
    pub slow_consumers: Arc<Counter>,
}

impl HubMetrics {
    pub fn new(telemetry: &Telemetry) -> HubMetrics {
        HubMetrics {
            connections: telemetry.gauge(&names::WS_CONNECTIONS).get(&[]),
            connections_opened: telemetry.counter(&names::WS_CONNECTIONS_OPENED).get(&[]),
            subscriptions: telemetry.gauge(&names::WS_SUBSCRIPTIONS).get(&[]),
            messages_sent: telemetry.counter(&names::WS_MESSAGES_SENT).get(&[]),
            slow_consumers: telemetry.counter(&names::WS_SLOW_CONSUMERS).get(&[]),
        }
    }

    /// Series of their own, in no registry (a hub under test).
    pub fn detached() -> HubMetrics {
        HubMetrics::new(&Telemetry::default())
    }
}

/// The scopes of `bourse_rate_limit_refusals_total`.
pub const RATE_LIMIT_SCOPES: [&str; 2] = ["address", "user"];

impl ApiMetrics {
    pub fn new(telemetry: &Telemetry) -> ApiMetrics {
        let refusals = telemetry.counter(&names::RATE_LIMIT_REFUSALS);
        for scope in RATE_LIMIT_SCOPES {
            refusals.get(&[scope]);
        }
        ApiMetrics {
            requests: telemetry.counter(&names::HTTP_REQUESTS),
            durations: telemetry.histogram(&names::HTTP_REQUEST_DURATION),
            in_flight: telemetry.gauge(&names::HTTP_IN_FLIGHT).get(&[]),
            refusals,
            dispatch_delay: telemetry.histogram(&names::DISPATCH_DELAY).get(&[]),
            hub: HubMetrics::new(telemetry),
        }
    }

    /// Counts one answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: std::time::Duration) {
        let status = status_label(status);
        self.requests.get(&[method, route, status]).inc();
        self.durations
            .get(&[method, route])
            .observe_duration(elapsed);
    }

    /// Counts one refusal by a rate limit of `scope` (one of [`RATE_LIMIT_SCOPES`]).
    pub fn refused(&self, scope: &str) {
        self.refusals.get(&[scope]).inc();
    }
}

/// A status code as a label, from a fixed table so that no allocation is needed.
fn status_label(status: u16) -> &'static str {
    const KNOWN: &[(u16, &str)] = &[
        (101, "101"),
        (200, "200"),
        (201, "201"),
        (202, "202"),
        (204, "204"),
        (301, "301"),
        (302, "302"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (406, "406"),
        (408, "408"),
        (409, "409"),
        (410, "410"),
        (413, "413"),
        (415, "415"),
        (422, "422"),
        (429, "429"),
        (431, "431"),
        (500, "500"),
        (501, "501"),
        (502, "502"),
        (503, "503"),
        (504, "504"),
    ];
    match KNOWN.binary_search_by_key(&status, |(code, _)| *code) {
        Ok(i) => KNOWN[i].1,
        Err(_) => match status / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        },
    }
}

/// The method as a label: the standard ones, else `other` (a bounded set).
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_bounded_labels() {
        assert_eq!(status_label(200), "200");
        assert_eq!(status_label(503), "503");
        assert_eq!(status_label(418), "4xx");
        assert_eq!(status_label(599), "5xx");
    }
}
