"""Nobody sees or changes what is not theirs (invariant 4), in the back office."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Invitation, Membership
from sales.models import Voucher
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    organizer_a, organizer_b = make_organizer(slug="org-a"), make_organizer(slug="org-b")
    event_b = make_event(organizer=organizer_b, slug="event-b")
    ticket_type_b = make_ticket_type(event_b)
    owner_b = Membership.objects.create(
        organizer=organizer_b, user=make_member(make_organizer(), email="ownerb@example.com"), role="owner"
    )
    invitation_b = Invitation.objects.create(organizer=organizer_b, email="x@example.com", role="manager")
    voucher_b = Voucher.objects.create(event=event_b, code="SECRET", max_usages=1)
    return {
        "member_a": make_member(organizer_a, role=Membership.Role.OWNER),
        "door_b": make_member(organizer_b, role=Membership.Role.DOOR_STAFF),
        "manager_b": make_member(organizer_b, role=Membership.Role.MANAGER),
        "event_b": event_b,
        "ticket_type_b": ticket_type_b,
        "owner_membership_b": owner_b,
        "invitation_b": invitation_b,
        "voucher_b": voucher_b,
    }


def b_urls(world) -> list[tuple[str, str]]:
    """Every back-office URL that touches organizer B, with its method."""
    event, ticket_type = world["event_b"], world["ticket_type_b"]
    base = "/manage/org-b"
    return [
        ("get", f"{base}/"),
        ("get", f"{base}/members/"),
        ("post", f"{base}/settings/"),
        ("post", f"{base}/members/"),
        ("post", f"{base}/members/{world['owner_membership_b'].pk}/"),
        ("post", f"{base}/invitations/{world['invitation_b'].pk}/revoke/"),
        ("get", f"{base}/events/new/"),
        ("post", f"{base}/events/new/"),
        ("get", f"{base}/events/{event.slug}/"),
        ("post", f"{base}/events/{event.slug}/"),
        ("post", f"{base}/events/{event.slug}/publish/"),
        ("post", f"{base}/events/{event.slug}/unpublish/"),
        ("post", f"{base}/events/{event.slug}/cancel/"),
        ("post", f"{base}/events/{event.slug}/ticket-types/"),
        ("post", f"{base}/events/{event.slug}/ticket-types/{ticket_type.pk}/"),
        ("post", f"{base}/events/{event.slug}/vouchers/"),
        ("post", f"{base}/events/{event.slug}/vouchers/{world['voucher_b'].pk}/delete/"),
    ]


def test_a_member_of_another_organizer_gets_404_everywhere_and_changes_nothing(world):
    client = Client()
    client.force_login(world["member_a"])
    before = (
        world["event_b"].status,
        world["ticket_type_b"].name,
        Membership.objects.count(),
        Voucher.objects.count(),
    )
    for method, url in b_urls(world):
        response = getattr(client, method)(url, data={"action": "delete", "title": "Hacked", "role": "owner"})
        assert response.status_code == 404, (method, url, response.status_code)
        assert world["event_b"].title.encode() not in response.content
    world["event_b"].refresh_from_db()
    world["ticket_type_b"].refresh_from_db()
    assert (
        world["event_b"].status,
        world["ticket_type_b"].name,
        Membership.objects.count(),
        Voucher.objects.count(),
    ) == before


def test_another_organizers_my_events_list_does_not_leak(world):
    client = Client()
    client.force_login(world["member_a"])
    page = client.get("/manage/", headers={"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}).json()
    slugs = [o["slug"] for o in page["props"]["organizers"]]
    assert slugs == ["org-a"]


def test_door_staff_cannot_edit_events_or_the_team(world):
    client = Client()
    client.force_login(world["door_b"])
    assert client.get("/manage/org-b/").status_code == 200  # may see the organizer
    for method, url in b_urls(world):
        if url in ("/manage/org-b/", "/manage/org-b/members/") and method == "get":
            continue
        response = getattr(client, method)(url, data={"title": "Hacked", "role": "owner"})
        assert response.status_code == 403, (method, url, response.status_code)
    world["event_b"].refresh_from_db()
    assert world["event_b"].title != "Hacked"


def test_managers_edit_events_but_not_the_team(world):
    client = Client()
    client.force_login(world["manager_b"])
    assert client.get(f"/manage/org-b/events/{world['event_b'].slug}/").status_code == 200
    assert (
        client.post("/manage/org-b/members/", data={"email": "n@example.com", "role": "owner"}).status_code
        == 403
    )


def test_anonymous_visitors_are_sent_to_log_in(world):
    client = Client()
    for method, url in b_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/accounts/login/?next=")
