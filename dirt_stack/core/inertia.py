"""Helpers for Inertia views: rendering a page from its props schema, reading submitted data,
answering with form errors, paginating."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext
from inertia.http import InertiaResponse

from core.input import InputError, RefusedInput, load_json
from core.schemas import PageProps, Pagination


class InvalidPayload(RefusedInput):
    """The request body is not the JSON object or form data a form expects (answered with 400)."""


def submitted_data(request: HttpRequest) -> QueryDict | dict[str, Any]:
    """Return the submitted fields of a form post.

    Inertia's ``useForm`` sends JSON (bounded: ``core.input.load_json``); plain
    HTML forms and tests may send urlencoded or multipart data, which Django has already
    parsed.
    """
    if request.content_type == "application/json":
        try:
            # NaN or 1e999 reach the form as text, and it refuses them in their field.
            data = load_json(request.body or b"{}", non_finite_as_text=True)
        except InputError as exc:
            raise InvalidPayload(str(exc)) from exc
        if not isinstance(data, dict):
            raise InvalidPayload(gettext("The request body must be a JSON object."))
        return data
    return request.POST


def form_errors(form: BaseForm) -> dict[str, str]:
    """Django form errors as Inertia expects them: one message per field.

    Errors that belong to no field are reported under ``form``.
    """
    errors: dict[str, str] = {}
    for field, messages in form.errors.items():
        errors["form" if field == "__all__" else field] = " ".join(str(m) for m in messages)
    return errors


def validation_errors(error: ValidationError) -> dict[str, str]:
    """A service's refusal as form errors: one message per field it names, or under
    ``form`` when it names none."""
    if hasattr(error, "error_dict"):
        return {field: " ".join(messages) for field, messages in error.message_dict.items()}
    return {"form": " ".join(error.messages)}


# The request attribute naming the page a posted form belongs to (``form_page``).
_FORM_PAGE = "maticko_form_page"

View = TypeVar("View", bound=Callable[..., HttpResponse])


class _PageAt(InertiaResponse):
    """An Inertia page shown at ``page_url`` rather than at the request's path: Inertia puts
    the page object's ``url`` in the address bar (and the history entry)."""

    def __init__(
        self,
        request: HttpRequest,
        component: str,
        props: dict[str, Any],
        template_data: dict[str, Any],
        page_url: str,
    ) -> None:
        self.page_url = page_url
        super().__init__(request, component, props, template_data)

    def page_data(self) -> dict[str, Any]:
        page = super().page_data()
        page["url"] = self.page_url
        return page


def show_form_page_at(request: HttpRequest, url: str) -> None:
    """Pages rendered in answer to this post are shown at ``url`` (see ``form_page``)."""
    setattr(request, _FORM_PAGE, url)


def form_page(page_url: Callable[..., str]) -> Callable[[View], View]:
    """A POST-only URL whose form lives on another page, ``page_url(request, **url_kwargs)``.

    A GET (a reload, Back, a copied address) is redirected to that page instead of a
    405, and a page the view renders in answer to the post (the form's errors, with their
    4xx status) is shown at that page's address, so the address bar never holds the
    POST-only URL. The errors travel in the response itself rather than the session: a
    refused hold during an on-sale rush costs no session write.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(page_url(request, *args, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "POST"])
            show_form_page_at(request, page_url(request, *args, **kwargs))
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def render_page(
    request: HttpRequest,
    props: PageProps,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    template_data: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render ``props``' page with exactly what its schema sends (``props.component``'s
    generated TypeScript type describes the same). ``errors`` replaces the shared prop.
    In answer to a ``form_page`` post, the page is shown at the form's page address."""
    data = props.model_dump(mode="json", by_alias=True)
    if errors is not None:
        data["errors"] = errors
    page_url = getattr(request, _FORM_PAGE, None)
    response: HttpResponse
    if page_url is None:
        response = InertiaResponse(request, props.component, data, template_data or {})
    else:
        response = _PageAt(request, props.component, data, template_data or {}, page_url)
    response.status_code = status
    return response


def render_with_errors(
    request: HttpRequest, props: PageProps, errors: dict[str, str], *, status: int = 422
) -> HttpResponse:
    """Re-render a form page with validation errors (422 unless ``status`` says otherwise)."""
    return render_page(request, props, status=status, errors=errors)


def paginate(request: HttpRequest, items: Any, per_page: int) -> tuple[Page[Any], Pagination]:
    """The page of ``items`` that ``?page=`` asks for (the last one when past the end, the
    first when not a number), and the ``pagination`` prop the frontend's pager reads."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return page, Pagination(
        page=page.number,
        pages=page.paginator.num_pages,
        count=page.paginator.count,
        has_previous=page.has_previous(),
        has_next=page.has_next(),
    )
