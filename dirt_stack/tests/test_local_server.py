"""The server ``make run`` starts (run.sh: gunicorn on the embedded SQLite database) survives a crowd.

The tests set up a fresh SQLite file as setup.sh does (migrate, the demo data), then start
run.sh with ``make run``'s defaults (DEBUG and SECRET_KEY unset, background email delivery).
64 buyers then race, each on its own connection and all released at once, for a ticket
type whose stock is a third of them: exactly the stock sells, every other buyer is told
409 (sold out), and no buyer sees a connection error or a 5xx. Django's development
server, which ``make run`` used before, resets some of those connections (its listen
queue holds ten).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.support.processes import ServerProcess, local_server, run_manage

pytestmark = pytest.mark.slow

BUYERS = 64
STOCK = BUYERS // 3

# What the test run sets for itself and `make run` does not: run.sh's defaults apply instead.
MAKE_RUN_DEFAULTS: dict[str, str | None] = {
    "DEBUG": None,
    "SECRET_KEY": None,
    "SECURE_SSL_REDIRECT": None,
    "SECURE_COOKIES": None,
    "OUTBOX_DELIVERY": None,
    "PURCHASE_RATE_LIMIT": None,
}

RACE_EVENT = """
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from accounts.models import Organizer
from events import dates
from events.models import Event, TicketType
organizer, _ = Organizer.objects.get_or_create(slug="rush", defaults={"name": "Rush"})
start = timezone.now() + dt.timedelta(days=30)
end = start + dt.timedelta(hours=3)
event = Event.objects.create(organizer=organizer, slug="the-rush", title="The rush", status="published",
    starts_at=start, ends_at=end, venue_name="Arena", currency="EUR", payment_methods=["demo"])
ticket_type = TicketType.objects.create(event=event, name="Standing", price=Decimal("39.00"),
    capacity=%(stock)d, max_per_order=10)
dates.add_dates(event, [dates.DateTimes(start, end)])
print(json.dumps({"slug": event.slug, "ticket_type": ticket_type.pk}))
"""

SOLD = """
import json
import re
from events.models import DateTicketType
from sales.models import Order, Ticket
stock = DateTicketType.objects.get(ticket_type_id=%(ticket_type)d)
print(json.dumps({
    "tickets": Ticket.objects.filter(ticket_type_id=%(ticket_type)d, order__status="paid").count(),
    "orders": Order.objects.filter(event__slug="the-rush").count(),
    "allocated": stock.allocated,
}))
"""


def _fresh_demo_database(tmp_path: Path) -> dict[str, str | None]:
    """A new SQLite file set up as setup.sh sets up db.sqlite3, and run.sh's environment for it."""
    env = {**MAKE_RUN_DEFAULTS, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        result = run_manage(command, {**env, "DEBUG": "true"})
        assert result.returncode == 0, result.stdout + result.stderr
    return env


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """One fresh demo database for this module's servers (migrating and seeding take seconds)."""
    return _fresh_demo_database(tmp_path_factory.mktemp("local-server"))


def _manage_json(env: dict[str, str | None], code: str) -> dict:
    result = run_manage(["shell", "-v", "0", "-c", code], {**env, "DEBUG": "true"})
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _race(server: ServerProcess, slug: str, ticket_type: int) -> list[int | str]:
    """Every buyer's answer: the HTTP status, or the name of the error their connection raised."""
    port = int(server.url.rsplit(":", 1)[1])
    start = threading.Barrier(BUYERS)
    answers: list[int | str] = [0] * BUYERS

    def buyer(n: int) -> None:
        body = json.dumps(
            {
                "lines": [{"ticket_type_id": ticket_type, "quantity": 1}],
                "buyer": {"name": f"Buyer {n}", "email": f"buyer{n}@example.com"},
                "payment_method": "demo",
            }
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            start.wait()
            connection.request(
                "POST",
                f"/api/v1/events/{slug}/orders",
                body=body,
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
            answers[n] = response.status
        except (OSError, http.client.HTTPException) as error:
            answers[n] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_64_buyers_racing_for_a_third_as_many_tickets_get_exactly_the_stock_and_409s(demo_database, tmp_path):
    env = demo_database
    event = _manage_json(env, RACE_EVENT % {"stock": STOCK})

    with local_server(env, tmp_path) as server:
        answers = _race(server, event["slug"], event["ticket_type"])
        output = server.output()

    assert Counter(answers) == {201: STOCK, 409: BUYERS - STOCK}, (Counter(answers), output[-3000:])
    assert "database is locked" not in output
    sold = _manage_json(env, SOLD % {"ticket_type": event["ticket_type"]})
    assert sold == {"tickets": STOCK, "orders": STOCK, "allocated": STOCK}


def test_demo_pages_static_files_and_the_demo_login_work_from_the_local_server(demo_database, tmp_path):
    with local_server(demo_database, tmp_path) as server:
        health = server.get("/health/")
        home = server.get("/")
        event_page = server.get("/events/prague-jazz-night/")
        _, _, page = home
        scripts = re.findall(r'<script type="module"[^>]* src="([^"]+)"', page.decode())
        assert scripts, page.decode()
        script = scripts[0]
        asset = server.get(script)

        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        with browser.open(server.url + "/accounts/login/", timeout=30) as login_page:
            assert login_page.status == 200
        csrf = next(cookie.value or "" for cookie in cookies if cookie.name == "XSRF-TOKEN")
        form = urllib.parse.urlencode({"email": "demo@maticko.test", "password": "maticko-demo"})
        login = urllib.request.Request(
            server.url + "/accounts/login/", data=form.encode(), headers={"X-XSRF-TOKEN": csrf}
        )
        with browser.open(login, timeout=30) as after_login:
            assert after_login.status == 200
        # Logged in: the back office answers instead of redirecting to the login page.
        with browser.open(server.url + "/manage/", timeout=30) as back_office:
            landed = back_office.geturl()
            back_office_page = back_office.read().decode()

    assert health[0] == 200
    assert json.loads(health[2])["database"] == "ok"
    assert home[0] == 200
    assert event_page[0] == 200
    assert b"Prague Jazz Night" in event_page[2]
    assert script.startswith("/static/")
    assert asset[0] == 200
    assert asset[1]["Content-Type"].startswith("text/javascript")
    assert landed == server.url + "/manage/"
    assert "demo@maticko.test" in back_office_page
