"""A local HTTP server that answers the part of Stripe's API Maticko calls, in Stripe's shapes.

stripe-python talks to it over real HTTP (settings.STRIPE_API_BASE), so the client's
encoding, headers, retries and error handling all run. It keeps Checkout Sessions
and refunds in memory, honours Idempotency-Key (the same key and parameters answer
the first response again; other parameters are an idempotency_error, as Stripe
does), and can be told to fail: ``mode = "down"`` answers 500, ``"refuse"`` a 400,
``"drop"`` creates the session but closes the connection without an answer.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from django.db import connections


@dataclass
class Call:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None


@dataclass
class StripeStub:
    base_url: str = ""
    # Where a session's page is; browser tests point it at this server (GET /c/pay/<id>).
    page_base: str = "https://checkout.stripe.test"
    mode: str = "up"
    calls: list[Call] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    # Called (in the server's thread, with its own database connection) when a session is
    # created, with the new session; what it returns is kept in ``seen_at_creation``.
    on_create: Callable[[dict[str, Any]], Any] | None = None
    seen_at_creation: list[Any] = field(default_factory=list)
    _answers: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)  # requests arrive in parallel

    def creates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path == "/v1/checkout/sessions"]

    def complete(self, session_id: str) -> dict[str, Any]:
        """The buyer paid on the session's page: Stripe's side of it."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=f"pi_{session_id[3:]}")
        return session

    def expire(self, session_id: str) -> dict[str, Any]:
        session = self.sessions[session_id]
        session.update(status="expired")
        return session

    # --- the API ---------------------------------------------------------------------

    def answer(
        self, method: str, path: str, form: dict[str, str], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            return self._answer(method, path, form, key)

    def _answer(
        self, method: str, path: str, form: dict[str, str], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        self.calls.append(Call(method, path, form, key))
        if self.mode == "down":
            return 500, _error("api_error", "An unexpected error occurred.")
        if self.mode == "refuse":
            return 400, _error("invalid_request_error", "This account cannot accept payments.")
        if key is not None and key in self._answers:
            first_form, status, body = self._answers[key]
            if first_form != form:
                return 400, _error(
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they "
                    "were first used with.",
                )
            return status, body
        status, body = self._route(method, path, form)
        if key is not None and method == "POST":
            self._answers[key] = (form, status, body)
        return status, body

    def _route(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(form)
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                return 404, _error("invalid_request_error", "No such checkout.session", "resource_missing")
            return 200, session
        if method == "POST" and path == "/v1/refunds":
            intent = form.get("payment_intent")
            if not intent:
                return 400, _error("invalid_request_error", "Missing required param: payment_intent.")
            refund = {
                "id": f"re_{next(self._ids)}",
                "object": "refund",
                "amount": int(form["amount"]),
                "payment_intent": intent,
                "status": "succeeded",
            }
            self.refunds.append(refund)
            return 200, refund
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, form: dict[str, str]) -> dict[str, Any]:
        session_id = f"cs_test_{next(self._ids)}"
        unit_amount = int(form["line_items[0][price_data][unit_amount]"])
        quantity = int(form["line_items[0][quantity]"])
        session = {
            "id": session_id,
            "object": "checkout.session",
            "status": "open",
            "url": f"{self.page_base}/c/pay/{session_id}",
            "amount_total": unit_amount * quantity,
            "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "expires_at": int(form["expires_at"]),
            "payment_status": "unpaid",
            "payment_intent": None,
        }
        self.sessions[session_id] = session
        if self.on_create is not None:
            try:
                self.seen_at_creation.append(self.on_create(session))
            finally:
                connections.close_all()  # this thread's connections, before the test's teardown
        return session


def _error(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


@contextmanager
def running() -> Iterator[StripeStub]:
    stub = StripeStub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            if self.path.startswith("/c/pay/"):  # the page the buyer is sent to
                page = f"<!doctype html><title>Stripe Checkout</title><h1>Pay {self.path[7:]}</h1>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            form = dict(parse_qsl(raw or query, keep_blank_values=True))
            status, body = stub.answer(self.command, path, form, self.headers.get("Idempotency-Key"))
            if stub.mode == "drop" and self.command == "POST":
                stub.mode = "up"  # the next attempt is answered
                self.close_connection = True
                self.connection.shutdown(2)
                return
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_{len(stub.calls)}")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
