"""The metrics check: drives a trading scenario on a quiet venue (no simulator) and
scrapes /metrics before and after it. The exposition must parse with the Prometheus
project's own OpenMetrics parser (prometheus_client), every series named in
docs/metrics.md must be there and nothing undocumented, the counters must move by
exactly what the scenario did, and route labels must be templates, never raw paths.

Usage: check.py URL ADMIN_PASSWORD DOCS_METRICS_MD OPENAPI_JSON"""

import asyncio
import json
import re
import sys
import urllib.error
import urllib.request

import websockets
from prometheus_client.openmetrics.parser import text_string_to_metric_families

URL, ADMIN_PASSWORD, DOC, OPENAPI = sys.argv[1:5]
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def call(method, path, body=None, token=None, expect_error=False):
    request = urllib.request.Request(URL + path, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(request, data, timeout=30) as response:
            status, payload = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status, payload = error.code, json.load(error)
    if expect_error != (status >= 400):
        raise SystemExit(f"{method} {path}: {status} {payload}")
    return status, payload


def scrape():
    with urllib.request.urlopen(URL + "/metrics", timeout=30) as response:
        content_type = response.headers["Content-Type"]
        text = response.read().decode()
    if not content_type.startswith("application/openmetrics-text"):
        fail(f"/metrics content type {content_type}")
    families = {}
    # The strict OpenMetrics parser: it refuses a missing `# EOF`, counters without
    # `_total`, histogram buckets that are not cumulative or lack `+Inf`, duplicate
    # families and malformed lines.
    for family in text_string_to_metric_families(text):
        if family.name in families:
            fail(f"family {family.name} appears twice")
        families[family.name] = family
    return families


def value(families, family, sample_name, **labels):
    """The value of one sample (0 when the series does not exist yet)."""
    for sample in families[family].samples:
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return 0.0


def documented():
    """Series names of docs/metrics.md and their family names."""
    names = []
    for line in open(DOC):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) >= 5 and cells[1].startswith("`"):
            names.append((cells[1].strip("`"), cells[2]))
    return names


def family_of(series, kind):
    return series[: -len("_total")] if kind == "counter" and series.endswith("_total") else series


