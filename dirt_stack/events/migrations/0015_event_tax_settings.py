import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0014_event_content_languages'),
        ('taxes', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='invoice_address',
            field=models.CharField(choices=[('off', 'Not asked'), ('optional', 'Optional'), ('required', 'Required')], db_default='off', default='off', max_length=10),
        ),
        migrations.AddField(
            model_name='event',
            name='tax_rule',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='taxes.taxrule'),
        ),
        migrations.AddField(
            model_name='tickettype',
            name='tax_rule',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ticket_types', to='taxes.taxrule'),
        ),
    ]
