from django import forms

QUERY_MAX_LENGTH = 200


class DeskSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the desk",
        max_length=QUERY_MAX_LENGTH,
        min_length=2,
        help_text="A reference, a case number, a name, an email address, a postcode, an "
        "organisation, a building, or words from an enquiry, its messages or notes.",
        error_messages={
            "required": "Enter something to search for.",
            "min_length": "Enter at least 2 characters.",
            "max_length": f"Enter at most {QUERY_MAX_LENGTH} characters.",
        },
    )
