"""Make a staff API token from the command line (scripts, the benchmark)."""

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from casework.tokens.services import api_token_create


class Command(BaseCommand):
    help = "Make an API token for a member of staff; prints the key once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}.")
        try:
            made = api_token_create(user=user, name=options["name"], days=options["days"])
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Generated token {made.key} for user {user.username}")
