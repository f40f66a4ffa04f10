"""What the enquiry page shows of its documents, and the forms to add one or to write to
the group (kept apart from ``casework.views`` so both it and the views that post these
forms can use it)."""

import uuid

from casework import policies
from casework import selectors_workspace as workspace
from casework.forms_edit import PublicMessageForm, StaffDocumentForm
from enquiries.models import Enquiry


def documents_context(
    user,
    enquiry: Enquiry,
    *,
    document_form: StaffDocumentForm | None = None,
    message_form: PublicMessageForm | None = None,
    submission_key: str = "",
) -> dict:
    """The enquiry's documents (one query) and the forms the user may use."""
    return {
        "documents": list(workspace.attachment_list(enquiry=enquiry)),
        "document_form": (
            (document_form or StaffDocumentForm(prefix="doc"))
            if policies.can_add_staff_document(user, enquiry)
            else None
        ),
        "message_form": (
            (message_form or PublicMessageForm(prefix="msg"))
            if policies.can_publish_message(user, enquiry)
            else None
        ),
        # One per rendering of the form: a double click or a resubmission publishes once.
        "submission_key": submission_key or uuid.uuid4().hex,
        "can_edit_enquiry": policies.can_edit_enquiry(user, enquiry),
    }
