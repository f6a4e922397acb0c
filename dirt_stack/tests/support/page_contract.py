"""Every Inertia page the test suite renders must send exactly what its props schema says.

``tests/conftest.py`` wraps inertia-django's page building for the whole session
and fails a test whose requests rendered a page that breaks this contract: a
component with no ``PageProps`` schema, props that do not validate, or props that
differ from the schema's own JSON form (a field too many, a money amount as a
number, a time in another format). The frontend's types are generated from the
same schemas, so this keeps them honest.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from core.schemas import FlashMessage, PageProps, SharedProps


def _mismatch(label: str, model: type[BaseModel], data: Any) -> str | None:
    try:
        wire = model.model_validate(data).model_dump(mode="json", by_alias=True)
    except ValidationError as exc:
        return f"{label} do not validate against {model.__name__}: {exc}"
    if wire != data:
        return f"{label} differ from {model.__name__}'s JSON form:\n  sent:   {data!r}\n  schema: {wire!r}"
    return None


def page_violations(page: dict[str, Any]) -> list[str]:
    """What is wrong with an Inertia page object (component, props, flash), if anything."""
    component = page["component"]
    schema = PageProps.pages.get(component)
    if schema is None:
        return [f"{component}: no PageProps schema has component = {component!r}"]
    props = dict(page["props"])
    shared = {name: props.pop(name) for name in SharedProps.model_fields if name in props}
    problems = [
        _mismatch(f"{component}: the page's props", schema, props),
        _mismatch(f"{component}: the shared props", SharedProps, shared),
        *(
            _mismatch(f"{component}: a flash message", FlashMessage, message)
            for message in page.get("flash", {}).get("messages", [])
        ),
    ]
    return [problem for problem in problems if problem]
