"""Organizers and their teams: creation, invitations, roles."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Organizer
from tests.factories import make_member, make_organizer, make_user

pytestmark = pytest.mark.django_db


def post_json(client, url, data):
    return client.post(
        url, data=json.dumps(data), content_type="application/json", headers={"X-Inertia": "true"}
    )


def test_creating_an_organizer_makes_the_creator_its_owner():
    user = make_user()
    client = Client()
    client.force_login(user)
    response = post_json(
        client, "/manage/organizers/new/", {"name": "Riverside Arts", "contact_email": "hi@ra.test"}
    )
    assert response.status_code == 302
    organizer = Organizer.objects.get(slug="riverside-arts")
    assert Membership.objects.get(organizer=organizer).user == user
    assert Membership.objects.get(organizer=organizer).role == Membership.Role.OWNER


def test_organizer_slug_must_be_unique():
    make_organizer(slug="taken")
    client = Client()
    client.force_login(make_user())
    response = post_json(
        client, "/manage/organizers/new/", {"name": "X", "slug": "taken", "contact_email": "a@b.test"}
    )
    assert response.status_code == 422
    assert "taken" in response.json()["props"]["errors"]["slug"]


def test_invitation_email_link_adds_the_member_with_the_role():
    organizer = make_organizer(slug="acme", name="Acme")
    owner = make_member(organizer)
    client = Client()
    client.force_login(owner)
    response = post_json(
        client, "/manage/acme/members/", {"email": "New.Person@Example.com", "role": "door_staff"}
    )
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["new.person@example.com"]
    found = re.search(r"http://testserver(/invitations/[\w-]+/)", str(email.body))
    assert found is not None
    link = found.group(1)

    invitee = make_user(email="New.Person@example.com")
    other = Client()
    other.force_login(invitee)
    assert post_json(other, link, {}).status_code == 302
    assert Membership.objects.get(organizer=organizer, user=invitee).role == Membership.Role.DOOR_STAFF
    # The link works once.
    response = post_json(other, link, {})
    assert "no longer valid" in response.json()["props"]["errors"]["form"]


def test_expired_invitation_cannot_be_accepted():
    organizer = make_organizer()
    invitation = Invitation.objects.create(
        organizer=organizer, email="a@b.test", role="manager", expires_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        services.accept_invitation(token=invitation.token, user=make_user())
    assert not Membership.objects.filter(organizer=organizer).exists()


def test_inviting_an_existing_member_is_refused():
    organizer = make_organizer(slug="acme")
    owner = make_member(organizer)
    make_member(organizer, email="member@example.com", role="manager")
    client = Client()
    client.force_login(owner)
    response = post_json(client, "/manage/acme/members/", {"email": "member@example.com", "role": "manager"})
    assert "already a member" in response.json()["props"]["errors"]["email"]
    assert mail.outbox == []


def test_the_last_owner_cannot_be_demoted_or_removed():
    organizer = make_organizer(slug="acme")
    owner = make_member(organizer)
    membership = Membership.objects.get(user=owner)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.change_role(membership=membership, role=Membership.Role.MANAGER)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.remove_member(membership=membership)
    second = Membership.objects.get(user=make_member(organizer, role=Membership.Role.OWNER))
    services.change_role(membership=membership, role=Membership.Role.MANAGER)
    assert Membership.objects.get(pk=membership.pk).role == Membership.Role.MANAGER
    assert second.role == Membership.Role.OWNER


def test_owner_changes_roles_and_removes_members_through_the_page():
    organizer = make_organizer(slug="acme")
    owner = make_member(organizer)
    manager = Membership.objects.get(user=make_member(organizer, role="manager"))
    client = Client()
    client.force_login(owner)
    assert post_json(client, f"/manage/acme/members/{manager.pk}/", {"role": "door_staff"}).status_code == 302
    assert Membership.objects.get(pk=manager.pk).role == "door_staff"
    assert post_json(client, f"/manage/acme/members/{manager.pk}/", {"role": "emperor"}).status_code == 422
    assert post_json(client, f"/manage/acme/members/{manager.pk}/", {"action": "remove"}).status_code == 302
    assert not Membership.objects.filter(pk=manager.pk).exists()
