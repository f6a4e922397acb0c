"""core.statements' own rules: the text its raw cursor sends, and the reads it runs."""

from __future__ import annotations

import pytest

from core import statements


def test_placeholders_are_numbered_as_postgresql_binds_them():
    sql = "SELECT %s, a FROM t WHERE b LIKE 'x%%' AND c = %s AND d = %s"
    assert statements.numbered(sql) == b"SELECT $1, a FROM t WHERE b LIKE 'x%' AND c = $2 AND d = $3"
    assert statements.numbered("SELECT 1") == b"SELECT 1"


@pytest.mark.parametrize("sql", ["SELECT %d", "SELECT %(name)s", "SELECT 5 %"])
def test_a_placeholder_django_does_not_write_is_refused(sql):
    with pytest.raises(ValueError, match="percent sign"):
        statements.numbered(sql)


@pytest.mark.django_db
def test_fetch_binds_its_parameters_in_order():
    rows = statements.fetch("SELECT %s, %s, '100%%'", [3, "three"])
    assert [tuple(row) for row in rows] == [(3, "three", "100%")]
