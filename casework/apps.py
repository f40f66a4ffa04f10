from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_migrate, pre_migrate

from config.http import StaffSessionTimeouts


class CaseworkConfig(AppConfig):
    name = "casework"

    def ready(self) -> None:
        from casework import receivers  # connects the routing and deadline receivers

        post_migrate.connect(
            receivers.resync_after_rule_migrations,
            sender=self,
            dispatch_uid="casework.resync_after_rule_migrations",
        )
        from casework.queue.remits import remits_migrated

        post_migrate.connect(remits_migrated, sender=self, dispatch_uid="casework.remits_migrated")
        # Desk search's words on SQLite: triggers that a table Django remakes would break.
        from casework.search import fts5

        pre_migrate.connect(fts5.before_migrate, sender=self, dispatch_uid="casework.fts5_before")
        post_migrate.connect(fts5.after_migrate, sender=self, dispatch_uid="casework.fts5_after")
        # Staff sessions start their idle and absolute clocks at sign-in, saved with it.
        user_logged_in.connect(
            StaffSessionTimeouts.session_started, dispatch_uid="casework.session_started"
        )
        # Each sign-in is remembered, so that "sign out everywhere" can end them all.
        user_logged_in.connect(receivers.staff_signed_in, dispatch_uid="casework.signed_in")
        user_logged_out.connect(receivers.staff_signed_out, dispatch_uid="casework.signed_out")
        # A password alone does not finish a sign-in that owes a second factor.
        user_logged_in.connect(
            receivers.second_factor_owed, dispatch_uid="casework.second_factor_owed"
        )
