"""The pages of two-factor authentication and re-authentication."""

from __future__ import annotations

from pydantic import Field

from core.schemas import PageProps


class TwoFactorLoginPageProps(PageProps):
    component = "Auth/TwoFactorLogin"


class SecurityPageProps(PageProps):
    component = "Auth/Security"

    two_factor: bool = Field(description="Two-factor authentication is on.")
    recovery_codes_left: int
    required_by: list[str] = Field(
        description="The names of the user's organizers that require two-factor authentication."
    )


class TwoFactorSetupPageProps(PageProps):
    component = "Auth/TwoFactorSetup"

    secret: str = Field(description="The key for typing into an app, in groups of four.")
    qr_code: str = Field(description="The otpauth URL as a QR code: an SVG data URI.")
    next: str


class RecoveryCodesPageProps(PageProps):
    component = "Auth/RecoveryCodes"

    codes: list[str] = Field(description="Shown this once.")
    next: str


class ReauthenticatePageProps(PageProps):
    component = "Auth/Reauthenticate"

    next: str
    needs_code: bool = Field(description="The user has two-factor authentication: ask for a code too.")
