from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CaseworkConfig(AppConfig):
    name = "casework"

    def ready(self) -> None:
        from casework import receivers  # connects the routing and deadline receivers

        post_migrate.connect(
            receivers.resync_after_rule_migrations,
            sender=self,
            dispatch_uid="casework.resync_after_rule_migrations",
        )
