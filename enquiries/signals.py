"""The one notification enquiries sends up the layers: casework listens and routes."""

from django.dispatch import Signal

# Sent inside the transaction that saved a new enquiry; kwargs: enquiry, actor, and
# route (False when the adviser who logged it by hand keeps it, so it is not routed), and
# triage_reason (when set, it waits for triage with that reason instead of being routed
# by topic: mail that may not be from whom it seems). Receivers change the ``enquiry``
# instance they are given (not a copy read again), so the sender needs no re-read.
enquiry_received = Signal()

# Sent after ``Enquiry.objects...update()`` or ``bulk_create()`` wrote rows without a save
# signal, in the same transaction; kwargs: pks (the rows), received_at (their received
# times before the write) and fields (the fields written; None when created). Casework's
# report rollups listen (casework.rollups): a figure those rows were in may have moved.
enquiry_rows_written = Signal()
