"""The authentication backend: Django's, refusing password logins to a locked account."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts import lockout
from accounts.models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if isinstance(username, str) and password is not None and lockout.is_locked(username):
            # Hash anyway: a locked account answers as slowly as a wrong password does.
            User().set_password(password)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # ModelBackend's async variant would skip the lock.
        return await sync_to_async(self.authenticate)(request, username=username, password=password, **kwargs)
