"""The one notification that goes up the layers: casework listens and routes."""

from django.dispatch import Signal

# Sent inside the transaction that saved a new enquiry; kwargs: enquiry, actor.
enquiry_received = Signal()
