"""The door scanner for paired devices (/door/): its page, its service worker and its web
app manifest. The page is a small React app of its own (frontend/src/door/), not an Inertia
page: it talks to the devices' API with its device token and works offline
(checkin/README.md)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

DOOR_ENTRY = "src/door/main.tsx"


@cache
def _built_files(manifest_path: Path, mtime: float) -> tuple[str, ...]:
    """The door entry's files in the Vite build: its chunk, the chunks it imports (also
    later: each language's catalog, the camera's reader) and their styles, as URLs."""
    manifest = json.loads(manifest_path.read_text())
    files: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in manifest:
            return
        seen.add(name)
        chunk = manifest[name]
        files.append(chunk["file"])
        files.extend(chunk.get("css", []))
        for imported in (*chunk.get("imports", []), *chunk.get("dynamicImports", [])):
            visit(imported)

    visit(DOOR_ENTRY)
    return tuple(dict.fromkeys(settings.STATIC_URL + file for file in files))


def precache() -> tuple[str, ...]:
    """What the service worker keeps; nothing but the page when Vite's dev server serves
    the assets."""
    if settings.DJANGO_VITE["default"]["dev_mode"]:
        return ()
    path = Path(settings.DJANGO_VITE["default"]["manifest_path"])
    try:
        return _built_files(path, path.stat().st_mtime)
    except (OSError, ValueError):
        return ()


@require_GET
def door_app(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/door/app.html")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    files = precache()
    page = reverse("door_app")
    version = hashlib.sha256(json.dumps([settings.APP_VERSION, page, *files]).encode()).hexdigest()[:16]
    script = render_to_string(
        "backoffice/door/sw.js",
        {
            "version_json": json.dumps(version),
            "precache_json": json.dumps(list(files)),
            "page_json": json.dumps(page),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # A new build must reach the devices at their next visit.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    page = reverse("door_app")
    icon = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
        "<rect width='16' height='16' rx='3' fill='%234f46e5'/></svg>"
    )
    response = JsonResponse(
        {
            "name": _("Maticko door scanner"),
            "short_name": _("Door"),
            "start_url": page,
            "scope": page,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#4f46e5",
            "icons": [{"src": icon, "sizes": "any", "type": "image/svg+xml"}],
        }
    )
    response["Content-Type"] = "application/manifest+json"
    return response
