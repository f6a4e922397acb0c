"""The public home page and event page, as Inertia responses."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.utils import timezone

from events.models import DateTicketType, Event
from onsale import gate
from sales.models import Voucher
from storefront.views.events import EVENTS_PER_PAGE, INVERTED_RANGE
from tests.factories import make_date, make_event, make_organizer, make_ticket_type

pytestmark = pytest.mark.django_db


def inertia_get(client, path: str):
    return client.get(path, headers={"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION})


def test_home_lists_upcoming_published_events_in_start_order(client):
    later = make_event(title="Later", starts_at=timezone.now() + dt.timedelta(days=20))
    sooner = make_event(title="Sooner", starts_at=timezone.now() + dt.timedelta(days=2))
    make_event(title="Draft", status=Event.Status.DRAFT)
    make_event(title="Cancelled", status=Event.Status.CANCELLED)
    make_event(title="Past", starts_at=timezone.now() - dt.timedelta(days=3))

    response = inertia_get(client, "/")

    assert response.status_code == 200
    page = response.json()
    assert page["component"] == "Home"
    assert [e["slug"] for e in page["props"]["events"]] == [sooner.slug, later.slug]


def test_event_times_are_given_in_the_events_time_zone(client):
    starts = dt.datetime(2031, 6, 1, 18, 0, tzinfo=dt.UTC)
    make_event(slug="tokyo", timezone="Asia/Tokyo", starts_at=starts)
    event = inertia_get(client, "/").json()["props"]["events"][0]
    assert event["starts_at"] == "2031-06-02T03:00:00+09:00"
    assert event["timezone"] == "Asia/Tokyo"


def test_home_page_first_load_embeds_the_page_and_the_vite_build(client):
    make_event(title="Harbour Festival")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script data-page="app" type="application/json">' in html
    assert "Harbour Festival" in html
    # Production mode: assets come from Vite's manifest under STATIC_URL.
    assert '<script type="module" crossorigin="" src="/static/assets/main-' in html
    # Inertia's client reads this cookie for its CSRF header.
    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_home_makes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(15):
        make_event()
    # The count, the page of events; the cards' availability: their next dates, and what
    # is left on them (expired holds, overdue orders, the stock rows).
    with django_assert_max_num_queries(6):
        inertia_get(client, "/")


def test_event_page_shows_a_published_event(client):
    event = make_event(title="Jazz by the River", description="Bring a blanket.")
    page = inertia_get(client, f"/events/{event.slug}/").json()
    assert page["component"] == "Events/Show"
    assert page["props"]["event"]["title"] == "Jazz by the River"
    assert page["props"]["event"]["description_html"] == "<p>Bring a blanket.</p>"


def test_draft_event_pages_are_not_found(client):
    event = make_event(status=Event.Status.DRAFT)
    response = client.get(f"/events/{event.slug}/")
    assert response.status_code == 404
    assert event.title not in response.content.decode()


def test_unknown_page_is_a_404_page_without_details(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '"component": "Error"' in html
    assert "Traceback" not in html
    assert "urlpatterns" not in html


def test_search_matches_title_venue_and_organizer(client):
    make_event(title="Harbour Jazz", venue_name="Pier 4")
    make_event(title="Chess Open", venue_name="Library", organizer=make_organizer(name="Knights Club"))
    make_event(title="Food Market", venue_name="Harbour Square")

    def titles(q: str) -> list[str]:
        return [e["title"] for e in inertia_get(client, f"/?q={q}").json()["props"]["events"]]

    assert titles("jazz") == ["Harbour Jazz"]
    assert sorted(titles("harbour")) == ["Food Market", "Harbour Jazz"]
    assert titles("knights") == ["Chess Open"]
    assert titles("nothing-like-this") == []


def test_date_filter_keeps_events_overlapping_the_range(client):
    june = dt.datetime(2031, 6, 10, 18, tzinfo=dt.UTC)
    make_event(title="June", starts_at=june)
    make_event(title="August", starts_at=june + dt.timedelta(days=60))
    page = inertia_get(client, "/?from=2031-06-01&to=2031-06-30").json()["props"]
    assert [e["title"] for e in page["events"]] == ["June"]
    assert page["filters"] == {"q": "", "from": "2031-06-01", "to": "2031-06-30"}
    # A malformed date is ignored rather than an error.
    assert inertia_get(client, "/?from=yesterday").status_code == 200


def test_inverted_date_range_says_so_instead_of_listing_nothing(client):
    make_event(title="June", starts_at=dt.datetime(2031, 6, 10, 18, tzinfo=dt.UTC))
    page = inertia_get(client, "/?from=2031-06-30&to=2031-06-01").json()["props"]
    assert page["errors"] == {"to": INVERTED_RANGE}
    assert page["events"] == []
    assert page["filters"] == {"q": "", "from": "2031-06-30", "to": "2031-06-01"}
    # One day (from == to) is a range, not an inverted one.
    same_day = inertia_get(client, "/?from=2031-06-10&to=2031-06-10").json()["props"]
    assert same_day["errors"] == {}
    assert [e["title"] for e in same_day["events"]] == ["June"]


def test_list_is_paginated(client):
    for _ in range(EVENTS_PER_PAGE + 3):
        make_event()
    first = inertia_get(client, "/").json()["props"]
    second = inertia_get(client, "/?page=2").json()["props"]
    assert len(first["events"]) == EVENTS_PER_PAGE
    assert len(second["events"]) == 3
    assert first["pagination"] == {
        "page": 1,
        "pages": 2,
        "count": EVENTS_PER_PAGE + 3,
        "has_previous": False,
        "has_next": True,
    }
    assert inertia_get(client, "/?page=999").json()["props"]["pagination"]["page"] == 2


def test_list_shows_the_lowest_visible_price(client):
    event = make_event()
    make_ticket_type(event, price=Decimal("30.00"))
    make_ticket_type(event, price=Decimal("12.50"))
    make_ticket_type(event, price=Decimal("1.00"), hidden=True)
    (listed,) = inertia_get(client, "/").json()["props"]["events"]
    assert listed["min_price"] == "12.50"


def test_ticket_types_show_their_sale_state(client):
    now = timezone.now()
    event = make_event(slug="states")
    make_ticket_type(event, name="Open", capacity=100)
    few = make_ticket_type(event, name="Few", capacity=100)
    gone = make_ticket_type(event, name="Gone", capacity=10)
    make_ticket_type(event, name="Later", sales_start=now + dt.timedelta(days=2))
    make_ticket_type(
        event, name="Over", sales_start=now - dt.timedelta(days=5), sales_end=now - dt.timedelta(days=1)
    )
    make_ticket_type(event, name="Secret", hidden=True)
    DateTicketType.objects.filter(ticket_type=few).update(allocated=95)
    DateTicketType.objects.filter(ticket_type=gone).update(allocated=10)

    ticket_types = inertia_get(client, "/events/states/").json()["props"]["event"]["ticket_types"]
    states = {t["name"]: (t["state"], t["available"]) for t in ticket_types}
    assert states == {
        "Open": ("on_sale", 100),
        "Few": ("few_left", 5),
        "Gone": ("sold_out", 0),
        "Later": ("not_yet_on_sale", 0),
        "Over": ("sales_ended", 0),
    }
    later = next(t for t in ticket_types if t["name"] == "Later")
    assert later["sales_start"] is not None


def test_event_capacity_limits_every_ticket_type(client):
    event = make_event(slug="shared", capacity=50)
    make_ticket_type(event, name="A", capacity=100)
    make_ticket_type(event, name="B", capacity=100)
    event.dates.update(allocated=48)
    ticket_types = inertia_get(client, "/events/shared/").json()["props"]["event"]["ticket_types"]
    assert [(t["state"], t["available"]) for t in ticket_types] == [("few_left", 2), ("few_left", 2)]


def test_cancelled_event_page_is_public_but_sells_nothing(client):
    event = make_event(slug="off", status=Event.Status.CANCELLED)
    make_ticket_type(event)
    page = inertia_get(client, "/events/off/").json()["props"]["event"]
    assert page["status"] == "cancelled"
    assert [t["state"] for t in page["ticket_types"]] == ["cancelled"]
    assert "off" not in [e["slug"] for e in inertia_get(client, "/").json()["props"]["events"]]


def test_description_markdown_is_rendered_without_script_injection(client):
    description = (
        "**Bold** and [a link](https://example.com)\n\n"
        "<script>alert('x')</script> <img src=x onerror=alert(1)> [bad](javascript:alert(1))"
    )
    make_event(slug="md", description=description)
    html = inertia_get(client, "/events/md/").json()["props"]["event"]["description_html"]
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html
    for dangerous in ("<script", "onerror", "javascript:", "<img"):
        assert dangerous not in html


def test_event_page_has_title_meta_description_and_json_ld(client):
    event = make_event(
        slug="ld", title="Harbour <Lights>", description="A *festival* of light.", venue_name="Pier 9"
    )
    make_ticket_type(event, name="Entry", price=Decimal("12.00"))
    html = client.get("/events/ld/").content.decode()
    assert "<title>Harbour &lt;Lights&gt; · Maticko</title>" in html
    assert '<meta name="description" content="A festival of light.">' in html
    raw = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw  # nothing in the data can close the script element
    data = json.loads(raw)
    assert data["@type"] == "Event"
    assert data["name"] == "Harbour <Lights>"
    assert data["location"] == {"@type": "Place", "name": "Pier 9", "address": "Pier 9"}
    assert data["offers"][0] | {"url": None} == {
        "@type": "Offer",
        "name": "Entry",
        "price": "12.00",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
        "url": None,
    }


class MetaTags(HTMLParser):
    """The page's <meta property|name=... content=...> tags, unescaped."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("property") or found.get("name")
        if tag == "meta" and key and found.get("content") is not None:
            self.tags[key] = found["content"] or ""


