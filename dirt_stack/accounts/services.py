"""Team management: organizers, memberships and invitations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation, Membership, Organizer, User


@transaction.atomic
def create_organizer(*, owner: User, name: str, slug: str, contact_email: str) -> Organizer:
    organizer = Organizer.objects.create(name=name, slug=slug, contact_email=contact_email)
    Membership.objects.create(organizer=organizer, user=owner, role=Membership.Role.OWNER)
    return organizer


def invite_member(*, organizer: Organizer, email: str, role: str, invited_by: User) -> Invitation:
    """Create an invitation; an earlier open one to the same address is replaced."""
    with transaction.atomic():
        Invitation.objects.filter(organizer=organizer, email__iexact=email, accepted_at__isnull=True).delete()
        invitation = Invitation.objects.create(
            organizer=organizer, email=email, role=role, invited_by=invited_by
        )
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    invitation = (
        Invitation.objects.select_for_update().select_related("organizer").filter(token=token).first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError("This invitation is no longer valid. Ask for a new one.")
    membership, created = Membership.objects.get_or_create(
        organizer=invitation.organizer, user=user, defaults={"role": invitation.role}
    )
    if not created and membership.role != invitation.role:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def change_role(*, membership: Membership, role: str) -> None:
    if membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER:
        _ensure_another_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    if membership.role == Membership.Role.OWNER:
        _ensure_another_owner(membership)
    membership.delete()


def _ensure_another_owner(membership: Membership) -> None:
    # Lock the organizer's owner rows so two concurrent demotions cannot both pass.
    owners = list(
        Membership.objects.select_for_update()
        .filter(organizer_id=membership.organizer_id, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if [pk for pk in owners if pk != membership.pk] == []:
        raise ValidationError("An organizer needs at least one owner. Make someone else an owner first.")
