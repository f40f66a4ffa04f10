"""The user of a signed-in request, read with their role in one query (issue 12).

Django's ``ModelBackend`` reads the user, then on the first permission check their own
and their groups' permissions (two queries), and the desk then reads their adviser
profile and its teams (two more): five queries before a page starts. This backend reads
them together (``policies.users_with_roles``). Signing in, passwords and permission rules
are ``ModelBackend``'s; sessions signed in with it before keep it (settings list both).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User

from casework import policies


class DeskBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = policies.users_with_roles().filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        return policies.with_roles(user)