async def websocket_trade_listener(token, ready, done):
    uri = URL.replace("http://", "ws://") + "/api/v1/ws?token=" + token
    async with websockets.connect(uri) as ws:
        await ws.send(json.dumps({"op": "subscribe", "topics": ["trades:BTC-USD"]}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message.get("type") == "subscribed":
                ready.set()
            if message.get("type") == "trade":
                done.set()
                return


async def scenario():
    _, admin = call("POST", "/api/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD})
    admin_token = admin["data"]["access_token"]
    tokens = []
    for name in ("metrics-maker", "metrics-taker"):
        _, body = call("POST", "/api/v1/auth/register", {"username": name, "password": "metrics-password-1"})
        tokens.append(body["data"]["access_token"])
    maker, taker = tokens
    call("POST", "/api/v1/faucet", {"asset": "BTC", "amount": "1"}, maker)
    call("POST", "/api/v1/faucet", {"asset": "USD", "amount": "100000"}, taker)

    ready, done = asyncio.Event(), asyncio.Event()
    listener = asyncio.create_task(websocket_trade_listener(taker, ready, done))
    await asyncio.wait_for(ready.wait(), 10)

    _, sell = call("POST", "/api/v1/orders", {"type": "limit", "symbol": "BTC-USD", "side": "sell",
                                               "price": "65000.00", "quantity": "0.1000"}, maker)
    call("POST", "/api/v1/orders", {"type": "limit", "symbol": "BTC-USD", "side": "buy",
                                    "price": "65000.00", "quantity": "0.1000"}, taker)
    # Refused by the engine: the taker cannot pay for this.
    call("POST", "/api/v1/orders", {"type": "limit", "symbol": "BTC-USD", "side": "buy",
                                    "price": "65000.00", "quantity": "10.0000"}, taker, expect_error=True)
    # One resting order, then its cancel.
    _, rest = call("POST", "/api/v1/orders", {"type": "limit", "symbol": "BTC-USD", "side": "sell",
                                               "price": "66000.00", "quantity": "0.1000"}, maker)
    order_id = rest["data"]["order_id"] if "order_id" in rest["data"] else rest["data"]["id"]
    call("GET", f"/api/v1/orders/{order_id}", token=maker)
    call("GET", f"/api/v1/orders/{order_id}", token=maker)
    call("POST", f"/api/v1/orders/{order_id}/cancel", token=maker)
    call("GET", "/api/v1/no/such/route/123", expect_error=True)
    await asyncio.wait_for(done.wait(), 10)
    await listener
    del admin_token, sell


def main():
    before = scrape()
    asyncio.run(scenario())
    after = scrape()

    # Every documented series is exposed, and every exposed family is documented.
    doc = documented()
    doc_families = {family_of(series, kind) for series, kind in doc}
    for series, kind in doc:
        family = family_of(series, kind)
        if family not in after:
            fail(f"{series} is documented but not exposed")
        elif after[family].type != kind:
            fail(f"{series} is a {after[family].type}, documented as {kind}")
    for family in after:
        if family not in doc_families:
            fail(f"{family} is exposed but not in docs/metrics.md")

    def moved(family, sample, expected, **labels):
        delta = value(after, family, sample, **labels) - value(before, family, sample, **labels)
        if delta != expected:
            fail(f"{sample}{labels} moved by {delta}, expected {expected}")

    # The scenario: two registrations, two faucet deposits, four orders (one refused
    # by the engine), one trade, one cancel.
    moved("bourse_commands", "bourse_commands_total", 2, kind="deposit", outcome="accepted")
    moved("bourse_commands", "bourse_commands_total", 3, kind="place", outcome="accepted")
    moved("bourse_commands", "bourse_commands_total", 1, kind="place", outcome="rejected")
    moved("bourse_commands", "bourse_commands_total", 1, kind="cancel", outcome="accepted")
    moved("bourse_rejections", "bourse_rejections_total", 1, code="INSUFFICIENT_FUNDS")
    moved("bourse_trades", "bourse_trades_total", 1)
    moved("bourse_command_roundtrip_seconds", "bourse_command_roundtrip_seconds_count", 4, kind="place")
    moved("bourse_http_requests", "bourse_http_requests_total", 2,
          method="GET", route="/api/v1/orders/{id}", status="200")
    moved("bourse_http_requests", "bourse_http_requests_total", 1,
          method="POST", route="/api/v1/orders/{id}/cancel", status="200")
    moved("bourse_http_requests", "bourse_http_requests_total", 1,
          method="GET", route="unmatched", status="404")
    moved("bourse_http_request_seconds", "bourse_http_request_seconds_count", 2,
          method="GET", route="/api/v1/orders/{id}")
    # The scrape before the scenario is counted once its answer is written.
    moved("bourse_http_requests", "bourse_http_requests_total", 1,
          method="GET", route="/metrics", status="200")
    moved("bourse_ws_connections_opened", "bourse_ws_connections_opened_total", 1)
    if value(after, "bourse_ws_messages_sent", "bourse_ws_messages_sent_total") <= value(
            before, "bourse_ws_messages_sent", "bourse_ws_messages_sent_total"):
        fail("no WebSocket message was counted as sent")
    written = value(after, "bourse_journal_written_bytes", "bourse_journal_written_bytes_total")
    if written <= value(before, "bourse_journal_written_bytes", "bourse_journal_written_bytes_total"):
        fail("the journal's written bytes did not move")
    if value(after, "bourse_journal_available", "bourse_journal_available") != 1:
        fail("the journal is not reported available")
    durable = value(after, "bourse_journal_sequence", "bourse_journal_sequence", watermark="durable")
    if durable < 1:
        fail("the durable watermark is not reported")
    for name in ("process_resident_memory_bytes", "process_open_fds"):
        if value(after, name, name) <= 0:
            fail(f"{name} is not positive")

    # Route labels are the router's templates (or the fixed labels), never raw paths.
    allowed = set(json.load(open(OPENAPI))["paths"])
    allowed |= {"/api/v1/ws", "/api/v1/docs", "unmatched", "site"}
    routes = {sample.labels["route"]
              for family in ("bourse_http_requests", "bourse_http_request_seconds")
              for sample in after[family].samples if "route" in sample.labels}
    for route in sorted(routes):
        if route not in allowed:
            fail(f"the route label {route!r} is not a route template")
        if re.search(r"/\d+(/|$)", route):
            fail(f"the route label {route!r} holds a raw id")

    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    series = sum(len(f.samples) for f in after.values())
    print(f"metrics check passed: {len(after)} families, {series} samples, every documented series present")


main()
