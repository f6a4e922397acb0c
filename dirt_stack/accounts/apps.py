from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizers"

    def ready(self) -> None:
        # Connects the receiver that starts a login's clocks.
        from accounts import sessions  # noqa: F401
