"""Compile every translation catalog (``*/locale/<code>/LC_MESSAGES/*.po``) to the ``.mo``
file Django reads, with Babel: no GNU gettext needed (``compilemessages`` needs msgfmt).

setup.sh, the container's build and the test session run it; the ``.mo`` files are not
kept in git. A catalog that does not parse, or a translation whose placeholders are not its message's,
stops the command with its file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def catalogs(root: Path) -> list[Path]:
    """Every ``.po`` file of the apps under ``root`` and of ``root/locale``."""
    return sorted(
        path
        for path in root.glob("**/locale/*/LC_MESSAGES/*.po")
        if not any(part in {"node_modules", ".venv", "frontend"} for part in path.relative_to(root).parts)
    )


def compile_catalog(po_path: Path) -> Path:
    """Write ``po_path``'s ``.mo`` beside it (every time: a few small files); return it."""
    mo_path = po_path.with_suffix(".mo")
    locale = po_path.parent.parent.name
    try:
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=locale, abort_invalid=True)
    except (PoFileError, ValueError) as exc:
        raise CommandError(f"{po_path}: {exc}") from exc
    # A translation whose placeholders differ from its message's would fail where it is
    # used (an email not sent): refused here, with the message.
    for message, errors in catalog.check():
        raise CommandError(f"{po_path}: {message.id!r}: {'; '.join(str(e) for e in errors)}")
    temporary = mo_path.with_suffix(f".mo.{os.getpid()}")
    with temporary.open("wb") as target:
        # Fuzzy entries are drafts: left out, as msgfmt leaves them out.
        write_mo(target, catalog, use_fuzzy=False)
    temporary.replace(mo_path)
    return mo_path


class Command(BaseCommand):
    help = "Compile the translation catalogs (.po) to .mo files with Babel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", type=Path, default=Path(settings.BASE_DIR), help="Where to look.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = catalogs(options["root"])
        for po_path in found:
            compile_catalog(po_path)
        if options["verbosity"] >= 1:
            self.stdout.write(f"{len(found)} catalogs compiled.")
