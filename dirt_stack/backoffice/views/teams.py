"""Back office: organizers, their members and invitations."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services, tokens, two_factor
from accounts.http import AuthenticatedHttpRequest
from accounts.models import ApiToken, Invitation, Membership, User
from accounts.permissions import membership_for, require_role
from backoffice.access import OWNERS
from backoffice.forms import (
    ApiTokenForm,
    InvitationForm,
    MembershipRoleForm,
    OrganizerForm,
    OrganizerSettingsForm,
)
from backoffice.reauth import require_recent_authentication
from backoffice.schemas import (
    ApiTokenRow,
    ApiTokensPageProps,
    InvitationPageProps,
    Member,
    MembersPageProps,
    OrganizerCreatePageProps,
    PendingInvitation,
)
from backoffice.views.events import organizer_props
from core.inertia import (
    form_errors,
    form_page,
    render_page,
    render_with_errors,
    submitted_data,
    validation_errors,
)
from core.input import parse_id
from core.schemas import Option
from core.text import single_line
from storefront.schemas import OrganizerRef

# Invitation tokens are secrets.token_urlsafe(32); anything else is not one.
_INVITATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@login_required
@require_http_methods(["GET", "POST"])
def organizer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render_page(
            request, OrganizerCreatePageProps(), template_data={"page_title": gettext("New organizer")}
        )
    form = OrganizerForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, OrganizerCreatePageProps(), form_errors(form))
    organizer = services.create_organizer(owner=request.user, **form.cleaned_data)
    messages.success(
        request, gettext("“%(organizer)s” is ready. Create its first event.") % {"organizer": organizer.name}
    )
    return redirect("backoffice:organizer", organizer_slug=organizer.slug)


def _roles() -> list[Option]:
    return [Option(value=value, label=label) for value, label in Membership.Role.choices]


def _members_props(membership: Membership) -> MembersPageProps:
    organizer = membership.organizer
    members = Membership.objects.filter(organizer=organizer).select_related("user").order_by("user__email")
    invitations = [
        i for i in Invitation.objects.filter(organizer=organizer, accepted_at__isnull=True) if i.is_open
    ]
    return MembersPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        my_role=membership.role,
        roles=_roles(),
        members=[
            Member(
                id=m.pk,
                email=m.user.email,
                name=m.user.get_full_name(),
                role=m.role,
                is_me=m.pk == membership.pk,
            )
            for m in members
        ],
        invitations=[
            PendingInvitation(id=i.pk, email=i.email, role=i.role, expires_at=i.expires_at)
            for i in invitations
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    membership = membership_for(request.user, organizer_slug)
    if request.method == "GET":
        return render_page(request, _members_props(membership), template_data={"page_title": gettext("Team")})
    require_role(membership, OWNERS)
    form = InvitationForm(submitted_data(request), organizer=membership.organizer)
    if not form.is_valid():
        return render_with_errors(request, _members_props(membership), form_errors(form))
    invitation = services.invite_member(
        organizer=membership.organizer, invited_by=request.user, **form.cleaned_data
    )
    _send_invitation(request, invitation)
    messages.success(request, gettext("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("backoffice:members", organizer_slug=organizer_slug)


def _send_invitation(request: AuthenticatedHttpRequest, invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "inviter": request.user.get_full_name(),
        "role": invitation.get_role_display(),
        "url": request.build_absolute_uri(reverse("invitation", args=[invitation.token])),
    }
    send_mail(
        # A name stored before names were cleaned on input may still break a header.
        subject=single_line(
            gettext("Join %(organizer)s on Maticko") % {"organizer": invitation.organizer.name}
        ),
        message=render_to_string("backoffice/email/invitation.txt", context),
        html_message=render_to_string("backoffice/email/invitation.html", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def _members_url(request: HttpRequest, organizer_slug: str, **_: object) -> str:
    """The team page, where members' roles are changed and invitations withdrawn."""
    return reverse("backoffice:members", args=[organizer_slug])


@login_required
@form_page(_members_url)
def member_update(request: HttpRequest, organizer_slug: str, member_id: int) -> HttpResponse:
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, OWNERS)
    target = get_object_or_404(Membership, pk=member_id, organizer=membership.organizer)
    refused = require_recent_authentication(request, reverse("backoffice:members", args=[organizer_slug]))
    if refused:
        return refused
    data = submitted_data(request)
    try:
        if data.get("action") == "remove":
            services.remove_member(membership=target)
            messages.success(
                request, gettext("%(email)s was removed from the team.") % {"email": target.user.email}
            )
        else:
            form = MembershipRoleForm(data)
            if not form.is_valid():
                return render_with_errors(request, _members_props(membership), form_errors(form))
            services.change_role(membership=target, role=form.cleaned_data["role"])
            messages.success(
                request,
                gettext("%(email)s now has the role %(role)s.")
                % {"email": target.user.email, "role": target.get_role_display()},
            )
    except ValidationError as error:
        return render_with_errors(request, _members_props(membership), {"form": " ".join(error.messages)})
    if target.pk == membership.pk and data.get("action") == "remove":
        return redirect("backoffice:home")
    return redirect("backoffice:members", organizer_slug=organizer_slug)


