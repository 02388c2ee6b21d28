"""A small fake Stripe API over real HTTP, driven by the real `stripe` library.

Point the SDK at it with `STRIPE_API_BASE=fake.url`. It answers what the Stripe gateway
uses — accounts, account links, payment intents (create/retrieve), transfers, transfer
reversals, refunds (create/list), charges (retrieve) — with objects built from Stripe's
published example objects (`tests/contracts/stripe-fixtures3.json`, vendored and trimmed to
the resources used here; ids, amounts and metadata replaced), and checks what Stripe checks
that matters here (API key, required parameters, known destination, refund/reversal not above
what is left, idempotency key reused with other parameters).

Every request is recorded (`requests`: method, path, form fields decoded, Idempotency-Key).
A repeated Idempotency-Key gets the first answer again, as on Stripe (`Idempotent-Replayed`).
`fail_next("card_declined" | "rate_limit" | "api_error" | "invalid_request")` answers the next
matching call with 402 / 429 / 500 / 400 before anything is executed (so nothing is stored under
its key). `on_request(method, path, hook)` calls `hook(recorded)` in the server's thread
before a matching request is answered (tests look at the database from there). Tests move
objects along with `succeed`, `fail_payment` and `update_account`, build events with `event`,
and sign and post them to the app with `deliver` (the real `t=…,v1=…` scheme).

    with FakeStripe() as fake:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url})
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.fake_stripe_objects import StripeError, route, succeed

FIXTURES = Path(__file__).resolve().parents[1] / "contracts" / "stripe-fixtures3.json"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"

FAILURES = {
    "card_declined": (402, {"type": "card_error", "code": "card_declined",
                            "decline_code": "generic_decline",
                            "message": "Your card was declined."}),
    "rate_limit": (429, {"type": "invalid_request_error", "code": "rate_limit",
                         "message": "Too many requests hit the API too quickly."}),
    "api_error": (500, {"type": "api_error", "message": "Something went wrong on Stripe's end."}),
    "invalid_request": (400, {"type": "invalid_request_error", "code": "parameter_invalid",
                              "message": "This request was refused."}),
}


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0

    @property
    def params(self) -> dict[str, Any]:
        return nest(self.form)


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """`{"metadata[order_id]": "x"}` → `{"metadata": {"order_id": "x"}}`."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send for `payload`."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


