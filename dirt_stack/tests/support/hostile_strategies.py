"""Hostile values for generated API requests: schemathesis hooks that put NUL bytes,
control characters, over-length strings and extreme numbers into the bodies, query
strings and path parameters it generates (its own generators rarely make them).

Loaded by tests/test_api_schemathesis.py: in process (``register``), and by the
schemathesis command through ``SCHEMATHESIS_HOOKS=tests.support.hostile_strategies``.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

# Text PostgreSQL refuses (NUL) or that headers and single-line fields must not carry.
_CONTROL = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\r\n", "\u2028"])
HOSTILE_TEXT = st.one_of(
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=5), _CONTROL, st.text(max_size=5)),
    st.sampled_from([201, 255, 256, 301, 5_001, 20_001, 100_000]).map(lambda n: "x" * n),
    st.just("9" * 400),
)
# Beyond 64 bits, the largest floats, and floats or booleans where integers go. (NaN and
# Infinity are not JSON: the transport refuses them; tests/test_hostile_input.py sends them.)
HOSTILE_NUMBERS = st.sampled_from(
    [2**63, 2**64, -(2**63) - 1, 10**30, 1.7976931348623157e308, -1e308, 1e-300, 1.5, -0.0, True]
)
HOSTILE = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBERS)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _leaves(item, (*path, index))]
    return [path]


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replaced(copy[head], rest, new)
    return copy


def with_hostile_leaf(value: Any, hostile: st.SearchStrategy[Any] = HOSTILE) -> st.SearchStrategy[Any]:
    """``value`` as generated, or with one of its values (a field, an item) made hostile."""
    leaves = _leaves(value)
    if not leaves or value is None:
        return st.just(value)
    mutated = st.tuples(st.sampled_from(leaves), hostile).map(lambda pick: _replaced(value, *pick))
    return st.one_of(st.just(value), mutated)


def register() -> None:
    """Register the hooks for every schema schemathesis loads in this process."""

    @schemathesis.hook
    def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
        return with_hostile_leaf(body)

    @schemathesis.hook
    def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
        # A query string carries text only.
        return with_hostile_leaf(query, HOSTILE_TEXT) if query else st.just(query)

    @schemathesis.hook
    def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
        text = st.builds(lambda a, c: a + c, st.text(min_size=1, max_size=5), _CONTROL)
        return with_hostile_leaf(path_parameters, text) if path_parameters else st.just(path_parameters)


if __name__ != "__main__":
    # Imported through SCHEMATHESIS_HOOKS by the schemathesis command.
    import os

    if os.environ.get("SCHEMATHESIS_HOOKS") == __name__:
        register()
