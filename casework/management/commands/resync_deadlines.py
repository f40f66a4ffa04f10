from django.core.management.base import BaseCommand

from casework.clocks.services import deadlines_resync_all


class Command(BaseCommand):
    help = (
        "Bring every stored statutory deadline (and the dates shown to groups) in line with "
        "its rule. Saving a rule does this by itself, and so does a migrate that changes "
        "rules; run it after loading rules from a fixture (loaddata)."
    )

    def handle(self, *args, **options) -> None:
        result = deadlines_resync_all()
        self.stdout.write(
            f"{result.updated} deadline(s) recomputed, {result.created} written, "
            f"{result.removed} removed."
        )
