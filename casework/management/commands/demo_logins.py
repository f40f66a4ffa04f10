"""Print how to try the demo desk: staff logins, the addresses, and a group's tracking link."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from casework.demo.data import DEMO_ADVISER, DEMO_MANAGER, DEMO_PASSWORD
from enquiries.models import Enquiry, Status
from enquiries.notifications import tracking_url
from enquiries.services import tracking_link_create


class Command(BaseCommand):
    help = "Show the demo staff logins, the desk's addresses and a fresh demo tracking link."

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects.filter(username__in=[DEMO_ADVISER, DEMO_MANAGER])
        found = {user.username: user for user in users}
        if len(found) < 2:
            self.stdout.write("No demo staff yet: run `manage.py seed_demo` first.")
            return
        site = settings.SITE_URL
        write = self.stdout.write
        write(self.style.MIGRATE_HEADING("Community Rights Desk demo"))
        write(f"  Staff desk       {site}{reverse('casework:queue')}")
        write(f"  Public form      {site}{reverse('enquiries:enquire')}")
        write(f"  API docs         {site}{reverse('api:docs')}")
        write(f"  Admin            {site}{reverse('admin:index')}")
        write("")
        for role, username in (("Adviser", DEMO_ADVISER), ("Manager", DEMO_MANAGER)):
            name = found[username].get_full_name() or username
            write(f"  {role} login    {username} / {DEMO_PASSWORD}  ({name})")
        write("  (the manager can also use the admin)")
        enquiry = self._open_enquiry()
        if enquiry is not None:
            # Tokens are never stored, only their hashes: the only way to show a
            # working link is to mint a new one.
            link = tracking_url(tracking_link_create(enquiry=enquiry))
            write(f"  A group's view   {link}  ({enquiry.reference})")

    @staticmethod
    def _open_enquiry() -> Enquiry | None:
        """A recent open enquiry that an adviser holds: the most interesting one to follow."""
        open_enquiries = Enquiry.objects.filter(status__in=Status.open_values())
        return (
            open_enquiries.filter(assigned_to__isnull=False).order_by("-received_at").first()
            or open_enquiries.order_by("-received_at").first()
        )
