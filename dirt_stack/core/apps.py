from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.database_outage import restore_pool_wait
        from core.search import register_sqlite_fold

        connection_created.connect(restore_pool_wait, dispatch_uid="core.restore_pool_wait")
        connection_created.connect(register_sqlite_fold, dispatch_uid="core.register_sqlite_fold")
