import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0006_organizer_seller'),
    ]

    operations = [
        migrations.CreateModel(
            name='TaxRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('rate', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))])),
                ('price_includes_tax', models.BooleanField(default=True, help_text='Prices are gross (tax included), as consumers in the EU see them.')),
                ('seller_rate_below_oss_threshold', models.BooleanField(default=False, help_text="Charge the rule's rate instead of the buyer country's (OSS threshold not reached).")),
                ('clauses', models.JSONField(blank=True, default=list)),
                ('default_action', models.CharField(choices=[('vat', "VAT at the rule's rate"), ('vat_rate', 'VAT at another rate'), ('vat_buyer_country', "VAT at the buyer's country's standard rate (OSS)"), ('reverse_charge', 'Reverse charge'), ('exempt', 'Exempt (no VAT)')], default='vat', max_length=20)),
                ('default_rate', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))])),
                ('template', models.CharField(blank=True, default='', max_length=40)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('organizer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tax_rules', to='accounts.organizer')),
            ],
            options={
                'ordering': ['name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('organizer', 'name'), name='tax_rule_name_unique'), models.CheckConstraint(condition=models.Q(('rate__gte', 0), ('rate__lte', 100)), name='tax_rule_rate_range')],
            },
        ),
    ]
