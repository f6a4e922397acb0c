"""Move voucher validity stored outside core.datetimes' window to its nearest edge, so
that the next migration's CHECK constraints can be added (as events 0004 does for dates)."""

import datetime as dt

from django.db import migrations

from core.datetimes import LAST_SECOND, WINDOW_START, move_into_window

SECOND = dt.timedelta(seconds=1)


def forwards(apps, schema_editor):
    voucher = apps.get_model("sales", "Voucher")
    move_into_window(voucher, "valid_from", highest=LAST_SECOND - SECOND)
    move_into_window(voucher, "valid_until", lowest=WINDOW_START + SECOND)


class Migration(migrations.Migration):
    dependencies = [("sales", "0008_order_lifecycle_refund_status")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
