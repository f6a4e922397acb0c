"""The request that views behind ``login_required`` receive."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An ``HttpRequest`` whose ``user`` is a User, never ``AnonymousUser``: the type of
    a view's request once ``login_required`` has let it through. Only an annotation;
    Django builds the request as usual."""

    user: User