class FakeStripe:
    def __init__(self, fixtures: Path = FIXTURES) -> None:
        self.resources: dict[str, Any] = json.loads(fixtures.read_text())["resources"]
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.bugs: list[str] = []
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self._replies: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self._failures: list[dict[str, Any]] = []
        self._hooks: list[tuple[str, str, Callable[[Recorded], None]]] = []
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ server

    def __enter__(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, reply, replayed = fake.handle(self.command, self.path, body,
                                                      dict(self.headers.items()))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._hooks.clear()

    def on_request(self, method: str, path: str, hook: Callable[[Recorded], None]) -> None:
        """Call `hook` (in the server's thread, before answering) for each `method` request
        to exactly `path`, until `reset`."""
        with self._lock:
            self._hooks.append((method, path, hook))

    def fail_next(self, kind: str, *, times: int = 1, path: str | None = None,
                  after: int = 0) -> None:
        """Answer the next `times` calls (to paths starting with `path`, if given; after
        letting `after` of them through) with the error `kind`: card_declined (402),
        rate_limit (429) or api_error (500)."""
        assert kind in FAILURES, kind
        with self._lock:
            self._failures.extend({"kind": kind, "path": path, "after": after}
                                  for _ in range(times))

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests
                if r.method == method and r.path.startswith(path_prefix)]

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, raw_path: str, body: str,
               headers: dict[str, str]) -> tuple[int, dict[str, Any], bool]:
        parts = urlsplit(raw_path)
        form = dict(parse_qsl(body, keep_blank_values=True))
        key = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), None)
        record = Recorded(method, parts.path, form, key, dict(parse_qsl(parts.query)))
        with self._lock:
            hooks = [hook for m, path, hook in self._hooks
                     if m == method and path == parts.path]
        for hook in hooks:
            try:
                hook(record)
            except Exception as exc:  # a failing hook is the test's bug: fail it loudly
                self.bugs.append(f"hook for {method} {parts.path}: {exc!r}")
        with self._lock:
            self.requests.append(record)
            status, reply, replayed = self._answer(method, parts.path, form, record, key,
                                                   headers)
            record.status = status
        return status, reply, replayed

    def _answer(self, method: str, path: str, form: dict[str, str], record: Recorded,
                key: str | None, headers: dict[str, str]
                ) -> tuple[int, dict[str, Any], bool]:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not auth.startswith("Bearer sk_"):
            return 401, {"error": {"type": "invalid_request_error",
                                   "message": "Invalid API Key provided."}}, False
        failure = next((f for f in self._failures
                        if f["path"] is None or path.startswith(f["path"])), None)
        if failure is not None and failure["after"] > 0:
            failure["after"] -= 1
        elif failure is not None:
            self._failures.remove(failure)
            status, error = FAILURES[failure["kind"]]
            return status, {"error": dict(error)}, False
        fingerprint = json.dumps([method, path, form], sort_keys=True)
        if key and method == "POST" and key in self._replies:
            first, status, reply = self._replies[key]
            if first != fingerprint:
                return 400, {"error": {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same "
                               "parameters they were first used with."}}, False
            return status, reply, True
        try:
            status, reply = 200, self._route(method, path, record.params, record.query)
        except StripeError as exc:
            status, reply = exc.status, {"error": exc.body}
        except Exception as exc:  # a bug of the fake: fail loudly (see `bugs`)
            self.bugs.append(f"{method} {path}: {exc!r}")
            return 500, {"error": {"type": "api_error", "message": f"fake bug: {exc!r}"}}, False
        if key and method == "POST":
            self._replies[key] = (fingerprint, status, copy.deepcopy(reply))
        return status, reply, False

    def _route(self, method: str, path: str, params: dict[str, Any],
               query: dict[str, str]) -> dict[str, Any]:
        segments = path.strip("/").split("/")
        if segments[0] != "v1" or len(segments) < 2:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        return route(self, method, segments[1:], params, query)

    # ------------------------------------------------------------------ helpers for tests

    def store(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects.setdefault(kind, {})[obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: str) -> dict[str, Any]:
        found = self.objects.get(kind, {}).get(object_id)
        if found is None:
            raise StripeError(404, f"No such {kind}: '{object_id}'", param="id")
        return found

    def shaped(self, resource: str, **values: Any) -> dict[str, Any]:
        """Stripe's example `resource`, with `values` put in."""
        obj = copy.deepcopy(self.resources[resource])
        obj.update({"created": int(time.time()), "livemode": False})
        obj.update(values)
        return obj

    def succeed(self, payment_intent_id: str, *, amount_received: int | None = None
                ) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(succeed(self, payment_intent_id, amount_received))

    def fail_payment(self, payment_intent_id: str) -> dict[str, Any]:
        with self._lock:
            intent = self.get("payment_intent", payment_intent_id)
            intent.update(status="requires_payment_method", last_payment_error={
                "type": "card_error", "code": "card_declined",
                "decline_code": "insufficient_funds", "message": "Your card has insufficient "
                                                                 "funds."})
            return copy.deepcopy(intent)

    def update_account(self, account_id: str, **flags: Any) -> dict[str, Any]:
        with self._lock:
            account = self.get("account", account_id)
            account.update(flags)
            if account.get("payouts_enabled"):
                account["requirements"]["disabled_reason"] = None
                account["requirements"]["currently_due"] = []
                account["capabilities"] = {"transfers": "active"}
            return copy.deepcopy(account)

    def charge(self, charge_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.get("charge", charge_id))

    def event(self, type_: str, obj: dict[str, Any], *, event_id: str | None = None,
              created: int | None = None) -> dict[str, Any]:
        return self.shaped(
            "event", id=event_id or f"evt_{secrets.token_hex(12)}", type=type_,
            data={"object": copy.deepcopy(obj)}, api_version="2025-01-27.acacia",
            pending_webhooks=1, request={"id": None, "idempotency_key": None},
            **({"created": created} if created is not None else {}))

    @staticmethod
    def deliver(client: Any, event: dict[str, Any], secret: str, *,
                timestamp: int | None = None, signature: str | None = None) -> Any:
        """Sign `event` like Stripe and POST it to the app's webhook endpoint."""
        payload = json.dumps(event)
        header = signature if signature is not None else sign(payload, secret, timestamp)
        return client.post(WEBHOOK_PATH, data=payload, content_type="application/json",
                           headers={"Stripe-Signature": header})
