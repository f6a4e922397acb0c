"""The account pages, organizers, their members and API tokens."""

from __future__ import annotations

from pydantic import Field

from backoffice.schemas.common import MembershipRole
from core.schemas import IsoDateTime, Option, PageProps, Shape
from storefront.schemas import EventStatus, OrganizerRef


class LoginPageProps(PageProps):
    component = "Auth/Login"

    next: str = Field(description="Where to go after logging in.")


class SignupPageProps(PageProps):
    component = "Auth/Signup"

    next: str


class SignupConfirmPageProps(PageProps):
    component = "Auth/SignupConfirm"

    valid: bool = Field(description="The link is genuine, unexpired and its address has no account yet.")
    email: str = Field(description="The address the link was sent to (empty when the link is not genuine).")


class PasswordResetPageProps(PageProps):
    component = "Auth/PasswordReset"


class PasswordResetConfirmPageProps(PageProps):
    component = "Auth/PasswordResetConfirm"

    valid: bool = Field(description="The link is genuine and unused.")


class PasswordChangePageProps(PageProps):
    component = "Auth/PasswordChange"


class EventRow(Shape):
    slug: str
    title: str
    status: EventStatus
    starts_at: IsoDateTime
    timezone: str
    tickets_sold: int
    capacity: int


class OrganizerBlock(Shape):
    name: str
    slug: str
    role: MembershipRole
    can_manage: bool
    events: list[EventRow]


class ManageHomePageProps(PageProps):
    component = "Manage/Home"

    organizers: list[OrganizerBlock]


class OrganizerSettings(Shape):
    name: str
    slug: str
    contact_email: str
    bank_transfer_details: str
    admit_unpaid_bank_transfers: bool
    require_two_factor: bool


class OrganizerManagePageProps(PageProps):
    component = "Manage/Organizer"

    organizer: OrganizerSettings
    role: MembershipRole
    can_manage: bool
    events: list[EventRow]


class OrganizerCreatePageProps(PageProps):
    component = "Manage/OrganizerCreate"


class Member(Shape):
    id: int
    email: str
    name: str
    role: MembershipRole
    is_me: bool


class PendingInvitation(Shape):
    id: int
    email: str
    role: MembershipRole
    expires_at: IsoDateTime


class MembersPageProps(PageProps):
    component = "Manage/Members"

    organizer: OrganizerRef
    my_role: MembershipRole
    roles: list[Option]
    members: list[Member]
    invitations: list[PendingInvitation]


class InvitationPageProps(PageProps):
    component = "Manage/Invitation"

    organizer: str
    role: str = Field(description="The role's label.")
    email: str
    valid: bool
    token: str
    refusal: str | None = Field(
        description="Why the logged-in user cannot accept it (another address, already a member), or null."
    )


class ApiTokenRow(Shape):
    id: int
    name: str
    role: str = Field(description="The role's label.")
    prefix: str
    created_at: IsoDateTime
    expires_at: IsoDateTime | None
    last_used_at: IsoDateTime | None
    active: bool
    created_by: str | None = Field(description="The creator's email; null once their account is deleted.")
    creator_left: bool = Field(description="Its creator is no longer a member of the organizer.")


class ApiTokensPageProps(PageProps):
    component = "Manage/ApiTokens"

    organizer: OrganizerRef
    roles: list[Option]
    tokens: list[ApiTokenRow]
    new_token: str | None = Field(description="A token just created, shown this once.")
