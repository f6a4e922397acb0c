"""The function a one-statement write calls to abort itself when a claim came up short
(core.statements). It raises check_violation naming the claim, so the failure surfaces
like a CHECK constraint's. PostgreSQL only: SQLite runs claims one by one."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION maticko_claim_failed(claim text) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'claim % changed fewer rows than it must', claim
        USING ERRCODE = 'check_violation', CONSTRAINT = claim;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS maticko_claim_failed(text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
