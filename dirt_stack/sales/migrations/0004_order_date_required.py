"""Every hold and order now has its date (0003): the column becomes required.

A separate migration: PostgreSQL cannot alter a table in the transaction that
just updated its rows' foreign keys (their checks are still pending).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0003_order_and_hold_dates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hold",
            name="date",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="holds", to="events.eventdate"
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="date",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="orders", to="events.eventdate"
            ),
        ),
        migrations.AddField(
            model_name="voucher",
            name="dates",
            field=models.ManyToManyField(blank=True, related_name="vouchers", to="events.eventdate"),
        ),
        migrations.RemoveIndex(
            model_name="hold",
            name="hold_expiry_idx",
        ),
        migrations.AddIndex(
            model_name="hold",
            index=models.Index(fields=["date", "status", "expires_at"], name="hold_date_expiry_idx"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["date", "status"], name="order_date_status_idx"),
        ),
    ]