def meta_tags(html: str) -> dict[str, str]:
    parser = MetaTags()
    parser.feed(html)
    return parser.tags


def test_event_page_has_escaped_open_graph_and_twitter_card_tags(client):
    title = "Rock \"n\" <Roll> & 'friends'"
    event = make_event(slug="og", title=title, description="**Loud** & proud. " + "Very long night. " * 20)
    event.cover_image = "events/covers/og.jpg"
    event.save(update_fields=["cover_image"])
    html = client.get("/events/og/").content.decode()
    head = html.split("</head>", 1)[0]

    tags = meta_tags(head)
    assert tags["og:title"] == title
    assert tags["og:type"] == "website"
    assert tags["og:url"] == "http://testserver/events/og/"
    assert tags["og:image"] == "http://testserver/media/events/covers/og.jpg"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:description"].startswith("Loud & proud. Very long night.")  # plain text
    assert tags["og:description"].endswith("…")
    assert len(tags["og:description"]) <= 160
    assert tags["description"] == tags["og:description"]
    assert (
        '<meta property="og:title" content="Rock &quot;n&quot; &lt;Roll&gt; &amp; &#x27;friends&#x27;">'
        in head
    )
    assert "<Roll>" not in head


def test_open_graph_without_a_cover_has_no_image_and_a_summary_card(client):
    make_event(slug="plain", title="Plain", description="")
    tags = meta_tags(client.get("/events/plain/").content.decode())
    assert "og:image" not in tags
    assert tags["twitter:card"] == "summary"
    assert tags["og:description"] == "Plain — tickets on Maticko."


