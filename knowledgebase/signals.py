"""The one notification knowledgebase sends up the layers (it imports no app above it):
casework listens and brings the deadlines it stored from a rule in line with it."""

from django.dispatch import Signal

# A deadline rule was saved (added or edited); sent inside the save's transaction.
# kwargs: rule, actor (who saved it, through ``services.deadline_rule_save``; None when
# it was saved some other way, e.g. in a shell: the change is announced all the same).
deadline_rule_changed = Signal()
