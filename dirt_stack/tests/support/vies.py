"""A local HTTP server answering like VIES's REST API (``POST /check-vat-number``), for the
tests: the machine running them has no internet, and VIES must be down on demand."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A French business with a VAT ID whose check digits are right, as a buyer gives it.
FRENCH_VAT_ID = "FR40303265045"
FRENCH_BUSINESS = {
    "is_business": True,
    "company": "Exemple SARL",
    "street": "1 Rue Exemple",
    "zipcode": "75001",
    "city": "Paris",
    "country": "FR",
    "vat_id": "FR 40 303 265 045",
}


@dataclass
class FakeVies:
    url: str
    registered: set[str] = field(default_factory=set)  # VAT IDs VIES knows, with their prefix
    # "up": answers; "member_state_down": VIES's own error for an unavailable member state;
    # "slow": answers after ``delay`` seconds.
    mode: str = "up"
    delay: float = 0.0
    asked: list[str] = field(default_factory=list)


@contextmanager
def fake_vies() -> Iterator[FakeVies]:
    state = FakeVies(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            vat_id = f"{body.get('countryCode', '')}{body.get('vatNumber', '')}"
            state.asked.append(vat_id)
            if self.path != "/check-vat-number":
                self._answer(404, {"errorWrappers": [{"error": "NOT_FOUND"}]})
            elif state.mode == "member_state_down":
                self._answer(500, {"actionSucceed": False, "errorWrappers": [{"error": "MS_UNAVAILABLE"}]})
            else:
                if state.mode == "slow":
                    time.sleep(state.delay)
                valid = vat_id in state.registered
                self._answer(
                    200,
                    {
                        "countryCode": body.get("countryCode"),
                        "vatNumber": body.get("vatNumber"),
                        "requestDate": "2026-12-01T10:00:00.000Z",
                        "valid": valid,
                        "name": "Example SARL" if valid else "---",
                        "address": "1 Rue Exemple, Paris" if valid else "---",
                    },
                )

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """An address where nothing listens: VIES unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
