from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_save

from config.single_line import keep_single_line_fields


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from knowledgebase import receivers  # noqa: F401  (announces rules saved elsewhere)
        from knowledgebase.reference_data import reference_migrated

        post_migrate.connect(
            reference_migrated, sender=self, dispatch_uid="knowledgebase.reference_migrated"
        )

        # Every model, every app: no line break in single-line text (config.single_line).
        pre_save.connect(keep_single_line_fields, dispatch_uid="config.single_line")
