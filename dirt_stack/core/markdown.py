"""Markdown written by organizers, rendered to HTML that is safe to embed."""

from __future__ import annotations

import html
import re

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised: only formatting tags and http(s)/mailto links survive."""
    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_text_excerpt(text: str, length: int = 160) -> str:
    """The first ``length`` characters of the text without Markdown markup, for meta descriptions:
    plain text, not HTML (whoever embeds it escapes it)."""
    plain = html.unescape(nh3.clean(markdown_lib.markdown(text or ""), tags=set()))
    plain = re.sub(r"\s+", " ", plain).strip()
    return plain if len(plain) <= length else plain[: length - 1].rsplit(" ", 1)[0] + "…"
