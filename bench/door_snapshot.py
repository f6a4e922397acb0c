"""Door snapshot benchmark: a scanner device pairs and stores a list of N tickets.

Starts the production server (gunicorn, production settings, the built frontend collected
as static files) on a fresh PostgreSQL database with an event of N paid tickets (the
check-in benchmark's data), creates a scanner device and then:

1. reads the list's whole snapshot over HTTP with the device's token, page by page, as a
   device does: the server's part (``server_seconds``, pages, bytes);
2. opens the scanner in Chromium at the pairing QR code's address and waits until the
   page says every ticket is stored in IndexedDB and the first change feed answered: pairing,
   download, storing and the service worker's install together (``browser_seconds``).

Prints JSON with both figures and the number of records IndexedDB holds (must equal N).
The issue's target: N = 20,000 within 60 s on the reference machine.

Usage: python bench/door_snapshot.py [--tickets 20000] [--page-size 1000]
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import database_url, manage, production_env, production_server

# The check-in benchmark's event of N paid tickets (bench/checkin.py; loaded by path, as
# Maticko's own ``checkin`` app has the same name).
SETUP: str = runpy.run_path(str(Path(__file__).with_name("checkin.py")), run_name="bench_checkin")["SETUP"]

CHROMIUM = "/usr/bin/chromium"

DEVICE = """
import json
from checkin import devices
from events.models import Event
event = Event.objects.get(slug="checkin-bench")
_, first = devices.create_device(event, name="Bench reader", gate="A", lists=None, actor=None)
_, second = devices.create_device(event, name="Bench phone", gate="B", lists=None, actor=None)
print(json.dumps({"reader": first, "phone": second}))
"""

STORED = """async () => {
  const open = indexedDB.open("maticko-door");
  const db = await new Promise((resolve, reject) => {
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const count = await new Promise((resolve) => {
    const request = db.transaction("tickets").objectStore("tickets").count();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return count;
}"""


def request(port: int, path: str, token: str | None = None, body: dict | None = None) -> tuple[dict, int]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    with urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers), timeout=120
    ) as response:
        raw = response.read()
    return json.loads(raw), len(raw)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="maticko-door-"))
    env = production_env(
        database_url("postgres", workdir), API_RATE_LIMIT="0", STATIC_ROOT=str(workdir / "static")
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    setup = json.loads(manage(env, "shell", "-v", "0", "-c", SETUP % {"tickets": args.tickets}).strip())
    codes = json.loads(manage(env, "shell", "-v", "0", "-c", DEVICE).strip())

    with production_server(env, workdir) as port:
        # 1. The server's part, as a device asks for it.
        paired, _ = request(port, "/api/v1/door/pair", body={"code": codes["reader"]})
        token = paired["token"]
        started = time.perf_counter()
        after, pages, size, records = 0, 0, 0, 0
        while after is not None:
            page, length = request(
                port,
                f"/api/v1/door/lists/{setup['list']}/snapshot?after={after}&limit={args.page_size}",
                token,
            )
            after, pages, size = page["next_after"], pages + 1, size + length
            records += len(page["tickets"])
        server_seconds = time.perf_counter() - started

        # 2. The scanner in Chromium: pair, download, store.
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/door/#pair={codes['phone']}")
            page.get_by_test_id("sync-banner").filter(has_text="last sync").wait_for(timeout=600_000)
            browser_seconds = time.perf_counter() - started
            stored = page.evaluate(STORED)
            browser.close()

    print(
        json.dumps(
            {
                "tickets": args.tickets,
                "page_size": args.page_size,
                "server": {
                    "pages": pages,
                    "records": records,
                    "megabytes": round(size / 1e6, 2),
                    "seconds": round(server_seconds, 2),
                    "records_per_s": round(records / server_seconds),
                },
                "browser": {"seconds": round(browser_seconds, 2), "records_in_indexeddb": stored},
                "within_60_s": browser_seconds < 60 and stored == args.tickets,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