@login_required
@form_page(_members_url)
def invitation_revoke(request: HttpRequest, organizer_slug: str, invitation_id: int) -> HttpResponse:
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, OWNERS)
    get_object_or_404(
        Invitation, pk=invitation_id, organizer=membership.organizer, accepted_at__isnull=True
    ).delete()
    messages.info(request, gettext("Invitation withdrawn."))
    return redirect("backoffice:members", organizer_slug=organizer_slug)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email. Accepting needs an account with the invited address
    (log in or sign up first); anyone else sees why they cannot accept it."""
    invitation = (
        Invitation.objects.select_related("organizer").filter(token=token).first()
        if _INVITATION_TOKEN.fullmatch(token)
        else None
    )
    if invitation is None:
        raise Http404("No such invitation.")
    user = request.user
    refusal = services.invitation_refusal(invitation, user) if isinstance(user, User) else None
    props = InvitationPageProps(
        organizer=invitation.organizer.name,
        role=invitation.get_role_display(),
        email=invitation.email,
        valid=invitation.is_open,
        token=token,
        refusal=refusal if invitation.is_open else None,
    )
    if request.method == "GET" or not isinstance(user, User):
        return render_page(request, props, template_data={"page_title": gettext("Invitation")})
    try:
        membership = services.accept_invitation(token=token, user=user)
    except services.InvitationRefused as error:
        return render_with_errors(request, props, {"form": " ".join(error.messages)}, status=403)
    messages.success(
        request,
        gettext("You joined %(organizer)s. Your role: %(role)s.")
        % {"organizer": membership.organizer.name, "role": membership.get_role_display()},
    )
    return redirect("backoffice:organizer", organizer_slug=membership.organizer.slug)


@login_required
@require_POST
def organizer_settings(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    """Owners change the organizer's name, contact address and bank details for transfers."""
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, OWNERS)
    refused = require_recent_authentication(request, reverse("backoffice:organizer", args=[organizer_slug]))
    if refused:
        return refused
    form = OrganizerSettingsForm(submitted_data(request), instance=membership.organizer)
    if not form.is_valid():
        return render_with_errors(request, organizer_props(membership), form_errors(form))
    if form.cleaned_data["require_two_factor"] and "require_two_factor" in form.changed_data:
        try:
            two_factor.check_can_require(request.user)
        except ValidationError as error:
            return render_with_errors(request, organizer_props(membership), validation_errors(error))
    form.save()
    messages.success(request, gettext("Organizer settings saved."))
    return redirect("backoffice:organizer", organizer_slug=organizer_slug)


def _tokens_props(membership: Membership, new_token: str | None = None) -> ApiTokensPageProps:
    organizer = membership.organizer
    member_ids = set(Membership.objects.filter(organizer=organizer).values_list("user_id", flat=True))
    return ApiTokensPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        roles=_roles(),
        tokens=[
            ApiTokenRow(
                id=t.pk,
                name=t.name,
                role=t.get_role_display(),
                prefix=t.prefix,
                created_at=t.created_at,
                expires_at=t.expires_at,
                last_used_at=t.last_used_at,
                active=t.is_active,
                created_by=t.created_by.email if t.created_by else None,
                creator_left=t.created_by_id not in member_ids,
            )
            for t in ApiToken.objects.filter(organizer=organizer).select_related("created_by")
        ],
        new_token=new_token,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    """Owners create and revoke the organizer's API tokens; a new token is shown once."""
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, OWNERS)
    if request.method == "GET":
        return render_page(
            request, _tokens_props(membership), template_data={"page_title": gettext("API tokens")}
        )
    data = submitted_data(request)
    if data.get("action") == "revoke":
        token = get_object_or_404(ApiToken, pk=parse_id(data.get("id")) or 0, organizer=membership.organizer)
        tokens.revoke(token)
        messages.success(request, gettext("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("backoffice:api_tokens", organizer_slug=organizer_slug)
    refused = require_recent_authentication(request, reverse("backoffice:api_tokens", args=[organizer_slug]))
    if refused:
        return refused
    form = ApiTokenForm(data)
    if not form.is_valid():
        return render_with_errors(request, _tokens_props(membership), form_errors(form))
    expires = form.cleaned_data["expires_at"]
    token, raw = tokens.create_token(
        organizer=membership.organizer,
        name=form.cleaned_data["name"],
        role=form.cleaned_data["role"],
        created_by=request.user,
        expires_at=tokens.end_of_day(expires) if expires else None,
    )
    return render_page(
        request, _tokens_props(membership, new_token=raw), template_data={"page_title": gettext("API tokens")}
    )
