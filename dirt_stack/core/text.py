"""Single-line text: names and titles that end up in email headers, PDFs and CSV cells."""

from __future__ import annotations

import re

# C0 and C1 control characters (NUL, ESC, CR, LF, tab, DEL, NEL, ...) and the Unicode line
# and paragraph separators: none belongs in a name or a title, and CR/LF in an email
# subject makes Django refuse to send it (header injection).
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def single_line(value: str) -> str:
    """``value`` on one line: control characters and line breaks become spaces, runs of
    whitespace one space, and the ends are trimmed."""
    return " ".join(_BREAKING.sub(" ", value).split())
