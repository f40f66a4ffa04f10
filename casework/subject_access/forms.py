"""The form that records a subject access request."""

from casework.retention.forms import PersonRequestForm


class SubjectAccessForm(PersonRequestForm):
    """Who asked and when: the answer is due a calendar month later."""
