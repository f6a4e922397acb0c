"""Check (or, with ``--update``, bring up to date) the server's translation catalogs.

Django's ``makemessages`` extracts every marked string of the project (Python files and
templates; each app's strings into its own ``<app>/locale/``, the rest into ``locale/``)
into a copy of the project, merged with the catalogs as they are. The check fails when the
result differs from the catalogs: a string the code marks that no catalog has, an entry
the code no longer has, or an entry of a translated language that is empty or fuzzy.
``makemessages`` needs GNU gettext's ``xgettext`` and ``msgmerge`` (Debian's ``gettext``).
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import chdir
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES

# Translated languages: every entry of theirs has a translation (English is the source).
TRANSLATED = tuple(code for code in LANGUAGE_CODES if code != DEFAULT_LANGUAGE)
# Not the server's: the React pages (their own catalogs), tests, build output.
IGNORED = ("frontend", "tests", "node_modules", "staticfiles", "media", ".venv", "htmlcov")
SOURCES = ("*.py", "*.html", "*.txt", "*.po")


def gettext_available() -> bool:
    return bool(shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("msguniq"))


def _copy_sources(root: Path, target: Path) -> None:
    """The files extraction reads and the catalogs, nothing else (no database, no builds)."""
    for pattern in SOURCES:
        for path in root.rglob(pattern):
            relative = path.relative_to(root)
            if any(part in IGNORED for part in relative.parts):
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def extract(root: Path, *, into: Path) -> None:
    """Run ``makemessages`` for the translated languages over ``root`` (in place when
    ``into`` is ``root``, else over a copy in ``into``)."""
    if into != root:
        _copy_sources(root, into)
    (into / "locale").mkdir(exist_ok=True)
    with override_settings(LOCALE_PATHS=[into / "locale"]), chdir(into):
        call_command(
            "makemessages",
            locale=list(TRANSLATED),
            ignore_patterns=[f"{name}/*" for name in IGNORED],
            extensions=["html", "txt", "py"],
            no_obsolete=True,
            no_location=True,
            verbosity=0,
        )


def _read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def _ids(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(str(m.id), m.context) for m in catalog if m.id}


def problems(root: Path, extracted: Path) -> list[str]:
    """What differs between the catalogs under ``root`` and the fresh extraction under
    ``extracted``; empty when the catalogs are complete."""
    found: list[str] = []
    fresh = {p.relative_to(extracted) for p in extracted.glob("**/locale/*/LC_MESSAGES/django.po")}
    kept = {
        p.relative_to(root)
        for p in root.glob("**/locale/*/LC_MESSAGES/django.po")
        if not any(part in IGNORED for part in p.relative_to(root).parts)
    }
    for relative in sorted(fresh | kept):
        if relative not in kept:
            new = _read(extracted / relative)
            if _ids(new):
                found.append(f"{relative}: missing ({len(_ids(new))} strings to translate)")
            continue
        if relative not in fresh:
            found.append(f"{relative}: no string of the code is in it any more")
            continue
        catalog, new = _read(root / relative), _read(extracted / relative)
        for msgid, context in sorted(_ids(new) - _ids(catalog), key=str):
            found.append(f"{relative}: missing {msgid!r}" + (f" ({context})" if context else ""))
        for msgid, _context in sorted(_ids(catalog) - _ids(new), key=str):
            found.append(f"{relative}: {msgid!r} is no longer in the code")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                found.append(f"{relative}: fuzzy {message.id!r}")
            elif not all(strings):
                found.append(f"{relative}: untranslated {message.id!r}")
    return found


class Command(BaseCommand):
    help = "Check that the translation catalogs hold every marked string, all translated (--update: extract)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", type=Path, default=Path(settings.BASE_DIR))
        parser.add_argument(
            "--update",
            action="store_true",
            help="Extract into the catalogs themselves (new strings untranslated).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root: Path = options["root"].resolve()
        if not gettext_available():
            raise CommandError(
                "makemessages needs GNU gettext (xgettext, msgmerge): install it "
                "(Debian: apt-get install gettext)."
            )
        if options["update"]:
            extract(root, into=root)
            self.stdout.write("Catalogs updated: translate the new entries, then run compile_catalogs.")
            return
        with tempfile.TemporaryDirectory() as temporary:
            copy = Path(temporary)
            extract(root, into=copy)
            found = problems(root, copy)
        if found:
            raise CommandError("The translation catalogs are not complete:\n  " + "\n  ".join(found))
        self.stdout.write("The translation catalogs are complete.")