def test_organizer_page_lists_its_upcoming_events(client):
    organizer = make_organizer(slug="riverside", name="Riverside Arts")
    make_event(organizer=organizer, title="Ours")
    make_event(title="Theirs")
    page = inertia_get(client, "/o/riverside/").json()
    assert page["props"]["organizer"]["name"] == "Riverside Arts"
    assert [e["title"] for e in page["props"]["events"]] == ["Ours"]
    assert client.get("/o/nobody/").status_code == 404


@pytest.mark.parametrize("n_events", [3, 30])
def test_list_query_count_does_not_grow_with_events(client, django_assert_max_num_queries, n_events):
    for _ in range(n_events):
        make_ticket_type(make_event())
    with django_assert_max_num_queries(6):  # as test_home_makes_a_bounded_number_of_queries
        inertia_get(client, "/?q=event")


@pytest.mark.parametrize(("n_types", "n_dates"), [(2, 1), (25, 1), (3, 30)])
def test_event_page_query_count_does_not_grow_with_ticket_types_or_dates(
    client, django_assert_max_num_queries, monkeypatch, n_types, n_dates
):
    event = make_event(slug="many")
    for _ in range(n_types):
        make_ticket_type(event)
    for _ in range(n_dates - 1):
        make_date(event)
    chosen = event.dates.order_by("-starts_at")[0]
    # The on-sale rooms' map is read once a second per process, not per page: held here.
    monkeypatch.setattr(gate, "REFRESH_SECONDS", 3600)
    gate.enabled_rooms()
    # The event, its dates, its ticket types; what is left on the dates: expired
    # holds, overdue orders, the stock rows.
    with django_assert_max_num_queries(6):
        client.get(f"/events/many/?date={chosen.pk}")


def test_a_voucher_unlocks_a_hidden_type_also_when_the_public_ones_are_sold_out(client):
    event = make_event(slug="crew-gig")
    general = make_ticket_type(event, name="General", capacity=1)
    crew = make_ticket_type(event, name="Crew", capacity=5, hidden=True)
    DateTicketType.objects.filter(ticket_type=general).update(allocated=1)
    Voucher.objects.create(event=event, code="CREW", kind="percent", value=0).ticket_types.add(crew)

    public = inertia_get(client, "/events/crew-gig/").json()["props"]["event"]
    assert public["date"]["state"] == "sold_out"  # as far as the public can buy
    assert [(t["name"], t["state"]) for t in public["ticket_types"]] == [("General", "sold_out")]
    unlocked = inertia_get(client, "/events/crew-gig/?voucher=crew").json()["props"]["event"]
    states = {t["name"]: (t["state"], t["available"]) for t in unlocked["ticket_types"]}
    assert states == {"General": ("sold_out", 0), "Crew": ("on_sale", 5)}
