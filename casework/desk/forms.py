"""Form helpers shared by the desk's edit forms."""

from django import forms

from config.limits import max_length
from enquiries.models import Enquiry


def parse_version(value) -> int | None:
    """The version an edit form was loaded at (a hidden field), or None if missing or bad."""
    try:
        version = int(value)
    except (TypeError, ValueError):
        return None
    return version if version > 0 else None


class DetailsEditForm(forms.Form):
    """The details of an enquiry or a case, edited with the version they were read at
    (``casework.desk.views.versioned_edit``). Fields are named as the model's, so the form
    starts from the record; both records name the building or land the group is about."""

    asset_name = forms.CharField(
        label="Building or land (name)",
        max_length=max_length(Enquiry, "asset_name"),
        required=False,
    )
    asset_address = forms.CharField(
        label="Building or land (address)",
        max_length=Enquiry.ASSET_ADDRESS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def initial_from(cls, record) -> dict:
        """The record's values of the form's fields (a related record by its key)."""
        return {
            name: getattr(record, record._meta.get_field(name).attname) for name in cls.base_fields
        }
