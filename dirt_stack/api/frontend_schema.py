"""The frontend's contract: one OpenAPI 3.1 document with the REST API and every page's props.

``manage.py export_frontend_schema`` writes it; openapi-typescript turns it into
frontend/src/generated/schema.d.ts (``make types``). It holds:

- the REST API, as django-ninja describes it (/api/v1/openapi.json);
- every schema defined in an app's ``schemas`` module (the pages' props, the
  shapes they share with the API, the scanner's JSON answers), in the form the
  server sends them (pydantic's serialization mode, as ninja does for responses);
- ``InertiaPages``: each page component's name mapped to its props, which the
  frontend reads as ``PageProps<"Orders/Show">``.

This module lives in ``api``, the one app that may import every other app's schemas.
"""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.api import api
from core.schemas import PageProps, Shape

PAGES_COMPONENT = "InertiaPages"


def schema_modules() -> list[ModuleType]:
    """The ``schemas`` module (or the modules of a ``schemas`` package) of each of our
    apps, in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR)
    modules = []
    for config in apps.get_app_configs():
        if Path(config.path).is_relative_to(base) and module_has_submodule(config.module, "schemas"):
            module = import_module(f"{config.name}.schemas")
            modules.append(module)
            if hasattr(module, "__path__"):  # a package: its modules define the shapes
                modules.extend(
                    import_module(f"{module.__name__}.{info.name}")
                    for info in pkgutil.iter_modules(module.__path__)
                )
    return modules


def shapes() -> list[type[BaseModel]]:
    """Every schema defined (not merely imported) in a ``schemas`` module."""
    found: list[type[BaseModel]] = []
    for module in schema_modules():
        found.extend(
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseModel)
            and value.__module__ == module.__name__
            and value not in (Shape, PageProps)  # the bases, not shapes themselves
        )
    names = [model.__name__ for model in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(
            f"Schema names must be unique across apps (they name the TypeScript types): {duplicates}"
        )
    return found


def _pages_component() -> dict[str, Any]:
    pages = dict(sorted(PageProps.pages.items()))
    return {
        "type": "object",
        "title": PAGES_COMPONENT,
        "description": "Each Inertia page component (frontend/src/pages) and the props its view sends.",
        "properties": {
            name: {"$ref": REF_TEMPLATE.format(model=props.__name__)} for name, props in pages.items()
        },
        "required": list(pages),
        "additionalProperties": False,
    }


def frontend_schema() -> dict[str, Any]:
    document: dict[str, Any] = api.get_openapi_schema()
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    _, definitions = models_json_schema(
        [(model, "serialization") for model in shapes()],
        by_alias=True,
        ref_template=REF_TEMPLATE,
        schema_generator=NinjaGenerateJsonSchema,
    )
    for name, definition in definitions.get("$defs", {}).items():
        if name in components and components[name] != definition:
            raise ValueError(f"The API and the pages describe {name} differently.")
        components[name] = definition
    components[PAGES_COMPONENT] = _pages_component()
    return document
