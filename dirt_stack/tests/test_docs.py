"""Every environment variable the settings read is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_setting_variable_is_in_the_readme_table():
    settings_source = (REPO / "dirt_stack" / "maticko" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.[a-z_]+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL"} <= read  # the pattern still matches
    gunicorn_source = (REPO / "dirt_stack" / "gunicorn.conf.py").read_text()
    read |= set(re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]+)"', gunicorn_source))
    for script in ("docker-entrypoint.sh", "serve.sh"):
        source = (REPO / "dirt_stack" / script).read_text()
        read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", source))
    assert {"WEB_CONCURRENCY", "RUN_MIGRATIONS"} <= read

    readme = (REPO / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert read - documented == set(), "add these to the configuration table in README.md"
    assert documented - read == set(), "the README documents variables the settings no longer read"
