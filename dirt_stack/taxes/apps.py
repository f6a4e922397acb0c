from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = "Taxes"
    default_auto_field = "django.db.models.BigAutoField"
