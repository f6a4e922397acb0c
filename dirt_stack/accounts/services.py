"""Team management: organizers, memberships and invitations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import ApiToken, Invitation, Membership, Organizer, User


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


class InvitationRefused(ValidationError):
    """The invitation cannot be accepted by this user; nothing was changed."""


def invitation_refusal(invitation: Invitation, user: User) -> str | None:
    """Why ``user`` may not accept ``invitation``, or None when they may. An invitation is
    bound to the address it was sent to, and never changes an existing member's role."""
    if not invitation.is_open:
        return gettext("This invitation is no longer valid. Ask for a new one.")
    if user.email.lower() != invitation.email.lower():
        return gettext(
            "This invitation was sent to %(invited)s, but you are logged in as %(email)s. "
            "Log in with the invited address, or ask the organizer to invite yours."
        ) % {"invited": invitation.email, "email": user.email}
    if Membership.objects.filter(organizer_id=invitation.organizer_id, user=user).exists():
        return gettext(
            "You already are a member of %(organizer)s; an invitation does not change your role."
        ) % {"organizer": invitation.organizer.name}
    return None


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """Join the invitation's organizer with its role; raises InvitationRefused otherwise."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organizer").filter(token=token).first()
    )
    if invitation is None:
        raise InvitationRefused(gettext("This invitation is no longer valid. Ask for a new one."))
    refusal = invitation_refusal(invitation, user)
    if refusal is not None:
        raise InvitationRefused(refusal)
    membership = Membership.objects.create(organizer=invitation.organizer, user=user, role=invitation.role)
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
    """Remove a member; the API tokens they created for this organizer are revoked with them."""
    if membership.role == Membership.Role.OWNER:
        _ensure_another_owner(membership)
    ApiToken.objects.filter(
        organizer_id=membership.organizer_id, created_by_id=membership.user_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    membership.delete()


def _ensure_another_owner(membership: Membership) -> None:
    # Lock the organizer's owner rows so two concurrent demotions cannot both pass.
    owners = list(
        Membership.objects.select_for_update()
        .filter(organizer_id=membership.organizer_id, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    if [pk for pk in owners if pk != membership.pk] == []:
        raise ValidationError(
            gettext("An organizer needs at least one owner. Make someone else an owner first.")
        )
