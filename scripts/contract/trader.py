"""Registers a funded trader on a venue and prints shell assignments of its access
token and an API key with both scopes, for the contract run (scripts/contract/run)."""

import json
import sys
import urllib.request

URL = sys.argv[1]


def call(method, path, body=None, token=None):
    request = urllib.request.Request(URL + path, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(request, data, timeout=30) as response:
        return json.load(response)["data"]


# Not the password of any example in the document, so that the generator's
# password-change requests are refused rather than end this session.
tokens = call("POST", "/api/v1/auth/register",
              {"username": "contract-trader", "password": "contract-password-1"})
token = tokens["access_token"]
for asset, amount in [("USD", "100000"), ("BTC", "2"), ("ETH", "50"), ("EUR", "100000"), ("AAPL", "500")]:
    call("POST", "/api/v1/faucet", {"asset": asset, "amount": amount}, token)
key = call("POST", "/api/v1/api-keys", {"name": "contract", "scopes": ["read", "trade"]}, token)["key"]
print(f"BOURSE_CONTRACT_TOKEN='{token}'")
print(f"BOURSE_CONTRACT_API_KEY='{key}'")
