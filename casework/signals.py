"""Notifications inside casework that its models send and its receivers handle."""

from django.dispatch import Signal

# Sent after ``Outcome.objects...update()`` or ``bulk_create()`` wrote rows without a save
# signal, in the same transaction; kwargs: pks (the rows), enquiry_pks and recorded_at
# (their enquiries and recorded times before the write; none when created) and fields
# (the fields written; None when created). The report rollups listen (casework.receivers).
outcome_rows_written = Signal()
