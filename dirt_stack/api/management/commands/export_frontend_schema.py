"""Write the OpenAPI document the frontend's TypeScript types are generated from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from api.frontend_schema import frontend_schema


class Command(BaseCommand):
    help = (
        "Write one OpenAPI 3.1 document with the REST API and every Inertia page's props "
        "(to standard output, or to --output). `make types` turns it into TypeScript."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", type=Path, help="Write to this file instead of standard output."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = json.dumps(frontend_schema(), indent=2, ensure_ascii=False) + "\n"
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
