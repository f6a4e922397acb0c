"""RFC 7807 problem documents (``core.problems``: the middleware answers with them too)."""

from __future__ import annotations

from core.problems import problem

__all__ = ["problem"]
