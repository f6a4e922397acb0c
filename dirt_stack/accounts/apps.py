from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts and organizers"

    def ready(self) -> None:
        # Registers the account emails' outbox handlers, counts failed logins per account
        # and connects the receiver that starts a login's clocks.
        from django.contrib.auth.signals import user_login_failed

        from accounts import emails, lockout, sessions  # noqa: F401

        user_login_failed.connect(lockout.on_login_failed, dispatch_uid="accounts.lockout")


class ThrottledAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with its login behind the application's limits."""

    default = False
    default_site = "accounts.admin_site.ThrottledAdminSite"
