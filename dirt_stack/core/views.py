"""Error pages. The health check lives in core.middleware (it must run first).

Inertia visits get the React error page; the message is ours, never an
exception's internals (except a BadRequest's, which we write ourselves).
"""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from core.inertia import render_page
from core.input import RefusedInput
from core.middleware import share_page_props
from core.schemas import ErrorPageProps


def _error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    if "inertia" not in request.__dict__:
        # Refused before the middleware shared the props every page needs (the layout reads them).
        share_page_props(request)
    return render_page(request, ErrorPageProps(status=status, message=message), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Our own refusals' messages are written for people; others stay generic.
    message = (
        str(exception)
        if isinstance(exception, RefusedInput)
        else gettext("The request could not be understood.")
    )
    return _error_page(request, 400, message)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, 403, gettext("Your role in this organizer does not allow this."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, 404)
